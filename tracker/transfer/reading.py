"""Reading an export: its lines, each stream's sequence, and the problems named by line."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from uuid import UUID

from pydantic import ValidationError

from tracker.errors import DomainError
from tracker.progress import Advance
from tracker.transfer.lines import KINDS, Line, parse

PROBLEMS_SHOWN = 5
STREAM_KINDS = ", ".join(KINDS)
FIRST_TYPES = {"agreement": "drafted", "reminder": "reminder_issued", "digest": "digest_prepared"}
"""The event a stream that grows starts with, and that only its first line may be."""


@dataclass(frozen=True, order=True)
class Problem:
    """Why one line of an import cannot be recorded."""

    line: int
    field: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.field}: {self.message}"


class ImportRefused(DomainError):
    """The file has bad lines or conflicts with the store; nothing was imported.

    The message is one line naming the first problems; `problems` has them all.
    """

    code = "import_refused"

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(problems)
        shown = "; ".join(str(problem) for problem in self.problems[:PROBLEMS_SHOWN])
        hidden = len(self.problems) - PROBLEMS_SHOWN
        more = f"; and {hidden} more" if hidden > 0 else ""
        super().__init__(f"nothing was imported: {shown}{more}")


class Refused(Exception):
    """One problem, raised where it is found and collected by the caller."""

    def __init__(self, line: int, field: str, message: str) -> None:
        self.problem = Problem(line, field, message)
        super().__init__(str(self.problem))


@dataclass(frozen=True)
class Numbered:
    number: int
    line: Line


@dataclass
class Stream:
    """The lines of one stream, in file order."""

    id: UUID
    kind: str
    lines: list[Numbered] = field(default_factory=list)

    @property
    def first(self) -> int:
        return self.lines[0].number

    def where(self) -> str:
        return f"{self.kind} {self.id} (lines {self.first}-{self.lines[-1].number})"


def read_streams(lines: Iterable[str | bytes], advance: Advance) -> dict[UUID, Stream]:
    """Every stream of the file, or ImportRefused with every bad line.

    Lines may be bytes (a file opened in binary): text that is not UTF-8 is
    then reported with its line number like any other bad line. A stream's
    sequence is checked only once every line reads well: a bad line would
    otherwise show up again as a gap in its stream's versions.
    """
    streams: dict[UUID, Stream] = {}
    problems: list[Problem] = []
    for number, text in enumerate(lines, start=1):
        advance(1)
        if not text.strip():
            continue
        try:
            numbered = Numbered(number, _parse(number, text))
            _add(streams, numbered)
        except Refused as refusal:
            problems.append(refusal.problem)
    if not problems:
        problems = [p for p in map(_out_of_sequence, streams.values()) if p is not None]
    if problems:
        raise ImportRefused(problems)
    return streams


def _parse(number: int, text: str | bytes) -> Line:
    try:
        return parse(text)
    except ValidationError as error:
        first = error.errors()[0]
        if first["type"].startswith("union_tag"):
            raise Refused(number, "stream", f"expected one of {STREAM_KINDS}") from None
        loc = [str(part) for part in first["loc"]][1:]  # the first part names the stream kind
        raise Refused(number, ".".join(loc) or "json", first["msg"]) from None


def _add(streams: dict[UUID, Stream], numbered: Numbered) -> None:
    line = numbered.line
    stream = streams.setdefault(line.id, Stream(line.id, line.stream))
    if stream.kind != line.stream:
        message = f"{line.id} is the id of the {stream.kind} of line {stream.first}"
        raise Refused(numbered.number, "id", message)
    stream.lines.append(numbered)


def _out_of_sequence(stream: Stream) -> Problem | None:
    """Versions run 1, 2, 3... in file order; a stream's first event starts it, and only it."""
    first_type = FIRST_TYPES.get(stream.kind)
    for expected, numbered in enumerate(stream.lines, start=1):
        line = numbered.line
        if line.version != expected:
            message = (
                f"expected version {expected} of {stream.kind} {stream.id}, got {line.version}"
            )
            return Problem(numbered.number, "version", message)
        if first_type is not None and (line.version == 1) != (line.type == first_type):
            message = f"a {stream.kind}'s version 1, and only it, is its '{first_type}' event"
            return Problem(numbered.number, "type", message)
    return None
