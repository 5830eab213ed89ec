"""Running the application: uvicorn on one process, graceful shutdown, no access log.

uvicorn's access log would write every city's link (its token) in clear, so it is off;
what happened is in the ledger's audit trail instead. On SIGINT/SIGTERM uvicorn stops
accepting connections and waits for requests in progress (an upload being checked is
finished and recorded, and one still waiting for a reading worker is read then) before the
process exits; the reading workers ignore SIGTERM (formkit.web.steady), so a stop sent to
the whole process group, as systemd sends it, does not cut an upload short. A restart, or
a kill -9, loses nothing recorded: the ledger (and the upload store beside it) is the only
state, each upload recorded in one transaction; a file resent after a kill is taken.
"""

from __future__ import annotations

import multiprocessing
from typing import TYPE_CHECKING

from formkit.web.app import create_app
from formkit.web.service import Settings

if TYPE_CHECKING:
    import uvicorn

GRACEFUL_SECONDS = 120  # longer than one upload's read limit plus recording
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def config(
    settings: Settings, *, host: str, port: int, behind_proxy: bool = False
) -> uvicorn.Config:
    """uvicorn's configuration: no access log, proxy headers only when told, and trusted
    only from this machine (the office's reverse proxy runs beside the server)."""
    import uvicorn

    return uvicorn.Config(
        create_app(settings),
        host=host,
        port=port,
        access_log=False,
        log_level="warning",
        proxy_headers=behind_proxy,
        forwarded_allow_ips="127.0.0.1" if behind_proxy else None,
        timeout_graceful_shutdown=GRACEFUL_SECONDS,
        server_header=False,
    )


def require_web_stack() -> None:
    """Import what serving needs, so a broken installation is told before anything starts."""
    import jinja2  # noqa: F401
    import starlette  # noqa: F401
    import uvicorn  # noqa: F401


def run(settings: Settings, *, host: str, port: int, behind_proxy: bool = False) -> None:
    import uvicorn

    # workers fork from a server that has the reader, validator and spec loaded already,
    # and ignore SIGTERM: a stop finishes the uploads in progress (formkit.web.steady)
    multiprocessing.set_forkserver_preload(["formkit.web.steady", "formkit.web.warm"])
    uvicorn.Server(config(settings, host=host, port=port, behind_proxy=behind_proxy)).run()
