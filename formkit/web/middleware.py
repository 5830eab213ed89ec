"""ASGI middleware around the application: a request body over its route's limit is
refused (by Content-Length before reading, by counting while reading), and every response
carries the security headers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from formkit.web.http import TooLarge, html_response, json_response

if TYPE_CHECKING:
    from starlette.responses import Response
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

FORM_BODY_LIMIT = 64 * 1024  # any POST other than an upload
MULTIPART_OVERHEAD = 64 * 1024


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
            await too_large(scope, receive, send, self.upload_limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise TooLarge
            return message

        try:
            await self.app(scope, counted, send)
        except TooLarge:
            await too_large(scope, receive, send, self.upload_limit)


async def too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    message = f"文件过大：上传上限为 {limit / 2**20:.0f} MB。"
    accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
    response: Response
    if "application/json" in accept:
        response = json_response({"ok": False, "message": message}, 413)
    else:
        response = html_response(f"<!doctype html><meta charset=utf-8><p>{message}</p>", 413)
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


def security_headers(app: ASGIApp) -> ASGIApp:
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
