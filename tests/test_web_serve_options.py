"""`formkit serve` options a province sets: `--base-url` (links never from the Host
header; other hosts refused) and the upload limits per address and per link."""

from __future__ import annotations

import re
import warnings
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from formkit.cli import app as cli
from formkit.web.app import create_app
from formkit.web.service import Settings, default_store
from tests.test_web import JSON, csrf_of, login, recorded, set_password, upload
from tests.web_support import Round, make_round

with warnings.catch_warnings():
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

BASE = "https://baosong.example.gov.cn"


@pytest.fixture()
def round_(tmp_path: Path) -> Round:
    return make_round(tmp_path)


def client(round_: Round, at: str = "http://testserver", **settings: Any) -> Any:
    s = Settings(db=round_.db, store=default_store(round_.db), **settings)
    return TestClient(create_app(s), base_url=at, follow_redirects=False)


def _new_link(c: Any, round_: Round, headers: dict[str, str] | None = None) -> Any:
    assert login(c).status_code == 303
    page = c.get(f"/province/entries/{round_.sid(2)}")
    return c.post(
        f"/province/entries/{round_.sid(2)}/link",
        data={"csrf": csrf_of(page.text)},
        headers=headers or {},
    )


def test_a_new_link_is_built_from_the_base_url_and_never_from_the_host_header(
    round_: Round,
) -> None:
    set_password(round_)
    with client(round_, BASE, base_url=BASE) as c:
        made = _new_link(c, round_)
        assert made.status_code == 200
        link = re.search(rf"<code>{re.escape(BASE)}(/u/[A-Za-z0-9_-]{{43}})</code>", made.text)
        assert link is not None, made.text
        assert "广州经济技术开发区" in c.get(link.group(1)).text
        # the machine's own operator may still open the pages at a loopback name
        assert c.get("/", headers={"host": "127.0.0.1:8000"}).status_code == 200
        assert c.get("/", headers={"host": "localhost"}).status_code == 200


def test_with_a_base_url_another_host_is_refused_in_chinese_and_changes_nothing(
    round_: Round,
) -> None:
    set_password(round_)
    with client(round_, BASE, base_url=BASE) as c:
        link = round_.link(0)
        csrf = csrf_of(c.get(link).text)
        evil = {"host": "evil.example"}
        page = c.get(link, headers=evil)
        assert page.status_code == 400
        assert "请通过 https://baosong.example.gov.cn 访问" in page.text
        sent = c.post(
            f"{link}/upload",
            data={"csrf": csrf},
            files={"file": ("申报书.xlsx", round_.correct(0))},
            headers={**JSON, **evil},
        )
        assert sent.status_code == 400 and "本服务的网址" in sent.json()["message"]
        assert recorded(round_)[0] == 0
        # the base URL's host, with or without the scheme's default port, is taken
        assert c.get(link, headers={"host": "baosong.example.gov.cn:443"}).status_code == 200
        assert upload(c, link, round_.correct(0), csrf=csrf).status_code == 201


def test_without_a_base_url_a_forged_host_never_reaches_a_link(round_: Round) -> None:
    set_password(round_)
    with client(round_) as c:
        made = _new_link(c, round_, headers={"host": "evil.example"})
        assert made.status_code == 200
        assert "evil.example" not in made.text and "testserver" not in made.text
        link = re.search(r"<code>(/u/[A-Za-z0-9_-]{43})</code>", made.text)
        assert link is not None
        assert "formkit serve --base-url" in made.text  # says how to get the full link


@pytest.mark.parametrize(
    "value", ["baosong.example.gov.cn", "ftp://baosong.example.gov.cn", "https://x.cn/?a=1"]
)
def test_serve_refuses_a_base_url_that_is_not_one(round_: Round, value: str) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(round_.db), "--base-url", value])
    assert result.exit_code == 2
    assert "--base-url" in result.output
    assert "完整的网址" in result.output or "只能含" in result.output


def test_the_limits_are_serve_options_explained_in_chinese() -> None:
    text = CliRunner().invoke(cli, ["serve", "--help"], env={"COLUMNS": "200"}).output
    for option in ("--base-url", "--uploads-per-address", "--uploads-per-link"):
        assert option in text
    assert "同一出口地址" in text and "默认 600" in text and "默认 10" in text


def test_serve_refuses_a_limit_of_zero(round_: Round) -> None:
    result = CliRunner().invoke(cli, ["serve", "--db", str(round_.db), "--uploads-per-link", "0"])
    assert result.exit_code == 2 and "--uploads-per-link" in result.output


def test_the_per_link_limit_a_province_sets_is_kept(round_: Round) -> None:
    with client(round_, uploads_per_link=2) as c:
        link = round_.link(0)
        csrf = csrf_of(c.get(link).text)
        codes = [upload(c, link, round_.correct(0), csrf=csrf).status_code for _ in range(4)]
        assert codes == [201, 200, 429, 429]
        assert upload(c, round_.link(1), round_.correct(1)).status_code == 201


def test_the_per_address_limit_a_province_sets_is_kept(round_: Round) -> None:
    with client(round_, uploads_per_address=2) as c:
        codes = [upload(c, round_.link(i), round_.correct(i)).status_code for i in range(3)]
    assert codes == [201, 201, 429]
    assert recorded(round_)[0] == 2


def test_by_default_one_address_takes_a_provinces_last_day(round_: Round) -> None:
    """Every city behind one NAT: well over the old 120 a minute from one address pass;
    only each link's own limit (10 a minute) applies."""
    with client(round_) as c:
        csrfs = [csrf_of(c.get(round_.link(i)).text) for i in range(3)]
        codes = [
            upload(c, round_.link(i), round_.correct(i), csrf=csrfs[i]).status_code
            for _ in range(10)
            for i in range(3)
        ]
    assert 429 not in codes
