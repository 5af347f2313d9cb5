"""Events that document or correct the record rather than change the agreement."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import field_validator, model_validator

from events.base import EventBody, Name, Sha256, Text, Url, Version


class NoteAdded(EventBody):
    type: Literal["note_added"] = "note_added"
    WORDS: ClassVar[str] = "a note"
    text: Text


class DocumentAttached(EventBody):
    type: Literal["document_attached"] = "document_attached"
    WORDS: ClassVar[str] = "a document"
    title: Name
    url: Url | None = None
    reference: Name | None = None
    sha256: Sha256 | None = None

    @model_validator(mode="after")
    def _locatable(self) -> DocumentAttached:
        if not (self.url or self.reference):
            raise ValueError("a document needs a url or a reference")
        return self


class Voided(EventBody):
    """A draft recorded by mistake: it keeps its history, leaves the lists and frees its reference.

    Only a draft can be voided; what was signed is terminated instead.
    """

    type: Literal["voided"] = "voided"
    WORDS: ClassVar[str] = "the voiding"
    reason: Text

    @field_validator("reason")
    @classmethod
    def _says_why(cls, reason: str) -> str:
        if not reason.strip():
            raise ValueError("a voiding needs a reason")
        return reason


class Retracted(EventBody):
    """Withdraws the event at `version` from every fold; nothing is deleted."""

    type: Literal["retracted"] = "retracted"
    WORDS: ClassVar[str] = "a retraction"
    version: Version
    reason: Text = ""
