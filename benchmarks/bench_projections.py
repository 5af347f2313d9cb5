"""Read-model benchmark: rebuild speed, and list/search latency at 100,000 agreements.

    .venv/bin/python benchmarks/bench_projections.py \
        [--events 100000] [--per-agreement 5] [--agreements 100000] [--runs 200]

Two temporary SQLite stores, written through the Tracker's aggregates in bulk
(every event checked by `decide`), agreements drafted over 2010-2020 in log
order:
- the rebuild store: `--events` events over `--events / --per-agreement`
  agreements. Each agreement has a life of 1 to 9 events, as agreements have:
  a draft, then a signature, an entry into force, and activities, notes,
  follow-ups (scheduled and completed), personnel exchanges and documents;
  a few end terminated. Events are stored in the order they happened, so one
  agreement's events are spread through the log. On it: the baseline
  (reading and decoding every notification, which any projection must do)
  and `ReadModels.rebuild` (target >= 20,000 events/s);
- the list store: `--agreements` agreements, each drafted, a third signed, a
  tenth with a note; p50/p99 of representative list queries, including date
  bounds that match few or no agreements (target p99 < 50 ms).
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.domain import Aggregate

from events.base import EventBody
from events.cooperation import (
    ActivityRecorded,
    FollowUpCompleted,
    FollowUpScheduled,
    PersonnelExchanged,
)
from events.drafting import Drafted, Renewal
from events.lifecycle import EnteredIntoForce, Signed, Terminated
from events.parties import Party
from events.records import DocumentAttached, NoteAdded
from projections.listing import AgreementQuery
from projections.service import ReadModels
from tracker.aggregate import Agreement
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.lifecycle import follow_up_id
from tracker.timeline import Moment, decide, decide_draft

WORDS = [
    "cooperación",
    "derechos",
    "humanos",
    "defensoría",
    "pueblo",
    "asistencia",
    "técnica",
    "formación",
    "investigación",
    "movilidad",
    "víctimas",
    "memoria",
    "justicia",
    "protección",
    "niñez",
    "indígenas",
    "migración",
    "periodistas",
    "defensores",
    "género",
    "información",
    "intercambio",
    "seguimiento",
]
PARTY_NAMES = [f"Institución {word.title()} {n}" for n in range(40) for word in WORDS[:5]]
NOW = datetime(2024, 6, 1, 12, tzinfo=UTC)
LONGEST_LIFE = 9


def party(n: int) -> Party:
    return Party(name=PARTY_NAMES[n], short_name=f"P{n}", type="state_agency")


def drafted(rng: random.Random, n: int, drafted_on: date) -> Agreement:
    body = Drafted(
        title=" ".join(rng.sample(WORDS, 4)).capitalize() + f" {n}",
        kind=rng.choice(["cooperation_agreement", "framework_agreement", "other"]),
        parties=[
            Party(name="Comisión Interamericana", short_name="CIDH", type="state"),
            party(rng.randrange(len(PARTY_NAMES))).model_copy(
                update={"country": rng.choice(["MX", "EC", "CL", None])}
            ),
        ],
        purpose=" ".join(rng.sample(WORDS, 8)),
        areas=rng.sample(WORDS, 2),
        occurred_on=drafted_on,
        expires_on=drafted_on + timedelta(days=3650),
        renewal=Renewal(mode="automatic", notice_days=60, period_months=12),
    )
    return Agreement.draft(decide_draft(uuid4(), body, moment(rng, drafted_on)))


def moment(rng: random.Random, day: date) -> Moment:
    """Recorded during the working day the event happened."""
    at = datetime.combine(day, time(8), UTC) + timedelta(seconds=rng.randrange(36_000))
    return Moment(min(at, NOW), "bench")


def record(rng: random.Random, aggregate: Agreement, command: EventBody) -> None:
    assert command.occurred_on is not None
    for new in decide(aggregate.records, command, moment(rng, command.occurred_on)).records:
        aggregate.append(new)


def lived(rng: random.Random, n: int, size: int, drafted_on: date) -> Agreement:
    """An agreement with `size` events: drafted, signed, in force, then what parties do."""
    aggregate = drafted(rng, n, drafted_on)
    day = drafted_on
    if size >= 2:
        day += timedelta(days=30)
        record(rng, aggregate, Signed(occurred_on=day, place="Washington"))
    if size >= 3:
        day += timedelta(days=30)
        record(rng, aggregate, EnteredIntoForce(occurred_on=day))
    open_follow_ups: list[UUID] = []
    for step in range(3, size):
        day += timedelta(days=rng.randrange(5, 120))
        last = step == size - 1
        record(rng, aggregate, _activity(rng, n, day, aggregate, open_follow_ups, last))
    return aggregate


def _activity(
    rng: random.Random,
    n: int,
    day: date,
    aggregate: Agreement,
    open_follow_ups: list[UUID],
    last: bool,
) -> EventBody:
    """One thing the parties do under an in-force agreement."""
    roll = rng.random()
    other = aggregate.state.parties[1].short_name or ""
    if last and roll < 0.05:
        return Terminated(occurred_on=day, reason="objectives met")
    if open_follow_ups and roll < 0.25:
        return FollowUpCompleted(occurred_on=day, follow_up_id=open_follow_ups.pop(0))
    if roll < 0.40:
        open_follow_ups.append(follow_up_id(aggregate.id, aggregate.version + 1))
        return FollowUpScheduled(occurred_on=day, due_on=day + timedelta(days=90))
    if roll < 0.65:
        title = f"Taller de {rng.choice(WORDS)} {n}"
        return ActivityRecorded(occurred_on=day, category="training", title=title)
    if roll < 0.80:
        return NoteAdded(occurred_on=day, text=f"Reunión de seguimiento {n}: {rng.choice(WORDS)}")
    if roll < 0.92:
        return PersonnelExchanged(
            occurred_on=day, person=f"Persona {n}", from_party="CIDH", to_party=other
        )
    return DocumentAttached(occurred_on=day, title=f"Informe {n}", reference=f"DOC-{n}")


def lives(rng: random.Random, events: int, per_agreement: int) -> list[int]:
    """How many events each agreement has: 1 to 9, exactly `events` in all."""
    count = max(1, round(events / per_agreement))
    sizes = [rng.randint(1, LONGEST_LIFE) for _ in range(count)]
    while (total := sum(sizes)) != events:
        n = rng.randrange(count)
        step = 1 if total < events else -1
        if 1 <= sizes[n] + step <= LONGEST_LIFE:
            sizes[n] += step
    return sizes


def drafted_on(n: int, count: int, rng: random.Random) -> date:
    """Agreements are drafted over 2010-2020 in log order, give or take a month."""
    return date(2010, 1, 1) + timedelta(days=n * 4000 // count + rng.randrange(30))


def write_in_time_order(tracker: Tracker, aggregates: list[Agreement], chunk: int = 2000) -> None:
    """Every event stored in the order it happened, as the tracker records them over years.

    One agreement's events are spread through the log, among the others' events.
    """
    events: list[Any] = [event for aggregate in aggregates for event in aggregate.collect_events()]
    events.sort(key=lambda event: (event.occurred_on, event.recorded_at))
    for start in range(0, len(events), chunk):
        tracker.save(*events[start : start + chunk])


def listed(rng: random.Random, n: int, count: int) -> Agreement:
    """One agreement of the list store: every one drafted, one in three signed, one in ten noted."""
    day = drafted_on(n, count, rng)
    aggregate = drafted(rng, n, day)
    if n % 3 == 0:
        record(rng, aggregate, Signed(occurred_on=day, enters_into_force_on=day))
    if n % 10 == 0:
        record(rng, aggregate, NoteAdded(text=f"Reunión de seguimiento {n}", occurred_on=day))
    return aggregate


def save_all(tracker: Tracker, aggregates: Iterator[Aggregate], chunk: int = 500) -> None:
    pending: list[Aggregate] = []
    for aggregate in aggregates:
        pending.append(aggregate)
        if len(pending) == chunk:
            tracker.save(*pending)
            pending = []
    if pending:
        tracker.save(*pending)


def read_and_decode(tracker: Tracker) -> int:
    """The floor: every notification read and decoded, nothing projected."""
    position, total = 0, 0
    while batch := tracker.recorder.select_notifications(position, 1000, inclusive_of_start=False):
        for notification in batch:
            tracker.mapper.to_domain_event(notification)
        position, total = batch[-1].id, total + len(batch)
    return total


def timed(fn: Callable[[], object]) -> float:
    started = perf_counter()
    fn()
    return perf_counter() - started


def latency(read_models: ReadModels, query: AgreementQuery, runs: int) -> tuple[float, float, int]:
    read_models.list_agreements(query)
    samples = []
    for _ in range(runs):
        started = perf_counter()
        page = read_models.list_agreements(query)
        samples.append((perf_counter() - started) * 1000)
    cuts = statistics.quantiles(samples, n=100)
    return cuts[49], cuts[98], len(page.items)


def store(directory: str, name: str) -> tuple[str, Tracker]:
    url = f"sqlite:///{Path(directory) / name}"
    return url, Tracker.connect(url, clock=FixedClock(NOW))


def bench_rebuild(directory: str, events: int, per_agreement: int) -> None:
    url, tracker = store(directory, "rebuild.sqlite")
    rng = random.Random(7)
    sizes = lives(rng, events, per_agreement)
    started = perf_counter()
    count = len(sizes)
    aggregates = [lived(rng, n, size, drafted_on(n, count, rng)) for n, size in enumerate(sizes)]
    write_in_time_order(tracker, aggregates)
    spent = perf_counter() - started
    stored = tracker.recorder.max_notification_id() or 0
    print(
        f"rebuild store: {stored:,} events over {count:,} agreements, 1 to {LONGEST_LIFE} each,"
        f" stored in the order they happened ({spent:.0f} s to write)"
    )
    print(f"load average before measuring: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    baseline = timed(lambda: read_and_decode(tracker))
    read_models = ReadModels.connect(url)
    rebuild = timed(lambda: read_models.rebuild(tracker))
    print(f"read+decode baseline: {stored / baseline:>9,.0f} events/s ({baseline:.1f} s)")
    print(
        f"rebuild (all views):  {stored / rebuild:>9,.0f} events/s ({rebuild:.1f} s),"
        f" {rebuild / baseline:.1f}x the baseline   [target >= 20,000 events/s]"
    )
    read_models.close()
    tracker.close()


def bench_lists(directory: str, agreements: int, runs: int) -> None:
    url, tracker = store(directory, "lists.sqlite")
    rng = random.Random(11)
    listing = (listed(rng, n, agreements) for n in range(agreements))
    spent = timed(lambda: save_all(tracker, listing))
    stored = tracker.recorder.max_notification_id() or 0
    print(f"\nlist store: {agreements:,} agreements, {stored:,} events ({spent:.0f} s to write)")
    read_models = ReadModels.connect(url)
    rebuild = timed(lambda: read_models.rebuild(tracker))
    print(f"  (rebuilt at {stored / rebuild:,.0f} events/s)")
    first = read_models.list_agreements(AgreementQuery(limit=50))
    titled = read_models.list_agreements(AgreementQuery(limit=50, sort="title"))
    queries = {
        "first page, no filter": AgreementQuery(),
        "status=in_force": AgreementQuery(status="in_force"),
        "kind + expires_before (none)": AgreementQuery(
            kind="framework_agreement", expires_before=date(2015, 1, 1)
        ),
        "kind + expires_before (oldest)": AgreementQuery(
            kind="framework_agreement", expires_before=date(2020, 3, 1)
        ),
        "status + expires_before (oldest)": AgreementQuery(
            status="in_force", expires_before=date(2020, 6, 1)
        ),
        "kind + signed_before (oldest)": AgreementQuery(
            kind="other", signed_before=date(2010, 3, 1)
        ),
        "kind + signed_after (none)": AgreementQuery(kind="other", signed_after=date(2024, 1, 1)),
        "expires_before (most)": AgreementQuery(expires_before=date(2030, 1, 1)),
        "party (common, short name)": AgreementQuery(party="cidh"),
        "party (rare, accents folded)": AgreementQuery(party="institucion derechos 7"),
        "party + expires_before (none)": AgreementQuery(
            party="cidh", expires_before=date(2015, 1, 1)
        ),
        "q common word": AgreementQuery(q="defensoria"),
        "q two words": AgreementQuery(q="victimas memoria"),
        "q rare (note)": AgreementQuery(q="reunion seguimiento 99990"),
        "signed_after + q": AgreementQuery(signed_after=date(2019, 1, 1), q="justicia"),
        "q + expires_before (none)": AgreementQuery(
            q="defensoria", expires_before=date(2015, 1, 1)
        ),
        "cursor page 2": AgreementQuery(cursor=first.next_cursor),
        "q prefix as typed": AgreementQuery(q="defens"),
        "q one letter": AgreementQuery(q="m"),
        "party prefix (rare)": AgreementQuery(party="institucion derechos 7"),
        "party prefix (common)": AgreementQuery(party="inst"),
        "status x2 + kind x2": AgreementQuery(
            status=["in_force", "draft"], kind=["other", "framework_agreement"]
        ),
        "country": AgreementQuery(country="MX"),
        "in_force_on (old date)": AgreementQuery(in_force_on=date(2010, 6, 1)),
        "in_force_on (recent date)": AgreementQuery(in_force_on=date(2019, 6, 1)),
        "sort=title": AgreementQuery(sort="title"),
        "sort=-expires_on": AgreementQuery(sort="-expires_on"),
        "sort=signed_on + status": AgreementQuery(sort="signed_on", status="draft"),
        "sort=reference + q common": AgreementQuery(sort="reference", q="justicia"),
        "sort=title + q rare": AgreementQuery(sort="title", q="reunion seguimiento 99990"),
        "sort=title + party (rare)": AgreementQuery(sort="title", party="institucion derechos 7"),
        "sort=-expires_on + in_force_on (old)": AgreementQuery(
            sort="-expires_on", in_force_on=date(2010, 6, 1)
        ),
        "sort=title page 2": AgreementQuery(sort="title", cursor=titled.next_cursor),
    }
    print(f"list latency over {runs} runs each (limit 50)   [target p99 < 50 ms]")
    for name, query in queries.items():
        p50, p99, items = latency(read_models, query, runs)
        print(f"  {name:<34} p50 {p50:6.2f} ms   p99 {p99:6.2f} ms   ({items} items)")
    read_models.close()
    tracker.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--per-agreement", type=int, default=5)
    parser.add_argument("--agreements", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        if args.events:
            bench_rebuild(directory, args.events, args.per_agreement)
        if args.agreements:
            bench_lists(directory, args.agreements, args.runs)


if __name__ == "__main__":
    main()
