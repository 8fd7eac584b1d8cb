"""The compliance lint: every problem a letter can have is caught, with a stable code."""

from __future__ import annotations

import doctest
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from fordra.domain import letters as letters_module
from fordra.domain.fees import FeeKind, FeeRate, FeeSchedule
from fordra.domain.letters import (
    INKASSOKRAV_KINDS,
    LetterContent,
    LetterFee,
    LetterInterest,
    LetterInvoice,
    LetterParty,
    LintProblem,
    lint_letter,
    min_demand_pay_by,
)
from fordra.domain.ocr import ocr_from_number

SCHEDULE = FeeSchedule(
    rates=(
        FeeRate(FeeKind.REMINDER, date(2013, 3, 16), 6000, "lag (1981:739) 4 §"),
        FeeRate(FeeKind.DEMAND, date(2013, 3, 16), 18000, "lag (1981:739) 4 §"),
        FeeRate(FeeKind.LATE_PAYMENT_COMPENSATION, date(2013, 3, 16), 45000, "4 a §"),
    ),
    version="test",
)
LETTER_DATE = date(2026, 11, 23)  # a Monday
DUE = date(2026, 9, 30)


def a_letter(**changes: Any) -> LetterContent:
    """A complete, lint-clean inkassokrav; ``changes`` replace fields, totals are recomputed."""
    invoice = LetterInvoice("1001", date(2026, 9, 1), DUE, "Elförbrukning augusti", 100_000)
    interest = LetterInterest(
        invoice_number="1001",
        start=DUE + timedelta(days=1),
        end=LETTER_DATE,
        days=(LETTER_DATE - DUE).days,
        capital_ore=100_000,
        rate_percent=Decimal("10.00"),
        amount_ore=1_479,  # 1 000 kr × 10 % × 54 / 365
        provisional=False,
    )
    fees = (
        LetterFee(FeeKind.REMINDER, 6000, "lag (1981:739) 2 §", "1001", charged_on=date(2026, 10, 7)),
        LetterFee(FeeKind.DEMAND, 18000, "lag (1981:739) 3 § 1", "1001"),
    )
    fields: dict[str, Any] = {
        "kind": "demand",
        "text": "demand",
        "letter_date": LETTER_DATE,
        "case_ref": "F-1",
        "ocr": ocr_from_number(100_001),
        "bankgiro": "50501055",
        "creditor": LetterParty("Exempelbolaget AB", "556036-0793", ("Storgatan 1",)),
        "agency": LetterParty(
            "Fordra Inkasso AB", "559000-0005", ("Box 1234", "111 22 Stockholm"),
            phone="08-123 456 70", email="kundtjanst@fordra.example",
        ),
        "debtor": LetterParty("Tolvan Tolvansson", "", ("Storgatan 1", "111 22 STOCKHOLM")),
        "invoices": (invoice,),
        "interest": (interest,),
        "fees": fees,
        "paid_ore": 0,
        "pay_by": min_demand_pay_by(LETTER_DATE),
        "reminder_fee_agreed": True,
    }
    fields.update(changes)
    for total, lines, attr in (
        ("capital_ore", fields["invoices"], "capital_ore"),
        ("interest_ore", fields["interest"], "amount_ore"),
        ("fees_ore", fields["fees"], "amount_ore"),
    ):
        fields.setdefault(total, sum(getattr(line, attr) for line in lines))
    fields.setdefault(
        "total_ore",
        fields["capital_ore"] + fields["interest_ore"] + fields["fees_ore"] - fields["paid_ore"],
    )
    return LetterContent(**fields)


def codes(content: LetterContent) -> list[str]:
    return [p.code for p in lint_letter(content, schedule=SCHEDULE)]


def only_problem(content: LetterContent) -> LintProblem:
    problems = lint_letter(content, schedule=SCHEDULE)
    assert len(problems) == 1, problems
    return problems[0]


# --- the clean cases -----------------------------------------------------------------------


def test_a_complete_demand_has_no_problems() -> None:
    assert lint_letter(a_letter(), schedule=SCHEDULE) == ()


def test_a_reminder_needs_no_interest_detail_nor_the_demand_time_to_pay() -> None:
    reminder = a_letter(
        kind="reminder",
        text="reminder",
        interest=(replace(a_letter().interest[0], rate_percent=Decimal("0")),),
        fees=(a_letter().fees[0],),
        pay_by=LETTER_DATE + timedelta(days=5),
    )

    assert codes(reminder) == []


def test_a_protected_identity_needs_no_address() -> None:
    protected = a_letter(
        debtor=LetterParty("Tolvan Tolvansson", "", ()), protected_identity=True
    )

    assert codes(protected) == []


def test_the_inkassokrav_kinds_are_demand_and_demand_reminder() -> None:
    assert {"demand", "demand_reminder"} == INKASSOKRAV_KINDS


def test_every_problem_is_reported_at_once() -> None:
    broken = a_letter(ocr="123", bankgiro="1", creditor=LetterParty("", "", ()), total_ore=1)

    assert codes(broken) == [
        "ocr_invalid", "bankgiro_invalid", "total_mismatch", "missing_creditor",
        "missing_creditor_identity",
    ]


def test_a_problem_prints_as_its_code_and_message() -> None:
    problem = LintProblem("pay_by_too_short", "pay-by 2026-12-28 is before …")

    assert str(problem) == "pay_by_too_short: pay-by 2026-12-28 is before …"


# --- minimum time to pay (inkassolagen 5 §) -------------------------------------------------


@pytest.mark.parametrize(
    ("sent_on", "minimum"),
    [
        (date(2026, 3, 2), date(2026, 3, 10)),  # Monday: 8 days
        (date(2026, 3, 6), date(2026, 3, 16)),  # Friday: 8 days end on a Saturday → Monday
        (date(2026, 12, 18), date(2026, 12, 30)),  # Christmas: 4 bank days after receipt
        (date(2026, 12, 22), date(2027, 1, 5)),  # received 28 Dec; 29, 30 Dec, 4, 5 Jan
        (date(2026, 6, 15), date(2026, 6, 24)),  # received 17 Jun; 18, 22, 23, 24 (midsommarafton)
    ],
)
def test_the_minimum_pay_by_is_8_days_and_4_bank_days_after_presumed_receipt(
    sent_on: date, minimum: date
) -> None:
    assert min_demand_pay_by(sent_on) == minimum


def test_the_module_docstring_examples_hold() -> None:
    failures, _ = doctest.testmod(letters_module, verbose=False, report=True)
    assert failures == 0


# --- one test per problem code -----------------------------------------------------------


def test_an_unknown_letter_kind_is_caught() -> None:
    assert only_problem(a_letter(kind="threat", text="demand")).code == "unknown_kind"


def test_an_invalid_ocr_reference_is_caught() -> None:
    problem = only_problem(a_letter(ocr="10000082"))

    assert problem.code == "ocr_invalid"
    assert "10000082" in problem.message


def test_an_invalid_bankgiro_is_caught() -> None:
    problem = only_problem(a_letter(bankgiro="50501056"))

    assert problem.code == "bankgiro_invalid"
    assert "50501056" in problem.message


def test_a_capital_that_is_not_the_sum_of_the_invoices_is_caught() -> None:
    letter = a_letter()
    problem = only_problem(
        replace(letter, capital_ore=letter.capital_ore + 1, total_ore=letter.total_ore + 1)
    )

    assert problem.code == "capital_mismatch"
    assert "1 000,01 kr" in problem.message and "1 000,00 kr" in problem.message


def test_an_interest_total_that_is_not_the_sum_of_the_lines_is_caught() -> None:
    letter = a_letter()
    wrong = replace(letter, interest_ore=letter.interest_ore + 100, total_ore=letter.total_ore + 100)

    assert only_problem(wrong).code == "interest_mismatch"


def test_a_fees_total_that_is_not_the_sum_of_the_lines_is_caught() -> None:
    letter = a_letter()
    wrong = replace(letter, fees_ore=letter.fees_ore - 6000, total_ore=letter.total_ore - 6000)

    assert only_problem(wrong).code == "fees_mismatch"


def test_a_total_that_does_not_add_up_is_caught() -> None:
    problem = only_problem(a_letter(paid_ore=5000, total_ore=a_letter().total_ore))

    assert problem.code == "total_mismatch"
    assert "1 254,79 kr" in problem.message  # what was stated
    assert "1 204,79 kr" in problem.message  # 1 000 + 14,79 + 240 − 50: what it should be


def test_a_missing_creditor_name_is_caught() -> None:
    assert only_problem(a_letter(creditor=LetterParty(" ", "556036-0793", ()))).code == (
        "missing_creditor"
    )


def test_a_missing_creditor_identity_is_caught() -> None:
    problem = only_problem(a_letter(creditor=LetterParty("Exempelbolaget AB", "", ())))

    assert problem.code == "missing_creditor_identity"
    assert "Exempelbolaget AB" in problem.message


def test_a_missing_agency_name_is_caught() -> None:
    agency = replace(a_letter().agency, name="")

    assert only_problem(a_letter(agency=agency)).code == "missing_agency"


def test_a_missing_agency_address_is_caught() -> None:
    agency = replace(a_letter().agency, address_lines=("",))

    assert only_problem(a_letter(agency=agency)).code == "missing_agency_address"


def test_an_agency_without_phone_or_email_is_caught() -> None:
    agency = replace(a_letter().agency, phone="", email=" ")

    assert only_problem(a_letter(agency=agency)).code == "missing_agency_contact"


def test_an_agency_with_only_an_email_is_enough() -> None:
    agency = replace(a_letter().agency, phone="")

    assert codes(a_letter(agency=agency)) == []


def test_a_missing_debtor_name_is_caught() -> None:
    debtor = replace(a_letter().debtor, name="")

    assert only_problem(a_letter(debtor=debtor)).code == "missing_debtor"


def test_a_missing_debtor_address_is_caught() -> None:
    debtor = replace(a_letter().debtor, address_lines=())

    assert only_problem(a_letter(debtor=debtor)).code == "missing_debtor_address"


def test_an_address_on_a_protected_identity_is_caught() -> None:
    problem = only_problem(a_letter(protected_identity=True))

    assert problem.code == "address_on_protected_identity"
    assert "Storgatan" not in problem.message  # the problem itself must not leak the address


def test_a_letter_without_invoices_is_caught() -> None:
    letter = a_letter(invoices=(), interest=(), fees=(), kind="reminder", text="reminder")

    assert codes(letter) == ["missing_invoice"]


def test_an_invoice_without_a_number_is_caught() -> None:
    invoice = replace(a_letter().invoices[0], invoice_number="")
    letter = a_letter(invoices=(invoice,), interest=(), fees=(), kind="reminder")

    assert only_problem(letter).code == "invoice_incomplete"


def test_a_fee_over_the_legal_cap_is_caught() -> None:
    fees = (replace(a_letter().fees[1], amount_ore=20_000),)
    problem = only_problem(a_letter(fees=fees))

    assert problem.code == "fee_over_cap"
    assert "200,00 kr" in problem.message and "180,00 kr" in problem.message


def test_the_cap_is_the_one_in_force_on_the_letter_date() -> None:
    schedule = FeeSchedule(
        rates=(*SCHEDULE.rates, FeeRate(FeeKind.DEMAND, date(2027, 1, 1), 20_000, "future")),
        version="test-2",
    )
    fees = (replace(a_letter().fees[1], amount_ore=20_000),)

    assert [p.code for p in lint_letter(a_letter(fees=fees), schedule=schedule)] == [
        "fee_over_cap"
    ]


def test_a_fee_with_no_cap_in_the_schedule_is_caught() -> None:
    fees = (LetterFee(FeeKind.PLAN, 17_000, "lag (1981:739) 3 § 2", "1001"),)

    assert only_problem(a_letter(fees=fees)).code == "fee_cap_unknown"


def test_a_negative_fee_is_caught() -> None:
    fees = (replace(a_letter().fees[1], amount_ore=-100),)

    assert only_problem(a_letter(fees=fees)).code == "fee_negative"


def test_a_reminder_fee_that_was_not_agreed_is_caught() -> None:
    problem = only_problem(a_letter(reminder_fee_agreed=False))

    assert problem.code == "reminder_fee_not_agreed"
    assert "60,00 kr" in problem.message


def test_a_fee_on_an_invoice_not_in_the_letter_is_caught() -> None:
    fees = (replace(a_letter().fees[1], invoice_number="9999"),)

    assert only_problem(a_letter(fees=fees)).code == "fee_invoice_unknown"


def test_a_fee_dated_on_or_before_the_due_date_is_caught() -> None:
    fees = (replace(a_letter().fees[0], charged_on=DUE),)
    problem = only_problem(a_letter(fees=fees))

    assert problem.code == "fee_before_due"
    assert "2026-09-30" in problem.message


def test_a_case_fee_is_checked_against_the_earliest_due_date() -> None:
    fees = (LetterFee(FeeKind.DEMAND, 18_000, "3 § 1", "", charged_on=DUE - timedelta(days=1)),)

    assert only_problem(a_letter(fees=fees)).code == "fee_before_due"


def two_invoices() -> tuple[LetterInvoice, ...]:
    first = a_letter().invoices[0]
    return (first, replace(first, invoice_number="1002", capital_ore=50_000))


def test_an_inkassokrav_over_two_invoices_charging_two_collection_fees_is_caught() -> None:
    # The defect of issue 10: "Inkassoavgift, 2 × 180,00 kr" on one inkassokrav. Lag (1981:739)
    # 3 § 1 and RH 2022:7 (DOMAIN.md §2): one inkassoavgift per inkassokrav.
    fees = (
        LetterFee(FeeKind.DEMAND, 18000, "lag (1981:739) 3 § 1", "1001"),
        LetterFee(FeeKind.DEMAND, 18000, "lag (1981:739) 3 § 1", "1002"),
    )
    problem = only_problem(a_letter(invoices=two_invoices(), interest=(), fees=fees))

    assert problem.code == "fee_per_letter_exceeded"
    assert "2 demand fees (360,00 kr)" in problem.message


def test_a_reminder_over_two_invoices_charging_two_reminder_fees_is_caught() -> None:
    fees = (
        LetterFee(FeeKind.REMINDER, 6000, "lag (1981:739) 2 §", "1001"),
        LetterFee(FeeKind.REMINDER, 6000, "lag (1981:739) 2 §", "1002"),
    )
    reminder = a_letter(
        kind="reminder", text="reminder", invoices=two_invoices(), interest=(), fees=fees,
        pay_by=LETTER_DATE + timedelta(days=10),
    )

    assert only_problem(reminder).code == "fee_per_letter_exceeded"


def test_one_collection_fee_for_both_invoices_of_the_inkassokrav_passes() -> None:
    fees = (
        LetterFee(FeeKind.REMINDER, 6000, "lag (1981:739) 2 §", "1001",
                  charged_on=date(2026, 10, 7), covers=("1001", "1002")),
        LetterFee(FeeKind.DEMAND, 18000, "lag (1981:739) 3 § 1", "1001", covers=("1001", "1002")),
    )

    assert codes(a_letter(invoices=two_invoices(), interest=(), fees=fees)) == []


def test_fees_charged_by_earlier_inkassokrav_are_shown_without_counting_as_this_letters() -> None:
    # A reminder of the demand lists the outstanding inkassoavgift of an earlier letter and that
    # of a later inkassokrav for an invoice handed over afterwards: neither is this letter's own.
    fees = (
        LetterFee(FeeKind.DEMAND, 18000, "3 § 1", "1001", charged_on=date(2026, 10, 20)),
        LetterFee(FeeKind.DEMAND, 18000, "3 § 1", "1002", charged_on=date(2026, 11, 10)),
    )

    assert codes(a_letter(kind="demand_reminder", invoices=two_invoices(), interest=(),
                          fees=fees)) == []


def test_a_pay_by_not_after_the_letter_date_is_caught() -> None:
    letter = a_letter(kind="reminder", text="reminder", pay_by=LETTER_DATE)

    assert only_problem(letter).code == "pay_by_not_after_letter_date"


def test_a_demand_with_too_short_a_time_to_pay_is_caught() -> None:
    problem = only_problem(a_letter(letter_date=date(2026, 12, 18), pay_by=date(2026, 12, 28)))

    assert str(problem) == (
        "pay_by_too_short: pay-by 2026-12-28 is before the legal minimum 2026-12-30 "
        "(inkassolagen 5 §: 8 days from sending, 4 bank days from presumed receipt)"
    )


def test_a_demand_reminder_also_needs_the_legal_time_to_pay() -> None:
    letter = a_letter(kind="demand_reminder", text="demand_reminder",
                      pay_by=LETTER_DATE + timedelta(days=7))

    assert only_problem(letter).code == "pay_by_too_short"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"rate_percent": Decimal("0")}, "a rate"),
        ({"days": 3}, "a consistent period"),
        ({"end": DUE}, "a consistent period"),
        ({"capital_ore": 0}, "the capital"),
        ({"invoice_number": "9999"}, "an invoice of the letter"),
    ],
)
def test_an_interest_line_without_rate_period_or_capital_is_caught_in_a_demand(
    change: dict[str, Any], named: str
) -> None:
    line = replace(a_letter().interest[0], **change)
    problem = only_problem(a_letter(interest=(line,)))

    assert problem.code == "interest_incomplete"
    assert named in problem.message
