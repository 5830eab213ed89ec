"""How long a command takes before it does anything: the imports.

Issue #22 moved formkit's imports to the top of each module (an import inside a function
only for an optional heavy dependency), so `import formkit.cli` now loads the layers a
command calls. This measures what that costs a person at the command line, against
another checkout of formkit (the baseline) in the same run:

    python -m benchmarks.bench_startup --baseline /path/to/other/checkout [--runs 15]

Each measure runs in a fresh interpreter (`python -X importtime` is not used: it slows
what it measures); the runs of the two trees alternate, so a busy machine slows both alike.
Reported: the median and the spread (min-max) of the wall time, and the ratio of medians.
"""

from __future__ import annotations

import argparse
import compileall
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

MEASURES = {
    "python -c pass": ["-c", "pass"],
    "import formkit.cli": ["-c", "import formkit.cli"],
    "formkit --help": ["-m", "formkit", "--help"],
    "formkit check (one file)": ["-m", "formkit", "check", "-j", "1", "{sample}"],
}


def _run(tree: Path, args: list[str]) -> float:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, *args],
        cwd=tree,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=False,
    )
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", type=Path, required=True, help="another formkit checkout")
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    sample = next((ROOT / "samples").glob("01-*"))
    trees = {"baseline": args.baseline.resolve(), "this": ROOT}
    # an installed formkit has its bytecode; a checkout run with PYTHONDONTWRITEBYTECODE
    # (as on the CI machines) would compile every module in every run
    for tree in trees.values():
        compileall.compile_dir(tree / "formkit", quiet=1)
    print("| measure | baseline median (min-max) s | this median (min-max) s | ratio |")
    print("|---|---|---|---|")
    medians: dict[str, dict[str, float]] = {}
    for name, template in MEASURES.items():
        argv = [a.replace("{sample}", str(sample)) for a in template]
        times: dict[str, list[float]] = {k: [] for k in trees}
        for i in range(args.runs + 1):
            order = list(trees.items()) if i % 2 else list(reversed(trees.items()))
            for key, tree in order:
                t = _run(tree, argv)
                if i:  # the first round warms the file cache
                    times[key].append(t)
        cells = []
        for key in trees:
            ts = times[key]
            cells.append(f"{statistics.median(ts):.3f} ({min(ts):.3f}-{max(ts):.3f})")
        ratio = statistics.median(times["this"]) / statistics.median(times["baseline"])
        print(f"| {name} | {cells[0]} | {cells[1]} | {ratio:.2f} |")
        medians[name] = {k: statistics.median(v) for k, v in times.items()}
    # issue #23: a one-file check within 0.35 s wall, against `python -c pass` in this run
    for key in trees:
        check = medians["formkit check (one file)"][key]
        bare = medians["python -c pass"][key]
        print(
            f"\n{key}: formkit check (one file) {check:.3f} s, python -c pass {bare:.3f} s:"
            f" {check - bare:.3f} s over the interpreter's start"
        )


if __name__ == "__main__":
    main()
