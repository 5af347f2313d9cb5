"""An Idempotency-Key is paired with the command as it is recorded: leaving out a default
and sending it explicitly are the same request; a different value is a different one."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tracker.clock import FixedClock


def _post(client: TestClient, path: str, body: dict[str, Any], key: str) -> Any:
    return client.post(path, json=body, headers={"Idempotency-Key": key})


def test_a_draft_with_todays_date_repeats_one_without_it(
    client: TestClient, clock: FixedClock
) -> None:
    body = {"title": "Canonical", "kind": "other"}
    first = _post(client, "/api/agreements", body, "draft-1")
    today = clock.today().isoformat()
    again = _post(client, "/api/agreements", {**body, "occurred_on": today}, "draft-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    other_day = _post(client, "/api/agreements", {**body, "occurred_on": "2024-05-31"}, "draft-1")
    assert other_day.status_code == 422
    assert other_day.json()["error"]["details"] == [{"field": "header.Idempotency-Key"}]
    assert len(client.get("/api/agreements").json()["items"]) == 1


def test_an_event_with_its_defaults_spelled_out_repeats_one_without_them(
    client: TestClient, clock: FixedClock
) -> None:
    agreement_id = client.post("/api/agreements", json={"title": "T", "kind": "other"}).json()["id"]
    path = f"/api/agreements/{agreement_id}/events"
    first = _post(client, path, {"type": "follow_up_scheduled", "due_on": "2025-01-15"}, "f-1")
    spelled_out = {
        "type": "follow_up_scheduled",
        "due_on": "2025-01-15",
        "occurred_on": clock.today().isoformat(),
        "source": None,
        "description": "",
    }
    again = _post(client, path, spelled_out, "f-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    history = client.get(f"/api/agreements/{agreement_id}/history").json()["events"]
    assert [e["type"] for e in history] == ["drafted", "follow_up_scheduled"]


def test_a_nested_draft_takes_the_events_date_in_the_fingerprint(
    client: TestClient, clock: FixedClock
) -> None:
    parent = client.post("/api/agreements", json={"title": "P", "kind": "other"}).json()["id"]
    path = f"/api/agreements/{parent}/events"
    assert client.post(path, json={"type": "signed"}).status_code == 201
    child = {"title": "Child", "kind": "specific_agreement"}
    event = {"type": "complementary_agreement_added", "agreement": child}
    first = _post(client, path, event, "child-1")
    today = clock.today().isoformat()
    dated = {**event, "occurred_on": today, "agreement": {**child, "occurred_on": today}}
    again = _post(client, path, dated, "child-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
