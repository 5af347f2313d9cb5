"""Conditional GET: each representation has an ETag, a current If-None-Match is a 304 without a
body (weak comparison, lists of tags and `*` too), and the tags of list pages and the calendar
move when their data do."""

from __future__ import annotations

from fastapi.testclient import TestClient


def _draft(client: TestClient, **changes: object) -> str:
    body = {"title": "Cached", "kind": "other", **changes}
    return str(client.post("/api/agreements", json=body).json()["id"])


def _revalidated(client: TestClient, url: str) -> str:
    """The URL's ETag, after checking that it (and variants of it) revalidate to a 304."""
    first = client.get(url)
    assert first.status_code == 200
    tag = first.headers["ETag"]
    for held in [tag, f"W/{tag.removeprefix('W/')}", f'"other", {tag}', "*"]:
        again = client.get(url, headers={"If-None-Match": held})
        assert again.status_code == 304, held
        assert again.content == b""
        assert again.headers["ETag"] == tag
    assert client.get(url, headers={"If-None-Match": '"other"'}).status_code == 200
    return tag


def test_state_history_and_event_revalidate_until_the_agreement_moves(client: TestClient) -> None:
    agreement_id = _draft(client)
    urls = [
        f"/api/agreements/{agreement_id}",
        f"/api/agreements/{agreement_id}/history",
        f"/api/agreements/{agreement_id}/history?order=occurred",
        f"/api/agreements/{agreement_id}/events/1",
    ]
    before = {url: _revalidated(client, url) for url in urls}
    note = {"type": "note_added", "text": "moved"}
    client.post(f"/api/agreements/{agreement_id}/events", json=note)
    for url, tag in before.items():
        response = client.get(url, headers={"If-None-Match": tag})
        assert response.status_code == 200, url
        assert response.headers["ETag"] != tag


def test_list_pages_revalidate_until_an_agreement_changes(client: TestClient) -> None:
    agreement_id = _draft(client)
    pages = ["/api/agreements", "/api/agreements?status=draft&limit=5", "/api/agreements?q=cached"]
    tags = [_revalidated(client, url) for url in pages]
    assert len(set(tags)) == len(tags)
    client.post(f"/api/agreements/{agreement_id}/events", json={"type": "note_added", "text": "x"})
    for url, tag in zip(pages, tags, strict=True):
        assert client.get(url, headers={"If-None-Match": tag}).status_code == 200, url


def test_the_calendar_revalidates_until_a_date_changes(client: TestClient) -> None:
    agreement_id = _draft(client, expires_on="2030-01-01")
    signed = {"type": "signed", "enters_into_force_on": "2024-06-01"}
    client.post(f"/api/agreements/{agreement_id}/events", json=signed)
    assert "20300101" in client.get("/api/calendar.ics").text
    tag = _revalidated(client, "/api/calendar.ics")
    amended = {"type": "amended", "changes": {"expires_on": "2031-01-01"}}
    client.post(f"/api/agreements/{agreement_id}/events", json=amended)
    response = client.get("/api/calendar.ics", headers={"If-None-Match": tag})
    assert response.status_code == 200
    assert "20310101" in response.text
