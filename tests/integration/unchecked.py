"""Histories written straight into the store, past the catalog's checks.

As a store filled before the bounds existed would hold them (a year-1 date, a
title with control characters): the tracker reads them back as they were,
and one such agreement must harm only itself.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from tracker.aggregate import Agreement
from tracker.application import Tracker


def store_unchecked(
    tracker: Tracker, drafted_on: date, draft: dict[str, Any], *events: tuple[str, date, Any]
) -> UUID:
    """An agreement drafted with `draft` on `drafted_on`, then `events` as (type, date, data)."""
    stored = {"recorded_at": tracker.clock.now(), "recorded_by": "old import", "source": None}
    agreement = Agreement._create(
        Agreement.Created,
        id=uuid4(),
        type="drafted",
        schema_version=1,
        occurred_on=drafted_on,
        data=draft,
        **stored,
    )
    for type_name, occurred_on, data in events:
        agreement.trigger_event(
            Agreement.Recorded,
            type=type_name,
            schema_version=1,
            occurred_on=occurred_on,
            data=data,
            **stored,
        )
    tracker.save(agreement)
    return agreement.id
