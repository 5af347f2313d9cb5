"""Schema-driven fuzzing: every operation of /openapi.json against a real server.

Bounded in examples per operation. The checks are schemathesis's own: no 500,
responses (errors included) match the documented schemas, status codes and
content types are documented, and the bearer token is enforced.

Two heuristics are left out. Schema-valid input may still be refused (422):
a cursor this list never issued, an If-Match beyond any version, a date in
the future. And an unknown query parameter is ignored, as HTTP APIs do,
which the negative check counts as accepting a request that breaks the schema.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection, positive_data_acceptance
from schemathesis.config import SchemathesisConfig

from api.app import create_app
from tracker.clock import FixedClock
from tracker.settings import Settings

NOT_CHECKED = [positive_data_acceptance, negative_data_rejection]

TOKEN = "fuzz-token"
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}
"""With tokens configured, so the schema's bearer security is enforced and checked too."""


@pytest.fixture
def live_server(database_url: str, clock: FixedClock) -> Iterator[str]:
    """The app on uvicorn, in a thread of this process, on a free port."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    settings = Settings(database_url=database_url, scheduler=False, api_tokens={TOKEN: "fuzzer"})
    app = create_app(settings, clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def seeded(live_server: str) -> str:
    """An agreement for the fuzzed requests to hit, so they reach past the 404."""
    body = {"title": "Fuzzed", "kind": "other", "parties": [{"name": "IACHR", "type": "ngo"}]}
    return str(
        httpx.post(f"{live_server}/api/agreements", json=body, headers=AUTHORIZED).json()["id"]
    )


BOUNDS = SchemathesisConfig.from_dict({"phases": {"coverage": {"enabled": False}}})
"""Random examples only: the coverage phase's exhaustive boundary values take minutes."""

schema = schemathesis.openapi.from_dict(create_app(Settings()).openapi(), config=BOUNDS)
"""The document the app serves at /openapi.json; building the app opens no store."""


@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_no_operation_fails_or_breaks_its_schema(case: Any, live_server: str, seeded: str) -> None:
    if _is_uuid(case.path_parameters.get("agreement_id") if case.path_parameters else None):
        case.path_parameters["agreement_id"] = seeded
    served = httpx.get(f"{live_server}/openapi.json").json()
    assert served == case.operation.schema.raw_schema
    case.call_and_validate(base_url=live_server, headers=AUTHORIZED, excluded_checks=NOT_CHECKED)


def _is_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True
