"""Both 201s say where the new thing is: a draft, the agreement; a recorded event, its place in
the history, which reads back as that event (also when the write added a consequence)."""

from __future__ import annotations

import httpx

from tests.integration.http_support import live_server
from tracker.clock import FixedClock


def test_created_resources_are_where_location_says(database_url: str, clock: FixedClock) -> None:
    with live_server(database_url, clock) as base, httpx.Client(base_url=base) as client:
        drafted = client.post("/api/agreements", json={"title": "Here", "kind": "other"})
        assert drafted.status_code == 201
        location = drafted.headers["Location"]
        assert location == f"/api/agreements/{drafted.json()['id']}"
        assert client.get(location).json() == drafted.json()

        signed = client.post(
            f"{location}/events", json={"type": "signed", "enters_into_force_on": "2024-06-01"}
        )
        assert signed.status_code == 201
        assert signed.json()["version"] == 3  # signed, then entered_into_force
        assert signed.headers["Location"] == f"{location}/events/2"
        event = client.get(signed.headers["Location"]).json()
        assert (event["version"], event["type"], event["data"]["type"]) == (2, "signed", "signed")

        note = client.post(f"{location}/events", json={"type": "note_added", "text": "n"})
        assert note.headers["Location"] == f"{location}/events/4"
        again = client.post(
            f"{location}/events",
            json={"type": "note_added", "text": "n"},
            headers={"Idempotency-Key": "k"},
        )
        replay = client.post(
            f"{location}/events",
            json={"type": "note_added", "text": "n"},
            headers={"Idempotency-Key": "k"},
        )
        assert replay.headers["Location"] == again.headers["Location"] == f"{location}/events/5"
        missing = client.get(f"{location}/events/9")
        assert missing.status_code == 404
        assert "the latest is 5" in missing.json()["error"]["message"]
