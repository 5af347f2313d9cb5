"""Request headers that qualify a write: If-Match and Idempotency-Key.

`If-Match: "<version>"` makes a write conditional on the agreement's version.
`Idempotency-Key` pairs with a fingerprint of the request (method, path and
the canonical body) so the application can tell a retry from a reuse.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Annotated, Any

from fastapi import Header
from pydantic import BaseModel

from api.errors import ApiError
from events.base import Version
from tracker.application import Idempotency

_ETAG = re.compile(r'^(?:W/)?"?(\d{1,12})"?$')
MAX_VERSION = 2**31 - 1

IfMatch = Annotated[
    str | None,
    Header(
        description='`"<version>"` (the ETag of the state): the write fails with 412 '
        "when the agreement has moved on.",
        max_length=100,
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


def etag(version: int) -> str:
    return f'"{version}"'


def expected_version(if_match: str | None) -> Version | None:
    """The version an If-Match header requires; None when the write is unconditional."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _ETAG.match(if_match.strip())
    if match is None or not 1 <= int(match.group(1)) <= MAX_VERSION:
        message = f'expected "<version>" with a version from 1 to {MAX_VERSION}'
        raise ApiError(
            422,
            "invalid_input",
            f"header.If-Match: {message}",
            [{"field": "header.If-Match", "message": message}],
        )
    return int(match.group(1))


def idempotency(key: str | None, method: str, path: str, body: BaseModel) -> Idempotency | None:
    """The key with a fingerprint of the request; None when the client sent no key."""
    if key is None:
        return None
    return Idempotency(key, fingerprint(method, path, body.model_dump(mode="json")))


def fingerprint(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(f"{method}\n{path}\n{canonical}".encode()).hexdigest()
