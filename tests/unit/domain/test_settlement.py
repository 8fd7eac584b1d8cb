import doctest
import math
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from fordra.domain import settlement
from fordra.domain.calendar import is_bank_day
from fordra.domain.ledger import balances, side_totals
from fordra.domain.money import round_half_up
from fordra.domain.settlement import (
    Collected,
    Pricing,
    PricingModel,
    Remittance,
    RemittanceLine,
    charges_due,
    is_due,
    period_start,
    remittance,
    remittance_transaction,
)

COMMISSION_15 = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal(15))
KEEPS = Pricing(model=PricingModel.KEEPS_INTEREST_AND_FEES)
SUBSCRIPTION = Pricing(
    model=PricingModel.SUBSCRIPTION, annual_fee_ore=120000, per_case_fee_ore=2500
)
ZERO_COST = Pricing(model=PricingModel.ZERO_COST)

# capital 1 000,00 + interest 12,34 + fees 60,00 on one case
CASE_17 = Collected(case_ref="17", capital_ore=100000, interest_ore=1234, fees_ore=6000)


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, tried = doctest.testmod(settlement, verbose=False, report=True)
    assert tried > 0
    assert failures == 0


# --- the four models, worked by hand -----------------------------------------------------------


def test_commission_takes_15_percent_of_capital_plus_vat_and_the_agency_keeps_the_fees() -> None:
    result = remittance(pricing=COMMISSION_15, collected=[CASE_17])
    # commission 15 % × 1 000,00 = 150,00; VAT 25 % × 150,00 = 37,50
    # owed to the creditor: capital 1 000,00 + interest 12,34 = 1 012,34 (fees 60,00 are the agency's)
    # payout 1 012,34 − 150,00 − 37,50 = 824,84
    assert result == Remittance(
        lines=(
            RemittanceLine(
                case_ref="17",
                capital_ore=100000,
                interest_ore=1234,
                fees_ore=6000,
                agency_share_ore=21000,  # fees 60,00 + commission 150,00
                creditor_share_ore=86234,  # 1 072,34 − 210,00
                commission_ore=15000,
            ),
        ),
        collected_ore=107234,
        owed_to_creditor_ore=101234,
        commission_ore=15000,
        charges_ore=0,
        vat_ore=3750,
        payout_ore=82484,
        shortfall_ore=0,
    )
    assert result.kept_ore == 6000


def test_keeps_interest_and_fees_pays_out_the_collected_capital_without_commission_or_vat() -> None:
    result = remittance(pricing=KEEPS, collected=[CASE_17])
    assert (result.commission_ore, result.vat_ore, result.charges_ore) == (0, 0, 0)
    assert result.owed_to_creditor_ore == result.payout_ore == 100000
    line = result.lines[0]
    # the agency: interest 12,34 + fees 60,00; the creditor: the capital
    assert (line.agency_share_ore, line.creditor_share_ore) == (7234, 100000)


def test_subscription_charges_the_annual_and_per_case_fees_plus_vat_against_the_payout() -> None:
    charges = charges_due(pricing=SUBSCRIPTION, new_cases=3, annual_fee_due=True)
    assert charges == 127500  # 1 200,00 + 3 × 25,00 = 1 275,00
    collected = Collected(case_ref="17", capital_ore=500000, interest_ore=1234, fees_ore=6000)
    result = remittance(pricing=SUBSCRIPTION, collected=[collected], charges_ore=charges)
    # VAT 25 % × 1 275,00 = 318,75; charges + VAT = 1 593,75
    # payout = capital 5 000,00 + interest 12,34 − 1 593,75 = 3 418,59
    assert (result.charges_ore, result.vat_ore) == (127500, 31875)
    assert result.owed_to_creditor_ore == 501234
    assert (result.payout_ore, result.shortfall_ore) == (341859, 0)
    assert result.commission_ore == 0
    assert result.lines[0].agency_share_ore == 6000  # the fees


def test_subscription_charges_beyond_what_was_collected_are_a_shortfall() -> None:
    result = remittance(pricing=SUBSCRIPTION, collected=[CASE_17], charges_ore=127500)
    # 1 012,34 − 1 593,75 = −581,41: nothing paid out, 581,41 owed to the agency
    assert (result.payout_ore, result.shortfall_ore) == (0, 58141)
    assert result.owed_to_creditor_ore + result.shortfall_ore == 127500 + 31875


def test_a_shortfall_is_taken_from_the_next_payout_without_vat_again() -> None:
    collected = Collected(case_ref="18", capital_ore=500000, interest_ore=0, fees_ore=0)
    result = remittance(pricing=SUBSCRIPTION, collected=[collected], receivable_ore=58141)
    # 5 000,00 − 581,41 = 4 418,59
    assert (result.vat_ore, result.receivable_offset_ore) == (0, 58141)
    assert (result.payout_ore, result.shortfall_ore) == (441859, 0)


def test_a_shortfall_larger_than_the_next_payout_is_offset_as_far_as_it_goes() -> None:
    collected = Collected(case_ref="18", capital_ore=20000, interest_ore=0, fees_ore=0)
    result = remittance(pricing=SUBSCRIPTION, collected=[collected], receivable_ore=58141)
    assert (result.payout_ore, result.receivable_offset_ore, result.shortfall_ore) == (0, 20000, 0)


def test_charges_alone_with_nothing_collected_are_all_shortfall() -> None:
    result = remittance(pricing=SUBSCRIPTION, collected=[], charges_ore=2500)
    # 25,00 + VAT 6,25
    assert (result.vat_ore, result.payout_ore, result.shortfall_ore) == (625, 0, 3125)
    assert result.lines == ()


def test_zero_cost_pays_capital_and_interest_and_the_agency_keeps_the_fees_without_vat() -> None:
    result = remittance(pricing=ZERO_COST, collected=[CASE_17])
    assert result.payout_ore == result.owed_to_creditor_ore == 101234
    assert (result.commission_ore, result.charges_ore, result.vat_ore) == (0, 0, 0)
    assert result.lines[0].agency_share_ore == 6000


def test_nothing_collected_and_nothing_charged_is_an_empty_remittance() -> None:
    result = remittance(pricing=COMMISSION_15, collected=[])
    assert result == Remittance(
        lines=(),
        collected_ore=0,
        owed_to_creditor_ore=0,
        commission_ore=0,
        charges_ore=0,
        vat_ore=0,
        payout_ore=0,
        shortfall_ore=0,
    )


@pytest.mark.parametrize(
    ("pricing", "keeps_interest", "keeps_fees"),
    [
        (COMMISSION_15, False, True),
        (KEEPS, True, True),
        (SUBSCRIPTION, False, True),
        (ZERO_COST, False, True),
    ],
)
def test_each_model_says_which_components_the_agency_keeps(
    pricing: Pricing, keeps_interest: bool, keeps_fees: bool
) -> None:
    assert (pricing.agency_keeps_interest, pricing.agency_keeps_fees) == (
        keeps_interest,
        keeps_fees,
    )


# --- rounding ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("capital_ore", "percent", "commission_ore"),
    [
        (10, "15", 2),  # 1,5 öre → 2
        (3, "15", 0),  # 0,45 öre → 0
        (2, "25", 1),  # 0,5 öre → 1
        (100, "12.5", 13),  # 12,5 öre → 13
        (100013, "15", 15002),  # 15 001,95 öre → 15 002
        (-10, "15", -2),  # a reversal: −1,5 öre → −2, half away from zero
        (123456789, "33.3333", 41152222),  # 41 152 221,85… → 41 152 222
    ],
)
def test_commission_is_rounded_half_up_to_ore_per_line(
    capital_ore: int, percent: str, commission_ore: int
) -> None:
    pricing = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal(percent))
    result = remittance(
        pricing=pricing,
        collected=[Collected(case_ref="1", capital_ore=capital_ore, interest_ore=0, fees_ore=0)],
    )
    assert result.commission_ore == result.lines[0].commission_ore == commission_ore


@pytest.mark.parametrize(
    ("capital_ore", "percent", "commission_ore", "vat_ore"),
    [
        # 91,67 % × 6 öre = 5,5002 → 6, but 6 + VAT 1,5 → 2 = 8 öre from 6;
        # cap floor(6 / 1,25) = floor(4,8) = 4, VAT 25 % × 4 = 1: 5 öre from 6
        (6, "91.67", 4, 1),
        # 75 % × 2 öre = 1,5 → 2; cap floor(2 / 1,25) = 1; VAT 0,25 → 0
        (2, "75", 1, 0),
        # 50 % × 1 öre = 0,5 → 1; cap floor(1 / 1,25) = 0: nothing
        (1, "50", 0, 0),
        # 90 % × 1 000,00 kr = 900,00 kr; cap 1 000,00 / 1,25 = 800,00 kr, VAT 200,00 kr
        (100000, "90", 80000, 20000),
        # 80 % × 1 000,00 kr = 800,00 kr: exactly at the cap, untouched
        (100000, "80", 80000, 20000),
        # 80 % × 1 000,01 kr = 800,008 → 800,01 kr; cap floor(800,008) = 800,00 kr;
        # VAT 25 % × 800,00 = 200,00: 1 000,00 of 1 000,01 kr
        (100001, "80", 80000, 20000),
    ],
)
def test_the_commission_plus_its_vat_is_capped_at_the_collected_capital(
    capital_ore: int, percent: str, commission_ore: int, vat_ore: int
) -> None:
    pricing = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal(percent))
    result = remittance(pricing=pricing, collected=only_capital(capital_ore))
    assert (result.commission_ore, result.vat_ore) == (commission_ore, vat_ore)
    assert result.shortfall_ore == 0
    assert result.payout_ore == capital_ore - commission_ore - vat_ore


def test_a_reversal_gives_back_exactly_the_capped_commission_it_was_charged() -> None:
    pricing = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal("91.67"))
    charged = remittance(pricing=pricing, collected=only_capital(6))
    given_back = remittance(pricing=pricing, collected=only_capital(-6))
    assert (given_back.commission_ore, given_back.vat_ore) == (-4, -1)
    assert given_back.commission_ore == -charged.commission_ore
    assert given_back.vat_ore == -charged.vat_ore


def test_with_no_vat_the_cap_is_the_capital_itself() -> None:
    pricing = Pricing(
        model=PricingModel.COMMISSION, commission_percent=Decimal(100), vat_percent=Decimal(0)
    )
    result = remittance(pricing=pricing, collected=only_capital(12345))
    assert (result.commission_ore, result.vat_ore, result.payout_ore) == (12345, 0, 0)


def test_commission_is_rounded_per_line_and_vat_once_on_the_total() -> None:
    lines = [
        Collected(case_ref="1", capital_ore=10, interest_ore=0, fees_ore=0),
        Collected(case_ref="2", capital_ore=10, interest_ore=0, fees_ore=0),
    ]
    result = remittance(pricing=COMMISSION_15, collected=lines)
    # per line 1,5 → 2 öre each, 4 in all (not 15 % × 20 = 3); VAT 25 % × 4 = 1 (not 1 + 1)
    assert [line.commission_ore for line in result.lines] == [2, 2]
    assert (result.commission_ore, result.vat_ore) == (4, 1)
    assert result.payout_ore == 20 - 4 - 1


def test_vat_is_rounded_half_up() -> None:
    collected = Collected(case_ref="1", capital_ore=100013, interest_ore=0, fees_ore=0)
    result = remittance(pricing=COMMISSION_15, collected=[collected])
    # commission 15 002 öre; VAT 3 750,5 öre → 3 751
    assert (result.commission_ore, result.vat_ore) == (15002, 3751)


def test_vat_covers_commission_and_charges_together() -> None:
    pricing = Pricing(model=PricingModel.SUBSCRIPTION, per_case_fee_ore=2, vat_percent=Decimal(25))
    result = remittance(pricing=pricing, collected=[], charges_ore=2)
    assert result.vat_ore == 1  # 0,5 öre → 1


def test_another_vat_rate_is_used_as_given() -> None:
    pricing = Pricing(
        model=PricingModel.COMMISSION, commission_percent=Decimal(10), vat_percent=Decimal(0)
    )
    result = remittance(pricing=pricing, collected=[CASE_17])
    assert (result.commission_ore, result.vat_ore, result.payout_ore) == (10000, 0, 91234)


# --- reversals since the last remittance -------------------------------------------------------


def test_capital_reversed_after_it_was_remitted_gives_the_commission_back() -> None:
    lines = [
        Collected(case_ref="wrong", capital_ore=-100000, interest_ore=0, fees_ore=0),
        Collected(case_ref="right", capital_ore=200000, interest_ore=0, fees_ore=0),
    ]
    result = remittance(pricing=COMMISSION_15, collected=lines)
    # commission −150,00 + 300,00 = 150,00; VAT 37,50; payout 1 000,00 − 187,50 = 812,50
    assert (result.commission_ore, result.vat_ore, result.payout_ore) == (15000, 3750, 81250)


def test_only_a_reversal_makes_the_creditor_owe_the_agency() -> None:
    lines = [Collected(case_ref="wrong", capital_ore=-100000, interest_ore=0, fees_ore=0)]
    result = remittance(pricing=COMMISSION_15, collected=lines)
    # owed −1 000,00; commission −150,00 and VAT −37,50 given back: −812,50 to recover
    assert (result.owed_to_creditor_ore, result.commission_ore, result.vat_ore) == (
        -100000,
        -15000,
        -3750,
    )
    assert (result.payout_ore, result.shortfall_ore) == (0, 81250)
    booked = remittance_transaction(
        key="r", day=date(2026, 4, 1), creditor_id="C1", remittance=result
    )
    sheet = balances(booked.postings)
    assert (
        sheet["creditor:C1:liability"] == -100000
    )  # restores the liability debited by the reversal
    assert sheet["agency:receivable:C1"] == 81250
    assert side_totals(sheet) == (0, 0)


# --- booking -----------------------------------------------------------------------------------


def test_the_remittance_transaction_settles_exactly_what_is_owed() -> None:
    result = remittance(pricing=COMMISSION_15, collected=[CASE_17])
    booked = remittance_transaction(
        key="remittance:C1:2026-04-01", day=date(2026, 4, 1), creditor_id="C1", remittance=result
    )
    assert booked.kind == "remittance"
    assert [(p.account, p.amount_ore) for p in booked.postings] == [
        ("creditor:C1:liability", 101234),
        ("agency:revenue:commission", -15000),
        ("agency:vat_payable", -3750),
        ("bank:klientmedel", -82484),
    ]


def test_a_shortfall_and_its_offset_are_booked_on_the_creditors_receivable() -> None:
    short = remittance(pricing=SUBSCRIPTION, collected=[CASE_17], charges_ore=127500)
    first = remittance_transaction(
        key="r1", day=date(2026, 4, 1), creditor_id="C3", remittance=short
    )
    later = remittance(
        pricing=SUBSCRIPTION,
        collected=[Collected(case_ref="18", capital_ore=500000, interest_ore=0, fees_ore=0)],
        receivable_ore=short.shortfall_ore,
    )
    second = remittance_transaction(
        key="r2", day=date(2026, 5, 1), creditor_id="C3", remittance=later
    )
    sheet = balances([*first.postings, *second.postings])
    assert sheet["agency:receivable:C3"] == 0
    assert sheet["creditor:C3:liability"] == 101234 + 500000  # both periods' collections settled
    assert sheet["bank:klientmedel"] == -441859
    assert sheet["agency:revenue:charges"] == -127500
    assert sheet["agency:vat_payable"] == -31875


# --- pricing is checked ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"model": PricingModel.COMMISSION, "commission_percent": Decimal(-1)}, "not within 0–100"),
        (
            {"model": PricingModel.COMMISSION, "commission_percent": Decimal(101)},
            "not within 0–100",
        ),
        ({"model": PricingModel.COMMISSION, "commission_percent": Decimal("NaN")}, "not within"),
        (
            {"model": PricingModel.COMMISSION, "commission_percent": Decimal("1.23456")},
            "4 decimals",
        ),
        ({"model": PricingModel.COMMISSION, "commission_percent": 15.0}, "must be a Decimal"),
        ({"model": PricingModel.COMMISSION, "commission_percent": True}, "must be a Decimal"),
        ({"model": PricingModel.COMMISSION, "vat_percent": Decimal(-25)}, "vat_percent"),
        ({"model": PricingModel.ZERO_COST, "remit_every": "yearly"}, "remit_every 'yearly'"),
        ({"model": PricingModel.ZERO_COST, "commission_percent": Decimal(5)}, "no commission"),
        ({"model": PricingModel.KEEPS_INTEREST_AND_FEES, "commission_percent": 5}, "no commission"),
        ({"model": PricingModel.SUBSCRIPTION, "commission_percent": 5}, "no commission"),
        ({"model": PricingModel.COMMISSION, "annual_fee_ore": 100}, "no annual or per-case fee"),
        ({"model": PricingModel.ZERO_COST, "per_case_fee_ore": 100}, "no annual or per-case fee"),
        ({"model": PricingModel.SUBSCRIPTION, "annual_fee_ore": -1}, "must not be below 0"),
        ({"model": PricingModel.SUBSCRIPTION, "per_case_fee_ore": 2.5}, "must be int öre"),
        ({"model": "flat_fee"}, "flat_fee"),
    ],
)
def test_a_pricing_that_makes_no_sense_is_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Pricing(**kwargs)  # type: ignore[arg-type]


def test_a_pricing_accepts_the_model_as_text_and_whole_percentages() -> None:
    pricing = Pricing(model="commission", commission_percent=15)  # type: ignore[arg-type]
    assert pricing.model is PricingModel.COMMISSION
    assert pricing.commission_percent == Decimal(15)
    assert isinstance(pricing.commission_percent, Decimal)
    assert pricing.remit_every == "monthly"
    assert pricing.vat_percent == Decimal(25)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"charges_ore": -1}, "charges_ore must not be below 0"),
        ({"receivable_ore": -1}, "receivable_ore must not be below 0"),
        ({"charges_ore": 1.5}, "charges_ore must be int öre"),
        (
            {"collected": [Collected(case_ref="9", capital_ore=1.0, interest_ore=0, fees_ore=0)]},  # type: ignore[arg-type]
            "case 9: capital_ore must be int öre",
        ),
        (
            {
                "collected": [
                    Collected(case_ref="9", capital_ore=0, interest_ore=10**16, fees_ore=0)
                ]
            },
            "case 9: interest_ore 10000000000000000 is beyond",
        ),
    ],
)
def test_a_remittance_refuses_amounts_that_are_not_ore(
    kwargs: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {"pricing": COMMISSION_15, "collected": [], **kwargs}
    with pytest.raises(ValueError, match=message):
        remittance(**arguments)  # type: ignore[arg-type]


def test_charges_due_are_per_new_case_plus_the_annual_fee_when_due() -> None:
    assert charges_due(pricing=SUBSCRIPTION, new_cases=3, annual_fee_due=True) == 127500
    assert charges_due(pricing=SUBSCRIPTION, new_cases=3, annual_fee_due=False) == 7500
    assert charges_due(pricing=SUBSCRIPTION, new_cases=0, annual_fee_due=True) == 120000
    assert charges_due(pricing=SUBSCRIPTION, new_cases=0, annual_fee_due=False) == 0
    for pricing in (COMMISSION_15, KEEPS, ZERO_COST):
        assert charges_due(pricing=pricing, new_cases=10, annual_fee_due=True) == 0
    with pytest.raises(ValueError, match="new_cases"):
        charges_due(pricing=SUBSCRIPTION, new_cases=-1, annual_fee_due=False)


# --- when a remittance is due ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("last_settled", "today", "due"),
    [
        # 1 Jan 2027 is nyårsdagen (a Friday), 2–3 Jan a weekend: the first bank day is Monday 4 Jan.
        (date(2026, 12, 1), date(2027, 1, 1), False),
        (date(2026, 12, 1), date(2027, 1, 2), False),
        (date(2026, 12, 1), date(2027, 1, 4), True),
        (date(2027, 1, 4), date(2027, 1, 4), False),  # settled today already
        (date(2027, 1, 4), date(2027, 1, 5), False),
        (date(2026, 12, 1), date(2027, 1, 5), True),  # the 4th was missed: catch up
        (date(2027, 1, 4), date(2027, 1, 29), False),
        (date(2027, 1, 4), date(2027, 2, 1), True),
        (date(2027, 2, 1), date(2027, 1, 29), False),  # settled "after" today: never twice
    ],
)
def test_monthly_remittances_fall_on_the_first_bank_day_of_the_month(
    last_settled: date, today: date, due: bool
) -> None:
    assert is_due(remit_every="monthly", last_settled=last_settled, today=today) is due


@pytest.mark.parametrize(
    ("last_settled", "today", "due"),
    [
        (date(2026, 3, 23), date(2026, 3, 30), True),  # a Monday
        (date(2026, 3, 30), date(2026, 3, 31), False),
        # Easter 2026: långfredagen 3 April, annandag påsk Monday 6 April → Tuesday 7 April
        (date(2026, 3, 30), date(2026, 4, 6), False),
        (date(2026, 3, 30), date(2026, 4, 7), True),
        (date(2026, 4, 7), date(2026, 4, 8), False),
        (date(2026, 3, 30), date(2026, 4, 9), True),  # the 7th was missed: catch up
        (date(2026, 3, 30), date(2026, 4, 11), False),  # Saturday
    ],
)
def test_weekly_remittances_fall_on_the_first_bank_day_of_the_iso_week(
    last_settled: date, today: date, due: bool
) -> None:
    assert is_due(remit_every="weekly", last_settled=last_settled, today=today) is due


@pytest.mark.parametrize(
    ("last_settled", "today", "due"),
    [
        (date(2026, 2, 27), date(2026, 3, 2), True),  # Friday → Monday
        (date(2026, 3, 2), date(2026, 3, 2), False),
        (date(2026, 3, 2), date(2026, 3, 3), True),
        (date(2026, 3, 6), date(2026, 3, 7), False),  # Saturday
        (date(2026, 12, 23), date(2026, 12, 24), False),  # julafton
        (date(2026, 12, 23), date(2026, 12, 28), True),
    ],
)
def test_daily_remittances_fall_on_every_bank_day(
    last_settled: date, today: date, due: bool
) -> None:
    assert is_due(remit_every="daily", last_settled=last_settled, today=today) is due


@pytest.mark.parametrize("remit_every", ["daily", "weekly", "monthly"])
def test_never_settled_is_due_on_any_bank_day(remit_every: str) -> None:
    assert is_due(remit_every=remit_every, last_settled=None, today=date(2026, 3, 18)) is True
    assert is_due(remit_every=remit_every, last_settled=None, today=date(2026, 3, 21)) is False


def test_an_unknown_frequency_is_refused() -> None:
    with pytest.raises(ValueError, match="remit_every 'yearly'"):
        is_due(remit_every="yearly", last_settled=None, today=date(2026, 3, 18))
    with pytest.raises(ValueError, match="remit_every 'yearly'"):
        period_start(remit_every="yearly", today=date(2026, 3, 18))


def test_the_period_start_is_the_first_bank_day_of_the_period() -> None:
    assert period_start(remit_every="monthly", today=date(2027, 1, 20)) == date(2027, 1, 4)
    assert period_start(remit_every="weekly", today=date(2026, 4, 10)) == date(2026, 4, 7)
    assert period_start(remit_every="daily", today=date(2026, 4, 10)) == date(2026, 4, 10)
    assert period_start(remit_every="daily", today=date(2026, 4, 11)) is None


def run_every_day(
    remit_every: str, start: date, end: date, skipped: frozenset[date], *, last: date | None
) -> list[date]:
    settled: list[date] = []
    day = start
    while day <= end:
        if day not in skipped and is_due(remit_every=remit_every, last_settled=last, today=day):
            settled.append(day)
            last = day
        day += timedelta(days=1)
    return settled


def test_a_daily_run_over_a_year_settles_once_a_period_on_its_first_bank_day() -> None:
    start, end = date(2026, 1, 1), date(2026, 12, 31)
    monthly = run_every_day("monthly", start, end, frozenset(), last=date(2025, 12, 31))
    assert len(monthly) == 12
    assert monthly[0] == date(2026, 1, 2)  # nyårsdagen is a Thursday
    assert all(day == period_start(remit_every="monthly", today=day) for day in monthly)
    weekly = run_every_day("weekly", start, end, frozenset(), last=date(2025, 12, 31))
    # ISO week 1 of 2026 began on Monday 29 December 2025, settled before the run started
    assert len({day.isocalendar()[:2] for day in weekly}) == len(weekly) == 52
    assert weekly[0] == date(2026, 1, 5)
    daily = run_every_day("daily", start, end, frozenset(), last=date(2025, 12, 31))
    assert daily == [start + timedelta(n) for n in range(365) if is_bank_day(start + timedelta(n))]


@settings(max_examples=100, deadline=None)
@given(
    remit_every=st.sampled_from(["daily", "weekly", "monthly"]),
    skipped=st.frozensets(st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 6, 30))),
)
def test_missed_runs_catch_up_and_no_period_is_settled_twice(
    remit_every: str, skipped: frozenset[date]
) -> None:
    start, end = date(2026, 1, 1), date(2026, 6, 30)
    settled = run_every_day(remit_every, start, end, skipped, last=None)  # a new creditor
    periods = [period_start(remit_every=remit_every, today=day) for day in settled]
    assert len(set(periods)) == len(periods)  # never twice in a period
    assert all(is_bank_day(day) for day in settled)
    # every period with a run on a bank day on or after its start is settled
    for day in (start + timedelta(n) for n in range((end - start).days + 1)):
        if day not in skipped and is_bank_day(day):
            assert period_start(remit_every=remit_every, today=day) in periods


# --- properties of the arithmetic --------------------------------------------------------------

PRICINGS = st.one_of(
    st.builds(
        lambda percent, vat: Pricing(
            model=PricingModel.COMMISSION, commission_percent=percent, vat_percent=vat
        ),
        st.decimals(min_value=0, max_value=100, places=settlement.PERCENT_DECIMALS_MAX),
        st.one_of(
            st.sampled_from([Decimal(25), Decimal(12), Decimal(6), Decimal(0)]),
            st.decimals(min_value=0, max_value=100, places=settlement.PERCENT_DECIMALS_MAX),
        ),
    ),
    st.just(KEEPS),
    st.builds(
        lambda annual, per_case: Pricing(
            model=PricingModel.SUBSCRIPTION, annual_fee_ore=annual, per_case_fee_ore=per_case
        ),
        st.integers(0, 10**7),
        st.integers(0, 10**5),
    ),
    st.just(ZERO_COST),
)


def collected_lines(low: int) -> st.SearchStrategy[list[Collected]]:
    amount = st.integers(low, 10**10)
    return st.lists(
        st.builds(
            Collected,
            case_ref=st.text(min_size=1, max_size=5),
            capital_ore=amount,
            interest_ore=amount,
            fees_ore=amount,
        ),
        max_size=20,
    )


def expected_commission(capital_ore: int, pricing: Pricing) -> int:
    """The rule, written again with fractions: the rate rounded half up, capped at the largest
    whole öre whose commission plus unrounded VAT fits in the capital; mirrored for reversals."""
    if capital_ore < 0:
        return -expected_commission(-capital_ore, pricing)
    rated = round_half_up(Decimal(capital_ore) * pricing.commission_percent / 100)
    vat = Fraction(pricing.vat_percent) / 100
    return min(rated, math.floor(Fraction(capital_ore) / (1 + vat)))


def assert_adds_up(result: Remittance, pricing: Pricing, receivable_ore: int) -> None:
    assert result.payout_ore >= 0
    assert result.shortfall_ore >= 0
    assert result.payout_ore == 0 or result.shortfall_ore == 0
    assert 0 <= result.receivable_offset_ore <= receivable_ore
    assert (
        result.owed_to_creditor_ore + result.shortfall_ore
        == result.commission_ore
        + result.charges_ore
        + result.vat_ore
        + result.payout_ore
        + result.receivable_offset_ore
    )
    assert result.collected_ore == sum(line.collected_ore for line in result.lines)
    assert result.collected_ore == result.owed_to_creditor_ore + result.kept_ore
    for line in result.lines:
        assert line.agency_share_ore + line.creditor_share_ore == line.collected_ore
        assert line.commission_ore == expected_commission(line.capital_ore, pricing)
    assert result.vat_ore == round_half_up(
        Decimal(result.commission_ore + result.charges_ore) * pricing.vat_percent / 100
    )


def commission_at(percent: str) -> Pricing:
    return Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal(percent))


def only_capital(*capitals_ore: int) -> list[Collected]:
    return [
        Collected(case_ref=str(n), capital_ore=capital, interest_ore=0, fees_ore=0)
        for n, capital in enumerate(capitals_ore)
    ]


@settings(max_examples=500, deadline=None)
@given(
    pricing=PRICINGS,
    collected=collected_lines(0),
    charges=st.integers(0, 10**8),
    receivable=st.integers(0, 10**8),
)
# found by hypothesis: 91,67 % of 6 öre rounded to 6, its VAT to 2 — 8 öre taken from 6
@example(pricing=commission_at("91.67"), collected=only_capital(6), charges=0, receivable=0)
# 75 % of 2 öre rounds to 2, its VAT 0,5 to 1: 3 öre from 2 before the cap
@example(pricing=commission_at("75"), collected=only_capital(2), charges=0, receivable=0)
# each line fits alone (1 öre + VAT 0,25 → 0), but VAT once on 4 öre is 1: the cap must hold
# for the sum, which is why it leaves room for the VAT unrounded
@example(pricing=commission_at("100"), collected=only_capital(1, 1, 1, 1), charges=0, receivable=0)
@example(pricing=commission_at("100"), collected=only_capital(100000), charges=0, receivable=0)
def test_a_remittance_never_pays_out_more_than_is_owed_and_always_adds_up(
    pricing: Pricing, collected: list[Collected], charges: int, receivable: int
) -> None:
    result = remittance(
        pricing=pricing, collected=collected, charges_ore=charges, receivable_ore=receivable
    )
    assert result.payout_ore <= result.owed_to_creditor_ore
    assert result.commission_ore >= 0
    assert_adds_up(result, pricing, receivable)
    # The commission on collected capital plus its VAT is never above that capital ...
    capital = sum(item.capital_ore for item in collected)
    commission_vat = round_half_up(Decimal(result.commission_ore) * pricing.vat_percent / 100)
    assert result.commission_ore + commission_vat <= capital
    if not charges:
        # ... so without agreed charges the creditor never ends up owing the agency.
        assert result.shortfall_ore == 0


@settings(max_examples=300, deadline=None)
@given(
    pricing=PRICINGS,
    collected=collected_lines(-(10**10)),
    charges=st.integers(0, 10**8),
    receivable=st.integers(0, 10**8),
)
def test_with_reversals_a_remittance_still_adds_up_and_books_balanced(
    pricing: Pricing, collected: list[Collected], charges: int, receivable: int
) -> None:
    result = remittance(
        pricing=pricing, collected=collected, charges_ore=charges, receivable_ore=receivable
    )
    assert_adds_up(result, pricing, receivable)
    amounts = (
        result.owed_to_creditor_ore,
        result.commission_ore,
        result.charges_ore,
        result.vat_ore,
        result.payout_ore,
        result.shortfall_ore,
        result.receivable_offset_ore,
    )
    if any(amounts):
        booked = remittance_transaction(
            key="r", day=date(2026, 4, 1), creditor_id="C", remittance=result
        )
        sheet = balances(booked.postings)
        assert side_totals(sheet) == (0, 0)
        # the liability is debited with exactly what was owed to the creditor
        assert sheet.get("creditor:C:liability", 0) == result.owed_to_creditor_ore
        assert sheet.get("bank:klientmedel", 0) == -result.payout_ore
