from __future__ import annotations

from pathlib import Path

import pytest

from tests.libreoffice import soffice_path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = soffice_path()
    if exe is None:
        pytest.skip(
            "LibreOffice is not installed here (CI installs libreoffice-calc-nogui via .ci/run)"
        )
    return exe


@pytest.fixture(scope="session")
def notice_text() -> str:
    path = SHARED / "seed" / "notice.txt"
    if not path.exists():
        pytest.skip(f"the notice is not at {path} (a clone outside the workspace)")
    return path.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def template_bytes() -> bytes:
    from formkit.template import build_template

    return build_template()


@pytest.fixture(scope="session")
def template_file(tmp_path_factory: pytest.TempPathFactory, template_bytes: bytes) -> Path:
    path = tmp_path_factory.mktemp("template") / "申报书.xlsx"
    path.write_bytes(template_bytes)
    return path
