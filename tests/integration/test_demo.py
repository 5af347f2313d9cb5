"""The sample agreements, recorded through the application on a real store."""

from __future__ import annotations

from datetime import date

import pytest

from events.drafting import AgreementKind, Drafted
from events.lifecycle import Signed
from tracker.aggregate import Agreement
from tracker.application import Tracker
from tracker.seed import load_seed, summary
from tracker.seed.iachr import AGREEMENTS
from tracker.state import AgreementState, Record, Status

REFERENCES = [
    "IACHR-CEAV-2018",
    "IACHR-IBERO-INSTITUTE-2019",
    "IACHR-DPE-2020",
    "IACHR-MX-AYOTZINAPA-2014",
    "IACHR-DPP-2017",
]


def drafted_ids(tracker: Tracker) -> list[str]:
    """Every agreement in the store, read from the log itself."""
    created = tracker.recorder.select_notifications(0, 1000, topics=[Agreement.Created.TOPIC])
    return [str(n.originator_id) for n in created]


def by_reference(tracker: Tracker, reference: str) -> AgreementState:
    agreement_id = tracker.agreement_for_reference(reference)
    assert agreement_id is not None, reference
    return tracker.state(agreement_id)


def history_of(tracker: Tracker, reference: str) -> list[Record]:
    return tracker.history(by_reference(tracker, reference).id)


def test_a_second_run_adds_nothing(tracker: Tracker) -> None:
    first = load_seed(tracker)
    position = tracker.recorder.max_notification_id()
    second = load_seed(tracker)

    assert [o.reference for o in first] == REFERENCES
    assert all(o.added and not o.present for o in first)
    assert all(not o.added for o in second)
    assert [o.present for o in second] == [o.added for o in first]
    assert tracker.recorder.max_notification_id() == position
    assert len(drafted_ids(tracker)) == 5
    statuses = {ref: by_reference(tracker, ref).status for ref in REFERENCES}
    assert statuses == {ref: Status.SIGNED for ref in REFERENCES} | {
        "IACHR-MX-AYOTZINAPA-2014": Status.IN_FORCE
    }
    assert summary(first) == (
        "Recorded 11 events: drafted (5), signed (5), entered_into_force (1); 5 of 5 agreements "
        "are in the store."
    )
    assert summary(second) == "Recorded 0 events: nothing new; 5 of 5 agreements are in the store."


def test_a_run_cut_short_is_completed_without_doubles(tracker: Tracker) -> None:
    drafts_only = [{**spec, "events": []} for spec in AGREEMENTS[:4]]
    load_seed(tracker, drafts_only)

    outcomes = load_seed(tracker)

    assert outcomes[0].present == ("drafted",)
    assert outcomes[0].added == ("signed",)
    assert outcomes[3].added == ("signed", "entered_into_force")
    assert outcomes[4].added == ("drafted", "signed")
    assert len(drafted_ids(tracker)) == 5
    types = [r.type for r in history_of(tracker, "IACHR-MX-AYOTZINAPA-2014")]
    assert types == ["drafted", "signed", "entered_into_force"]


def test_a_reference_held_by_another_agreement_is_reported_and_the_rest_recorded(
    tracker: Tracker,
) -> None:
    other = Drafted(reference="IACHR-DPE-2020", title="Something else", kind=AgreementKind.OTHER)
    tracker.draft(other, "someone")

    outcomes = load_seed(tracker)

    skipped = outcomes[2]
    assert skipped.conflict is not None and (skipped.added, skipped.present) == ((), ())
    assert skipped.line() == (
        "IACHR-DPE-2020: not loaded: reference 'IACHR-DPE-2020' is used by 'Something else "
        "(IACHR-DPE-2020)', whose draft is not the sample's; that sample agreement was not "
        "loaded over it"
    )
    assert by_reference(tracker, "IACHR-DPE-2020").title == "Something else"
    assert [o.added for o in outcomes if o is not skipped] == [
        ("drafted", "signed"),
        ("drafted", "signed"),
        ("drafted", "signed", "entered_into_force"),
        ("drafted", "signed"),
    ]
    assert summary(outcomes).endswith(
        "4 of 5 agreements are in the store, 1 not loaded (see above)."
    )
    assert "entered_into_force (1)" in summary(outcomes)


@pytest.fixture
def seeded(tracker: Tracker) -> Tracker:
    load_seed(tracker)
    load_seed(tracker)
    return tracker


def party_names(state: AgreementState) -> list[str]:
    return [p.name for p in state.parties]


def signed_not_known_in_force(seeded: Tracker, reference: str, day: date) -> AgreementState:
    """Signed on `day`; the record does not say when it entered into force, and says so."""
    state = by_reference(seeded, reference)
    assert (state.drafted_on, state.signed_on, state.in_force_on) == (day, day, None)
    assert state.status is Status.SIGNED
    drafted, signed = history_of(seeded, reference)
    assert "does not say when the agreement entered into force" in (signed.body.source or "")
    assert "gives the date of the signature, not of the draft" in (drafted.body.source or "")
    return state


def test_titles_say_which_agreement_each_is(seeded: Tracker) -> None:
    titles = [by_reference(seeded, ref).title for ref in REFERENCES]
    assert len(set(titles)) == len(titles)
    assert titles == [
        "Cooperation Intention Agreement with the Executive Committee for Victims of Mexico",
        "Cooperation Agreement with the Ibero-American Institute for Peace, Human Rights and "
        "International Justice",
        "Cooperation Agreement with the Office of the Ombudsman of Ecuador",
        "Technical Assistance Agreement on the Ayotzinapa missing students",
        "Cooperation Agreement with the Office of the Public Defender of Chile",
    ]


def test_ceav_agreement(seeded: Tracker) -> None:
    state = signed_not_known_in_force(seeded, "IACHR-CEAV-2018", date(2018, 12, 5))

    assert state.kind == "cooperation_intention_agreement"
    assert party_names(state) == [
        "Inter-American Commission on Human Rights",
        "Executive Committee for Victims (Comisión Ejecutiva de Atención a Víctimas)",
    ]
    assert (state.parties[1].short_name, state.parties[1].country) == ("CEAV", "MX")
    assert state.areas == ("counselling", "information_exchange", "assistance")
    assert "protection of the human rights of victims" in state.purpose
    [provision] = state.provisions
    assert provision.kind == "complementary_agreements"
    for instrument in ("complementary agreements", "memorandums of understanding", "letters"):
        assert instrument in provision.text
    assert state.notes == ()
    sources = [r.body.source or "" for r in history_of(seeded, "IACHR-CEAV-2018")]
    assert "Executive Committee for Victims of the United States of Mexico" in sources[0]
    assert "through complementary agreements" in sources[0]


def test_ibero_american_institute_agreement(seeded: Tracker) -> None:
    state = signed_not_known_in_force(seeded, "IACHR-IBERO-INSTITUTE-2019", date(2019, 8, 21))

    assert state.kind == "cooperation_agreement"
    assert party_names(state)[1] == (
        "Ibero-American Institute for Peace, Human Rights and International Justice"
    )
    assert state.parties[1].type == "institute"
    assert state.areas == ("promotion", "training", "information_exchange", "research")
    assert "research projects" in state.purpose
    [provision] = state.provisions
    assert provision.kind == "information_exchange"
    assert "work plans" in provision.text


def test_ecuador_agreement_names_the_commission_not_aachen(seeded: Tracker) -> None:
    state = signed_not_known_in_force(seeded, "IACHR-DPE-2020", date(2020, 1, 7))

    assert party_names(state) == [
        "Inter-American Commission on Human Rights",
        "Defensoría del Pueblo de Ecuador",
    ]
    assert (state.parties[1].type, state.parties[1].country) == ("ombudsman", "EC")
    assert state.parties[1].short_name == "Office of the Ombudsman of Ecuador"
    assert "advisory_services" in state.areas
    [provision] = state.provisions
    assert provision.kind == "personnel_exchange"
    assert "specialized personnel" in provision.text
    history = history_of(seeded, "IACHR-DPE-2020")
    assert all("Aachen" not in p.name for p in state.parties)
    assert "Aachen and the Office of the Ombudsman in Ecuador" in (history[0].body.source or "")
    assert "exchange of specialized personnel" in (history[0].body.source or "")


def test_ayotzinapa_agreement_has_three_parties_and_the_ceremony(seeded: Tracker) -> None:
    state = by_reference(seeded, "IACHR-MX-AYOTZINAPA-2014")

    assert state.kind == "technical_assistance_agreement"
    assert [p.type for p in state.parties] == [
        "international_organization",
        "state",
        "victims_representatives",
    ]
    assert "Raúl Isidro Burgos" in state.purpose
    day = date(2014, 11, 18)
    assert (state.drafted_on, state.signed_on, state.in_force_on) == (day, day, day)
    assert state.status is Status.IN_FORCE
    assert state.place is not None
    assert "Mexico City" in state.place and "Federal District" in state.place
    roles = {a.name: a.role or "" for a in state.attendees}
    assert "IACHR Rapporteur for Mexico" in roles["James Cavallaro"]
    assert roles["Emilio Álvarez Icaza"] == "Executive Secretary of the IACHR"
    assert roles["Juan Manuel Gómez Robledo"] == (
        "Secretary of State for Multilateral Affairs and Human Rights"
    )
    assert "Miguel Agustín Pro Juárez" in roles["Mario Patrón"]
    assert "Centro Prodh" in roles["Mario Patrón"]
    assert "Relatives of the missing students" in roles
    assert "Representatives of the Attorney General's Office" in roles
    assert "Representatives of the Ministry of the Interior" in roles


def test_ayotzinapa_sources_keep_the_garbled_wording(seeded: Tracker) -> None:
    drafted, signed, in_force = history_of(seeded, "IACHR-MX-AYOTZINAPA-2014")

    assert isinstance(signed.body, Signed)
    assert "Ral Isidro Burgos" in (drafted.body.source or "")
    ceremony = signed.body.source or ""
    for garbled in ("Mario Pattern", "Miguel Agustn Pro Jurez", "Alvarez", "Gomez"):
        assert garbled in ceremony
    assert "Secretary of State for Multilateral Affairs and Human Rights" in ceremony
    names = [a.name for a in signed.body.attendees]
    assert "Mario Pattern" not in names and "Mario Patrón" in names
    assert in_force.type == "entered_into_force"
    assert "formalized a technical assistance agreement" in (in_force.body.source or "")


def test_chile_agreement(seeded: Tracker) -> None:
    state = signed_not_known_in_force(seeded, "IACHR-DPP-2017", date(2017, 5, 26))

    assert party_names(state)[1] == "Defensoría Penal Pública"
    assert (state.parties[1].short_name, state.parties[1].country) == (
        "Office of the Public Defender of Chile",
        "CL",
    )
    assert "Inter-American Human Rights System" in state.purpose
    signed = history_of(seeded, "IACHR-DPP-2017")[1]
    assert "Concluded: recorded as the signature" in (signed.body.source or "")


def test_every_seed_event_quotes_a_source(seeded: Tracker) -> None:
    records = [r for ref in REFERENCES for r in history_of(seeded, ref)]

    assert len(records) == 11
    assert all(r.body.source for r in records)
    assert {r.recorded_by for r in records} == {"tracker demo"}
