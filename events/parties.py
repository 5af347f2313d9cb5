"""Who is bound by an agreement, and the events that change the parties."""

from __future__ import annotations

from enum import StrEnum
from typing import ClassVar, Literal

from events.base import Body, CountryCode, EventBody, Name


class PartyType(StrEnum):
    INTERNATIONAL_ORGANIZATION = "international_organization"
    STATE = "state"
    STATE_AGENCY = "state_agency"
    OMBUDSMAN = "ombudsman"
    INSTITUTE = "institute"
    UNIVERSITY = "university"
    NGO = "ngo"
    VICTIMS_REPRESENTATIVES = "victims_representatives"
    OTHER = "other"


class Party(Body):
    name: Name
    short_name: Name | None = None
    type: PartyType
    country: CountryCode | None = None

    def is_named(self, name: str) -> bool:
        """Parties are referred to by full or short name, ignoring case."""
        wanted = name.strip().casefold()
        return wanted in {self.name.casefold(), (self.short_name or "").casefold()}


class PartyAdded(EventBody):
    type: Literal["party_added"] = "party_added"
    WORDS: ClassVar[str] = "a new party"
    party: Party


class PartyWithdrawn(EventBody):
    type: Literal["party_withdrawn"] = "party_withdrawn"
    WORDS: ClassVar[str] = "a party's withdrawal"
    party_name: Name
