"""Who gets a digest: the `Recipient` protocol, and the one recipient the settings name.

A recipient has a name, an email address, a language, a digest frequency,
and the reminders addressed to them. Until people are recorded in the
tracker, `TRACKER_DIGEST_TO` names one recipient to whom every open reminder
is addressed (`Everyone`); people's own digests plug in by providing
recipients of their own, each with the reminders of the agreements they are
responsible for.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Protocol
from uuid import UUID

from events.digests import Frequency, Language
from projections.db import ViewDB
from projections.digests import open_reminders


class Recipient(Protocol):
    @property
    def name(self) -> str:
        """How the digest greets them; empty for a plain greeting."""

    @property
    def email(self) -> str: ...

    @property
    def language(self) -> Language: ...

    @property
    def frequency(self) -> Frequency: ...

    def addressed(self, db: ViewDB, on: date, limit: int) -> list[UUID]:
        """The open reminders addressed to them on `on`, soonest due first, at most `limit`."""


@dataclass(frozen=True)
class Everyone:
    """One address that receives every open reminder (`TRACKER_DIGEST_TO`)."""

    email: str
    language: Language = Language.EN
    name: str = ""
    frequency: Frequency = Frequency.DAILY

    def addressed(self, db: ViewDB, on: date, limit: int) -> list[UUID]:
        return open_reminders(db, on, limit)
