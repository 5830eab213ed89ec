"""Loaded first by the forkserver of `formkit serve` (formkit.web.server.run), never by the
server itself: the forkserver and every reading worker it forks ignore SIGTERM.

systemd stops a service by sending SIGTERM to its whole process group (KillMode=
control-group, the default). The server then finishes every upload in progress; if its
reading workers died of the same signal, those uploads would be answered 503 or, worse,
read as unreadable. Ignoring it, a worker finishes the file it is reading; the server
closes it afterwards as usual (workers are stopped by message or SIGKILL, never
SIGTERM), and a worker whose server is gone exits when its pipe closes.
"""

from __future__ import annotations

import signal

signal.signal(signal.SIGTERM, signal.SIG_IGN)
