from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from tests.libreoffice import soffice_path

ROOT = Path(__file__).resolve().parent.parent


def sample_script() -> ModuleType:
    """tools/make_samples.py, loaded as a module (its SAMPLES, EXPECTED, RESAVED)."""
    spec = importlib.util.spec_from_file_location(
        "make_samples", ROOT / "tools" / "make_samples.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# the workspace's shared folder: only the optional third-party spreadsheet corpus is read
# from there (its tests say so when it is absent); everything else is in docs/
SHARED = ROOT.parent / "shared"
DOCS = ROOT / "docs"


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = soffice_path()
    if exe is None:
        pytest.skip(
            "LibreOffice is not installed here (CI installs libreoffice-calc-nogui via .ci/run)"
        )
    return exe


@pytest.fixture(scope="session")
def soffice_writer(soffice: str) -> str:
    """LibreOffice with Writer (and poppler to read its PDFs): the .docx tests need both."""
    from tests.libreoffice import writer_missing

    why = writer_missing(soffice)
    if why is not None:
        pytest.skip(f"{why} (CI installs libreoffice-writer-nogui and poppler-utils via .ci/run)")
    return soffice


@pytest.fixture(scope="session")
def notice_text() -> str:
    return (DOCS / "notice.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def template_bytes() -> bytes:
    from formkit.template import build_template

    return build_template()


@pytest.fixture(scope="session")
def template_file(tmp_path_factory: pytest.TempPathFactory, template_bytes: bytes) -> Path:
    path = tmp_path_factory.mktemp("template") / "申报书.xlsx"
    path.write_bytes(template_bytes)
    return path


@pytest.fixture(autouse=True)
def _reproducible_summaries(monkeypatch: pytest.MonkeyPatch) -> None:
    """Summaries record when they were made; a fixed time keeps same-inputs-same-bytes
    tests exact (tests of the generation time set it themselves)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1146441600")  # 2006-05-01
