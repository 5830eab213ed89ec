"""No output overwrites an input (issue 12, 4): every command refuses, exit 2, nothing written.

Each case gives a command an output that is one of its inputs (or inside an input folder,
through a symlink, a hard link) and checks the exit code, the Chinese message, that every
input file has the same SHA-256 as before and that no file was added anywhere.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app
from formkit.paths import OutputClash, check_outputs, display_name
from tests.conftest import ROOT

SAMPLES = ROOT / "samples"
runner = CliRunner()


def sample(prefix: str) -> Path:
    (path,) = SAMPLES.glob(f"{prefix}-*")
    return path


def snapshot(root: Path) -> dict[str, str]:
    """Every file under root (hidden ones too: a leftover .part is a write) -> SHA-256."""
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file() or p.is_symlink()
    }


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An inbox of two samples, a ledger of them, a province summary, a roster."""
    root = tmp_path_factory.mktemp("clash")
    inbox = root / "收件箱"
    inbox.mkdir()
    for prefix in ("01", "07"):
        shutil.copy(sample(prefix), inbox / sample(prefix).name)
    result = runner.invoke(app, ["ingest", str(inbox), "--db", str(root / "formkit.db"), "-j", "1"])
    assert result.exit_code in (0, 1), result.output
    prov = root / "各省"
    prov.mkdir()
    result = runner.invoke(
        app, ["summary", str(inbox), "-o", str(prov / "江苏.xlsx"), "--unit", "江苏省", "-j", "1"]
    )
    assert result.exit_code == 0, result.output
    (root / "名单.csv").write_bytes(
        "推荐单位,所在地级市,申请单位全称\r\n江苏,苏州市,苏州工业园区管理委员会\r\n".encode("gbk")
    )
    return root


def _cases(root: Path) -> list[list[str]]:
    inbox, db, prov = root / "收件箱", root / "formkit.db", root / "各省"
    first = str(inbox / sample("01").name)
    return [
        ["check", first, "--json", first],
        ["check", str(inbox), "--json", str(inbox / "结果.json")],
        ["summary", first, "-o", first],
        ["summary", str(inbox), "-o", str(inbox / "汇总表.xlsx")],
        ["summary", first, "-o", str(root / "新汇总.xlsx"), "--json", first],
        ["summary", first, "-o", str(root / "同名.xlsx"), "--json", str(root / "同名.xlsx")],
        ["summary", "--db", str(db), "-o", str(db)],
        ["summary", "--db", str(db), "-o", str(root / "x.xlsx"), "--json", str(db)],
        ["status", "--db", str(db), "-o", str(db)],
        ["rollup", str(prov / "江苏.xlsx"), "-o", str(prov / "江苏.xlsx")],
        ["rollup", str(prov), "-o", str(prov / "全国汇总.xlsx")],
        ["feedback", str(inbox), "-o", str(inbox)],
        ["feedback", str(inbox), "-o", str(inbox / "审核意见")],
        ["feedback", "--db", str(db), "-o", str(db)],
        [
            "distribute",
            str(root / "名单.csv"),
            "-o",
            str(root / "下发"),
            "--db",
            str(root / "名单.csv"),
        ],
        ["ingest", first, "--db", first],
        ["ingest", str(inbox), "--db", str(inbox / "formkit.db")],
        ["template", "-o", str(inbox)],
    ]


@pytest.mark.parametrize("index", range(len(_cases(Path("w")))))
def test_an_output_that_is_an_input_is_refused(world: Path, index: int) -> None:
    args = _cases(world)[index]
    before = snapshot(world)
    result = runner.invoke(
        app, [*args, "-j", "1"] if args[0] in ("check", "summary", "ingest", "feedback") else args
    )
    assert result.exit_code == 2, (args, result.output)
    text = "".join(result.output.split())
    assert "错误：" in text, text
    assert any(
        w in text for w in ("就是输入文件", "输入文件夹", "两个输出", "已有的文件夹", "是输入文件")
    ), text
    assert snapshot(world) == before, args


def test_through_a_symlink_and_a_hard_link(world: Path, tmp_path: Path) -> None:
    original = world / "收件箱" / sample("01").name
    link = tmp_path / "link.xlsx"
    link.symlink_to(original)
    hard = tmp_path / "hard.xlsx"
    os.link(original, hard)
    before = snapshot(world)
    for out in (link, hard):
        result = runner.invoke(app, ["summary", str(original), "-o", str(out), "-j", "1"])
        assert result.exit_code == 2, result.output
        assert "就是输入文件" in "".join(result.output.split())
    # a symlinked folder: the output is inside the folder it points to
    folder = tmp_path / "inbox-link"
    folder.symlink_to(world / "收件箱")
    result = runner.invoke(app, ["check", str(folder), "--json", str(world / "收件箱" / "r.json")])
    assert result.exit_code == 2, result.output
    assert snapshot(world) == before


def test_outputs_beside_the_inputs_are_fine(world: Path, tmp_path: Path) -> None:
    first = world / "收件箱" / sample("01").name
    out = tmp_path / "r.json"
    result = runner.invoke(app, ["check", str(first), "--json", str(out), "-j", "1"])
    assert result.exit_code == 0, result.output
    assert out.exists()
    check_outputs([first, world / "收件箱"], [tmp_path / "a.xlsx", "-", None], [tmp_path / "d"])


def test_the_library_check_names_both_paths(tmp_path: Path) -> None:
    given = tmp_path / "a.xlsx"
    given.write_bytes(b"x")
    with pytest.raises(OutputClash) as caught:
        check_outputs([given], [tmp_path / "." / "a.xlsx"])
    assert str(given) in caught.value.message
    with pytest.raises(OutputClash, match="输入文件夹"):
        check_outputs([tmp_path], out_dirs=[tmp_path / "sub" / "deeper"])
    # an input file inside the output folder is not touched: copies get their own names
    check_outputs([given], out_dirs=[tmp_path])


def test_display_name_decodes_gbk_and_replaces_the_rest() -> None:
    gbk = os.fsdecode("无锡市申报书.xlsx".encode("gbk"))
    assert display_name(gbk) == "无锡市申报书.xlsx"
    assert display_name(Path("收件箱") / gbk) == str(Path("收件箱") / "无锡市申报书.xlsx")
    bad = os.fsdecode(b"\xff\xfe-\x80.xlsx")  # neither UTF-8 nor GBK
    shown = display_name(bad)
    assert shown.endswith("-\ufffd.xlsx") and "\ufffd" in shown
    shown.encode("utf-8")  # valid text for JSON, XML and SQLite
    assert display_name("苏州.xlsx") == "苏州.xlsx"
    assert display_name(b"\xce\xde\xce\xfd.xlsx") == "无锡.xlsx"


def test_distribute_never_writes_over_its_roster(tmp_path: Path) -> None:
    """A roster kept in the output folder under the name a row's file would get."""
    out = tmp_path / "下发"
    out.mkdir()
    roster = out / "申报书-江苏省-苏州市-苏州工业园区管理委员会.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["推荐单位", "所在地级市", "申请单位全称"])
    ws.append(["江苏", "苏州市", "苏州工业园区管理委员会"])
    wb.save(roster)
    before = snapshot(tmp_path)
    args = ["distribute", str(roster), "-o", str(out), "--db", str(tmp_path / "formkit.db")]
    result = runner.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert "就是输入文件" in "".join(result.output.split())
    assert snapshot(tmp_path) == before


def test_an_output_that_is_a_file_in_an_input_folder_by_another_name_is_refused(
    world: Path, tmp_path: Path
) -> None:
    """With a folder as input, the output is refused when it is one of the folder's files
    under another name: a hard link outside the folder, a symlink outside pointing into
    it, a symlink inside the folder pointing at the output; and when it lies inside the
    folder. Exit 2, a Chinese message, nothing written anywhere."""
    inbox = world / "收件箱"
    original = inbox / sample("01").name
    hard = tmp_path / "hard.json"
    os.link(original, hard)
    link = tmp_path / "link.json"
    link.symlink_to(original)
    # a folder whose symlink points at a file outside it, given as the output
    pointing = tmp_path / "pointing"
    pointing.mkdir()
    target = tmp_path / "target.json"
    target.write_text("{}", encoding="utf-8")
    (pointing / "link.xlsx").symlink_to(target)
    cases = [
        (["check", str(inbox), "--json", str(hard)], "同一个文件"),
        (["summary", str(inbox), "-o", str(hard)], "同一个文件"),
        (["ingest", str(inbox), "--db", str(hard)], "同一个文件"),
        (["check", str(inbox), "--json", str(link)], "输入文件夹"),
        (["check", str(pointing), "--json", str(target)], "同一个文件"),
        (["check", str(inbox), "--json", str(inbox / "r.json")], "输入文件夹"),
    ]
    before, here = snapshot(world), snapshot(tmp_path)
    for args, words in cases:
        result = runner.invoke(app, [*args, "-j", "1"])
        assert result.exit_code == 2, (args, result.output)
        text = "".join(result.output.split())
        assert "错误：" in text and words in text, (args, text)
        assert "未写出任何文件" in text, text
    assert snapshot(world) == before
    assert snapshot(tmp_path) == here
    # the same output beside the folder, not linked to any of its files, is written
    free = tmp_path / "free.json"
    result = runner.invoke(app, ["check", str(inbox), "--json", str(free), "-j", "1"])
    assert result.exit_code in (0, 1), result.output
    assert free.exists()
