"""`feedback` on workbooks openpyxl could not hold (issue 12, 4): a clear reason, bounded memory.

Hostile variants of a sample, built at test time: a cell at XFD1048576, a million formatted
empty rows, half a million formatted empty cells, a merge over the rest of the sheet. The
command runs as a user runs it (a subprocess, two workers); the peak resident memory of
every process it starts is sampled from /proc. Before the check, the merge and the far
cell took each worker to its 2 GB cap (MemoryError) and the million rows took 80 s.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from formkit.api import read
from formkit.feedback import TOO_LARGE
from tests.conftest import ROOT
from tests.hostile import rewrite_zip

SAMPLES = ROOT / "samples"
PART = "xl/worksheets/sheet2.xml"  # 第一项：基地基本情况 in the samples
PEAK_MB = 300  # a worker copying a normal sample stays near 100 MB

linux_only = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")


def sample(prefix: str) -> Path:
    (path,) = SAMPLES.glob(f"{prefix}-*")
    return path


def hostile_set(folder: Path) -> dict[str, Path]:
    src = sample("07")  # has errors: a copy is due
    xml = zipfile.ZipFile(src).read(PART)
    assert b"\xe7\xac\xac\xe4\xb8\x80\xe9\xa1\xb9" in zipfile.ZipFile(src).read(
        "xl/workbook.xml"
    )  # 第一项
    last = max(int(r) for r in re.findall(rb'<row r="(\d+)"', xml))

    def variant(name: str, body: bytes) -> Path:
        return rewrite_zip(src, folder / name, replace={PART: body})

    end = b"</sheetData>"
    far = b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'
    rows = b"".join(b'<row r="%d" s="1" customFormat="1"/>' % n for n in range(last + 1, 1_000_001))
    cells = b"".join(
        b'<row r="%d"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>' % (n, n, n)
        for n in range(last + 1, 250_001)
    )
    merged = re.sub(
        rb'<mergeCells count="(\d+)">',
        lambda m: (
            b'<mergeCells count="%d"><mergeCell ref="A%d:XFD1048576"/>' % (int(m[1]) + 1, last + 2)
        ),
        xml,
    )
    assert merged != xml
    return {
        "far": variant("远处单元格.xlsx", xml.replace(end, far + end)),
        "rows": variant("百万空行.xlsx", xml.replace(end, rows + end)),
        "cells": variant("五十万空格.xlsx", xml.replace(end, cells + end)),
        "merge": variant("整表合并.xlsx", merged),
    }


def _tree(root: int) -> list[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            parents[int(entry)] = int(stat.rsplit(")", 1)[1].split()[1])
    found, todo = [], [root]
    while todo:
        pid = todo.pop()
        found.append(pid)
        todo += [p for p, pp in parents.items() if pp == pid]
    return found


def _hwm_kb(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    m = re.search(r"VmHWM:\s+(\d+) kB", text)
    return int(m[1]) if m else 0


def run_measured(args: list[str], timeout: float = 300) -> tuple[int, str, int]:
    """(exit code, output, the largest peak RSS in MB of the command or any process it started)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "400"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "formkit", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
    )
    peak = 0
    deadline = time.monotonic() + timeout
    import threading

    chunks: list[bytes] = []
    reader = threading.Thread(target=lambda: chunks.append(proc.stdout.read()))  # type: ignore[union-attr]
    reader.start()
    while proc.poll() is None:
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"formkit {args[0]} took more than {timeout:.0f} s")
        for pid in _tree(proc.pid):
            peak = max(peak, _hwm_kb(pid))
        time.sleep(0.02)
    reader.join()
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), peak // 1024


@linux_only
def test_hostile_workbooks_get_a_reason_and_the_others_their_copies(tmp_path: Path) -> None:
    inbox = tmp_path / "收件箱"
    inbox.mkdir()
    files = hostile_set(inbox)
    shutil.copy(sample("09"), inbox / sample("09").name)
    for path in files.values():  # the reader itself copes: each is accepted and checked
        assert read(path).status == "accepted", path.name
    out = tmp_path / "审核意见"
    start = time.monotonic()
    code, text, peak = run_measured(["feedback", str(inbox), "-o", str(out), "-j", "2"])
    seconds = time.monotonic() - start
    print(f"feedback on the hostile set: {seconds:.1f} s, peak {peak} MB", file=sys.stderr)
    assert code == 1, text  # some files got no copy
    written = sorted(p.name for p in out.iterdir())
    assert written == sorted([f"{sample('09').stem}-审核意见.xlsx", "远处单元格-审核意见.xlsx"])
    lines = {line for line in text.splitlines() if TOO_LARGE in line}
    for key in ("rows", "cells", "merge"):
        assert any(files[key].name in line for line in lines), (key, text)
    assert "未能生成3个" in "".join(text.split())
    assert peak < PEAK_MB, f"peak {peak} MB"
    assert seconds < 120
    # the far cell's copy is a good copy: the reader gives the original's values
    copy = read(out / "远处单元格-审核意见.xlsx")
    assert copy.values == read(files["far"]).values
