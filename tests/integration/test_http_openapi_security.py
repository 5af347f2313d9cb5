"""The document's security follows the configuration: none on an open server (nor 401/403
answers), bearer tokens on every /api operation when tokens are configured (and no X-Actor)."""

from __future__ import annotations

from typing import Any

from tests.integration.openapi_support import document

OPEN = document()
WITH_TOKENS = document(api_tokens={"secret": "ana"})
PUBLIC = {"/healthz", "/readyz", "/api/schemas/export-line.json"}


def _operations(doc: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [(path, op) for path, ops in doc["paths"].items() for op in ops.values()]


def _headers(operation: dict[str, Any]) -> set[str]:
    return {p["name"] for p in operation.get("parameters", []) if p["in"] == "header"}


def test_an_open_server_publishes_no_security() -> None:
    assert "securitySchemes" not in OPEN["components"]
    assert "security" not in OPEN
    for path, operation in _operations(OPEN):
        assert "security" not in operation, path
        assert not {"401", "403"} & set(operation["responses"]), path
        if path not in PUBLIC:
            assert "x-actor" in _headers(operation), path


def test_a_server_with_tokens_publishes_bearer_security() -> None:
    scheme = WITH_TOKENS["components"]["securitySchemes"]["HTTPBearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path, operation in _operations(WITH_TOKENS):
        assert "x-actor" not in _headers(operation), path
        if path in PUBLIC:
            assert "security" not in operation, path
        else:
            assert operation["security"] == [{"HTTPBearer": []}], path
            assert {"401", "403"} <= set(operation["responses"]), path
