"""The app on a real HTTP server (uvicorn, in a thread of the test process), and raw requests.

The TestClient skips the HTTP layer; what a server does with bytes on the
wire (header decoding, keep-alive, HEAD, compression) is tested here.
"""

from __future__ import annotations

import http.client
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

import uvicorn
from fastapi import FastAPI

from api.app import create_app
from tracker.clock import Clock
from tracker.settings import Settings


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """The app's base URL while it is served; the server stops on exit."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert thread.is_alive(), "the server stopped while starting"
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@contextmanager
def live_server(database_url: str, clock: Clock, **settings: Any) -> Iterator[str]:
    """A server on its own store, without the scheduler."""
    app = create_app(
        Settings(database_url=database_url, scheduler=False, **settings),
        clock=clock,
    )
    with serving(app) as base:
        yield base


def connection(base: str) -> http.client.HTTPConnection:
    """One keep-alive connection; `sock` is None once the server has closed it."""
    parts = urlsplit(base)
    return http.client.HTTPConnection(parts.hostname or "", parts.port, timeout=10)


def exchange(
    conn: http.client.HTTPConnection,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str | bytes] | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request on the connection: status, headers (lower-case names) and body."""
    names = {name.lower() for name in headers or {}}
    conn.putrequest(
        method, path, skip_host="host" in names, skip_accept_encoding="accept-encoding" in names
    )
    for name, value in (headers or {}).items():
        conn.putheader(name, value)
    if body is not None:
        conn.putheader("Content-Length", str(len(body)))
    conn.endheaders(body)
    response = conn.getresponse()
    content = response.read()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, content
