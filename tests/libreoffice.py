"""LibreOffice as a real client for tests: headless conversions with a private profile.

Tests that need it use the `soffice` fixture from conftest.py, which skips with a reason
when LibreOffice is not installed (CI installs it: see .ci/run).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# filter names LibreOffice wants for each target extension
FILTERS = {
    "pdf": "pdf:calc_pdf_Export",
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "xls": "xls:MS Excel 97",
    "ods": "ods",
    "csv": "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
}


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def writer_missing(exe: str) -> str | None:
    """Why LibreOffice cannot convert Word documents here, or None when it can.

    Debian splits LibreOffice: libreoffice-calc-nogui alone has no Writer, and then every
    .docx conversion fails. Its program folder tells (Writer is libswlo); where the layout
    is not Debian's, a tiny document is converted to find out.
    """
    program = Path(exe).resolve().parent
    if (program / "libsclo.so").exists() or (program / "libswlo.so").exists():
        if not (program / "libswlo.so").exists():
            return "LibreOffice Writer is not installed (only Calc)"
    else:
        import docx

        with tempfile.TemporaryDirectory(prefix="lo-writer-") as tmp:
            probe = Path(tmp) / "probe.docx"
            document = docx.Document()
            document.add_paragraph("probe")
            document.save(str(probe))
            try:
                convert(probe, "pdf", Path(tmp) / "out", timeout=120)
            except (RuntimeError, subprocess.SubprocessError) as exc:
                return f"LibreOffice cannot convert a Word document here: {exc}"
    for tool in ("pdfinfo", "pdftotext"):
        if shutil.which(tool) is None:
            return f"poppler-utils ({tool}) is not installed"
    return None


def convert(src: Path, fmt: str, outdir: Path, timeout: float = 180) -> Path:
    """Convert `src` with LibreOffice headless; return the output path or raise with LO's output.

    fmt "csv" exports every sheet (one file per sheet: <stem>-<SheetName>.csv).
    """
    exe = soffice_path()
    if exe is None:
        raise RuntimeError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="lo-profile-") as profile:
        cmd = [
            exe,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation=file://{profile}",
            "--convert-to",
            "pdf:writer_pdf_Export" if fmt == "pdf" and src.suffix == ".docx" else FILTERS[fmt],
            "--outdir",
            str(outdir),
            str(src),
        ]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    expected = outdir / f"{src.stem}.{fmt}"
    produced = [expected] if expected.exists() else sorted(outdir.glob(f"{src.stem}*.{fmt}"))
    if proc.returncode != 0 or not produced:
        raise RuntimeError(
            f"LibreOffice failed on {src.name} -> {fmt}: rc={proc.returncode}\n"
            f"{proc.stdout}\n{proc.stderr}"
        )
    if "Error" in proc.stderr and "javaldx" not in proc.stderr:
        raise RuntimeError(f"LibreOffice reported an error on {src.name}: {proc.stderr}")
    return produced[0]


def pdf_pages(pdf: Path) -> int:
    """The number of pages of a PDF LibreOffice wrote (poppler's pdfinfo when installed)."""
    import re

    exe = shutil.which("pdfinfo")
    if exe is not None:
        info = subprocess.run([exe, str(pdf)], capture_output=True, text=True, check=True)
        match = re.search(r"^Pages:\s+(\d+)", info.stdout, re.M)
        if match:
            return int(match.group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf.read_bytes()))


def pdf_text(pdf: Path) -> list[str]:
    """The text of each page (poppler's pdftotext), for checking what prints where."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError("poppler-utils (pdftotext) is not installed")
    text = subprocess.run(
        [exe, "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    return text.split("\f")[: pdf_pages(pdf)]
