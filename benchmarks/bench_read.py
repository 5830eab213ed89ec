"""Reading benchmark: formkit's reader against pandas, python-calamine and an expat floor.

    python -m benchmarks.bench_read               # N=1000 files, 200 timed individually
    python -m benchmarks.bench_read --quick       # N=50, a smoke run
    python -m benchmarks.bench_read --n 300 --sample 100 --keep /tmp/forms

In one run it writes N filled workbooks (the template with every field filled, a few
values varied per file), then:

* times each file individually, in blocks of files each measure reads back to back
  (the measures taking turns block by block, so that machine noise hits them all
  alike), and again round-robin file by file: `formkit.read.read(path)`;
  the baseline a user would write,
  `pandas.read_excel(path, sheet_name=None, engine="openpyxl")`; python-calamine reading
  every sheet; and the floor, expat parsing the workbook, worksheet and shared-string
  parts with no handlers set (no Python work per element);
* times `formkit.read.read` over all N files in this process;
* runs `formkit check DIR --json OUT --jobs 2` on all N files and on 10 files as
  subprocesses: wall time, files/s and peak memory (see `_run_check`);
* runs `formkit check` on one file with PYTHONPROFILEIMPORTTIME=1 and lists the heavy
  modules (pandas, numpy, openpyxl, ...) any of its processes imported;
* prints a Markdown table and the targets with PASS/FAIL.

The worker pool starts processes by forkserver, hence the `__main__` guard.
"""

from __future__ import annotations

import argparse
import compileall
import datetime as dt
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.parsers import expat

ROOT = Path(__file__).resolve().parents[1]

HEAVY = ("pandas", "numpy", "openpyxl", "python_calamine", "xlrd", "xlsxwriter", "msoffcrypto")

# targets
SPEEDUP_VS_BASELINE = 10.0  # formkit.read at least this many times faster than pandas
WITHIN_FLOOR = 3.0  # formkit.read at most this many times the floor
MEMORY_FLAT = 1.5  # peak RSS at N files at most this many times the peak at 10 files


# ---------------------------------------------------------------- workbooks


def _values(i: int) -> dict[str, Any]:
    """The tests' fully filled application, with the name and export values varied by `i`."""
    from tests.forms import full_values, template_values

    v = full_values()
    v["applicant_name"] = f"示例市第{i + 1}号高新技术产业集群管理委员会"
    v["contact_person"] = ("李华", "王芳", "张伟", "刘洋")[i % 4]
    v["enterprise_count"] = 300 + i % 700
    v["main_products"] = [
        {"name": "笔记本电脑", "export_value": 40000.0 + 13.5 * i},
        {"name": "液晶显示器", "export_value": 20000.0 + 7.25 * i},
        {"name": f"电子元件{i % 50}", "export_value": 1000.0 + i},
    ]
    v["leading_enterprises"] = [
        {"name": f"示例电脑{i}有限公司", "export_value": 30000.0 + 11 * i, "industry_rank": 3},
        {"name": "示例显示技术有限公司", "export_value": 12000.0 + 5 * i, "industry_rank": 12},
    ]
    return template_values(v)


def make_workbooks(folder: Path, n: int) -> list[Path]:
    from formkit.template import build_template

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"申报书_{i + 1:05d}.xlsx"
        if not path.exists():  # --keep: reuse what an earlier run wrote
            path.write_bytes(build_template(values=_values(i)))
        paths.append(path)
    return paths


# ---------------------------------------------------------------- the measures


def _formkit_read() -> Callable[[str], object]:
    # formkit.read (the package attribute) is lazy; take the function from its module
    from formkit.api import read

    def run(path: str) -> object:
        sub = read(path)
        if sub.status != "accepted":
            raise RuntimeError(f"{path} was rejected: {sub.issues}")
        return sub

    return run


def _pandas() -> Callable[[str], object]:
    import pandas as pd

    def run(path: str) -> object:
        return pd.read_excel(path, sheet_name=None, engine="openpyxl")

    return run


def _calamine() -> Callable[[str], object]:
    from python_calamine import CalamineWorkbook

    def run(path: str) -> object:
        wb = CalamineWorkbook.from_path(path)
        return [wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names]

    return run


_FLOOR_PART = re.compile(r"xl/(workbook|sharedStrings|worksheets/sheet\d+)\.xml")


def _floor() -> Callable[[str], object]:
    """Unzip the parts a reader cannot skip and let expat parse them, with no handlers."""

    def run(path: str) -> object:
        size = 0
        with zipfile.ZipFile(path) as zf:
            for name in zf.namelist():
                if _FLOOR_PART.fullmatch(name):
                    data = zf.read(name)
                    # the same parser set-up as formkit's reader, minus its handlers
                    expat.ParserCreate(namespace_separator=" ").Parse(data, True)
                    size += len(data)
        return size

    return run


MEASURES: dict[str, Callable[[], Callable[[str], object]]] = {
    "formkit.read": _formkit_read,
    "pandas.read_excel (openpyxl), baseline": _pandas,
    "python-calamine, all sheets": _calamine,
    "floor: unzip + expat, no handlers": _floor,
}
BASELINE = "pandas.read_excel (openpyxl), baseline"
FLOOR = "floor: unzip + expat, no handlers"
OURS = "formkit.read"


def time_in_blocks(
    paths: list[Path],
    warmup: list[Path],
    funcs: dict[str, Callable[[str], object]],
    block: int = 20,
) -> dict[str, list[float]]:
    """Seconds per file per measure, each measure reading a block of files back to back,
    as a batch is read; the measures take turns block by block (their order rotating),
    so slow drifts of the machine hit them all alike.

    `block=1` is round-robin file by file: every read follows another library's (its
    garbage, its use of the CPU caches), which no batch sees.  Both are reported.
    """
    names = list(funcs)
    for p in warmup:
        for name in names:
            funcs[name](str(p))
    times: dict[str, list[float]] = {name: [] for name in names}
    clock = time.perf_counter
    for i in range(0, len(paths), block):
        chunk = [str(p) for p in paths[i : i + block]]
        k = (i // block) % len(names)
        for name in names[k:] + names[:k]:
            fn = funcs[name]
            for path in chunk:
                t0 = clock()
                fn(path)
                times[name].append(clock() - t0)
    return times


def p90(xs: list[float]) -> float:
    return statistics.quantiles(xs, n=10, method="inclusive")[8] if len(xs) > 1 else xs[0]


# ---------------------------------------------------------------- formkit check


@dataclass
class CheckRun:
    files: int
    exit_code: int
    wall: float
    maxrss_kb: int  # wait4 / time -v: the largest single process among those reaped
    maxrss_source: str
    proc_hwm_kb: int  # /proc sampling: the largest VmHWM of any process in the tree
    main_kb: int  # /proc: VmHWM of the `formkit check` process itself (results, JSON, table)
    workers_kb: int  # /proc: the largest VmHWM of its descendants (forkserver, pool workers)
    proc_tree_kb: int  # /proc sampling: the largest sum of VmRSS over the tree
    processes: int  # distinct processes seen in the tree


def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        # "pid (comm) state ppid ...": comm may contain spaces and parentheses
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def _status_kb(pid: int) -> tuple[int, int]:
    """(VmHWM, VmRSS) in kB, or (0, 0) if the process is gone."""
    hwm = rss = 0
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    hwm = int(line.split()[1])
                elif line.startswith("VmRSS:"):
                    rss = int(line.split()[1])
    except OSError:
        pass
    return hwm, rss


class TreeSampler(threading.Thread):
    """Samples the memory of a process and all its descendants every `interval` seconds."""

    def __init__(self, pid: int, interval: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.interval = pid, interval
        self.stop = threading.Event()
        self.hwm: dict[int, int] = {}
        self.depth: dict[int, int] = {}  # 0: the process started, 1: its children, ...
        self.tree_peak = 0

    def run(self) -> None:
        if not os.path.isdir("/proc"):
            return
        while not self.stop.is_set():
            kids = _children_map()
            todo, total = [(self.pid, 0)], 0
            while todo:
                pid, depth = todo.pop()
                hwm, rss = _status_kb(pid)
                if hwm:
                    self.hwm[pid] = max(self.hwm.get(pid, 0), hwm)
                    self.depth.setdefault(pid, depth)
                total += rss
                todo.extend((kid, depth + 1) for kid in kids.get(pid, ()))
            self.tree_peak = max(self.tree_peak, total)
            self.stop.wait(self.interval)


def _run_check(folder: Path, files: int, json_out: Path, jobs: int) -> CheckRun:
    """`formkit check folder --json json_out --jobs N` as a subprocess.

    Peak memory comes two ways. ru_maxrss of the child (from /usr/bin/time -v if present,
    else os.wait4) is the largest single process among the child and the descendants it
    and they reaped; it is not a sum over the tree, and a worker whose forkserver is not
    reaped before the command exits is not counted. So a sampler also reads
    /proc/PID/status for every process in the tree every 50 ms: the largest VmHWM of any
    one process (each process's own exact peak) and the largest total VmRSS seen at once.
    """
    cmd = [sys.executable, "-m", "formkit", "check", str(folder)]
    cmd += ["--json", str(json_out), "--jobs", str(jobs)]
    gnu_time = shutil.which("time", path="/usr/bin")
    time_out = json_out.with_suffix(".time.txt")
    if gnu_time:
        cmd = [gnu_time, "-v", "-o", str(time_out), *cmd]
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    sampler = TreeSampler(proc.pid)
    sampler.start()
    # wait4 rather than proc.wait(): the same exit status, plus the child's rusage
    err_text = proc.stderr.read() if proc.stderr else ""
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    sampler.stop.set()
    sampler.join()
    code = proc.returncode
    maxrss, source = usage.ru_maxrss, "os.wait4 ru_maxrss"
    if gnu_time and time_out.exists():
        text = time_out.read_text()
        m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", text)
        if m:
            maxrss, source = int(m.group(1)), "/usr/bin/time -v"
        m = re.search(r"Exit status: (\d+)", text)
        if m:
            code = int(m.group(1))
    if code not in (0, 1):  # 1: some file has findings, which is not a failure here
        raise RuntimeError(f"formkit check exited {code}:\n{err_text[-2000:]}")
    main_depth = 1 if gnu_time else 0  # under /usr/bin/time, formkit is its child
    by_depth = [(sampler.depth[pid], kb) for pid, kb in sampler.hwm.items()]
    return CheckRun(
        files,
        code,
        wall,
        maxrss,
        source,
        max(sampler.hwm.values(), default=0),
        max((kb for d, kb in by_depth if d == main_depth), default=0),
        max((kb for d, kb in by_depth if d > main_depth), default=0),
        sampler.tree_peak,
        len(sampler.hwm),
    )


def _heavy_imports(path: Path, json_out: Path) -> tuple[list[str], float, float]:
    """Heavy modules imported by `formkit check ONE --jobs 1` in any of its processes.

    PYTHONPROFILEIMPORTTIME is inherited by the forkserver and its workers, and every
    process reports its imports on the shared stderr. Also returns the wall time of the
    command with and without import profiling.
    """
    cmd = [sys.executable, "-m", "formkit", "check", str(path)]
    cmd += ["--json", str(json_out), "--jobs", "1"]
    t0 = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, capture_output=True, check=False)
    plain = time.perf_counter() - t0
    env = {**os.environ, "PYTHONPROFILEIMPORTTIME": "1"}
    t0 = time.perf_counter()
    done = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, env=env, check=False)
    profiled = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise RuntimeError(f"formkit check exited {done.returncode}:\n{done.stderr[-2000:]}")
    modules = set()
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            name = line.rsplit("|", 1)[1].strip()
            if name != "imported package":  # the header line
                modules.add(name)
    if not any(m.startswith("formkit.read") for m in modules):
        raise RuntimeError("no import profile from the workers: cannot tell what they import")
    heavy = sorted(m for m in modules if m in HEAVY)
    return heavy, plain, profiled


# ---------------------------------------------------------------- report


def _machine() -> str:
    cpus = os.cpu_count()
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    except OSError:
        nproc = str(cpus)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return (
        f"{dt.date.today().isoformat()}; nproc {nproc}; Python {platform.python_version()}; "
        f"{platform.machine()} {platform.system()} {platform.release()}; "
        f"load average before the run {load}"
    )


def _versions() -> str:
    from importlib.metadata import version

    names = ("formkit", "pandas", "openpyxl", "python-calamine")
    return ", ".join(f"{n} {version(n)}" for n in names)


def _mb(kb: int) -> str:
    return f"{kb / 1024:.1f} MB"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--n", type=int, default=1000, help="workbooks to make (default 1000)")
    ap.add_argument("--sample", type=int, default=200, help="files timed individually")
    ap.add_argument("--keep", type=Path, help="write the workbooks here and keep them")
    ap.add_argument("--quick", action="store_true", help="smoke run: N=50")
    ap.add_argument("--jobs", type=int, default=2, help="formkit check --jobs (default 2)")
    args = ap.parse_args(argv)
    n = 50 if args.quick else args.n
    if n < 10:
        ap.error("--n must be at least 10 (memory is compared with 10 files)")
    if str(ROOT) not in sys.path:  # run as a file: tests.forms and formkit from this tree
        sys.path.insert(0, str(ROOT))
    # the `formkit check` runs start as an installed formkit does, with its bytecode
    # (PYTHONDONTWRITEBYTECODE is set on the CI machines)
    compileall.compile_dir(ROOT / "formkit", quiet=1)

    machine = _machine()
    tmp = Path(tempfile.mkdtemp(prefix="formkit-bench-"))
    try:
        base = args.keep or tmp
        out = tmp / "out"
        out.mkdir()
        t0 = time.perf_counter()
        paths = make_workbooks(base / f"n{n}", n)
        made = time.perf_counter() - t0
        small = tmp / "n10"
        small.mkdir()
        for p in paths[:10]:
            try:
                os.link(p, small / p.name)
            except OSError:
                shutil.copy2(p, small / p.name)
        print(f"made {n} workbooks in {made:.1f} s ({base})", file=sys.stderr)

        # per-file times, round-robin over the measures; the sample is spread over all N
        funcs = {name: make() for name, make in MEASURES.items()}
        k = min(args.sample, n)
        sample = [paths[i * n // k] for i in range(k)]
        warmup = paths[-3:]
        times = time_in_blocks(sample, warmup, funcs)
        cold = time_in_blocks(sample, warmup, funcs, block=1)
        print(f"timed {k} files x {len(funcs)} measures, twice", file=sys.stderr)

        # formkit.read over all N files, in this process
        read = funcs[OURS]
        t0 = time.perf_counter()
        for p in paths:
            read(str(p))
        read_all = time.perf_counter() - t0

        # formkit check as a user runs it: N files, then 10 files for the memory comparison
        run_n = _run_check(base / f"n{n}", n, out / "n.json", args.jobs)
        run_10 = _run_check(small, 10, out / "n10.json", args.jobs)
        heavy, one_plain, one_profiled = _heavy_imports(paths[0], out / "one.json")
        size_kb = paths[0].stat().st_size / 1024
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    med = {name: statistics.median(ts) for name, ts in times.items()}
    cmed = {name: statistics.median(ts) for name, ts in cold.items()}
    lines = [
        f"Run {machine}.  ",
        f"{_versions()}.  ",
        f"N = {n} workbooks ({size_kb:.0f} KB each, 7 sheets); "
        f"{k} of them timed individually per measure after {len(warmup)} warm-up files: "
        "in blocks of 20 files read back to back, the measures taking turns block by "
        "block (as a batch is read); and again round-robin file by file, every read "
        "right after another library's.",
        "",
        "| measure | median ms/file | p90 ms/file | vs baseline (baseline ÷ this) "
        "| vs floor (this ÷ floor) | round-robin: median ms/file | vs baseline | vs floor |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, ts in times.items():
        lines.append(
            f"| {name} | {med[name] * 1000:.2f} | {p90(ts) * 1000:.2f} "
            f"| {med[BASELINE] / med[name]:.1f}× | {med[name] / med[FLOOR]:.1f}× "
            f"| {cmed[name] * 1000:.2f} | {cmed[BASELINE] / cmed[name]:.1f}× "
            f"| {cmed[name] / cmed[FLOOR]:.1f}× |"
        )
    lines += [
        "",
        f"- `formkit.read` over all {n} files in one process: {read_all:.1f} s, "
        f"{read_all / n * 1000:.2f} ms/file, {n / read_all:.0f} files/s.",
    ]
    for run in (run_n, run_10):
        lines.append(
            f"- `formkit check DIR --json OUT --jobs {args.jobs}` on {run.files} files: "
            f"{run.wall:.1f} s wall, {run.files / run.wall:.1f} files/s (exit {run.exit_code}); "
            f"peak RSS of the largest single process {_mb(run.maxrss_kb)} "
            f"({run.maxrss_source}), {_mb(run.proc_hwm_kb)} (/proc VmHWM): "
            f"the `formkit check` process {_mb(run.main_kb)}, its largest worker or helper "
            f"{_mb(run.workers_kb)}; whole tree at once {_mb(run.proc_tree_kb)} "
            f"({run.processes} processes, /proc sampled every 50 ms)."
        )
    lines.append(
        f"- `formkit check ONE.xlsx --jobs 1`: {one_plain:.2f} s wall "
        f"({one_profiled:.2f} s with import profiling); heavy modules imported by any of its "
        f"processes: {', '.join(heavy) if heavy else 'none'}."
    )

    speedup = med[BASELINE] / med[OURS]
    of_floor = med[OURS] / med[FLOOR]
    cold_speedup = cmed[BASELINE] / cmed[OURS]
    cold_of_floor = cmed[OURS] / cmed[FLOOR]
    mem_n = max(run_n.maxrss_kb, run_n.proc_hwm_kb)
    mem_10 = max(run_10.maxrss_kb, run_10.proc_hwm_kb)

    def ratio(a: int, b: int) -> str:
        return f"{a / b:.2f}×" if b else "?"

    targets = [
        (
            f"reading ≥ {SPEEDUP_VS_BASELINE:g}× faster than the pandas baseline",
            speedup >= SPEEDUP_VS_BASELINE,
            f"{speedup:.1f}× (round-robin: {cold_speedup:.1f}×)",
        ),
        (
            f"reading within {WITHIN_FLOOR:g}× of the floor",
            of_floor <= WITHIN_FLOOR,
            f"{of_floor:.1f}× (round-robin: {cold_of_floor:.1f}×)",
        ),
        (
            f"peak memory flat in N (N={n} ≤ {MEMORY_FLAT:g}× N=10, largest single process)",
            mem_n <= MEMORY_FLAT * mem_10,
            f"{_mb(mem_n)} vs {_mb(mem_10)} = {ratio(mem_n, mem_10)}; "
            f"main process {ratio(run_n.main_kb, run_10.main_kb)}, "
            f"largest worker {ratio(run_n.workers_kb, run_10.workers_kb)}, "
            f"whole tree {ratio(run_n.proc_tree_kb, run_10.proc_tree_kb)}",
        ),
        (
            "`formkit check` on one file imports no pandas, numpy or openpyxl",
            not any(m in ("pandas", "numpy", "openpyxl") for m in heavy),
            ", ".join(heavy) or "none imported",
        ),
    ]
    lines += ["", "| target | result | measured |", "|---|---|---|"]
    for what, ok, measured in targets:
        lines.append(f"| {what} | {'PASS' if ok else 'FAIL'} | {measured} |")
    print("\n".join(lines))
    return 0 if all(ok for _, ok, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
