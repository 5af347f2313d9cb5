"""Domain errors: each says what was refused and why, in words a user can act on."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

from pydantic import ValidationError

from events.base import printable
from events.catalog import EVENT_TYPES
from tracker.state import Status


def event_words(type_name: str) -> str:
    """An event type as a message says it: "the signature" for `signed`."""
    known = EVENT_TYPES.get(type_name)
    return known.words() if known is not None else type_name.replace("_", " ")


def _without_article(phrase: str) -> str:
    return phrase.split(" ", 1)[-1]


def one_of(phrases: Iterable[str]) -> str:
    """`a, b or c`; "nothing" when there is none."""
    *rest, last = list(phrases) or ["nothing"]
    return f"{', '.join(rest)} or {last}" if rest else last


class DomainError(Exception):
    """Base of every refusal the tracker makes on purpose."""

    code = "refused"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidField(DomainError):
    """A value that is well-formed but impossible for this agreement."""

    code = "invalid_field"

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field = field
        self.reason = message


class TransitionRefused(DomainError):
    """The lifecycle does not allow this event in the agreement's state."""

    code = "transition_refused"

    def __init__(
        self, event_type: str, status: Status, allowed: Iterable[str], instead: str = ""
    ) -> None:
        self.event_type = event_type
        self.status = status.value
        self.allowed = sorted(allowed)
        accepts = one_of(sorted(map(event_words, self.allowed), key=_without_article))
        why = instead or f"while {status.words} it accepts {accepts}"
        super().__init__(
            f"cannot record {event_words(event_type)} while the agreement is {status.words}: {why}"
        )


class NotYetDrafted(DomainError):
    code = "transition_refused"

    def __init__(self, event_type: str, occurred_on: date, drafted_on: date | None) -> None:
        when = f"drafted on {drafted_on}" if drafted_on else "drafted later"
        super().__init__(
            f"cannot record {event_words(event_type)} on {occurred_on}: the agreement was only "
            f"{when}; if the draft's date is wrong, correct it first with an amendment of "
            "changes.drafted_on"
        )


class TimelineConflict(DomainError):
    """A backdated event would make a later event impossible."""

    code = "timeline_conflict"

    def __init__(self, event_type: str, occurred_on: date, cause: DomainError) -> None:
        super().__init__(
            f"recording {event_words(event_type)} on {occurred_on} would make the timeline "
            f"impossible: {cause.message}"
        )
        self.cause = cause


class AgreementNotFound(DomainError):
    code = "not_found"

    def __init__(self, agreement_id: UUID, detail: str = "") -> None:
        super().__init__(f"no agreement {agreement_id}{detail}")
        self.agreement_id = agreement_id


class DuplicateReference(DomainError):
    code = "duplicate_reference"

    def __init__(
        self,
        reference: str,
        agreement_id: UUID,
        holder: str | None = None,
        *,
        restoring: bool = False,
    ) -> None:
        """`holder`: how the agreement holding it is named; `restoring`: a voiding was retracted."""
        who = f"'{holder}'" if holder else f"agreement {agreement_id}"
        message = f"reference '{reference}' is already used by {who}"
        if restoring:
            message = (
                f"cannot retract the voiding: the draft's reference '{reference}' is now used by"
                f" {who}, so the draft stays voided"
            )
        super().__init__(message)
        self.reference = reference
        self.agreement_id = agreement_id


class StaleVersion(DomainError):
    """The agreement moved on since the version the writer expected."""

    code = "stale_version"

    def __init__(self, expected: int, actual: int) -> None:
        super().__init__(f"expected version {expected}, the agreement is at version {actual}")
        self.expected = expected
        self.actual = actual


class WriteConflict(DomainError):
    """Another writer saved first; nothing of this write was stored."""

    code = "write_conflict"


class IdempotencyKeyReused(DomainError):
    code = "idempotency_key_reused"

    def __init__(self) -> None:
        super().__init__("this Idempotency-Key was already used for a different request")


class SweepInFuture(DomainError):
    """A sweep records what has happened by its day, so its day cannot be after today."""

    code = "sweep_in_future"

    def __init__(self, day: date, today: date) -> None:
        super().__init__(f"cannot sweep on {day}: it is after today ({today})")
        self.day = day
        self.today = today


def explain(error: Exception) -> str:
    """Why something failed, in one line for a report or a log.

    A refusal's own message; for a validation error its first field and
    message; otherwise the kind of error and its text.
    """
    if isinstance(error, DomainError):
        reason = error.message
    elif isinstance(error, ValidationError):
        first = error.errors()[0]
        field = ".".join(str(part) for part in first["loc"])
        reason = f"{field}: {first['msg']}" if field else first["msg"]
    else:
        reason = f"{type(error).__name__}: {error}"
    return printable(reason)
