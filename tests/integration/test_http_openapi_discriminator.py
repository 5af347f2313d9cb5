"""`type` is required in every event schema a discriminator maps to, so a body without it
fails schema validation, as it fails on the server; the nested draft may still leave it out."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from api.app import create_app
from events.catalog import RECORDABLE_EVENTS, SYSTEM_EVENTS
from tests.integration.openapi_support import component, conforms, document
from tracker.clock import FixedClock
from tracker.settings import Settings

DOC = document()
RECORD = "/api/agreements/{agreement_id}/events"


def _request_union() -> dict[str, Any]:
    body = DOC["paths"][RECORD]["post"]["requestBody"]["content"]["application/json"]
    return dict(body["schema"])


def _unions() -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "mapping" in node.get("discriminator", {}):
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(DOC)
    return found


def test_every_mapped_schema_requires_its_discriminator() -> None:
    unions = _unions()
    assert len(unions) >= 3  # the request body, history events, feed items
    schemas = DOC["components"]["schemas"]
    for union in unions:
        tag = union["discriminator"]["propertyName"]
        assert tag == "type"
        mapping = union["discriminator"]["mapping"]
        assert sorted(mapping.values()) == sorted(c["$ref"] for c in union["oneOf"])
        for value, ref in mapping.items():
            schema = schemas[ref.rsplit("/", 1)[1]]
            assert tag in schema["required"], ref
            assert schema["properties"][tag]["const"] == value


def test_the_request_union_maps_every_recordable_event() -> None:
    mapping = _request_union()["discriminator"]["mapping"]
    assert set(mapping) == {cls.type_name() for cls in RECORDABLE_EVENTS}


def test_the_response_union_maps_every_stored_event() -> None:
    data = DOC["components"]["schemas"]["HistoryEvent"]["properties"]["data"]
    every = {cls.type_name() for cls in (*RECORDABLE_EVENTS, *SYSTEM_EVENTS)}
    assert set(data["discriminator"]["mapping"]) == every


def test_a_body_without_type_fails_the_schema_and_the_server(
    database_url: str, clock: FixedClock
) -> None:
    union = _request_union()
    assert conforms(DOC, union, {"type": "note_added", "text": "kept"})
    assert not conforms(DOC, union, {"text": "no type"})
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        agreement = client.post("/api/agreements", json={"title": "T", "kind": "other"}).json()
        response = client.post(f"/api/agreements/{agreement['id']}/events", json={"text": "x"})
        assert response.status_code == 422
        assert response.json()["error"]["details"][0]["field"] == "body.type"


def test_a_nested_draft_may_leave_type_out() -> None:
    nested = DOC["components"]["schemas"]["ComplementaryAgreementAdded"]["properties"]["agreement"]
    draft = {"title": "Child", "kind": "specific_agreement"}
    assert conforms(DOC, nested, draft)
    assert conforms(DOC, nested, {**draft, "type": "drafted"})
    assert not conforms(DOC, component("DraftedEvent"), draft)
