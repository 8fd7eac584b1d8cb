"""A due date on a Saturday, Sunday or holiday: paying on the next bank day is paying in time.

DOMAIN.md §3 (safe default, cf. lag (1930:173) 2 §): no interest, no reminder, no fee when the
claim is paid by the first bank day on or after its due date; if it is not paid by then,
interest runs from the due date itself. Dates are real: 2026-05-30 is a Saturday, 2026-06-19
midsommarafton, 2026-12-25 juldagen (a Friday; 26th annandag jul, a Saturday), 2026-12-31
nyårsafton. The reference rate is 2.00 % in 2026 (DOMAIN.md §3; the July rate is carried
forward), so the statutory rate is 2 + 8 = 10 %.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain.calendar import is_bank_day, is_overdue, last_day_in_time
from fordra.domain.fees import (
    DebtorType,
    FeeSchedule,
    collection_fee,
    late_payment_compensation,
    reminder_fee,
)
from fordra.domain.interest import CapitalChange, ReferenceRateTable, compute_interest
from fordra.domain.ladder import CaseSnapshot, ClaimSnapshot, decide
from fordra.rules import load_fee_schedule, load_ladder, load_reference_rates

RATES: ReferenceRateTable = load_reference_rates()
FEES: FeeSchedule = load_fee_schedule()
CONSUMER = load_ladder("consumer", on=date(2026, 6, 1))
SATURDAY = date(2026, 5, 30)
MONDAY = date(2026, 6, 1)
TUESDAY = date(2026, 6, 2)
THOUSAND_KRONOR = 100_000  # öre
TEN_THOUSAND_KRONOR = 1_000_000


def interest(
    *,
    due: date,
    as_of: date,
    capital: int = THOUSAND_KRONOR,
    paid: tuple[tuple[date, int], ...] = (),
) -> int:
    changes = []
    left = capital
    for day, amount in paid:
        left -= amount
        changes.append(CapitalChange(on=day, capital_ore=left))
    return compute_interest(
        capital_ore=capital, due_date=due, as_of=as_of, rates=RATES, capital_changes=changes
    ).amount_ore


# --- the last day in time -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("due", "in_time"),
    [
        (date(2026, 5, 29), date(2026, 5, 29)),  # a Friday: the due date itself
        (SATURDAY, MONDAY),
        (date(2026, 5, 31), MONDAY),  # Sunday
        (date(2026, 6, 19), date(2026, 6, 22)),  # midsommarafton → Monday
        (date(2026, 12, 24), date(2026, 12, 28)),  # julafton, juldagen, annandag jul, Sunday
        (date(2026, 12, 25), date(2026, 12, 28)),
        (date(2026, 12, 31), date(2027, 1, 4)),  # nyårsafton, nyårsdagen, weekend
    ],
)
def test_a_payment_is_in_time_through_the_first_bank_day_on_or_after_the_due_date(
    due: date, in_time: date
) -> None:
    assert last_day_in_time(due) == in_time
    assert not is_overdue(due, on=in_time)
    assert is_overdue(due, on=in_time + timedelta(days=1))


# --- interest (räntelagen 2, 3 and 6 §§) --------------------------------------------------


def test_a_saturday_due_date_paid_in_full_on_monday_bears_no_interest() -> None:
    # Without the rule: Sunday and Monday, 100 000 × 10 % × 2 / 365 = 54.79 → 0,55 kr.
    for as_of in (MONDAY, TUESDAY, date(2026, 6, 30), date(2027, 5, 30)):
        assert interest(due=SATURDAY, as_of=as_of, paid=((MONDAY, THOUSAND_KRONOR),)) == 0


def test_nothing_is_owed_as_of_the_monday_after_a_saturday_due_date() -> None:
    # A payment on Monday is allocated against this: all of it goes to capital.
    assert interest(due=SATURDAY, as_of=date(2026, 5, 31)) == 0
    assert interest(due=SATURDAY, as_of=MONDAY) == 0


def test_unpaid_after_the_monday_interest_runs_from_the_saturday_due_date() -> None:
    # 2026-05-31 … 2026-06-02 = 3 days: 100 000 × 10 % × 3 / 365 = 82.19 → 82 öre
    assert interest(due=SATURDAY, as_of=TUESDAY) == 82
    # 10 000 kr, 2026-05-31 … 2026-06-30 = 31 days: 1 000 000 × 10 % × 31 / 365 = 8 493.15 → 8 493
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR, due_date=SATURDAY, as_of=date(2026, 6, 30), rates=RATES
    )
    (period,) = result.periods
    assert (period.start, period.end, period.days) == (date(2026, 5, 31), date(2026, 6, 30), 31)
    assert period.rate_percent == Decimal("10.00")
    assert result.amount_ore == 8493


def test_paid_on_tuesday_is_late_and_every_day_from_the_due_date_counts() -> None:
    # Sunday, Monday, Tuesday on 1 000 kr: 100 000 × 10 % × 3 / 365 = 82.19 → 82 öre
    assert interest(due=SATURDAY, as_of=date(2026, 6, 30), paid=((TUESDAY, THOUSAND_KRONOR),)) == 82


def test_a_part_paid_on_the_monday_is_in_time_and_the_rest_bears_interest_from_the_due_date() -> (
    None
):
    # 400 kr of 1 000 kr paid Monday: 600 kr from 2026-05-31 to 2026-06-30, 31 days:
    # 60 000 × 10 % × 31 / 365 = 509.59 → 510 öre
    paid = ((MONDAY, 40_000),)
    assert interest(due=SATURDAY, as_of=date(2026, 6, 30), paid=paid) == 510


def test_christmas_day_due_date_paid_on_the_monday_after_bears_no_interest() -> None:
    christmas = date(2026, 12, 25)
    assert (
        interest(
            due=christmas, as_of=date(2027, 1, 29), paid=((date(2026, 12, 28), THOUSAND_KRONOR),)
        )
        == 0
    )
    # Unpaid on Tuesday 2026-12-29: 26, 27, 28, 29 December = 4 days on 10 000 kr:
    # 1 000 000 × 10 % × 4 / 365 = 1 095.89 → 1 096 öre (the H2 2026 rate carried forward)
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR, due_date=christmas, as_of=date(2026, 12, 29), rates=RATES
    )
    assert result.amount_ore == 1096
    assert result.periods[0].start == date(2026, 12, 26)


def test_midsommarafton_due_date_unpaid_bears_interest_from_the_eve() -> None:
    # Due Friday 2026-06-19 (midsommarafton), in time through Monday 06-22; unpaid as of
    # Tuesday 06-23: 20, 21, 22, 23 June = 4 days on 10 000 kr → 1 096 öre.
    eve = date(2026, 6, 19)
    assert interest(due=eve, as_of=date(2026, 6, 22), capital=TEN_THOUSAND_KRONOR) == 0
    assert interest(due=eve, as_of=date(2026, 6, 23), capital=TEN_THOUSAND_KRONOR) == 1096


def test_a_due_date_on_a_bank_day_gives_no_extra_day() -> None:
    # Due Friday 2026-05-29, paid Monday: 30, 31 May and 1 June = 3 days → 82 öre
    assert (
        interest(due=date(2026, 5, 29), as_of=date(2026, 6, 30), paid=((MONDAY, THOUSAND_KRONOR),))
        == 82
    )


def test_without_the_grace_interest_counts_from_the_given_day() -> None:
    # A plan counts interest from today, which is no deadline the debtor missed.
    result = compute_interest(
        capital_ore=THOUSAND_KRONOR,
        due_date=SATURDAY,
        as_of=MONDAY,
        rates=RATES,
        bank_day_grace=False,
    )
    assert result.amount_ore == 55


@given(
    due=st.dates(min_value=date(2016, 1, 1), max_value=date(2034, 12, 31)),
    late_days=st.integers(min_value=0, max_value=400),
)
def test_capital_paid_by_the_last_day_in_time_never_bears_interest(
    due: date, late_days: int
) -> None:
    paid_on = last_day_in_time(due)
    assert is_bank_day(paid_on)
    as_of = paid_on + timedelta(days=late_days)
    assert interest(due=due, as_of=as_of, paid=((paid_on, THOUSAND_KRONOR),)) == 0


@given(
    due=st.dates(min_value=date(2016, 1, 1), max_value=date(2034, 12, 31)),
    late_days=st.integers(min_value=1, max_value=400),
)
def test_unpaid_after_the_last_day_in_time_is_interest_from_the_due_date(
    due: date, late_days: int
) -> None:
    as_of = last_day_in_time(due) + timedelta(days=late_days)
    with_grace = interest(due=due, as_of=as_of)
    without = compute_interest(
        capital_ore=THOUSAND_KRONOR, due_date=due, as_of=as_of, rates=RATES, bank_day_grace=False
    ).amount_ore
    assert with_grace == without


# --- fees (lag 1981:739 1 §) -----------------------------------------------------------------


def test_no_fee_is_allowed_on_the_monday_after_a_saturday_due_date() -> None:
    for on, allowed in ((MONDAY, False), (TUESDAY, True)):
        reminder = reminder_fee(
            on=on,
            due_date=SATURDAY,
            agreed=True,
            debtor_type=DebtorType.PERSON,
            late_payment_compensation_charged=False,
            already_charged=False,
            schedule=FEES,
        )
        demand = collection_fee(
            on=on,
            due_date=SATURDAY,
            debtor_type=DebtorType.PERSON,
            late_payment_compensation_charged=False,
            already_charged=False,
            schedule=FEES,
        )
        compensation = late_payment_compensation(
            on=on,
            due_date=SATURDAY,
            debtor_type=DebtorType.COMPANY,
            creditor_entitled_to_interest=True,
            already_charged=False,
            schedule=FEES,
        )
        assert (reminder.allowed, demand.allowed, compensation.allowed) == (allowed,) * 3


# --- the ladder ------------------------------------------------------------------------------


def snapshot(*, due: date, capital: int = THOUSAND_KRONOR) -> CaseSnapshot:
    return CaseSnapshot(
        case_id=1,
        state="open",
        debtor_type=DebtorType.PERSON,
        claims=(
            ClaimSnapshot(
                invoice_id=1,
                invoice_number="F-1",
                due_date=due,
                capital_ore=capital,
                reminder_fee_agreed=True,
                fees_charged=frozenset(),
            ),
        ),
        steps_done={},
        balance_ore=capital,
    )


def test_the_ladder_does_not_regard_a_saturday_due_date_as_overdue_on_monday() -> None:
    decision = decide(case=snapshot(due=SATURDAY), ladder=CONSUMER, today=MONDAY, fees=FEES)
    assert (decision.step, decision.reason) == (None, "not due")


def test_the_reminder_counts_its_days_from_the_last_day_in_time() -> None:
    # Due långfredagen 2026-04-03; påskafton, påskdagen and annandag påsk follow: in time
    # through Tuesday 04-07. Consumer reminder 7 days after that: Tuesday 04-14 (not 04-10,
    # which is 7 days after the due date itself).
    good_friday = date(2026, 4, 3)
    waiting = decide(
        case=snapshot(due=good_friday), ladder=CONSUMER, today=date(2026, 4, 10), fees=FEES
    )
    assert waiting.reason == "not due: reminder on 2026-04-14"
    taken = decide(
        case=snapshot(due=good_friday), ladder=CONSUMER, today=date(2026, 4, 14), fees=FEES
    )
    assert taken.reason == "step reminder"
    assert [fee.outcome.amount_ore for fee in taken.fees] == [6000]
