"""Load benchmark of `formkit serve`: N cities upload their 申报书 at the same moment.

    python -m benchmarks.bench_serve              # N=50 concurrent uploads, 3 runs
    python -m benchmarks.bench_serve --n 20 --runs 1

Each run, on loopback, in a fresh folder:

1. `formkit distribute` a roster of N applicants (ledger + 上报链接.csv);
2. N filled workbooks, one per applicant, each with its own submission id (about 20 KB;
   a third of them with a data error, as a real round has);
3. `formkit serve` as a subprocess with its defaults (127.0.0.1, the CPU count of check
   slots, rate limits on);
4. every city's page is fetched (its CSRF token), then all N uploads start together
   (one thread each, a barrier releasing them); each upload is timed from the request
   to the full answer;
5. the same N uploads again: each must answer "duplicate";
6. the ledger must hold exactly N files, one per roster entry, each once.

Prints a Markdown table (p50, p95, max; wall: first request sent to last answer) and
exits 1 if an upload failed or the ledger is not exactly right. A benchmark, not a
test: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import io
import os
import platform
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parent.parent
UNITS = ["江苏", "浙江", "广东", "山东", "四川", "湖北", "湖南", "安徽", "河南", "福建"]


def roster_csv(path: Path, n: int) -> None:
    lines = ["推荐单位,所在地级市,申请单位全称,联系人,联系电话,电子信箱"]
    for i in range(n):
        unit = UNITS[i % len(UNITS)]
        lines.append(
            f"{unit},示例市{i},示例市{i}高新技术产业开发区,联系人{i},"
            f"025-8330{i:04d},c{i}@example.gov.cn"
        )
    path.write_text("\n".join(lines), encoding="utf-8")


def workbooks(roster: Path, n: int) -> dict[str, bytes]:
    """submission id -> the applicant's filled workbook."""
    sys.path.insert(0, str(ROOT))
    from formkit.distribute import read_roster
    from tests.web_support import eligible, filled

    out: dict[str, bytes] = {}
    for i, row in enumerate(read_roster(roster)):
        changes: dict[str, Any] = {"fill_date": dt.date(2006, 4, 20)}
        if i % 3 == 0:
            changes["contact_email"] = "not-an-address"
        out[row.submission_id(2006)] = filled(row, eligible(**changes))
    assert len(out) == n
    return out


def links(folder: Path) -> dict[str, str]:
    text = (folder / "上报链接.csv").read_bytes().decode("utf-8-sig")
    return {r["报送编号"]: r["上报链接"] for r in csv.DictReader(io.StringIO(text))}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path, port: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "formkit", "serve", "--db", str(db), "--port", str(port)]
    proc = subprocess.Popen(cmd, env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
            return proc
        except httpx.TransportError:
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("formkit serve did not start:\n" + log.read_text()) from None
            time.sleep(0.1)


def upload_all(
    base: str, pages: dict[str, tuple[str, str]], files: dict[str, bytes]
) -> tuple[list[tuple[int, float]], float]:
    """All uploads at once, one thread each: ([(status, seconds)], seconds from the
    first request sent to the last answer received)."""
    barrier = threading.Barrier(len(files))
    results: list[tuple[int, float]] = []
    spans: list[tuple[float, float]] = []
    lock = threading.Lock()

    def one(sid: str) -> None:
        link, csrf = pages[sid]
        with httpx.Client(base_url=base, timeout=300) as http:
            barrier.wait()
            start = time.perf_counter()
            r = http.post(
                f"{link}/upload",
                data={"csrf": csrf},
                files={"file": (f"{sid}.xlsx", files[sid])},
                headers={"Accept": "application/json"},
            )
            end = time.perf_counter()
        with lock:
            results.append((r.status_code, end - start))
            spans.append((start, end))

    threads = [threading.Thread(target=one, args=(sid,)) for sid in files]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, max(e for _, e in spans) - min(b for b, _ in spans)


def pct(xs: list[float], q: float) -> float:
    ordered = sorted(xs)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def one_run(n: int) -> dict[str, Any]:
    import re

    with tempfile.TemporaryDirectory(prefix="bench-serve-") as tmp:
        folder = Path(tmp)
        roster = folder / "名单.csv"
        roster_csv(roster, n)
        db = folder / "formkit.db"
        subprocess.run(
            [
                sys.executable,
                "-m",
                "formkit",
                "distribute",
                str(roster),
                "-o",
                str(folder / "下发"),
                "--db",
                str(db),
            ],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=True,
            capture_output=True,
        )
        files = workbooks(roster, n)
        link_of = links(folder / "下发")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db, port, folder / "serve.log")
        try:
            pages: dict[str, tuple[str, str]] = {}
            with httpx.Client(base_url=base, timeout=60) as http:
                for sid, link in link_of.items():
                    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', http.get(link).text)
                    assert m, "no CSRF token on " + sid
                    pages[sid] = (link, m.group(1))
            first, wall = upload_all(base, pages, files)
            again, _ = upload_all(base, pages, files)
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(60)
        with sqlite3.connect(db) as conn:
            per_entry = conn.execute(
                "SELECT roster.submission_id, COUNT(files.sha256) FROM roster"
                " LEFT JOIN files ON files.roster_id = roster.submission_id"
                " GROUP BY roster.submission_id"
            ).fetchall()
            total = conn.execute("SELECT COUNT(*) FROM files").fetchone()[0]
    times = [t for _, t in first]
    return {
        "statuses": sorted({s for s, _ in first}),
        "again": sorted({s for s, _ in again}),
        "exactly_once": total == n and all(c == 1 for _, c in per_entry),
        "p50": pct(times, 0.50),
        "p95": pct(times, 0.95),
        "max": max(times),
        "wall": wall,
        "again_p95": pct([t for _, t in again], 0.95),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=50, help="concurrent uploads (default 50)")
    parser.add_argument("--runs", type=int, default=3, help="fresh rounds to run (default 3)")
    args = parser.parse_args()
    runs = []
    for i in range(args.runs):
        print(f"run {i + 1}/{args.runs} ...", file=sys.stderr)
        runs.append(one_run(args.n))
    ok = all(r["statuses"] == [201] and r["again"] == [200] and r["exactly_once"] for r in runs)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"# formkit serve: {args.n} concurrent uploads on loopback\n")
    print(f"{dt.date.today().isoformat()}, {platform.python_version()}, {cpus} CPUs\n")
    print("| run | answers | again | exactly once | p50 s | p95 s | max s | wall s | again p95 s |")
    print("|---|---|---|---|---:|---:|---:|---:|---:|")
    for i, r in enumerate(runs, start=1):
        print(
            f"| {i} | {r['statuses']} | {r['again']} | {'yes' if r['exactly_once'] else 'NO'} "
            f"| {r['p50']:.2f} | {r['p95']:.2f} | {r['max']:.2f} | {r['wall']:.2f} "
            f"| {r['again_p95']:.2f} |"
        )
    med = statistics.median(r["p95"] for r in runs)
    print(f"\nmedian p95 over {len(runs)} runs: {med:.2f} s; {'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
