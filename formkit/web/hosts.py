"""`serve --base-url`: the address cities and the province reach the server by.

Links shown on the pages are built from it, never from the request's Host header (a
tunnel, a reverse proxy or 127.0.0.1 would otherwise hand out an unusable link, and a
forged Host header would put another site's name in it). With a base URL set, a request
naming any other host is refused (400, in Chinese): that also stops a hostile page from
reaching the server through a name of its own that resolves to this machine. The
loopback names stay allowed, so the machine's own operator can always open the pages.
"""

from __future__ import annotations

import html
import urllib.parse
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the command line checks --base-url without loading the web stack
    from starlette.responses import Response
    from starlette.types import ASGIApp, Receive, Scope, Send

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "[::1]")
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def base_url_problem(base_url: str) -> str | None:
    """Why `--base-url` cannot be used (Chinese), or None."""
    parts = urllib.parse.urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--base-url“{base_url}”应是完整的网址，如 https://baosong.example.gov.cn。"
    if parts.query or parts.fragment or parts.username or parts.password:
        return f"--base-url“{base_url}”只能含协议、主机名、端口和路径。"
    return None


def allowed_hosts(base_url: str) -> frozenset[str]:
    """The Host header values a request may carry: the base URL's host (with its port, and
    without it when the port is the scheme's default)."""
    parts = urllib.parse.urlsplit(base_url)
    host = (parts.hostname or "").lower()
    if ":" in host:  # an IPv6 address is written in brackets in a Host header
        host = f"[{host}]"
    port = str(parts.port) if parts.port else _DEFAULT_PORTS.get(parts.scheme, "")
    names = {f"{host}:{port}"}
    if port == _DEFAULT_PORTS.get(parts.scheme):
        names.add(host)
    return frozenset(names)


def _is_loopback(host: str) -> bool:
    name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
    return name in LOOPBACK_HOSTS


class HostCheck:
    """Refuse a request whose Host header is not the base URL's (nor a loopback name)."""

    def __init__(self, app: ASGIApp, base_url: str) -> None:
        self.app = app
        self.base_url = base_url.rstrip("/")
        self.allowed = allowed_hosts(base_url)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        host = dict(scope["headers"]).get(b"host", b"").decode("latin-1").strip().lower()
        if host in self.allowed or _is_loopback(host):
            await self.app(scope, receive, send)
            return
        from starlette.responses import HTMLResponse, JSONResponse

        message = f"请求的网址不是本服务的网址：请通过 {self.base_url} 访问。"
        accept = dict(scope["headers"]).get(b"accept", b"").decode("latin-1")
        response: Response
        if "application/json" in accept:
            response = JSONResponse({"ok": False, "message": message}, status_code=400)
        else:
            response = HTMLResponse(
                f"<!doctype html><meta charset=utf-8><p>{html.escape(message)}</p>", 400
            )
        await response(scope, receive, send)
