"""A form installed elsewhere joins through the `formkit.forms` entry point (issue #22).

The toy form (tests/toy_form) is installed the way pip installs a distribution: its package
and a `*.dist-info` with `entry_points.txt` in a site folder of its own. A fresh Python
process with that folder on its path runs the whole round: template → read → validate →
summary → roll-up → ledger, in reading workers too, and `formkit check` (the command line)
reads its files. Nothing calls `register()`; nothing outside the form's folder names it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from tests.conftest import ROOT

PACKAGE = "toy_yongshui_form"
FORM_ID = "toy-yongshui"

ROUND = textwrap.dedent(
    """
    import datetime as dt
    import json
    import sys
    from pathlib import Path

    import openpyxl

    from formkit.check import check_many
    from formkit.forms import form_ids, get_form, read_options, registered_elsewhere
    from formkit.ledger import Ledger
    from formkit.rollup import rollup
    from formkit.summary.collect import collect
    from formkit.summary.ledger import from_ledger
    from formkit.summary.sheets import write
    from formkit.template import write_template

    out = Path(sys.argv[1])
    form = get_form("toy-yongshui")
    spec = form.spec
    template = write_template(out / "模板.xlsx", spec, year=2007)

    def park(name, use, reuse, day):
        wb = openpyxl.load_workbook(template)
        values = dict(sheng="江苏省", yuanqu=name, nian=2007, yue=3,
                      tianbao_riqi=dt.date(2007, 4, day), yongshui=use, huiyong=reuse)
        for fid, value in values.items():
            f = spec.field(fid)
            wb[spec.sheet(f.sheet).name][f.area.first.a1] = value
        path = out / f"{name}-{day}.xlsx"
        wb.save(path)
        return path

    files = [park("甲园区", 120.5, 30.0, 5), park("乙园区", 80.0, 95.0, 5),
             park("甲园区", 121.0, 30.0, 9)]
    subs = list(check_many(files, read_options(forms=("toy-yongshui",)), jobs=2))
    data = collect(subs, spec=spec, year=2007, unit="江苏省")
    summary = write(out / "汇总.xlsx", data, spec=spec)
    national = rollup([summary], spec=spec)
    with Ledger(out / "台账.db", spec=spec) as led:
        led.ingest(files, jobs=1)
        dispositions = sorted(d.disposition for d in led.decisions().values())
    ledger_data = from_ledger(out / "台账.db", unit="江苏省", year=2007, form_id="toy-yongshui")
    print(json.dumps({
        "registered_elsewhere": [f.id for f in registered_elsewhere()],
        "form_ids": list(form_ids()),
        "module": type(form).__module__, "rules_module": form.rules[0].__module__,
        "statuses": [s.status for s in subs],
        "form_of_files": [s.form.id for s in subs],
        "rule": [[i.code, i.cell] for s in subs for i in s.issues
                 if i.code == "toy_reuse_above_use"],
        "current": sorted([r["yuanqu"], r["yongshui"]] for r in data.applications),
        "national": sorted(r["yuanqu"] for r in national.data.applications),
        "ledger": dispositions,
        "ledger_current": sorted([r["yuanqu"], r["yongshui"]] for r in ledger_data.applications),
    }, ensure_ascii=False))
    """
)


def _install(site: Path) -> None:
    """The toy form as pip leaves an installed distribution: package + dist-info."""
    shutil.copytree(ROOT / "tests" / "toy_form", site / PACKAGE)
    info = site / "toy_yongshui_form-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(
        "Metadata-Version: 2.1\nName: toy-yongshui-form\nVersion: 0.1\n", "utf-8"
    )
    (info / "entry_points.txt").write_text(f"[formkit.forms]\ntoy = {PACKAGE}:FORM\n", "utf-8")
    (info / "top_level.txt").write_text(f"{PACKAGE}\n", "utf-8")


def _env(site: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(site), str(ROOT)])}


@pytest.mark.slow
def test_an_installed_form_runs_the_whole_round(tmp_path: Path) -> None:
    site, work = tmp_path / "site", tmp_path / "round"
    site.mkdir()
    work.mkdir()
    _install(site)
    done = subprocess.run(
        [sys.executable, "-c", ROUND, str(work)],
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    got = json.loads(done.stdout.strip().splitlines()[-1])
    assert got["registered_elsewhere"] == []  # found through the entry point alone
    assert FORM_ID in got["form_ids"] and got["form_ids"][0] == "kjxm-cxjd-shenbaoshu"
    assert got["rules_module"] == PACKAGE  # the installed copy, not tests.toy_form
    assert got["statuses"] == ["accepted"] * 3 and got["form_of_files"] == [FORM_ID] * 3
    assert got["rule"] == [["toy_reuse_above_use", "B8"]]
    assert got["current"] == [["乙园区", 80.0], ["甲园区", 121.0]]  # the resent file counts
    assert got["national"] == ["乙园区", "甲园区"]
    assert got["ledger"] == ["current", "current", "superseded"]
    assert got["ledger_current"] == got["current"]
    # the command line (an edge) reads the form's files as that form, by the id they carry
    check = subprocess.run(
        [sys.executable, "-m", "formkit", "check", str(work / "乙园区-5.xlsx"), "--json", "-"],
        env=_env(site),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    [result] = json.loads(check.stdout)["results"]
    assert result["form"]["id"] == FORM_ID
    assert [i["code"] for i in result["issues"]] == ["toy_reuse_above_use"]


def test_a_form_folder_is_all_a_built_in_form_needs() -> None:
    """The registry scans formkit/forms/ (no list of packages), and pyproject's package data
    covers any form folder (no per-form line)."""
    import tomllib

    from formkit.forms import form_ids, get_form

    folders = sorted(
        p.name for p in (ROOT / "formkit" / "forms").iterdir() if (p / "__init__.py").is_file()
    )
    assert sorted(get_form(i).spec_file.parent.name for i in form_ids()) == folders
    source = (ROOT / "formkit" / "forms" / "__init__.py").read_text("utf-8")
    assert not any(f'"formkit.forms.{name}"' in source for name in folders)
    data = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    package_data = data["tool"]["setuptools"]["package-data"]
    assert not any(key.startswith("formkit.forms.") for key in package_data)
    assert "forms/*/*.toml" in package_data["formkit"]


def test_entry_points_are_looked_up_where_a_distribution_may_declare_a_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """importlib.metadata is asked only when some entry_points.txt names the group, or a
    place the quick look cannot read (a zip on sys.path, a finder of its own) may."""
    from formkit.forms import _declared_somewhere

    site = tmp_path / "site"
    other = site / "other-1.0.dist-info"
    other.mkdir(parents=True)
    (other / "entry_points.txt").write_text("[console_scripts]\nother = other:main\n")
    monkeypatch.setattr(sys, "path", [str(site), str(tmp_path / "absent")])
    assert not _declared_somewhere()
    _install(site)
    assert _declared_somewhere()
    shutil.rmtree(site / "toy_yongshui_form-0.1.dist-info")
    zipped = tmp_path / "packed.zip"
    zipped.write_bytes(b"")
    monkeypatch.setattr(sys, "path", [str(site), str(zipped)])
    assert _declared_somewhere()

    class Finder:
        def find_distributions(self, *args: object) -> list[object]:
            return []

    monkeypatch.setattr(sys, "path", [str(site)])
    monkeypatch.setattr(sys, "meta_path", [*sys.meta_path, Finder()])
    assert _declared_somewhere()
