"""Percent and text as a person types them in LibreOffice (#20 item 9), saved as .xlsx, .xls and
.ods: "23.4%" typed into a percent field is read as 23.4; a bare 0.234 keeps its hint, now a
warning; "示例科技园  A座" keeps its two spaces, and a cell of several lines its indents.

The cells are entered through LibreOffice's view (uno_fill.py's "enter": what the keyboard
does, number format detection included), so the files are what a person's would be. Such a
job stores the workbook once, as .ods, and is run again if LibreOffice ends on the way (7.4
may, some seconds after a dispatch through the view: see uno_fill.py); LibreOffice then saves
that .ods as .xlsx and .xls, as a person who reopens the file and saves it as another type.
The text of several lines is typed in a job of its own, saved in the three formats directly."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from formkit import fields
from formkit.api import load_spec, read, validate
from formkit.cells import col_letter
from formkit.forms import load_form_spec
from formkit.read import Submission
from formkit.template import build_template
from tests.forms import expected_read, full_values, template_values
from tests.libreoffice import convert
from tests.report_forms import JIDU, jidu_values
from tests.test_real_client import run_uno_fill, uno_python

pytestmark = pytest.mark.libreoffice
__all__ = ["uno_python"]  # the fixture

YEAR = 2007
FORMATS = ("xlsx", "xls", "ods")
NAME = "示例科技园  A座"
# one line, in the jobs that enter (see above)
ONE_LINE = "本季度基地新建公共技术服务平台1个。"
# typed with setFormula; the surrounding spaces of the whole text go, as for every text field
# in every format; the indent of the second line and the run of spaces stay
INFO_TYPED = "  一、进展  两个空格\n  二、困难"
INFO_READ = "一、进展  两个空格\n  二、困难"
# field key -> (what the person types, what formkit must read)
JIDU_ENTERED: dict[str, tuple[str, Any]] = {
    "export_growth": ("23.4%", 23.4),
    "hitech_export_growth": ("-3.5%", -3.5),
    # no % typed: the cell keeps its default format; read as typed, with a warning
    "software_export_growth": ("0.234", 0.234),
    "key_enterprises[0].export_growth": ("12.5%", 12.5),
    "base_name": (NAME, NAME),
}


def _cell(spec: Any, key: str) -> tuple[str, str]:
    """(sheet name, A1) of a field, or of a table row's column ("t[0].col")."""
    if "[" in key:
        table_id, rest = key.split("[", 1)
        index, column = rest.split("].", 1)
        table = spec.table(table_id)
        row = table.blocks[0].first.row + int(index)
        return spec.sheet(table.sheet).name, f"{col_letter(table.column(column).first_col)}{row}"
    f = spec.field(key)
    return spec.sheet(f.sheet).name, f.cell.a1


def _without(values: dict[str, Any], keys: list[str]) -> dict[str, Any]:
    out = copy.deepcopy(values)
    for key in keys:
        if "[" in key:
            table_id, rest = key.split("[", 1)
            index, column = rest.split("].", 1)
            out[table_id][int(index)][column] = None
        else:
            out[key] = None
    return out


ATTEMPTS = 4


def _enter(
    uno_python: str,
    soffice: str,
    work: Path,
    template: Path,
    saved: Path,
    steps: list[dict[str, Any]],
) -> dict[str, Any]:
    """uno_fill.py's report of a job that enters, stored as `saved` (.ods). LibreOffice may end
    after the dispatches (see uno_fill.py): once the file is stored that changes nothing; before,
    the job is run again."""
    for _attempt in range(ATTEMPTS):
        saved.unlink(missing_ok=True)
        try:
            return run_uno_fill(uno_python, soffice, work, template, {"ods": saved}, steps, 180)
        except AssertionError as exc:
            # run_uno_fill's message: the status line, then uno_fill.py's JSON report
            lines = [line.strip() for line in str(exc).splitlines()]
            report = next((json.loads(x) for x in lines if x.startswith('{"')), {})
            if "stored_s" in report and saved.exists():
                return dict(report)
    raise AssertionError(f"LibreOffice did not store {saved.name} in {ATTEMPTS} attempts")


def _fill(
    soffice: str,
    uno_python: str,
    work: Path,
    spec: Any,
    prefilled: dict[str, Any],
    entered: dict[str, str],
    typed: dict[str, str] | None = None,
    year: int = YEAR,
) -> tuple[dict[str, Path], dict[str, str]]:
    """The template with `prefilled` values; `entered` keys entered at the keyboard, `typed`
    ones set as text; the workbook in each format, and what LibreOffice shows in each entered
    cell."""
    template = work / "blank.xlsx"
    template.write_bytes(build_template(spec, year=year, values=prefilled))
    steps = [
        {"op": "enter", "sheet": sheet, "cell": a1, "text": text}
        for key, text in entered.items()
        for sheet, a1 in [_cell(spec, key)]
    ]
    steps += [
        {"op": "type", "sheet": sheet, "cell": a1, "text": text}
        for key, text in (typed or {}).items()
        for sheet, a1 in [_cell(spec, key)]
    ]
    if not entered:
        outputs = {fmt: work / "out" / f"filled.{fmt}" for fmt in FORMATS}
        report = run_uno_fill(uno_python, soffice, work, template, outputs, steps, 180)
        assert report["office"] == "terminated" and report["typed"] == len(steps)
        return outputs, {}
    saved = work / "out" / "filled.ods"
    report = _enter(uno_python, soffice, work, template, saved, steps)
    assert report["typed"] == len(steps)
    outputs = {"ods": saved}
    for fmt in ("xlsx", "xls"):
        outputs[fmt] = convert(saved, fmt, work / fmt)
    shown = {key: report["shown"]["!".join(_cell(spec, key))] for key in entered}
    return outputs, shown


@pytest.fixture(scope="module")
def jidu(
    soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Path], dict[str, str]]:
    spec = load_form_spec(JIDU)
    prefilled = _without(jidu_values(), list(JIDU_ENTERED))
    prefilled["important_info"] = ONE_LINE
    return _fill(
        soffice,
        uno_python,
        tmp_path_factory.mktemp("percent-typed"),
        spec,
        prefilled,
        {key: text for key, (text, _) in JIDU_ENTERED.items()},
    )


def _at(sub: Submission, key: str) -> Any:
    if "[" in key:
        table_id, rest = key.split("[", 1)
        index, column = rest.split("].", 1)
        return sub.values[table_id][int(index)][column]
    return sub.values[key]


def test_libreoffice_shows_a_typed_percent_as_percent(
    jidu: tuple[dict[str, Path], dict[str, str]],
) -> None:
    """The template's percent cells are in the default format, so LibreOffice gives "23.4%"
    a percent format, as for a person: the cell shows 23.40%."""
    _, shown = jidu
    assert float(shown["export_growth"].removesuffix("%")) == 23.4
    assert shown["export_growth"].endswith("%")
    assert float(shown["key_enterprises[0].export_growth"].removesuffix("%")) == 12.5
    assert shown["software_export_growth"] == "0.234"
    assert shown["base_name"] == NAME


@pytest.mark.parametrize("fmt", FORMATS)
def test_percent_typed_in_libreoffice_reads_as_shown(
    jidu: tuple[dict[str, Path], dict[str, str]], fmt: str
) -> None:
    outputs, _ = jidu
    sub = validate(read(outputs[fmt]))
    assert sub.status == "accepted" and sub.format == fmt, sub.issues
    for key, (_typed, expected) in JIDU_ENTERED.items():
        assert _at(sub, key) == expected, (fmt, key, _at(sub, key))
    # every other value is what was prefilled; the several-line text keeps its indent
    expected_all = jidu_values()
    expected_all.update({k: v for k, (_t, v) in JIDU_ENTERED.items() if "[" not in k})
    expected_all["key_enterprises"][0]["export_growth"] = 12.5
    expected_all["important_info"] = ONE_LINE
    assert dict(sub.values) == {k: expected_all[k] for k in load_form_spec(JIDU).ids}
    # the percent cells are noted (info) as read from their percent format
    growth = load_form_spec(JIDU).field("export_growth")
    assert sub.sources["export_growth"].how == "percent-fraction"
    noted = {(i.sheet, i.cell) for i in sub.issues if i.code == "percent_fraction"}
    assert (load_form_spec(JIDU).sheet(growth.sheet).name, growth.cell.a1) in noted
    # only the bare 0.234 is warned, with the hint, as in every form
    hints = [i for i in sub.issues if i.code == "percent_looks_fraction"]
    sheet, a1 = _cell(load_form_spec(JIDU), "software_export_growth")
    assert [(i.severity, i.sheet, i.cell) for i in hints] == [("warning", sheet, a1)]
    assert "请填 23.4" in hints[0].message
    assert not [i for i in sub.issues if i.severity == "error"], sub.issues


@pytest.fixture(scope="module")
def old_format(
    soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Path], dict[str, str]]:
    """The template as it was, with percent cells formatted "0.00"."""
    spec = load_form_spec(JIDU)
    prefilled = _without(jidu_values(), ["export_growth"])
    prefilled["important_info"] = ONE_LINE
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(fields, "PERCENT_INPUT_FORMAT", "0.00")
        template_bytes = build_template(spec, year=YEAR, values=prefilled)
    work = tmp_path_factory.mktemp("percent-old-format")
    assert template_bytes != build_template(spec, year=YEAR, values=prefilled)
    template = work / "blank.xlsx"
    template.write_bytes(template_bytes)
    sheet, a1 = _cell(spec, "export_growth")
    steps = [{"op": "enter", "sheet": sheet, "cell": a1, "text": "23.4%"}]
    saved = work / "out" / "filled.ods"
    report = _enter(uno_python, soffice, work, template, saved, steps)
    outputs = {"ods": saved, **{fmt: convert(saved, fmt, work / fmt) for fmt in ("xlsx", "xls")}}
    return outputs, report["shown"]


def test_why_percent_cells_keep_the_default_format(
    old_format: tuple[dict[str, Path], dict[str, str]],
) -> None:
    """In a "0.00" cell LibreOffice stores "23.4%" as 0.234 and shows 0.23: the person does
    not see 23.4%, and formkit reads 0.234 with the warning that asks for 23.4."""
    outputs, shown = old_format
    assert list(shown.values()) == ["0.23"]
    for fmt in FORMATS:
        sub = validate(read(outputs[fmt]))
        assert sub.values["export_growth"] == 0.234, fmt
        hint = next(i for i in sub.issues if i.code == "percent_looks_fraction")
        assert hint.severity == "warning" and "请填 23.4" in hint.message


@pytest.fixture(scope="module")
def application(
    soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Path], dict[str, str]]:
    """The 申报书: 出口增速 typed as "25%" (its history grows 25%)."""
    spec = load_spec()
    return _fill(
        soffice,
        uno_python,
        tmp_path_factory.mktemp("percent-typed-application"),
        spec,
        template_values(_application_values(_without(full_values(), ["export_growth"]))),
        {"export_growth": "25%"},
        year=2006,
    )


def _application_values(values: dict[str, Any]) -> dict[str, Any]:
    values["industry_features"] = values["industry_features"].replace("\n", "")
    return values


@pytest.mark.parametrize("fmt", FORMATS)
def test_percent_typed_in_the_application_reads_as_shown(
    application: tuple[dict[str, Path], dict[str, str]], fmt: str
) -> None:
    outputs, shown = application
    assert float(shown["export_growth"].removesuffix("%")) == 25
    sub = validate(read(outputs[fmt]))
    assert sub.values["export_growth"] == 25.0
    assert dict(sub.values) == expected_read(_application_values(full_values()))
    assert not [i for i in sub.issues if i.field == "export_growth" and i.severity != "info"]


@pytest.fixture(scope="module")
def several_lines(
    soffice: str, uno_python: str, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    spec = load_form_spec(JIDU)
    outputs, _ = _fill(
        soffice,
        uno_python,
        tmp_path_factory.mktemp("text-typed"),
        spec,
        _without(jidu_values(), ["important_info"]),
        {},
        {"important_info": INFO_TYPED},
    )
    return outputs


def test_text_of_several_lines_reads_the_same_from_every_format(
    several_lines: dict[str, Path],
) -> None:
    """LibreOffice writes such a cell's exact text in office:string-value (its paragraphs
    with bare runs of spaces): .ods reads as .xlsx and .xls do."""
    read_back = {fmt: read(several_lines[fmt]).values.get("important_info") for fmt in FORMATS}
    assert read_back == dict.fromkeys(FORMATS, INFO_READ)


# ---------------------------------------------------------------- .ods text as LibreOffice reads it

# <text:tab/> and <text:line-break/> are not among them: LibreOffice 7.4 writes a typed tab so
# but drops it when it reads the file back ("x<text:tab/>y" reads "xy"), and reads a line
# break inside a paragraph as a space (it writes a cell's lines as paragraphs); formkit keeps
# both, as the same typed text saved as .xlsx or .xls has them (tests/test_read_xls_ods.py)
ODS_TEXTS = [
    "<text:p>示例科技园 <text:s/>A座</text:p>",
    '<text:p><text:s text:c="2"/>单行 <text:s/>两个空格</text:p>',
    "<text:p>  a   b</text:p>",
    "<text:p>a\tb</text:p>",
    "<text:p>  一、进展  两个空格</text:p><text:p>  二、困难</text:p>",
    "<text:p>end  </text:p>",
    "<text:p><text:span>  sp  an</text:span>  x</text:p>",
]


def test_ods_text_reads_as_libreoffice_reads_it(soffice: str, tmp_path: Path) -> None:
    """An .ods cell's white space, whichever way it is written, is what LibreOffice itself
    reads (it saves the file as .xlsx here): formkit's .ods reader gives the same text."""
    import zipfile

    from formkit.read.ods import load_ods
    from formkit.read.xlsx.fast import load_xlsx_fast

    ns = " ".join(
        f'xmlns:{p}="urn:oasis:names:tc:opendocument:xmlns:{p}:1.0"'
        for p in ("office", "table", "text")
    )
    rows = "".join(
        '<table:table-row><table:table-cell office:value-type="string">'
        f"{cell}</table:table-cell></table:table-row>"
        for cell in ODS_TEXTS
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        'office:version="1.2"><office:body><office:spreadsheet><table:table table:name="S">'
        f"{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        'manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>'
    )
    ods = tmp_path / "text.ods"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr(
            zipfile.ZipInfo("mimetype"),
            "application/vnd.oasis.opendocument.spreadsheet",
            compress_type=zipfile.ZIP_STORED,
        )
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    by_libreoffice = load_xlsx_fast(convert(ods, "xlsx", tmp_path / "lo")).sheets[0]
    ours = load_ods(ods).sheets[0]
    for row in range(1, len(ODS_TEXTS) + 1):
        assert ours.value(row, 1) == by_libreoffice.value(row, 1), ODS_TEXTS[row - 1]
    assert ours.value(1, 1) == "示例科技园  A座"
