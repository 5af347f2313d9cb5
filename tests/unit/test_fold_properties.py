"""Properties of the fold over random walks through the lifecycle."""

from __future__ import annotations

import random
from datetime import timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.walks import START, WALK_TODAY, Walk, walks
from tracker.lifecycle import evolve, start
from tracker.state import AgreementState
from tracker.timeline import effective, fold, retracted_versions, view

PURE = settings(max_examples=150, deadline=None)


def _sequential(walk: Walk) -> AgreementState:
    """The effective records evolved one by one in the order they were recorded."""
    retracted = retracted_versions(walk.records)
    kept = [r for r in walk.records if r.version not in retracted]
    state = start(kept[0])
    for record in kept[1:]:
        state = evolve(state, record)
    return state


@PURE
@given(walks())
def test_recording_in_order_and_folding_the_records_agree(walk: Walk) -> None:
    assert walk.states[-1] == fold(walk.records)
    assert _sequential(walk) == fold(walk.records)
    assert [r.version for r in walk.records] == list(range(1, len(walk.records) + 1))
    assert [r.version for r in effective(walk.records)] == sorted(
        r.version for r in effective(walk.records)
    )


@PURE
@given(walks())
def test_the_view_at_a_version_is_the_state_that_version_left(walk: Walk) -> None:
    for state in walk.states:
        assert view(walk.records, version=state.version) == state
        moment = walk.records[state.version - 1].recorded_at
        assert view(walk.records, known_at=moment) == state


@PURE
@given(walks(backdated=True), st.randoms(use_true_random=False))
def test_accepted_backdating_leaves_every_view_foldable(walk: Walk, shuffle: random.Random) -> None:
    final = fold(walk.records)
    assert walk.states[-1] == final
    shuffled = list(walk.records)
    shuffle.shuffle(shuffled)
    assert fold(shuffled) == final
    for state in walk.states:
        assert view(walk.records, version=state.version) == state
    for version in range(1, len(walk.records) + 1):
        assert view(walk.records, version=version) is not None
    day = START - timedelta(days=3)
    while day <= WALK_TODAY:
        as_of = view(walk.records, as_of=day)
        assert (as_of is None) == (day < START)
        day += timedelta(days=30)
    assert view(walk.records, as_of=WALK_TODAY) == final
