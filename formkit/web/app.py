"""Routes and pages of `formkit serve` (Starlette + Jinja2; run by uvicorn).

    /u/<token>                       a city's page: upload, verdict, issues, history
    /u/<token>/upload                POST multipart field `file` (JSON if Accept asks)
    /u/<token>/files/<sha256>        one of its files; .../annotated the annotated copy
    /province/login, /province/logout
    /province                        status of every roster entry (password)
    /province/entries/<id>, /province/files/<sha256>[/original|/annotated]
    /province/download/status.xlsx, /province/download/summary.xlsx, /province/audit
    /province/recommend              formkit's proposed recommendation, per reporting unit
    /province/download/recommendation.docx, .../public.xlsx, .../public.docx [?unit=<name>]
                                     the 推荐文件 and 报部名单, as `formkit recommend --db`

Rules kept everywhere: a city's link is its only credential and reaches only its own
entry; the province's session cookie reaches only province pages; every POST carries a
CSRF token bound to its link or session; no request value becomes a file path (static
files are served from memory, uploads stored under their hash); uploads and logins are
rate-limited per link and per address; uploads, downloads and logins go to the audit
trail.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sqlite3
import urllib.parse
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import anyio
import jinja2
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from formkit.forms import DEFAULT_FORM
from formkit.ledger import FileRecord, RosterEntry, StatusRow, sort_for_chasing
from formkit.web import auth, bases_page, logins, service
from formkit.web.hosts import HostCheck
from formkit.web.limits import Limit, RateLimiter
from formkit.web.queue import UploadQueue
from formkit.web.service import Settings

T = TypeVar("T")

SESSION_COOKIE = "formkit_session"
LOGIN_COOKIE = "formkit_login"
SESSION_HOURS = 12
FORM_BODY_LIMIT = 64 * 1024  # any POST other than an upload
# the provincial office in the audit trail (older ledgers wrote "province")
OFFICE = "office"
MULTIPART_OVERHEAD = 64 * 1024
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
NO_APPLICATIONS = "台账中还没有可推荐的申请：申请单位上报、文件受理后，这里才有推荐名单和推荐文件。"


# defaults that suit a province (serve --uploads-per-link, --uploads-per-address): a link
# is one unit, which corrects and resends a few times at most; an address may be one NAT
# in front of every city of the province, all sending on the last day, so its limit only
# stops a runaway program (the reading pool, not this limit, paces the machine)
UPLOADS_PER_LINK = Limit(10, 60.0)
UPLOADS_PER_ADDRESS = Limit(600, 60.0)
LOGINS_PER_ADDRESS = Limit(10, 300.0)


@dataclass(frozen=True)
class Limits:
    upload_per_link: Limit = UPLOADS_PER_LINK
    upload_per_address: Limit = UPLOADS_PER_ADDRESS
    login_per_address: Limit = LOGINS_PER_ADDRESS


# ---------------------------------------------------------------- body size


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Refuse a request body over its route's limit: by Content-Length before reading,
    and by counting while reading (a chunked body declares nothing)."""

    def __init__(self, app: ASGIApp, upload_limit: int) -> None:
        self.app = app
        self.upload_limit = upload_limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD"):
            await self.app(scope, receive, send)
            return
        upload = scope["path"].endswith("/upload")
        limit = self.upload_limit + MULTIPART_OVERHEAD if upload else FORM_BODY_LIMIT
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            await _too_large(scope, receive, send, self.upload_limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise _TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except _TooLarge:
            await _too_large(scope, receive, send, self.upload_limit)


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    message = f"文件过大：上传上限为 {limit / 2**20:.0f} MB。"
    accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
    response: Response
    if "application/json" in accept:
        response = JSONResponse({"ok": False, "message": message}, status_code=413)
    else:
        response = HTMLResponse(f"<!doctype html><meta charset=utf-8><p>{message}</p>", 413)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


# ---------------------------------------------------------------- security headers


def _security_headers(app: ASGIApp) -> ASGIApp:
    headers = [
        (
            b"content-security-policy",
            b"default-src 'none'; style-src 'self'; script-src 'self'; img-src 'self'; "
            b"connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
        ),
        (b"referrer-policy", b"no-referrer"),  # links carry a city's token
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"cache-control", b"no-store"),
    ]

    async def wrapped(scope: Scope, receive: Receive, send: Send) -> None:
        async def send_with(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in headers if k not in present
                ]
            await send(message)

        await app(scope, receive, send_with)

    return wrapped


# ---------------------------------------------------------------- the application


def province_only(
    handler: Callable[[Web, Request, str], Awaitable[Response]],
) -> Callable[[Web, Request], Awaitable[Response]]:
    """A province page: without a live session, GET goes to the login page, else 401."""

    async def guarded(self: Web, request: Request) -> Response:
        digest = await self.session(request)
        if digest is None:
            if request.method == "GET" and not _wants_json(request):
                return RedirectResponse("/province/login", status_code=303)
            return self.refuse(request, 401, "请先登录。")
        return await handler(self, request, digest)

    return guarded


async def read_form(request: Request, *, files: int = 0) -> Any:
    """The request's form; an oversized body is 413, a malformed one 400."""
    try:
        return await request.form(max_files=files, max_fields=4, max_part_size=4096)
    except _TooLarge:
        raise HTTPException(413) from None


class Web:
    """State shared by the routes: settings, secret, limits, templates, check slots."""

    def __init__(self, settings: Settings, limits: Limits | None = None) -> None:
        self.settings = settings
        self.limits = limits or Limits(
            upload_per_link=Limit(settings.uploads_per_link, 60.0),
            upload_per_address=Limit(settings.uploads_per_address, 60.0),
        )
        self.rate = RateLimiter()
        self.passwords = logins.PasswordChecks()
        # two places per reading worker: one upload is read while another is recorded
        self.uploads = UploadQueue(2 * settings.checks)
        self.workers = service.Workers(settings)
        with service.ledger(settings) as led:
            # the CSRF key lives in the ledger: pages opened before a restart still post
            self.secret = led.set_web_setting("secret", auth.new_secret(), if_absent=True)
        # one connection held open while serving: closing the ledger after each request is
        # then never closing its last connection, which would checkpoint the WAL each time
        self.keeper = sqlite3.connect(settings.db, check_same_thread=False)
        self.keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        self.templates = jinja2.Environment(
            loader=jinja2.PackageLoader("formkit.web", "templates"),
            autoescape=True,
            undefined=jinja2.StrictUndefined,
        )
        self.templates.filters["when"] = _when
        # a phone number or an id is not broken across lines; names and text wrap
        self.templates.tests["unbroken"] = lambda v: len(str(v)) <= 20 and str(v).isascii()
        # the 汇总表 and 推荐文件 are the application round's (the default form's)
        self.templates.globals["default_form"] = DEFAULT_FORM
        # the notice's number as the notice writes it (docs/notice.txt: 商技发[2006]6号)
        from formkit.reference import load_reference

        self.templates.globals["notice"] = str(
            load_reference().notice.get("id") or "商技发[2006]6号"
        )
        self.too_large = f"文件过大：上传上限为 {settings.max_upload / 2**20:.0f} MB。"
        self.static = {
            name: (resources.files("formkit.web").joinpath("static", name).read_bytes(), kind)
            for name, kind in (("style.css", "text/css"), ("upload.js", "text/javascript"))
        }

    # ------------------------------------------------------------ helpers

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("max_upload_mb", f"{self.settings.max_upload / 2**20:.0f}")
        html = self.templates.get_template(name).render(request=request, **context)
        return HTMLResponse(html, status_code=status)

    def audit(self, request: Request, kind: str, **fields: Any) -> None:
        with service.ledger(self.settings) as led:
            led.audit(kind, address=_address(request), **fields)

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Blocking work (the ledger, a worker process) in a thread: the loop stays free."""
        return await anyio.to_thread.run_sync(func, *args)

    def refuse(self, request: Request, status: int, message: str) -> Response:
        if _wants_json(request):
            return JSONResponse({"ok": False, "message": message}, status_code=status)
        return self.page(request, "error.html", status, message=message)

    # ------------------------------------------------------------ the city's link

    async def city_entry(self, request: Request) -> tuple[str, RosterEntry]:
        token = str(request.path_params["token"])
        if not auth.TOKEN_RE.fullmatch(token):
            raise HTTPException(404)
        digest = auth.token_hash(token)

        def lookup() -> tuple[str, RosterEntry] | None:
            with service.ledger(self.settings) as led:
                hit = led.token_entry(digest)
                if hit is None or not auth.same(hit[1], digest):
                    return None
                entry = led.entry(hit[0])
            return None if entry is None else (digest, entry)

        found = await self.run(lookup)
        if found is None:
            raise HTTPException(404)
        return found

    async def city_page(self, request: Request) -> Response:
        digest, entry = await self.city_entry(request)
        return await self.render_city(request, digest, entry)

    async def render_city(
        self,
        request: Request,
        digest: str,
        entry: RosterEntry,
        *,
        status: int = 200,
        result: service.UploadResult | None = None,
        shown: str | None = None,
    ) -> Response:
        def gather() -> dict[str, Any]:
            with service.ledger(self.settings) as led:
                history = led.history(entry.submission_id)
                names = service.display_names(led, history)
                fates = service.fates(led, history)
                current = next((f for f in reversed(history) if f.superseded_by is None), None)
                focus = next((f for f in history if f.sha256 == shown), None) or current
                across = service.across_of(led, focus)
                now = across if focus is current else service.across_of(led, current)
            return {
                "uploads": list(reversed(history)),
                "names": names,
                "focus": focus,
                "fates": fates,
                "across": across,
                "state": service.state_with(current, now),
            }

        data = await self.run(gather)
        focus: FileRecord | None = data["focus"]
        return self.page(
            request,
            "city.html",
            status,
            entry=entry,
            form=service.form_view(entry),
            token=request.path_params["token"],
            csrf=auth.csrf_token(self.secret, f"city:{digest}"),
            result=result,
            focus=focus,
            issues=(service.issues_of(focus) + data["across"]) if focus else [],
            across=data["across"],
            uploads=data["uploads"],
            names=data["names"],
            fates=data["fates"],
            state=data["state"],
        )

    async def city_file(self, request: Request) -> Response:
        digest, entry = await self.city_entry(request)
        sha = await self.own_file(request, entry)
        return await self.render_city(request, digest, entry, shown=sha)

    async def own_file(self, request: Request, entry: RosterEntry) -> str:
        sha = str(request.path_params["sha"])
        if not auth.SHA256_RE.fullmatch(sha):
            raise HTTPException(404)

        def mine() -> bool:
            with service.ledger(self.settings) as led:
                record = led.file(sha)
            return record is not None and record.roster_id == entry.submission_id

        if not await self.run(mine):
            raise HTTPException(404)
        return sha

    async def city_copy(self, request: Request) -> Response:
        """The city's own pre-filled copy, as `formkit distribute` made it for this link."""
        _, entry = await self.city_entry(request)
        name, data = await self.run(service.own_copy, entry)
        await self.run(
            lambda: self.audit(
                request,
                "download",
                actor=f"city:{entry.submission_id}",
                status=200,
                detail=f"预填的{service.entry_round(entry).title}",
            )
        )
        return _download(data, name)

    async def city_annotated(self, request: Request) -> Response:
        _, entry = await self.city_entry(request)
        sha = await self.own_file(request, entry)
        return await self.send_annotated(request, sha, f"city:{entry.submission_id}")

    async def send_annotated(self, request: Request, sha: str, actor: str) -> Response:
        data = await self.run(service.annotated_copy, self.settings, self.workers, sha)
        if data is None:
            return self.refuse(request, 404, "这个文件没有审核意见副本（文件未受理或无法生成）。")

        def name() -> str:
            with service.ledger(self.settings) as led:
                shown = led.upload_names([sha]).get(sha)
                record = led.file(sha)
            stem = Path(shown or (record.original_name if record else sha)).stem
            return f"{stem}-审核意见.xlsx"

        filename = await self.run(name)
        await self.run(
            lambda: self.audit(
                request, "download", actor=actor, sha256=sha, status=200, detail="审核意见副本"
            )
        )
        return _download(data, filename)

    async def city_upload(self, request: Request) -> Response:
        digest, entry = await self.city_entry(request)
        actor = f"city:{entry.submission_id}"

        async def refused(status: int, message: str) -> Response:
            await self.run(
                lambda: self.audit(request, "refused", actor=actor, status=status, detail=message)
            )
            if _wants_json(request):
                return JSONResponse({"ok": False, "message": message}, status_code=status)
            result = service.UploadResult("refused", status, message, "")
            return await self.render_city(request, digest, entry, status=status, result=result)

        wait = self.rate.allow(
            {
                ("upload-link", digest): self.limits.upload_per_link,
                ("upload-address", _address(request)): self.limits.upload_per_address,
            }
        )
        if wait is not None:
            response = await refused(429, f"上传过于频繁，请 {int(wait) + 1} 秒后再试。")
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        try:
            form = await read_form(request, files=1)
        except HTTPException as exc:
            if exc.status_code == 413:
                return await refused(413, self.too_large)
            return await refused(400, "上传的内容无法识别，请用页面上的“上传”按钮提交文件。")
        try:
            if not auth.csrf_ok(self.secret, f"city:{digest}", _csrf(request, form)):
                return await refused(403, "页面已过期或来源不明，请刷新本页后重新上传。")
            upload = form.get("file")
            if not isinstance(upload, UploadFile) or not upload.filename:
                title = service.entry_round(entry).title
                return await refused(400, f"没有收到文件：请选择{title}文件后再上传。")
            problem = _bad_filename(upload.filename)
            if problem:
                return await refused(400, problem)
            data = await upload.read(self.settings.max_upload + 1)
            if len(data) > self.settings.max_upload:
                return await refused(413, self.too_large)
            name = service.clean_name(upload.filename)
        finally:
            await form.close()
        # waits for a reading worker without holding a page's thread (formkit.web.queue)
        result: service.UploadResult = await self.uploads.run(
            service.process_upload, self.settings, self.workers, entry, name, data
        )
        kind = "upload" if result.outcome != "refused" else "refused"
        await self.run(
            lambda: self.audit(
                request,
                kind,
                actor=actor,
                sha256=result.sha256,
                status=result.status,
                detail=f"{name}：{result.message}",
            )
        )
        if _wants_json(request):
            across: list[dict[str, Any]] = []
            if result.record is not None:
                record = result.record

                def cross() -> list[dict[str, Any]]:
                    with service.ledger(self.settings) as led:
                        return service.across_of(led, led.file(record.sha256))

                across = await self.run(cross)
            return JSONResponse(_result_json(request, result, across), status_code=result.status)
        if result.outcome == "refused":
            return await self.render_city(
                request, digest, entry, status=result.status, result=result
            )
        # post/redirect/get: reloading the page does not upload again
        token = request.path_params["token"]
        return RedirectResponse(f"/u/{token}/files/{result.sha256}?new=1", status_code=303)

    # ------------------------------------------------------------ the province

    async def session(self, request: Request) -> str | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie or not auth.TOKEN_RE.fullmatch(cookie):
            return None
        digest = auth.token_hash(cookie)

        def valid() -> bool:
            with service.ledger(self.settings) as led:
                expires = led.session_expires(digest)
            return expires is not None and expires > dt.datetime.now().astimezone()

        return digest if await self.run(valid) else None

    async def login_page(self, request: Request) -> Response:
        return await self.render_login(request)

    async def render_login(
        self, request: Request, status: int = 200, message: str | None = None
    ) -> Response:
        nonce = request.cookies.get(LOGIN_COOKIE)
        if not nonce or not auth.TOKEN_RE.fullmatch(nonce):
            nonce = auth.new_token()
        has_password = await self.run(self.password_hash) is not None
        response = self.page(
            request,
            "login.html",
            status,
            csrf=auth.csrf_token(self.secret, f"login:{nonce}"),
            message=message,
            has_password=has_password,
        )
        _cookie(request, response, LOGIN_COOKIE, nonce, "/province", 3600)
        return response

    def password_hash(self) -> str | None:
        with service.ledger(self.settings) as led:
            return led.web_setting("password")

    async def login(self, request: Request) -> Response:
        address = _address(request)
        wait = self.rate.allow({("login-address", address): self.limits.login_per_address})
        if wait is not None:
            await self.run(
                lambda: self.audit(
                    request, "login_refused", actor=OFFICE, status=429, detail="登录过于频繁"
                )
            )
            response = await self.render_login(
                request, 429, f"登录尝试过于频繁，请 {int(wait) + 1} 秒后再试。"
            )
            response.headers["Retry-After"] = str(int(wait) + 1)
            return response
        form = await read_form(request)
        nonce = request.cookies.get(LOGIN_COOKIE) or ""
        if not auth.csrf_ok(self.secret, f"login:{nonce}", _csrf(request, form)):
            await self.run(
                lambda: self.audit(
                    request, "login_refused", actor=OFFICE, status=403, detail="CSRF"
                )
            )
            return await self.render_login(request, 403, "页面已过期，请重新输入密码登录。")
        password = form.get("password")
        stored = await self.run(self.password_hash)
        # locked after repeated failures, and scrypt bounded (formkit.web.logins): the lock
        # is looked at again when this check's turn comes (a lock reached meanwhile costs
        # no scrypt)
        ok: bool | dt.datetime | None = False
        if isinstance(password, str):
            ok = await self.passwords.verify(
                password, stored, lambda: logins.locked_until(self.settings)
            )
        if isinstance(ok, dt.datetime):
            detail = "连续输错密码，登录已暂停"
            await self.run(
                lambda: self.audit(
                    request, "login_refused", actor=OFFICE, status=429, detail=detail
                )
            )
            return await self.render_login(request, 429, logins.locked_message(ok))
        if ok is None:
            return await self.render_login(request, 503, logins.BUSY)
        if not ok:
            await self.run(lambda: self.audit(request, "login_failed", actor=OFFICE, status=401))
            message = (
                "密码不正确。"
                if stored
                else "尚未设置登录密码：请系统管理员在服务器上设置后再登录。"
            )
            until = await self.run(logins.failed, self.settings) if stored else None
            if until is not None:
                message = logins.locked_message(until)
            return await self.render_login(request, 401, message)
        await self.run(logins.succeeded, self.settings)
        session = auth.new_token()
        expires = dt.datetime.now().astimezone() + dt.timedelta(hours=SESSION_HOURS)

        def start() -> None:
            with service.ledger(self.settings) as led:
                led.add_session(auth.token_hash(session), expires)
            self.audit(request, "login", actor=OFFICE, status=303)

        await self.run(start)
        response = RedirectResponse("/province", status_code=303)
        _cookie(request, response, SESSION_COOKIE, session, "/province", SESSION_HOURS * 3600)
        response.delete_cookie(LOGIN_COOKIE, path="/province")
        return response

    @province_only
    async def logout(self, request: Request, digest: str) -> Response:
        form = await read_form(request)
        if not auth.csrf_ok(self.secret, f"session:{digest}", _csrf(request, form)):
            return self.refuse(request, 403, "页面已过期，请刷新后重试。")

        def end() -> None:
            with service.ledger(self.settings) as led:
                led.drop_sessions(digest)
            self.audit(request, "logout", actor=OFFICE, status=303)

        await self.run(end)
        response = RedirectResponse("/province/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/province")
        return response

    def province_context(self, digest: str) -> dict[str, Any]:
        return {"csrf": auth.csrf_token(self.secret, f"session:{digest}")}

    def chosen_round(
        self, request: Request, led: Any
    ) -> tuple[list[service.Round], service.Round | None]:
        """The round a province page is about: `?form=&period=`, else `serve --form
        --period`, else the round distributed last."""
        form = request.query_params.get("form")
        period = request.query_params.get("period")
        if form is None and self.settings.form is not None:
            form, period = self.settings.form, self.settings.period
            if period is not None:
                found = service.period_of_text(period, service.spec_of(form))
                period = found.tag if found is not None else period
        return service.pick_round(led, form, period)

    @province_only
    async def province_home(self, request: Request, digest: str) -> Response:
        def gather() -> dict[str, Any] | None:
            with service.ledger(self.settings) as led:
                listed, chosen = self.chosen_round(request, led)
                if chosen is None:
                    return {"rounds": listed, "round": None}
                report = led.status(
                    service.deadline_for(self.settings, chosen),
                    today=self.settings.today,
                    form_id=chosen.form_id,
                    period=chosen.period,
                )
                report = service.named_report(led, report)
                lasts = [r.last for r in report.rows if r.last] + report.unmatched
                names = service.display_names(led, lasts)
            return {"report": report, "names": names, "rounds": listed, "round": chosen}

        data = await self.run(gather)
        if data is None or data["round"] is None:
            return self.page(
                request,
                "error.html",
                404,
                message="台账中没有这一轮报送：请从“报送情况”页面选择。",
                rounds=data["rounds"] if data else [],
                **self.province_context(digest),
            )
        report = data["report"]
        counts = report.counts
        spec = service.spec_of(report.form_id)
        return self.page(
            request,
            "province.html",
            rows=sort_for_chasing(report.rows),
            unmatched=report.unmatched,
            names=data["names"],
            counts=list(counts.items()),
            deadline=report.deadline,
            deadline_source=report.deadline_source,
            total=len(report.rows),
            report=report,
            rounds=data["rounds"],
            round=data["round"],
            round_query=data["round"].query if data["rounds"] else "",
            round_form=data["round"].form_id,
            subject_field=spec.roles.subject,
            problems=_problems,
            **self.province_context(digest),
        )

    @province_only
    async def new_link(self, request: Request, digest: str) -> Response:
        """A new upload link for one entry (its old one stops working), shown once."""
        from formkit.distribute import link_path

        form = await read_form(request)
        if not auth.csrf_ok(self.secret, f"session:{digest}", _csrf(request, form)):
            return self.refuse(request, 403, "页面已过期，请刷新后重试。")
        sid = str(request.path_params["sid"])
        token = auth.new_token()

        def store() -> bool:
            with service.ledger(self.settings) as led:
                if led.entry(sid) is None:
                    return False
                led.set_token_hashes({sid: auth.token_hash(token)}, actor=OFFICE)
            return True

        if not await self.run(store):
            raise HTTPException(404)
        # never from the Host header (formkit.web.hosts): without --base-url, the path
        link = (self.settings.base_url or "").rstrip("/") + link_path(token)
        return await self.render_entry(request, digest, new_link=link)

    @province_only
    async def province_entry(self, request: Request, digest: str) -> Response:
        return await self.render_entry(request, digest)

    async def render_entry(
        self, request: Request, digest: str, new_link: str | None = None
    ) -> Response:
        sid = request.path_params["sid"]

        def gather() -> dict[str, Any] | None:
            with service.ledger(self.settings) as led:
                entry = led.entry(sid)
                if entry is None:
                    return None
                history = led.history(sid)
                names = service.display_names(led, history)
                fates = service.fates(led, history)
                current = next((f for f in reversed(history) if f.superseded_by is None), None)
                across = service.across_of(led, current)
            return {
                "entry": entry,
                "uploads": list(reversed(history)),
                "names": names,
                "fates": fates,
                "focus": current,
                "across": across,
                "state": service.state_with(current, across),
            }

        data = await self.run(gather)
        if data is None:
            raise HTTPException(404)
        current = data["focus"]
        form = service.form_view(data["entry"])
        return self.page(
            request,
            "province_entry.html",
            new_link=new_link,
            form=form,
            round_query=form.round.query,
            round_form=form.round.form_id,
            issues=(service.issues_of(current) + data["across"]) if current else [],
            **data,
            **self.province_context(digest),
        )

    async def province_record(self, request: Request) -> FileRecord:
        sha = request.path_params["sha"]
        if not auth.SHA256_RE.fullmatch(sha):
            raise HTTPException(404)

        def get() -> FileRecord | None:
            with service.ledger(self.settings) as led:
                return led.file(sha)

        record: FileRecord | None = await self.run(get)
        if record is None:
            raise HTTPException(404)
        return record

    @province_only
    async def province_file(self, request: Request, digest: str) -> Response:
        record = await self.province_record(request)

        def gather() -> dict[str, Any]:
            with service.ledger(self.settings) as led:
                names = service.display_names(led, [record])
                entry = led.entry(record.roster_id) if record.roster_id else None
                fates = service.fates(led, [record])
                across = service.across_of(led, record)
            return {"names": names, "entry": entry, "fates": fates, "across": across}

        data = await self.run(gather)
        return self.page(
            request,
            "province_file.html",
            focus=record,
            **_nav_round(data["entry"]),
            issues=service.issues_of(record) + data["across"],
            **data,
            **self.province_context(digest),
        )

    @province_only
    async def province_original(self, request: Request, digest: str) -> Response:
        record = await self.province_record(request)
        data = await self.run(service.original_bytes, self.settings, record.sha256)
        if data is None:
            return self.refuse(request, 404, "找不到这个文件的原件。")

        def name() -> str:
            with service.ledger(self.settings) as led:
                return led.upload_names([record.sha256]).get(record.sha256) or (
                    record.original_name
                )

        filename = await self.run(name)
        await self.run(
            lambda: self.audit(
                request,
                "download",
                actor=OFFICE,
                sha256=record.sha256,
                status=200,
                detail="原件",
            )
        )
        return _download(data, filename)

    @province_only
    async def province_annotated(self, request: Request, digest: str) -> Response:
        record = await self.province_record(request)
        return await self.send_annotated(request, record.sha256, OFFICE)

    @province_only
    async def download_status(self, request: Request, digest: str) -> Response:
        """The 催报 workbook of the round the page shows (`?form=&period=`)."""

        def build() -> tuple[service.Round | None, bytes]:
            with service.ledger(self.settings) as led:
                _, chosen = self.chosen_round(request, led)
            if chosen is None:
                return None, b""
            return chosen, service.status_workbook(self.settings, chosen)

        chosen, data = await self.run(build)
        if chosen is None:
            return self.refuse(request, 404, "台账中没有这一轮报送：请从“报送情况”页面选择。")
        name = "报送情况.xlsx" if chosen.period is None else f"报送情况-{chosen.label}.xlsx"
        name = name.replace(" ", "-")
        await self.run(
            lambda: self.audit(
                request, "download", actor=OFFICE, status=200, detail=name.removesuffix(".xlsx")
            )
        )
        return _download(data, name)

    @province_only
    async def download_summary(self, request: Request, digest: str) -> Response:
        data = await self.run(self.summary)
        await self.run(
            lambda: self.audit(request, "download", actor=OFFICE, status=200, detail="汇总表")
        )
        return _download(data, "汇总表.xlsx")

    @province_only
    async def province_recommend(self, request: Request, digest: str) -> Response:
        decided = await self.run(service.decision, self.settings)
        return self.page(
            request,
            "recommend.html",
            decision=decided,
            columns=service.decision_columns(),
            empty=NO_APPLICATIONS,
            documents=service.DOCUMENTS,
            **self.province_context(digest),
        )

    @province_only
    async def download_recommendation(self, request: Request, digest: str) -> Response:
        """One of a unit's 推荐文件 / 报部名单; `?unit=` names it when there are several."""
        kind = request.url.path.rsplit("/", 1)[-1]
        if kind not in service.DOCUMENTS:
            raise HTTPException(404)
        wanted = request.query_params.get("unit")

        def build() -> tuple[int, str, bytes]:
            decided = service.decision(self.settings)
            if not decided.units:
                return 404, NO_APPLICATIONS, b""
            unit = decided.unit(wanted)
            if unit is None:
                return 404, "请在“推荐文件”页面上选择推荐单位后下载。", b""
            with self.workers.slot():  # python-docx takes a moment: no more than the checks
                name, data = service.recommendation_document(unit, kind)
            return 200, name, data

        status, name, data = await self.run(build)
        if status != 200:
            return self.refuse(request, status, name)
        await self.run(
            lambda: self.audit(request, "download", actor=OFFICE, status=200, detail=name)
        )
        return _download(data, name)

    @province_only
    async def province_audit(self, request: Request, digest: str) -> Response:
        def gather() -> list[dict[str, Any]]:
            with service.ledger(self.settings) as led:
                return led.audit_log(300)

        entries = await self.run(gather)
        return self.page(request, "audit.html", entries=entries, **self.province_context(digest))

    def summary(self) -> bytes:
        with self.workers.slot():
            return service.summary_workbook(self.settings)

    # ------------------------------------------------------------ other

    async def home(self, request: Request) -> Response:
        return self.page(request, "home.html")

    async def static_file(self, request: Request) -> Response:
        hit = self.static.get(request.path_params["name"])
        if hit is None:
            raise HTTPException(404)
        data, kind = hit
        return Response(data, media_type=kind, headers={"Cache-Control": "max-age=3600"})

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {
            404: "页面不存在。如果这是下发给您的上报链接，请核对链接是否完整，"
            "或向省级主管部门索取新链接。",
            405: "不支持这种请求方式。",
            413: "提交的内容过大。",
            400: "请求无法识别。",
        }.get(status, "服务器出错，请稍后再试。")
        return self.refuse(request, status, message)


# ---------------------------------------------------------------- small helpers


def _address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def _csrf(request: Request, form: Any) -> str | None:
    value = form.get("csrf") if form is not None else None
    if isinstance(value, str):
        return value
    return request.headers.get("x-csrf-token")


def _bad_filename(name: str) -> str | None:
    """Why a browser's file name is refused: it is display text, never a path."""
    if any(ch in name for ch in "/\\\x00") or name.strip() in (".", "..") or ":" in name:
        return "文件名不能含有路径（/、\\、: 等字符），请直接选择文件上传。"
    if len(name) > 255:
        return "文件名过长（超过 255 个字符），请改短后重新上传。"
    return None


def _cookie(
    request: Request, response: Response, name: str, value: str, path: str, max_age: int
) -> None:
    response.set_cookie(
        name,
        value,
        max_age=max_age,
        path=path,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )


def _download(data: bytes, filename: str) -> Response:
    """An attachment under a Chinese name (RFC 6266 filename*, with an ASCII fallback)."""
    suffix = Path(filename).suffix.lower()
    known = {".xlsx": XLSX_TYPE, ".docx": DOCX_TYPE}
    fallback = f"download{suffix}" if suffix in known else "download"
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(filename)}"
    )
    kind = known.get(suffix, "application/octet-stream")
    return Response(data, media_type=kind, headers={"Content-Disposition": disposition})


def _nav_round(entry: RosterEntry | None) -> dict[str, Any]:
    """The navigation's round (its 催报名单; the 汇总表 only with the application round)."""
    if entry is None:
        return {}
    round_ = service.entry_round(entry)
    return {"round_query": round_.query, "round_form": round_.form_id}


def _problems(row: StatusRow) -> list[dict[str, str]]:
    """What must be corrected in one status row, each with its severity (错误 / 警告 /
    提示), a short text (the file's own first error, or the issue's kind at its cell) and
    the whole text behind it (formkit.web.problems)."""
    from formkit.web.problems import status_problems

    return status_problems(row)


def _when(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""


def _result_json(
    request: Request, result: service.UploadResult, across: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """An upload's outcome for the page's script; `across`: the file's issues across
    periods (listed with its own, and counted in its state)."""
    across = across or []
    token = request.path_params["token"]
    doc: dict[str, Any] = {
        "ok": result.outcome != "refused",
        "outcome": result.outcome,
        "message": result.message,
        "sha256": result.sha256 or None,
    }
    record = result.record
    if record is None:
        doc["issues"] = result.issues
        return doc
    state = service.state_with(record, across)
    if state == "有错误" and result.outcome == "new":
        # the state the status page shows, and the same word (formkit.states)
        doc["message"] = result.message.rstrip("。") + "；有错误，请按下列问题更正后重新上报。"
    doc.update(
        {
            "state": state,
            "status": record.status,
            "verdict": record.verdict,
            "errors": record.errors,
            "warnings": record.warnings,
            "supersedes": result.supersedes,
            "issues": service.issues_of(record) + across,
            "page": f"/u/{token}/files/{record.sha256}",
            "annotated": f"/u/{token}/files/{record.sha256}/annotated"
            if record.status == "accepted" and (record.errors or record.warnings or across)
            else None,
        }
    )
    return doc


def create_app(settings: Settings, limits: Limits | None = None) -> ASGIApp:
    """The ASGI application; `settings.db` is created and migrated if needed."""
    web = Web(settings, limits)

    routes = [
        Route("/", web.home),
        Route("/static/{name}", web.static_file),
        Route("/u/{token}", web.city_page),
        Route("/u/{token}/upload", web.city_upload, methods=["POST"]),
        Route("/u/{token}/files/{sha}", web.city_file),
        Route("/u/{token}/files/{sha}/annotated", web.city_annotated),
        Route("/u/{token}/copy.xlsx", web.city_copy),
        Route("/province/login", web.login_page),
        Route("/province/login", web.login, methods=["POST"]),
        Route("/province/logout", web.logout, methods=["POST"]),
        Route("/province", web.province_home),
        Route("/province/entries/{sid}", web.province_entry),
        Route("/province/entries/{sid}/link", web.new_link, methods=["POST"]),
        Route("/province/files/{sha}", web.province_file),
        Route("/province/files/{sha}/original", web.province_original),
        Route("/province/files/{sha}/annotated", web.province_annotated),
        Route("/province/download/status.xlsx", web.download_status),
        Route("/province/download/summary.xlsx", web.download_summary),
        Route("/province/recommend", web.province_recommend),
        *(
            Route(f"/province/download/{name}", web.download_recommendation)
            for name in service.DOCUMENTS
        ),
        Route("/province/audit", web.province_audit),
        *bases_page.routes(web),  # the register of bases and each base's history
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.warm:
            await anyio.to_thread.run_sync(web.workers.warm)
        yield
        await anyio.to_thread.run_sync(web.workers.close)
        web.keeper.close()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: web.http_error, Exception: web.http_error},
        lifespan=lifespan,
    )
    app.state.web = web
    wrapped = BodyLimit(_security_headers(app), settings.max_upload)
    return HostCheck(wrapped, settings.base_url) if settings.base_url else wrapped
