"""Quarterly reports benchmark: a ledger of many quarters, from check to the national roll-up.

    python -m benchmarks.bench_reports                   # 1,000 / 5,000 / 10,000 files
    python -m benchmarks.bench_reports --sizes 1000 --runs 1 --keep /tmp/reports
    python -m benchmarks.bench_reports --quick           # 250 and 500 files, a smoke run

250 bases in four provinces report every quarter, year after year (1,000 files are one
year, 10,000 are ten). Each report is built as `formkit distribute --period` builds it
(identity and period pre-filled and locked, the base's own submission id), with every
figure filled as the base would: quarter figures whose cumulatives add up, 同比 growths
computed from last year's cumulatives, 5-10 key enterprises that stay from quarter to
quarter. The roster of every period is recorded in a ledger first, as `distribute --db`
records it. Then, for each size, as subprocesses (wall time, peak memory of the largest
process in the tree, sampled from /proc):

* `formkit check DIR --json OUT --jobs 2`;
* `formkit ingest DIR --db NEW --jobs 2` into a fresh copy of the roster-only ledger;
* `formkit summary --db LEDGER --form kjxm-cxjd-jidu --unit P -o OUT` for each of the four
  provinces (the latest quarter; the other quarters go to 明细 for the comparisons);
* `formkit rollup` of the four summaries;

and, in this process, a web upload's path: `Ledger.ingest` of one new file (jobs=1, as
`formkit serve` calls it) into a copy of a ledger holding 10 files and of one holding the
largest size's files (median of `--uploads` files, each into a fresh copy).

Targets: the ledger route at the largest size (ingest + four summaries + roll-up; ingest
checks every file) within 30 s; peak memory of each step at most 1.5x from the smallest
to the largest size; a web upload into the large ledger within 1.5x of the small one.
The machine is shared: quote medians of `--runs`, and ratios within one run.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from benchmarks.bench_read import ROOT, TreeSampler

JIDU = "kjxm-cxjd-jidu"
BASES = 250
# province -> how many of the 250 bases it has
PROVINCES = {"江苏省": 70, "浙江省": 60, "广东省": 70, "山东省": 50}
FIRST_YEAR = 2007
QUARTERS = ("第一季度", "第二季度", "第三季度", "第四季度")
STEMS = (
    "export_value",
    "hitech_export_value",
    "own_ip_export_value",
    "own_brand_export_value",
    "tech_import_contracts",
    "tech_import_value",
    "intl_certifications",
    "foreign_patents",
    "foreign_trademarks",
    "foreign_copyrights",
    "software_export_value",
    "outsourcing_value",
)
GROWTHS = {
    "export_growth": "export_value",
    "hitech_export_growth": "hitech_export_value",
    "software_export_growth": "software_export_value",
}
TIME_LIMIT = 30.0
MEMORY_FLAT = 1.5
UPLOAD_FLAT = 1.5


# ---------------------------------------------------------------- the reports


@dataclass(frozen=True)
class Base:
    unit: str
    name: str
    base_type: str
    application_id: str
    seed: int


@cache
def bases() -> tuple[Base, ...]:
    from formkit.forms import load_form_spec

    types = load_form_spec(JIDU).field("base_type").choices
    out: list[Base] = []
    for unit, count in PROVINCES.items():
        for i in range(count):
            n = len(out)
            out.append(
                Base(
                    unit,
                    f"{unit[:2]}第{i + 1}国家出口创新基地",
                    types[n % len(types)],
                    f"2006-{n:04d}",
                    seed=n,
                )
            )
    return tuple(out)


@cache
def roster_rows(all_bases: tuple[Base, ...]) -> list[Any]:
    from formkit.distribute import RosterRow
    from formkit.reference import load_reference

    ref = load_reference()
    rows = []
    for i, b in enumerate(all_bases, start=2):
        unit = ref.unit(b.unit)
        assert unit is not None
        cells = {
            "province": b.unit,
            "base_name": b.name,
            "base_type": b.base_type,
            "application_id": b.application_id,
            "contact_person": "王芳",
            "contact_phone": "025-83301234",
        }
        rows.append(RosterRow(i, unit.name, unit.code, b.name, cells, JIDU, "province"))
    return rows


def periods(n_files: int) -> list[tuple[int, int]]:
    """(year, quarter) of the first n_files / 250 quarters."""
    count = -(-n_files // BASES)
    return [(FIRST_YEAR + k // 4, k % 4 + 1) for k in range(count)]


def _quarter_figures(base: Base, year: int, quarter: int) -> dict[str, float | int]:
    """This quarter's own figures for one base: the same every time they are asked for."""
    rng = random.Random(f"{base.seed}-{year}-{quarter}")
    export = round(rng.uniform(5000, 60000), 2)
    hitech = round(export * rng.uniform(0.4, 0.8), 2)
    software = round(rng.uniform(500, 5000), 2)
    return {
        "export_value": export,
        "hitech_export_value": hitech,
        "own_ip_export_value": round(hitech * rng.uniform(0.1, 0.3), 2),
        "own_brand_export_value": round(hitech * rng.uniform(0.1, 0.3), 2),
        "tech_import_contracts": rng.randint(0, 9),
        "tech_import_value": round(rng.uniform(100, 3000), 2),
        "intl_certifications": rng.randint(0, 5),
        "foreign_patents": rng.randint(0, 20),
        "foreign_trademarks": rng.randint(0, 8),
        "foreign_copyrights": rng.randint(0, 4),
        "software_export_value": software,
        "outsourcing_value": round(software * rng.uniform(0.2, 0.6), 2),
        "enterprise_count": rng.randint(120, 200),
    }


def _ytd(base: Base, year: int, quarter: int) -> dict[str, float | int]:
    out: dict[str, float | int] = {}
    for q in range(1, quarter + 1):
        for stem, v in _quarter_figures(base, year, q).items():
            if stem == "enterprise_count":
                out[stem] = max(int(out.get(stem, 0)), int(v))  # distinct enterprises
            else:
                out[stem] = out.get(stem, 0) + v
    return {k: round(v, 2) if isinstance(v, float) else v for k, v in out.items()}


def report_values(base: Base, year: int, quarter: int) -> dict[str, Any]:
    """Every figure of one quarter's report, consistent with the base's other quarters."""
    q = _quarter_figures(base, year, quarter)
    ytd = _ytd(base, year, quarter)
    last = _ytd(base, year - 1, quarter) if year > FIRST_YEAR else None
    values: dict[str, Any] = {"fill_date": dt.date(year + quarter // 4, quarter * 3 % 12 + 1, 10)}
    for stem in ("enterprise_count", *STEMS):
        values[f"{stem}_q"] = q[stem]
        values[f"{stem}_ytd"] = ytd[stem]
    for growth, stem in GROWTHS.items():
        before = float(last[stem]) if last else 0.0
        values[growth] = round((float(ytd[stem]) / before - 1) * 100, 1) if before else 10.0
    rng = random.Random(f"{base.seed}-enterprises")
    count = rng.randint(5, 10)
    share = float(q["export_value"]) / (count * 4)
    values["key_enterprises"] = [
        {
            "name": f"{base.name[:4]}示例企业{i + 1}有限公司",
            "export_value_q": round(share, 2),
            "export_value_ytd": round(share * quarter, 2),
            "hitech_export_value_q": round(share / 2, 2),
            "hitech_export_value_ytd": round(share / 2 * quarter, 2),
            "export_growth": 12.5,
            "main_markets": "美国、欧盟、日本",
            "own_brand": i % 2 == 0,
        }
        for i in range(count)
    ]
    values["important_info"] = f"本季度组织{quarter + 3}家企业参加国际展会。"
    return values


def _build(job: tuple[int, int, int, str]) -> None:
    index, year, quarter, path = job
    from formkit.distribute import locked_fields, parse_period
    from formkit.forms import load_form_spec
    from formkit.template import build_template

    spec = load_form_spec(JIDU)
    all_bases = bases()
    row = roster_rows(all_bases)[index]
    period = parse_period(f"{year}Q{quarter}", spec)
    mine = row.values()
    fixed = dict(period.values)
    data = build_template(
        spec,
        year=year,
        values={**report_values(all_bases[index], year, quarter), **mine, **fixed},
        locked_fields=[*(f for f in locked_fields(spec) if mine.get(f) not in (None, "")), *fixed],
        submission_id=row.submission_id(year, period),
    )
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".part")
    tmp.write_bytes(data)
    # received in period order: a quarter's files are newer than the quarter before's
    stamp = dt.datetime(year, quarter * 3 % 12 + 1, 10).timestamp() + index
    os.utime(tmp, (stamp, stamp))
    tmp.replace(target)


def make_reports(folder: Path, n_files: int, jobs: int = 2) -> list[Path]:
    """The first n_files reports (whole quarters of 250) under folder/<2007Q1>/..., built
    once: a later run with the same folder reuses them."""
    from formkit.distribute import file_name, parse_period
    from formkit.forms import load_form_spec

    spec = load_form_spec(JIDU)
    rows = roster_rows(bases())
    todo, paths = [], []
    for year, quarter in periods(n_files):
        period = parse_period(f"{year}Q{quarter}", spec)
        for i, row in enumerate(rows):
            path = folder / period.tag / file_name(row, spec, period)
            paths.append(path)
            if not path.exists():
                todo.append((i, year, quarter, str(path)))
    if todo:
        print(f"building {len(todo)} reports in {folder}", file=sys.stderr)
        with ProcessPoolExecutor(jobs) as pool:
            list(pool.map(_build, todo, chunksize=50))
    return paths


def roster_ledger(path: Path, n_files: int) -> Path:
    """A ledger holding the roster of every period, as `distribute --period --db` leaves it."""
    from formkit.distribute import parse_period
    from formkit.forms import load_form_spec
    from formkit.ledger import Ledger

    spec = load_form_spec(JIDU)
    rows = roster_rows(bases())
    path.unlink(missing_ok=True)
    with Ledger(path) as ledger:
        for year, quarter in periods(n_files):
            ledger.add_roster(rows, year=year, period=parse_period(f"{year}Q{quarter}", spec))
    return path


def linked_set(source: list[Path], root: Path, folder: Path) -> Path:
    """A folder of hard links to `source` (the first N files of the big set)."""
    if folder.exists():
        shutil.rmtree(folder)
    for p in source:
        target = folder / p.relative_to(root)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(p, target)
    return folder


# ---------------------------------------------------------------- measuring


@dataclass
class Step:
    wall: float
    peak_kb: int  # the largest VmHWM of any one process in the tree
    code: int


def run(args: list[str], ok: tuple[int, ...] = (0, 1)) -> Step:
    cmd = [sys.executable, "-m", "formkit", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    if proc.returncode not in ok:
        raise RuntimeError(f"formkit {args[0]} exited {proc.returncode}: {err[-3000:]!r}")
    return Step(wall, max(sampler.hwm.values(), default=0), proc.returncode)


def route(folder: Path, roster_db: Path, work: Path) -> dict[str, Step]:
    """check, ingest into a fresh ledger, four summaries from it, the roll-up."""
    out: dict[str, Step] = {}
    work.mkdir(parents=True, exist_ok=True)
    out["check"] = run(["check", str(folder), "--json", str(work / "check.json"), "--jobs", "2"])
    db = work / "ledger.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(roster_db, db)
    out["ingest"] = run(["ingest", str(folder), "--db", str(db), "--jobs", "2"])
    summaries = work / "summaries"
    shutil.rmtree(summaries, ignore_errors=True)
    summaries.mkdir()
    walls, peaks = [], []
    for unit in PROVINCES:
        step = run(
            ["summary", "--db", str(db), "--form", JIDU, "--unit", unit]
            + ["-o", str(summaries / f"{unit}.xlsx")]
        )
        walls.append(step.wall)
        peaks.append(step.peak_kb)
    out["summary --db (4)"] = Step(sum(walls), max(peaks), 0)
    out["rollup"] = run(
        ["rollup", str(summaries), "--form", JIDU, "-o", str(work / "全国汇总.xlsx")]
    )
    return out


def upload(db: Path, new_file: Path, work: Path) -> float:
    """One web upload's recording: Ledger.ingest of one file (jobs=1) into a copy of db."""
    from formkit.ledger import Ledger
    from formkit.read import ReadOptions

    copy = work / "upload.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{copy}{suffix}").unlink(missing_ok=True)
    with Ledger(db) as ledger:  # fold the WAL in, so the copy is the whole ledger
        ledger.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copyfile(db, copy)
    with Ledger(copy) as ledger:
        t0 = time.perf_counter()
        report = ledger.ingest([new_file], jobs=1, options=ReadOptions(forms=(JIDU,)))
        wall = time.perf_counter() - t0
    assert report.new == 1, report
    return wall


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--quick", action="store_true", help="250 and 500 files")
    parser.add_argument("--keep", type=Path, help="build the reports here and keep them")
    parser.add_argument("--runs", type=int, default=1, help="runs of each step (medians)")
    parser.add_argument("--uploads", type=int, default=5, help="web uploads timed per ledger")
    args = parser.parse_args(argv)
    sizes = [250, 500] if args.quick else [int(s) for s in args.sizes.split(",")]
    compileall.compile_dir(ROOT / "formkit", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        big = max(sizes)
        # the next quarter's files: the uploads into a full ledger
        all_paths = make_reports(base / "reports", big + BASES)
        root = base / "reports"
        results: dict[int, dict[str, list[Step]]] = {}
        ledgers: dict[int, Path] = {}
        for n in sizes:
            folder = linked_set(all_paths[:n], root, Path(tmp) / f"n{n}")
            roster_db = roster_ledger(Path(tmp) / f"roster{n}.db", n)
            steps: dict[str, list[Step]] = {}
            for r in range(max(1, args.runs)):
                work = Path(tmp) / f"work{n}-{r}"
                for name, step in route(folder, roster_db, work).items():
                    steps.setdefault(name, []).append(step)
                print(f"n={n} run {r + 1}: " + ", ".join(
                    f"{k} {v[-1].wall:.2f}s" for k, v in steps.items()), file=sys.stderr)
            results[n] = steps
            ledgers[n] = Path(tmp) / f"work{n}-0" / "ledger.db"
        # web uploads: a ledger of 10 files against the largest one, the same new files
        small_dir = linked_set(all_paths[:10], root, Path(tmp) / "n10")
        small_db = Path(tmp) / "small.db"
        shutil.copyfile(roster_ledger(Path(tmp) / "roster10.db", big + BASES), small_db)
        run(["ingest", str(small_dir), "--db", str(small_db), "--jobs", "1"])
        extra = all_paths[big : big + args.uploads]
        small_up, big_up = [], []
        for f in extra:
            small_up.append(upload(small_db, f, Path(tmp)))
            big_up.append(upload(ledgers[big], f, Path(tmp)))
    return report(sizes, results, small_up, big_up)


def report(
    sizes: list[int],
    results: dict[int, dict[str, list[Step]]],
    small_up: list[float],
    big_up: list[float],
) -> int:
    def med(steps: list[Step]) -> float:
        return statistics.median(s.wall for s in steps)

    def peak(steps: list[Step]) -> int:
        return max(s.peak_kb for s in steps)

    names = list(results[sizes[0]])
    lines = ["| step | " + " | ".join(f"{n:,} files" for n in sizes) + " |"]
    lines.append("|---|" + "---|" * len(sizes))
    for name in names:
        cells = [
            f"{med(results[n][name]):.2f} s, {peak(results[n][name]) / 1024:.0f} MB"
            for n in sizes
        ]
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    big, small = max(sizes), min(sizes)
    ledger_route = sum(med(results[big][k]) for k in ("ingest", "summary --db (4)", "rollup"))
    whole = ledger_route + med(results[big]["check"])
    mem = {k: peak(results[big][k]) / max(1, peak(results[small][k])) for k in names}
    up_small, up_big = statistics.median(small_up), statistics.median(big_up)
    verdict = {True: "PASS", False: "FAIL"}
    lines += [
        "",
        f"ledger route at {big:,} (ingest + 4 summaries + roll-up): {ledger_route:.1f} s;"
        f" with a separate check first: {whole:.1f} s",
        "peak memory, largest process, "
        f"{big:,} vs {small:,}: " + ", ".join(f"{k} {v:.2f}x" for k, v in mem.items()),
        f"web upload (Ledger.ingest of one file): into 10 files {up_small * 1000:.0f} ms,"
        f" into {big:,} files {up_big * 1000:.0f} ms ({up_big / up_small:.2f}x;"
        f" medians of {len(small_up)})",
        "",
        f"- ledger route within {TIME_LIMIT:g} s: {verdict[ledger_route <= TIME_LIMIT]}",
        f"- memory flat (<= {MEMORY_FLAT:g}x): {verdict[max(mem.values()) <= MEMORY_FLAT]}",
        f"- web upload as fast into {big:,} as into 10 (<= {UPLOAD_FLAT:g}x):"
        f" {verdict[up_big / up_small <= UPLOAD_FLAT]}",
    ]
    print("\n".join(lines))
    passed = (
        ledger_route <= TIME_LIMIT
        and max(mem.values()) <= MEMORY_FLAT
        and up_big / up_small <= UPLOAD_FLAT
    )
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
