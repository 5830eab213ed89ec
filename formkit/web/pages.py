"""What every page shares: the settings, the CSRF secret, the rate limits, the templates,
the check slots; rendering a page or a refusal; the audit trail; the province's session."""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, TypeVar

from formkit.forms import DEFAULT_FORM
from formkit.reference import load_reference
from formkit.web import auth, logins, service
from formkit.web.http import address, html_response, json_response, redirect, wants_json
from formkit.web.limits import Limit, RateLimiter
from formkit.web.queue import UploadQueue
from formkit.web.service import Settings
from formkit.web.store import WebStore

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

T = TypeVar("T")

SESSION_COOKIE = "formkit_session"
LOGIN_COOKIE = "formkit_login"
SESSION_HOURS = 12
# the provincial office in the audit trail (older ledgers wrote "province")
OFFICE = "office"

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


class Pages:
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
            self.secret = WebStore(led).set_web_setting("secret", auth.new_secret(), if_absent=True)
        # one connection held open while serving: closing the ledger after each request is
        # then never closing its last connection, which would checkpoint the WAL each time
        self.keeper = sqlite3.connect(settings.db, check_same_thread=False)
        self.keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()
        import jinja2

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
        self.templates.globals["notice"] = str(
            load_reference().notice.get("id") or "商技发[2006]6号"
        )
        self.too_large = f"文件过大：上传上限为 {settings.max_upload / 2**20:.0f} MB。"
        self.static = {
            name: (resources.files("formkit.web").joinpath("static", name).read_bytes(), kind)
            for name, kind in (("style.css", "text/css"), ("upload.js", "text/javascript"))
        }

    def page(self, request: Request, name: str, status: int = 200, **context: Any) -> Response:
        context.setdefault("max_upload_mb", f"{self.settings.max_upload / 2**20:.0f}")
        html = self.templates.get_template(name).render(request=request, **context)
        return html_response(html, status)

    def audit(self, request: Request, kind: str, **fields: Any) -> None:
        with service.ledger(self.settings) as led:
            WebStore(led).audit(kind, address=address(request), **fields)

    async def run(self, func: Callable[..., T], *args: Any) -> T:
        """Blocking work (the ledger, a worker process) in a thread: the loop stays free."""
        from starlette.concurrency import run_in_threadpool

        return await run_in_threadpool(func, *args)

    def refuse(self, request: Request, status: int, message: str) -> Response:
        if wants_json(request):
            return json_response({"ok": False, "message": message}, status)
        return self.page(request, "error.html", status, message=message)

    async def session(self, request: Request) -> str | None:
        cookie = request.cookies.get(SESSION_COOKIE)
        if not cookie or not auth.TOKEN_RE.fullmatch(cookie):
            return None
        digest = auth.token_hash(cookie)

        def valid() -> bool:
            with service.ledger(self.settings) as led:
                expires = WebStore(led).session_expires(digest)
            return expires is not None and expires > dt.datetime.now().astimezone()

        return digest if await self.run(valid) else None

    def password_hash(self) -> str | None:
        with service.ledger(self.settings) as led:
            return WebStore(led).web_setting("password")


Page = TypeVar("Page", bound=Pages)


def province_only(
    handler: Callable[[Page, Request, str], Awaitable[Response]],
) -> Callable[[Page, Request], Awaitable[Response]]:
    """A province page: without a live session, GET goes to the login page, else 401."""

    async def guarded(self: Page, request: Request) -> Response:
        digest = await self.session(request)
        if digest is None:
            if request.method == "GET" and not wants_json(request):
                return redirect("/province/login")
            return self.refuse(request, 401, "请先登录。")
        return await handler(self, request, digest)

    return guarded


def _when(value: dt.datetime | None) -> str:
    return value.astimezone().strftime("%Y-%m-%d %H:%M") if value else ""
