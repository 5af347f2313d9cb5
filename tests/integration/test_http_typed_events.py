"""History events and feed items carry the event as recorded (`data`, with its `type`),
each valid for the same discriminated union the requests use."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from tests.integration.openapi_support import component, conforms, document

DOC = document()
EVENTS = [
    {"type": "signed", "occurred_on": "2024-05-01", "enters_into_force_on": "2024-05-01"},
    {"type": "note_added", "text": "Kick-off"},
    {"type": "follow_up_scheduled", "due_on": "2024-09-01", "description": "Report"},
    {"type": "retracted", "version": 4, "reason": "wrong note"},
]


def _recorded(client: TestClient) -> str:
    agreement_id = str(
        client.post(
            "/api/agreements", json={"title": "T", "kind": "other", "occurred_on": "2024-04-01"}
        ).json()["id"]
    )
    for event in EVENTS:
        response = client.post(f"/api/agreements/{agreement_id}/events", json=event)
        assert response.status_code == 201, response.text
    return agreement_id


def test_history_events_are_typed(client: TestClient) -> None:
    agreement_id = _recorded(client)
    history = client.get(f"/api/agreements/{agreement_id}/history").json()
    assert conforms(DOC, component("History"), history)
    events = history["events"]
    assert [e["data"]["type"] for e in events] == [e["type"] for e in events]
    assert [e["type"] for e in events] == [
        "drafted", "signed", "entered_into_force", "note_added", "follow_up_scheduled", "retracted"
    ]  # fmt: skip
    signed = events[1]["data"]
    assert signed["occurred_on"] == "2024-05-01"
    assert signed["signatories"] == []
    assert events[3]["retracted"] is True


def test_feed_items_are_typed(client: TestClient) -> None:
    agreement_id = _recorded(client)
    client.get("/api/agreements")  # waits for the read models to catch up
    feed = client.get("/api/events", params={"limit": 4}).json()
    assert conforms(DOC, component("Feed"), feed)
    assert [i["data"]["type"] for i in feed["items"]] == [i["type"] for i in feed["items"]]
    rest = client.get("/api/events", params={"after": feed["last_position"]}).json()
    items: list[dict[str, Any]] = feed["items"] + rest["items"]
    assert {i["agreement_id"] for i in items} == {agreement_id}
    assert [i["data"].get("text") for i in items if i["type"] == "note_added"] == ["Kick-off"]


def test_a_complementary_agreement_shows_its_child(client: TestClient) -> None:
    parent = client.post("/api/agreements", json={"title": "P", "kind": "other"}).json()["id"]
    client.post(f"/api/agreements/{parent}/events", json={"type": "signed"})
    child = {"title": "Child", "kind": "specific_agreement"}
    event = {"type": "complementary_agreement_added", "agreement": child}
    state = client.post(f"/api/agreements/{parent}/events", json=event).json()
    history = client.get(f"/api/agreements/{parent}/history").json()
    assert conforms(DOC, component("History"), history)
    assert history["events"][-1]["data"]["child_id"] == state["children"][0]
