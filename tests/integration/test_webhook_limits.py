"""A receiver cannot hold the sweep nor fill the memory: real servers on 127.0.0.1 that trickle,
answer without end, answer with a gzip bomb, or ask to be tried later."""

from __future__ import annotations

import contextlib
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from projections.service import ReadModels
from tests.integration.reminders_support import read_models, signed_agreement, sweep_on
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.reminders.aggregate import Reminder
from tracker.settings import Settings
from tracker.sweep import sweep
from tracker.webhooks import RESPONSE_LIMIT, WebhookPolicy

__all__ = ["read_models"]

DAY = date(2024, 6, 1)
HUGE = 300 * 1024 * 1024
CHUNK = 64 * 1024

Respond = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def serve() -> Iterator[Callable[[Respond], str]]:
    """Starts a server whose POSTs `respond` answers; returns its URL."""
    servers: list[ThreadingHTTPServer] = []

    def start(respond: Respond) -> str:
        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers["Content-Length"]))
                with contextlib.suppress(OSError):  # the tracker hung up: what the test wants
                    respond(self)

            def log_message(self, *_: Any) -> None:
                pass

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}/hook"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def settings_for(url: str, timeout: float = 5.0) -> Settings:
    return Settings(
        webhooks=WebhookPolicy(
            urls=(url,), secrets=("s",), backoff_seconds=60, timeout_seconds=timeout
        )
    )


def the_attempts(
    tracker: Tracker, clock: FixedClock, read_models: ReadModels, url: str, timeout: float = 5.0
) -> list[Any]:
    signed_agreement(
        tracker, clock, title="Hooked", signed_on=date(2020, 1, 1), expires_on=date(2024, 6, 20)
    )
    report = sweep_on(tracker, read_models, clock, DAY, settings_for(url, timeout))
    (reminder_id,) = report.issued
    reminder: Any = tracker.repository.get(reminder_id)
    assert isinstance(reminder, Reminder)
    return list(reminder.attempts)


def test_a_trickling_receiver_ends_at_the_attempts_deadline_and_the_sweep_returns(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, serve: Any
) -> None:
    def trickle(handler: BaseHTTPRequestHandler) -> None:
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 200:
            handler.wfile.write(bytes([byte]))
            handler.wfile.flush()
            time.sleep(0.3)

    (attempt,) = the_attempts(tracker, clock, read_models, serve(trickle), timeout=1)
    assert not attempt.ok
    assert attempt.status is None
    assert attempt.error == "no answer within the 1 s an attempt may take"


def test_an_endless_answer_is_read_up_to_the_limit(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, serve: Any
) -> None:
    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", str(HUGE))
        handler.end_headers()
        for _ in range(HUGE // CHUNK):
            handler.wfile.write(b"x" * CHUNK)

    (attempt,) = the_attempts(tracker, clock, read_models, serve(endless))
    assert (attempt.ok, attempt.status) == (True, 200)
    assert attempt.response_bytes == RESPONSE_LIMIT
    assert attempt.response == "x" * 1000


def gzip_bomb() -> bytes:
    """300 MB of zeros, gzip-compressed into about 300 KB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    zeros = bytes(CHUNK * 16)
    parts = [packer.compress(zeros) for _ in range(HUGE // len(zeros))]
    return b"".join([*parts, packer.flush()])


def test_a_gzip_bomb_is_not_decompressed_and_only_its_start_is_read(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock, serve: Any
) -> None:
    bomb = gzip_bomb()
    assert len(bomb) > RESPONSE_LIMIT

    def explode(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(500)
        handler.send_header("Content-Encoding", "gzip")
        handler.send_header("Content-Length", str(len(bomb)))
        handler.end_headers()
        handler.wfile.write(bomb)

    (attempt,) = the_attempts(tracker, clock, read_models, serve(explode))
    assert (attempt.ok, attempt.status, attempt.error) == (False, 500, "500 Internal Server Error")
    assert attempt.response_bytes == RESPONSE_LIMIT
    assert attempt.response == f"({RESPONSE_LIMIT} bytes gzip-encoded, not decoded)"


def answer_later(value: str) -> Respond:
    def respond(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(503)
        handler.send_header("Retry-After", value)
        handler.send_header("Content-Length", "0")
        handler.end_headers()

    return respond


@pytest.mark.parametrize(
    ("value", "wait"),
    [
        ("600", timedelta(seconds=600)),
        (
            format_datetime(datetime(2024, 6, 1, 11, 0, tzinfo=UTC), usegmt=True),
            timedelta(minutes=90),
        ),
    ],
)
def test_retry_after_is_the_next_attempts_time(
    tracker: Tracker,
    read_models: ReadModels,
    clock: FixedClock,
    serve: Any,
    value: str,
    wait: timedelta,
) -> None:
    url = serve(answer_later(value))
    (attempt,) = the_attempts(tracker, clock, read_models, url)
    first = clock.now()
    assert attempt.retry_after == first + wait
    settings = settings_for(url)
    clock.moment = first + wait - timedelta(seconds=1)
    assert sweep(tracker, read_models, settings, DAY).deliveries == 0
    clock.moment = first + wait
    assert sweep(tracker, read_models, settings, DAY).deliveries == 1
