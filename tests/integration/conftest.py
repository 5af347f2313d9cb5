"""Fixtures of the HTTP tests: the app, through its lifespan, on each store."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from tracker.clock import FixedClock
from tracker.settings import Settings


@pytest.fixture
def client(database_url: str, clock: FixedClock) -> Iterator[TestClient]:
    app = create_app(Settings(database_url=database_url, scheduler=False), clock=clock)
    with TestClient(app) as client:
        yield client
