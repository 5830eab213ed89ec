"""A quarterly summary from a ledger of years of reports reads only the periods it shows
(issue #23 item 8): the quarter summarised, the quarters its 环比 and 同比 use, those the rules
across periods check them against, and the quarters between; the files of other periods
are counted, not read. The summary is then the same whatever history the ledger holds
before those periods. Every expected number is computed here from the figures the files
were filled with (tests/test_summary_periods.py's `values`).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from formkit.forms import load_form_spec
from formkit.ledger import Ledger
from formkit.summary.ledger import from_ledger, ledger_submissions
from formkit.summary.periods import comparisons
from formkit.summary.sheets import write
from formkit.template import build_template
from tests.report_forms import JIDU
from tests.test_summary_periods import ANY, QUARTERS, quarter_figures, values

FIRST, LAST = 2004, 2007  # four years of quarters
# 江苏省's bases 0 and 1 and, in another province, base 2 (counted, never summarised)
JIANGSU = (0, 1)


def quarters(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out = []
    for year in range(first[0], last[0] + 1):
        for q in range(1, 5):
            if first <= (year, q) <= last:
                out.append((year, q))
    return out


# the summary of 2007Q4 reads 2005Q4 to 2007Q4: 同比 is 2006Q4, whose own 同比 rule looks
# at 2005Q4
WINDOW = quarters((2005, 4), (2007, 4))


def report(b: int, year: int, q: int) -> dict[str, Any]:
    v = values(b, q, year=year)
    if b == 2:
        v["province"] = "浙江省"
    return v


def write_quarters(folder: Path, periods: list[tuple[int, int]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    spec = load_form_spec(JIDU)
    for year, q in periods:
        for b in range(3):
            book = build_template(spec, year=year, values=report(b, year, q))
            (folder / f"b{b}-{year}Q{q}.xlsx").write_bytes(book)
    return folder


@pytest.fixture(scope="module")
def ledgers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """ "long": four years of quarters; "short": the summary's window only (the same files)."""
    root = tmp_path_factory.mktemp("history")
    files = write_quarters(root / "files", quarters((FIRST, 1), (LAST, 4)))
    out = {}
    for name, periods in (("long", quarters((FIRST, 1), (LAST, 4))), ("short", WINDOW)):
        inbox = root / f"inbox-{name}"
        inbox.mkdir()
        for year, q in periods:
            for b in range(3):
                shutil.copy2(files / f"b{b}-{year}Q{q}.xlsx", inbox)
        db = root / f"{name}.db"
        with Ledger(db) as ledger:
            ledger.ingest([inbox], options=ANY)
        out[name] = db
    return out


def shown_periods(data: Any) -> list[tuple[int, str]]:
    return sorted(
        {(r["report_year"], r["report_quarter"]) for r in [*data.applications, *data.others]},
        key=lambda p: (p[0], QUARTERS.index(p[1])),
    )


def test_the_latest_quarter_reads_only_the_periods_it_shows(ledgers: dict[str, Path]) -> None:
    spec = load_form_spec(JIDU)
    data = from_ledger(ledgers["long"], form_id=JIDU, unit="江苏省")
    assert data.period == (LAST, "第四季度")  # the latest, as the ledger's periods say
    assert shown_periods(data) == [(y, QUARTERS[q - 1]) for y, q in WINDOW]
    assert len(data.applications) == len(JIANGSU)
    assert len(data.others) == len(JIANGSU) * (len(WINDOW) - 1)
    # every file of the window accounted for: 江苏's summarised, 浙江's listed 未受理
    assert len(data.files) == 3 * len(WINDOW)
    assert sum(f["status"] == "未受理" for f in data.files) == len(WINDOW)
    outside = 3 * (len(quarters((FIRST, 1), (LAST, 4))) - len(WINDOW))
    assert outside == 3 * 7  # 2004 and 2005's first three quarters
    assert (
        "台账中其他报告期的文件",
        f"{outside} 个，不属于本期汇总（列入明细的为2005年第四季度至2007年第四季度），未列入",
    ) in data.notes
    assert data.read_periods == tuple(f"{y:04d}-{q:02d}" for y, q in WINDOW)

    # the totals, 环比 and 同比, by hand from the figures the files were filled with
    rows = {r["key"]: r for r in comparisons(data, spec)}
    now = sum(quarter_figures(b, 4)["export_value"] for b in JIANGSU)
    before = sum(quarter_figures(b, 3)["export_value"] for b in JIANGSU)
    assert rows["export_value_q"]["now"] == pytest.approx(now)
    assert rows["export_value_q"]["previous_total"] == pytest.approx(before)
    assert rows["export_value_q"]["previous"] == round((now / before - 1) * 100, 2)
    ytd = sum(sum(quarter_figures(b, q)["export_value"] for q in range(1, 5)) for b in JIANGSU)
    ago = sum(
        sum(quarter_figures(b, q, LAST - 1)["export_value"] for q in range(1, 5)) for b in JIANGSU
    )
    assert rows["export_value_ytd"]["now"] == pytest.approx(ytd)
    assert rows["export_value_ytd"]["year_ago_total"] == pytest.approx(ago)
    assert rows["export_value_ytd"]["year_ago"] == round((ytd / ago - 1) * 100, 2)


def test_an_earlier_quarter_reads_its_own_window(ledgers: dict[str, Path]) -> None:
    """--period 2006Q2: 2004Q2 to 2006Q2; the later quarters are counted, not listed."""
    data = from_ledger(ledgers["long"], form_id=JIDU, unit="江苏省", period=(2006, "第二季度"))
    assert data.period == (2006, "第二季度")
    window = quarters((2004, 2), (2006, 2))
    assert shown_periods(data) == [(y, QUARTERS[q - 1]) for y, q in window]
    outside = 3 * (len(quarters((FIRST, 1), (LAST, 4))) - len(window))
    noted = dict(data.notes)["台账中其他报告期的文件"]
    assert noted.startswith(f"{outside} 个，不属于本期汇总（列入明细的为2004年第二季度至")


def sheets_of(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    book = openpyxl.load_workbook(path)
    return {
        ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)]
        for ws in book.worksheets
        if ws.title not in ("说明", "formkit")  # the note's count and the inputs differ
    }


def test_the_summary_is_the_same_whatever_history_the_ledger_holds(
    ledgers: dict[str, Path], tmp_path: Path
) -> None:
    spec = load_form_spec(JIDU)
    books = {}
    for name, db in ledgers.items():
        data = from_ledger(db, form_id=JIDU, unit="江苏省", inputs=["台账.db"])
        books[name] = tmp_path / f"{name}.xlsx"
        write(books[name], data, spec=spec)
    long, short = sheets_of(books["long"]), sheets_of(books["short"])
    assert long.keys() == short.keys() and {"汇总表", "明细", "合计与比较", "图表"} <= set(long)
    for sheet in long:
        assert long[sheet] == short[sheet], sheet


def test_the_json_lists_the_files_the_summary_read(ledgers: dict[str, Path]) -> None:
    data = from_ledger(ledgers["long"], form_id=JIDU, unit="江苏省")
    listed = list(ledger_submissions(ledgers["long"], form_id=JIDU, periods=data.read_periods))
    assert len(listed) == 3 * len(WINDOW)
    assert {(s.values["report_year"], s.values["report_quarter"]) for s in listed} == {
        (y, QUARTERS[q - 1]) for y, q in WINDOW
    }
    every = list(ledger_submissions(ledgers["long"], form_id=JIDU))
    assert len(every) == 3 * len(quarters((FIRST, 1), (LAST, 4)))


def test_a_ledger_from_before_version_10_gets_each_files_period(
    ledgers: dict[str, Path], tmp_path: Path
) -> None:
    """Opening a version-9 ledger adds period_key and fills it from each stored reading,
    as recording the file does; the summary then reads the same files."""
    db = tmp_path / "旧台账.db"
    shutil.copy(ledgers["short"], db)
    with sqlite3.connect(db) as conn:
        recorded = dict(conn.execute("SELECT sha256, period_key FROM files").fetchall())
        conn.execute("DROP INDEX files_by_period_key")
        conn.execute("ALTER TABLE files DROP COLUMN period_key")
        conn.execute("PRAGMA user_version = 9")
    assert len(recorded) == 3 * len(WINDOW)
    assert set(recorded.values()) == {f"{y:04d}-{q:02d}" for y, q in WINDOW}
    with Ledger(db) as ledger:
        assert ledger.schema_version == 10
        filled = dict(ledger.db.execute("SELECT sha256, period_key FROM files").fetchall())
    assert filled == recorded
    before = from_ledger(ledgers["short"], form_id=JIDU, unit="江苏省")
    after = from_ledger(db, form_id=JIDU, unit="江苏省")
    assert shown_periods(after) == shown_periods(before)
    assert len(after.files) == len(before.files)
