"""FastAPI dependencies: the process's shared objects, and who is asking.

The tracker, read models, settings and clock are built once at start-up and
kept on `app.state`; endpoints receive them through these functions so a test
can hand the app its own. They are `async` because they never block: FastAPI
would otherwise run each in the thread pool, one thread hop per dependency.
"""

from __future__ import annotations

import hmac
from typing import TYPE_CHECKING, Annotated, cast

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from api.errors import ApiError, invalid_input
from api.http import has_control_characters
from tracker.application import Tracker
from tracker.clock import Clock
from tracker.settings import Settings

if TYPE_CHECKING:
    from projections.service import ReadModels

ANONYMOUS = "anonymous"
MAX_ACTOR_LENGTH = 200

_bearer = HTTPBearer(
    auto_error=False,
    description="Required when the server is configured with TRACKER_API_TOKENS.",
)


async def get_tracker(request: Request) -> Tracker:
    return cast(Tracker, request.app.state.tracker)


async def get_read_models(request: Request) -> ReadModels:
    return cast("ReadModels", request.app.state.read_models)


async def get_settings(request: Request) -> Settings:
    return cast(Settings, request.app.state.settings)


async def get_clock(request: Request) -> Clock:
    return cast(Clock, request.app.state.clock)


async def get_actor(
    settings: Annotated[Settings, Depends(get_settings)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
    x_actor: Annotated[
        str | None,
        Header(description="Who records, when the server runs without API tokens."),
    ] = None,
) -> str:
    """The name recorded as `recorded_by`.

    With API tokens configured, the bearer token decides who is asking: a
    request without one is 401, an unknown token 403. Without tokens the API
    is open and trusts `X-Actor`, or records "anonymous".
    """
    if settings.api_tokens:
        if credentials is None:
            raise ApiError(
                401,
                "unauthenticated",
                "send 'Authorization: Bearer <token>'",
                [{"field": "header.Authorization"}],
                headers={"WWW-Authenticate": "Bearer"},
            )
        actor = _actor_for(settings.api_tokens, credentials.credentials)
        if actor is None:
            raise ApiError(
                403,
                "forbidden",
                "the bearer token is not known",
                [{"field": "header.Authorization"}],
            )
        return actor
    name = _header_text("X-Actor", x_actor or "").strip()
    if len(name) > MAX_ACTOR_LENGTH:
        raise invalid_input("header.X-Actor", f"at most {MAX_ACTOR_LENGTH} characters")
    return name or ANONYMOUS


def _header_text(name: str, value: str) -> str:
    """A header's text as the client wrote it.

    HTTP carries header values as bytes, which the server hands over as
    latin-1; clients send names like "José Müller" as UTF-8.
    """
    try:
        text = value.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        raise invalid_input(f"header.{name}", "must be UTF-8 text") from None
    if has_control_characters(text):
        raise invalid_input(f"header.{name}", "must not contain control characters")
    return text


async def declared_query(request: Request) -> None:
    """A query parameter the operation does not declare is refused, not ignored: a misspelt
    filter would otherwise list everything. The OpenAPI document is the declaration."""
    route = request.scope["route"]
    operation = request.app.openapi()["paths"][route.path_format][request.method.lower()]
    declared = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
    for name in request.query_params:
        if name not in declared:
            raise invalid_input(f"query.{name}", "is not a parameter of this operation")


def _actor_for(tokens: dict[str, str], given: str) -> str | None:
    """Compares every token in constant time, so timing does not leak a prefix."""
    found = None
    for token, actor in tokens.items():
        if hmac.compare_digest(token.encode(), given.encode()):
            found = actor
    return found
