"""The trifle guard (småbelopp, DOMAIN.md §3): no fee-bearing step for a remainder below the
creditor's threshold; steps without a fee go on as before."""

from __future__ import annotations

from datetime import date

import pytest

from fordra.domain.fees import DebtorType, FeeSchedule
from fordra.domain.ladder import (
    TRIFLE_REASON,
    CaseSnapshot,
    ClaimSnapshot,
    StepRecord,
    decide,
)
from fordra.rules import load_fee_schedule, load_ladder

FEES: FeeSchedule = load_fee_schedule()
CONSUMER = load_ladder("consumer", on=date(2026, 6, 1))
B2B = load_ladder("b2b", on=date(2026, 6, 1))
DUE = date(2026, 6, 12)  # Friday; the consumer reminder is due Monday 2026-06-22
REMINDER_DAY = date(2026, 6, 22)
FIFTY_KRONOR = 5_000


def snapshot(
    *,
    balance: int,
    trifle: int = FIFTY_KRONOR,
    steps: dict[str, StepRecord] | None = None,
    debtor_type: DebtorType = DebtorType.PERSON,
) -> CaseSnapshot:
    return CaseSnapshot(
        case_id=1,
        state="open",
        debtor_type=debtor_type,
        claims=(
            ClaimSnapshot(
                invoice_id=1,
                invoice_number="F-1",
                due_date=DUE,
                capital_ore=balance,
                reminder_fee_agreed=True,
                fees_charged=frozenset(),
            ),
        ),
        steps_done=steps or {},
        balance_ore=balance,
        trifle_ore=trifle,
    )


def test_a_remainder_of_40_kronor_gets_no_reminder_with_a_fee() -> None:
    decision = decide(case=snapshot(balance=4_000), ladder=CONSUMER, today=REMINDER_DAY, fees=FEES)

    assert (decision.step, decision.reason) == (None, TRIFLE_REASON)
    assert decision.fees == () and decision.channels == ()
    assert decision.rule == "consumer-2026-11-01/reminder"
    assert decision.due_on == REMINDER_DAY


def test_a_remainder_of_60_kronor_is_reminded_with_its_fee() -> None:
    decision = decide(case=snapshot(balance=6_000), ladder=CONSUMER, today=REMINDER_DAY, fees=FEES)

    assert decision.reason == "step reminder"
    assert [fee.outcome.amount_ore for fee in decision.fees] == [6000]


@pytest.mark.parametrize(
    ("balance", "trifle", "stopped"),
    [
        (4_999, 5_000, True),
        (5_000, 5_000, False),  # "below" the threshold: 50,00 kr itself proceeds
        (1, 0, False),  # 0 = no threshold
        (4_000, 3_000, False),  # the threshold is the creditor's: 30 kr lets 40 kr go on
        (4_000, 10_000, True),
    ],
)
def test_the_threshold_is_the_creditors_and_strictly_below_it_is_a_trifle(
    balance: int, trifle: int, stopped: bool
) -> None:
    decision = decide(
        case=snapshot(balance=balance, trifle=trifle),
        ladder=CONSUMER,
        today=REMINDER_DAY,
        fees=FEES,
    )
    assert (decision.reason == TRIFLE_REASON) is stopped


def test_a_step_without_a_fee_is_not_stopped_by_the_threshold() -> None:
    # The consumer ladder's demand_follow_up (påminnelse om inkassokrav) carries no fee.
    steps = {
        "reminder": StepRecord(done_on=REMINDER_DAY, pay_by=date(2026, 7, 2)),
        "demand": StepRecord(done_on=date(2026, 7, 13), pay_by=date(2026, 7, 23)),
    }
    decision = decide(
        case=snapshot(balance=4_000, steps=steps),
        ladder=CONSUMER,
        today=date(2026, 7, 30),
        fees=FEES,
    )
    assert decision.reason == "step demand_follow_up"


def test_a_business_reminder_with_late_payment_compensation_is_fee_bearing_too() -> None:
    # B2B reminder 5 days after the due date: 2026-06-17; it adds förseningsersättning 450 kr.
    decision = decide(
        case=snapshot(balance=4_000, debtor_type=DebtorType.COMPANY),
        ladder=B2B,
        today=date(2026, 6, 17),
        fees=FEES,
    )
    assert decision.reason == TRIFLE_REASON


def test_the_trifle_guard_waits_for_the_step_to_be_due_and_for_a_bank_day() -> None:
    early = decide(
        case=snapshot(balance=4_000), ladder=CONSUMER, today=date(2026, 6, 15), fees=FEES
    )
    eve = decide(case=snapshot(balance=4_000), ladder=CONSUMER, today=date(2026, 6, 27), fees=FEES)

    assert early.reason == "not due: reminder on 2026-06-22"
    assert eve.reason == "quiet day"  # a Saturday: nothing is done on a non-bank day
