"""The HTTP pieces the pages use: responses, errors, cookies, the request's form.

Starlette is imported inside these functions (and under TYPE_CHECKING for the types), so
no module of formkit/web imports a web framework at its top: the command line imports the
web layer (`serve`'s settings, `distribute`'s link tokens) and loads none of it.
"""

from __future__ import annotations

import urllib.parse
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from starlette.requests import Request
    from starlette.responses import Response

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class TooLarge(Exception):
    """A request body over its route's limit, found while reading it (formkit.web.middleware)."""


def html_response(text: str, status: int = 200) -> Response:
    from starlette.responses import HTMLResponse

    return HTMLResponse(text, status_code=status)


def json_response(doc: Any, status: int = 200) -> Response:
    from starlette.responses import JSONResponse

    return JSONResponse(doc, status_code=status)


def redirect(url: str) -> Response:
    """303 See Other: after a POST, and to the login page."""
    from starlette.responses import RedirectResponse

    return RedirectResponse(url, status_code=303)


def http_error(status: int) -> Exception:
    """The error to raise for `status` (the application's error handler renders it)."""
    from starlette.exceptions import HTTPException

    return HTTPException(status)


def status_of(exc: Exception) -> int:
    """The HTTP status of an error raised while handling a request (500 for a bug)."""
    from starlette.exceptions import HTTPException

    return exc.status_code if isinstance(exc, HTTPException) else 500


def is_upload(value: Any) -> bool:
    """A form field that is an uploaded file (not a text field of the same name)."""
    from starlette.datastructures import UploadFile

    return isinstance(value, UploadFile)


async def read_form(request: Request, *, files: int = 0) -> Any:
    """The request's form; an oversized body is 413, a malformed one 400."""
    from starlette.exceptions import HTTPException

    try:
        return await request.form(max_files=files, max_fields=4, max_part_size=4096)
    except TooLarge:
        raise HTTPException(413) from None


def address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


def csrf_of(request: Request, form: Any) -> str | None:
    """The CSRF token a POST carries: its form field, else the X-CSRF-Token header."""
    value = form.get("csrf") if form is not None else None
    if isinstance(value, str):
        return value
    return request.headers.get("x-csrf-token")


def set_cookie(
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


def download(data: bytes, filename: str) -> Response:
    """An attachment under a Chinese name (RFC 6266 filename*, with an ASCII fallback)."""
    from starlette.responses import Response

    suffix = Path(filename).suffix.lower()
    known = {".xlsx": XLSX_TYPE, ".docx": DOCX_TYPE}
    fallback = f"download{suffix}" if suffix in known else "download"
    disposition = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{urllib.parse.quote(filename)}"
    )
    kind = known.get(suffix, "application/octet-stream")
    return Response(data, media_type=kind, headers={"Content-Disposition": disposition})


def static(data: bytes, kind: str) -> Response:
    """A static file served from memory (never from a path a request names)."""
    from starlette.responses import Response

    return Response(data, media_type=kind, headers={"Cache-Control": "max-age=3600"})
