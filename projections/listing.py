"""The agreement list: filters, text search and keyset pagination over `view_agreements`.

Newest first, by the log position of each agreement's draft. The cursor is
that position, wrapped so clients treat it as opaque: a page never shifts when
agreements are added, and each page is an index range scan, however deep.
Every string of the cursor's pattern is a position the store can compare, so
the pattern alone says which cursors are accepted.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from events.base import Day
from events.drafting import AgreementKind
from projections.db import Row, ViewDB
from projections.text import fold, fold_name, words
from tracker.state import Status

MAX_LIMIT = 200
CURSOR_PATTERN = r"^[A-Za-f][A-Za-z0-9_-]{10}$"
"""Eleven base64url characters: 64 bits whose first is 0, a position below 2**63."""


class AgreementQuery(BaseModel):
    """A list request. Date bounds are strict: `signed_after=D` excludes D itself.

    A signature filter matches only signed agreements, an expiry filter only
    agreements with an expiry date. `party` is a party's full or short name;
    `party` and `q` ignore case and accents.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    status: Status | None = None
    kind: AgreementKind | None = None
    party: str | None = Field(default=None, max_length=500)
    q: str | None = Field(default=None, max_length=500)
    expires_before: Day | None = None
    signed_after: Day | None = None
    signed_before: Day | None = None
    parent_id: UUID | None = None
    limit: int = Field(default=50, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(
        default=None,
        pattern=CURSOR_PATTERN,
        description="`next_cursor` of the previous page.",
    )


@dataclass(frozen=True)
class AgreementPage:
    items: list[dict[str, Any]]
    next_cursor: str | None


def encode_cursor(seq: int) -> str:
    return base64.urlsafe_b64encode(seq.to_bytes(8, "big")).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The position of a cursor that matches `CURSOR_PATTERN` (the query model checks it)."""
    return int.from_bytes(base64.urlsafe_b64decode(cursor + "="), "big")


FTS = "view_agreements_fts"
RANGE_PROBE = 2000
"""How many agreements in a date range are counted, at most, to choose a plan."""
SMALL_RANGE = 500
"""A date range this small is always scanned and sorted: nothing is quicker."""
WINDOW = 10_000
"""How many of the newest agreements a date-bounded list looks through before its range."""


@dataclass(frozen=True)
class Plan:
    """Which table drives the scan, and the conditions every agreement must meet."""

    source: str
    seq: str
    where: list[str]
    params: list[Any]

    def add(self, condition: str, value: Any) -> None:
        self.where.append(condition)
        self.params.append(value)

    @property
    def condition(self) -> str:
        return " AND ".join(self.where) or "1 = 1"


def _search_terms(db: ViewDB, q: str) -> str | None:
    """A text search as the store's query syntax: every word, as a prefix."""
    found = words(fold(q) if db.is_postgres else q)
    if not found:
        return None
    if db.is_postgres:
        return " & ".join(f"{word}:*" for word in found)
    return " ".join(f'"{word}"*' for word in found)


def _date_column(query: AgreementQuery) -> str | None:
    if query.expires_before is not None:
        return "expires_on"
    if query.signed_after is not None or query.signed_before is not None:
        return "signed_on"
    return None


def _range_plan(query: AgreementQuery, column: str) -> tuple[Plan, AgreementQuery]:
    """A scan of the date range, narrowed by status or kind when the query has one.

    Returns the plan and the part of the query its index answers alone.
    """
    if query.status is not None:
        index, indexed = f"view_agreements_status_{column}", {"kind": None}
    elif query.kind is not None:
        index, indexed = f"view_agreements_kind_{column}", {}
    else:
        index, indexed = f"view_agreements_{column}", {"status": None, "kind": None}
    covered = query.model_copy(update={**indexed, "party": None, "q": None, "parent_id": None})
    return Plan(f"view_agreements a INDEXED BY {index}", "a.seq", [], []), covered


def _few_in_range(db: ViewDB, query: AgreementQuery, column: str, limit: int = RANGE_PROBE) -> bool:
    """Whether the date range (with its status or kind) holds fewer than `limit`."""
    probe, covered = _range_plan(query, column)
    _filter(probe, covered)
    rows = db.fetch(
        f"SELECT COUNT(*) AS n FROM (SELECT 1 FROM {probe.source}"
        f" WHERE {probe.condition} LIMIT ?) AS probe",
        (*probe.params, limit),
    )
    return int(rows[0]["n"]) < limit


def _plan(db: ViewDB, query: AgreementQuery) -> Plan:
    """Which scan visits the fewest agreements that do not match.

    Every scan but one walks agreements newest first and stops at the page's
    end: a party filter from the party index, a SQLite search from FTS5,
    else the agreements by status, kind or parent. A date bound cannot be
    walked in that order, so on SQLite a date range drives the scan (then
    sorted) when it is the narrower side: always without a party, a search
    or a parent, and with one when the range holds fewer than `RANGE_PROBE`
    agreements. PostgreSQL's planner makes that choice itself, from its
    statistics.
    """
    party = fold_name(query.party) if query.party and query.party.strip() else None
    terms = _search_terms(db, query.q) if query.q else None
    column = _date_column(query)
    joined = "JOIN view_agreements a ON a.seq = {}"
    if column is not None and not db.is_postgres:
        alone = party is None and terms is None and query.parent_id is None
        narrower = alone or _few_in_range(db, query, column)
    else:
        narrower = False
    if narrower:
        assert column is not None
        plan, _ = _range_plan(query, column)
        if party is not None:
            plan.add(
                "EXISTS (SELECT 1 FROM view_agreement_parties p"
                " WHERE p.name = ? AND p.seq = a.seq)",
                party,
            )
    elif party is not None:
        plan = Plan(f"view_agreement_parties p {joined.format('p.seq')}", "p.seq", [], [])
        plan.add("p.name = ?", party)
    elif terms is not None and not db.is_postgres:
        plan = Plan(f"{FTS} {joined.format(f'{FTS}.rowid')}", f"{FTS}.rowid", [], [])
        plan.add(f"{FTS} MATCH ?", terms)
        terms = None
    else:
        plan = Plan("view_agreements a", "a.seq", [], [])
    if terms is not None:
        if db.is_postgres:
            plan.add("to_tsvector('simple', a.search_text) @@ to_tsquery('simple', ?)", terms)
        elif narrower:
            plan.add(f"EXISTS (SELECT 1 FROM {FTS} WHERE {FTS} MATCH ? AND rowid = a.seq)", terms)
        else:
            plan.add(f"a.seq IN (SELECT rowid FROM {FTS} WHERE {FTS} MATCH ?)", terms)
    return plan


def _filter(plan: Plan, query: AgreementQuery) -> None:
    if query.status is not None:
        plan.add("a.status = ?", query.status.value)
    if query.kind is not None:
        plan.add("a.kind = ?", query.kind.value)
    if query.parent_id is not None:
        plan.add("a.parent_id = ?", str(query.parent_id))
    if query.expires_before is not None:
        plan.add("a.expires_on < ?", query.expires_before.isoformat())
    if query.signed_after is not None:
        plan.add("a.signed_on > ?", query.signed_after.isoformat())
    if query.signed_before is not None:
        plan.add("a.signed_on < ?", query.signed_before.isoformat())
    if query.cursor is not None:
        plan.add(f"{plan.seq} < ?", decode_cursor(query.cursor))


def list_agreements(db: ViewDB, query: AgreementQuery) -> AgreementPage:
    """One page of agreement states, newest first."""
    rows = _newest_first(db, query)
    if rows is None:
        rows = _select(db, _plan(db, query), query)
    page = rows[: query.limit]
    more = len(rows) > query.limit
    return AgreementPage(
        items=[json.loads(row["state"]) for row in page],
        next_cursor=encode_cursor(page[-1]["seq"]) if more else None,
    )


def _newest_first(db: ViewDB, query: AgreementQuery) -> list[Row] | None:
    """The page found among the newest `WINDOW` agreements of the status or kind, if it is.

    A date bound that many agreements meet fills a page among the newest
    ones, sooner than its whole range is sorted; one that few meet, or only
    old ones, is left to its range (None). For SQLite lists with a date
    bound and no party, search or parent (those have an index of their own).
    """
    column = _date_column(query)
    if db.is_postgres or column is None or query.party or query.q or query.parent_id:
        return None
    if _few_in_range(db, query, column, SMALL_RANGE):
        return None
    undated = query.model_copy(
        update={"expires_before": None, "signed_after": None, "signed_before": None}
    )
    candidates = Plan("view_agreements a", "a.seq", [], [])
    _filter(candidates, undated)
    floor = db.fetch(
        f"SELECT a.seq FROM view_agreements a WHERE {candidates.condition}"
        " ORDER BY a.seq DESC LIMIT 1 OFFSET ?",
        (*candidates.params, WINDOW - 1),
    )
    window = Plan("view_agreements a", "a.seq", [], [])
    if floor:
        window.add("a.seq >= ?", floor[0]["seq"])
    rows = _select(db, window, query)
    return rows if len(rows) > query.limit or not floor else None


def _select(db: ViewDB, plan: Plan, query: AgreementQuery) -> list[Row]:
    """Up to one more than a page: the plan finds the `seq`s, then only their states are read."""
    _filter(plan, query)
    return db.fetch(
        "SELECT seq, state FROM view_agreements WHERE seq IN ("
        f"SELECT {plan.seq} FROM {plan.source} WHERE {plan.condition}"
        f" ORDER BY {plan.seq} DESC LIMIT ?) ORDER BY seq DESC",
        (*plan.params, query.limit + 1),
    )
