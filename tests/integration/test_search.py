"""Text search on SQLite and PostgreSQL: what a search looks through, prefixes, and refusals."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from uuid import UUID

import pytest

from events.cooperation import (
    ActivityRecorded,
    ComplementaryAgreementAdded,
    FollowUpScheduled,
    PersonnelExchanged,
)
from events.drafting import AmendableTerms, Amended, Drafted
from events.lifecycle import Attendee, Signatory, Signed
from events.parties import Party
from events.records import DocumentAttached, Retracted
from projections import service
from projections.listing import AgreementQuery
from projections.service import ReadModels
from tests.integration.projection_helpers import IACHR, draft, dump
from tracker.application import Tracker
from tracker.errors import InvalidField
from tracker.seed import load_seed

OMBUDSMAN = Party(
    name="Defensoría del Pueblo de Ecuador",
    short_name="Office of the Ombudsman of Ecuador",
    type="ombudsman",
    country="EC",
)


@pytest.fixture
def read_models(database_url: str) -> Iterator[ReadModels]:
    models = ReadModels.connect(database_url)
    yield models
    models.close()


def search(read_models: ReadModels, tracker: Tracker, q: str, **filters: object) -> set[str]:
    """The titles a search finds, once the views hold every event."""
    read_models.catch_up(tracker)
    query = AgreementQuery.model_validate({"q": q, "limit": 200, **filters})
    return {item["title"] for item in read_models.list_agreements(query).items}


def test_the_sample_record_is_found_by_its_people_and_places(
    tracker: Tracker, read_models: ReadModels
) -> None:
    load_seed(tracker)
    ayotzinapa = {"Technical Assistance Agreement on the Ayotzinapa missing students"}
    for q in ["Álvarez", "alvarez icaza", "Cavallaro", "Prodh", "Mexico City", "PGR", "segob"]:
        assert search(read_models, tracker, q) == ayotzinapa, q
    assert search(read_models, tracker, "Rapporteur for Mexico") == ayotzinapa
    ecuador = {"Cooperation Agreement with the Office of the Ombudsman of Ecuador"}
    assert search(read_models, tracker, "Defensoría Ecuador") == ecuador


def test_everything_recorded_about_an_agreement_is_searched(
    tracker: Tracker, read_models: ReadModels
) -> None:
    agreement = draft(tracker, "Acuerdo marco", parties=[IACHR, OMBUDSMAN])
    signed = Signed(
        occurred_on=date(2020, 2, 1),
        place="Quito",
        signatories=[
            Signatory(name="Freddy Carrión", party="DPE", title="Defensor del Pueblo"),
            Signatory(name="Paulo Abrão", party="IACHR", title="Secretario Ejecutivo"),
        ],
        attendees=[Attendee(name="Soledad García", role="Relatora para Ecuador")],
        enters_into_force_on=date(2020, 2, 1),
    )
    later = [
        PersonnelExchanged(
            occurred_on=date(2020, 3, 1),
            person="Ana Pérez",
            from_party="IACHR",
            to_party="Office of the Ombudsman of Ecuador",
            purpose="pasantía",
        ),
        ActivityRecorded(
            occurred_on=date(2020, 4, 1),
            category="training",
            title="Curso interamericano",
            description="Derechos de personas privadas de libertad",
        ),
        FollowUpScheduled(
            occurred_on=date(2020, 4, 2),
            due_on=date(2020, 9, 1),
            description="Informe sobre la respuesta a la COVID-19",
        ),
        DocumentAttached(
            occurred_on=date(2020, 4, 3), title="Texto firmado", reference="OF-DPE-2020-117"
        ),
    ]
    tracker.record(agreement, signed, "tester")
    for event in later:
        tracker.record(agreement, event, "tester")
    draft(tracker, "Otro acuerdo")
    found = {"Acuerdo marco"}
    for q in [
        "Freddy",
        "carrion",
        "defensor del pueblo",
        "abrao secretario",
        "Soledad",
        "relatora",
        "Quito",
        "Ana Pérez",
        "ana perez pasantia",
        "COVID",
        "covid 19",
        "privadas libertad",
        "curso",
        "OF-DPE-2020-117",
        "texto firmado",
    ]:
        assert search(read_models, tracker, q) == found, q


def test_words_are_prefixes_and_every_word_must_match(
    tracker: Tracker, read_models: ReadModels
) -> None:
    draft(tracker, "Convenio con la Defensoría", parties=[IACHR, OMBUDSMAN])
    draft(tracker, "Convenio de formación")
    assert search(read_models, tracker, "defens") == {"Convenio con la Defensoría"}
    assert search(read_models, tracker, "conv") == {
        "Convenio con la Defensoría",
        "Convenio de formación",
    }
    assert search(read_models, tracker, "conv form") == {"Convenio de formación"}
    assert search(read_models, tracker, "FORMACION, convenio!") == {"Convenio de formación"}
    assert search(read_models, tracker, "conv defensa") == set()
    assert search(read_models, tracker, "venio") == set()


@pytest.mark.parametrize("q", ["", "   ", "-", "¿?", "«—»", "\u200b", "_"])
def test_a_search_without_letters_or_digits_is_refused(
    tracker: Tracker, read_models: ReadModels, q: str
) -> None:
    draft(tracker, "Convenio")
    with pytest.raises(InvalidField) as refused:
        search(read_models, tracker, q)
    assert refused.value.field == "q"


def test_folding_is_the_same_on_both_stores(tracker: Tracker, read_models: ReadModels) -> None:
    """What PostgreSQL's `unaccent`-less search and SQLite's tokenizer used to disagree on."""
    draft(tracker, "Straße der Menschenrechte")
    draft(tracker, "ﬁnance and ﬂows")
    draft(tracker, "\uff21\uff22\uff23 programme")
    draft(tracker, "A\u030aland cooperation")
    draft(tracker, "Coopé\u00adration for\u200bmation")
    assert search(read_models, tracker, "strasse") == {"Straße der Menschenrechte"}
    assert search(read_models, tracker, "STRASSE") == {"Straße der Menschenrechte"}
    assert search(read_models, tracker, "straße") == {"Straße der Menschenrechte"}
    assert search(read_models, tracker, "finance flows") == {"ﬁnance and ﬂows"}
    assert search(read_models, tracker, "abc") == {"\uff21\uff22\uff23 programme"}
    assert search(read_models, tracker, "\uff21\uff22") == {"\uff21\uff22\uff23 programme"}
    assert search(read_models, tracker, "aland") == {"A\u030aland cooperation"}
    assert search(read_models, tracker, "Åland") == {"A\u030aland cooperation"}
    assert search(read_models, tracker, "cooperation formation") == {
        "Coopé\u00adration for\u200bmation"
    }


def complementary(tracker: Tracker, parent: UUID, title: str, reference: str) -> UUID:
    body = Drafted(title=title, kind="specific_agreement", reference=reference)
    event = ComplementaryAgreementAdded(occurred_on=date(2021, 4, 1), agreement=body)
    return tracker.record(parent, event, "tester").children[-1]


def framework(tracker: Tracker) -> tuple[UUID, UUID]:
    parent = draft(tracker, "Marco de cooperación", reference="MARCO-2020")
    tracker.record(parent, Signed(occurred_on=date(2021, 3, 1)), "tester")
    child = complementary(tracker, parent, "Anexo de capacitación", "ANEXO-7")
    draft(tracker, "Unrelated")
    return parent, child


@pytest.mark.parametrize("batch_size", [service.BATCH_SIZE, 1])
def test_parents_and_children_are_found_by_each_others_names(
    tracker: Tracker, read_models: ReadModels, batch_size: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With batches of one event, a child's draft and its parent's link land in two batches."""
    monkeypatch.setattr(service, "BATCH_SIZE", batch_size)
    framework(tracker)
    both = {"Marco de cooperación", "Anexo de capacitación"}
    assert search(read_models, tracker, "marco") == both
    assert search(read_models, tracker, "marco-2020") == both
    assert search(read_models, tracker, "capacitacion") == both
    assert search(read_models, tracker, "anexo 7") == both
    assert search(read_models, tracker, "capacitacion", parent_id=None) == both


def test_a_renamed_parent_is_found_under_its_new_name_through_its_child(
    tracker: Tracker, read_models: ReadModels
) -> None:
    parent, child = framework(tracker)
    read_models.catch_up(tracker)
    renamed = Amended(changes=AmendableTerms(title="Convenio marco interamericano"))
    amendment = tracker.record(parent, renamed, "tester")
    assert search(read_models, tracker, "interamericano") == {
        "Convenio marco interamericano",
        "Anexo de capacitación",
    }
    assert search(read_models, tracker, "cooperacion") == set()
    tracker.record(parent, Retracted(version=amendment.version), "tester")
    assert search(read_models, tracker, "interamericano") == set()
    assert search(read_models, tracker, "cooperacion") == {
        "Marco de cooperación",
        "Anexo de capacitación",
    }
    renamed_child = Amended(changes=AmendableTerms(title="Anexo de investigación"))
    tracker.record(child, renamed_child, "tester")
    assert search(read_models, tracker, "investigacion") == {
        "Marco de cooperación",
        "Anexo de investigación",
    }
    assert search(read_models, tracker, "capacitacion") == set()
    incremental = dump(read_models)
    read_models.rebuild(tracker)
    assert dump(read_models) == incremental
