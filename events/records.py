"""Events that document or correct the record rather than change the agreement."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from events.base import EventBody, Name, Sha256, Text, Url, Version


class NoteAdded(EventBody):
    type: Literal["note_added"] = "note_added"
    text: Text


class DocumentAttached(EventBody):
    type: Literal["document_attached"] = "document_attached"
    title: Name
    url: Url | None = None
    reference: Name | None = None
    sha256: Sha256 | None = None

    @model_validator(mode="after")
    def _locatable(self) -> DocumentAttached:
        if not (self.url or self.reference):
            raise ValueError("a document needs a url or a reference")
        return self


class Retracted(EventBody):
    """Withdraws the event at `version` from every fold; nothing is deleted."""

    type: Literal["retracted"] = "retracted"
    version: Version
    reason: Text = ""
