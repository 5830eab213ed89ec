"""Load benchmark of `formkit serve`: N cities upload their 申报书 at the same moment.

    python -m benchmarks.bench_serve              # N = 50, 100, 200, one run each, + logins
    python -m benchmarks.bench_serve --n 50 --runs 3 --no-logins

For each N, next to the web figures: `formkit check` on the same N files in the same run
(its throughput is the target's yardstick: the web's at 50 at least half of it). During
the largest burst a city's page is fetched over and over (its latency: pages must stay
quick). Then 40 wrong passwords at once from 4 addresses (the per-address login limit is
10), sampling the whole server's memory (every process of its group): at most 400 MB.

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

Prints Markdown tables (p50, p95, p99, max; wall: first request sent to last answer;
throughput N / wall) and exits 1 if an upload failed or the ledger is not exactly right.
A benchmark, not a test: run it on a quiet machine.
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
    proc = subprocess.Popen(
        cmd,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its own process group: its memory is summed over it
    )
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


def group_rss_mb(pgid: int) -> float:
    """Resident memory of every process in the group (server, forkserver, workers)."""
    total = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.getpgid(int(entry)) != pgid:
                continue
            with open(f"/proc/{entry}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except (OSError, ProcessLookupError):
            continue
    return total / 1024


def page_watch(base: str, link: str, stop: threading.Event) -> list[float]:
    """A city's page fetched again and again until `stop`: each one's seconds."""
    times: list[float] = []
    with httpx.Client(base_url=base, timeout=120) as http:
        while not stop.is_set():
            start = time.perf_counter()
            http.get(link).raise_for_status()
            times.append(time.perf_counter() - start)
            time.sleep(0.05)
    return times


def check_throughput(folder: Path, files: dict[str, bytes]) -> float:
    """`formkit check --json` on the same files, as a province would run it: files/s."""
    inbox = folder / "check"
    inbox.mkdir()
    for sid, data in files.items():
        (inbox / f"{sid}.xlsx").write_bytes(data)
    start = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "formkit", "check", "--json", str(inbox)],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
    )
    return len(files) / (time.perf_counter() - start)


def wrong_logins(base: str, db: Path, pgid: int, n: int = 40) -> dict[str, float]:
    """n wrong passwords at once from 4 loopback addresses; the group's peak memory."""
    import re

    sys.path.insert(0, str(ROOT))
    from formkit.ledger import Ledger
    from formkit.web.auth import hash_password

    with Ledger(db) as led:
        led.set_web_setting("password", hash_password("正确的密码-2006"))
    idle = group_rss_mb(pgid)
    peak = idle
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, group_rss_mb(pgid))
            time.sleep(0.02)

    barrier = threading.Barrier(n)
    codes: list[int] = []
    spans: list[float] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        transport = httpx.HTTPTransport(local_address=f"127.0.0.{2 + i % 4}")
        with httpx.Client(base_url=base, timeout=300, transport=transport) as http:
            page = http.get("/province/login")
            m = re.search(r'name="csrf" value="([0-9a-f]{64})"', page.text)
            assert m
            barrier.wait()
            start = time.perf_counter()
            r = http.post("/province/login", data={"csrf": m.group(1), "password": f"错的{i}"})
            with lock:
                codes.append(r.status_code)
                spans.append(time.perf_counter() - start)

    sampler = threading.Thread(target=sample)
    sampler.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    time.sleep(0.2)
    done.set()
    sampler.join()
    return {
        "idle": idle,
        "peak": peak,
        "slowest": max(spans),
        "codes": sorted(set(codes)),  # type: ignore[dict-item]
    }


def one_run(n: int, *, watch: bool = False, logins: bool = False) -> dict[str, Any]:
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
        check_rate = check_throughput(folder, files)
        link_of = links(folder / "下发")
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        proc = start_server(db, port, folder / "serve.log")
        page_times: list[float] = []
        login: dict[str, Any] = {}
        try:
            pages: dict[str, tuple[str, str]] = {}
            with httpx.Client(base_url=base, timeout=60) as http:
                for sid, link in link_of.items():
                    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', http.get(link).text)
                    assert m, "no CSRF token on " + sid
                    pages[sid] = (link, m.group(1))
            stop = threading.Event()
            watcher = None
            if watch:
                some = next(iter(link_of.values()))
                watcher = threading.Thread(
                    target=lambda: page_times.extend(page_watch(base, some, stop))
                )
                watcher.start()
            first, wall = upload_all(base, pages, files)
            stop.set()
            if watcher is not None:
                watcher.join()
            again, _ = upload_all(base, pages, files)
            if logins:
                login = wrong_logins(base, db, proc.pid)
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
        "n": n,
        "statuses": sorted({s for s, _ in first}),
        "again": sorted({s for s, _ in again}),
        "exactly_once": total == n and all(c == 1 for _, c in per_entry),
        "p50": pct(times, 0.50),
        "p95": pct(times, 0.95),
        "p99": pct(times, 0.99),
        "max": max(times),
        "wall": wall,
        "rate": n / wall,
        "check_rate": check_rate,
        "again_p95": pct([t for _, t in again], 0.95),
        "pages": page_times,
        "login": login,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--n", type=int, nargs="+", default=[50, 100, 200], help="concurrent uploads"
    )
    parser.add_argument("--runs", type=int, default=1, help="fresh rounds for each N")
    parser.add_argument("--no-logins", action="store_true", help="skip the wrong logins")
    args = parser.parse_args()
    runs = []
    biggest = max(args.n)
    for n in args.n:
        for i in range(args.runs):
            print(f"N={n} run {i + 1}/{args.runs} ...", file=sys.stderr)
            last = n == biggest and i == args.runs - 1
            runs.append(one_run(n, watch=n == biggest, logins=last and not args.no_logins))
    ok = all(r["statuses"] == [201] and r["again"] == [200] and r["exactly_once"] for r in runs)
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    load = os.getloadavg()[0]
    print("# formkit serve: concurrent uploads from one address, on loopback\n")
    print(
        f"{dt.datetime.now().isoformat(timespec='minutes')}, {platform.python_version()}, "
        f"{cpus} CPUs, load average at the end {load:.1f}\n"
    )
    print(
        "| N | answers | again | exactly once | p50 s | p95 s | p99 s | max s | wall s "
        "| uploads/s | check files/s | web / check |"
    )
    print("|---:|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in runs:
        print(
            f"| {r['n']} | {r['statuses']} | {r['again']} "
            f"| {'yes' if r['exactly_once'] else 'NO'} "
            f"| {r['p50']:.2f} | {r['p95']:.2f} | {r['p99']:.2f} | {r['max']:.2f} "
            f"| {r['wall']:.2f} | {r['rate']:.1f} | {r['check_rate']:.1f} "
            f"| {r['rate'] / r['check_rate']:.2f} |"
        )
    for r in runs:
        if r["pages"]:
            ts = r["pages"]
            print(
                f"\nA city's page during the {r['n']} burst: {len(ts)} fetches, "
                f"median {statistics.median(ts) * 1000:.0f} ms, p95 {pct(ts, 0.95) * 1000:.0f} ms,"
                f" max {max(ts) * 1000:.0f} ms"
            )
        if r["login"]:
            g = r["login"]
            print(
                f"\n40 wrong logins at once (4 addresses): server memory {g['idle']:.0f} MB idle,"
                f" peak {g['peak']:.0f} MB; answers {g['codes']}, slowest {g['slowest']:.1f} s"
            )
    print(f"\n{'PASS' if ok else 'FAIL'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
