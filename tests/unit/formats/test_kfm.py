"""Kronofogden applications and outcomes (DOMAIN.md §7): validation, exact exports, outcomes."""

from __future__ import annotations

import dataclasses
import doctest
import json
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fordra.domain.fees import FeeSchedule
from fordra.formats import kfm
from fordra.formats.kfm import (
    Agent,
    Applicant,
    Application,
    ClaimPart,
    ClaimPartKind,
    InterestClaim,
    KfmError,
    Outcome,
    OutcomeKind,
    Respondent,
    application_text,
    export_batch_csv,
    export_batch_json,
    parse_outcomes_csv,
    validate_application,
    write_outcomes_csv,
)
from fordra.rules import load_fee_schedule

FEES: FeeSchedule = load_fee_schedule()
CREATED_ON = date(2026, 7, 20)
DUE = date(2026, 6, 12)
BATCH_ID = "KFM-2026-07-20"
CREATED = datetime(2026, 7, 20, 9, 30)

# Luhn-valid organisationsnummer, and Skatteverket's published test personnummer.
APPLICANT = Applicant(
    name="Kalles Plåt AB", orgnr="556036-0793", address_lines=("Storgatan 1", "111 22 Stockholm")
)
AGENT = Agent(
    name="Fordra Inkasso AB",
    orgnr="552033-1009",
    ombudskod="4711",
    address_lines=("Box 123", "111 23 Stockholm"),
    phone="08-123 456 00",
    email="kfm@fordra.example",
    bankgiro="5050-1055",
)
TOLVAN = Respondent(
    name="Tolvan Tolvansson",
    identity="19121212-1212",
    address_lines=("Lilla gatan 2", "123 45 Lillby"),
    phone="070-123 45 67",
)
PROTECTED = Respondent(name="Skyddad Person", identity="201701012393", protected_identity=True)
CAPITAL = ClaimPart(
    kind=ClaimPartKind.CAPITAL,
    amount_ore=100_000,
    due_date=DUE,
    interest=InterestClaim(from_date=date(2026, 6, 13)),
    description="Faktura 1001",
)
COLLECTION_FEE = ClaimPart(
    kind=ClaimPartKind.COLLECTION_FEE, amount_ore=18_000, due_date=date(2026, 7, 6)
)
REMINDER_FEE = ClaimPart(
    kind=ClaimPartKind.REMINDER_FEE, amount_ore=6_000, due_date=date(2026, 6, 22)
)
APPLICATION_FEE = ClaimPart(
    kind=ClaimPartKind.APPLICATION_FEE, amount_ore=30_000, due_date=CREATED_ON
)
AGENT_FEE = ClaimPart(kind=ClaimPartKind.AGENT_FEE, amount_ore=38_000, due_date=CREATED_ON)
GROUNDS = (
    "Faktura 1001 daterad 2026-05-13 avseende reparation av tak, Storgatan 1. "
    "Obetald trots påminnelse och inkassokrav."
)
CONSUMER_CLAIM = Application(
    reference="K-2026-0042",
    applicant=APPLICANT,
    agent=AGENT,
    respondents=(TOLVAN,),
    parts=(CAPITAL, COLLECTION_FEE, REMINDER_FEE, APPLICATION_FEE, AGENT_FEE),
    grounds=GROUNDS,
    created_on=CREATED_ON,
)


def application(**changes: object) -> Application:
    return dataclasses.replace(CONSUMER_CLAIM, **changes)  # type: ignore[arg-type]


def part(base: ClaimPart = CAPITAL, **changes: object) -> ClaimPart:
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


def as_json(applications: Sequence[Application], *, sequence: int = 17) -> bytes:
    return export_batch_json(applications, batch_id=BATCH_ID, sequence=sequence, created=CREATED)


def as_csv(applications: Sequence[Application], *, sequence: int = 17) -> bytes:
    return export_batch_csv(applications, batch_id=BATCH_ID, sequence=sequence, created=CREATED)


def problems_of(app: Application) -> tuple[str, ...]:
    return validate_application(app, fees=FEES)


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, _ = doctest.testmod(kfm, verbose=False, report=True)
    assert failures == 0


# --- the worked example: valid, and its exports exactly ------------------------------------


def test_a_consumer_claim_with_statutory_interest_and_the_four_fees_is_valid() -> None:
    assert problems_of(CONSUMER_CLAIM) == ()
    assert CONSUMER_CLAIM.total_ore == 192_000


GOLDEN_JSON = """\
{
  "applications": [
    {
      "agent": {
        "address_lines": [
          "Box 123",
          "111 23 Stockholm"
        ],
        "bankgiro": "50501055",
        "email": "kfm@fordra.example",
        "name": "Fordra Inkasso AB",
        "ombudskod": "4711",
        "orgnr": "5520331009",
        "phone": "08-123 456 00"
      },
      "applicant": {
        "address_lines": [
          "Storgatan 1",
          "111 22 Stockholm"
        ],
        "name": "Kalles Plåt AB",
        "orgnr": "5560360793"
      },
      "created_on": "2026-07-20",
      "disputed": false,
      "grounds": "Faktura 1001 daterad 2026-05-13 avseende reparation av tak, Storgatan 1. \
Obetald trots påminnelse och inkassokrav.",
      "parts": [
        {
          "amount_kronor": "1000.00",
          "amount_ore": 100000,
          "description": "Faktura 1001",
          "due_date": "2026-06-12",
          "interest": {
            "basis": "reference_rate",
            "from_date": "2026-06-13",
            "rate_percent": null,
            "reference_rate_margin_pp": "8"
          },
          "kind": "kapital",
          "number": 1
        },
        {
          "amount_kronor": "180.00",
          "amount_ore": 18000,
          "description": "",
          "due_date": "2026-07-06",
          "interest": null,
          "kind": "inkassoavgift",
          "number": 2
        },
        {
          "amount_kronor": "60.00",
          "amount_ore": 6000,
          "description": "",
          "due_date": "2026-06-22",
          "interest": null,
          "kind": "påminnelseavgift",
          "number": 3
        },
        {
          "amount_kronor": "300.00",
          "amount_ore": 30000,
          "description": "",
          "due_date": "2026-07-20",
          "interest": null,
          "kind": "ansökningsavgift",
          "number": 4
        },
        {
          "amount_kronor": "380.00",
          "amount_ore": 38000,
          "description": "",
          "due_date": "2026-07-20",
          "interest": null,
          "kind": "ombudsarvode",
          "number": 5
        }
      ],
      "reference": "K-2026-0042",
      "respondents": [
        {
          "address_lines": [
            "Lilla gatan 2",
            "123 45 Lillby"
          ],
          "email": "",
          "identity": "191212121212",
          "identity_kind": "personnummer",
          "name": "Tolvan Tolvansson",
          "phone": "070-123 45 67",
          "protected_identity": false
        }
      ],
      "total_kronor": "1920.00",
      "total_ore": 192000,
      "with_eviction": false
    }
  ],
  "batch": {
    "application_count": 1,
    "batch_id": "KFM-2026-07-20",
    "created": "2026-07-20T09:30:00",
    "format": "fordra-kfm-bf",
    "format_version": 1,
    "sequence": 17,
    "total_kronor": "1920.00",
    "total_ore": 192000
  }
}
"""


def test_the_json_export_of_the_consumer_claim_is_exactly_the_golden_file() -> None:
    assert as_json([CONSUMER_CLAIM]).decode("utf-8") == GOLDEN_JSON


GOLDEN_CSV = "".join(
    line + "\n"
    for line in [
        "batch_id;sequence;created;reference;part;respondents;kind;amount_ore;amount_kronor;"
        "due_date;interest_basis;interest_rate_percent;interest_margin_pp;interest_from;"
        "description",
        "KFM-2026-07-20;17;2026-07-20T09:30:00;K-2026-0042;1;191212121212;kapital;100000;"
        "1000.00;2026-06-12;reference_rate;;8;2026-06-13;Faktura 1001",
        "KFM-2026-07-20;17;2026-07-20T09:30:00;K-2026-0042;2;191212121212;inkassoavgift;18000;"
        "180.00;2026-07-06;;;;;",
        "KFM-2026-07-20;17;2026-07-20T09:30:00;K-2026-0042;3;191212121212;påminnelseavgift;6000;"
        "60.00;2026-06-22;;;;;",
        "KFM-2026-07-20;17;2026-07-20T09:30:00;K-2026-0042;4;191212121212;ansökningsavgift;30000;"
        "300.00;2026-07-20;;;;;",
        "KFM-2026-07-20;17;2026-07-20T09:30:00;K-2026-0042;5;191212121212;ombudsarvode;38000;"
        "380.00;2026-07-20;;;;;",
    ]
)


def test_the_csv_export_of_the_consumer_claim_is_exactly_the_golden_file() -> None:
    assert as_csv([CONSUMER_CLAIM]).decode("utf-8") == GOLDEN_CSV


GOLDEN_TEXT = """\
ANSÖKAN OM BETALNINGSFÖRELÄGGANDE
Vår referens: K-2026-0042
Datum: 2026-07-20

SÖKANDE
Kalles Plåt AB
Organisationsnummer 556036-0793
Storgatan 1
111 22 Stockholm

OMBUD
Fordra Inkasso AB
Organisationsnummer 552033-1009
Ombudskod: 4711
Box 123
111 23 Stockholm
Telefon: 08-123 456 00
E-post: kfm@fordra.example
Bankgiro för betalning: 5050-1055

SVARANDE
1. Tolvan Tolvansson
   Personnummer 19121212-1212
   Lilla gatan 2
   123 45 Lillby
   Telefon: 070-123 45 67

YRKANDE
1. Kapital: 1 000,00 kr, förfallodag 2026-06-12
   Ränta: referensräntan + 8 procentenheter från 2026-06-13
   Faktura 1001
2. Inkassoavgift: 180,00 kr, förfallodag 2026-07-06
3. Påminnelseavgift: 60,00 kr, förfallodag 2026-06-22
4. Ansökningsavgift: 300,00 kr, förfallodag 2026-07-20
5. Ombudsarvode: 380,00 kr, förfallodag 2026-07-20
Summa: 1 920,00 kr jämte ränta enligt ovan

GRUND
Faktura 1001 daterad 2026-05-13 avseende reparation av tak, Storgatan 1. \
Obetald trots påminnelse och inkassokrav.
"""


def test_the_text_for_the_case_pdf_is_exactly_the_golden_text() -> None:
    assert application_text(CONSUMER_CLAIM) == GOLDEN_TEXT


def test_the_same_claim_written_differently_gives_the_same_bytes() -> None:
    explicit = part(
        interest=InterestClaim(
            reference_rate_margin_pp=Decimal("8.00"), from_date=date(2026, 6, 13)
        )
    )
    spelled_out = application(
        respondents=(dataclasses.replace(TOLVAN, identity="191212121212"),),
        agent=dataclasses.replace(AGENT, bankgiro="50501055", orgnr="5520331009"),
        parts=(explicit, *CONSUMER_CLAIM.parts[1:]),
    )

    assert as_json([spelled_out]) == GOLDEN_JSON.encode()
    assert as_csv([spelled_out]) == GOLDEN_CSV.encode()
    assert application_text(spelled_out) == GOLDEN_TEXT


def test_an_agreed_fixed_rate_is_exported_as_decimal_text_and_printed_the_swedish_way() -> None:
    fixed = part(interest=InterestClaim(rate_percent=Decimal("12.50"), from_date=date(2026, 6, 20)))
    app = application(parts=(fixed, APPLICATION_FEE))

    exported = json.loads(as_json([app]))
    csv_row = as_csv([app]).decode().splitlines()[1]

    assert problems_of(app) == ()
    assert exported["applications"][0]["parts"][0]["interest"] == {
        "basis": "fixed",
        "from_date": "2026-06-20",
        "rate_percent": "12.5",
        "reference_rate_margin_pp": None,
    }
    assert ";fixed;12.5;;2026-06-20;" in csv_row
    assert "   Ränta: 12,5 % per år från 2026-06-20\n" in application_text(app)
    assert "Summa: 1 300,00 kr jämte ränta enligt ovan\n" in application_text(app)


def test_a_margin_other_than_eight_points_is_kept() -> None:
    margin = part(
        interest=InterestClaim(
            reference_rate_margin_pp=Decimal("7.5"), from_date=DUE.replace(day=13)
        )
    )
    app = application(parts=(margin,))

    assert problems_of(app) == ()
    assert ";reference_rate;;7.5;2026-06-13;" in as_csv([app]).decode()
    assert "referensräntan + 7,5 procentenheter" in application_text(app)


def test_several_respondents_answer_for_every_part_and_are_all_listed() -> None:
    second = Respondent(
        name="Berit Tolvansson",
        identity="194408139089",
        address_lines=("Lilla gatan 2", "123 45 Lillby"),
    )
    app = application(respondents=(TOLVAN, second))

    rows = as_csv([app]).decode().splitlines()[1:]

    assert problems_of(app) == ()
    assert all(";191212121212,194408139089;" in row for row in rows)
    assert "2. Berit Tolvansson\n   Personnummer 19440813-9089\n" in application_text(app)


def test_a_request_for_eviction_is_stated_in_the_text_and_the_json() -> None:
    app = application(with_eviction=True)

    exported = json.loads(as_json([app]))

    assert exported["applications"][0]["with_eviction"] is True
    assert application_text(app).endswith(
        "\nHANDRÄCKNING\nSökanden begär handräckning om avhysning.\n"
    )


def test_a_sole_trader_creditor_is_identified_by_the_owners_personnummer() -> None:
    app = application(applicant=dataclasses.replace(APPLICANT, orgnr="199006022397"))

    assert problems_of(app) == ()
    assert "SÖKANDE\nKalles Plåt AB\nPersonnummer 19900602-2397\n" in application_text(app)


# --- protected identity ---------------------------------------------------------------------


def test_a_protected_identity_without_an_address_is_valid_and_no_output_holds_an_address() -> None:
    app = application(respondents=(PROTECTED,))

    exported = as_json([app])
    respondent = json.loads(exported)["applications"][0]["respondents"][0]
    text = application_text(app)
    rows = as_csv([app]).decode()

    assert problems_of(app) == ()
    assert respondent["protected_identity"] is True
    assert respondent["address_lines"] == []
    assert "1. Skyddad Person\n   Personnummer 20170101-2393\n   Skyddade" in text
    assert "   Skyddade personuppgifter: adressen lämnas inte ut.\n" in text
    assert "Lilla gatan" not in exported.decode() + text + rows
    assert "address" not in rows.splitlines()[0]


def test_a_protected_identity_with_an_address_is_refused_and_the_address_never_printed() -> None:
    secret = "Hemliga vägen 7"
    app = application(respondents=(dataclasses.replace(PROTECTED, address_lines=(secret,)),))

    assert problems_of(app) == (
        "respondent 1: protected identity: the address must be left out, never sent",
    )
    for write in (
        lambda: as_json([app]),
        lambda: as_csv([app]),
        lambda: application_text(app),
    ):
        with pytest.raises(KfmError) as refused:
            write()
        assert secret not in str(refused.value)


# --- the disputed flag -------------------------------------------------------------------------

DISPUTED = "the claim is disputed: it must go to court, never to Kronofogden as an undisputed claim"


def test_a_disputed_claim_fails_validation_with_a_clear_message() -> None:
    assert problems_of(application(disputed=True)) == (DISPUTED,)


def test_a_disputed_claim_is_never_exported_nor_rendered() -> None:
    app = application(disputed=True)

    with pytest.raises(KfmError, match="application 2 \\('K-2026-0042'\\): the claim is disputed"):
        as_json([application(reference="K-1"), app])
    with pytest.raises(KfmError, match="the claim is disputed"):
        as_csv([app])
    with pytest.raises(KfmError) as refused:
        application_text(app)
    assert refused.value.problems == (DISPUTED,)


# --- every validation problem ------------------------------------------------------------------

BAD_RESPONDENT = dataclasses.replace(TOLVAN, identity="19121212-1213")


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"respondents": ()}, "no respondent (svarande)"),
        ({"respondents": (BAD_RESPONDENT,)}, "respondent 1: identity: check digit is wrong"),
        (
            {"respondents": (dataclasses.replace(TOLVAN, identity="1212"),)},
            "respondent 1: identity: must be 10 or 12 digits",
        ),
        (
            # Born the day after the application: the identity is checked on created_on.
            {"respondents": (dataclasses.replace(TOLVAN, identity="20260721-0000"),)},
            "respondent 1: identity: birth date is in the future",
        ),
        (
            {"respondents": (TOLVAN, dataclasses.replace(TOLVAN, identity="121212+1212"))},
            "respondent 2: identity: the same as respondent 1",
        ),
        (
            {"respondents": (dataclasses.replace(TOLVAN, address_lines=()),)},
            "respondent 1: address missing",
        ),
        (
            {"respondents": (dataclasses.replace(TOLVAN, address_lines=(" ", "")),)},
            "respondent 1: address missing",
        ),
        (
            {"respondents": (dataclasses.replace(TOLVAN, email="tolvan at example"),)},
            "respondent 1: email: not an e-mail address",
        ),
        (
            {"respondents": (dataclasses.replace(TOLVAN, name=""),)},
            "respondent 1: name: missing",
        ),
        ({"parts": (COLLECTION_FEE, APPLICATION_FEE)}, "no capital (kapital) part"),
        ({"parts": ()}, "no capital (kapital) part"),
        ({"parts": (part(amount_ore=0),)}, "part 1 (kapital): amount must be positive"),
        ({"parts": (part(amount_ore=-100),)}, "part 1 (kapital): amount must be positive"),
        (
            {"parts": (part(amount_ore=100_000_000_001),)},
            "part 1 (kapital): amount over 1 000 000 000,00 kr",
        ),
        (
            {"parts": (part(due_date=date(2026, 7, 21), interest=None),)},
            "part 1 (kapital): not yet due on the application date 2026-07-20",
        ),
        (
            {"parts": (part(interest=InterestClaim(from_date=DUE)),)},
            "part 1 (kapital): interest from 2026-06-12 is before the day after the due date "
            "(2026-06-13)",
        ),
        (
            {
                "parts": (
                    CAPITAL,
                    part(COLLECTION_FEE, interest=InterestClaim(from_date=CREATED_ON)),
                )
            },
            "part 2 (inkassoavgift): interest on a cost: interest is claimed on capital only",
        ),
        (
            {
                "parts": (
                    part(
                        interest=InterestClaim(
                            rate_percent=Decimal(10),
                            reference_rate_margin_pp=Decimal(8),
                            from_date=date(2026, 6, 13),
                        )
                    ),
                )
            },
            "part 1 (kapital): interest: either a fixed rate or a margin over the reference "
            "rate, not both",
        ),
        (
            {
                "parts": (
                    part(
                        interest=InterestClaim(rate_percent=Decimal(0), from_date=date(2026, 6, 13))
                    ),
                )
            },
            "part 1 (kapital): interest: rate must be above 0 and at most 100 percent",
        ),
        (
            {
                "parts": (
                    part(
                        interest=InterestClaim(
                            rate_percent=Decimal("NaN"), from_date=date(2026, 6, 13)
                        )
                    ),
                )
            },
            "part 1 (kapital): interest: rate must be above 0 and at most 100 percent",
        ),
        (
            {
                "parts": (
                    part(
                        interest=InterestClaim(
                            reference_rate_margin_pp=Decimal(-1), from_date=date(2026, 6, 13)
                        )
                    ),
                )
            },
            "part 1 (kapital): interest: margin must be 0 to 100 percentage points",
        ),
        (
            {"parts": (part(description="Faktura\n1001"),)},
            "part 1 (kapital): description: control or other non-printable characters",
        ),
        (
            {"parts": (CAPITAL, APPLICATION_FEE, APPLICATION_FEE)},
            "more than one ansökningsavgift part: one per application",
        ),
        (
            {"parts": (CAPITAL, AGENT_FEE, AGENT_FEE)},
            "more than one ombudsarvode part: one per application",
        ),
        (
            {
                "parts": (
                    CAPITAL,
                    COLLECTION_FEE,
                    ClaimPart(
                        kind=ClaimPartKind.LATE_PAYMENT_COMPENSATION,
                        amount_ore=45_000,
                        due_date=date(2026, 6, 13),
                    ),
                )
            },
            "inkassoavgift beside förseningsersättning: it is absorbed by it (lag 1981:739 5 §)",
        ),
        ({"grounds": ""}, "grounds (grund) missing: say what the claim is"),
        ({"grounds": " \n "}, "grounds (grund) missing: say what the claim is"),
        ({"grounds": "x" * 4001}, "grounds: longer than 4000 characters"),
        ({"grounds": "Faktura\x00 1001"}, "grounds: control or other non-printable characters"),
        ({"reference": ""}, "reference: missing"),
        ({"reference": " K-1"}, "reference: blanks before or after"),
        ({"reference": "K" * 65}, "reference: longer than 64 characters"),
        (
            {"applicant": dataclasses.replace(APPLICANT, orgnr="556036-0794")},
            "applicant: orgnr: check digit is wrong",
        ),
        ({"applicant": dataclasses.replace(APPLICANT, name=" ")}, "applicant: name: missing"),
        (
            {"applicant": dataclasses.replace(APPLICANT, address_lines=())},
            "applicant: address missing",
        ),
        ({"agent": dataclasses.replace(AGENT, ombudskod="")}, "agent: ombudskod: missing"),
        (
            {"agent": dataclasses.replace(AGENT, bankgiro="5050-1056")},
            "agent: bankgiro: check digit is wrong",
        ),
        ({"agent": dataclasses.replace(AGENT, email="")}, "agent: email: missing"),
        (
            {"agent": dataclasses.replace(AGENT, email="kfm@fordra")},
            "agent: email: not an e-mail address",
        ),
        ({"agent": dataclasses.replace(AGENT, phone="")}, "agent: phone: missing"),
        (
            {"agent": dataclasses.replace(AGENT, address_lines=("Box 123",) * 6)},
            "agent: address: more than 5 lines",
        ),
        ({"disputed": True}, DISPUTED),
    ],
)
def test_every_validation_problem_is_reported_in_words(
    changes: dict[str, object], expected: str
) -> None:
    assert problems_of(application(**changes)) == (expected,)


@pytest.mark.parametrize(
    ("fee", "amount_ore", "maximum"),
    [
        (COLLECTION_FEE, 18_001, "180,00 kr"),
        (REMINDER_FEE, 7_000, "60,00 kr"),
        (APPLICATION_FEE, 35_000, "300,00 kr"),
        (AGENT_FEE, 40_000, "380,00 kr"),
        (ClaimPart(kind=ClaimPartKind.PLAN_FEE, amount_ore=20_000, due_date=CREATED_ON), 20_000,
         "170,00 kr"),
        (ClaimPart(kind=ClaimPartKind.LATE_PAYMENT_COMPENSATION, amount_ore=0,
                   due_date=CREATED_ON), 50_000, "450,00 kr"),
    ],
)  # fmt: skip
def test_a_fee_over_its_legal_maximum_on_the_application_date_is_refused(
    fee: ClaimPart, amount_ore: int, maximum: str
) -> None:
    app = application(parts=(CAPITAL, part(fee, amount_ore=amount_ore)))
    amount = f"{amount_ore // 100},{amount_ore % 100:02d} kr"

    (problem,) = problems_of(app)

    assert problem == (
        f"part 2 ({fee.kind}): {amount} is over the legal maximum {maximum} on 2026-07-20 "
        "(fee schedule 2013-03-16)"
    )


def test_a_fee_at_its_legal_maximum_or_below_is_accepted() -> None:
    app = application(parts=(CAPITAL, part(COLLECTION_FEE, amount_ore=15_000), AGENT_FEE))

    assert problems_of(app) == ()


def test_a_fee_with_no_legal_maximum_on_the_application_date_is_refused() -> None:
    # Fordra's schedule has KFM's fee from 2013-03-16 only.
    old = date(2013, 3, 1)
    app = application(
        created_on=old,
        parts=(
            part(due_date=date(2013, 1, 31), interest=None),
            part(APPLICATION_FEE, due_date=old),
        ),
    )

    assert problems_of(app) == (
        "part 2 (ansökningsavgift): no legal maximum known on 2013-03-01 (fee schedule 2013-03-16)",
    )


@pytest.mark.parametrize(
    ("grounds", "found"),
    [
        ("Faktura 1001. Betala till bankgiro 5050-1055.", "Betala till"),
        ("Faktura 1001, bankgironummer 5050-1055", "bankgironummer"),
        ("Faktura 1001, BG 5050-1055", "BG"),
        ("Faktura 1001, pg 90 20 01-7", "pg"),
        ("Faktura 1001, ange OCR-nummer 10000081", "OCR"),
        ("Faktura 1001, plusgiro 902001-7", "plusgiro"),
        ("Faktura 1001, IBAN SE45 5000 0000 0583 9825 7466", "IBAN"),
        ("Faktura 1001, Swisha 123 456 78 90", "Swisha"),
        ("Faktura 1001, kontonummer 1234-5678", "kontonummer"),
        ("Faktura 1001, clearingnummer 8327", "clearingnummer"),
        ("Faktura 1001. Beloppet betalas in senast 31/7", "betalas in"),
    ],
)
def test_grounds_with_payment_instructions_are_refused(grounds: str, found: str) -> None:
    assert problems_of(application(grounds=grounds)) == (
        f"grounds must not contain payment instructions (found {found!r})",
    )


@pytest.mark.parametrize(
    "grounds",
    [
        "Faktura 1001 daterad 2026-05-13 avseende takreparation. Obetald.",
        "Hyra för juni 2026 för lägenhet 1101, Lilla gatan 2. Delbetalning 200 kr har gjorts.",
        "Svaranden har inte betalat trots påminnelse.\nUrsprunglig fordringsägare: "
        "Kalles Plåt AB, 556036-0793 (fordran förvärvad 2026-07-01).",
    ],
)
def test_grounds_that_only_describe_the_claim_and_its_payments_are_accepted(grounds: str) -> None:
    assert problems_of(application(grounds=grounds)) == ()


def test_every_problem_of_an_application_is_reported_at_once() -> None:
    app = application(
        disputed=True,
        respondents=(dataclasses.replace(BAD_RESPONDENT, address_lines=()),),
        parts=(part(COLLECTION_FEE, amount_ore=20_000), part(REMINDER_FEE, amount_ore=0)),
        grounds="Betala till bankgiro 5050-1055",
    )

    assert problems_of(app) == (
        DISPUTED,
        "respondent 1: identity: check digit is wrong",
        "respondent 1: address missing",
        "no capital (kapital) part",
        "part 1 (inkassoavgift): 200,00 kr is over the legal maximum 180,00 kr on 2026-07-20 "
        "(fee schedule 2013-03-16)",
        "part 2 (påminnelseavgift): amount must be positive",
        "grounds must not contain payment instructions (found 'Betala till')",
    )


# --- the batch -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("batch_id", "sequence", "expected"),
    [
        (BATCH_ID, 0, "sequence: must be a number from 1 to 999999999"),
        (BATCH_ID, -3, "sequence: must be a number from 1 to 999999999"),
        (BATCH_ID, True, "sequence: must be a number from 1 to 999999999"),
        (BATCH_ID, 1_000_000_000, "sequence: must be a number from 1 to 999999999"),
        ("", 1, "batch_id: missing"),
        ("KFM 1 ", 1, "batch_id: blanks before or after"),
        ("B" * 65, 1, "batch_id: longer than 64 characters"),
    ],
)
def test_a_batch_header_out_of_bounds_is_refused(
    batch_id: str, sequence: int, expected: str
) -> None:
    for export in (export_batch_json, export_batch_csv):
        with pytest.raises(KfmError) as refused:
            export([CONSUMER_CLAIM], batch_id=batch_id, sequence=sequence, created=CREATED)
        assert refused.value.problems == (expected,)


def test_the_sequence_number_is_in_the_batch_header() -> None:
    exported = json.loads(as_json([CONSUMER_CLAIM], sequence=1))

    assert exported["batch"]["sequence"] == 1


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(KfmError) as refused:
        as_json([])

    assert refused.value.problems == ("applications: none in the batch",)


def test_a_reference_used_twice_in_a_batch_is_refused() -> None:
    with pytest.raises(KfmError) as refused:
        as_csv([CONSUMER_CLAIM, CONSUMER_CLAIM])

    assert refused.value.problems == (
        "application 2 ('K-2026-0042'): reference: also used by application 1",
    )


def test_a_batch_with_invalid_applications_is_refused_naming_each_of_them() -> None:
    second = application(reference="K-2", respondents=())
    third = application(reference="K-3", grounds="")

    with pytest.raises(KfmError) as refused:
        as_json([CONSUMER_CLAIM, second, third])

    assert refused.value.problems == (
        "application 2 ('K-2'): no respondent (svarande)",
        "application 3 ('K-3'): grounds (grund) missing: say what the claim is",
    )


def test_a_batch_totals_its_applications() -> None:
    second = application(reference="K-2", parts=(part(amount_ore=12_345, interest=None),))

    header = json.loads(as_json([CONSUMER_CLAIM, second]))["batch"]

    assert (header["application_count"], header["total_ore"], header["total_kronor"]) == (
        2,
        204_345,
        "2043.45",
    )


# --- outcomes ------------------------------------------------------------------------------

HEADER = "reference;kind;date;kfm_case_number;detail\n"
ALL_KINDS = tuple(
    Outcome(
        reference=f"K-{number}",
        kind=kind,
        date=date(2026, 8, number),
        kfm_case_number="" if kind is OutcomeKind.RECEIPT_ERROR else f"12-{number:06d}-26",
        detail="svarande 1: okänd adress; se bilaga" if kind is OutcomeKind.RECEIPT_ERROR else "",
    )
    for number, kind in enumerate(OutcomeKind, start=1)
)


def test_outcomes_of_every_kind_round_trip() -> None:
    data = write_outcomes_csv(ALL_KINDS)

    assert parse_outcomes_csv(data) == (ALL_KINDS, ())


def test_the_outcome_file_is_written_exactly_so() -> None:
    assert write_outcomes_csv(ALL_KINDS[:2]).decode() == (
        HEADER
        + "K-1;kvittens;2026-08-01;12-000001-26;\n"
        + 'K-2;kvittens-fel;2026-08-02;;"svarande 1: okänd adress; se bilaga"\n'
    )


def test_an_outcome_file_from_a_spreadsheet_is_read() -> None:
    data = (
        "\ufeffReference ; KIND;Date;KFM_case_number;Detail\r\n"
        "K-1; Utslag ;2026-09-01; 12-345678-26 ;\r\n"
        "\r\n"
        ";;;;\r\n"
        'K-2;HINDER/INGEN TILLGÅNG;2026-09-02;12-345679-26;"Inga tillgångar; ""REX"""\r\n'
        "K-3;återkallad;2026-09-03;12-345680-26;\r\n"
    ).encode()

    outcomes, errors = parse_outcomes_csv(data)

    assert errors == ()
    assert [(o.reference, o.kind, o.kfm_case_number, o.detail) for o in outcomes] == [
        ("K-1", OutcomeKind.JUDGMENT, "12-345678-26", ""),
        ("K-2", OutcomeKind.NO_ASSETS, "12-345679-26", 'Inga tillgångar; "REX"'),
        ("K-3", OutcomeKind.WITHDRAWN, "12-345680-26", ""),
    ]


def test_an_outcome_file_with_a_header_and_no_outcomes_is_valid_and_empty() -> None:
    assert parse_outcomes_csv(HEADER.encode()) == ((), ())


def test_bad_outcome_lines_are_all_reported_by_line_and_column_and_nothing_is_imported() -> None:
    data = (
        HEADER
        + "K-1;utslag;2026-09-01;12-345678-26;\n"
        + "K-2;dom;2026-09-01;12-345678-26;\n"
        + ";delgiven;2026-9-1;;\n"
        + "K-4;kvittens-fel;2026-02-30;;\n"
        + "K-5;bestridd;2026-09-01\n"
        + 'K-6;bestridd;2026-09-01;12-1;"two\nlines"\n'
        + "K-1;utslag;2026-09-01;12-345678-26;\n"
        + "K-8;;;;\n"
    ).encode()

    assert parse_outcomes_csv(data) == (
        (),
        (
            "line 3: kind: unknown kind 'dom'",
            "line 4: reference: missing",
            "line 4: date: not a date YYYY-MM-DD",
            "line 4: kfm_case_number: missing",
            "line 5: date: not a valid date",
            "line 5: detail: missing",
            "line 6: fields: expected 5 fields, found 3",
            "line 7: detail: control or other non-printable characters",
            "line 9: reference: the same outcome as line 2",
            "line 10: kind: missing",
            "line 10: date: missing",
        ),
    )


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"", "line 1: file: the file is empty"),
        (b" \n\n", "line 1: file: the file is empty"),
        (b"reference;kind;date\n", "line 1: header: expected reference;kind;date;kfm_case_number;detail"),
        (b"reference,kind,date,kfm_case_number,detail\n", "line 1: header: expected reference;kind;date;kfm_case_number;detail"),
        (HEADER.encode() + b"K-1;utslag;2026-09-01;1;\xe5\n", "line 2: file: not UTF-8 text"),
        (b"\xff" + HEADER.encode(), "line 1: file: not UTF-8 text"),
        # A file cut off inside a quoted value.
        (HEADER.encode() + b'K-1;kvittens-fel;2026-09-01;;"Svarande 1', "line 2: fields: cannot read the line (unexpected end of data)"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_an_outcome_file_is_refused_on_line_1_or_where_it_breaks(
    data: bytes, expected: str
) -> None:
    assert parse_outcomes_csv(data) == ((), (expected,))


def test_checking_stops_after_the_error_limit() -> None:
    data = (HEADER + "K-1;dom;2026-09-01;1;\n" * (kfm.OUTCOME_ERRORS_MAX + 50)).encode()

    outcomes, errors = parse_outcomes_csv(data)

    assert outcomes == ()
    assert len(errors) == kfm.OUTCOME_ERRORS_MAX + 1
    assert errors[-1] == f"line {kfm.OUTCOME_ERRORS_MAX + 1}: file: 1000 errors; checking stopped"


@pytest.mark.parametrize(
    ("outcome", "expected"),
    [
        (ALL_KINDS[0], ()),
        (dataclasses.replace(ALL_KINDS[0], reference=" K-1"), ("outcome 1: reference: blanks before or after",)),
        (dataclasses.replace(ALL_KINDS[0], kfm_case_number=""), ("outcome 1: kfm_case_number: missing",)),
        (dataclasses.replace(ALL_KINDS[1], detail=""), ("outcome 1: detail: missing",)),
        (dataclasses.replace(ALL_KINDS[1], detail="två\nrader"), ("outcome 1: detail: control or other non-printable characters",)),
        (dataclasses.replace(ALL_KINDS[2], detail="x "), ("outcome 1: detail: blanks before or after",)),
    ],
)  # fmt: skip
def test_the_outcome_writer_refuses_what_the_parser_would_refuse(
    outcome: Outcome, expected: tuple[str, ...]
) -> None:
    if not expected:
        write_outcomes_csv([outcome])
        return
    with pytest.raises(KfmError) as refused:
        write_outcomes_csv([outcome])
    assert refused.value.problems == expected


# --- robustness ----------------------------------------------------------------------------

ROBUST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_all_or_nothing(result: tuple[tuple[Outcome, ...], tuple[str, ...]], data: bytes) -> None:
    outcomes, errors = result
    assert not (outcomes and errors)
    physical_lines = data.count(b"\n") + data.count(b"\r") + 1
    for error in errors:
        number = int(error.removeprefix("line ").split(":", 1)[0])
        assert 1 <= number <= physical_lines, error
    for outcome in outcomes:
        assert isinstance(outcome.kind, OutcomeKind)


@ROBUST
@given(data=st.binary(max_size=2000))
@example(data=b"\x00")
@example(data=b'"')
@example(data=HEADER.encode() + b'"')
@example(data=HEADER.encode() + b"K-1;utslag;2026-09-01;1;\x00\n")
@example(data=b"\xef\xbb\xbf")
@example(data=HEADER.encode() + b'K-1;utslag;"2026-09-01"x;1;\r\r\n')
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_all_or_nothing(parse_outcomes_csv(data), data)


FRAGMENTS = st.sampled_from(
    [
        "", " ", ";", '"', '""', "\n", "\r\n", "\r", "\x00", "\ufeff", "K-1", "kvittens",
        "kvittens-fel", "UTSLAG", "hinder/ingen tillgång", "Återkallad", "2026-09-01",
        "2026-02-30", "20260901", "9999-12-31", "0000-01-01", "12-345678-26", "x" * 1001, "١٢٣",
    ]
)  # fmt: skip
LINES = st.lists(FRAGMENTS, max_size=8).map("".join)


@ROBUST
@given(
    lines=st.lists(LINES, max_size=10), header=st.sampled_from([HEADER.strip(), "", "reference"])
)
def test_random_csv_like_text_never_raises(lines: list[str], header: str) -> None:
    data = "\n".join([header, *lines]).encode()

    assert_all_or_nothing(parse_outcomes_csv(data), data)


SAFE_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp", "Zs", "Cf", "Co", "Cn")),
    min_size=1,
    max_size=30,
)


@st.composite
def outcomes(draw: st.DrawFn) -> Outcome:
    kind = draw(st.sampled_from(list(OutcomeKind)))
    refused = kind is OutcomeKind.RECEIPT_ERROR
    return Outcome(
        reference=draw(SAFE_TEXT),
        kind=kind,
        date=draw(st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))),
        kfm_case_number=draw(st.just("") if refused else SAFE_TEXT),
        detail=draw(SAFE_TEXT if refused else st.one_of(st.just(""), SAFE_TEXT)),
    )


@ROBUST
@given(written=st.lists(outcomes(), max_size=8, unique=True))
def test_any_outcomes_the_writer_accepts_read_back_the_same(written: list[Outcome]) -> None:
    assert parse_outcomes_csv(write_outcomes_csv(written)) == (tuple(written), ())


def test_a_description_shaped_like_a_formula_is_neutralised_in_the_batch_csv_but_amounts_are_not() -> None:
    text = as_csv([application(parts=(part(description="=cmd|' /C calc'!A0"),))]).decode()
    assert "'=cmd|' /C calc'!A0" in text
    assert ";'-" not in text and ";'+" not in text
