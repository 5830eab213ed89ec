"""The terminal at 80 columns (#21 items 10 and 14): what `check`, `status` and
`distribute` print reads on a narrow console. Files are shown by the part of their name
that tells them apart, phone numbers are never broken, `--details` does not repeat the
sheet and cell its own columns show, and every path printed can be copied whole."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path

from tests.conftest import ROOT
from tests.forms import YEAR, application_round, eligible, write_filled

CITIES = {
    "武汉市": "武汉东湖新技术开发区管理委员会",
    "宜昌市": "宜昌高新技术产业开发区管理委员会",
    "襄阳市": "襄阳高新技术产业开发区管理委员会",
}


def formkit(*args: object, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "80", "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}
    env.pop("FORCE_COLOR", None)
    return subprocess.run(
        [sys.executable, "-m", "formkit", *map(str, args)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=300,
        cwd=cwd,
    )


def width(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_check_shows_each_file_by_its_own_name_and_details_without_repeating_the_place(
    tmp_path: Path,
) -> None:
    inbox = tmp_path / "收件"
    inbox.mkdir()
    for city, name in CITIES.items():
        values = eligible(province="湖北省", city=city, applicant_name=name)
        if city == "宜昌市":
            values["contact_phone"] = None  # an error to list with --details
        write_filled(inbox / f"申报书-湖北省-{city}-{name}.xlsx", values)
    result = formkit("check", inbox, "--details", "-j", "1")
    assert result.returncode == 1, result.stderr
    text = result.stdout
    assert all(width(line) <= 80 for line in text.splitlines()), text
    # the shared beginning is said once; each row starts with what tells it apart
    assert "文件名略去了共同的开头“申报书-湖北省-”" in text
    for city in CITIES:
        assert f"…{city}-" in text, city
    assert "申报书-湖北省-…" not in text and "申报书-湖北省-武汉" not in text
    # --details: the sheet and cell are in their columns, the text does not repeat them
    details = text[text.index("问题清单") :]
    assert "封面" in details and "B6" in details
    assert "工作表“" not in details
    assert "联系电话：" in details  # the field's label begins the text


def test_status_never_breaks_a_phone_number(tmp_path: Path) -> None:
    db, rows = application_round(tmp_path)
    result = formkit("status", "--db", db, "--today", f"{YEAR}-05-10")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert all(width(line) <= 80 for line in lines), result.stdout
    for row in rows:
        phone = str(row.values().get("contact_phone"))
        assert any(phone in line for line in lines), phone


def test_distribute_prints_the_whole_path_of_its_links_file(tmp_path: Path) -> None:
    from formkit.distribute import LINKS_FILE
    from tests.forms import ROSTER

    roster = tmp_path / "名单.csv"
    roster.write_bytes(ROSTER.encode("gbk"))
    out = tmp_path / "二〇〇六年度申报" / "各市下发的申报书（请勿改动文件名）"
    result = formkit("distribute", roster, "-o", out, "--db", tmp_path / "formkit.db")
    assert result.returncode == 0, result.stderr
    links = str(out / LINKS_FILE)
    assert len(links) > 40  # longer than what is left of an 80-column line
    # on one line of its own: copied from the terminal, the path is whole
    assert any(line.endswith(links) for line in result.stdout.splitlines()), result.stdout
