"""Every read model the runner keeps current, in the order each batch applies them."""

from __future__ import annotations

from projections.agreements import AgreementsProjection
from projections.base import Projection
from projections.changes import ChangesProjection
from projections.dates import DatesProjection
from projections.digests import DigestsProjection
from projections.reminders import RemindersProjection
from projections.timeline import TimelineProjection

PROJECTIONS: list[Projection] = [
    AgreementsProjection(),
    TimelineProjection(),
    DatesProjection(),
    RemindersProjection(),
    ChangesProjection(),
    DigestsProjection(),
]
