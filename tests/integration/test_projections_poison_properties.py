"""Failures do not depend on how the log was cut into batches, and a retry leaves no trace.

Random histories over a few agreements, projections made to raise on random
events, catch-ups at random points with random batch sizes: in each faulty
view, each agreement's first faulty event is recorded as failed and its later
events as waiting, and the views and failures equal what a rebuild from zero
(one batch) gives. With the fault removed, a retry leaves the views equal to
a rebuild from zero again.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from events.base import EventBody
from events.cooperation import FollowUpScheduled
from events.drafting import AmendableTerms, Amended
from events.lifecycle import Signed, Terminated
from events.records import NoteAdded
from projections import service
from projections.base import Projection
from projections.registry import PROJECTIONS
from projections.service import ReadModels
from tests.integration.poison_support import (
    Faults,
    FaultyAgreements,
    FaultyDates,
    FaultyTimeline,
    dump_all,
    failures,
)
from tests.integration.projection_helpers import draft
from tracker.application import Tracker
from tracker.errors import DomainError

BODIES: dict[str, EventBody] = {
    "note": NoteAdded(text="a note"),
    "sign": Signed(enters_into_force_on=date(2024, 6, 1)),
    "follow_up": FollowUpScheduled(due_on=date(2024, 7, 1)),
    "amend": Amended(changes=AmendableTerms(title="Amended title")),
    "terminate": Terminated(reason="ended"),
}

steps = st.lists(
    st.tuples(
        st.integers(0, 2),  # which agreement
        st.sampled_from(sorted(BODIES)),
        st.integers(0, 4).map(lambda n: n == 0),  # the projection raises on this event
        st.booleans(),  # catch up after it
    ),
    min_size=1,
    max_size=16,
)


FAULTY = {"agreements": FaultyAgreements, "timeline": FaultyTimeline, "dates": FaultyDates}


def with_faults(views: set[str], faults: Faults) -> list[Projection]:
    """The registered projections, those named in `views` made to raise on `faults`."""
    return [FAULTY[p.name](faults) if p.name in views else p for p in PROJECTIONS]


def expected_failures(
    tracker: Tracker, views: set[str], faults: Faults
) -> list[tuple[str, int, str, int | None]]:
    """In each faulty view, each agreement's first faulty event fails and its later ones wait."""
    log = tracker.recorder.select_notifications(1, 100_000)
    expected = []
    for agreement in {agreement for agreement, _ in faults.events}:
        events = [n for n in log if n.originator_id == agreement]
        culprit = min(v for a, v in faults.events if a == agreement)
        failed_at = next(n.id for n in events if n.originator_version == culprit)
        for view in views:
            expected.append((view, failed_at, str(agreement), None))
            expected += [
                (view, n.id, str(agreement), failed_at)
                for n in events
                if n.originator_version > culprit
            ]
    return sorted(expected)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    history=steps,
    views=st.sets(st.sampled_from(sorted(FAULTY)), min_size=1),
    batch_size=st.integers(1, 4),
)
def test_failures_do_not_depend_on_batches_and_a_retry_leaves_no_trace(
    tracker: Tracker,
    database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    history: list[tuple[int, str, bool, bool]],
    views: set[str],
    batch_size: int,
) -> None:
    faults = Faults()
    read_models = ReadModels.connect(database_url, with_faults(views, faults))
    monkeypatch.setattr(service, "BATCH_SIZE", batch_size)
    try:
        agreements: dict[int, UUID] = {}
        for slot, action, faulty, catch_up in history:
            if slot not in agreements:
                agreements[slot] = draft(tracker, f"Agreement {slot}", occurred_on=date(2024, 5, 1))
                version = 1
            else:
                try:
                    version = tracker.record(agreements[slot], BODIES[action], "tester").version
                except DomainError:
                    continue
            if faulty:
                faults.events.add((agreements[slot], version))
            if catch_up:
                read_models.catch_up(tracker)
        read_models.catch_up(tracker)
        assert failures(read_models) == expected_failures(tracker, views, faults)
        incremental = dump_all(read_models)
        read_models.rebuild(tracker)
        assert dump_all(read_models) == incremental

        faults.armed = False
        read_models.retry(tracker)
        assert failures(read_models) == []
        retried = dump_all(read_models)
        read_models.rebuild(tracker)
        assert dump_all(read_models) == retried
    finally:
        read_models.close()
