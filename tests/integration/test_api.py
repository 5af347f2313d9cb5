"""The HTTP API end to end, through the app's lifespan, on SQLite and PostgreSQL."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tracker.clock import FixedClock
from tracker.settings import Settings

STATE_FIELDS = {
    "id", "reference", "title", "kind", "status", "parties", "purpose", "areas", "signed_on",
    "in_force_on", "expires_on", "renewal", "parent_id", "children", "signatories", "attendees",
    "personnel_exchanges", "activities", "follow_ups", "documents", "notes", "version",
    "created_at", "updated_at",
}  # fmt: skip

IACHR = {
    "name": "Inter-American Commission on Human Rights",
    "short_name": "IACHR",
    "type": "international_organization",
}
CEAV = {"name": "Executive Committee for Victims", "type": "state_agency", "country": "MX"}


def draft_body(**changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "reference": "IACHR-CEAV-2018",
        "title": "Cooperation Intention Agreement",
        "kind": "cooperation_intention_agreement",
        "parties": [IACHR, CEAV],
        "purpose": "Counselling, information exchange and assistance",
        "areas": ["counselling", "information_exchange", "assistance"],
        "occurred_on": "2018-11-20",
        "expires_on": None,
        "renewal": {"mode": "none"},
        "parent_id": None,
    }
    return {**body, **changes}


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        yield client


def draft(client: TestClient, **changes: Any) -> dict[str, Any]:
    response = client.post("/api/agreements", json=draft_body(**changes))
    assert response.status_code == 201, response.text
    return dict(response.json())


def record(client: TestClient, agreement_id: str, event: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"/api/agreements/{agreement_id}/events", json=event)
    assert response.status_code == 201, response.text
    return dict(response.json())


def refused(response: Any, status: int, code: str) -> dict[str, Any]:
    """The error body, checked for the one error shape, status and code."""
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code
    assert isinstance(error["details"], list)
    return dict(error)


# The README walk-through


def test_draft_sign_complementary_and_history(client: TestClient) -> None:
    created = client.post("/api/agreements", json=draft_body(), headers={"X-Actor": "ana"})
    assert created.status_code == 201
    agreement = created.json()
    assert set(agreement) >= STATE_FIELDS
    assert agreement["status"] == "draft"
    assert created.headers["ETag"] == '"1"'

    signed = record(
        client,
        agreement["id"],
        {
            "type": "signed",
            "occurred_on": "2018-11-20",
            "place": "Mexico City",
            "signatories": [
                {"name": "Emilio Álvarez Icaza", "party": "IACHR", "title": "Executive Secretary"}
            ],
            "attendees": [{"name": "James Cavallaro", "role": "IACHR Rapporteur for Mexico"}],
            "enters_into_force_on": "2018-11-20",
        },
    )
    assert signed["status"] == "in_force"
    assert signed["signed_on"] == signed["in_force_on"] == "2018-11-20"
    assert signed["signatories"] == [
        {"name": "Emilio Álvarez Icaza", "party": "IACHR", "title": "Executive Secretary"}
    ]

    child_body = draft_body(
        reference="IACHR-CEAV-2020-1", title="Training programme", kind="complementary_agreement"
    )
    parent = record(
        client,
        agreement["id"],
        {
            "type": "complementary_agreement_added",
            "occurred_on": "2020-02-01",
            "agreement": child_body,
        },
    )
    [child_id] = parent["children"]
    child = client.get(f"/api/agreements/{child_id}").json()
    assert child["parent_id"] == agreement["id"]
    assert child["title"] == "Training programme"

    history = client.get(f"/api/agreements/{agreement['id']}/history").json()
    assert history["agreement_id"] == agreement["id"]
    assert [e["type"] for e in history["events"]] == [
        "drafted", "signed", "entered_into_force", "complementary_agreement_added",
    ]  # fmt: skip
    assert [e["version"] for e in history["events"]] == [1, 2, 3, 4]
    first = history["events"][0]
    assert set(first) == {
        "version", "type", "occurred_on", "recorded_at", "recorded_by", "source", "data",
        "retracted",
    }  # fmt: skip
    assert first["recorded_by"] == "ana"
    assert first["data"]["reference"] == "IACHR-CEAV-2018"

    listed = client.get("/api/agreements", params={"parent_id": agreement["id"]}).json()
    assert [item["id"] for item in listed["items"]] == [child_id]
    assert listed["items"][0] == child


def test_every_recordable_event_through_the_one_endpoint(client: TestClient) -> None:
    agreement_id = draft(client, expires_on="2024-12-05")["id"]
    ombudsman = {"name": "Office of the Ombudsman of Ecuador", "type": "ombudsman"}
    record(client, agreement_id, {"type": "party_added", "party": ombudsman})
    state = record(
        client, agreement_id, {"type": "party_withdrawn", "party_name": ombudsman["name"]}
    )
    assert [p["name"] for p in state["parties"]] == [IACHR["name"], CEAV["name"]]
    state = record(
        client,
        agreement_id,
        {"type": "amended", "description": "scope", "changes": {"areas": ["training"]}},
    )
    assert state["areas"] == ["training"]
    assert record(client, agreement_id, {"type": "signed"})["status"] == "signed"
    assert record(client, agreement_id, {"type": "entered_into_force"})["status"] == "in_force"
    exchange = {
        "type": "personnel_exchanged",
        "person": "A. Pérez",
        "from_party": "IACHR",
        "to_party": "Executive Committee for Victims",
        "starts_on": "2024-03-01",
        "ends_on": "2024-06-30",
        "purpose": "training",
    }
    state = record(client, agreement_id, exchange)
    assert state["personnel_exchanges"][0]["person"] == "A. Pérez"
    activity = {"type": "activity_recorded", "category": "training", "title": "Standards course"}
    assert record(client, agreement_id, activity)["activities"][0]["occurred_on"] == "2024-06-01"
    follow_up = {"type": "follow_up_scheduled", "due_on": "2024-09-01", "description": "Report"}
    [scheduled] = record(client, agreement_id, follow_up)["follow_ups"]
    done = {"type": "follow_up_completed", "follow_up_id": scheduled["id"], "outcome": "sent"}
    [completed] = record(client, agreement_id, done)["follow_ups"]
    assert completed["status"] == "completed"
    assert completed["outcome"] == "sent"
    renewed = record(client, agreement_id, {"type": "renewed", "expires_on": "2025-12-05"})
    assert renewed["expires_on"] == "2025-12-05"
    record(client, agreement_id, {"type": "notice_given", "by_party": "IACHR"})
    assert record(client, agreement_id, {"type": "suspended"})["status"] == "suspended"
    assert record(client, agreement_id, {"type": "resumed"})["status"] == "in_force"
    noted = record(client, agreement_id, {"type": "note_added", "text": "call back"})
    assert noted["notes"] == [
        {"text": "call back", "occurred_on": "2024-06-01", "recorded_by": "anonymous"}
    ]
    document = {"type": "document_attached", "title": "Signed copy", "url": "https://x.org/a.pdf"}
    assert record(client, agreement_id, document)["documents"][0]["title"] == "Signed copy"
    retraction = {"type": "retracted", "version": noted["version"], "reason": "wrong agreement"}
    assert record(client, agreement_id, retraction)["notes"] == []
    final = record(client, agreement_id, {"type": "terminated", "reason": "done"})
    assert final["status"] == "terminated"

    history = client.get(f"/api/agreements/{agreement_id}/history").json()["events"]
    assert [e["version"] for e in history] == list(range(1, final["version"] + 1))
    assert [e["version"] for e in history if e["retracted"]] == [noted["version"]]


def test_state_as_of_known_at_and_version(client: TestClient, clock: FixedClock) -> None:
    agreement_id = draft(client)["id"]
    before_signing = clock.now()
    clock.advance(timedelta(days=1))
    record(client, agreement_id, {"type": "signed", "occurred_on": "2019-01-10"})

    def state(**params: str) -> Any:
        response = client.get(f"/api/agreements/{agreement_id}", params=params)
        assert response.status_code == 200, response.text
        assert response.headers["ETag"] == f'"{response.json()["version"]}"'
        return response.json()

    assert state()["status"] == "signed"
    assert state(as_of="2019-01-09")["status"] == "draft"
    assert state(as_of="2019-01-10")["status"] == "signed"
    assert state(known_at=before_signing.isoformat())["status"] == "draft"
    assert state(known_at="2024-06-01T09:30:00Z")["status"] == "draft"
    assert state(version="1")["status"] == "draft"
    assert state(version="2")["status"] == "signed"
    refused(
        client.get(f"/api/agreements/{agreement_id}", params={"as_of": "2018-01-01"}),
        404,
        "not_found",
    )


def test_history_in_recorded_or_occurred_order(client: TestClient) -> None:
    agreement_id = draft(client)["id"]
    record(
        client, agreement_id, {"type": "note_added", "text": "late", "occurred_on": "2024-05-01"}
    )
    record(
        client, agreement_id, {"type": "note_added", "text": "early", "occurred_on": "2019-01-01"}
    )
    url = f"/api/agreements/{agreement_id}/history"
    recorded = client.get(url).json()["events"]
    occurred = client.get(url, params={"order": "occurred"}).json()["events"]
    assert [e["version"] for e in recorded] == [1, 2, 3]
    assert [e["version"] for e in occurred] == [1, 3, 2]
    assert [e["data"].get("text") for e in occurred] == [None, "early", "late"]
    refused(client.get(url, params={"order": "random"}), 422, "invalid_input")


def test_list_filters_and_cursor(client: TestClient) -> None:
    first = draft(client, reference="A-1", title="Acuerdo con la Defensoría del Pueblo")
    second = draft(client, reference="A-2", title="Second", kind="framework_agreement")
    third = draft(client, reference="A-3", title="Third", parties=[CEAV])
    record(client, second["id"], {"type": "signed", "occurred_on": "2020-05-05"})

    def ids(**params: Any) -> set[str]:
        response = client.get("/api/agreements", params=params)
        assert response.status_code == 200, response.text
        return {item["id"] for item in response.json()["items"]}

    assert ids() == {first["id"], second["id"], third["id"]}
    assert ids(status="signed") == {second["id"]}
    assert ids(kind="framework_agreement") == {second["id"]}
    assert ids(party="IACHR") == {first["id"], second["id"]}
    assert ids(q="defensoria") == {first["id"]}
    assert ids(signed_after="2020-01-01") == {second["id"]}
    assert ids(signed_before="2020-01-01") == set()

    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = client.get("/api/agreements", params=params).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted({first["id"], second["id"], third["id"]})
    for item in client.get("/api/agreements").json()["items"]:
        assert item == client.get(f"/api/agreements/{item['id']}").json()


def test_event_feed_across_agreements(client: TestClient) -> None:
    first = draft(client, reference="F-1")
    second = draft(client, reference="F-2")
    record(client, first["id"], {"type": "note_added", "text": "n"})
    client.get("/api/agreements")  # waits until the read models have every event
    feed = client.get("/api/events", params={"after": 0, "limit": 100}).json()
    mine = [
        (item["agreement_id"], item["version"], item["type"])
        for item in feed["items"]
        if item["agreement_id"] in {first["id"], second["id"]}
    ]
    assert mine == [
        (first["id"], 1, "drafted"),
        (second["id"], 1, "drafted"),
        (first["id"], 2, "note_added"),
    ]
    positions = [item["position"] for item in feed["items"]]
    assert positions == sorted(positions)
    assert feed["last_position"] == positions[-1]
    rest = client.get("/api/events", params={"after": positions[0], "limit": 1}).json()
    assert [item["position"] for item in rest["items"]] == [positions[1]]


def test_health_and_readiness(client: TestClient) -> None:
    assert client.get("/healthz").json() == {
        "status": "ok",
        "today": "2024-06-01",
        "clock": "fixed",
    }
    draft(client)
    client.get("/api/agreements")
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "ready"
    assert body["projections"]
    assert all(p["lag"] == 0 and p["position"] == p["head"] for p in body["projections"])


# Conditional and repeated writes


def test_if_match_makes_a_write_conditional(client: TestClient) -> None:
    agreement_id = draft(client)["id"]
    url = f"/api/agreements/{agreement_id}/events"
    note = {"type": "note_added", "text": "n"}
    ok = client.post(url, json=note, headers={"If-Match": '"1"'})
    assert ok.status_code == 201
    assert ok.headers["ETag"] == '"2"'
    error = refused(client.post(url, json=note, headers={"If-Match": '"1"'}), 412, "stale_version")
    assert error["details"][0]["actual"] == 2
    for foreign in ["abc", '"0"', '"-1"', '"99999999999"']:
        error = refused(
            client.post(url, json=note, headers={"If-Match": foreign}), 412, "stale_version"
        )
        assert error["details"][0]["field"] == "header.If-Match"
    assert len(client.get(f"{url[: -len('/events')]}/history").json()["events"]) == 2


def test_concurrent_conditional_writes_let_exactly_one_through(client: TestClient) -> None:
    """Whether a writer sees the new version first or loses the save race, it gets 412."""
    agreement_id = draft(client)["id"]
    url = f"/api/agreements/{agreement_id}/events"
    barrier = threading.Barrier(6)
    statuses: list[int] = []

    def write(n: int) -> None:
        barrier.wait()
        note = {"type": "note_added", "text": f"writer {n}"}
        statuses.append(client.post(url, json=note, headers={"If-Match": '"1"'}).status_code)

    writers = [threading.Thread(target=write, args=(n,)) for n in range(6)]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join()
    assert sorted(statuses) == [201, 412, 412, 412, 412, 412]
    assert client.get(f"/api/agreements/{agreement_id}").json()["version"] == 2


def test_idempotency_key_returns_the_first_response(client: TestClient) -> None:
    headers = {"Idempotency-Key": "draft-1"}
    first = client.post("/api/agreements", json=draft_body(), headers=headers)
    again = client.post("/api/agreements", json=draft_body(), headers=headers)
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert again.headers["ETag"] == first.headers["ETag"]
    agreement_id = first.json()["id"]

    url = f"/api/agreements/{agreement_id}/events"
    note = {"type": "note_added", "text": "once"}
    responses = [client.post(url, json=note, headers={"Idempotency-Key": "note-1"}) for _ in "ab"]
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].content == responses[1].content
    record(client, agreement_id, {"type": "note_added", "text": "another"})
    replay = client.post(url, json=note, headers={"Idempotency-Key": "note-1"})
    assert replay.json() == responses[0].json()
    texts = [e["data"].get("text") for e in client.get(f"{url[:-7]}/history").json()["events"]]
    assert texts == [None, "once", "another"]

    reused = client.post(
        url, json={**note, "text": "different"}, headers={"Idempotency-Key": "note-1"}
    )
    error = refused(reused, 422, "idempotency_key_reused")
    assert error["details"] == [{"field": "header.Idempotency-Key"}]
    refused(
        client.post(url, json=note, headers={"Idempotency-Key": "k" * 256}), 422, "invalid_input"
    )


def test_idempotency_keys_survive_a_restart(database_url: str, clock: FixedClock) -> None:
    settings = Settings(database_url=database_url, scheduler=False)
    headers = {"Idempotency-Key": "durable"}
    with TestClient(create_app(settings, clock=clock)) as client:
        first = client.post("/api/agreements", json=draft_body(), headers=headers)
    with TestClient(create_app(settings, clock=clock)) as client:
        again = client.post("/api/agreements", json=draft_body(), headers=headers)
        assert again.status_code == 201
        assert again.json() == first.json()
        assert len(client.get("/api/agreements").json()["items"]) == 1


# Errors


def test_refused_transition_names_the_state_and_what_is_allowed(client: TestClient) -> None:
    agreement_id = draft(client)["id"]
    error = refused(
        client.post(f"/api/agreements/{agreement_id}/events", json={"type": "suspended"}),
        409,
        "transition_refused",
    )
    assert "draft" in error["message"]
    [details] = error["details"]
    assert details["status"] == "draft"
    assert "signed" in details["allowed"]
    assert "suspended" not in details["allowed"]


def test_duplicate_reference_is_a_conflict(client: TestClient) -> None:
    first = draft(client)
    error = refused(client.post("/api/agreements", json=draft_body()), 409, "duplicate_reference")
    assert f"is already used by '{first['title']} ({first['reference']})'" in error["message"]
    assert error["details"][0]["field"] == "body.reference"
    assert error["details"][0]["agreement_id"] == first["id"]
    signed = {"type": "signed", "occurred_on": "2018-12-05"}
    assert client.post(f"/api/agreements/{first['id']}/events", json=signed).status_code == 201
    child = {"type": "complementary_agreement_added", "agreement": draft_body()}
    refused(
        client.post(f"/api/agreements/{first['id']}/events", json=child), 409, "duplicate_reference"
    )


def test_unknown_and_malformed_agreement_ids(client: TestClient) -> None:
    unknown = "00000000-0000-4000-8000-000000000000"
    for response in [
        client.get(f"/api/agreements/{unknown}"),
        client.get(f"/api/agreements/{unknown}/history"),
        client.post(f"/api/agreements/{unknown}/events", json={"type": "resumed"}),
    ]:
        assert unknown in refused(response, 404, "not_found")["message"]
    for malformed in ["nope", "123", "0" * 300, "%00"]:
        error = refused(client.get(f"/api/agreements/{malformed}"), 422, "invalid_input")
        assert error["details"][0]["field"] == "path.agreement_id"
    refused(client.get("/api/nothing-here"), 404, "not_found")


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        (draft_body(title="x" * 501), {"body.title"}),
        (draft_body(parties=[{"name": "", "type": "ngo"}]), {"body.parties.0.name"}),
        (draft_body(parties=[{"name": "A", "type": "planet"}]), {"body.parties.0.type"}),
        (draft_body(occurred_on="2020-02-30"), {"body.occurred_on"}),
        (draft_body(areas="training"), {"body.areas"}),
        (draft_body(areas=["a"] * 201), {"body.areas"}),
        (draft_body(purpose="p" * 20_001), {"body.purpose"}),
        (draft_body(kind=7, title=None), {"body.kind", "body.title"}),
        (draft_body(renewal={"mode": "automatic"}), {"body.renewal"}),
        (draft_body(unexpected=True), {"body.unexpected"}),
        ([], {"body"}),
    ],
)
def test_invalid_drafts_name_each_field(client: TestClient, body: Any, fields: set[str]) -> None:
    error = refused(client.post("/api/agreements", json=body), 422, "invalid_input")
    assert {d["field"] for d in error["details"]} == fields
    assert all(d["message"] for d in error["details"])


INVALID = "invalid_input"
REFUSED = "invalid_field"


@pytest.mark.parametrize(
    ("event", "field", "code"),
    [
        ({"type": "party_bought"}, "body.type", INVALID),
        ({"text": "no type"}, "body.type", INVALID),
        ({"type": 3}, "body.type", INVALID),
        ({"type": "signed", "occurred_on": "2020-02-30"}, "body.occurred_on", INVALID),
        ({"type": "renewed", "expires_on": 0}, "body.expires_on", INVALID),
        ({"type": "renewed", "expires_on": "2021-1-5"}, "body.expires_on", INVALID),
        ({"type": "signed", "signatories": [{"name": 5}]}, "body.signatories.0.name", INVALID),
        ({"type": "note_added", "text": "t" * 20_001}, "body.text", INVALID),
        ({"type": "retracted", "version": 0}, "body.version", INVALID),
        ({"type": "retracted", "version": 2**40}, "body.version", INVALID),
        ({"type": "retracted", "version": 7}, "body.version", REFUSED),
        ({"type": "follow_up_completed", "follow_up_id": "x"}, "body.follow_up_id", INVALID),
        ({"type": "resumed", "occurred_on": "2099-01-01"}, "body.occurred_on", REFUSED),
    ],
)  # fmt: skip
def test_invalid_events_name_the_field(
    client: TestClient, event: dict[str, Any], field: str, code: str
) -> None:
    agreement_id = draft(client)["id"]
    error = refused(client.post(f"/api/agreements/{agreement_id}/events", json=event), 422, code)
    assert field in {d["field"] for d in error["details"]}


def test_malformed_json_is_a_bad_request(client: TestClient) -> None:
    for raw in [b'{"title":', b"\xff\xfe", b"{'single': 'quotes'}"]:
        response = client.post(
            "/api/agreements", content=raw, headers={"Content-Type": "application/json"}
        )
        refused(response, 400, "malformed_json")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"version": "0"}, "query.version"),
        ({"version": "-3"}, "query.version"),
        ({"version": str(2**64)}, "query.version"),
        ({"version": "two"}, "query.version"),
        ({"as_of": "2020-02-30"}, "query.as_of"),
        ({"as_of": "1700000000"}, "query.as_of"),
        ({"as_of": "yesterday"}, "query.as_of"),
        ({"known_at": "2024-06-01T09:30:00"}, "query.known_at"),
        ({"known_at": "noon"}, "query.known_at"),
    ],
)
def test_invalid_state_queries_name_the_parameter(
    client: TestClient, params: dict[str, str], field: str
) -> None:
    agreement_id = draft(client)["id"]
    error = refused(
        client.get(f"/api/agreements/{agreement_id}", params=params), 422, "invalid_input"
    )
    assert error["details"][0]["field"] == field


def test_version_past_the_latest_is_not_found(client: TestClient) -> None:
    agreement_id = draft(client)["id"]
    error = refused(
        client.get(f"/api/agreements/{agreement_id}", params={"version": 9}), 404, "not_found"
    )
    assert "latest is 1" in error["message"]


@pytest.mark.parametrize(
    ("params", "code"),
    [
        ({"cursor": "garbage"}, INVALID),
        ({"cursor": "eyJ4IjogMX0="}, INVALID),
        ({"cursor": "déjà-vu"}, INVALID),
        ({"cursor": "c" * 101}, INVALID),
        ({"limit": "0"}, INVALID),
        ({"limit": "201"}, INVALID),
        ({"status": "asleep"}, INVALID),
        ({"expires_before": "2020-13-01"}, INVALID),
        ({"signed_before": "0"}, INVALID),
        ({"parent_id": "x"}, INVALID),
        ({"q": "q" * 501}, INVALID),
    ],
)
def test_invalid_list_queries(client: TestClient, params: dict[str, str], code: str) -> None:
    error = refused(client.get("/api/agreements", params=params), 422, code)
    assert error["details"][0]["field"] == f"query.{next(iter(params))}"


def test_invalid_feed_queries(client: TestClient) -> None:
    for params in [{"after": "-1"}, {"limit": "0"}, {"limit": "1001"}, {"after": "x"}]:
        refused(client.get("/api/events", params=params), 422, "invalid_input")


def test_bodies_over_the_limit(database_url: str, clock: FixedClock) -> None:
    settings = Settings(database_url=database_url, scheduler=False, max_body_bytes=2000)
    with TestClient(create_app(settings, clock=clock)) as client:
        big = draft_body(purpose="p" * 3000)
        error = refused(client.post("/api/agreements", json=big), 413, "body_too_large")
        assert error["details"][0]["limit_bytes"] == 2000

        def chunks() -> Iterator[bytes]:
            yield b'{"title": "chunked", "kind": "other", "purpose": "'
            for _ in range(10):
                yield b"p" * 500
            yield b'"}'

        refused(client.post("/api/agreements", content=chunks()), 413, "body_too_large")
        small = client.post("/api/agreements", json=draft_body(purpose="fits"))
        assert small.status_code == 201
