"""Schema-driven fuzzing: every operation of /openapi.json against a real server, with every
check schemathesis has, on an open server and on one with API tokens, then the stateful phase
that follows the document's links (draft, record with If-Match, read).

One check is narrowed, not dropped: schema-valid data must be accepted, except where the
tracker refuses it for what no schema can state, the agreement's state or today's date
(`invalid_field`: a parent that does not exist, a party already there, a date in the
future) or a reused Idempotency-Key; and a write conditional on a version the agreement has
left is a 412. Any other refusal of schema-valid data fails.

Bounded: a fixed number of examples per operation and of stateful scenarios.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from uuid import UUID

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import positive_data_acceptance
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.schemas import OpenApiSchema

from api.app import create_app
from tests.integration.http_support import live_server
from tracker.clock import FixedClock
from tracker.settings import Settings

TOKEN = "fuzz-token"
TOKENS = {"api_tokens": {TOKEN: "fuzzer"}}
AUTHORIZED = {"Authorization": f"Bearer {TOKEN}"}

CONFIG = {
    "phases": {"coverage": {"enabled": False}},
    "checks": {
        "positive_data_acceptance": {
            "expected-statuses": ["2xx", "3xx", "401", "403", "404", "409", "412"],
        },
    },
}
"""Random examples only: the coverage phase's exhaustive boundary values take minutes."""

REFUSED_FOR_STATE = {"invalid_field", "idempotency_key_reused"}


RULE = "Value error, "
"""How pydantic words a catalog rule across fields (an amendment changes a term, a document has
a url or a reference, an exchange ends after it starts), which JSON Schema cannot state."""


def valid_data_accepted(ctx: Any, response: Any, case: Any) -> bool | None:
    """`positive_data_acceptance`, less refusals for the store's contents or a cross-field rule."""
    if response.status_code == 422 and _refused_for_content(json.loads(response.content)):
        return None
    return positive_data_acceptance(ctx, response, case)


def _refused_for_content(body: dict[str, Any]) -> bool:
    error = body["error"]
    if error["code"] in REFUSED_FOR_STATE:
        return True
    messages = [detail.get("message", "") for detail in error["details"]]
    return error["code"] == "invalid_input" and all(m.startswith(RULE) for m in messages)


NARROWED = {
    "additional_checks": [valid_data_accepted],
    "excluded_checks": [positive_data_acceptance],
}


def _schema(config: dict[str, Any], **configured: Any) -> OpenApiSchema:
    """The document the app serves at /openapi.json for this configuration (no store opened)."""
    document = create_app(Settings(**configured)).openapi()
    return schemathesis.openapi.from_dict(document, config=SchemathesisConfig.from_dict(config))


OPEN = _schema(CONFIG)
WITH_TOKENS = _schema(
    {**CONFIG, "auth": {"openapi": {"HTTPBearer": {"bearer": TOKEN}}}},
    **TOKENS,
)
"""Schemathesis sends the token as the document's security says, and checks it is enforced."""

EXAMPLES = settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))


def _seed(base: str, headers: dict[str, str]) -> str:
    """A signed agreement for the fuzzed requests to hit, so they reach past the 404."""
    body = {"title": "Fuzzed", "kind": "other", "parties": [{"name": "IACHR", "type": "ngo"}]}
    created = httpx.post(f"{base}/api/agreements", json=body, headers=headers).json()
    signed = {"type": "signed", "occurred_on": "2020-01-01"}
    httpx.post(f"{base}/api/agreements/{created['id']}/events", json=signed, headers=headers)
    return str(created["id"])


@pytest.fixture
def open_server(sqlite_url: str, clock: FixedClock) -> Iterator[tuple[str, str]]:
    """The open server on SQLite, the one with tokens on PostgreSQL: each store and each
    configuration fuzzed once keeps the run short."""
    with live_server(sqlite_url, clock) as base:
        yield base, _seed(base, {})


@pytest.fixture
def token_server(postgres_url: str, clock: FixedClock) -> Iterator[tuple[str, str]]:
    with live_server(postgres_url, clock, **TOKENS) as base:
        yield base, _seed(base, AUTHORIZED)


def _call(case: Any, server: tuple[str, str]) -> None:
    base, seeded = server
    if case.path_parameters and _is_uuid(case.path_parameters.get("agreement_id")):
        case.path_parameters["agreement_id"] = seeded
    case.call_and_validate(base_url=base, **NARROWED)


def test_the_fuzzed_documents_are_the_served_ones(
    open_server: tuple[str, str], token_server: tuple[str, str]
) -> None:
    assert httpx.get(f"{open_server[0]}/openapi.json").json() == OPEN.raw_schema
    assert httpx.get(f"{token_server[0]}/openapi.json").json() == WITH_TOKENS.raw_schema


@OPEN.parametrize()
@EXAMPLES
def test_open_server(case: Any, open_server: tuple[str, str]) -> None:
    _call(case, open_server)


@WITH_TOKENS.parametrize()
@EXAMPLES
def test_server_with_tokens(case: Any, token_server: tuple[str, str]) -> None:
    _call(case, token_server)


def _is_uuid(value: object) -> bool:
    try:
        UUID(str(value))
    except ValueError:
        return False
    return True


SCOPES = {"agreements": "^/api/agreements", "others": "^/(?!api/agreements)"}
"""Scenarios per part of the API. Schemathesis starts scenarios only at operations it deems
sure to succeed; it wrongly reads `parent_id` as naming a resource nothing creates, which
bars the draft from starting any while the reminders are in the same document."""


@pytest.mark.parametrize("scope", SCOPES)
@pytest.mark.parametrize(
    ("schema", "server"), [(OPEN, "open_server"), (WITH_TOKENS, "token_server")]
)
def test_stateful_scenarios_follow_the_links(
    schema: OpenApiSchema, server: str, scope: str, request: pytest.FixtureRequest
) -> None:
    """Draft, then record (under If-Match with the ETag the draft gave) and read, by the links."""
    base, _ = request.getfixturevalue(server)

    class Workflow(schema.include(path_regex=SCOPES[scope]).as_state_machine()):  # type: ignore[misc]
        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"base_url": base}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            case.validate_response(response, **NARROWED)

    Workflow.run(
        settings=settings(
            max_examples=15,
            stateful_step_count=5,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
    )
