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
import json
import os
import random
import shutil
import sqlite3
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

# Run in a formkit tree (ours, or the baseline's) as `python -c SCRIPT ARGS`, so each tree's
# own ledger code makes and reads its ledgers.
ROSTER_SCRIPT = """
import json, sys
from formkit.distribute import RosterRow, parse_period
from formkit.forms import load_form_spec
from formkit.ledger import Ledger
db, rows, periods = sys.argv[1:4]
spec = load_form_spec("kjxm-cxjd-jidu")
rows = [RosterRow(**r) for r in json.load(open(rows, encoding="utf-8"))]
with Ledger(db) as ledger:
    for p in json.load(open(periods, encoding="utf-8")):
        ledger.add_roster(rows, year=int(p[:4]), period=parse_period(p, spec))
"""
UPLOAD_SCRIPT = """
import sys, time
from formkit.ledger import Ledger
try:
    from formkit.forms import read_options
    options = read_options(forms=("kjxm-cxjd-jidu",))
except ImportError:  # a tree from before the reader was given its forms (issue #22)
    from formkit.read import ReadOptions
    options = ReadOptions(forms=("kjxm-cxjd-jidu",))
db, path = sys.argv[1:3]
t0 = time.perf_counter()
with Ledger(db) as ledger:
    report = ledger.ingest([path], jobs=1, options=options)
assert report.new == 1, report
print(time.perf_counter() - t0)
"""
COUNT_SCRIPT = """
import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("SELECT COUNT(*) FROM files").fetchone()[0])
"""


@dataclass
class Step:
    wall: float
    peak_kb: int  # the largest VmHWM of any one process in the tree
    code: int
    note: str = ""


def run(tree: Path, args: list[str], *, limit: float | None = None) -> Step:
    """`formkit ARGS` run from `tree`; stopped after `limit` seconds (code -9) if given."""
    cmd = [sys.executable, "-m", "formkit", *args]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=tree, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True
    )
    sampler = TreeSampler(proc.pid)
    sampler.start()
    try:
        _, err = proc.communicate(timeout=limit)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        _, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    if proc.returncode not in (0, 1, -9):
        raise RuntimeError(f"formkit {args[0]} exited {proc.returncode}: {err[-3000:]!r}")
    return Step(wall, max(sampler.hwm.values(), default=0), proc.returncode)


def script(tree: Path, text: str, *args: object) -> str:
    done = subprocess.run(
        [sys.executable, "-c", text, *map(str, args)],
        cwd=tree,
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout.strip()


def roster_ledger(tree: Path, path: Path, n_files: int, work: Path) -> Path:
    """A ledger holding the roster of every period, as `distribute --period --db` leaves it,
    made by `tree`'s code (the older tree's, so both can open it)."""
    rows = [
        {
            "row": r.row,
            "unit": r.unit,
            "unit_code": r.unit_code,
            "subject": r.subject,
            "cells": dict(r.cells),
            "form_id": r.form_id,
            "unit_field": r.unit_field,
        }
        for r in roster_rows(bases())
    ]
    (work / "rows.json").write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    tags = [f"{y}Q{q}" for y, q in periods(n_files)]
    (work / "periods.json").write_text(json.dumps(tags), encoding="utf-8")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    script(tree, ROSTER_SCRIPT, path, work / "rows.json", work / "periods.json")
    return path


def fresh_copy(source: Path, target: Path) -> Path:
    """A copy of a ledger with its WAL folded in."""
    with sqlite3.connect(source) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    for suffix in ("", "-wal", "-shm"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    shutil.copyfile(source, target)
    # on disk before it is timed: a ledger in use was not just written, and the checkpoint
    # at close (synchronous=FULL) would otherwise flush the whole copy (0.2 s at 10,000)
    with open(target, "rb+") as fh:
        os.fsync(fh.fileno())
    return target


def downgrade(source: Path, target: Path) -> Path:
    """Our ledger as the version before stored decisions: what the baseline's own ingest
    records (the decisions are equal: tests/test_supersession_incremental.py), for the
    baseline's summaries when its ingest was stopped."""
    from formkit.ledger import MIGRATIONS

    fresh_copy(source, target)
    before = next(i for i, m in enumerate(MIGRATIONS) if isinstance(m, str) and "disposition" in m)
    with sqlite3.connect(target) as conn:
        conn.execute("DROP INDEX files_by_period_key")  # version 10's
        conn.execute("ALTER TABLE files DROP COLUMN period_key")
        conn.execute("DROP INDEX files_by_app")
        conn.execute("DROP INDEX files_by_name_link")
        for col in ("app_key", "name_link", "disposition", "decision_key", "reason", "conflicts"):
            conn.execute(f"ALTER TABLE files DROP COLUMN {col}")
        conn.execute("DROP TABLE web_login_failures")  # version 9's
        conn.execute(f"PRAGMA user_version = {before}")
    return target


def route(
    tree: Path, folder: Path, roster_db: Path, work: Path, n: int, limit: float | None
) -> tuple[dict[str, Step], Path]:
    """check, ingest into a fresh ledger, four summaries from it, the roll-up; and the
    ledger the summaries were made from."""
    out: dict[str, Step] = {}
    work.mkdir(parents=True, exist_ok=True)
    check = ["check", str(folder), "--json", str(work / "check.json"), "--jobs", "2"]
    out["check"] = run(tree, check)
    db = fresh_copy(roster_db, work / "ledger.db")
    out["ingest"] = step = run(
        tree, ["ingest", str(folder), "--db", str(db), "--jobs", "2"], limit=limit
    )
    if step.code == -9:
        recorded = script(tree, COUNT_SCRIPT, db)
        step.note = f"stopped at {limit:g} s with {recorded} of {n:,} recorded"
        return out, db
    summaries = work / "summaries"
    shutil.rmtree(summaries, ignore_errors=True)
    summaries.mkdir()
    out.update(summarise(tree, db, summaries, work))
    return out, db


def summarise(tree: Path, db: Path, summaries: Path, work: Path) -> dict[str, Step]:
    walls, peaks = [], []
    for unit in PROVINCES:
        out = summaries / f"{unit}.xlsx"
        step = run(
            tree, ["summary", "--db", str(db), "--form", JIDU, "--unit", unit, "-o", str(out)]
        )
        walls.append(step.wall)
        peaks.append(step.peak_kb)
    national = work / "全国汇总.xlsx"
    return {
        "summary --db (4)": Step(sum(walls), max(peaks), 0),
        "rollup": run(tree, ["rollup", str(summaries), "--form", JIDU, "-o", str(national)]),
    }


def upload(tree: Path, db: Path, new_file: Path, work: Path) -> float:
    """One web upload's recording (Ledger.ingest of one file, jobs=1, as `formkit serve`
    calls it, the ledger opened too) into a fresh copy of db."""
    copy = fresh_copy(db, work / "upload.db")
    return float(script(tree, UPLOAD_SCRIPT, copy, new_file))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,5000,10000")
    parser.add_argument("--quick", action="store_true", help="250 and 500 files")
    parser.add_argument("--keep", type=Path, help="build the reports here and keep them")
    parser.add_argument("--runs", type=int, default=1, help="runs of each step (medians)")
    parser.add_argument("--uploads", type=int, default=5, help="web uploads timed per ledger")
    parser.add_argument(
        "--baseline",
        type=Path,
        help="another formkit tree (e.g. main before the change): "
        "every step is run with it too, taking turns with this tree",
    )
    parser.add_argument(
        "--limit",
        type=float,
        default=300.0,
        help="stop the baseline's ingest after this "
        "many seconds (its summaries then read our ledger, downgraded)",
    )
    args = parser.parse_args(argv)
    sizes = [250, 500] if args.quick else [int(s) for s in args.sizes.split(",")]
    trees = {"formkit": ROOT}
    if args.baseline is not None:
        trees = {"baseline": args.baseline.resolve(), **trees}
    for tree in trees.values():
        compileall.compile_dir(tree / "formkit", quiet=1)
    oldest = next(iter(trees.values()))
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        big = max(sizes)
        # the next quarter's files: the uploads into a full ledger
        all_paths = make_reports(base / "reports", big + BASES)
        root = base / "reports"
        results: dict[str, dict[int, dict[str, list[Step]]]] = {t: {} for t in trees}
        ledgers: dict[str, Path] = {}
        for n in sizes:
            folder = linked_set(all_paths[:n], root, Path(tmp) / f"n{n}")
            roster_db = roster_ledger(oldest, Path(tmp) / f"roster{n}.db", n, Path(tmp))
            for r in range(max(1, args.runs)):
                for name, tree in trees.items():  # taking turns: the same noise for both
                    work = Path(tmp) / f"{name}{n}-{r}"
                    limit = args.limit if name == "baseline" else None
                    steps, db = route(tree, folder, roster_db, work, n, limit)
                    if name == "baseline" and "rollup" not in steps:
                        ours = Path(tmp) / f"formkit{n}-{r}" / "ledger.db"
                        if not ours.exists():  # ours runs second: make its ledger now
                            ours.parent.mkdir(parents=True, exist_ok=True)
                            fresh_copy(roster_db, ours)
                            run(ROOT, ["ingest", str(folder), "--db", str(ours), "--jobs", "2"])
                        db = downgrade(ours, work / "downgraded.db")
                        summaries = work / "summaries"
                        summaries.mkdir(exist_ok=True)
                        steps.update(summarise(tree, db, summaries, work))
                    for k, v in steps.items():
                        results[name].setdefault(n, {}).setdefault(k, []).append(v)
                    if n == big and r == 0:
                        ledgers[name] = db
                    print(
                        f"{name} n={n} run {r + 1}: "
                        + ", ".join(f"{k} {v.wall:.1f}s {v.note}" for k, v in steps.items()),
                        file=sys.stderr,
                    )
        # web uploads: a ledger of 10 files against the largest one, the same new files
        small_dir = linked_set(all_paths[:10], root, Path(tmp) / "n10")
        roster_all = roster_ledger(oldest, Path(tmp) / "roster-all.db", big + BASES, Path(tmp))
        uploads: dict[str, tuple[list[float], list[float]]] = {}
        for name, tree in trees.items():
            small_db = fresh_copy(roster_all, Path(tmp) / f"small-{name}.db")
            run(tree, ["ingest", str(small_dir), "--db", str(small_db), "--jobs", "1"])
            small_up, big_up = [], []
            for f in all_paths[big : big + args.uploads]:
                small_up.append(upload(tree, small_db, f, Path(tmp)))
                big_up.append(upload(tree, ledgers[name], f, Path(tmp)))
            uploads[name] = (small_up, big_up)
    return report(sizes, results, uploads)


def _med(steps: list[Step]) -> float:
    return statistics.median(s.wall for s in steps)


def _peak(steps: list[Step]) -> int:
    return max(s.peak_kb for s in steps)


def report(
    sizes: list[int],
    results: dict[str, dict[int, dict[str, list[Step]]]],
    uploads: dict[str, tuple[list[float], list[float]]],
) -> int:
    big, small = max(sizes), min(sizes)
    names = list(results["formkit"][small])
    lines = [
        "| step | tree | " + " | ".join(f"{n:,} files" for n in sizes) + " |",
        "|---|---|" + "---|" * len(sizes),
    ]
    for step in names:
        for tree, by_size in results.items():
            cells = []
            for n in sizes:
                got = by_size.get(n, {}).get(step)
                if not got:
                    cells.append("")
                    continue
                note = f" ({got[0].note})" if got[0].note else ""
                cells.append(f"{_med(got):.1f} s, {_peak(got) / 1024:.0f} MB{note}")
            lines.append(f"| {step} | {tree} | " + " | ".join(cells) + " |")
    ours = results["formkit"]
    ledger_route = sum(_med(ours[big][k]) for k in ("ingest", "summary --db (4)", "rollup"))
    whole = ledger_route + _med(ours[big]["check"])
    mem = {k: _peak(ours[big][k]) / max(1, _peak(ours[small][k])) for k in names}
    verdict = {True: "PASS", False: "FAIL"}
    lines += [
        "",
        f"ledger route at {big:,} (ingest, which checks every file, + 4 summaries + roll-up):"
        f" {ledger_route:.1f} s; with a separate check first: {whole:.1f} s",
        f"peak memory, largest process, {big:,} vs {small:,} files: "
        + ", ".join(f"{k} {v:.2f}x" for k, v in mem.items()),
    ]
    for tree, (small_up, big_up) in uploads.items():
        a, b = statistics.median(small_up), statistics.median(big_up)
        lines.append(
            f"{tree}: web upload (the ledger opened, one file ingested, jobs=1) into 10 files"
            f" {a * 1000:.0f} ms, into {big:,} files {b * 1000:.0f} ms ({b / a:.2f}x;"
            f" medians of {len(small_up)})"
        )
    up_small, up_big = (statistics.median(x) for x in uploads["formkit"])
    lines += [
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
