"""The reminders API for people: words worked out when read, resolved reminders, and
acknowledging several reminders at once (all or none, idempotent)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from fastapi.testclient import TestClient

from events.cooperation import FollowUpScheduled
from events.drafting import Renewal
from events.lifecycle import Terminated
from projections.service import ReadModels
from tests.integration.reminders_support import (
    PORTFOLIO_DAY,
    at,
    client,
    portfolio,
    read_models,
    signed_agreement,
    sweep_on,
)
from tracker.application import Tracker
from tracker.clock import FixedClock

__all__ = ["client", "read_models"]

DAY = date(2024, 6, 1)


def reminders(client: TestClient, **query: str) -> list[dict[str, Any]]:
    response = client.get("/api/reminders", params=query)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def dated(tracker: Tracker, clock: FixedClock) -> UUID:
    """An agreement renewed by agreement, expiring on 13 June, with a follow-up due then too."""
    return signed_agreement(
        tracker,
        clock,
        title="Cooperation Agreement",
        reference="IACHR-DPE-2020",
        signed_on=date(2020, 1, 7),
        expires_on=date(2024, 6, 13),
        renewal=Renewal(mode="by_agreement"),
        events=(
            FollowUpScheduled(
                occurred_on=date(2024, 1, 10),
                due_on=date(2024, 6, 13),
                description="Annual report to the Council\nwith the annexes",
            ),
        ),
    )


def words(client: TestClient) -> list[tuple[str, str, str]]:
    return sorted((i["rule"], i["subject"], i["message"]) for i in reminders(client, status="open"))


def test_messages_say_how_far_away_the_date_is_when_they_are_read(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    dated(tracker, clock)
    sweep_on(tracker, read_models, clock, DAY)
    name = "Cooperation Agreement (IACHR-DPE-2020)"
    assert words(client) == [
        (
            "expiry",
            "expiry of IACHR-DPE-2020",
            f"{name} expires on 2024-06-13 (in 12 days) unless the parties agree to renew it.",
        ),
        (
            "follow_up",
            "Annual report to the Council",
            f"Follow-up “Annual report to the Council” of {name} is due on 2024-06-13"
            " (in 12 days).",
        ),
    ]
    at(clock, date(2024, 6, 13))
    assert [message for _, _, message in words(client)] == [
        f"{name} expires on 2024-06-13 (today) unless the parties agree to renew it.",
        f"Follow-up “Annual report to the Council” of {name} is due on 2024-06-13 (today).",
    ]
    clock.advance(timedelta(days=3))
    follow_up = reminders(client, rule="follow_up")[0]
    assert follow_up["message"].endswith("is due on 2024-06-13 (3 days overdue).")
    one = client.get(f"/api/reminders/{follow_up['id']}").json()
    assert (one["message"], one["subject"]) == (follow_up["message"], follow_up["subject"])
    (scheduled,) = tracker.state(UUID(follow_up["agreement_id"])).follow_ups
    assert one["follow_up_id"] == str(scheduled.id)


def test_resolved_reminders_are_listed_with_when_and_why(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    agreement = dated(tracker, clock)
    sweep_on(tracker, read_models, clock, DAY)
    at(clock, date(2024, 6, 5))
    tracker.record(agreement, Terminated(reason="by mutual consent"), "clerk")
    sweep_on(tracker, read_models, clock, date(2024, 6, 5))
    assert reminders(client, status="open") == []
    closed = reminders(client, status="resolved")
    assert sorted((i["rule"], i["status"], i["resolution"]) for i in closed) == [
        ("expiry", "resolved", "the agreement was terminated on 2024-06-05"),
        ("follow_up", "resolved", "the agreement was terminated on 2024-06-05"),
    ]
    assert {i["resolved_at"] for i in closed} == {"2024-06-05T09:30:00Z"}
    assert {(i["acknowledged_by"], i["acknowledged_at"]) for i in closed} == {(None, None)}
    acknowledged = client.post(f"/api/reminders/{closed[0]['id']}/acknowledge")
    assert acknowledged.status_code == 200
    assert (acknowledged.json()["status"], acknowledged.json()["acknowledged_by"]) == (
        "resolved",
        None,
    )


def acknowledge(client: TestClient, ids: list[Any], actor: str = "ana") -> Any:
    return client.post(
        "/api/reminders/acknowledge",
        json={"ids": [str(i) for i in ids]},
        headers={"X-Actor": actor},
    )


def swept_portfolio(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> list[str]:
    """The ids of the reminders the portfolio's sweep issued, as listed."""
    portfolio(tracker, clock)
    sweep_on(tracker, read_models, clock, PORTFOLIO_DAY)
    return [i["id"] for i in reminders(client)]


def test_several_reminders_are_acknowledged_at_once_and_again_changes_nothing(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    ids = swept_portfolio(client, tracker, read_models, clock)
    first, second, third = ids[0], ids[1], ids[2]
    client.post(f"/api/reminders/{third}/acknowledge", headers={"X-Actor": "bob"})
    clock.advance(timedelta(hours=1))
    response = acknowledge(client, [first, second, first, third])
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["id"] for i in items] == [first, second, third]
    assert [(i["status"], i["acknowledged_by"]) for i in items] == [
        ("acknowledged", "ana"),
        ("acknowledged", "ana"),
        ("acknowledged", "bob"),
    ]
    assert items[0]["acknowledged_at"] == "2024-06-01T10:30:00Z"
    clock.advance(timedelta(hours=1))
    again = acknowledge(client, [first, second, first, third], actor="carla")
    assert (again.status_code, again.json()) == (200, response.json())
    assert sorted(i["id"] for i in reminders(client, status="acknowledged")) == sorted(
        [first, second, third]
    )
    assert len(reminders(client, status="open")) == len(ids) - 3


def test_an_unknown_id_acknowledges_nothing_and_is_named(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    ids = swept_portfolio(client, tracker, read_models, clock)
    lost, gone = uuid4(), uuid4()
    response = acknowledge(client, [ids[0], lost, ids[1], gone])
    assert response.status_code == 404
    error = response.json()["error"]
    assert error["code"] == "reminder_not_found"
    assert error["message"] == f"no reminder {lost}, {gone}; nothing was acknowledged"
    assert error["details"] == [
        {"reminder_id": str(lost), "field": "body.ids.1"},
        {"reminder_id": str(gone), "field": "body.ids.3"},
    ]
    assert reminders(client, status="acknowledged") == []


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"ids": []}, "body.ids"),
        ({"ids": ["not-a-uuid"]}, "body.ids.0"),
        ({"ids": [str(uuid4())] * 501}, "body.ids"),
        ({"ids": [str(uuid4())], "by": "ana"}, "body.by"),
        ({}, "body.ids"),
    ],
)
def test_a_bad_request_is_422_naming_the_field(
    client: TestClient, body: dict[str, Any], field: str
) -> None:
    response = client.post("/api/reminders/acknowledge", json=body)
    assert response.status_code == 422
    assert field in {d["field"] for d in response.json()["error"]["details"]}


def test_acknowledging_the_same_reminders_at_once_closes_each_once_all_by_one_writer(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    ids = swept_portfolio(client, tracker, read_models, clock)
    start = threading.Barrier(4)

    def race(actor: str) -> Any:
        start.wait(timeout=30)
        return acknowledge(client, ids, actor=actor)

    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(race, ["ana", "bob", "carla", "dora"]))
    assert {answer.status_code for answer in answers} == {200}
    assert all(answer.json() == answers[0].json() for answer in answers)
    items = answers[0].json()["items"]
    assert len({i["acknowledged_by"] for i in items}) == 1
    for reminder_id in ids:
        reminder: Any = tracker.repository.get(UUID(reminder_id))
        assert [type(body).__name__ for body in reminder.bodies] == [
            "ReminderIssued",
            "ReminderAcknowledged",
        ]
