"""基地名单 on paper (issue #21 item 5): the roster `formkit roster` writes prints as one
titled portrait page for up to 20 bases, headers and title on every page, one page wide;
and it reads back as the roster it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from formkit.distribute import RosterRow, read_roster, roster_title, write_roster
from formkit.forms import load_form_spec
from tests.libreoffice import convert, pdf_pages, pdf_text
from tests.report_forms import JIDU

PROVINCES = ("江苏省", "浙江省", "广东省", "四川省", "湖北省")
TYPES = ("国家高新技术产品出口基地", "国家软件出口基地", "国家医药出口基地", "")


def bases(n: int) -> list[RosterRow]:
    """`n` bases with long names (the longest a real roster has) and every column filled."""
    out = []
    for i in range(n):
        province = PROVINCES[i % len(PROVINCES)]
        name = f"{province[:-1]}第{i + 1:02d}号国家高新技术产业开发区出口创新基地管理委员会"
        cells = {
            "province": province,
            "base_name": name,
            "base_type": TYPES[i % len(TYPES)],
            "application_id": f"2006-320000-{i:08x}",
            "contact_person": "欧阳明华",
            "contact_phone": "025-83301234",
        }
        out.append(RosterRow(i + 3, province, "", name, cells, JIDU, "province"))
    return out


def test_the_roster_reads_back_under_its_title(tmp_path: Path) -> None:
    spec = load_form_spec(JIDU)
    rows = bases(20)
    title = roster_title(spec, None, "据2006年度申报")
    assert title == "季度数据报表报送基地名单（据2006年度申报）"
    path = write_roster(rows, tmp_path / "基地名单.xlsx", spec, title)
    back = read_roster(path, spec=spec)
    assert [(r.unit, r.subject, r.cells.get("base_type") or "") for r in back] == [
        (r.unit, r.subject, r.cells["base_type"]) for r in rows
    ]


@pytest.mark.libreoffice
@pytest.mark.parametrize(("n", "pages"), [(20, 1), (45, 3)])
def test_twenty_bases_print_on_one_titled_page(
    soffice: str, tmp_path: Path, n: int, pages: int
) -> None:
    """20 bases: 1 page; more: every page has the title, the headers and its number."""
    spec = load_form_spec(JIDU)
    title = roster_title(spec, None, "2007年第二季度")
    path = write_roster(bases(n), tmp_path / "基地名单.xlsx", spec, title)
    pdf = convert(path, "pdf", tmp_path / "pdf")
    assert pdf_pages(pdf) == pages if n == 20 else pdf_pages(pdf) <= pages
    texts = pdf_text(pdf)
    seen = []
    for i, text in enumerate(texts, start=1):
        flat = "".join(text.split())
        assert "".join(title.split()) in flat, f"page {i} has no title"
        for header in ("所在省", "基地名称", "基地类型", "申报书编号", "联系人", "联系电话"):
            assert header in flat, (i, header)
        assert f"第{i}页，共{len(texts)}页" in flat
        # a long name wraps within its cell: its first line names it
        seen += [r.subject for r in bases(n) if r.subject[:6] in flat]
    # every base printed, once
    assert sorted(seen) == sorted(r.subject for r in bases(n))


def test_a_new_bases_type_is_filled_as_the_report_form_says(tmp_path: Path) -> None:
    """基地类型 where known (#21 item 8): a re-certification's is the base it names; a
    新申报 names none, and a new base is 其他出口创新基地 (the report form's own hint)."""
    from formkit.ledger import Ledger
    from tests.forms import ROSTER, YEAR, eligible, filled

    roster_csv = tmp_path / "申报名单.csv"
    roster_csv.write_bytes(ROSTER.encode("gbk"))
    rows = read_roster(roster_csv)
    inbox = tmp_path / "申报书"
    inbox.mkdir()
    new = eligible(application_type="新申报", existing_base_type=None, recertified_base=None)
    for i, row in enumerate(rows):
        (inbox / f"{i}.xlsx").write_bytes(filled(row, new if i == 0 else eligible()))
    with Ledger(tmp_path / "申报.db") as ledger:
        ledger.add_roster(rows, year=YEAR)
        ledger.ingest([inbox])
        chosen = [(r.unit, r.subject) for r in ledger.current()]
        got = {
            r.subject: r.cells.get("base_type")
            for r in ledger.application_roster(JIDU, year=YEAR, chosen=chosen)
        }
    assert got[rows[0].applicant_name] == "其他出口创新基地"
    others = [got[r.applicant_name] for r in rows[1:]]
    assert others and all(t and t != "其他出口创新基地" for t in others), got
    # the value is one the report form accepts
    assert "其他出口创新基地" in load_form_spec(JIDU).field("base_type").choices
