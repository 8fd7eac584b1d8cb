"""Installment OCRs decode to their case; the plan fee's refusals (lag (1981:739) 1 § and 5 §,
a dödsbo) and a later plan's numbering."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from fordra.domain.fees import FeeKind
from fordra.domain.ocr import ocr_from_number
from fordra.domain.plans import (
    PlanRules,
    case_number_from_installment_ocr,
    installment_ocr,
    plan_fee_outcome,
    propose_plan,
)
from fordra.rules import load_fee_schedule, load_reference_rates

TODAY = date(2026, 12, 1)


@pytest.mark.parametrize("case_number", [100_000, 100_123, 999_999, 1_234_567])
@pytest.mark.parametrize("number", [1, 12, 120, 999])
def test_every_installment_ocr_decodes_to_its_case(case_number: int, number: int) -> None:
    ocr = installment_ocr(case_number=case_number, number=number)

    assert case_number_from_installment_ocr(ocr) == case_number


@pytest.mark.parametrize("text", ["", "abc", "10012300117", "12", "1234 5678", "00000000000"])
def test_junk_and_wrong_check_digits_decode_to_nothing(text: str) -> None:
    assert case_number_from_installment_ocr(text) is None


def test_a_case_ocr_never_decodes_to_a_real_case_number() -> None:
    # Case numbers start at 100 000; a case's own OCR decodes to a number below 1 000.
    assert case_number_from_installment_ocr(ocr_from_number(100_123)) == 100


def fee(**changes: object):
    arguments: dict[str, object] = {
        "on": TODAY, "due_date": date(2026, 9, 30), "already_charged": False,
        "late_payment_compensation_charged": False, "deceased": False,
        "schedule": load_fee_schedule(),
    }
    arguments.update(changes)
    return plan_fee_outcome(**arguments)  # type: ignore[arg-type]


def test_the_plan_fee_is_170_kr_when_allowed() -> None:
    outcome = fee()
    assert (outcome.allowed, outcome.amount_ore, outcome.kind) == (True, 17_000, FeeKind.PLAN)


@pytest.mark.parametrize(
    ("changes", "rule_end", "why"),
    [
        ({"already_charged": True}, "per fordran", "redan tagits ut"),
        ({"late_payment_compensation_charged": True}, "5 §", "ingår i förseningsersättningen"),
        ({"deceased": True}, "dödsbo", "dödsbo"),
        ({"due_date": TODAY}, "1 §", "förfallodagen"),
    ],
)
def test_no_plan_fee_when_charged_absorbed_an_estate_or_not_yet_due(changes, rule_end, why):
    outcome = fee(**changes)

    assert not outcome.allowed and outcome.amount_ore == 0
    assert outcome.rule.endswith(rule_end) and why in outcome.explanation


def propose(**changes: object):
    arguments: dict[str, object] = {
        "case_number": 100_123, "capital_ore": 1_000_000, "interest_ore": 0, "costs_ore": 0,
        "installments": 3, "first_due": date(2026, 12, 28), "today": TODAY,
        "rates": load_reference_rates(), "agreed_rate_percent": Decimal(0),
        "schedule": load_fee_schedule(), "fee_already_charged": False, "rules": PlanRules(),
    }
    arguments.update(changes)
    return propose_plan(**arguments)  # type: ignore[arg-type]


def test_a_later_plan_continues_the_numbering_so_its_ocrs_are_new() -> None:
    first = propose()
    later = propose(first_number=4, fee_already_charged=True)

    assert [i.number for i in later.schedule] == [4, 5, 6]
    assert not {i.ocr for i in first.schedule} & {i.ocr for i in later.schedule}


def test_a_fee_decided_by_the_caller_is_used_and_must_be_a_plan_fee() -> None:
    absorbed = fee(late_payment_compensation_charged=True)
    assert propose(fee=absorbed).fee == absorbed
    assert propose(fee=absorbed).total_ore == 1_000_000
    with pytest.raises(ValueError, match="at most 999 installments"):
        propose(first_number=998)
