"""The agreement list: filters, text search, sorts and keyset pagination over `view_agreements`.

Every sort is a total order: its key, then the log position of the draft
(`seq`) in the same direction. A missing value (no reference, not signed, no
expiry date) sorts after every present one: last ascending, first descending.
The cursor is the last row's `seq`, wrapped so clients treat it as opaque;
the next page starts after that row's current key in the query's order: a
page never shifts when agreements are added, and each page starts where the
last ended, however deep. Every string of the cursor's pattern is a position:
one that names no agreement is past the end (an empty page) in a sort by key,
and its own key in the sort by recording.

PostgreSQL plans each list itself, from its statistics. On SQLite the plan is
chosen here: each filter that has an index says how many agreements it keeps
(counting at most `PROBE`); when one keeps fewer, its agreements are checked
and sorted; otherwise the sort's index is walked in order, a chunk at a time,
until a page is full (or `WINDOW` agreements were visited, for filters whose
matches all lie far along the order).
"""

from __future__ import annotations

import base64
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)

from events.base import CountryCode, Day
from events.drafting import AgreementKind
from events.parties import PartyType
from projections.agreements import TSVECTOR
from projections.db import ViewDB
from projections.text import next_prefix, words
from tracker.errors import InvalidField
from tracker.state import Status

MAX_LIMIT = 200
CURSOR_PATTERN = r"^[A-Za-f][A-Za-z0-9_-]{10}$"
"""Eleven base64url characters: 64 bits whose first is 0, a position below 2**63."""
SORTS = {
    "recorded": "seq",  # walked along `view_agreements_seq`: narrower than the table
    "reference": "reference_key",
    "title": "title_key",
    "signed_on": "signed_key",
    "expires_on": "expires_key",
}
Sort = Literal[
    "recorded",
    "-recorded",
    "reference",
    "-reference",
    "title",
    "-title",
    "signed_on",
    "-signed_on",
    "expires_on",
    "-expires_on",
]


def _several(value: object, handler: ValidatorFunctionWrapHandler) -> object:
    """One value is a list of one; a bad value is named by the parameter, not its position."""
    try:
        return handler([value] if isinstance(value, str) else value)
    except ValidationError as error:
        raise ValueError(error.errors()[0]["msg"]) from None


Several = WrapValidator(_several)


class AgreementQuery(BaseModel):
    """A list request. Date bounds are strict: `signed_after=D` excludes D itself.

    A signature filter matches only signed agreements, an expiry filter only
    agreements with an expiry date. `status` and `kind` may be repeated (any
    of the values); without `status`, voided agreements are left out. `party`,
    `country` and `party_type` must hold for one and the same party. `q` and
    `party` fold case, accents and compatibility forms and take each word as a
    prefix.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Annotated[list[Status], Several] = Field(default_factory=list, max_length=20)
    kind: Annotated[list[AgreementKind], Several] = Field(default_factory=list, max_length=20)
    party: str | None = Field(default=None, max_length=500)
    country: CountryCode | None = None
    party_type: PartyType | None = None
    q: str | None = Field(default=None, max_length=500)
    expires_before: Day | None = None
    signed_after: Day | None = None
    signed_before: Day | None = None
    in_force_on: Day | None = None
    parent_id: UUID | None = None
    sort: Sort = "-recorded"
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(
        default=None,
        pattern=CURSOR_PATTERN,
        description="`next_cursor` of the previous page, with the same filters and sort.",
    )


@dataclass(frozen=True)
class AgreementPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


@dataclass(frozen=True)
class Order:
    """A sort: the columns a page is ordered by (the key, then `seq`) and the direction."""

    name: str
    columns: tuple[str, ...]
    descending: bool

    @classmethod
    def of(cls, sort: str) -> Order:
        name = sort.removeprefix("-")
        key = SORTS[name]
        return cls(sort, (key,) if key == "seq" else (key, "seq"), sort.startswith("-"))

    @property
    def index(self) -> str:
        """SQLite's hint for walking this order: the key's index, holding only the key and `seq`."""
        return f"INDEXED BY view_agreements_{self.columns[0]}"

    def select(self, alias: str = "a") -> str:
        return ", ".join(f"{alias}.{column}" for column in self.columns)

    def by(self, alias: str = "a") -> str:
        direction = " DESC" if self.descending else ""
        return ", ".join(f"{alias}.{column}{direction}" for column in self.columns)

    def after(self, keys: Sequence[Any]) -> Condition:
        """The rows that come after `keys` in this order."""
        marks = ", ".join("?" * len(keys))
        return Condition(f"({self.select()}) {'<' if self.descending else '>'} ({marks})", keys)


def encode_cursor(seq: int) -> str:
    """A cursor: the last row's `seq` (its key in the query's sort is read back from the row)."""
    return base64.urlsafe_b64encode(seq.to_bytes(8, "big")).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position of a cursor that matches `CURSOR_PATTERN` (the query model checks it)."""
    return int.from_bytes(base64.urlsafe_b64decode(cursor + "="), "big")


@dataclass(frozen=True)
class Condition:
    """One filter: SQL on the agreement row `a`, and how to enumerate its agreements, if indexed."""

    sql: str
    params: Sequence[Any] = ()
    source: str | None = None
    """A SELECT of the `seq`s that meet it (duplicates allowed)."""
    source_params: Sequence[Any] = ()


def where(conditions: Sequence[Condition]) -> tuple[str, list[Any]]:
    return (
        " AND ".join(c.sql for c in conditions) or "1 = 1",
        [p for c in conditions for p in c.params],
    )


FTS = "view_agreements_fts"
SEARCH = f"SELECT rowid AS seq FROM {FTS}"


def search_words(field: str, text: str) -> list[str]:
    """The folded words of a search; one without any is refused (it would find everything)."""
    found = list(dict.fromkeys(words(text)))
    if not found:
        raise InvalidField(field, "has no letters or digits to search for")
    return found


def _indexed(condition: str, params: Sequence[Any]) -> Condition:
    """A filter on columns of the agreement row, which an index enumerates."""
    source = f"SELECT seq FROM view_agreements a WHERE {condition}"
    return Condition(condition, params, source, params)


def _party(query: AgreementQuery) -> Condition | None:
    """`party`, `country` and `party_type`: one party of the agreement meets all three.

    Each word of `party` is a prefix of a word of the party's name or short
    name. The names are looked up first, among the distinct names the word
    index holds (the longest word narrows them, the others are checked), so a
    name shared by many agreements is matched once.
    """
    found = search_words("party", query.party) if query.party is not None else []
    held: list[tuple[str, list[Any]]] = []
    if query.country is not None:
        held.append(("p.country = ?", [query.country]))
    if query.party_type is not None:
        held.append(("p.type = ?", [query.party_type.value]))
    if not held and not found:
        return None
    if found:
        longest = max(found, key=len)
        likes = "".join(" AND n.words LIKE ?" for _ in found)
        held.insert(
            0,
            (
                "p.words IN (SELECT n.words FROM view_party_words n"
                f" WHERE n.word >= ? AND n.word < ?{likes})",
                [longest, next_prefix(longest), *[f"% {word}%" for word in found]],
            ),
        )
    condition = " AND ".join(sql for sql, _ in held)
    params = [value for _, values in held for value in values]
    sql = f"EXISTS (SELECT 1 FROM view_agreement_parties p WHERE p.seq = a.seq AND {condition})"
    return Condition(
        sql, params, f"SELECT p.seq FROM view_agreement_parties p WHERE {condition}", params
    )


def _search(db: ViewDB, q: str) -> Condition:
    """Every word of `q` is a prefix of a word of the document."""
    found = search_words("q", q)
    if db.is_postgres:
        terms = " & ".join(f"'{word}':*" for word in found)
        return Condition(f"{TSVECTOR} @@ CAST(? AS tsquery)", [terms])
    terms = " ".join(f'"{word}"*' for word in found)
    # SQLite finds the matching rowids once per statement: quicker than one FTS5 query a row.
    matching = f"{SEARCH} WHERE {FTS} MATCH ?"
    return Condition(f"a.seq IN ({matching})", [terms], matching, [terms])


def conditions(db: ViewDB, query: AgreementQuery) -> list[Condition]:
    """The query's filters, each refused (`InvalidField`) when it cannot mean anything."""
    found: list[Condition] = []
    for name, values in (("status", query.status), ("kind", query.kind)):
        if values:
            chosen = sorted({value.value for value in values})
            found.append(_indexed(f"a.{name} IN ({', '.join('?' * len(chosen))})", chosen))
    if not query.status:
        found.append(Condition("a.status <> ?", [Status.VOIDED.value]))
    if query.parent_id is not None:
        found.append(_indexed("a.parent_id = ?", [str(query.parent_id)]))
    if query.expires_before is not None:
        found.append(_indexed("a.expires_on < ?", [query.expires_before.isoformat()]))
    if query.signed_after is not None:
        found.append(_indexed("a.signed_on > ?", [query.signed_after.isoformat()]))
    if query.signed_before is not None:
        found.append(_indexed("a.signed_on < ?", [query.signed_before.isoformat()]))
    if query.in_force_on is not None:
        day = query.in_force_on.isoformat()
        found.append(
            _indexed(
                "a.in_force_on <= ? AND (a.expires_on IS NULL OR a.expires_on > ?)"
                " AND (a.ended_on IS NULL OR a.ended_on > ?)",
                [day, day, day],
            )
        )
    party = _party(query)
    if party is not None:
        found.append(party)
    if query.q is not None:
        found.append(_search(db, query.q))
    return found


PROBE = 2000
"""How many agreements a filter's index is counted for, at most, to choose a plan."""
WINDOW = 20_000
"""How many agreements a walk along the sort's index visits before it sorts a filter's instead."""
FIRST_CHUNK = 256
MAX_CHUNK = 4096
"""Agreements checked per query of a walk: the chunk doubles from the first to this."""

Keys = tuple[Any, ...]


def list_agreements(db: ViewDB, query: AgreementQuery) -> AgreementPage:
    """One page of agreement states in the query's order."""
    order = Order.of(query.sort)
    filters = conditions(db, query)
    after = None
    if query.cursor is not None:
        after = _after(db, order, decode_cursor(query.cursor))
        if after is None:
            return AgreementPage(items=[], next_cursor=None)
    wanted = query.limit + 1
    if db.is_postgres:
        keys = _keys(db, order, "view_agreements a", [*filters, *_optional(after)], wanted)
    else:
        keys = _sqlite_keys(db, order, filters, after, wanted)
    page = keys[: query.limit]
    states = _states(db, [key[-1] for key in page])
    return AgreementPage(
        items=[json.loads(states[key[-1]]) for key in page],
        next_cursor=encode_cursor(page[-1][-1]) if len(keys) > query.limit else None,
    )


def _after(db: ViewDB, order: Order, seq: int) -> Condition | None:
    """The rows after the cursor's row, by that row's current key; None: past the end."""
    if order.columns == ("seq",):
        return order.after([seq])
    rows = db.fetch(f"SELECT {order.select()} FROM view_agreements a WHERE a.seq = ?", (seq,))
    if not rows:
        return None
    return order.after([rows[0][column] for column in order.columns])


def _optional(condition: Condition | None) -> list[Condition]:
    return [] if condition is None else [condition]


def _keys(
    db: ViewDB,
    order: Order,
    source: str,
    filters: Sequence[Condition],
    limit: int,
    source_params: Sequence[Any] = (),
) -> list[Keys]:
    """The sort keys of the first `limit` agreements of `source` that meet `filters`."""
    condition, params = where(filters)
    rows = db.fetch(
        f"SELECT {order.select()} FROM {source} WHERE {condition} ORDER BY {order.by()} LIMIT ?",
        (*source_params, *params, limit),
    )
    return [tuple(row[column] for column in order.columns) for row in rows]


def _states(db: ViewDB, seqs: list[int]) -> dict[int, str]:
    if not seqs:
        return {}
    marks = ", ".join("?" * len(seqs))
    rows = db.fetch(f"SELECT seq, state FROM view_agreements WHERE seq IN ({marks})", seqs)
    return {int(row["seq"]): db.codec.open_text(row["state"]) for row in rows}


def _count(db: ViewDB, condition: Condition) -> int:
    """How many agreements the condition's index enumerates, counting at most `PROBE`."""
    rows = db.fetch(
        f"SELECT COUNT(*) AS n FROM ({condition.source} LIMIT ?) AS probe",
        (*condition.source_params, PROBE),
    )
    return int(rows[0]["n"])


def _sqlite_keys(
    db: ViewDB, order: Order, filters: list[Condition], after: Condition | None, limit: int
) -> list[Keys]:
    """The first `limit` keys, by the cheaper of two plans (see the module's docstring)."""
    sized = sorted(
        ((_count(db, c), n, c) for n, c in enumerate(filters) if c.source is not None),
        key=lambda counted: counted[:2],
    )
    smallest = sized[0][2] if sized else None
    if sized and sized[0][0] < PROBE:
        return _sorted(db, order, smallest, filters, after, limit)
    walked = _walk(db, order, filters, after, limit)
    if walked is not None:
        return walked
    return _sorted(db, order, smallest, filters, after, limit)


def _sorted(
    db: ViewDB,
    order: Order,
    driver: Condition | None,
    filters: list[Condition],
    after: Condition | None,
    limit: int,
) -> list[Keys]:
    """The agreements one filter enumerates, checked against the others, then sorted."""
    rest = [c for c in filters if c is not driver] + _optional(after)
    if driver is None:
        return _keys(db, order, f"view_agreements a {order.index}", rest, limit)
    assert driver.source is not None
    source = (
        f"(SELECT DISTINCT seq FROM ({driver.source}) AS s) AS d"
        " CROSS JOIN view_agreements a ON a.seq = d.seq"
    )
    condition, params = where(rest)
    rows = db.fetch(
        f"SELECT {order.select()} FROM {source} WHERE {condition} ORDER BY {order.by()} LIMIT ?",
        (*driver.source_params, *params, limit),
    )
    return [tuple(row[column] for column in order.columns) for row in rows]


def _walk(
    db: ViewDB, order: Order, filters: list[Condition], after: Condition | None, limit: int
) -> list[Keys] | None:
    """Walks the sort's index in chunks, keeping the agreements that meet every filter.

    Newest or oldest first, a search walks the FTS5 index itself, which lists
    its matches by `seq`. None when `WINDOW` agreements were visited without
    filling the page.
    """
    walked, walked_params = f"view_agreements a {order.index}", []
    search = next((c for c in filters if c.source and c.source.startswith(SEARCH)), None)
    if search is not None and order.columns == ("seq",):
        walked, walked_params = f"({search.source}) AS a", list(search.source_params)
        filters = [c for c in filters if c is not search]
    condition, params = where(filters)
    kept: list[Keys] = []
    visited, chunk = 0, FIRST_CHUNK
    while visited < WINDOW:
        keys = _keys(db, order, walked, _optional(after), chunk, walked_params)
        if filters and keys:
            marks = ", ".join("?" * len(keys))
            rows = db.fetch(
                f"SELECT a.seq FROM view_agreements a WHERE a.seq IN ({marks}) AND {condition}",
                (*[key[-1] for key in keys], *params),
            )
            meeting = {int(row["seq"]) for row in rows}
            kept += [key for key in keys if key[-1] in meeting]
        else:
            kept += keys
        if len(kept) >= limit or len(keys) < chunk:
            return kept[:limit]
        after = order.after(keys[-1])
        visited, chunk = visited + len(keys), min(chunk * 2, MAX_CHUNK)
    return None
