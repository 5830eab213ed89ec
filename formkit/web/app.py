"""Routes of `formkit serve` (Starlette + Jinja2; run by uvicorn).

    /u/<token>                       a city's page: upload, verdict, issues, history
    /u/<token>/upload                POST multipart field `file` (JSON if Accept asks)
    /u/<token>/files/<sha256>        one of its files; .../annotated the annotated copy
    /u/<token>/copy.xlsx             its pre-filled copy, as `formkit distribute` made it
    /province/login, /province/logout
    /province                        status of every roster entry (password)
    /province/entries/<id>, /province/files/<sha256>[/original|/annotated]
    /province/download/status.xlsx, /province/download/summary.xlsx, /province/audit
    /province/recommend              formkit's proposed recommendation, per reporting unit
    /province/download/recommendation.docx, .../public.xlsx, .../public.docx [?unit=<name>]
                                     the 推荐文件 and 报部名单, as `formkit recommend --db`
    /province/bases[/<base id>]      the register of bases; a base's history (bases_page)

Rules kept everywhere: a city's link is its only credential and reaches only its own
entry; the province's session cookie reaches only province pages; every POST carries a
CSRF token bound to its link or session; no request value becomes a file path (static
files are served from memory, uploads stored under their hash); uploads and logins are
rate-limited per link and per address; uploads, downloads and logins go to the audit
trail.

The handlers are in `city`, `province` and `downloads` (each class adding its routes to the
one before, over `pages`); `middleware` wraps the application; `http` builds responses.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

from formkit.forms import default_form
from formkit.rounds.recommend import document_kinds
from formkit.web import bases_page
from formkit.web.downloads import Downloads
from formkit.web.hosts import HostCheck
from formkit.web.http import http_error, static, status_of
from formkit.web.middleware import BodyLimit, security_headers
from formkit.web.pages import Limits
from formkit.web.service import Settings

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response
    from starlette.types import ASGIApp

__all__ = ["Limits", "Web", "create_app"]


class Web(Downloads):
    """Every route's handler, with the state they share."""

    async def home(self, request: Request) -> Response:
        return self.page(request, "home.html")

    async def static_file(self, request: Request) -> Response:
        hit = self.static.get(request.path_params["name"])
        if hit is None:
            raise http_error(404)
        data, kind = hit
        return static(data, kind)

    async def error_page(self, request: Request, exc: Exception) -> Response:
        status = status_of(exc)
        message = {
            404: "页面不存在。如果这是下发给您的上报链接，请核对链接是否完整，"
            "或向省级主管部门索取新链接。",
            405: "不支持这种请求方式。",
            413: "提交的内容过大。",
            400: "请求无法识别。",
        }.get(status, "服务器出错，请稍后再试。")
        return self.refuse(request, status, message)


def create_app(settings: Settings, limits: Limits | None = None) -> ASGIApp:
    """The ASGI application; `settings.db` is created and migrated if needed."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.routing import Route

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
            for name in document_kinds(default_form())
        ),
        Route("/province/audit", web.province_audit),
        *bases_page.routes(web),  # the register of bases and each base's history
    ]

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if settings.warm:
            await run_in_threadpool(web.workers.warm)
        yield
        await run_in_threadpool(web.workers.close)
        web.keeper.close()

    app = Starlette(
        routes=routes,
        exception_handlers={HTTPException: web.error_page, Exception: web.error_page},
        lifespan=lifespan,
    )
    app.state.web = web
    wrapped = BodyLimit(security_headers(app), settings.max_upload)
    return HostCheck(wrapped, settings.base_url) if settings.base_url else wrapped
