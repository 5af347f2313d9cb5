"""Every error the API returns, in the one shape of the HTTP contract.

`{"error": {"code", "message", "details": [...]}}`: domain refusals, request
validation, unknown routes and unexpected failures all leave through here, so
a client parses one shape whatever went wrong.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from events.catalog import EVENT_TYPES
from tracker.errors import (
    AgreementNotFound,
    DomainError,
    DuplicateReference,
    IdempotencyKeyReused,
    InvalidField,
    StaleVersion,
    TransitionRefused,
)

log = logging.getLogger(__name__)

_METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


class ErrorBody(BaseModel):
    code: str
    message: str
    details: list[dict[str, Any]]


class ErrorResponse(BaseModel):
    """The documented shape of every error response."""

    error: ErrorBody


class ApiError(Exception):
    """An error answer decided by the API itself (auth, headers, limits)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details or [])
        self.headers = headers


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[dict[str, Any]] = (),
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    content = {"error": {"code": code, "message": message, "details": list(details)}}
    return JSONResponse(content, status_code=status, headers=headers)


def invalid_input(field: str, message: str) -> ApiError:
    """A 422 for one bad header or parameter, named as the validation errors name fields."""
    return ApiError(
        422, "invalid_input", f"{field}: {message}", [{"field": field, "message": message}]
    )


def invalid_input_response(field: str, message: str) -> JSONResponse:
    """The same answer, for middleware that runs before the exception handlers."""
    error = invalid_input(field, message)
    return error_response(error.status, error.code, error.message, error.details)


def from_domain(error: DomainError, location: str = "body") -> ApiError:
    """The HTTP status and details for a refusal of the domain.

    `location` is where an invalid field came from: the body, or the query.
    """
    status, details = _status_and_details(error, location)
    return ApiError(status, error.code, error.message, [details] if details else [])


def _status_and_details(error: DomainError, location: str) -> tuple[int, dict[str, Any]]:
    if isinstance(error, AgreementNotFound):
        return 404, {"agreement_id": str(error.agreement_id)}
    if isinstance(error, InvalidField):
        return 422, {"field": f"{location}.{error.field}", "message": error.message}
    if isinstance(error, TransitionRefused):
        allowed = error.allowed
        return 409, {"event_type": error.event_type, "status": error.status, "allowed": allowed}
    if isinstance(error, DuplicateReference):
        return 409, {
            "field": "body.reference",
            "reference": error.reference,
            "agreement_id": str(error.agreement_id),
        }
    if isinstance(error, StaleVersion):
        return 412, {"field": "header.If-Match", "expected": error.expected, "actual": error.actual}
    if isinstance(error, IdempotencyKeyReused):
        return 422, {"field": "header.Idempotency-Key"}
    return 409, {}


_EVENT_TAGS = frozenset(EVENT_TYPES)


def _field(loc: Sequence[int | str], error_type: str) -> str:
    """`("body", "signed", "signatories", 0, "name")` -> `body.signatories.0.name`.

    The union's tag that pydantic puts in the location is dropped: the client
    sent `type`, not a field named after it.
    """
    parts = list(loc)
    if len(parts) > 1 and parts[0] == "body" and parts[1] in _EVENT_TAGS:
        del parts[1]
    if error_type in {"union_tag_invalid", "union_tag_not_found"}:
        parts.append("type")
    return ".".join(str(part) for part in parts)


def _validation_details(errors: Sequence[Any]) -> list[dict[str, Any]]:
    return [
        {"field": _field(error["loc"], error["type"]), "message": error["msg"]} for error in errors
    ]


async def _on_api_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, ApiError)
    return error_response(error.status, error.code, error.message, error.details, error.headers)


async def _on_domain_error(_: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, DomainError)
    api_error = from_domain(error)
    return error_response(api_error.status, api_error.code, api_error.message, api_error.details)


def _malformed_json(reason: str) -> JSONResponse:
    return error_response(400, "malformed_json", f"the request body is not valid JSON: {reason}")


def _unreadable(cause: BaseException | None) -> str | None:
    """Why a body that the JSON parser gave up on is refused; None for other failures."""
    if isinstance(cause, UnicodeDecodeError):
        return "it is not UTF-8"
    if isinstance(cause, RecursionError):
        return "it nests too deeply"
    if isinstance(cause, ValueError):
        return "a number has too many digits"
    return None


async def _on_validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = error.errors()
    if any(e["loc"][:1] == ("body",) for e in errors) and not _is_json(request):
        return error_response(
            415,
            "unsupported_media_type",
            "send the request body as JSON, with 'Content-Type: application/json'",
            [{"field": "header.Content-Type"}],
        )
    malformed = [e for e in errors if e["type"] == "json_invalid"]
    if malformed:
        return _malformed_json(malformed[0].get("ctx", {}).get("error", "invalid JSON"))
    details = _validation_details(errors)
    fields = ", ".join(sorted({d["field"] for d in details}))
    return error_response(422, "invalid_input", f"invalid input: {fields}", details)


def _is_json(request: Request) -> bool:
    """Whether the body, if there is one, is declared JSON (`application/json`, `...+json`)."""
    media_type = request.headers.get("content-type", "").partition(";")[0].strip().lower()
    if not media_type:
        return request.headers.get("content-length", "0") == "0" and (
            "transfer-encoding" not in request.headers
        )
    return media_type == "application/json" or media_type.endswith("+json")


async def _on_http_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, StarletteHTTPException)
    reason = _unreadable(error.__cause__) if error.status_code == 400 else None
    if reason is not None:
        return _malformed_json(reason)
    code = {404: "not_found", 405: "method_not_allowed"}.get(error.status_code, "http_error")
    headers = dict(error.headers or {})
    if error.status_code == 405:
        headers["Allow"] = ", ".join(_methods_for(request))
    return error_response(error.status_code, code, str(error.detail), [], headers)


def _methods_for(request: Request) -> list[str]:
    """Every method some route serves at this path, asked of the router itself, so routes
    of included routers count; HEAD wherever GET (see `api.http.HeadAsGet`)."""
    methods = {
        method
        for method in _METHODS
        if any(
            route.matches({**request.scope, "method": method})[0] == Match.FULL
            for route in request.app.router.routes
        )
    }
    if "GET" in methods:
        methods.add("HEAD")
    return sorted(methods)


async def _on_unexpected(_: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return error_response(500, "internal_error", "the server failed to answer; see its log", [])


def install(app: FastAPI) -> None:
    """Route every kind of failure to the one error shape."""
    app.add_exception_handler(ApiError, _on_api_error)
    app.add_exception_handler(DomainError, _on_domain_error)
    app.add_exception_handler(RequestValidationError, _on_validation_error)
    app.add_exception_handler(StarletteHTTPException, _on_http_error)
    app.add_exception_handler(Exception, _on_unexpected)


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status: {"model": ErrorResponse, "description": description}
    for status, description in {
        400: "Malformed JSON or header",
        401: "Missing credentials",
        403: "Unknown credentials",
        404: "No such agreement",
        413: "Request body too large",
        422: "Invalid input; each bad field is named",
    }.items()
}
"""Errors any endpoint under /api may answer, for the OpenAPI document."""
NOT_JSON: dict[int | str, dict[str, Any]] = {
    415: {"model": ErrorResponse, "description": "The request body is not JSON"}
}
"""What an endpoint that takes a JSON body answers to any other body."""
