"""The bundled samples are what tools/make_samples.py makes today."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT, sample_script
from tests.libreoffice import convert

SAMPLES = ROOT / "samples"


def test_samples_cover_three_regions_both_types_and_the_mistakes() -> None:
    script = sample_script()
    from formkit.reference import load_reference

    ref = load_reference()
    regions = {ref.unit(v["province"]).region for v in script.SAMPLES.values()}  # type: ignore[union-attr]
    assert len(regions) >= 3
    assert {v["application_type"] for v in script.SAMPLES.values()} == {
        "现有基地重新认定",
        "新申报",
    }
    assert 8 <= len(script.SAMPLES) <= 12


def test_committed_xlsx_samples_match_thesample_script() -> None:
    script = sample_script()
    fresh = script.build_xlsx()
    for name, data in fresh.items():
        if name in script.RESAVED:
            continue
        assert (SAMPLES / name).read_bytes() == data, f"run tools/make_samples.py: {name} is stale"
    committed = {p.name for p in SAMPLES.iterdir() if p.suffix in (".xlsx", ".xls", ".ods")}
    expected = {
        Path(n).with_suffix("." + script.RESAVED[n]).name if n in script.RESAVED else n
        for n in fresh
    }
    assert committed == expected


def _csv_texts(path: Path, outdir: Path) -> dict[str, str]:
    convert(path, "csv", outdir)
    return {
        p.name.split("-", 1)[1] if "-" in p.stem else p.name: p.read_text(encoding="utf-8")
        for p in outdir.glob("*.csv")
    }


@pytest.mark.libreoffice
def test_resaved_samples_hold_the_same_cells(soffice: str, tmp_path: Path) -> None:
    """The .xls and .ods samples show the same cells as the .xlsx the script builds."""
    script = sample_script()
    fresh = script.build_xlsx()
    for name, fmt in script.RESAVED.items():
        src = tmp_path / name
        src.write_bytes(fresh[name])
        committed = SAMPLES / Path(name).with_suffix("." + fmt).name
        want = _csv_texts(src, tmp_path / f"{fmt}-want")
        got = _csv_texts(committed, tmp_path / f"{fmt}-got")
        visible = [k for k in want if "代码表" not in k and "formkit" not in k]
        assert visible and all(got[k] == want[k] for k in visible), name
