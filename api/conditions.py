"""Conditional requests (RFC 9110 section 13) and Idempotency-Key.

An agreement's ETag is `"<version>"`. `If-Match` makes a write conditional:
it goes ahead only when one of the listed tags is the current one by strong
comparison (a weak `W/"2"` never does), or on `*` when the agreement exists;
anything else, a foreign or unparsable tag included, is a 412 carrying the
current ETag. `If-None-Match` makes a read conditional: a 304 without a body
when one of the listed tags matches by weak comparison.

`Idempotency-Key` pairs with a fingerprint of the request (method, path and
the canonical command) so the application can tell a retry from a reuse.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any
from uuid import UUID

from fastapi import Header, Response
from pydantic import BaseModel

from api.errors import ApiError
from tracker.application import Idempotency

MAX_CONDITION_LENGTH = 1000

_ENTITY_TAG = re.compile(r'[ \t]*((?:W/)?"[\x21\x23-\x7e\x80-\xff]*")[ \t]*(?:,|$)')

IfMatch = Annotated[
    str | None,
    Header(
        description='`"<version>"` (the ETag of the state), a list of them, or `*`: the write '
        "fails with 412 unless one is the current version (strong comparison).",
        max_length=MAX_CONDITION_LENGTH,
    ),
]
IfNoneMatch = Annotated[
    str | None,
    Header(
        description="ETags the client holds: 304, without a body, when one is still current.",
        max_length=MAX_CONDITION_LENGTH,
    ),
]
IdempotencyKey = Annotated[
    str | None,
    Header(
        description="Any unique string: a retry with the same key and body returns the first "
        "response and records nothing new.",
        min_length=1,
        max_length=255,
    ),
]

ETAG_HEADER: dict[str, Any] = {
    "description": "The representation's entity tag; an agreement's is its version.",
    "schema": {"type": "string"},
}
"""The ETag response header, as the OpenAPI document declares it."""

CONDITIONAL_READ: dict[int | str, dict[str, Any]] = {
    200: {"headers": {"ETag": ETAG_HEADER}},
    304: {
        "description": "The copy named by If-None-Match is current",
        "headers": {"ETag": ETAG_HEADER},
    },
}
"""The responses of a GET that honours If-None-Match."""


def etag(version: int) -> str:
    return f'"{version}"'


def content_tag(*parts: object) -> str:
    """A strong ETag for a representation fully decided by `parts` (positions, a query)."""
    text = json.dumps([str(part) for part in parts])
    return f'"{hashlib.sha256(text.encode()).hexdigest()[:20]}"'


def _entity_tags(header: str) -> list[str]:
    """The tags of an `If-Match`/`If-None-Match` list; none when it is not such a list."""
    tags: list[str] = []
    position = 0
    while position < len(header.rstrip(" \t")):
        found = _ENTITY_TAG.match(header, position)
        if found is None:
            return []
        tags.append(found.group(1))
        position = found.end()
    return tags


def expected_version(if_match: str, agreement_id: UUID, current: int | None) -> int | None:
    """The version a write under `If-Match` must find (None: any), or the 412 refusing it.

    `current` is the agreement's version, None when there is no such agreement.
    """
    if current is not None and if_match.strip() == "*":
        return None
    if current is not None and etag(current) in _entity_tags(if_match):
        return current
    raise precondition_failed(if_match, agreement_id, current)


def precondition_failed(if_match: str, agreement_id: UUID, current: int | None) -> ApiError:
    """A 412 that says, and carries in `ETag`, what is current now."""
    detail: dict[str, Any] = {"field": "header.If-Match", "if_match": if_match, "actual": current}
    if current is None:
        message = f"If-Match {if_match} names no version: there is no agreement {agreement_id}"
        return ApiError(412, "stale_version", message, [detail])
    return ApiError(
        412,
        "stale_version",
        f"If-Match {if_match} does not name version {current}, the current one",
        [detail],
        headers={"ETag": etag(current)},
    )


def not_modified(if_none_match: str | None, tag: str) -> Response | None:
    """A 304 when the client's copy is current (weak comparison), else None."""
    if if_none_match is None:
        return None
    held = {t.removeprefix("W/") for t in _entity_tags(if_none_match)}
    if if_none_match.strip() == "*" or tag.removeprefix("W/") in held:
        return Response(status_code=304, headers={"ETag": tag})
    return None


def representation(
    body: BaseModel,
    tag: str,
    if_none_match: str | None = None,
    *,
    status_code: int = 200,
    location: str | None = None,
) -> Response:
    """The body as JSON with its ETag, or a 304 when the client's copy is current.

    Serialised straight from the model: a response is not validated again, so
    an event stored under an older rule still reads back.
    """
    unchanged = not_modified(if_none_match, tag)
    if unchanged is not None:
        return unchanged
    headers = {"ETag": tag} if location is None else {"ETag": tag, "Location": location}
    return Response(
        body.model_dump_json(), status_code, headers=headers, media_type="application/json"
    )


def idempotency(key: str | None, method: str, path: str, body: BaseModel) -> Idempotency | None:
    """The key with a fingerprint of the request; None when the client sent no key."""
    if key is None:
        return None
    return Idempotency(key, fingerprint(method, path, body.model_dump(mode="json")))


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()
