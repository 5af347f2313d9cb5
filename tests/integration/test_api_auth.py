"""Who records: bearer tokens when configured, otherwise the X-Actor header."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tracker.clock import FixedClock
from tracker.settings import Settings, SettingsError

DRAFT = {"title": "Agreement", "kind": "other"}


@pytest.fixture
def secured(sqlite_url: str, clock: FixedClock) -> Iterator[TestClient]:
    settings = Settings(
        database_url=sqlite_url, scheduler=False, api_tokens={"s3cret": "ana", "other": "ben"}
    )
    with TestClient(create_app(settings, clock=clock)) as client:
        yield client


def test_tokens_are_read_from_the_environment() -> None:
    settings = Settings.from_env({"TRACKER_API_TOKENS": "abc:Ana María, def:ben:ops"})
    assert settings.api_tokens == {"abc": "Ana María", "def": "ben:ops"}
    assert Settings.from_env({}).api_tokens == {}
    with pytest.raises(SettingsError, match="token:actor"):
        Settings.from_env({"TRACKER_API_TOKENS": "no-actor"})


def test_a_known_token_names_the_actor(secured: TestClient) -> None:
    headers = {"Authorization": "Bearer s3cret", "X-Actor": "mallory"}
    created = secured.post("/api/agreements", json=DRAFT, headers=headers)
    assert created.status_code == 201
    history = secured.get(f"/api/agreements/{created.json()['id']}/history", headers=headers)
    assert history.json()["events"][0]["recorded_by"] == "ana"


@pytest.mark.parametrize(
    ("authorization", "status", "code"),
    [
        (None, 401, "unauthenticated"),
        ("Basic czNjcmV0", 401, "unauthenticated"),
        ("Bearer", 401, "unauthenticated"),
        ("Bearer wrong", 403, "forbidden"),
    ],
)
def test_requests_without_a_known_token_are_refused(
    secured: TestClient, authorization: str | None, status: int, code: str
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for response in [
        secured.post("/api/agreements", json=DRAFT, headers=headers),
        secured.get("/api/agreements", headers=headers),
        secured.get("/api/events", headers=headers),
        secured.get("/api/agreements/00000000-0000-4000-8000-000000000000", headers=headers),
    ]:
        assert response.status_code == status
        assert response.json()["error"]["code"] == code
    if status == 401:
        assert response.headers["WWW-Authenticate"] == "Bearer"
    listed = secured.get("/api/agreements", headers={"Authorization": "Bearer other"})
    assert listed.json()["items"] == []


def test_health_needs_no_token(secured: TestClient) -> None:
    assert secured.get("/healthz").status_code == 200
    assert secured.get("/readyz").status_code == 200


def test_open_api_records_the_x_actor_or_anonymous(sqlite_url: str, clock: FixedClock) -> None:
    settings = Settings(database_url=sqlite_url, scheduler=False)
    with TestClient(create_app(settings, clock=clock)) as client:
        named = client.post("/api/agreements", json=DRAFT, headers={"X-Actor": " Ana "}).json()
        anonymous = client.post("/api/agreements", json=DRAFT).json()
        for state, actor in [(named, "Ana"), (anonymous, "anonymous")]:
            history = client.get(f"/api/agreements/{state['id']}/history").json()
            assert history["events"][0]["recorded_by"] == actor
        too_long = client.post("/api/agreements", json=DRAFT, headers={"X-Actor": "a" * 201})
        assert too_long.status_code == 422
        assert too_long.json()["error"]["details"][0]["field"] == "header.X-Actor"
