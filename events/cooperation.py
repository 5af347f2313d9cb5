"""What the parties do under an agreement once it is signed."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import model_validator
from pydantic.json_schema import SkipJsonSchema

from events.base import Day, EventBody, Name, Text
from events.drafting import Drafted


class ComplementaryAgreementAdded(EventBody):
    """A complementary or specific agreement made under this one.

    `child_id` is set by the tracker when it creates the child agreement; a
    value sent by a client is replaced.
    """

    type: Literal["complementary_agreement_added"] = "complementary_agreement_added"
    WORDS: ClassVar[str] = "a complementary agreement"
    agreement: Drafted
    child_id: SkipJsonSchema[UUID | None] = None


class PersonnelExchanged(EventBody):
    type: Literal["personnel_exchanged"] = "personnel_exchanged"
    WORDS: ClassVar[str] = "an exchange of personnel"
    person: Name
    from_party: Name
    to_party: Name
    starts_on: Day | None = None
    ends_on: Day | None = None
    purpose: Text = ""

    @model_validator(mode="after")
    def _ends_after_start(self) -> PersonnelExchanged:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        return self


class ActivityCategory(StrEnum):
    TRAINING = "training"
    INFORMATION_EXCHANGE = "information_exchange"
    RESEARCH = "research"
    TECHNICAL_ASSISTANCE = "technical_assistance"
    ADVISORY_SERVICES = "advisory_services"
    PROMOTION = "promotion"
    COUNSELLING = "counselling"
    MEETING = "meeting"
    PUBLICATION = "publication"
    OTHER = "other"


class ActivityRecorded(EventBody):
    type: Literal["activity_recorded"] = "activity_recorded"
    WORDS: ClassVar[str] = "an activity"
    category: ActivityCategory
    title: Name
    description: Text = ""


class FollowUpScheduled(EventBody):
    type: Literal["follow_up_scheduled"] = "follow_up_scheduled"
    WORDS: ClassVar[str] = "a follow-up"
    due_on: Day
    description: Text = ""


class FollowUpCompleted(EventBody):
    type: Literal["follow_up_completed"] = "follow_up_completed"
    WORDS: ClassVar[str] = "a follow-up's completion"
    follow_up_id: UUID
    outcome: Text = ""
