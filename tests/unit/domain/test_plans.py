import doctest
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from fordra.domain import plans
from fordra.domain.fees import FeeKind, FeeSchedule
from fordra.domain.interest import RatePeriod, ReferenceRateTable
from fordra.domain.ocr import is_valid_ocr, ocr_from_number
from fordra.domain.plans import (
    Installment,
    PlanProposal,
    PlanRules,
    installment_due_dates,
    installment_ocr,
    plan_status,
    propose_plan,
)
from fordra.rules import load_fee_schedule, load_reference_rates

CASE = 100123
TODAY = date(2026, 12, 1)
FIRST_DUE = date(2026, 12, 28)  # a Monday, 27 days after TODAY
CAPITAL = 1_000_000  # 10 000,00 kr
REMINDER_AND_DEMAND = 6_000 + 18_000  # 60 kr + 180 kr
# Interest accrued on the invoice due 2026-09-30 up to and including TODAY: the 62 days
# 2026-10-01 … 2026-12-01 at 2,00 + 8 = 10 %: 1 000 000 × 10 / 100 × 62 / 365 = 16 986,30… → 16 986
ACCRUED = 16_986

# Reference rates fixed for the examples (2,00 % every half-year up to 2027-07-01), so that the
# worked numbers do not move when an operator adds the real rates to reference_rates.toml.
RATES = ReferenceRateTable(
    periods=tuple(
        RatePeriod(valid_from, Decimal("2.00"))
        for valid_from in (date(2026, 1, 1), date(2026, 7, 1), date(2027, 1, 1), date(2027, 7, 1))
    ),
    version="test",
)


@pytest.fixture(scope="module")
def fees() -> FeeSchedule:
    return load_fee_schedule()


def propose(fees: FeeSchedule, **overrides: object) -> PlanProposal:
    arguments: dict[str, object] = {
        "case_number": CASE,
        "capital_ore": CAPITAL,
        "interest_ore": ACCRUED,
        "costs_ore": REMINDER_AND_DEMAND,
        "installments": 6,
        "first_due": FIRST_DUE,
        "today": TODAY,
        "rates": RATES,
        "agreed_rate_percent": None,
        "schedule": fees,
        "fee_already_charged": False,
        "rules": PlanRules(),
    }
    arguments.update(overrides)
    return propose_plan(**arguments)  # type: ignore[arg-type]


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, tried = doctest.testmod(plans, verbose=False, report=True)
    assert tried > 0
    assert failures == 0


# --- the proposal, worked by hand ----------------------------------------------------------------


def test_a_six_month_plan_shows_how_much_of_each_installment_is_interest(
    fees: FeeSchedule,
) -> None:
    proposal = propose(fees)
    # Debt today: capital 10 000,00 + interest 169,86 + costs 60 + 180 + plan fee 170 = 410,00
    #   = 10 579,86 kr.
    # Installment 1, due Mon 2026-12-28: interest for 2026-12-02 … 12-28 = 27 days at 10 %:
    #   1 000 000 × 10 / 100 × 27 / 365 = 2 700 000 / 365 = 7 397,26… → 7 397 öre.
    #   It pays costs 41 000, then interest 16 986 + 7 397 = 24 383, then capital
    #   181 283 − 41 000 − 24 383 = 115 900 → capital left 884 100.
    # Installment 2, due Thu 2027-01-28: interest on 884 100, split at the half-year:
    #   2026-12-29…12-31,  3 days: 884 100 × 10 / 100 ×  3 / 365 =   265 230 / 365 →   727
    #   2027-01-01…01-28, 28 days: 884 100 × 10 / 100 × 28 / 365 = 2 475 480 / 365 → 6 782
    #   (726,65… and 6 782,13…)
    #   interest 7 509; capital 181 283 − 7 509 = 173 774 → capital left 710 326.
    first, second, *_, last = proposal.schedule
    assert first == Installment(
        number=1,
        due_date=date(2026, 12, 28),
        amount_ore=181_283,
        capital_ore=115_900,
        interest_ore=24_383,
        costs_ore=41_000,
        ocr=installment_ocr(case_number=CASE, number=1),
    )
    assert (second.due_date, second.amount_ore) == (date(2027, 1, 28), 181_283)
    assert (second.costs_ore, second.interest_ore, second.capital_ore) == (0, 7_509, 173_774)
    assert [period.amount_ore for period in proposal.forecast.periods[:3]] == [7_397, 727, 6_782]
    # Equal installments; the last absorbs the rounding and is a little smaller.
    assert [item.amount_ore for item in proposal.schedule[:-1]] == [181_283] * 5
    assert last.amount_ore == 181_282
    assert [item.due_date for item in proposal.schedule] == [
        date(2026, 12, 28),
        date(2027, 1, 28),
        date(2027, 3, 1),  # 28 February 2027 is a Sunday
        date(2027, 3, 30),  # 28 March is Easter Sunday, 29 March Easter Monday
        date(2027, 4, 28),
        date(2027, 5, 28),
    ]
    # The forecast interest over the plan, and what the debtor pays in all.
    assert proposal.interest_ore == sum(item.interest_ore for item in proposal.schedule) - ACCRUED
    assert proposal.interest_ore == 29_711
    assert proposal.total_ore == 1_057_986 + 29_711 == 1_087_697
    assert sum(item.capital_ore for item in proposal.schedule) == CAPITAL
    assert proposal.approved
    assert proposal.reasons == ()
    assert not proposal.forecast.provisional


def test_the_explanation_tells_the_debtor_the_plan_in_swedish(fees: FeeSchedule) -> None:
    explanation = propose(fees).explanation
    assert "6 delbetalningar" in explanation
    assert "1 812,83 kr per månad, den sista 1 812,82 kr" in explanation
    assert "kapital 10 000,00 kr, ränta 169,86 kr, kostnader 410,00 kr" in explanation
    assert "avgift för amorteringsplan 170,00 kr" in explanation
    assert "Beräknad ränta under planen: 297,11 kr" in explanation
    assert "Totalt att betala: 10 876,97 kr" in explanation
    assert "inom 10 dagar efter förfallodagen" in explanation


def test_the_plan_fee_of_170_kr_is_added_to_the_costs_once(fees: FeeSchedule) -> None:
    first_plan = propose(fees)
    assert first_plan.fee.kind is FeeKind.PLAN
    assert (first_plan.fee.allowed, first_plan.fee.amount_ore) == (True, 17_000)
    assert sum(item.costs_ore for item in first_plan.schedule) == REMINDER_AND_DEMAND + 17_000

    second_plan = propose(fees, fee_already_charged=True)
    assert (second_plan.fee.allowed, second_plan.fee.amount_ore) == (False, 0)
    assert sum(item.costs_ore for item in second_plan.schedule) == REMINDER_AND_DEMAND
    assert first_plan.total_ore - second_plan.total_ore >= 17_000  # the fee, and a little interest
    assert "Ingen avgift för amorteringsplan" in second_plan.explanation


def test_a_plan_longer_than_months_max_needs_approval_and_is_not_an_error(
    fees: FeeSchedule,
) -> None:
    proposal = propose(fees, installments=13)
    assert not proposal.approved
    assert proposal.reasons == (
        "13 monthly installments exceed the creditor's maximum of 12 months",
    )
    assert len(proposal.schedule) == 13
    assert "Planen gäller först när borgenären har godkänt den." in proposal.explanation

    assert propose(fees, installments=13, rules=PlanRules(months_max=24)).approved


def test_installments_below_the_minimum_and_debts_above_the_maximum_need_approval(
    fees: FeeSchedule,
) -> None:
    # 60 installments of 224,40 kr: below a 250 kr minimum.
    small = propose(
        fees, installments=60, rules=PlanRules(months_max=60, installment_min_ore=25_000)
    )
    assert not small.approved
    assert len(small.reasons) == 1
    assert small.reasons == (
        "installments of 224,40 kr are below the creditor's minimum of 250,00 kr",
    )

    # A debt of 10 579,86 kr is above a 10 000 kr maximum.
    large = propose(fees, rules=PlanRules(amount_max_ore=1_000_000))
    assert large.reasons == (
        "the debt of 10 579,86 kr exceeds the creditor's maximum of 10 000,00 kr for a plan",
    )


def test_a_single_installment_pays_everything_and_the_minimum_does_not_apply_to_it(
    fees: FeeSchedule,
) -> None:
    # 150 kr capital, no costs, no fee: one payment of 150 kr + 27 days' interest
    # 15 000 × 10 / 100 × 27 / 365 = 110,96… → 111 öre.
    proposal = propose(
        fees,
        capital_ore=15_000,
        interest_ore=0,
        costs_ore=0,
        installments=1,
        fee_already_charged=True,
    )
    (only,) = proposal.schedule
    assert (only.amount_ore, only.capital_ore, only.interest_ore) == (15_111, 15_000, 111)
    assert proposal.approved


def test_installments_that_only_cover_costs_and_interest_leave_the_capital_bearing_interest(
    fees: FeeSchedule,
) -> None:
    # 60 installments of 224,40 kr: installments 1 and 2 go to the costs (410,00 kr) and then
    # to interest, 3 and 4 to interest only; the capital first falls on 2027-04-28.
    proposal = propose(fees, installments=60, rules=PlanRules(months_max=60))
    assert [item.amount_ore for item in proposal.schedule[:5]] == [22_440] * 5
    assert [item.costs_ore for item in proposal.schedule[:3]] == [22_440, 18_560, 0]
    assert [item.capital_ore for item in proposal.schedule[:5]] == [0, 0, 0, 0, 13_666]
    # so the interest ran on the whole capital from 2026-12-02 to 2027-04-28, in one period
    # per half-year: 30 days → 8 219 öre; 118 days: 1 000 000 × 10 / 100 × 118 / 365
    #   = 11 800 000 / 365 = 32 328,77… → 32 329 öre
    first, second, third = proposal.forecast.periods[:3]
    assert (first.start, first.end, first.capital_ore, first.amount_ore) == (
        date(2026, 12, 2),
        date(2026, 12, 31),
        CAPITAL,
        8_219,
    )
    assert (second.start, second.end, second.capital_ore, second.amount_ore) == (
        date(2027, 1, 1),
        date(2027, 4, 28),
        CAPITAL,
        32_329,
    )
    assert (third.start, third.capital_ore) == (date(2027, 4, 29), CAPITAL - 13_666)
    assert sum(item.capital_ore for item in proposal.schedule) == CAPITAL


def test_an_agreed_rate_replaces_the_statutory_rate(fees: FeeSchedule) -> None:
    # Agreed 12 %: installment 1's new interest is 1 000 000 × 12 / 100 × 27 / 365
    #   = 3 240 000 / 365 = 8 876,71… → 8 877 öre.
    proposal = propose(fees, agreed_rate_percent=Decimal("12"))
    assert proposal.forecast.basis == "agreed"
    assert proposal.schedule[0].interest_ore == ACCRUED + 8_877
    assert "avtalad ränta 12,00 %" in proposal.explanation


def test_a_claim_without_interest_is_split_into_exactly_equal_parts(fees: FeeSchedule) -> None:
    # 10 579,86 kr in 6, no interest: 1 057 986 / 6 = 176 331 öre exactly, the last one too
    proposal = propose(fees, agreed_rate_percent=Decimal(0))
    assert proposal.interest_ore == 0
    assert [item.amount_ore for item in proposal.schedule] == [176_331] * 6
    assert proposal.total_ore == 1_057_986


def test_a_forecast_beyond_the_known_reference_rates_is_provisional(fees: FeeSchedule) -> None:
    only_2026 = ReferenceRateTable(
        periods=(RatePeriod(date(2026, 1, 1), Decimal("2.00")),), version="2026"
    )
    proposal = propose(fees, rates=only_2026)
    assert proposal.forecast.provisional
    assert "senast kända referensräntan" in proposal.explanation
    # the same figures as with 2,00 % entered: the rate is carried forward
    assert proposal.total_ore == propose(fees).total_ore


# --- due dates -----------------------------------------------------------------------------------


def test_due_dates_keep_the_day_of_the_month_and_clamp_to_the_month_end() -> None:
    assert installment_due_dates(first_due=date(2028, 1, 31), installments=5) == (
        date(2028, 1, 31),
        date(2028, 2, 29),  # leap year: 31 January → 29 February
        date(2028, 3, 31),  # back to the 31st, not the 29th
        date(2028, 5, 2),  # 30 April 2028 is a Sunday, 1 May a holiday
        date(2028, 5, 31),
    )
    assert installment_due_dates(first_due=date(2027, 1, 29), installments=2)[1] == date(
        2027, 3, 1
    )  # 28 February 2027 is a Sunday


def test_due_dates_run_across_the_year_end() -> None:
    assert installment_due_dates(first_due=date(2026, 11, 15), installments=3) == (
        date(2026, 11, 16),  # the 15th is a Sunday
        date(2026, 12, 15),
        date(2027, 1, 15),
    )


# --- OCR references ------------------------------------------------------------------------------


def test_each_installment_has_its_own_valid_ocr_distinct_from_the_case_ocr(
    fees: FeeSchedule,
) -> None:
    proposal = propose(fees, installments=120, rules=PlanRules(months_max=120))
    references = [item.ocr for item in proposal.schedule]
    assert all(is_valid_ocr(reference) for reference in references)
    assert len(set(references)) == 120
    assert ocr_from_number(CASE) not in references
    # the installment number is the last three digits before the length and check digits
    assert references[0] == ocr_from_number(CASE * 1000 + 1) == "10012300116"
    assert references[-1] == ocr_from_number(CASE * 1000 + 120)


def test_installment_ocrs_of_neighbouring_cases_never_collide() -> None:
    # With a factor of 100, case 100000's installment 101 would be case 100001's installment 1.
    assert installment_ocr(case_number=100_000, number=101) != installment_ocr(
        case_number=100_001, number=1
    )
    references = {
        installment_ocr(case_number=case, number=number)
        for case in range(100_000, 100_005)
        for number in range(1, 121)
    }
    assert len(references) == 5 * 120
    assert not references & {ocr_from_number(case) for case in range(100_000, 100_005)}


# --- impossible input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"installments": 0}, "installments must be 1 to 120"),
        ({"installments": 121}, "installments must be 1 to 120"),
        ({"first_due": TODAY}, "must be after today"),
        ({"first_due": TODAY - timedelta(days=1)}, "must be after today"),
        ({"first_due": TODAY + timedelta(days=61)}, "more than 60 days after today"),
        ({"capital_ore": -1}, "must not be negative"),
        ({"costs_ore": -1}, "must not be negative"),
        ({"capital_ore": 0, "interest_ore": 0, "costs_ore": 0}, "no debt"),
        ({"case_number": 0}, "case_number"),
        (
            # 0,30 kr in 12: 11 installments of 0,03 kr would overpay, of 0,02 kr leave too much
            {
                "capital_ore": 30,
                "interest_ore": 0,
                "costs_ore": 0,
                "fee_already_charged": True,
                "installments": 12,
            },
            "cannot be split into 12 installments",
        ),
    ],
)
def test_impossible_input_is_a_value_error_with_a_clear_message(
    fees: FeeSchedule, overrides: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        propose(fees, **overrides)


def test_the_first_due_date_may_be_tomorrow_or_60_days_ahead(fees: FeeSchedule) -> None:
    assert propose(fees, first_due=TODAY + timedelta(days=1)).schedule
    assert propose(fees, first_due=TODAY + timedelta(days=60)).schedule


def test_rules_with_negative_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="months_max"):
        PlanRules(months_max=0)
    with pytest.raises(ValueError, match="must not be negative"):
        PlanRules(grace_days=-1)


# --- status --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def six(fees: FeeSchedule) -> tuple[Installment, ...]:
    # 181 283 × 5 + 181 282; due 2026-12-28, 2027-01-28, 03-01, 03-30, 04-28, 05-28
    return propose(fees).schedule


def test_a_plan_paid_as_agreed_is_current_with_the_next_installment_due(
    six: tuple[Installment, ...],
) -> None:
    status = plan_status(schedule=six, paid_ore=181_283, today=date(2027, 1, 10), grace_days=10)
    assert status.state == "current"
    assert status.missed == ()
    assert status.next_due == six[1]
    assert status.overdue_ore == 0
    assert "Nästa delbetalning: 1 812,83 kr senast 2027-01-28" in status.explanation


def test_a_plan_is_current_on_the_due_date_itself(six: tuple[Installment, ...]) -> None:
    status = plan_status(schedule=six, paid_ore=0, today=date(2026, 12, 28), grace_days=10)
    assert status.state == "current"


def test_a_missed_installment_within_the_grace_period_is_late(
    six: tuple[Installment, ...],
) -> None:
    # Installment 2 was due 2027-01-28; on 2027-02-07 it is 10 days late: still within 10 days.
    status = plan_status(schedule=six, paid_ore=181_283, today=date(2027, 2, 7), grace_days=10)
    assert status.state == "late"
    assert status.missed == (2,)
    assert status.overdue_ore == 181_283
    assert "senast 2027-02-07" in status.explanation


def test_a_missed_installment_beyond_the_grace_period_breaks_the_plan(
    six: tuple[Installment, ...],
) -> None:
    # 11 days after 2027-01-28
    status = plan_status(schedule=six, paid_ore=181_283, today=date(2027, 2, 8), grace_days=10)
    assert status.state == "broken"
    assert status.missed == (2,)
    assert "Avbetalningsplanen är bruten" in status.explanation


def test_a_partly_paid_installment_is_not_paid(six: tuple[Installment, ...]) -> None:
    # 1 812,83 + 1 000,00 paid: installment 2 lacks 812,83 kr.
    status = plan_status(schedule=six, paid_ore=281_283, today=date(2027, 2, 1), grace_days=10)
    assert status.state == "late"
    assert status.missed == (2,)
    assert status.overdue_ore == 81_283


def test_paying_ahead_keeps_the_plan_current(six: tuple[Installment, ...]) -> None:
    status = plan_status(schedule=six, paid_ore=3 * 181_283, today=date(2027, 2, 20), grace_days=10)
    assert status.state == "current"
    assert status.next_due == six[3]


def test_paying_everything_early_completes_the_plan(six: tuple[Installment, ...]) -> None:
    total = sum(item.amount_ore for item in six)
    status = plan_status(schedule=six, paid_ore=total, today=date(2027, 1, 5), grace_days=10)
    assert status.state == "completed"
    assert status.next_due is None
    assert status.explanation == "Avbetalningsplanen är slutbetald."


def test_an_early_payoff_below_the_forecast_completes_the_plan_when_nothing_is_owed(
    six: tuple[Installment, ...],
) -> None:
    # Paid off in January: less interest than the schedule forecast; the ledger says 0 left.
    status = plan_status(
        schedule=six, paid_ore=1_070_000, today=date(2027, 1, 5), grace_days=10, balance_ore=0
    )
    assert status.state == "completed"
    still_owing = plan_status(
        schedule=six, paid_ore=1_070_000, today=date(2027, 1, 5), grace_days=10, balance_ore=500
    )
    assert still_owing.state == "current"


def test_plan_status_refuses_impossible_input(six: tuple[Installment, ...]) -> None:
    with pytest.raises(ValueError, match="at least one installment"):
        plan_status(schedule=(), paid_ore=0, today=TODAY, grace_days=10)
    with pytest.raises(ValueError, match="paid_ore"):
        plan_status(schedule=six, paid_ore=-1, today=TODAY, grace_days=10)
    with pytest.raises(ValueError, match="grace_days"):
        plan_status(schedule=six, paid_ore=0, today=TODAY, grace_days=-1)
    with pytest.raises(ValueError, match="increase"):
        plan_status(schedule=(six[1], six[0]), paid_ore=0, today=TODAY, grace_days=10)


# --- properties ----------------------------------------------------------------------------------

REAL_RATES = load_reference_rates()


@settings(max_examples=150, deadline=None)
@given(
    capital_ore=st.integers(min_value=0, max_value=100_000_000),
    interest_ore=st.integers(min_value=0, max_value=1_000_000),
    costs_ore=st.integers(min_value=0, max_value=200_000),
    installments=st.integers(min_value=1, max_value=120),
    today=st.dates(min_value=date(2016, 1, 1), max_value=date(2030, 12, 31)),
    first_due_days=st.integers(min_value=1, max_value=60),
    agreed_rate_percent=st.one_of(
        st.none(), st.decimals(min_value=0, max_value=40, places=2, allow_nan=False)
    ),
    fee_already_charged=st.booleans(),
    installment_min_ore=st.integers(min_value=0, max_value=500_000),
)
def test_the_schedule_adds_up_and_respects_the_minimum_installment(
    capital_ore: int,
    interest_ore: int,
    costs_ore: int,
    installments: int,
    today: date,
    first_due_days: int,
    agreed_rate_percent: Decimal | None,
    fee_already_charged: bool,
    installment_min_ore: int,
) -> None:
    # at least 500 kr: smaller debts in many installments cannot be split (tested above)
    capital_ore = max(capital_ore, 50_000 - interest_ore - costs_ore)
    rules = replace(PlanRules(), installment_min_ore=installment_min_ore)
    proposal = propose_plan(
        case_number=CASE,
        capital_ore=capital_ore,
        interest_ore=interest_ore,
        costs_ore=costs_ore,
        installments=installments,
        first_due=today + timedelta(days=first_due_days),
        today=today,
        rates=REAL_RATES,
        agreed_rate_percent=agreed_rate_percent,
        schedule=load_fee_schedule(),
        fee_already_charged=fee_already_charged,
        rules=rules,
    )
    schedule = proposal.schedule
    assert len(schedule) == installments
    assert sum(item.amount_ore for item in schedule) == proposal.total_ore
    assert sum(item.capital_ore for item in schedule) == capital_ore
    assert sum(item.costs_ore for item in schedule) == costs_ore + proposal.fee.amount_ore
    assert sum(item.interest_ore for item in schedule) == interest_ore + proposal.interest_ore
    assert proposal.interest_ore == proposal.forecast.amount_ore >= 0
    for item in schedule:
        assert item.amount_ore == item.costs_ore + item.interest_ore + item.capital_ore
        assert min(item.costs_ore, item.interest_ore, item.capital_ore) >= 0
    # equal installments; the last absorbs the rounding: positive and no larger
    regular = schedule[0].amount_ore
    assert all(item.amount_ore == regular for item in schedule[:-1])
    assert 0 < schedule[-1].amount_ore <= regular
    # below the minimum only with a reason (the last one may always be smaller)
    below = [item for item in schedule[:-1] if item.amount_ore < installment_min_ore]
    assert bool(below) == any("minimum" in reason for reason in proposal.reasons)
    if proposal.approved:
        assert all(item.amount_ore >= installment_min_ore for item in schedule[:-1])
    # due dates increase; OCRs valid and distinct
    assert all(a.due_date < b.due_date for a, b in pairwise(schedule))
    assert len({item.ocr for item in schedule}) == installments
    assert all(is_valid_ocr(item.ocr) for item in schedule)


@settings(max_examples=200, deadline=None)
@given(
    amounts=st.lists(st.integers(min_value=1, max_value=100_000), min_size=1, max_size=12),
    paid_ore=st.integers(min_value=0, max_value=1_300_000),
    today_offset=st.integers(min_value=-40, max_value=400),
    grace_days=st.integers(min_value=0, max_value=30),
)
def test_plan_status_agrees_with_counting_the_installments_by_hand(
    amounts: list[int], paid_ore: int, today_offset: int, grace_days: int
) -> None:
    due_dates = installment_due_dates(first_due=FIRST_DUE, installments=len(amounts))
    schedule = tuple(
        Installment(
            number=number,
            due_date=due,
            amount_ore=amount,
            capital_ore=amount,
            interest_ore=0,
            costs_ore=0,
            ocr=installment_ocr(case_number=CASE, number=number),
        )
        for number, (due, amount) in enumerate(zip(due_dates, amounts, strict=True), start=1)
    )
    today = FIRST_DUE + timedelta(days=today_offset)
    status = plan_status(schedule=schedule, paid_ore=paid_ore, today=today, grace_days=grace_days)

    unpaid = [item for k, item in enumerate(schedule) if paid_ore < sum(amounts[: k + 1])]
    missed = [item for item in unpaid if item.due_date < today]
    if not unpaid:
        assert (status.state, status.next_due) == ("completed", None)
    elif any((today - item.due_date).days > grace_days for item in missed):
        assert status.state == "broken"
    elif missed:
        assert status.state == "late"
    else:
        assert status.state == "current"
    assert status.missed == tuple(item.number for item in missed)
    if unpaid:
        assert status.next_due == unpaid[0]
    assert status.overdue_ore == max(
        0, sum(item.amount_ore for item in schedule if item.due_date < today) - paid_ore
    )
