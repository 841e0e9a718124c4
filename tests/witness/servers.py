"""Real HTTP servers on 127.0.0.1 for the tests: a witness (uvicorn in a thread) and a static
file server for a published directory. The listening socket is bound (to a free port) and
listening before the server thread starts, so a client may connect at once: its connection
waits in the backlog until the server accepts it. Both stop when their block ends."""

from __future__ import annotations

import functools
import http.server
import socket
import threading
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

LOCALHOST = "127.0.0.1"
TIMEOUT = 60.0  # generous: the machine may be loaded


def _listening() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOCALHOST, 0))
    sock.listen(128)
    return sock


class Asgi:
    """An ASGI application served by uvicorn on a free port of 127.0.0.1."""

    def __init__(self, app: Any) -> None:
        self.sock = _listening()
        self.port: int = self.sock.getsockname()[1]
        self.url = f"http://{LOCALHOST}:{self.port}"
        config = uvicorn.Config(app, log_level="warning", access_log=False, lifespan="off")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, daemon=True
        )

    def __enter__(self) -> Asgi:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.server.should_exit = True
        self.thread.join(TIMEOUT)
        self.sock.close()
        assert not self.thread.is_alive(), "the server did not stop"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass


class Static:
    """A directory served read-only over HTTP on a free port of 127.0.0.1."""

    def __init__(self, directory: Path) -> None:
        handler = functools.partial(_Quiet, directory=str(directory))
        self.httpd = http.server.ThreadingHTTPServer((LOCALHOST, 0), handler)
        self.url = f"http://{LOCALHOST}:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> Static:
        self.thread.start()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(TIMEOUT)


def post(url: str, body: bytes) -> tuple[int, str, bytes]:
    """POST `body`; the status, the content type and the body (of an error too)."""
    request = urllib.request.Request(url, data=body, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.headers.get("Content-Type", ""), exc.read()
