"""LibreOffice headless conversions for production code (tests have their own helper).

Each conversion runs its own `soffice` with a private, throw-away profile: a desktop
LibreOffice the user has open, or another conversion running in parallel, would
otherwise share the profile lock and make the call hang or return without output.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

# LibreOffice's filter names for the targets we need
_FILTERS = {
    "xlsx": "xlsx:Calc MS Excel 2007 XML",
    "pdf": "pdf:calc_pdf_Export",
}


class OfficeError(Exception):
    """A conversion that could not be done; `message` is Chinese, for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def soffice_path() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(src: Path, fmt: str, out_dir: Path, *, timeout: float = 120) -> Path:
    """Convert `src` to `fmt` ("xlsx" or "pdf") in `out_dir`; return the new file's path."""
    exe = soffice_path()
    if exe is None:
        raise OfficeError(
            "未安装 LibreOffice（找不到 soffice 命令），无法转换此格式的文件；"
            "请安装 LibreOffice 后重试。"
        )
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="formkit-lo-profile-") as profile:
        cmd = [
            exe,
            "--headless",
            "--norestore",
            "--nolockcheck",
            f"-env:UserInstallation={Path(profile).as_uri()}",
            "--convert-to",
            _FILTERS[fmt],
            "--outdir",
            str(out_dir),
            str(src),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired:
            raise OfficeError(f"LibreOffice 转换 {src.name} 超过 {timeout:g} 秒未完成。") from None
        except OSError as exc:
            raise OfficeError(f"无法启动 LibreOffice：{exc}") from None
    produced = out_dir / f"{src.stem}.{fmt}"
    if proc.returncode != 0 or not produced.is_file():
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise OfficeError(
            f"LibreOffice 无法转换 {src.name}（返回码 {proc.returncode}"
            + (f"：{detail[-1][:200]}" if detail else "")
            + "）。"
        )
    return produced
