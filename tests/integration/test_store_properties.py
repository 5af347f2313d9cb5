"""Random lifecycle walks replayed on a real store re-fold to the state decide returned."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from uuid import uuid4

import pytest
from hypothesis import HealthCheck, given, settings

from tests.unit.walks import FIRST_MOMENT, Walk, walks
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.state import AgreementState
from tracker.timeline import fold


class Stores:
    """A writer taking snapshots often, and readers with and without snapshots."""

    def __init__(self, database_url: str) -> None:
        self.clock = FixedClock(FIRST_MOMENT)
        self.writer = Tracker.connect(database_url, clock=self.clock, snapshot_interval=4)
        self.with_snapshots = Tracker.connect(database_url, clock=self.clock)
        self.without = Tracker.connect(database_url, clock=self.clock, snapshot_interval=0)

    def close(self) -> None:
        for app in (self.writer, self.with_snapshots, self.without):
            app.close()


@pytest.fixture
def stores(database_url: str) -> Iterator[Stores]:
    opened = Stores(database_url)
    yield opened
    opened.close()


def comparable(state: AgreementState) -> dict[str, Any]:
    """The state without what the replay generates: its reference and ids.

    The agreement's, its children's and its follow-ups' ids are new on each replay.
    """
    dumped = state.model_dump(exclude={"id", "children", "reference"})
    dumped["children"] = len(state.children)
    for follow_up in dumped["follow_ups"]:
        del follow_up["id"]
    return dumped


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(walk=walks(max_steps=12))
def test_a_walk_refolds_from_the_store_to_the_state_decide_returned(
    stores: Stores, walk: Walk
) -> None:
    writer = stores.writer
    stores.clock.moment = FIRST_MOMENT
    draft = walk.draft.model_copy(update={"reference": f"WALK-{uuid4().hex}"})
    states = [writer.draft(draft, "walker")]
    for step in walk.steps:
        stores.clock.moment = step.at
        states.append(writer.record(states[-1].id, step.command(states[-1]), "walker"))

    agreement = states[-1].id
    for reader in (stores.with_snapshots, stores.without):
        assert reader.state(agreement) == states[-1]
        history = reader.history(agreement)
        assert fold(history) == states[-1]
        for state in states:
            assert reader.state(agreement, version=state.version) == state
    assert [comparable(s) for s in states] == [comparable(s) for s in walk.states]
    assert [r.type for r in stores.without.history(agreement)] == [r.type for r in walk.records]
