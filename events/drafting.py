"""The draft of an agreement: what it is, between whom, for how long."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal
from uuid import UUID

from pydantic import Field, model_validator

from events.base import Body, Day, EventBody, Name, Text, items
from events.parties import Party


class AgreementKind(StrEnum):
    COOPERATION_AGREEMENT = "cooperation_agreement"
    COOPERATION_INTENTION_AGREEMENT = "cooperation_intention_agreement"
    FRAMEWORK_AGREEMENT = "framework_agreement"
    TECHNICAL_ASSISTANCE_AGREEMENT = "technical_assistance_agreement"
    COMPLEMENTARY_AGREEMENT = "complementary_agreement"
    SPECIFIC_AGREEMENT = "specific_agreement"
    MEMORANDUM_OF_UNDERSTANDING = "memorandum_of_understanding"
    EXCHANGE_OF_LETTERS = "exchange_of_letters"
    OTHER = "other"


class Renewal(Body):
    """How an agreement continues past its expiry date."""

    mode: Literal["none", "automatic", "by_agreement"] = "none"
    notice_days: int | None = Field(default=None, ge=0, le=3650)
    period_months: int | None = Field(default=None, ge=1, le=1200)

    @model_validator(mode="after")
    def _automatic_needs_terms(self) -> Renewal:
        if self.mode == "automatic" and (self.notice_days is None or self.period_months is None):
            raise ValueError("automatic renewal needs notice_days and period_months")
        return self


class ProvisionKind(StrEnum):
    COMPLEMENTARY_AGREEMENTS = "complementary_agreements"
    PERSONNEL_EXCHANGE = "personnel_exchange"
    INFORMATION_EXCHANGE = "information_exchange"
    OTHER = "other"


class Provision(Body):
    """A clause of the agreement's text: something the parties may or will do under it.

    Not an event: a provision for exchanging personnel says the parties may,
    `personnel_exchanged` records that they did.
    """

    kind: ProvisionKind
    text: Text


class Drafted(EventBody):
    """The first event of every agreement; its body is the draft request."""

    type: Literal["drafted"] = "drafted"
    WORDS: ClassVar[str] = "the draft"
    reference: Name | None = None
    title: Name
    kind: AgreementKind
    parties: list[Party] = items()
    purpose: Text = ""
    areas: list[Name] = items()
    expires_on: Day | None = None
    renewal: Renewal = Renewal()
    provisions: list[Provision] = items()
    parent_id: UUID | None = None


class AmendableTerms(Body):
    """The terms an amendment may change; a field left out (or null) stays as it was.

    Null and absent mean the same so that an amendment read back from the store,
    where every field is written, changes exactly what it changed when recorded.
    `drafted_on` corrects the date of the draft itself: a correction of the
    record, so it moves the draft whatever the amendment's own date.
    """

    drafted_on: Day | None = None
    title: Name | None = None
    purpose: Text | None = None
    areas: list[Name] | None = Field(default=None, max_length=200)
    expires_on: Day | None = None
    renewal: Renewal | None = None

    @model_validator(mode="after")
    def _changes_something(self) -> AmendableTerms:
        if not self.model_dump(exclude_none=True):
            raise ValueError("an amendment must change at least one term")
        return self


class Amended(EventBody):
    type: Literal["amended"] = "amended"
    WORDS: ClassVar[str] = "an amendment"
    description: Text = ""
    changes: AmendableTerms
