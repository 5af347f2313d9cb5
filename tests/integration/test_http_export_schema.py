"""`/api/schemas/export-line.json` is a JSON Schema every line of `tracker export` meets, and
that refuses a malformed line."""

from __future__ import annotations

import io
import json
from typing import Any

import jsonschema_rs
from fastapi.testclient import TestClient

from api.app import create_app
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.settings import Settings
from tracker.transfer import write_export


def _served_schema(database_url: str, clock: FixedClock) -> dict[str, Any]:
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        agreement = client.post(
            "/api/agreements", json={"title": "Exported", "kind": "other", "reference": "EX-1"}
        ).json()
        events = f"/api/agreements/{agreement['id']}/events"
        client.post(events, json={"type": "signed", "enters_into_force_on": "2024-06-01"})
        client.post(events, json={"type": "note_added", "text": "Acción"})
        response = client.get("/api/schemas/export-line.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/schema+json"
    return dict(response.json())


def test_every_exported_line_meets_the_schema(database_url: str, clock: FixedClock) -> None:
    schema = _served_schema(database_url, clock)
    validator = jsonschema_rs.validator_for(schema, validate_formats=True)
    tracker = Tracker.connect(database_url, clock=clock)
    try:
        out = io.StringIO()
        assert write_export(tracker, out) == 5
    finally:
        tracker.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [(line["stream"], line["type"]) for line in lines] == [
        ("agreement", "drafted"),
        ("reference", "reference_claimed"),
        ("agreement", "signed"),
        ("agreement", "entered_into_force"),
        ("agreement", "note_added"),
    ]
    for line in lines:
        assert validator.is_valid(line), list(validator.iter_errors(line))
        assert not validator.is_valid({k: v for k, v in line.items() if k != "id"})
        assert not validator.is_valid({**line, "version": 0})
        assert not validator.is_valid({**line, "stream": "a_stream_nobody_writes"})
    assert not validator.is_valid({**lines[0], "recorded_at": "yesterday"})
    assert not validator.is_valid(["not", "an", "object"])
