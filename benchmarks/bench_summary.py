"""Summary benchmark: `formkit summary` end to end, and writing the summary workbook.

    python -m benchmarks.bench_summary            # N=1000 filled workbooks
    python -m benchmarks.bench_summary --quick    # N=50, a smoke run

In one run, on the same N files (made like bench_read's):

* end to end: `formkit summary DIR -o OUT --jobs 2` as a subprocess (wall time, peak
  memory of any one process in its tree, sampled from /proc) for N and for 10 files;
  against the baseline a user would write, in this process (`--runs` times each,
  alternating; medians compared): `pandas.read_excel` of every
  file (all sheets, openpyxl), concatenating the 第一项 sheets, `DataFrame.to_excel`
  with openpyxl;
* writing alone: `formkit.summary.build` of the collected data (median of repeats)
  against xlsxwriter writing plain tables of the same rows and columns (the printed 汇总表
  and 明细: the summary writes each application on both);
* prints a Markdown table and the targets with PASS/FAIL: end to end at least 10x faster
  than the baseline; writing within 2x of the plain table; peak memory at N at most 1.5x
  the peak at 10 files.
"""

from __future__ import annotations

import argparse
import compileall
import io
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.bench_read import ROOT, TreeSampler, make_workbooks

SPEEDUP = 10.0
WRITE_WITHIN = 2.0
MEMORY_FLAT = 1.5


def run_summary(folder: Path, out: Path, jobs: int) -> tuple[float, int]:
    """(wall seconds, largest VmHWM of any process in the tree, kB)."""
    cmd = [
        sys.executable,
        "-m",
        "formkit",
        "summary",
        str(folder),
        "-o",
        str(out),
        "--jobs",
        str(jobs),
    ]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sampler = TreeSampler(proc.pid)
    sampler.start()
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"formkit summary exited {proc.returncode}: {err[-2000:]!r}")
    return wall, max(sampler.hwm.values(), default=0)


def baseline(paths: list[Path], out: Path) -> float:
    import pandas as pd

    t0 = time.perf_counter()
    frames = []
    for p in paths:
        sheets = pd.read_excel(p, sheet_name=None, engine="openpyxl")
        frame = sheets["第一项：基地基本情况"]
        frame["file"] = p.name
        frames.append(frame)
    pd.concat(frames).to_excel(out, engine="openpyxl", index=False)
    return time.perf_counter() - t0


def writing(paths: list[Path], repeats: int) -> tuple[float, float, int, int]:
    """Median seconds: formkit.summary.build vs a plain xlsxwriter table; rows, columns."""
    import xlsxwriter

    from formkit.api import load_spec
    from formkit.check import check_file
    from formkit.summary.collect import collect
    from formkit.summary.sheets import build, detail_columns, print_columns

    data = collect([check_file(p) for p in paths])
    build(data)  # the proposal's columns filled in, as the timed builds see them
    spec = load_spec()
    # the summary writes each application twice: on the printed 汇总表 and on 明细 (the
    # complete machine table); the plain baseline writes the same two tables
    tables = [print_columns(spec), detail_columns(spec)]
    cols = tables[1]
    grids = [[[rec.get(c.key) for c in t] for rec in data.applications] for t in tables]
    rows = grids[1]

    def plain() -> None:
        buf = io.BytesIO()
        wb = xlsxwriter.Workbook(buf, {"in_memory": True})
        for table, grid in zip(tables, grids, strict=True):
            ws = wb.add_worksheet()
            for j, c in enumerate(table):
                ws.write_string(0, j, c.header)
            for i, row in enumerate(grid, start=1):
                for j, v in enumerate(row):
                    if v is None:
                        continue
                    if isinstance(v, int | float) and not isinstance(v, bool):
                        ws.write_number(i, j, v)
                    else:
                        ws.write_string(i, j, str(v))
        wb.close()

    ours, theirs = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        build(data)
        ours.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        plain()
        theirs.append(time.perf_counter() - t0)
    return statistics.median(ours), statistics.median(theirs), len(rows), len(cols)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--keep", type=Path)
    parser.add_argument("--repeats", type=int, default=9, help="repeats of the writing measure")
    parser.add_argument(
        "--runs", type=int, default=3, help="end-to-end runs of each side, alternating"
    )
    args = parser.parse_args(argv)
    n = 50 if args.quick else args.n
    # `formkit summary` runs from this tree: give it the bytecode an installed copy has
    # (pip compiles on install), or every process would compile formkit first where
    # PYTHONDONTWRITEBYTECODE is set, as on the CI machines
    compileall.compile_dir(ROOT / "formkit", quiet=1)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        big = base / f"n{n}"
        small = base / "n10"
        paths = make_workbooks(big, n)
        make_workbooks(small, 10)
        # end to end, ours and the baseline taking turns: the machine's slow spells
        # (it is shared) fall on both, and the medians are compared
        ours_runs: list[float] = []
        base_runs: list[float] = []
        ours_mem = 0
        for _ in range(max(1, args.runs)):
            wall, mem = run_summary(big, Path(tmp) / "s.xlsx", jobs=2)
            ours_runs.append(wall)
            ours_mem = max(ours_mem, mem)
            base_runs.append(baseline(paths, Path(tmp) / "baseline.xlsx"))
        _, small_mem = run_summary(small, Path(tmp) / "s10.xlsx", jobs=2)
        build_s, plain_s, rows, cols = writing(paths, args.repeats)
    ours_wall, base_wall = statistics.median(ours_runs), statistics.median(base_runs)
    speedup = base_wall / ours_wall
    ratio = build_s / plain_s
    mem_ratio = ours_mem / small_mem if small_mem else float("nan")
    verdict = {True: "PASS", False: "FAIL"}
    table = [
        ("formkit summary, end to end", f"{ours_wall:.2f}", f"{speedup:.1f}x faster than baseline"),
        ("baseline: pandas.read_excel + concat + to_excel (openpyxl)", f"{base_wall:.2f}", "1"),
        (
            f"formkit.summary.build ({rows} rows x {cols} columns, all sheets)",
            f"{build_s:.3f}",
            f"{ratio:.2f}x the plain table",
        ),
        ("xlsxwriter plain tables, same rows and columns (汇总表 + 明细)", f"{plain_s:.3f}", "1"),
    ]

    def spread(runs: list[float]) -> str:
        return ", ".join(f"{r:.2f}" for r in runs)

    lines = [
        f"N = {n} filled workbooks; `formkit summary --jobs 2`; end to end: median of "
        f"{len(ours_runs)} runs each, alternating (formkit {spread(ours_runs)} s; "
        f"baseline {spread(base_runs)} s)",
        "",
    ]
    lines += ["| measure | seconds | ratio |", "|---|---|---|"]
    lines += [f"| {a} | {b} | {c} |" for a, b, c in table]
    lines += [
        "",
        f"peak memory (largest process): N={n}: {ours_mem / 1024:.0f} MB;"
        f" N=10: {small_mem / 1024:.0f} MB; ratio {mem_ratio:.2f}",
        "",
        f"- end to end >= {SPEEDUP:g}x faster than the baseline: {verdict[speedup >= SPEEDUP]}",
        f"- writing within {WRITE_WITHIN:g}x of a plain table: {verdict[ratio <= WRITE_WITHIN]}",
        f"- peak memory flat in N (<= {MEMORY_FLAT:g}x): {verdict[mem_ratio <= MEMORY_FLAT]}",
    ]
    print("\n".join(lines))
    passed = speedup >= SPEEDUP and ratio <= WRITE_WITHIN and mem_ratio <= MEMORY_FLAT
    return 0 if passed else 1


if __name__ == "__main__":
    raise SystemExit(main())
