"""formkit serve over HTTP (Starlette's test client): a city's loop through its upload link,
the province's pages behind the password, and the refusals that keep the round safe.
Every refusal is asserted by its status and by the ledger and upload store staying as
they were."""

from __future__ import annotations

import io
import re
import sqlite3
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import openpyxl
import pytest
from typer.testing import CliRunner

from formkit.cli import app as cli
from formkit.ledger import Ledger
from formkit.web.app import Limits, create_app
from formkit.web.limits import Limit
from formkit.web.service import Settings, default_store
from formkit.web.store import WebStore
from tests import hostile
from tests.web_support import Round, eligible, filled, make_round

with warnings.catch_warnings():
    # Starlette 1.x asks for httpx2 in its test client; httpx (what it still supports) is used
    warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
    from starlette.testclient import TestClient

PASSWORD = "春眠不觉晓-2006"
JSON = {"Accept": "application/json"}


@pytest.fixture()
def round_(tmp_path: Path) -> Round:
    return make_round(tmp_path)


def client(round_: Round, limits: Limits | None = None, **settings: Any) -> Any:
    s = Settings(db=round_.db, store=default_store(round_.db), **settings)
    return TestClient(create_app(s, limits), follow_redirects=False)


@pytest.fixture()
def web(round_: Round) -> Iterator[Any]:
    with client(round_) as c:
        yield c


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf" value="([0-9a-f]{64})"', html)
    assert m, "no CSRF field on the page"
    return m.group(1)


def upload(
    c: Any,
    link: str,
    data: bytes,
    name: str = "申报书.xlsx",
    *,
    csrf: str | None = None,
    json: bool = True,
) -> Any:
    if csrf is None:
        csrf = csrf_of(c.get(link).text)
    return c.post(
        f"{link}/upload",
        data={"csrf": csrf},
        files={"file": (name, data)},
        headers=JSON if json else {},
    )


def recorded(round_: Round) -> tuple[int, int, int]:
    """(files in the ledger, uploads kept, files in the upload store)."""
    with sqlite3.connect(round_.db) as db:
        files = db.execute("SELECT COUNT(*) FROM files").fetchone()[0]
        uploads = db.execute("SELECT COUNT(*) FROM web_uploads").fetchone()[0]
    store = default_store(round_.db)
    stored = len([p for p in store.glob("*") if p.is_file()]) if store.exists() else 0
    return files, uploads, stored


def login(c: Any, password: str = PASSWORD) -> Any:
    page = c.get("/province/login")
    return c.post("/province/login", data={"csrf": csrf_of(page.text), "password": password})


def set_password(round_: Round, password: str = PASSWORD) -> Any:
    result = CliRunner().invoke(
        cli,
        ["serve", "--db", str(round_.db), "--set-password"],
        input=f"{password}\n{password}\n",
    )
    assert result.exit_code == 0, result.output
    return result


# ---------------------------------------------------------------- links


def test_distribute_writes_one_private_link_per_applicant_and_keeps_only_hashes(
    round_: Round,
) -> None:
    assert len(round_.links) == 3 and len(set(round_.links.values())) == 3
    tokens = [link.removeprefix("/u/") for link in round_.links.values()]
    assert all(re.fullmatch(r"[A-Za-z0-9_-]{43}", t) for t in tokens)
    raw = round_.db.read_bytes() + _wal(round_.db)
    for t in tokens:
        assert t.encode() not in raw
    with sqlite3.connect(round_.db) as db:
        assert db.execute("SELECT COUNT(*) FROM web_tokens").fetchone()[0] == 3


def _wal(db: Path) -> bytes:
    wal = db.with_name(db.name + "-wal")
    return wal.read_bytes() if wal.exists() else b""


def test_distributing_again_replaces_the_links(round_: Round, tmp_path: Path) -> None:
    old = round_.link(0)
    again = make_round(tmp_path)  # same roster, same ledger, same folder
    assert again.link(0) != old
    with client(again) as c:
        assert c.get(old).status_code == 404
        assert c.get(again.link(0)).status_code == 200


# ---------------------------------------------------------------- a city's loop


def test_city_uploads_sees_issues_downloads_annotated_copy_corrects_and_gets_符合(
    round_: Round, web: Any
) -> None:
    link = round_.link(1)
    page = web.get(link)
    assert page.status_code == 200
    assert "杭州高新技术产业开发区" in page.text and "未收到" in page.text

    first = upload(web, link, round_.with_error(1), "浙江.xlsx")
    assert first.status_code == 201, first.text
    doc = first.json()
    assert (doc["outcome"], doc["state"], doc["status"]) == ("new", "有错误", "accepted")
    email = [i for i in doc["issues"] if i["field"] == "contact_email"]
    assert email and email[0]["severity"] == "error"
    assert email[0]["sheet"] and re.fullmatch(r"[A-Z]+[0-9]+", email[0]["cell"])

    copy = web.get(doc["annotated"])
    assert copy.status_code == 200
    assert "filename*=UTF-8''" in copy.headers["content-disposition"]
    wb = openpyxl.load_workbook(io.BytesIO(copy.content))
    cell = wb[email[0]["sheet"]][email[0]["cell"]]
    assert cell.comment is not None and "电子信箱" in cell.comment.text
    listed = " ".join(str(c.value) for row in wb["审核意见"].iter_rows() for c in row)
    assert email[0]["cell"] in listed

    second = upload(web, link, round_.correct(1), "浙江-修改后.xlsx")
    assert second.status_code == 201
    assert second.json()["state"] == "符合" and second.json()["supersedes"] == doc["sha256"]
    assert second.json()["annotated"] is None  # nothing to mark

    page = web.get(link).text
    assert "符合" in page and "浙江-修改后.xlsx" in page and "已替代" in page
    with Ledger(round_.db) as led:
        history = led.history(round_.sid(1))
        assert [h.sha256 for h in history] == [doc["sha256"], second.json()["sha256"]]
        assert history[0].superseded_by == history[1].sha256
        state = {r.entry.submission_id: r.state for r in led.status().rows}
        assert state[round_.sid(1)] == "符合"


def test_the_same_file_again_is_recorded_once(round_: Round, web: Any) -> None:
    link = round_.link(0)
    data = round_.correct(0)
    assert upload(web, link, data).status_code == 201
    again = upload(web, link, data, "另一个名字.xlsx")
    assert again.status_code == 200 and again.json()["outcome"] == "duplicate"
    assert recorded(round_) == (1, 1, 1)


def test_a_form_post_without_javascript_redirects_to_the_result(round_: Round, web: Any) -> None:
    link = round_.link(1)
    posted = upload(web, link, round_.with_error(1), "浙江.xlsx", json=False)
    assert posted.status_code == 303
    page = web.get(posted.headers["location"])
    assert page.status_code == 200
    assert "已收到您上传的文件" in page.text and "下载审核意见副本" in page.text
    assert "电子信箱" in page.text


def test_a_file_the_gate_refuses_is_explained_and_not_recorded(round_: Round, web: Any) -> None:
    word = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048
    answer = upload(web, round_.link(0), word, "申报书.xlsx")
    assert answer.status_code == 422
    assert answer.json()["ok"] is False and "文件不完整" in answer.json()["message"]
    html = upload(web, round_.link(0), word, "申报书.xlsx", json=False)
    assert html.status_code == 422 and "未能受理" in html.text
    assert recorded(round_) == (0, 0, 0)


def test_another_applicants_workbook_is_refused(round_: Round, web: Any) -> None:
    # 江苏's link, 浙江's file: it must neither be recorded nor supersede anything
    answer = upload(web, round_.link(0), round_.correct(1))
    assert answer.status_code == 422 and "报送编号" in answer.json()["message"]
    no_id = filled(None, {**_values_of(round_, 1)})
    answer = upload(web, round_.link(0), no_id)
    assert answer.status_code == 422 and "不符" in answer.json()["message"]
    assert recorded(round_) == (0, 0, 0)


def _values_of(round_: Round, i: int) -> dict[str, Any]:
    from tests.web_support import eligible

    row = round_.rows[i]
    return eligible(province=row.province, city=row.city, applicant_name=row.applicant_name)


# ---------------------------------------------------------------- refusals


def test_a_city_link_reaches_only_its_own_page(round_: Round, web: Any) -> None:
    a, b = round_.link(0), round_.link(1)
    sha_b = upload(web, b, round_.with_error(1)).json()["sha256"]
    for path in (f"{a}/files/{sha_b}", f"{a}/files/{sha_b}/annotated"):
        got = web.get(path)
        assert got.status_code == 404 and "杭州" not in got.text
    assert "杭州高新技术产业开发区" not in web.get(a).text
    # province pages: a link's token is no session
    token = a.removeprefix("/u/")
    for path in (
        "/province",
        f"/province/files/{sha_b}",
        f"/province/files/{sha_b}/original",
        "/province/download/summary.xlsx",
        "/province/download/status.xlsx",
        "/province/recommend",
        "/province/download/recommendation.docx",
        "/province/download/recommendation.docx?unit=浙江省",
        "/province/download/public.xlsx",
        "/province/download/public.docx",
        "/province/audit",
        f"/province/entries/{round_.sid(1)}",
    ):
        web.cookies.set("formkit_session", token, path="/province")
        got = web.get(path)
        assert got.status_code == 303 and got.headers["location"] == "/province/login"
        web.cookies.clear()
        assert web.get(path, headers=JSON).status_code == 401


def test_wrong_or_missing_tokens_are_404_and_record_nothing(round_: Round, web: Any) -> None:
    good = round_.link(0)
    csrf = csrf_of(web.get(good).text)
    wrong = "/u/" + "A" * 43
    for link in (wrong, "/u/short", "/u/" + good[3:-1] + "!", "/u"):
        assert web.get(link).status_code == 404
    for link in (wrong, "/u/short", "/u/"):
        answer = upload(web, link, round_.correct(0), csrf=csrf)
        assert answer.status_code == 404
    assert recorded(round_) == (0, 0, 0)


def test_forged_or_missing_csrf_is_403_and_records_nothing(round_: Round, web: Any) -> None:
    link = round_.link(0)
    other = csrf_of(web.get(round_.link(1)).text)  # another link's token: no use here
    for csrf in ("0" * 64, other, ""):
        assert upload(web, link, round_.correct(0), csrf=csrf).status_code == 403
    bare = web.post(f"{link}/upload", files={"file": ("a.xlsx", round_.correct(0))}, headers=JSON)
    assert bare.status_code == 403
    assert recorded(round_) == (0, 0, 0)


@pytest.mark.parametrize(
    "name", ["../../etc/passwd.xlsx", "..\\..\\申报书.xlsx", "a/b.xlsx", "..", "/etc/passwd"]
)
def test_a_path_in_the_file_name_is_400_and_records_nothing(
    round_: Round, web: Any, name: str
) -> None:
    answer = upload(web, round_.link(0), round_.correct(0), name)
    assert answer.status_code == 400 and "路径" in answer.json()["message"]
    assert recorded(round_) == (0, 0, 0)


def test_an_old_browsers_full_path_is_cut_to_its_name_and_stored_under_the_hash(
    round_: Round, web: Any
) -> None:
    # Internet Explorer sends the whole path; the multipart parser keeps its last part
    answer = upload(web, round_.link(0), round_.correct(0), "C:\\Users\\李华\\申报书.xlsx")
    assert answer.status_code == 201
    sha = answer.json()["sha256"]
    stored = [p.name for p in default_store(round_.db).iterdir() if p.is_file()]
    assert stored == [sha]
    with Ledger(round_.db) as led:
        assert WebStore(led).upload_names([sha]) == {sha: "申报书.xlsx"}
        record = led.file(sha)
        assert record is not None and Path(record.path).name == sha


def test_an_oversized_upload_is_413_and_records_nothing(round_: Round) -> None:
    with client(round_, max_upload=64 * 1024) as c:
        link = round_.link(0)
        csrf = csrf_of(c.get(link).text)
        big = round_.correct(0) + b"\0" * (200 * 1024)
        assert upload(c, link, big, csrf=csrf).status_code == 413

        # a chunked body declares no length: counted as it arrives
        boundary = "fkboundary"
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrf"\r\n\r\n{csrf}\r\n'
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; '
                f'filename="a.xlsx"\r\nContent-Type: application/octet-stream\r\n\r\n'
            ).encode()
            + big
            + f"\r\n--{boundary}--\r\n".encode()
        )

        def chunks() -> Iterator[bytes]:
            for i in range(0, len(body), 16384):
                yield body[i : i + 16384]

        answer = c.post(
            f"{link}/upload",
            content=chunks(),
            headers={**JSON, "Content-Type": f"multipart/form-data; boundary={boundary}"},
        )
        assert answer.status_code == 413
    assert recorded(round_) == (0, 0, 0)


def test_a_zip_bomb_is_refused_and_records_nothing(round_: Round, web: Any, tmp_path: Path) -> None:
    src = tmp_path / "good.xlsx"
    src.write_bytes(round_.correct(0))
    # declares 1 KiB, inflates to 50 MiB (about 50 KB on the wire)
    bomb = hostile.lying_header(
        src, tmp_path / "bomb.xlsx", real_size=50 << 20, declared=1024, name="xl/bomb.xml"
    )
    answer = upload(web, round_.link(0), bomb.read_bytes(), "bomb.xlsx")
    assert answer.status_code == 422
    assert "解压后过大" in answer.json()["message"]
    assert recorded(round_) == (0, 0, 0)


def test_100_rapid_uploads_are_limited_per_link(round_: Round) -> None:
    limits = Limits(upload_per_link=Limit(5, 3600.0), upload_per_address=Limit(1000, 3600.0))
    with client(round_, limits) as c:
        link = round_.link(0)
        csrf = csrf_of(c.get(link).text)
        data = round_.correct(0)
        codes = [upload(c, link, data, csrf=csrf).status_code for _ in range(100)]
        assert codes[:5] == [201, 200, 200, 200, 200]
        assert codes[5:] == [429] * 95
        # another link from the same address still gets through
        assert upload(c, round_.link(1), round_.correct(1)).status_code == 201
        limited = c.post(
            f"{link}/upload", data={"csrf": csrf}, files={"file": ("a.xlsx", data)}, headers=JSON
        )
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) > 0
    assert recorded(round_) == (2, 2, 2)
    with Ledger(round_.db) as led:
        refused = [e for e in WebStore(led).audit_log(1000) if e["status"] == 429]
    assert len(refused) == 96


def test_uploads_are_limited_per_address(round_: Round) -> None:
    limits = Limits(upload_per_link=Limit(100, 3600.0), upload_per_address=Limit(3, 3600.0))
    with client(round_, limits) as c:
        codes = [upload(c, round_.link(i % 3), round_.correct(i % 3)).status_code for i in range(6)]
    assert codes[:3] == [201, 201, 201] and codes[3:] == [429] * 3


def test_the_static_route_serves_only_its_own_two_files(web: Any) -> None:
    assert web.get("/static/style.css").status_code == 200
    for path in ("/static/app.py", "/static/..%2Fapp.py", "/static/../../pyproject.toml"):
        assert web.get(path).status_code == 404


def test_pages_carry_security_headers(round_: Round, web: Any) -> None:
    got = web.get(round_.link(0))
    assert got.headers["referrer-policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in got.headers["content-security-policy"]
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["cache-control"] == "no-store"


# ---------------------------------------------------------------- the province


def test_password_is_stored_only_as_a_memory_hard_hash_and_never_logged(
    round_: Round, web: Any, caplog: pytest.LogCaptureFixture
) -> None:
    result = set_password(round_)
    assert PASSWORD not in result.output
    with Ledger(round_.db) as led:
        stored = WebStore(led).web_setting("password")
    assert stored is not None and stored.startswith("scrypt$65536$8$1$")
    assert login(web, "不是这个密码").status_code == 401
    assert login(web).status_code == 303
    raw = round_.db.read_bytes() + _wal(round_.db)
    assert PASSWORD.encode() not in raw and "不是这个密码".encode() not in raw
    assert PASSWORD not in caplog.text and "不是这个密码" not in caplog.text
    with Ledger(round_.db) as led:
        kinds = [e["kind"] for e in WebStore(led).audit_log()]
    assert kinds[:2] == ["login", "login_failed"]


def test_short_password_is_refused(round_: Round) -> None:
    result = CliRunner().invoke(
        cli, ["serve", "--db", str(round_.db), "--set-password"], input="short\nshort\n"
    )
    assert result.exit_code == 2
    with Ledger(round_.db) as led:
        assert WebStore(led).web_setting("password") is None


def test_login_csrf_rate_limit_and_logout(round_: Round) -> None:
    set_password(round_)
    limits = Limits(login_per_address=Limit(3, 300.0))
    with client(round_, limits) as c:
        page = c.get("/province/login")
        forged = c.post("/province/login", data={"csrf": "0" * 64, "password": PASSWORD})
        assert forged.status_code == 403 and "formkit_session" not in forged.cookies
        assert login(c, "wrong-password").status_code == 401
        ok = c.post("/province/login", data={"csrf": csrf_of(page.text), "password": PASSWORD})
        assert ok.status_code == 303 and ok.headers["location"] == "/province"
        cookie = next(
            v for v in ok.headers.get_list("set-cookie") if v.startswith("formkit_session=")
        )
        for attribute in ("HttpOnly", "SameSite=strict", "Path=/province", "Max-Age=43200"):
            assert attribute.lower() in cookie.lower()
        home = c.get("/province")
        assert home.status_code == 200 and "报送情况" in home.text
        assert login(c).status_code == 429  # the fourth attempt in five minutes

        assert c.post("/province/logout", data={"csrf": "0" * 64}).status_code == 403
        out = c.post("/province/logout", data={"csrf": csrf_of(home.text)})
        assert out.status_code == 303
        c.cookies.clear()
        c.cookies.set("formkit_session", ok.cookies["formkit_session"], path="/province")
        assert c.get("/province").status_code == 303  # the session ended on the server


def test_province_sees_status_change_file_issues_and_downloads(round_: Round, web: Any) -> None:
    set_password(round_)
    first = upload(web, round_.link(1), round_.with_error(1), "浙江.xlsx").json()
    assert login(web).status_code == 303
    home = web.get("/province").text
    assert home.count("未收到") >= 2 and "有错误" in home and "电子信箱" in home

    upload(web, round_.link(1), round_.correct(1), "浙江-修改后.xlsx")
    rows = re.findall(r"<tr>(.*?)</tr>", web.get("/province").text, re.S)
    zj = next(r for r in rows if "杭州高新技术产业开发区" in r)
    assert "符合" in zj and "有错误" not in zj

    entry = web.get(f"/province/entries/{round_.sid(1)}").text
    assert "浙江-修改后.xlsx" in entry and "浙江.xlsx" in entry and "已替代" in entry
    file_page = web.get(f"/province/files/{first['sha256']}")
    assert file_page.status_code == 200 and "电子信箱" in file_page.text
    original = web.get(f"/province/files/{first['sha256']}/original")
    assert original.status_code == 200 and original.content == round_.with_error(1)
    assert web.get(f"/province/files/{first['sha256']}/annotated").status_code == 200

    status = web.get("/province/download/status.xlsx")
    assert status.status_code == 200
    wb = openpyxl.load_workbook(io.BytesIO(status.content))
    assert "催报名单" in wb.sheetnames
    summary = web.get("/province/download/summary.xlsx")
    assert summary.status_code == 200
    with zipfile.ZipFile(io.BytesIO(summary.content)) as z:
        text = b"".join(z.read(n) for n in z.namelist() if n.endswith(".xml")).decode()
    assert "杭州高新技术产业开发区" in text
    # the same rows, route for route, as `formkit summary --db` gives for this ledger
    cli_out = round_.db.parent / "命令行汇总表.xlsx"
    made = CliRunner().invoke(cli, ["summary", "--db", str(round_.db), "-o", str(cli_out)])
    assert made.exit_code == 0, made.output
    from_web = openpyxl.load_workbook(io.BytesIO(summary.content))
    from_cli = openpyxl.load_workbook(cli_out)
    for sheet in ("汇总表", "明细", "统计"):
        assert [r for r in from_web[sheet].iter_rows(min_row=2, values_only=True)] == [
            r for r in from_cli[sheet].iter_rows(min_row=2, values_only=True)
        ], sheet

    audit = web.get("/province/audit").text
    for word in ("登录", "上传", "下载", "汇总表", "报送情况"):
        assert word in audit
    with Ledger(round_.db) as led:
        kinds = {e["kind"] for e in WebStore(led).audit_log()}
    assert {"upload", "download", "login", "password_set", "link_issued"} <= kinds


# ---------------------------------------------------------------- the recommendation

# 江苏省's applications besides the roster's (高新技术产品出口额 8.25): each a 现有基地重新认定
# (no quota), so all are recommended in order of 高新技术产品出口额, high to low
# 江苏's two known bases are each re-certified once (五(一)): the upload's 示例市 names the
# 高新 base, 泰州 the 医药 base; a base claimed twice would be left to a person (需人工判断)
JIANGSU = {"泰州出口创新基地": 10.5}
JIANGSU_ORDER = ["泰州出口创新基地", "示例市高新技术产业开发区管理委员会"]


def _jiangsu_base(kind: str) -> str:
    from formkit.reference import load_reference

    ref = load_reference()
    unit = ref.unit("江苏省")
    assert unit is not None
    return next(b.name for b in ref.bases.of(unit.code) if b.type == kind)


def _ingest_jiangsu(round_: Round, tmp_path: Path) -> None:
    """Workbooks the province received by e-mail and ingested (`formkit ingest`)."""
    folder = tmp_path / "邮件收到"
    folder.mkdir()
    for name, hitech in JIANGSU.items():
        values = eligible(
            province="江苏省",
            city="南京市",
            applicant_name=name,
            existing_base_type="国家医药出口基地",
            recertified_base=_jiangsu_base("国家医药出口基地"),
            hitech_export_value=hitech,
            hitech_export_growth=(hitech / 6.0 - 1) * 100,
            history=[
                {"year": 2003, "export_value": 8.0, "hitech_export_value": 4.0},
                {"year": 2004, "export_value": 10.0, "hitech_export_value": 6.0},
                {"year": 2005, "export_value": 12.5, "hitech_export_value": hitech},
            ],
        )
        (folder / f"{name}.xlsx").write_bytes(filled(None, values))
    result = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(round_.db)])
    assert result.exit_code == 0, result.output


def _recommended_by_formkit(round_: Round, unit: str) -> list[str]:
    """What shenbaoshu.recommend decides for the ledger: its applications as `summary --db`
    collects them, proposed with the default ranking key."""
    from formkit.api import load_spec
    from formkit.forms.shenbaoshu.recommend import propose, recommended
    from formkit.read.submission import from_json
    from formkit.summary.collect import Collector

    dates = {f.id for f in load_spec().fields if f.type == "date"}
    with Ledger(round_.db) as led:
        collector = Collector(reference=led.reference)
        for r in led.files():
            sub = from_json(r.submission, dates)
            collector.add(sub, handle=r.sha256, received=(r.seq,), roster_id=r.roster_id)
        apps = collector.finish().applications
        propose(apps, reference=led.reference)
    return [str(a["applicant_name"]) for a in recommended(apps) if a["province"] == unit]


def _letter_applicants(data: bytes) -> list[str]:
    """The 申请单位 column of the 推荐文件's table, in its order, as Word shows it."""
    import docx

    document = docx.Document(io.BytesIO(data))
    (table,) = document.tables
    header = [c.text for c in table.rows[0].cells]
    column = header.index("申请单位")
    return [row.cells[column].text for row in table.rows[1:]]


def test_province_downloads_the_推荐文件_as_formkit_recommend_writes_it(
    round_: Round, web: Any, tmp_path: Path
) -> None:
    set_password(round_)
    assert login(web).status_code == 303

    # nothing received yet: the page says so, no link to a document that cannot be made
    page = web.get("/province/recommend")
    assert page.status_code == 200
    assert "台账中还没有可推荐的申请" in page.text
    assert "/province/download/recommendation.docx" not in page.text
    empty = web.get("/province/download/recommendation.docx")
    assert empty.status_code == 404 and "台账中还没有可推荐的申请" in empty.text
    assert "推荐文件" in web.get("/province").text  # in the province's navigation

    upload(web, round_.link(0), round_.correct(0), "江苏.xlsx")
    upload(web, round_.link(1), round_.correct(1), "浙江.xlsx")
    _ingest_jiangsu(round_, tmp_path)

    page = web.get("/province/recommend").text
    assert "台账中还没有可推荐的申请" not in page
    jiangsu = page[page.index("江苏省") : page.index("浙江省")]
    assert f"建议推荐 {len(JIANGSU_ORDER)} 个" in jiangsu
    listed = [name for name in JIANGSU_ORDER if name in jiangsu]
    assert sorted(listed, key=jiangsu.index) == JIANGSU_ORDER
    link = "/province/download/recommendation.docx?unit=%E6%B1%9F%E8%8B%8F%E7%9C%81"
    assert link in page  # two reporting units in the ledger: one letter each

    letter = web.get(link)
    assert letter.status_code == 200
    assert letter.headers["content-type"].startswith("application/vnd.openxmlformats")
    disposition = letter.headers["content-disposition"]
    assert "filename*=UTF-8''" + quote("推荐文件-江苏省.docx") in disposition
    assert _letter_applicants(letter.content) == JIANGSU_ORDER
    assert _recommended_by_formkit(round_, "江苏省") == JIANGSU_ORDER

    # byte for byte what `formkit recommend --db` writes for the same ledger
    out = tmp_path / "推荐文件"
    result = CliRunner().invoke(cli, ["recommend", "--db", str(round_.db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert letter.content == (out / "推荐文件-江苏省.docx").read_bytes()
    for route, name in (
        ("public.xlsx?unit=江苏省", "报部名单-江苏省.xlsx"),
        ("public.docx?unit=江苏省", "报部名单-江苏省.docx"),
        ("recommendation.docx?unit=浙江省", "推荐文件-浙江省.docx"),
        ("public.xlsx?unit=浙江省", "报部名单-浙江省.xlsx"),
    ):
        got = web.get(f"/province/download/{route}")
        assert got.status_code == 200, route
        assert got.content == (out / name).read_bytes(), name
    public = web.get("/province/download/public.xlsx?unit=江苏省").content
    sheet = openpyxl.load_workbook(io.BytesIO(public))["推荐名单"]
    assert [r[2] for r in sheet.iter_rows(min_row=3, values_only=True)] == JIANGSU_ORDER

    # which unit, when there are several, is asked for; an unknown one is not guessed
    for route in ("recommendation.docx", "recommendation.docx?unit=四川省"):
        refused = web.get(f"/province/download/{route}")
        assert refused.status_code == 404 and "选择推荐单位" in refused.text

    with Ledger(round_.db) as led:
        downloads = [e for e in WebStore(led).audit_log() if e["kind"] == "download"]
    details = [e["detail"] for e in downloads]
    assert details.count("推荐文件-江苏省.docx") == 1 and details.count("报部名单-江苏省.xlsx") == 2
    assert "报部名单-浙江省.xlsx" in details and "推荐文件-浙江省.docx" in details
    assert all(e["actor"] == "office" and e["status"] == 200 for e in downloads)
    assert "推荐文件-江苏省.docx" in web.get("/province/audit").text


def test_a_ledger_with_only_unaccepted_files_has_no_推荐文件_yet(
    round_: Round, web: Any, tmp_path: Path
) -> None:
    folder = tmp_path / "邮件收到"
    folder.mkdir()
    (folder / "申报书.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(round_.db)])
    with Ledger(round_.db) as led:
        assert [f.status for f in led.files()] == ["rejected"]
    set_password(round_)
    login(web)
    page = web.get("/province/recommend")
    assert page.status_code == 200 and "台账中还没有可推荐的申请" in page.text
    assert "/province/download/" not in page.text.split("</nav>", 1)[1]
    for route in ("recommendation.docx", "public.xlsx", "public.docx"):
        got = web.get(f"/province/download/{route}")
        assert got.status_code == 404 and "台账中还没有可推荐的申请" in got.text
    with Ledger(round_.db) as led:
        assert not [e for e in WebStore(led).audit_log() if e["kind"] == "download"]


def test_with_serve_unit_the_推荐文件_is_that_units_alone(round_: Round, tmp_path: Path) -> None:
    set_password(round_)
    with client(round_) as c:
        upload(c, round_.link(0), round_.correct(0))
        upload(c, round_.link(1), round_.correct(1))
    _ingest_jiangsu(round_, tmp_path)
    with client(round_, unit="江苏省") as c:
        login(c)
        page = c.get("/province/recommend").text
        assert "浙江省" not in page and "杭州高新技术产业开发区" not in page
        assert 'href="/province/download/recommendation.docx"' in page  # one unit: no choice
        letter = c.get("/province/download/recommendation.docx")
        assert letter.status_code == 200
        assert _letter_applicants(letter.content) == JIANGSU_ORDER
    out = tmp_path / "推荐文件"
    args = ["recommend", "--db", str(round_.db), "-o", str(out), "--unit", "江苏省"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in out.iterdir()) == sorted(
        ["推荐文件-江苏省.docx", "报部名单-江苏省.xlsx", "报部名单-江苏省.docx"]
    )
    assert letter.content == (out / "推荐文件-江苏省.docx").read_bytes()


def test_a_city_or_nobody_gets_no_推荐文件_and_nothing_is_logged_as_a_download(
    round_: Round, web: Any
) -> None:
    set_password(round_)
    upload(web, round_.link(0), round_.correct(0))
    token = round_.link(0).removeprefix("/u/")
    routes = ["recommendation.docx", "public.xlsx", "public.docx"]
    for route in routes:
        path = f"/province/download/{route}"
        anonymous = web.get(path)
        assert anonymous.status_code == 303 and anonymous.headers["location"] == "/province/login"
        assert web.get(path, headers=JSON).status_code == 401
        web.cookies.set("formkit_session", token, path="/province")
        assert web.get(path, headers=JSON).status_code == 401
        web.cookies.clear()
        # the city's own link carries no province route
        assert web.get(f"{round_.link(0)}/{route}").status_code == 404
        assert web.get(f"{round_.link(0)}/download/{route}").status_code == 404
        assert web.post(path, headers=JSON).status_code in (401, 405)
    with Ledger(round_.db) as led:
        assert not [e for e in WebStore(led).audit_log() if e["kind"] == "download"]


def test_a_restart_loses_nothing(round_: Round) -> None:
    set_password(round_)
    with client(round_) as c:
        link = round_.link(1)
        page = c.get(link).text
        sha = upload(c, link, round_.with_error(1), "浙江.xlsx").json()["sha256"]
        assert login(c).status_code == 303
        session = c.cookies["formkit_session"]
    with client(round_) as c:  # a new process, as after a restart
        assert sha in c.get(link).text
        # the page opened before the restart still posts (its CSRF key is in the ledger)
        again = upload(c, link, round_.correct(1), csrf=csrf_of(page))
        assert again.status_code == 201
        c.cookies.set("formkit_session", session, path="/province")
        assert c.get("/province").status_code == 200
    # the store can go: the ledger keeps every upload's bytes
    for p in default_store(round_.db).rglob("*"):
        if p.is_file():
            p.unlink()
    with client(round_) as c:
        got = c.get(f"{link}/files/{sha}/annotated")
        assert got.status_code == 200 and got.content[:2] == b"PK"


# ---------------------------------------------------------------- as a service


def test_serve_finishes_an_upload_in_progress_on_sigterm_and_restarts_with_it(
    round_: Round, tmp_path: Path
) -> None:
    """SIGTERM while an upload is being recorded: the answer still arrives, the process
    exits cleanly, and the restarted server shows the file. uvicorn's access log (which
    would print every link's token) stays off."""
    import os
    import signal
    import socket
    import subprocess
    import sys
    import threading
    import time

    import httpx

    from formkit.ledger import SLEEP_ENV

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    root = Path(__file__).resolve().parent.parent
    env = {**os.environ, "PYTHONPATH": str(root), SLEEP_ENV: "3"}
    cmd = [sys.executable, "-m", "formkit", "serve", "--db", str(round_.db), "--port", str(port)]
    log = tmp_path / "serve.log"

    def start() -> subprocess.Popen[bytes]:
        proc = subprocess.Popen(cmd, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/", timeout=1)
                return proc
            except httpx.TransportError:
                assert proc.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "formkit serve did not start"
                time.sleep(0.1)

    base = f"http://127.0.0.1:{port}"
    link = round_.link(1)
    proc = start()
    try:
        with httpx.Client(base_url=base, timeout=60) as http:
            csrf = csrf_of(http.get(link).text)
            answer: dict[str, Any] = {}

            def send() -> None:
                answer["r"] = http.post(
                    f"{link}/upload",
                    data={"csrf": csrf},
                    files={"file": ("浙江.xlsx", round_.with_error(1))},
                    headers=JSON,
                )

            sender = threading.Thread(target=send)
            sender.start()
            deadline = time.monotonic() + 30
            while recorded(round_)[0] == 0:  # recorded; the request is still open
                assert time.monotonic() < deadline
                time.sleep(0.05)
            proc.send_signal(signal.SIGTERM)
            sender.join(60)
        assert answer["r"].status_code == 201
        # uvicorn shuts down, then ends the process by the signal it was sent, as is usual
        assert proc.wait(30) in (0, -signal.SIGTERM)
    finally:
        if proc.poll() is None:
            proc.kill()
    sha = answer["r"].json()["sha256"]
    proc = start()
    try:
        page = httpx.get(base + link, timeout=30)
        assert page.status_code == 200 and sha in page.text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    output = log.read_text()
    assert link.removeprefix("/u/") not in output and "/u/" not in output


def test_the_command_line_does_not_load_the_web_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys; from formkit.cli import app; "
        "import formkit.web.auth; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'jinja2', 'multipart') "
        "if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_the_province_issues_a_new_link_and_the_old_one_stops_working(
    round_: Round, web: Any
) -> None:
    set_password(round_)
    old = round_.link(2)
    assert web.get(old).status_code == 200
    assert login(web).status_code == 303
    page = web.get(f"/province/entries/{round_.sid(2)}")
    path = f"/province/entries/{round_.sid(2)}/link"
    assert web.post(path, data={"csrf": "0" * 64}).status_code == 403
    assert web.get(old).status_code == 200  # a forged request changed nothing
    made = web.post(path, data={"csrf": csrf_of(page.text)})
    assert made.status_code == 200
    # never built from the Host header: without serve --base-url, the path alone
    new = re.search(r"<code>(/u/[A-Za-z0-9_-]{43})</code>", made.text)
    assert new is not None
    assert web.get(old).status_code == 404
    assert "广州经济技术开发区" in web.get(new.group(1)).text
    gone = web.post(
        "/province/entries/2006-000000-00000000/link", data={"csrf": csrf_of(page.text)}
    )
    assert gone.status_code == 404


def test_an_upload_the_ledgers_rule_does_not_count_is_recorded_and_explained(
    round_: Round, web: Any
) -> None:
    """Which file counts is the ledger's decision (填报日期 first), not the upload order:
    an older version sent after the newer one is kept in the history but does not count."""
    link = round_.link(1)
    newer = upload(web, link, round_.correct(1), "浙江-修改后.xlsx").json()  # 填报日期 4-25
    older = upload(web, link, round_.with_error(1), "浙江-旧.xlsx")  # 填报日期 4-18
    assert older.status_code == 201
    doc = older.json()
    assert doc["outcome"] == "new" and "不作为本单位的当前文件" in doc["message"]
    with Ledger(round_.db) as led:
        state = {r.entry.submission_id: r for r in led.status().rows}[round_.sid(1)]
        assert state.state == "符合" and state.last is not None
        assert state.last.sha256 == newer["sha256"]
    page = web.get(f"{link}/files/{doc['sha256']}?new=1").text
    assert "不作为本单位的当前文件" in page and "已替代" in page


def test_pages_answer_while_an_upload_is_being_recorded(
    round_: Round, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check and the recording run in threads and worker processes: while one city's
    upload is held in the ledger (the test hook sleeps 4 s after its commit), another
    city's page still answers well before it."""
    import threading
    import time

    import httpx

    from formkit.ledger import SLEEP_ENV
    from tests.web_support import LiveServer

    monkeypatch.setenv(SLEEP_ENV, "4")
    with LiveServer(round_) as server, httpx.Client(timeout=60) as http:
        link = round_.link(1)
        csrf = csrf_of(http.get(server.url(link)).text)
        done: dict[str, float] = {}

        def send() -> None:
            http.post(
                server.url(f"{link}/upload"),
                data={"csrf": csrf},
                files={"file": ("浙江.xlsx", round_.with_error(1))},
                headers=JSON,
            )
            done["upload"] = time.monotonic()

        sender = threading.Thread(target=send)
        sender.start()
        deadline = time.monotonic() + 30
        while recorded(round_)[0] == 0:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        start = time.monotonic()
        page = http.get(server.url(round_.link(0)))
        answered = time.monotonic()
        sender.join(60)
    assert page.status_code == 200
    assert answered - start < 2.0
    assert done["upload"] > answered  # the upload was still open when the page answered


@pytest.mark.parametrize("behind_proxy", [False, True])
def test_forwarded_headers_count_only_behind_the_proxy(round_: Round, behind_proxy: bool) -> None:
    """Without --behind-proxy a client cannot pick its own address with X-Forwarded-For
    (to slip past the per-address limit); behind the proxy on this machine the forwarded
    address and scheme are used (per-address limits, Secure cookies over HTTPS)."""
    import httpx

    from tests.web_support import LiveServer

    with LiveServer(round_, behind_proxy=behind_proxy) as server, httpx.Client() as http:
        codes = []
        for i in range(11):  # the 11th login attempt in 5 minutes from one address is 429
            page = http.get(server.url("/province/login"))
            forwarded = {"X-Forwarded-For": f"203.0.113.{i}", "X-Forwarded-Proto": "https"}
            codes.append(
                http.post(
                    server.url("/province/login"),
                    data={"csrf": csrf_of(page.text), "password": "x" * 8},
                    headers=forwarded,
                ).status_code
            )
        login_cookie = http.get(
            server.url("/province/login"), headers={"X-Forwarded-Proto": "https"}
        ).headers["set-cookie"]
    if behind_proxy:
        assert codes == [401] * 11 and "secure" in login_cookie.lower()
    else:
        assert codes == [401] * 10 + [429] and "secure" not in login_cookie.lower()
    with Ledger(round_.db) as led:
        addresses = {
            e["client"] for e in WebStore(led).audit_log() if e["kind"].startswith("login")
        }
    assert addresses == ({f"203.0.113.{i}" for i in range(11)} if behind_proxy else {"127.0.0.1"})


def test_a_web_upload_keeps_the_name_it_was_sent_as_in_every_summary(
    round_: Round, tmp_path: Path
) -> None:
    """#21 item 4: an upload is stored under its SHA-256, but every output names it as the
    city did: `summary --db` (明细, 问题清单, 已替代文件) and the web page's download."""
    import io
    import re

    set_password(round_)
    first, second = "江苏-申报书（第一稿）.xlsx", "江苏-申报书（改正稿）.xlsx"
    with client(round_) as c:
        assert upload(c, round_.link(0), round_.with_error(0), first).json()["outcome"] == "new"
        assert upload(c, round_.link(0), round_.correct(0), second).json()["outcome"] == "new"
        login(c)
        downloaded = c.get("/province/download/summary.xlsx").content
    out = tmp_path / "汇总表.xlsx"
    result = CliRunner().invoke(cli, ["summary", "--db", str(round_.db), "-o", str(out)])
    assert result.exit_code == 0, result.output
    for book in (openpyxl.load_workbook(out), openpyxl.load_workbook(io.BytesIO(downloaded))):
        shown = [
            str(c.value)
            for ws in book.worksheets
            if ws.sheet_state == "visible"
            for row in ws.iter_rows()
            for c in row
            if c.value is not None
        ]
        assert not [v for v in shown if re.search(r"[0-9a-f]{64}", v)]
        detail = [c.value for c in book["明细"]["A"]]
        names = {str(c.value) for row in book["明细"].iter_rows() for c in row}
        assert second in names, detail
        replaced = {str(r[1]) for r in book["已替代文件"].iter_rows(min_row=3, values_only=True)}
        assert first in replaced
        issues = {str(r[1]) for r in book["问题清单"].iter_rows(min_row=3, values_only=True)}
        assert issues <= {first, second, "None"}


def test_the_citys_page_offers_its_own_prefilled_copy_before_any_upload(round_: Round) -> None:
    """#21 item 7: before uploading anything, the city downloads its own pre-filled copy
    (byte for byte the one distribute wrote for it) and reads a short 填报说明; the page
    writes the notice's number as the notice does."""
    with client(round_) as c:
        page = c.get(round_.link(0)).text
        assert "填报说明" in page and "尚未上报" in page and 'id="own-copy"' in page
        assert "商技发[2006]6号" in page and "〔2006〕" not in page
        got = c.get(f"{round_.link(0)}/copy.xlsx")
    assert got.status_code == 200
    sent = {p.read_bytes() for p in round_.out.glob("*.xlsx")}
    assert got.content in sent
    assert "filename*=UTF-8''" in got.headers["content-disposition"]
    # another link, another copy; a link that is not one has none
    with client(round_) as c:
        other = c.get(f"{round_.link(1)}/copy.xlsx").content
        assert other != got.content and other in sent
        assert c.get("/u/" + "A" * 43 + "/copy.xlsx").status_code == 404
