"""The state of one agreement, as the fold of its events leaves it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from events.base import EventBody, printable
from events.cooperation import ActivityCategory
from events.drafting import AgreementKind, Provision, Renewal
from events.lifecycle import Attendee, Signatory
from events.parties import Party
from tracker.days import add_days


def display_name(title: str, reference: str | None) -> str:
    """How messages name an agreement: its title, with its reference when it has one."""
    name = f"{title} ({reference})" if reference else title
    return printable(name)


class Status(StrEnum):
    DRAFT = "draft"
    SIGNED = "signed"
    IN_FORCE = "in_force"
    SUSPENDED = "suspended"
    EXPIRED = "expired"
    TERMINATED = "terminated"
    VOIDED = "voided"

    @property
    def words(self) -> str:
        """How a sentence says the agreement is in this state: "while the agreement is in force"."""
        return {Status.DRAFT: "a draft", Status.IN_FORCE: "in force"}.get(self, self.value)


@dataclass(frozen=True)
class Record:
    """One stored event, decoded: the unit the fold works on."""

    agreement_id: UUID
    version: int
    occurred_on: date
    recorded_at: datetime
    recorded_by: str
    body: EventBody

    @property
    def type(self) -> str:
        return self.body.type_name()


class View(BaseModel):
    model_config = ConfigDict(frozen=True)


class PersonnelExchange(View):
    person: str
    from_party: str
    to_party: str
    starts_on: date | None
    ends_on: date | None
    purpose: str


class Activity(View):
    category: ActivityCategory
    title: str
    description: str
    occurred_on: date


class FollowUp(View):
    id: UUID
    due_on: date
    description: str
    status: Literal["open", "completed"] = "open"
    completed_on: date | None = None
    outcome: str | None = None


class Document(View):
    title: str
    url: str | None
    reference: str | None
    sha256: str | None
    attached_on: date


class Note(View):
    text: str
    occurred_on: date
    recorded_by: str


class AgreementState(View):
    id: UUID
    reference: str | None
    title: str
    kind: AgreementKind
    status: Status
    parties: tuple[Party, ...]
    purpose: str
    areas: tuple[str, ...]
    drafted_on: date
    signed_on: date | None = None
    place: str | None = None
    in_force_on: date | None = None
    expires_on: date | None = None
    renewal: Renewal
    provisions: tuple[Provision, ...] = ()
    notice_given_on: date | None = None
    ended_on: date | None = None
    parent_id: UUID | None
    children: tuple[UUID, ...] = ()
    signatories: tuple[Signatory, ...] = ()
    attendees: tuple[Attendee, ...] = ()
    personnel_exchanges: tuple[PersonnelExchange, ...] = ()
    activities: tuple[Activity, ...] = ()
    follow_ups: tuple[FollowUp, ...] = ()
    documents: tuple[Document, ...] = ()
    notes: tuple[Note, ...] = ()
    version: int
    created_at: datetime
    updated_at: datetime

    def party_named(self, name: str) -> Party | None:
        return next((party for party in self.parties if party.is_named(name)), None)

    @property
    def display_name(self) -> str:
        return display_name(self.title, self.reference)

    @property
    def notice_deadline(self) -> date | None:
        """The last day to give notice of non-renewal, while the agreement renews automatically.

        None when there is nothing to give notice of (no automatic renewal, no
        expiry, notice already given) or when the deadline falls before the
        first recordable day: computing it never overflows.
        """
        renewal = self.renewal
        if (
            renewal.mode != "automatic"
            or self.expires_on is None
            or self.notice_given_on is not None
        ):
            return None
        return add_days(self.expires_on, -(renewal.notice_days or 0))
