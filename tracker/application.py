"""The `Tracker` application: commands in, plain values out.

Each method loads what it needs, asks the pure domain (`timeline.decide`) for
the records to add, and saves every aggregate it touched in one atomic write.
Library errors are translated into the domain errors of `tracker.errors`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any
from uuid import UUID, uuid4

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder

from events.base import EventBody
from events.cooperation import ComplementaryAgreementAdded
from events.drafting import Drafted
from events.records import Retracted, Voided
from tracker.aggregate import Agreement, Receipt, ReferenceIndex
from tracker.clock import Clock, SystemClock
from tracker.errors import (
    AgreementNotFound,
    DomainError,
    DuplicateReference,
    IdempotencyKeyReused,
    InvalidField,
    StaleVersion,
    WriteConflict,
)
from tracker.keys import KeyRing
from tracker.state import AgreementState, Record
from tracker.store import Database, DateAsISO, cipher_env
from tracker.store_keys import admit
from tracker.timeline import Decision, Moment, decide, decide_draft, view


@dataclass(frozen=True)
class Idempotency:
    """A client's Idempotency-Key, and a fingerprint of the request it came with."""

    key: str
    fingerprint: str


class Tracker(Application[UUID]):
    snapshotting_intervals = {Agreement: 50}
    # Recently used agreements stay decoded in memory; each load still fetches the events
    # stored since (fast-forward), so writers in other processes are always seen.
    env = {"AGGREGATE_CACHE_MAXSIZE": "256", "AGGREGATE_CACHE_FASTFORWARD": "y"}

    def __init__(
        self,
        env: Mapping[str, str] | None = None,
        *,
        clock: Clock | None = None,
        snapshot_interval: int = 50,
        keys: KeyRing | None = None,
    ) -> None:
        # The library reads the interval from the instance; the class value turns snapshots on,
        # so an interval of 0 also turns them off explicitly: none taken, none read.
        self.snapshotting_intervals = (  # type: ignore[misc]
            {Agreement: snapshot_interval} if snapshot_interval else {}
        )
        if not snapshot_interval:
            env = {**(env or {}), "IS_SNAPSHOTTING_ENABLED": "n"}
        keys = KeyRing.from_env() if keys is None else keys
        super().__init__({**(env or {}), **cipher_env(keys, self.name.upper())})
        self.clock = clock or SystemClock()
        self._claims_upgraded = False
        self._upgrading = threading.Lock()

    @classmethod
    def connect(
        cls,
        database_url: str,
        *,
        clock: Clock | None = None,
        snapshot_interval: int = 50,
        keys: KeyRing | None = None,
    ) -> Tracker:
        """The tracker on a `sqlite:///` or `postgresql://` store (see `tracker.store`).

        `keys` default to TRACKER_CIPHER_KEY (and _OLD) from the environment, like
        the library's own settings; a store opens only with the keys it was written with.
        """
        database = Database(database_url)
        database.ensure_schema()
        keys = KeyRing.from_env() if keys is None else keys
        with database.creation_lock():
            admit(database, keys)
            env = database.store_env()
            return cls(env, clock=clock, snapshot_interval=snapshot_interval, keys=keys)

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())

    # Commands

    def draft(
        self, body: Drafted, actor: str, *, idempotency: Idempotency | None = None
    ) -> AgreementState:
        """Create an agreement; returns its state.

        A draft that names a `parent_id` is a complementary agreement: the parent
        records `complementary_agreement_added` in the same write, so the link is
        never one-sided.
        """
        replayed = self._replay(idempotency)
        if replayed is not None:
            return replayed
        moment = self._moment(actor)
        if body.parent_id is not None:
            parent = self._parent(body.parent_id)
            command = ComplementaryAgreementAdded(
                occurred_on=body.occurred_on, source=body.source, agreement=body
            )
            _, related = self._apply(parent, command, moment)
            child = related[0]
            assert isinstance(child, Agreement)
            self._save([parent, *related], child, idempotency)
            return child.state
        agreement = Agreement.draft(decide_draft(uuid4(), body, moment))
        claims = self._claims(body.reference, agreement.id)
        self._save([agreement, *claims], agreement, idempotency)
        return agreement.state

    def record(
        self,
        agreement_id: UUID,
        body: EventBody,
        actor: str,
        *,
        expected_version: int | None = None,
        idempotency: Idempotency | None = None,
    ) -> AgreementState:
        """Record one lifecycle event; returns the agreement's new state."""
        replayed = self._replay(idempotency)
        if replayed is not None:
            return replayed
        agreement = self._agreement(agreement_id)
        if expected_version is not None and expected_version != agreement.version:
            raise StaleVersion(expected_version, agreement.version)
        decision, related = self._apply(agreement, body, self._moment(actor))
        self._save([agreement, *related], agreement, idempotency)
        return decision.state

    # Queries

    def state(
        self,
        agreement_id: UUID,
        *,
        as_of: date | None = None,
        known_at: datetime | None = None,
        version: int | None = None,
    ) -> AgreementState:
        agreement = self._agreement(agreement_id)
        if as_of is None and known_at is None and version is None:
            return agreement.state
        if version is not None and version > agreement.version:
            detail = f" at version {version}: the latest is {agreement.version}"
            raise AgreementNotFound(agreement_id, detail)
        state = view(agreement.records, as_of=as_of, known_at=known_at, version=version)
        if state is None:
            raise AgreementNotFound(agreement_id, " at that point: it was not drafted yet")
        return state

    def history(self, agreement_id: UUID) -> list[Record]:
        """Every record of the agreement, retracted ones included, in recorded order."""
        return list(self._agreement(agreement_id).records)

    def agreement_for_reference(self, reference: str) -> UUID | None:
        """The agreement holding the reference, written in any of its variants."""
        claim = self._claim(reference)
        return None if claim is None else claim.agreement_id

    # Helpers

    def _moment(self, actor: str) -> Moment:
        """Stored moments are UTC whatever zone the clock reports in."""
        return Moment(self.clock.now().astimezone(UTC), actor)

    def _agreement(self, agreement_id: UUID) -> Agreement:
        try:
            agreement: Aggregate = self.repository.get(agreement_id)
        except AggregateNotFoundError:
            raise AgreementNotFound(agreement_id) from None
        if not isinstance(agreement, Agreement):
            raise AgreementNotFound(agreement_id)
        return agreement

    def _parent(self, parent_id: UUID) -> Agreement:
        try:
            return self._agreement(parent_id)
        except AgreementNotFound:
            raise InvalidField("parent_id", f"there is no agreement {parent_id}") from None

    def _apply(
        self, agreement: Agreement, body: EventBody, moment: Moment
    ) -> tuple[Decision, list[Aggregate]]:
        """Decide and append; the other aggregates the same write must save.

        A complementary agreement is drafted under this one (its id chosen
        here, any id a client sent replaced), with its reference's claim; a
        voiding releases the reference's claim, and retracting it claims the
        reference again.
        """
        if isinstance(body, ComplementaryAgreementAdded):
            body = body.model_copy(update={"child_id": uuid4()})
        decision = decide(agreement.records, body, moment)
        for record in decision.records:
            agreement.append(record)
        related = self._reference_changes(agreement, decision)
        if decision.child is not None:
            child = Agreement.draft(decision.child)
            assert isinstance(decision.child.body, Drafted)
            related = [child, *self._claims(decision.child.body.reference, child.id), *related]
        return decision, related

    def _reference_changes(self, agreement: Agreement, decision: Decision) -> list[Aggregate]:
        reference = decision.state.reference
        if reference is None:
            return []
        records = agreement.records
        for record in decision.records:
            body = record.body
            if isinstance(body, Voided):
                return self._release(reference, agreement.id)
            if isinstance(body, Retracted) and isinstance(records[body.version - 1].body, Voided):
                return self._claims(reference, agreement.id, restoring=True)
        return []

    def _claim(self, reference: str) -> ReferenceIndex | None:
        self._upgrade_claims()
        try:
            claim: Aggregate = self.repository.get(ReferenceIndex.id_for(reference))
        except AggregateNotFoundError:
            return None
        assert isinstance(claim, ReferenceIndex)
        return claim

    def _claims(
        self, reference: str | None, agreement_id: UUID, *, restoring: bool = False
    ) -> list[Aggregate]:
        """The claim that makes `reference` this agreement's, or the refusal naming its holder."""
        if reference is None:
            return []
        claim = self._claim(reference)
        if claim is None:
            return [ReferenceIndex.claim(reference, agreement_id)]
        if claim.agreement_id is None:
            claim.claim_again(reference, agreement_id)
            return [claim]
        if claim.agreement_id == agreement_id:
            return []
        holder = claim.agreement_id
        raise DuplicateReference(reference, holder, self._name(holder), restoring=restoring)

    def _release(self, reference: str, agreement_id: UUID) -> list[Aggregate]:
        claim = self._claim(reference)
        if claim is None or claim.agreement_id != agreement_id:
            return []
        claim.release(agreement_id)
        return [claim]

    def _name(self, agreement_id: UUID) -> str | None:
        """How messages name an agreement; None when it cannot be read."""
        try:
            return self.state(agreement_id).display_name
        except DomainError:
            return None

    def _upgrade_claims(self) -> None:
        """Claims made under an older canonical form are claimed again under the current one.

        A claim's id is derived from its reference's canonical form; a store
        written before that form last changed holds claims whose id no longer
        matches. The first reference lookup of each process reads every claim
        once and stores the missing current ones, so an old claim still blocks
        its reference. Two old claims whose references are now one keep the
        first. Repeating it stores nothing: claims are aggregates with
        derived ids, and another process doing the same at once only makes
        one of the two saves fail.
        """
        if self._claims_upgraded:
            return
        with self._upgrading:
            if not self._claims_upgraded:
                self._claim_again()
                self._claims_upgraded = True

    def _claim_again(self) -> None:
        position = 0
        while claims := self.recorder.select_notifications(
            position, 500, topics=[ReferenceIndex.Created.TOPIC], inclusive_of_start=False
        ):
            for notification in claims:
                claim: Any = self.mapper.to_domain_event(notification)
                current = ReferenceIndex.id_for(claim.reference)
                if current != claim.originator_id and current not in self.repository:
                    old: Any = self.repository.get(claim.originator_id)
                    if old.agreement_id is not None:  # a released claim stays released
                        with suppress(IntegrityError):
                            self.save(ReferenceIndex.claim(old.reference, old.agreement_id))
            position = claims[-1].id

    def _replay(self, idempotency: Idempotency | None) -> AgreementState | None:
        """The first answer to this Idempotency-Key, if there was one."""
        if idempotency is None:
            return None
        try:
            receipt: Aggregate = self.repository.get(Receipt.id_for(idempotency.key))
        except AggregateNotFoundError:
            return None
        assert isinstance(receipt, Receipt)
        if receipt.fingerprint != idempotency.fingerprint:
            raise IdempotencyKeyReused
        return self.state(receipt.agreement_id, version=receipt.agreement_version)

    def _save(
        self,
        aggregates: list[Aggregate],
        answered: Agreement,
        idempotency: Idempotency | None,
    ) -> None:
        if idempotency is not None:
            key, fingerprint = idempotency.key, idempotency.fingerprint
            aggregates.append(Receipt.issue(key, fingerprint, answered.id, answered.version))
        try:
            self.save(*aggregates)
        except IntegrityError:
            raise self._conflict(aggregates) from None

    def _conflict(self, aggregates: list[Aggregate]) -> Exception:
        """Say which part of a refused write another writer had already stored.

        The receipt first: a twin request with the same Idempotency-Key also
        claimed the same reference, and its answer is what a retry returns.
        """
        for aggregate in aggregates:
            if isinstance(aggregate, Receipt) and aggregate.id in self.repository:
                return WriteConflict("a request with this Idempotency-Key is being recorded")
        for aggregate in aggregates:
            if isinstance(aggregate, ReferenceIndex) and aggregate.agreement_id is not None:
                stored = self._claim(aggregate.reference)
                holder = None if stored is None else stored.agreement_id
                if holder is not None and holder != aggregate.agreement_id:
                    return DuplicateReference(aggregate.reference, holder, self._name(holder))
        return WriteConflict("another write to this agreement was saved first; reload and retry")
