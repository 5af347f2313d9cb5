"""Random valid event sequences through the API: nothing lost, nothing reordered.

Each example drafts an agreement and records events the lifecycle allows in
its current state; the history must return them all, in order, and the list's
row for the agreement must equal what the state endpoint returns.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.app import create_app
from events.cooperation import ActivityCategory
from tests.strategies import texts
from tracker.clock import FixedClock
from tracker.lifecycle import allowed_in
from tracker.settings import Settings
from tracker.state import Status

names = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs", "Z", "C"]), min_size=1, max_size=20
)
upcoming = st.dates(min_value=date(2024, 6, 1), max_value=date(2030, 12, 31))

PARTIES = [{"name": "Alpha", "type": "ngo"}, {"name": "Beta", "type": "state"}]
party = st.sampled_from([p["name"] for p in PARTIES])

EVENTS: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "note_added": st.fixed_dictionaries({"text": texts}),
    "activity_recorded": st.fixed_dictionaries(
        {"category": st.sampled_from([c.value for c in ActivityCategory]), "title": names}
    ),
    "signed": st.fixed_dictionaries({"place": names}),
    "entered_into_force": st.just({}),
    "suspended": st.fixed_dictionaries({"reason": texts}),
    "resumed": st.just({}),
    "terminated": st.fixed_dictionaries({"reason": texts}),
    "follow_up_scheduled": st.fixed_dictionaries(
        {"due_on": upcoming.map(str), "description": texts}
    ),
    "document_attached": st.fixed_dictionaries({"title": names, "reference": names}),
    "amended": st.fixed_dictionaries({"changes": st.fixed_dictionaries({"purpose": texts})}),
    "personnel_exchanged": st.fixed_dictionaries(
        {"person": names, "from_party": party, "to_party": party, "purpose": texts}
    ),
}


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        yield client


@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(title=names, steps=st.integers(min_value=0, max_value=8), data=st.data())
def test_history_and_list_agree_with_what_was_recorded(
    client: TestClient, title: str, steps: int, data: st.DataObject
) -> None:
    created = client.post(
        "/api/agreements", json={"title": title, "kind": "other", "parties": PARTIES}
    )
    assert created.status_code == 201, created.text
    agreement_id = created.json()["id"]
    status = Status.DRAFT
    sent: list[dict[str, Any]] = []
    for _ in range(steps):
        choices = sorted(set(allowed_in(status)) & set(EVENTS))
        if not choices:
            break
        event_type = data.draw(st.sampled_from(choices))
        event = {"type": event_type, **data.draw(EVENTS[event_type])}
        response = client.post(f"/api/agreements/{agreement_id}/events", json=event)
        assert response.status_code == 201, response.text
        status = Status(response.json()["status"])
        sent.append(event)

    history = client.get(f"/api/agreements/{agreement_id}/history").json()["events"]
    assert [e["version"] for e in history] == list(range(1, len(sent) + 2))
    assert [e["type"] for e in history] == ["drafted", *(e["type"] for e in sent)]
    for event, recorded in zip(sent, history[1:], strict=True):
        assert _includes(recorded["data"], {k: v for k, v in event.items() if k != "type"})

    state = client.get(f"/api/agreements/{agreement_id}").json()
    [newest] = client.get("/api/agreements", params={"limit": 1}).json()["items"]
    assert newest == state


def _includes(stored: Any, sent: Any) -> bool:
    """What was sent is in what was stored (which also spells out the defaults)."""
    if isinstance(sent, dict):
        return isinstance(stored, dict) and all(
            name in stored and _includes(stored[name], value) for name, value in sent.items()
        )
    return bool(stored == sent)
