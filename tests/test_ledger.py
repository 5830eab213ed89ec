"""The collection ledger: ingest is idempotent, later files supersede earlier ones, history is
kept, status answers "who still owes what", and a killed run leaves nothing half-recorded."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app
from formkit.distribute import RosterRow, read_roster
from formkit.ledger import MIGRATIONS, SLEEP_ENV, Ledger, LedgerError
from tests.conftest import ROOT
from tests.forms import ROSTER, YEAR, eligible, filled

runner = CliRunner()


def _eligible(**changes: Any) -> dict[str, Any]:
    return eligible(**changes)


def _fill(path: Path, row: RosterRow | None, values: dict[str, Any]) -> Path:
    """What an applicant sends back: the distributed copy with its inputs filled."""
    path.write_bytes(filled(row, values))
    return path


@pytest.fixture()
def round_(tmp_path: Path) -> dict[str, Any]:
    """A roster of three and the files that come back: 江苏 fine, 浙江 wrong then fixed,
    广东 never; plus a file from outside the roster and a Word file renamed .xlsx."""
    roster_csv = tmp_path / "名单.csv"
    roster_csv.write_bytes(ROSTER.encode("gbk"))
    js, zj, gd = read_roster(roster_csv)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    files = {
        "js": _fill(inbox / "江苏.xlsx", js, _eligible()),
        # a data error the applicant must correct: an e-mail that is not one
        "zj1": _fill(
            inbox / "浙江.xlsx",
            zj,
            _eligible(contact_email="wm-at-example", fill_date=dt.date(2006, 4, 18)),
        ),
        "zj2": _fill(inbox / "浙江-修改后.xlsx", zj, _eligible(fill_date=dt.date(2006, 4, 25))),
        "outside": _fill(
            inbox / "山东.xlsx",
            None,
            _eligible(province="山东省", city="济南市", applicant_name="济南高新区"),
        ),
        "word": inbox / "申报书.xlsx",
    }
    files["word"].write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    return {"rows": (js, zj, gd), "files": files, "db": tmp_path / "formkit.db"}


def _ledger(round_: dict[str, Any]) -> Ledger:
    ledger = Ledger(round_["db"])
    ledger.add_roster(round_["rows"], year=YEAR)
    return ledger


def test_two_batches_then_again_supersede_keep_history_and_report_status(
    round_: dict[str, Any],
) -> None:
    f = round_["files"]
    js, zj, gd = round_["rows"]
    with _ledger(round_) as ledger:
        first = ledger.ingest([f["js"], f["zj1"]])
        assert (first.new, first.duplicate, first.superseded, first.unmatched) == (2, 0, 0, 0)
        st = {r.entry.submission_id: r for r in ledger.status().rows}
        assert st[js.submission_id(YEAR)].state == "符合"
        assert st[zj.submission_id(YEAR)].state == "有错误"
        assert "电子信箱" in (st[zj.submission_id(YEAR)].last.problem or "")  # type: ignore[union-attr]
        assert st[gd.submission_id(YEAR)].state == "未收到"

        second = ledger.ingest([f["zj2"], f["outside"], f["word"]])
        assert (second.new, second.superseded, second.unmatched, second.rejected) == (3, 1, 2, 1)
        word = next(o for o in second.files if o.path.endswith("申报书.xlsx")).record
        assert word is not None and word.status == "rejected" and word.problem

        again = ledger.ingest(list(f.values()))
        assert (again.new, again.duplicate) == (0, 5)

        history = ledger.history(zj.submission_id(YEAR))
        assert [h.original_name for h in history] == ["浙江.xlsx", "浙江-修改后.xlsx"]
        assert history[0].superseded_by == history[1].sha256
        assert history[1].superseded_by is None
        assert len(ledger.files()) == 5
        assert {c.original_name for c in ledger.current()} == {
            "江苏.xlsx",
            "浙江-修改后.xlsx",
            "山东.xlsx",
            "申报书.xlsx",
        }

        report = ledger.status(deadline=dt.date(2006, 4, 30))
        states = {r.entry.applicant_name: (r.state, r.files) for r in report.rows}
        assert states == {
            js.applicant_name: ("符合", 1),
            zj.applicant_name: ("符合", 2),
            gd.applicant_name: ("未收到", 0),
        }
        # received today, long after 2006: late; with a later deadline, on time
        assert [r.late for r in report.rows if r.last] == [True, True]
        assert not any(r.late for r in ledger.status(dt.date(2999, 1, 1)).rows)
        assert {u.original_name for u in report.unmatched} == {"山东.xlsx", "申报书.xlsx"}
        assert report.counts["未收到"] == 1 and report.counts["名单外"] == 2


def test_within_one_batch_the_later_fill_date_wins(round_: dict[str, Any]) -> None:
    f = round_["files"]
    zj = round_["rows"][1]
    with _ledger(round_) as ledger:
        # given newest first; the 填报日期 decides, not the argument order
        ledger.ingest([f["zj2"], f["zj1"]])
        (current,) = [c for c in ledger.current() if c.roster_id == zj.submission_id(YEAR)]
        assert current.original_name == "浙江-修改后.xlsx"


def test_files_before_the_roster_are_linked_when_it_arrives(round_: dict[str, Any]) -> None:
    f = round_["files"]
    js = round_["rows"][0]
    with Ledger(round_["db"]) as ledger:
        assert ledger.ingest([f["js"]]).unmatched == 1
        ledger.add_roster(round_["rows"], year=YEAR)
        (row,) = [r for r in ledger.status().rows if r.last is not None]
        assert row.entry.submission_id == js.submission_id(YEAR) and row.state == "符合"
        assert not ledger.status().unmatched


def test_schema_is_migrated_once_and_a_newer_ledger_is_refused(tmp_path: Path) -> None:
    db = tmp_path / "f.db"
    with Ledger(db) as ledger:
        assert ledger.schema_version == len(MIGRATIONS)
    with Ledger(db) as ledger:  # reopening applies nothing twice
        assert ledger.schema_version == len(MIGRATIONS)
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        conn.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    with pytest.raises(LedgerError, match="更新版本"):
        Ledger(db)


def _files_table(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as conn:
        cols = [r[1] for r in conn.execute("PRAGMA table_info(files)") if r[1] != "received_at"]
        return conn.execute(f"SELECT {', '.join(cols)} FROM files ORDER BY seq").fetchall()


def _ingest_cmd(db: Path, inbox: Path) -> list[str]:
    return [sys.executable, "-m", "formkit", "ingest", str(inbox), "--db", str(db), "-j", "2"]


def _count(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT COUNT(*) FROM files").fetchone()[0])
    except sqlite3.OperationalError:  # not created or not migrated yet
        return 0


@pytest.mark.slow
def test_ingest_killed_after_the_first_file_then_rerun_equals_an_uninterrupted_run(
    round_: dict[str, Any], tmp_path: Path
) -> None:
    inbox = round_["files"]["js"].parent
    whole, killed = tmp_path / "whole.db", tmp_path / "killed.db"
    for db in (whole, killed):
        with Ledger(db) as ledger:
            ledger.add_roster(round_["rows"], year=YEAR)

    done = subprocess.run(_ingest_cmd(whole, inbox), cwd=ROOT, capture_output=True, check=False)
    assert done.returncode == 1, done.stderr.decode()  # 1: some files have errors
    assert _count(whole) == 5

    # ingest sleeps after each commit (test hook), so the kill lands between two files
    env = {**os.environ, SLEEP_ENV: "30"}
    child = subprocess.Popen(
        _ingest_cmd(killed, inbox),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # its own group: the kill reaches any worker it started
    )
    try:
        deadline = time.monotonic() + 60
        while _count(killed) < 1:
            assert child.poll() is None, "ingest ended before it was killed"
            assert time.monotonic() < deadline, "ingest committed nothing within 60 s"
            time.sleep(0.05)
    finally:
        os.killpg(child.pid, signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL
    assert _count(killed) == 1

    rerun = subprocess.run(_ingest_cmd(killed, inbox), cwd=ROOT, capture_output=True, check=False)
    assert rerun.returncode == 1, rerun.stderr.decode()
    assert _files_table(killed) == _files_table(whole)
    assert "已登记过 1 个" in rerun.stdout.decode()


def test_cli_ingest_and_status_workbook(round_: dict[str, Any], tmp_path: Path) -> None:
    f = round_["files"]
    db = str(round_["db"])
    _ledger(round_).close()
    result = runner.invoke(app, ["ingest", str(f["js"]), "--db", db, "-j", "1"])
    assert result.exit_code == 0, result.output
    assert "新收到 1 个" in result.output
    result = runner.invoke(app, ["ingest", str(f["js"]), str(f["word"]), "--db", db, "-j", "1"])
    assert result.exit_code == 1  # the Word file is not accepted
    assert "已登记过 1 个" in result.output and "名单外" in result.output

    out = tmp_path / "报送情况.xlsx"
    result = runner.invoke(app, ["status", "--db", db, "--deadline", "2006-04-30", "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "未收到 2" in result.output and "名单外 1" in result.output
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["催报名单", "全部", "名单外"]
    chase = wb["催报名单"]
    assert chase.freeze_panes == "A3" and chase.auto_filter.ref
    assert chase.page_setup.orientation == "landscape" and chase.page_setup.paperSize == 9
    header = [c.value for c in chase[2]]
    assert header[:8] == [
        "序号",
        "推荐单位",
        "所在地级市",
        "申请单位全称",
        "联系人",
        "联系电话",
        "电子信箱",
        "报送情况",
    ]
    listed = {(r[3], r[7], r[5]) for r in chase.iter_rows(min_row=3, values_only=True)}
    assert listed == {
        ("杭州高新技术产业开发区", "未收到", "0571-88886666"),
        ("广州经济技术开发区", "未收到", "020-82221111"),
    }
    assert [r[1] for r in wb["名单外"].iter_rows(min_row=3, values_only=True)] == ["申报书.xlsx"]

    bad = runner.invoke(app, ["status", "--db", db, "--deadline", "4月30日"])
    assert bad.exit_code == 2
    missing = runner.invoke(app, ["status", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2


def test_status_workbook_writes_applicant_text_as_text(tmp_path: Path) -> None:
    """A name typed as "=..." by an applicant appears as typed in the 催报 workbook."""
    from formkit.ledger import status_workbook

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _fill(inbox / "x.xlsx", None, _eligible(applicant_name='=HYPERLINK("http://x","点")'))
    with Ledger(tmp_path / "formkit.db") as ledger:
        ledger.ingest([inbox])
        data = status_workbook(ledger.status())
    path = tmp_path / "s.xlsx"
    path.write_bytes(data)
    ws = openpyxl.load_workbook(path)["名单外"]
    cells = [
        c for row in ws.iter_rows() for c in row if c.value and str(c.value).startswith("=HYP")
    ]
    assert cells and all(c.data_type == "s" for c in cells)


def test_files_whose_reading_failed_are_read_again_on_the_next_run(
    round_: dict[str, Any],
) -> None:
    """A worker that timed out (a busy machine) is the machine's trouble, not the file's:
    the next ingest reads such files again, in their place in the received order."""
    from formkit.forms import read_options

    inbox = round_["files"]["js"].parent
    with _ledger(round_) as ledger:
        failed = ledger.ingest([inbox], options=read_options(timeout=0.001))
        assert {f.record.status for f in failed.files if f.record} == {"rejected"}
        assert all("读取超时" in (f.record.problem or "") for f in failed.files if f.record)
        before = {r.sha256: (r.seq, r.received_at) for r in ledger.files()}

        again = ledger.ingest([inbox])
        assert [f.outcome for f in again.files] == ["reread"] * 5
        assert again.reread == 5 and again.new == 0
        after = {r.sha256: r for r in ledger.files()}
        assert {sha: (r.seq, r.received_at) for sha, r in after.items()} == before
        js = after[next(f.sha256 for f in again.files if f.path.endswith("江苏.xlsx"))]
        assert (js.status, js.state) == ("accepted", "符合")
        # the two 浙江 files chain by the order received: the corrected one counts
        zj = ledger.history(round_["rows"][1].submission_id(YEAR))
        assert [Path(r.original_name).name for r in zj] == ["浙江.xlsx", "浙江-修改后.xlsx"]
        assert zj[0].superseded_by == zj[1].sha256 and zj[1].superseded_by is None
        word = next(r for r in after.values() if r.original_name == "申报书.xlsx")
        assert word.status == "rejected" and "读取超时" not in (word.problem or "")

        # now every file has a real outcome: nothing is read a third time
        third = ledger.ingest([inbox])
        assert [f.outcome for f in third.files] == ["duplicate"] * 5


def test_status_workbook_prints_readable_one_page_wide(round_: dict[str, Any]) -> None:
    """Thirteen columns on A4 landscape: capped widths (long text wraps) and rows tall
    enough for the wrapped text, so the page is not shrunk to an unreadable size."""
    from formkit.cells import wrapped_lines
    from formkit.ledger import status_workbook

    with _ledger(round_) as ledger:
        ledger.ingest([round_["files"]["js"].parent])
        data = status_workbook(ledger.status(dt.date(2006, 4, 30)))
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["全部"]
    widths = {  # openpyxl gives a run of equal columns as one dimension
        col: d.width
        for d in ws.column_dimensions.values()
        if d.width
        for col in range(d.min, d.max + 1)
    }
    assert len(widths) == 13 and sum(widths.values()) <= 175
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.page_setup.fitToWidth in (1, None)
    wrapped = 0
    for row in ws.iter_rows(min_row=2):
        lines = max(wrapped_lines(str(c.value or ""), widths[c.column] - 0.71) for c in row)
        height = ws.row_dimensions[row[0].row].height
        if lines > 1:
            wrapped += 1
            assert height is not None and height >= 13.5 * lines, (row[0].row, lines, height)
    assert wrapped  # the 浙江 problem text wraps


def test_status_workbook_writes_rich_text_shaped_names_as_typed(tmp_path: Path) -> None:
    from formkit.ledger import status_workbook

    name = "<r><t>x</t></r></si><si><t>injected</t></si><si><r><t>y</t></r>"
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _fill(inbox / "x.xlsx", None, _eligible(applicant_name=name))
    with Ledger(tmp_path / "formkit.db") as ledger:
        ledger.ingest([inbox])
        data = status_workbook(ledger.status())
    ws = openpyxl.load_workbook(io.BytesIO(data))["名单外"]
    assert [r[3] for r in ws.iter_rows(min_row=3, values_only=True)] == [name]


def test_a_batch_is_recorded_whole_or_not_at_all_and_a_rerun_finishes(
    round_: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Files are recorded as they are read, several to a transaction: a failure in the
    middle of a batch leaves the ledger as after the batch before; running again records
    the rest, and the ledger equals an uninterrupted run's."""
    import formkit.ledger.files as ledger_module  # where ingest's batches are cut

    inbox = round_["files"]["js"].parent
    whole, broken = tmp_path / "whole.db", tmp_path / "broken.db"
    for db in (whole, broken):
        with Ledger(db) as ledger:
            ledger.add_roster(round_["rows"], year=YEAR)
    with Ledger(whole) as ledger:
        ledger.ingest([inbox], jobs=1)

    monkeypatch.setattr(ledger_module, "BATCH_FILES", 2)
    real = Ledger._record
    seen: list[str] = []

    def failing(self: Ledger, sub: Any, sha: str, *rest: Any) -> Any:
        seen.append(sha)
        if len(seen) == 4:  # the second file of the second batch
            raise RuntimeError("读到一半停下")
        return real(self, sub, sha, *rest)

    monkeypatch.setattr(Ledger, "_record", failing)
    with Ledger(broken) as ledger, pytest.raises(RuntimeError):
        ledger.ingest([inbox], jobs=1)
    assert _count(broken) == 2  # the first batch; the second rolled back whole
    monkeypatch.setattr(Ledger, "_record", real)
    with Ledger(broken) as ledger:
        again = ledger.ingest([inbox], jobs=1)
    assert (again.new, again.duplicate) == (3, 2)
    assert _files_table(broken) == _files_table(whole)
    with Ledger(broken) as ledger:
        assert ledger.decisions() == ledger.decide_all()


def test_a_long_ingest_lists_only_the_files_that_need_attention(
    round_: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `check` does: past the table's length, the clean new files are only counted
    (memory stays flat however many files a run has)."""
    import formkit.cli.round as cli  # `formkit ingest`

    monkeypatch.setattr(cli, "MAX_TABLE_ROWS", 2)
    settled = cli._settled
    given: list[Any] = []

    def spy(cells: tuple[str, ...], record: Any, across: Any) -> tuple[str, ...]:
        given.append((cells, record))
        return settled(cells, record, across)

    monkeypatch.setattr(cli, "_settled", spy)
    _ledger(round_).close()
    inbox = round_["files"]["js"].parent
    result = runner.invoke(app, ["ingest", str(inbox), "--db", str(round_["db"]), "-j", "1"])
    assert result.exit_code == 1, result.output
    text = "".join(result.output.split())
    assert "共5个文件" in text and "上表只列出需要处理的前2个" in text
    assert "江苏.xlsx" not in text  # clean and new: counted, not listed
    assert "新收到5个" in text
    # every row shown still has its file's record (its state settled as `status` shows it;
    # the records of rows not shown, which hold each file's document, are not kept)
    assert len(given) == 2 and all(r is not None and r.original_name in c[0] for c, r in given)


def test_each_recorded_files_record_is_its_row_as_read_back(round_: dict[str, Any]) -> None:
    """The record an ingest hands back is made from the row as written (not read back):
    it equals what the ledger reads for that file, for every kind of file (on the roster,
    outside it, unreadable, and one superseded later)."""
    f = round_["files"]
    outcomes: list[Any] = []
    with _ledger(round_) as ledger:
        ledger.ingest([f["zj1"], f["js"], f["outside"], f["word"]], each=outcomes.append)
        by_name = {Path(o.path).name: o for o in outcomes}
        assert len(by_name) == 4
        for o in outcomes:
            assert o.record == ledger.file(o.sha256)
        ledger.ingest([f["zj2"]], each=outcomes.append)
        assert outcomes[-1].record == ledger.file(outcomes[-1].sha256)
        # the first version's row changed after its record was handed back
        first = by_name["浙江.xlsx"].record
        assert ledger.file(first.sha256) == dataclasses.replace(
            first, superseded_by=outcomes[-1].sha256
        )


def test_ahead_takes_the_first_item_in_the_callers_thread_and_keeps_order() -> None:
    """ledger.files.ahead: the first item is made in the calling thread (the reading
    workers start with it, forked while the process has one thread), the rest by its own
    thread, all in order; an error while making them reaches the consumer."""
    from formkit.ledger.files import ahead

    made_in: list[str] = []

    def items(n: int, fail_at: int | None = None) -> Iterator[int]:
        for i in range(n):
            made_in.append(threading.current_thread().name)
            if i == fail_at:
                raise OSError("磁盘读取失败")
            yield i

    assert list(ahead(items(50), 4)) == list(range(50))
    assert made_in[0] == threading.current_thread().name
    assert set(made_in[1:]) == {"formkit-ingest-reader"}
    assert list(ahead(items(0), 4)) == []
    got: list[int] = []
    with pytest.raises(OSError, match="磁盘读取失败"):
        for i in ahead(items(10, fail_at=6), 4):
            got.append(i)
    assert got == list(range(6))
    with pytest.raises(OSError):
        list(ahead(items(3, fail_at=0), 4))


def test_ingest_forks_its_reading_workers(
    round_: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A command that records files (one thread) forks its reading workers: they start with
    formkit loaded, not from the forkserver's fresh interpreter."""
    import formkit.read.isolate as isolate

    if not sys.platform.startswith("linux") or threading.active_count() > 1:
        pytest.skip("fork is chosen only on Linux, in a process with one thread")
    methods: list[str] = []
    started = isolate._Worker.__init__

    def spy(self: Any, ctx: Any, *args: Any) -> None:
        methods.append(ctx.get_start_method())
        started(self, ctx, *args)

    monkeypatch.setattr(isolate._Worker, "__init__", spy)
    f = round_["files"]
    with _ledger(round_) as ledger:
        report = ledger.ingest([f["js"], f["zj1"], f["outside"]], jobs=2)
    assert report.new == 3
    assert methods and set(methods) == {"fork"}
