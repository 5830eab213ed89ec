"""A fourth form the engine has never seen (tests/toy_form: a spec and one rule) runs
template → read → validate → summary → roll-up → ledger with no engine change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from formkit.forms import get_form, register, unregister
from tests.toy_form import FORM as TOY

YEAR = 2007


@pytest.fixture(autouse=True)
def toy() -> Iterator[Any]:
    register(TOY)
    yield get_form(TOY.id)
    unregister(TOY.id)


def _fill(template: Path, target: Path, **values: Any) -> Path:
    """Type values into the template's input cells, as a person would."""
    spec = TOY.spec
    wb = openpyxl.load_workbook(template)
    for fid, value in values.items():
        f = spec.field(fid)
        wb[spec.sheet(f.sheet).name][f.area.first.a1] = value
    wb.save(target)
    return target


def _park(
    tmp: Path,
    template: Path,
    name: str,
    month: int,
    use: float,
    reuse: float,
    day: int = 5,
    unit: str = "江苏省",
) -> Path:
    return _fill(
        template,
        tmp / f"{name}-{month}-{day}.xlsx",
        sheng=unit,
        yuanqu=name,
        nian=YEAR,
        yue=month,
        tianbao_riqi=dt.date(YEAR, month + 1, day),
        yongshui=use,
        huiyong=reuse,
    )


def test_the_toy_form_runs_the_whole_round(tmp_path: Path, toy: Any) -> None:
    from formkit.check import check_file
    from formkit.forms import read_options
    from formkit.ledger import Ledger
    from formkit.rollup import rollup
    from formkit.summary.collect import collect
    from formkit.summary.sheets import write
    from formkit.template import write_template

    spec = toy.spec
    template = write_template(tmp_path / "模板.xlsx", spec, year=YEAR)
    wb = openpyxl.load_workbook(template)
    assert wb.sheetnames[0] == "用水月报"
    assert "2007年园区月度用水报表" in str(wb["用水月报"]["A1"].value)

    a = _park(tmp_path, template, "甲园区", 3, 120.5, 30.0)
    b = _park(tmp_path, template, "乙园区", 3, 80.0, 95.0)  # reuse above use: the rule
    a_again = _park(tmp_path, template, "甲园区", 3, 121.0, 30.0, day=9)  # resent, newer

    this_round = read_options(forms=(TOY.id,))
    subs = [check_file(p, this_round) for p in (a, b, a_again)]
    assert all(s.status == "accepted" and s.form and s.form.id == TOY.id for s in subs)
    assert subs[0].values["yongshui"] == 120.5
    bad = [i for i in subs[1].issues if i.code == "toy_reuse_above_use"]
    assert len(bad) == 1 and bad[0].cell == "B8" and bad[0].sheet == "用水月报"
    assert "回用水量 95" in bad[0].message and "用水量 80" in bad[0].message

    data = collect(subs, spec=spec, year=YEAR, unit="江苏省")
    current = {r["yuanqu"]: r for r in data.applications}
    assert set(current) == {"甲园区", "乙园区"}
    assert current["甲园区"]["yongshui"] == 121.0  # the resent file counts, once
    superseded = [f for f in data.files if f["status"] == "已替代"]
    assert [Path(f["file"]).name for f in superseded] == [a.name]
    out = write(tmp_path / "汇总.xlsx", data, spec=spec)
    summary = openpyxl.load_workbook(out)
    assert summary.sheetnames[0] == "汇总表"
    ws = summary["汇总表"]
    headers = [c.value for c in ws[2]]
    rows = [dict(zip(headers, r, strict=False)) for r in ws.iter_rows(min_row=3, values_only=True)]
    total = next(r for r in rows if "江苏省合计" in r.values())
    # 乙园区's reuse above its use: the rule doubts both, so only 甲园区's resent figures count
    assert total["用水量(万吨)"] == pytest.approx(121.0)
    assert total["回用水量(万吨)"] == pytest.approx(30.0)

    national = rollup([out], spec=spec)
    assert {r["yuanqu"] for r in national.data.applications} == {"甲园区", "乙园区"}
    assert not national.rejected

    with Ledger(tmp_path / "台账.db", spec=spec) as led:
        report = led.ingest([a, b, a_again])
        assert len(report.files) == 3
        decisions = led.decisions()
        assert sorted(d.disposition for d in decisions.values()) == [
            "current",
            "current",
            "superseded",
        ]
    # the ledger's route to a summary counts the same files as the folder's
    from formkit.summary.ledger import from_ledger

    led_data = from_ledger(tmp_path / "台账.db", unit="江苏省", year=YEAR, form_id=TOY.id)
    assert sorted((r["yuanqu"], r["yongshui"]) for r in led_data.applications) == sorted(
        (r["yuanqu"], r["yongshui"]) for r in data.applications
    )


def test_registering_and_forgetting_a_form_leaves_the_registry_and_catalogue_as_before(
    toy: Any,
) -> None:
    from formkit.forms import UnknownForm, form_ids
    from formkit.issues import CATALOGUE

    assert TOY.id in form_ids() and "toy_reuse_above_use" in CATALOGUE
    unregister(TOY.id)
    assert TOY.id not in form_ids() and "toy_reuse_above_use" not in CATALOGUE
    with pytest.raises(UnknownForm):
        get_form(TOY.id)
    assert "cumulative_fell" in CATALOGUE  # a built-in form's codes stay
    register(TOY)  # for the fixture's own teardown
