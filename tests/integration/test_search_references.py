"""A reference is unique in its canonical form, and claims made under an older form still hold."""

from __future__ import annotations

from datetime import date
from uuid import NAMESPACE_URL, UUID, uuid5

import pytest

from events.drafting import Drafted
from tracker.aggregate import ReferenceIndex
from tracker.application import Tracker
from tracker.clock import FixedClock
from tracker.errors import DuplicateReference


def drafted(reference: str) -> Drafted:
    return Drafted(reference=reference, title="Acuerdo", kind="other", occurred_on=date(2020, 1, 1))


VARIANTS = [
    "abc-1",
    "ABC\u20111",  # non-breaking hyphen
    "ABC\u20131",  # en dash
    "\uff21\uff22\uff23-1",  # fullwidth
    "AB\u200bC-1",  # zero-width space
    "ABC\u00ad-1",  # soft hyphen
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_variants_of_a_reference_collide(tracker: Tracker, variant: str) -> None:
    first = tracker.draft(drafted("ABC-1"), "tester")
    with pytest.raises(DuplicateReference) as refused:
        tracker.draft(drafted(variant), "tester")
    assert refused.value.agreement_id == first.id
    assert tracker.agreement_for_reference(variant) == first.id


def test_a_decomposed_letter_collides_and_the_reference_shows_as_typed(tracker: Tracker) -> None:
    first = tracker.draft(drafted("\u00c5-7"), "tester")
    with pytest.raises(DuplicateReference):
        tracker.draft(drafted("A\u030a-7"), "tester")
    other = tracker.draft(drafted("ABC\u20132"), "tester")
    assert tracker.state(other.id).reference == "ABC\u20132"
    assert tracker.state(first.id).reference == "\u00c5-7"


def old_claim(reference: str, agreement_id: UUID) -> ReferenceIndex:
    """A claim as stores written before the canonical form kept it: trimmed, case folded."""
    old_id = uuid5(NAMESPACE_URL, f"urn:tracker:reference:{reference.strip().casefold()}")
    claim: ReferenceIndex = ReferenceIndex._create(
        ReferenceIndex.Created, id=old_id, reference=reference, agreement_id=agreement_id
    )
    return claim


def test_a_claim_made_under_the_old_form_still_blocks(database_url: str, clock: FixedClock) -> None:
    before = Tracker.connect(database_url, clock=clock)
    agreement = before.draft(drafted("placeholder"), "tester")
    before.save(old_claim("ABC\u20111", agreement.id), old_claim("Défensa-9", agreement.id))
    head = before.recorder.max_notification_id()
    before.close()

    after = Tracker.connect(database_url, clock=clock)
    with pytest.raises(DuplicateReference) as refused:
        after.draft(drafted("ABC-1"), "tester")
    assert refused.value.agreement_id == agreement.id
    with pytest.raises(DuplicateReference):
        after.draft(drafted("DEFENSA-9"), "tester")
    assert after.agreement_for_reference("abc\u20131") == agreement.id
    claimed = after.recorder.max_notification_id()
    assert claimed == (head or 0) + 2  # the two old claims, claimed again under the new form
    after.close()

    again = Tracker.connect(database_url, clock=clock)
    assert again.agreement_for_reference("ABC-1") == agreement.id
    assert again.recorder.max_notification_id() == claimed  # nothing claimed twice
    again.close()
