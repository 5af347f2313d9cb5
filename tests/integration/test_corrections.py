"""What a cooperation officer corrects, through the HTTP API and the sweep, on both stores.

Each test is one thing an officer saw go wrong: a draft dated today that the
real signature could not follow, a mistaken draft that held its reference and
stayed in every list, a scheduler's expiry that came back after it was
retracted or stood in the way of a backdated renewal, and a nested
complementary agreement older than its parent.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from uuid import UUID

from fastapi.testclient import TestClient

from events.drafting import AgreementKind, Drafted
from events.records import Retracted, Voided
from projections.reminders import calendar_rows
from projections.service import ReadModels
from tests.integration.cli_support import copy_url
from tests.integration.reminders_support import at, client, read_models, signed_agreement, sweep_on
from tracker.aggregate import ReferenceIndex
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.transfer import import_events, write_export

__all__ = ["client", "copy_url", "read_models"]

IACHR = {"name": "Inter-American Commission on Human Rights", "short_name": "IACHR",
         "type": "international_organization"}  # fmt: skip
OMBUDSMAN = {"name": "Defensoría del Pueblo de Ecuador", "type": "ombudsman", "country": "EC"}


def draft(client: TestClient, **fields: Any) -> dict[str, Any]:
    body = {"title": "Cooperation Agreement", "kind": "cooperation_agreement",
            "parties": [IACHR, OMBUDSMAN], **fields}  # fmt: skip
    response = client.post("/api/agreements", json=body)
    assert response.status_code == 201, response.text
    return dict(response.json())


def post(client: TestClient, agreement_id: str, event: dict[str, Any]) -> Any:
    return client.post(f"/api/agreements/{agreement_id}/events", json=event)


def accepted(client: TestClient, agreement_id: str, event: dict[str, Any]) -> dict[str, Any]:
    response = post(client, agreement_id, event)
    assert response.status_code == 201, response.text
    return dict(response.json())


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    return dict(response.json()["error"])


def listed(client: TestClient, **query: Any) -> set[str]:
    response = client.get("/api/agreements", params=query)
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()["items"]}


def history(client: TestClient, agreement_id: str) -> list[dict[str, Any]]:
    return list(client.get(f"/api/agreements/{agreement_id}/history").json()["events"])


def test_a_draft_recorded_today_is_dated_back_and_then_signed_on_its_real_date(
    client: TestClient,
) -> None:
    mistaken = draft(client, reference="IACHR-DPE-2020")
    assert mistaken["created_at"].startswith("2024-06-01")

    refusal = error(
        post(client, mistaken["id"], {"type": "signed", "occurred_on": "2020-01-07"}), 409
    )
    assert "only drafted on 2024-06-01" in refusal["message"]
    assert "changes.drafted_on" in refusal["message"]

    accepted(client, mistaken["id"], {"type": "amended", "changes": {"drafted_on": "2019-12-02"}})
    signed = accepted(client, mistaken["id"], {"type": "signed", "occurred_on": "2020-01-07"})
    assert signed["drafted_on"] == "2019-12-02" and signed["signed_on"] == "2020-01-07"
    as_of = client.get(f"/api/agreements/{mistaken['id']}", params={"as_of": "2020-01-07"})
    assert as_of.json()["status"] == "signed"
    too_late = post(
        client, mistaken["id"], {"type": "amended", "changes": {"drafted_on": "2020-02-01"}}
    )
    assert error(too_late, 422)["details"][0]["field"] == "body.changes.drafted_on"


def test_a_mistaken_draft_is_voided_leaves_the_lists_and_frees_its_reference(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    mistaken = draft(client, reference="IACHR-DPE-2020", occurred_on="2024-05-01")
    accepted(client, mistaken["id"], {"type": "follow_up_scheduled", "due_on": "2024-07-01"})
    before = tracker.recorder.max_notification_id() or 0

    voided = accepted(client, mistaken["id"], {"type": "voided", "reason": "drafted twice"})

    assert voided["status"] == "voided"
    claim = ReferenceIndex.id_for("IACHR-DPE-2020")
    written = tracker.recorder.select_notifications(before, 10, inclusive_of_start=False)
    assert [n.originator_id for n in written] == [UUID(mistaken["id"]), claim]
    assert [e["type"] for e in history(client, mistaken["id"])] == [
        "drafted", "follow_up_scheduled", "voided"]  # fmt: skip
    assert mistaken["id"] not in listed(client)
    assert listed(client, status="voided") == {mistaken["id"]}
    read_models.catch_up(tracker)
    assert [
        row for row in calendar_rows(read_models.db) if str(row.agreement_id) == mistaken["id"]
    ] == []

    assert sweep_on(tracker, read_models, clock, date(2024, 6, 20)).issued == []

    right = draft(client, reference="IACHR-DPE-2020", occurred_on="2019-12-02")
    assert tracker.agreement_for_reference("iachr-dpe-2020") == UUID(right["id"])
    assert listed(client) == {right["id"]}

    restore = {"type": "retracted", "version": 3, "reason": "it was right after all"}
    refusal = error(post(client, mistaken["id"], restore), 409)
    assert refusal["code"] == "duplicate_reference"
    assert refusal["message"] == (
        "cannot retract the voiding: the draft's reference 'IACHR-DPE-2020' is now used by "
        "'Cooperation Agreement (IACHR-DPE-2020)', so the draft stays voided"
    )
    accepted(client, right["id"], {"type": "voided", "reason": "the first one was right"})
    restored = accepted(client, mistaken["id"], restore)
    assert restored["status"] == "draft"
    assert tracker.agreement_for_reference("IACHR-DPE-2020") == UUID(mistaken["id"])
    changes = [getattr(e, "type", "claimed") for e in tracker.events.get(claim)]
    assert changes == ["claimed", "reference_released", "reference_claimed",
                       "reference_released", "reference_claimed"]  # fmt: skip


def test_a_signed_agreement_is_not_voided_but_terminated(client: TestClient) -> None:
    signed = draft(client, occurred_on="2024-01-10")
    accepted(client, signed["id"], {"type": "signed", "occurred_on": "2024-02-01"})

    refusal = error(post(client, signed["id"], {"type": "voided", "reason": "mistake"}), 409)

    assert refusal["code"] == "transition_refused"
    assert refusal["message"] == (
        "cannot record the voiding while the agreement is signed: only a draft can be voided; "
        "once signed, an agreement is terminated instead"
    )
    assert refusal["details"][0]["status"] == "signed"
    assert (
        error(post(client, signed["id"], {"type": "voided", "reason": " "}), 422)["details"][0][
            "field"
        ]
        == "body.reason"
    )


def test_an_expiry_a_person_retracted_is_not_recorded_again(
    tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    expiring = signed_agreement(
        tracker, clock, title="Expiring", signed_on=date(2022, 3, 1), expires_on=date(2024, 3, 1)
    )
    first = sweep_on(tracker, read_models, clock, date(2024, 6, 1))
    assert first.recorded == [(expiring, "expired")]
    expired = tracker.history(expiring)[-1]

    tracker.record(expiring, Retracted(version=expired.version, reason="it was extended"), "ana")

    for day in (date(2024, 6, 1), date(2024, 6, 2), date(2024, 9, 1)):
        assert sweep_on(tracker, read_models, clock, day).recorded == []
    assert tracker.state(expiring).status == "in_force"


def test_a_backdated_renewal_withdraws_the_schedulers_expiry_in_the_same_write(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    expiring = signed_agreement(
        tracker,
        clock,
        title="Renewed late",
        signed_on=date(2022, 3, 1),
        expires_on=date(2024, 3, 1),
    )
    sweep_on(tracker, read_models, clock, date(2024, 6, 1))
    expired_at = len(tracker.history(expiring))

    renewed = accepted(
        client,
        str(expiring),
        {"type": "renewed", "occurred_on": "2024-02-15", "expires_on": "2026-03-01"},
    )

    assert (renewed["status"], renewed["expires_on"]) == ("in_force", "2026-03-01")
    *_, renewal, withdrawal = history(client, str(expiring))
    assert (renewal["type"], renewal["recorded_by"]) == ("renewed", "anonymous")
    assert (withdrawal["type"], withdrawal["recorded_by"]) == ("retracted", "scheduler")
    assert withdrawal["data"]["version"] == expired_at
    assert withdrawal["data"]["reason"] == (
        "The expiry of 2024-03-01, recorded by the scheduler, no longer follows from the record: "
        "a renewal dated 2024-02-15 was recorded."
    )
    assert sweep_on(tracker, read_models, clock, date(2024, 6, 1)).recorded == []
    tracker.record(expiring, Retracted(version=renewal["version"], reason="not signed"), "ana")
    assert sweep_on(tracker, read_models, clock, date(2024, 6, 1)).recorded == [
        (expiring, "expired")
    ]


def test_a_renewal_on_the_expiry_day_replaces_the_expiry_in_every_read_model(
    client: TestClient, tracker: Tracker, read_models: ReadModels, clock: FixedClock
) -> None:
    expiring = signed_agreement(
        tracker,
        clock,
        title="Renewed that day",
        signed_on=date(2022, 3, 1),
        expires_on=date(2024, 3, 1),
    )
    sweep_on(tracker, read_models, clock, date(2024, 6, 1))
    assert listed(client, status="expired") == {str(expiring)}

    renewal = {"type": "renewed", "occurred_on": "2024-03-01", "expires_on": "2026-03-01"}
    assert accepted(client, str(expiring), renewal)["status"] == "in_force"

    assert listed(client, status="in_force") == {str(expiring)}
    assert client.get("/readyz").status_code == 200, "no read model parked it"
    read_models.rebuild(tracker)
    assert listed(client, status="in_force") == {str(expiring)}
    assert client.get("/readyz").status_code == 200


def test_a_nested_complementary_agreement_is_checked_against_its_parent(
    client: TestClient,
) -> None:
    parent = draft(client, occurred_on="2018-11-20")
    accepted(client, parent["id"], {"type": "signed", "occurred_on": "2018-12-05"})
    nested = {"title": "Specific agreement", "kind": "specific_agreement"}

    early = {"type": "complementary_agreement_added", "occurred_on": "2019-01-10",
             "agreement": {**nested, "occurred_on": "2015-03-01"}}  # fmt: skip
    details = error(post(client, parent["id"], early), 422)["details"]
    assert details[0]["field"] == "body.agreement.occurred_on"
    assert "before the draft of the agreement it belongs to, on 2018-11-20" in details[0]["message"]

    stranger = draft(client)["id"]
    elsewhere = {"type": "complementary_agreement_added",
                 "agreement": {**nested, "parent_id": stranger}}  # fmt: skip
    details = error(post(client, parent["id"], elsewhere), 422)["details"]
    assert details[0]["field"] == "body.agreement.parent_id"
    assert stranger in details[0]["message"]

    same = {**nested, "parent_id": parent["id"], "occurred_on": "2018-11-20"}
    fine = {"type": "complementary_agreement_added", "agreement": same}
    (child_id,) = accepted(client, parent["id"], fine)["children"]
    child = client.get(f"/api/agreements/{child_id}").json()
    assert (child["parent_id"], child["drafted_on"]) == (parent["id"], "2018-11-20")


def test_a_voided_agreement_and_its_reused_reference_survive_an_export_and_import(
    tracker: Tracker, clock: FixedClock, copy_url: str
) -> None:
    at(clock, date(2024, 6, 1))
    body = Drafted(reference="IACHR-X-1", title="Twice", kind=AgreementKind.OTHER)
    first = tracker.draft(body, "ana")
    tracker.record(first.id, Voided(reason="drafted twice"), "ana")
    second = tracker.draft(body, "ana")
    out = io.StringIO()
    write_export(tracker, out)
    lines = out.getvalue().splitlines()
    copy = Tracker.connect(copy_url, clock=clock)
    try:
        import_events(copy, lines)
        again = io.StringIO()
        write_export(copy, again)
        assert again.getvalue().splitlines() == lines
        assert copy.agreement_for_reference("IACHR-X-1") == second.id
        assert copy.state(first.id).status == "voided"
    finally:
        copy.close()
    assert '"type": "reference_released"' in out.getvalue()
