"""The IACHR's cooperation agreements from the sample record, as plain data.

Each entry is an agreement: its draft (the body of a `drafted` event) and the
events recorded on it afterwards, in the catalog's own field names. Every
`source` quotes the sample record word for word, translation errors included
("Aachen" for the Commission, names without their accents), while the fields
hold the correct names; where the record is silent, the source says so.

- Titles say which agreement it is: three are cooperation agreements.
- The record gives the signature's date, not the draft's: each draft is dated
  on its signature, and its source says so.
- An entry into force is recorded only where the record supports it: the
  Ayotzinapa agreement was "formalized" and enabled the Commission to act
  from that day. The others were signed ("concluded", for Chile) with no word
  on their entry into force: none is recorded, and the signature's source
  says so.
- Clauses of the signed text (complementary agreements may follow, personnel
  and information may be exchanged) are `provisions` of the draft: what the
  parties may do, not something that happened.
"""

from __future__ import annotations

from typing import Any

IACHR: dict[str, Any] = {
    "name": "Inter-American Commission on Human Rights",
    "short_name": "IACHR",
    "type": "international_organization",
}

CEAV_SIGNED = (
    "On December 5, 2018, IACHR and the Executive Committee for Victims of the United States "
    "of Mexico signed an agreement establishing a legal framework for mutual cooperation "
    "between the parties on counselling, information exchange and assistance in the "
    "promotion, defence and protection of the human rights of victims."
)
IBERO_SIGNED = (
    "On 21 August 2019, IACHR and the Ibero-American Institute for Peace, Human Rights and "
    "International Justice signed a cooperation agreement to establish a regulatory framework "
    "for cooperation mechanisms between the parties to promote the inter-American human "
    "rights system and its standards and to cooperate in human rights promotion and training "
    "activities. The agreement includes the exchange of specific documents and information on "
    "work plans of interest to both parties, as well as other specific cooperation activities, "
    "such as human rights studies and research projects."
)
ECUADOR_SIGNED = (
    "On 7 January 2020, Aachen and the Office of the Ombudsman in Ecuador signed a cooperation "
    "agreement to establish a legal framework for cooperation mechanisms between the parties "
    "to develop and implement joint actions in the areas of advisory services, information "
    "exchange, training, assistance and other activities within the jurisdiction of each body; "
    "To promote the use of the inter-American human rights system and its norms through "
    "theoretical and practical instruments."
)
AYOTZINAPA_FORMALIZED = (
    "On 18 November 2014, IACHR formalized a technical assistance agreement with the Mexican "
    "state and representatives of the missing students of Ayotzinapa. With this agreement, the "
    "Commission will be able to appoint an interdisciplinary technical cooperation group for "
    "the search for the 43 missing students of the Ral Isidro Burgos Normal Rural School in "
    "Ayotzinapa, Iguala, as well as investigations and measures to be taken to punish the "
    "culprits and help families. The main objective of this agreement is to solve the "
    "structural problems that underlie enforced disappearances in Mexico and which are not "
    "limited to students in Iguala."
)
AYOTZINAPA_CEREMONY = (
    "The signing ceremony took place on 18 November in the Federal District and was carried "
    "out in the presence of the IACHR rapporteur for Mexico, Commissioner James Cavallaro; "
    "Mr. Emilio Alvarez Icaza, Executive Secretary of IACHR; Juan Manuel Gomez Robledo, "
    "Secretary of State for Multilateral Affairs and Human Rights, and the beneficiaries of "
    "the precautionary measure granted by IACHR to Ayotzinapa students represented by Mario "
    "Pattern of the Miguel Agustn Pro Jurez Centre (PRODH Centre). Relatives of the missing "
    "students were present, as well as representatives of the Ayotzinapa students and "
    "representatives of the Attorney General`s Office and the Ministry of the Interior."
)
CHILE_CONCLUDED = (
    "On 26 May 2017, IACHR and the Office of the Public Defender of the Republic of Chile "
    "concluded a cooperation agreement to disseminate and promote the implementation of the "
    "Inter-American Human Rights System."
)

NO_DRAFT_DATE = (
    "\n\n[The record gives the date of the signature, not of the draft; the draft is dated "
    "on the signature.]"
)
NO_ENTRY_INTO_FORCE = (
    "\n\n[The record does not say when the agreement entered into force; no entry into "
    "force is recorded.]"
)
COMPLEMENTARY = (
    "Parties can also establish specific cooperation relationships in areas of common interest "
    "through complementary agreements, specific agreements, memorandums of understanding or "
    "exchange of letters."
)
INFORMATION = (
    "The agreement includes the exchange of specific documents and information on work plans "
    "of interest to both parties"
)
PERSONNEL = (
    "In particular, the agreement provides, among other special cooperation relations, for the "
    "exchange of specialized personnel."
)


def _signed(on: str, source: str, **ceremony: Any) -> dict[str, Any]:
    return {"type": "signed", "occurred_on": on, "source": source, **ceremony}


AGREEMENTS: list[dict[str, Any]] = [
    {
        "draft": {
            "reference": "IACHR-CEAV-2018",
            "title": "Cooperation Intention Agreement with the Executive Committee for Victims "
            "of Mexico",
            "kind": "cooperation_intention_agreement",
            "parties": [
                IACHR,
                {
                    "name": "Executive Committee for Victims (Comisión Ejecutiva de Atención "
                    "a Víctimas)",
                    "short_name": "CEAV",
                    "type": "state_agency",
                    "country": "MX",
                },
            ],
            "purpose": (
                "A legal framework for mutual cooperation on counselling, information exchange "
                "and assistance in the promotion, defence and protection of the human rights "
                "of victims."
            ),
            "areas": ["counselling", "information_exchange", "assistance"],
            "provisions": [
                {
                    "kind": "complementary_agreements",
                    "text": (
                        "The parties may establish specific cooperation relationships in areas "
                        "of common interest through complementary agreements, specific "
                        "agreements, memorandums of understanding or exchanges of letters."
                    ),
                },
            ],
            "occurred_on": "2018-12-05",
            "source": f"{CEAV_SIGNED} {COMPLEMENTARY}{NO_DRAFT_DATE}",
        },
        "events": [_signed("2018-12-05", CEAV_SIGNED + NO_ENTRY_INTO_FORCE)],
    },
    {
        "draft": {
            "reference": "IACHR-IBERO-INSTITUTE-2019",
            "title": "Cooperation Agreement with the Ibero-American Institute for Peace, Human "
            "Rights and International Justice",
            "kind": "cooperation_agreement",
            "parties": [
                IACHR,
                {
                    "name": "Ibero-American Institute for Peace, Human Rights and "
                    "International Justice",
                    "type": "institute",
                },
            ],
            "purpose": (
                "A regulatory framework for cooperation mechanisms between the parties to "
                "promote the inter-American human rights system and its standards and to "
                "cooperate in human rights promotion and training activities, and in other "
                "specific cooperation activities such as human rights studies and research "
                "projects."
            ),
            "areas": ["promotion", "training", "information_exchange", "research"],
            "provisions": [
                {
                    "kind": "information_exchange",
                    "text": (
                        "The parties exchange specific documents and information on work plans "
                        "of interest to both."
                    ),
                },
            ],
            "occurred_on": "2019-08-21",
            "source": IBERO_SIGNED + NO_DRAFT_DATE,
        },
        "events": [_signed("2019-08-21", IBERO_SIGNED + NO_ENTRY_INTO_FORCE)],
    },
    {
        "draft": {
            "reference": "IACHR-DPE-2020",
            "title": "Cooperation Agreement with the Office of the Ombudsman of Ecuador",
            "kind": "cooperation_agreement",
            "parties": [
                IACHR,
                {
                    "name": "Defensoría del Pueblo de Ecuador",
                    "short_name": "Office of the Ombudsman of Ecuador",
                    "type": "ombudsman",
                    "country": "EC",
                },
            ],
            "purpose": (
                "A legal framework for cooperation mechanisms between the parties to develop "
                "and implement joint actions in advisory services, information exchange, "
                "training, assistance and other activities within the jurisdiction of each "
                "body, and to promote the use of the inter-American human rights system and "
                "its norms through theoretical and practical instruments."
            ),
            "areas": [
                "advisory_services",
                "information_exchange",
                "training",
                "assistance",
                "promotion",
            ],
            "provisions": [
                {
                    "kind": "personnel_exchange",
                    "text": (
                        "Among other special cooperation relations, the parties exchange "
                        "specialized personnel."
                    ),
                },
            ],
            "occurred_on": "2020-01-07",
            "source": f"{ECUADOR_SIGNED} {PERSONNEL}{NO_DRAFT_DATE}",
        },
        "events": [_signed("2020-01-07", ECUADOR_SIGNED + NO_ENTRY_INTO_FORCE)],
    },
    {
        "draft": {
            "reference": "IACHR-MX-AYOTZINAPA-2014",
            "title": "Technical Assistance Agreement on the Ayotzinapa missing students",
            "kind": "technical_assistance_agreement",
            "parties": [
                IACHR,
                {
                    "name": "Estados Unidos Mexicanos",
                    "short_name": "Mexican State",
                    "type": "state",
                    "country": "MX",
                },
                {
                    "name": "Representatives of the missing students of Ayotzinapa "
                    "and their families",
                    "short_name": "Ayotzinapa representatives",
                    "type": "victims_representatives",
                    "country": "MX",
                },
            ],
            "purpose": (
                "Enables the Commission to appoint an interdisciplinary technical cooperation "
                "group for the search for the 43 missing students of the Raúl Isidro Burgos "
                "Rural Normal School in Ayotzinapa, Iguala, for the investigations and the "
                "measures to be taken to punish those responsible, and to help the families. "
                "Its main objective is to solve the structural problems that underlie enforced "
                "disappearances in Mexico, which are not limited to the students in Iguala."
            ),
            "areas": [
                "technical_assistance",
                "search_for_missing_persons",
                "investigation",
                "assistance_to_families",
            ],
            "occurred_on": "2014-11-18",
            "source": AYOTZINAPA_FORMALIZED + NO_DRAFT_DATE,
        },
        "events": [
            _signed(
                "2014-11-18",
                AYOTZINAPA_CEREMONY,
                place="Mexico City (then the Federal District)",
                attendees=[
                    {
                        "name": "James Cavallaro",
                        "role": "Commissioner, IACHR Rapporteur for Mexico",
                    },
                    {
                        "name": "Emilio Álvarez Icaza",
                        "role": "Executive Secretary of the IACHR",
                    },
                    {
                        "name": "Juan Manuel Gómez Robledo",
                        "role": "Secretary of State for Multilateral Affairs and Human Rights",
                    },
                    {
                        "name": "Mario Patrón",
                        "role": "Centro de Derechos Humanos Miguel Agustín Pro Juárez (Centro "
                        "Prodh), representing the beneficiaries of the IACHR precautionary "
                        "measure for the Ayotzinapa students",
                    },
                    {
                        "name": "Relatives of the missing students",
                        "role": "Families of the 43 missing students of Ayotzinapa",
                    },
                    {
                        "name": "Representatives of the Ayotzinapa students",
                        "role": "Representatives of the students",
                    },
                    {
                        "name": "Representatives of the Attorney General's Office",
                        "role": "Procuraduría General de la República (PGR)",
                    },
                    {
                        "name": "Representatives of the Ministry of the Interior",
                        "role": "Secretaría de Gobernación (SEGOB)",
                    },
                ],
            ),
            {
                "type": "entered_into_force",
                "occurred_on": "2014-11-18",
                "source": (
                    f"{AYOTZINAPA_FORMALIZED}\n\n[Formalized that day, the agreement enabled "
                    "the Commission to act under it from then on: it is recorded as in force "
                    "from the signature.]"
                ),
            },
        ],
    },
    {
        "draft": {
            "reference": "IACHR-DPP-2017",
            "title": "Cooperation Agreement with the Office of the Public Defender of Chile",
            "kind": "cooperation_agreement",
            "parties": [
                IACHR,
                {
                    "name": "Defensoría Penal Pública",
                    "short_name": "Office of the Public Defender of Chile",
                    "type": "state_agency",
                    "country": "CL",
                },
            ],
            "purpose": (
                "To disseminate and promote the implementation of the Inter-American Human "
                "Rights System."
            ),
            "areas": ["dissemination", "promotion"],
            "occurred_on": "2017-05-26",
            "source": CHILE_CONCLUDED + NO_DRAFT_DATE,
        },
        "events": [
            _signed(
                "2017-05-26",
                f"{CHILE_CONCLUDED}\n\n[Concluded: recorded as the signature.]"
                + NO_ENTRY_INTO_FORCE,
            ),
        ],
    },
]
