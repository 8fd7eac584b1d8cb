from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain.calendar import last_day_in_time
from fordra.domain.interest import (
    STATUTORY_MARGIN,
    CapitalChange,
    InterestResult,
    RateMissingError,
    RatePeriod,
    ReferenceRateTable,
    compute_interest,
    half_year_start,
)
from fordra.rules import load_reference_rates

TEN_THOUSAND_KRONOR = 1_000_000  # öre


@pytest.fixture
def rates() -> ReferenceRateTable:
    return load_reference_rates()


def statutory(
    rates: ReferenceRateTable, *, capital_ore: int, due_date: date, as_of: date
) -> InterestResult:
    return compute_interest(capital_ore=capital_ore, due_date=due_date, as_of=as_of, rates=rates)


def test_statutory_interest_splits_at_the_july_rate_change(rates: ReferenceRateTable) -> None:
    # 10 000 kr due 2023-06-15, as of 2023-07-15: the 30 days 2023-06-16 … 2023-07-15.
    #   2023-06-16–06-30: 15 days at 2.50 + 8 = 10.5 %:
    #       1 000 000 × 10.5 / 100 × 15 / 365 = 1 575 000 / 365 = 4 315.068… → 4 315 öre
    #   2023-07-01–07-15: 15 days at 3.50 + 8 = 11.5 %:
    #       1 000 000 × 11.5 / 100 × 15 / 365 = 1 725 000 / 365 = 4 726.027… → 4 726 öre
    #   total 9 041 öre = 90,41 kr
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2023, 6, 15), as_of=date(2023, 7, 15)
    )
    first, second = result.periods
    assert (first.start, first.end, first.days) == (date(2023, 6, 16), date(2023, 6, 30), 15)
    assert (first.rate_percent, first.reference_rate_percent) == (Decimal("10.50"), Decimal("2.50"))
    assert first.amount_ore == 4315
    assert (second.start, second.end, second.days) == (date(2023, 7, 1), date(2023, 7, 15), 15)
    assert second.rate_percent == Decimal("11.50")
    assert second.amount_ore == 4726
    assert result.amount_ore == 9041
    assert result.basis == "statutory"
    assert "räntelagen (1975:635)" in result.rule
    assert result.version == rates.version
    assert not result.provisional


def test_interest_periods_keep_the_unrounded_amount(rates: ReferenceRateTable) -> None:
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2023, 6, 15), as_of=date(2023, 7, 15)
    )
    # 1 575 000 / 365 = 4 315.068493150684931…, kept to ten decimals of öre
    assert result.periods[0].amount == Decimal("4315.0684931507")


def test_a_leap_day_bears_interest_and_the_year_still_has_365_days(
    rates: ReferenceRateTable,
) -> None:
    # 10 000 kr due 2024-02-28, as of 2024-03-01: 2024-02-29 and 2024-03-01 = 2 days at
    # 4.00 + 8 = 12 %: 1 000 000 × 12 / 100 × 2 / 365 = 240 000 / 365 = 657.53… → 658 öre
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2024, 2, 28), as_of=date(2024, 3, 1)
    )
    assert result.periods[0].days == 2
    assert result.amount_ore == 658


def test_a_whole_leap_year_gives_slightly_more_than_the_annual_rate(
    rates: ReferenceRateTable,
) -> None:
    # Due 2023-12-31, as of 2024-12-31: 366 days at 12 %, split at 2024-07-01 (a new rate
    # period, same 4.00 %):
    #   2024-01-01–06-30: 182 days: 1 000 000 × 12 × 182 / 36 500 = 59 835.61… → 59 836
    #   2024-07-01–12-31: 184 days: 1 000 000 × 12 × 184 / 36 500 = 60 493.15… → 60 493
    #   total 120 329 öre = 1 203,29 kr — 366/365 of 1 200 kr
    result = statutory(
        rates,
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2023, 12, 31),
        as_of=date(2024, 12, 31),
    )
    assert [p.days for p in result.periods] == [182, 184]
    assert [p.amount_ore for p in result.periods] == [59836, 60493]
    assert result.amount_ore == 120329


def test_a_negative_reference_rate_lowers_the_statutory_rate(rates: ReferenceRateTable) -> None:
    # 2017-03: reference rate -0.50 → 7.5 %; 30 days:
    # 1 000 000 × 7.5 × 30 / 36 500 = 6 164.38… → 6 164 öre
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2017, 3, 1), as_of=date(2017, 3, 31)
    )
    assert result.periods[0].rate_percent == Decimal("7.50")
    assert result.amount_ore == 6164


def test_the_statutory_rate_never_goes_below_zero() -> None:
    table = ReferenceRateTable(
        periods=(RatePeriod(valid_from=date(2020, 1, 1), percent=Decimal("-9")),), version="t"
    )
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2020, 3, 1),
        as_of=date(2020, 3, 31),
        rates=table,
    )
    assert result.periods[0].rate_percent == 0
    assert result.amount_ore == 0


def test_an_agreed_rate_is_fixed_and_not_split_at_the_july_change(
    rates: ReferenceRateTable,
) -> None:
    # 5 000 kr at an agreed 15 %, due 2023-06-15, as of 2023-07-15: one period of 30 days:
    # 500 000 × 15 × 30 / 36 500 = 6 164.38… → 6 164 öre
    result = compute_interest(
        capital_ore=500_000,
        due_date=date(2023, 6, 15),
        as_of=date(2023, 7, 15),
        rates=rates,
        agreed_rate_percent=Decimal("15"),
    )
    (period,) = result.periods
    assert period.days == 30
    assert period.rate_percent == Decimal("15")
    assert period.reference_rate_percent is None
    assert result.amount_ore == 6164
    assert result.basis == "agreed"
    assert "1" in result.rule and "avtalad" in result.rule


def test_an_agreed_rate_needs_no_reference_rate() -> None:
    empty = ReferenceRateTable(periods=(), version="none")
    result = compute_interest(
        capital_ore=100_000,
        due_date=date(2010, 1, 31),
        as_of=date(2010, 3, 2),
        rates=empty,
        agreed_rate_percent=Decimal("10"),
    )
    # 30 days: 100 000 × 10 × 30 / 36 500 = 821.91… → 822
    assert result.amount_ore == 822


def test_a_negative_agreed_rate_is_refused(rates: ReferenceRateTable) -> None:
    with pytest.raises(ValueError, match="agreed rate"):
        compute_interest(
            capital_ore=1,
            due_date=date(2023, 1, 1),
            as_of=date(2023, 2, 1),
            rates=rates,
            agreed_rate_percent=Decimal("-1"),
        )


def test_interest_after_the_last_known_rate_is_provisional(rates: ReferenceRateTable) -> None:
    # 2026-07-01's rate is not entered: 2.00 % (from 2026-01-01) is carried forward.
    #   2026-06-16–06-30: 15 days at 10 %: 1 000 000 × 10 × 15 / 36 500 = 4 109.59… → 4 110
    #   2026-07-01–07-15: 15 days at 10 % (provisional): also 4 110
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2026, 6, 15), as_of=date(2026, 7, 15)
    )
    first, second = result.periods
    assert not first.provisional
    assert second.provisional
    assert second.reference_rate_percent == Decimal("2.00")
    assert result.amount_ore == 8220
    assert result.provisional
    assert "preliminär" in result.explain().splitlines()[1]
    assert rates.missing_periods(up_to=date(2026, 7, 15)) == [date(2026, 7, 1)]


def test_entering_the_missing_rate_makes_the_interest_final(rates: ReferenceRateTable) -> None:
    completed = ReferenceRateTable(
        periods=(*rates.periods, RatePeriod(valid_from=date(2026, 7, 1), percent=Decimal("1.50"))),
        version="with 2026-07-01",
    )
    # 2026-07-01–07-31 at 1.50 + 8 = 9.5 %: 1 000 000 × 9.5 × 31 / 36 500 = 8 068.49… → 8 068
    result = statutory(
        completed,
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2026, 6, 30),
        as_of=date(2026, 7, 31),
    )
    assert not result.provisional
    assert result.amount_ore == 8068
    assert completed.missing_periods(up_to=date(2026, 12, 31)) == []


def test_several_missing_half_years_are_each_provisional(rates: ReferenceRateTable) -> None:
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2026, 6, 30), as_of=date(2027, 3, 1)
    )
    assert [p.start for p in result.periods] == [date(2026, 7, 1), date(2027, 1, 1)]
    assert all(p.provisional for p in result.periods)
    assert rates.missing_periods(up_to=date(2027, 3, 1)) == [date(2026, 7, 1), date(2027, 1, 1)]


def test_a_partial_payment_lowers_the_capital_from_the_next_day(
    rates: ReferenceRateTable,
) -> None:
    # 10 000 kr due 2024-03-31 at 12 %; 4 000 kr of capital paid 2024-04-10 (that day still
    # bears interest on 10 000 kr); as of 2024-04-30:
    #   2024-04-01–04-10: 10 days × 1 000 000: 120 000 000 / 36 500 = 3 287.67… → 3 288
    #   2024-04-11–04-30: 20 days ×   600 000: 144 000 000 / 36 500 = 3 945.21… → 3 945
    #   total 7 233 öre
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2024, 3, 31),
        as_of=date(2024, 4, 30),
        rates=rates,
        capital_changes=[CapitalChange(on=date(2024, 4, 10), capital_ore=600_000)],
    )
    assert [(p.start, p.end, p.capital_ore) for p in result.periods] == [
        (date(2024, 4, 1), date(2024, 4, 10), 1_000_000),
        (date(2024, 4, 11), date(2024, 4, 30), 600_000),
    ]
    assert [p.amount_ore for p in result.periods] == [3288, 3945]
    assert result.amount_ore == 7233


def test_a_payment_the_day_before_the_as_of_date_lowers_the_capital_for_the_last_day(
    rates: ReferenceRateTable,
) -> None:
    # 10 000 kr due 2024-03-31 at 12 %; 4 000 kr paid 2024-04-29; as of 2024-04-30:
    #   2024-04-01–04-29: 29 days × 1 000 000: 348 000 000 / 36 500 = 9 534.24… → 9 534
    #   2024-04-30:        1 day  ×   600 000:   7 200 000 / 36 500 =   197.26… →   197
    #   total 9 731 öre (not 30 days on 10 000 kr: 9 863)
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2024, 3, 31),
        as_of=date(2024, 4, 30),
        rates=rates,
        capital_changes=[CapitalChange(on=date(2024, 4, 29), capital_ore=600_000)],
    )
    assert [(p.start, p.end, p.amount_ore) for p in result.periods] == [
        (date(2024, 4, 1), date(2024, 4, 29), 9534),
        (date(2024, 4, 30), date(2024, 4, 30), 197),
    ]
    assert result.amount_ore == 9731


def test_a_fully_paid_capital_stops_the_interest(rates: ReferenceRateTable) -> None:
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2024, 3, 31),
        as_of=date(2024, 12, 31),
        rates=rates,
        capital_changes=[CapitalChange(on=date(2024, 4, 10), capital_ore=0)],
    )
    assert [p.end for p in result.periods] == [date(2024, 4, 10)]
    assert result.amount_ore == 3288


def test_a_capital_change_that_keeps_the_capital_does_not_split(
    rates: ReferenceRateTable,
) -> None:
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2024, 3, 31),
        as_of=date(2024, 4, 30),
        rates=rates,
        capital_changes=[CapitalChange(on=date(2024, 4, 10), capital_ore=TEN_THOUSAND_KRONOR)],
    )
    assert len(result.periods) == 1


def test_a_payment_before_the_due_date_sets_the_capital_from_the_start(
    rates: ReferenceRateTable,
) -> None:
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2024, 3, 31),
        as_of=date(2024, 4, 30),
        rates=rates,
        capital_changes=[CapitalChange(on=date(2024, 3, 1), capital_ore=500_000)],
    )
    assert [p.capital_ore for p in result.periods] == [500_000]


def test_an_increase_of_capital_is_applied_too(rates: ReferenceRateTable) -> None:
    result = compute_interest(
        capital_ore=500_000,
        due_date=date(2024, 3, 31),
        as_of=date(2024, 4, 30),
        rates=rates,
        capital_changes=[CapitalChange(on=date(2024, 4, 15), capital_ore=800_000)],
    )
    assert [p.capital_ore for p in result.periods] == [500_000, 800_000]


def test_no_interest_on_the_due_date_itself(rates: ReferenceRateTable) -> None:
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2024, 3, 31), as_of=date(2024, 3, 31)
    )
    assert result.amount_ore == 0
    assert result.periods == ()
    assert not result.provisional
    assert result.explain() == "Ingen ränta: inga dagar efter förfallodagen."


def test_no_interest_when_the_as_of_date_is_before_the_due_date(
    rates: ReferenceRateTable,
) -> None:
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2024, 3, 31), as_of=date(2024, 1, 1)
    )
    assert result.amount_ore == 0
    assert result.periods == ()


def test_one_day_late_is_one_day_of_interest(rates: ReferenceRateTable) -> None:
    # 1 000 000 × 12 × 1 / 36 500 = 328.77 → 329
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2024, 3, 27), as_of=date(2024, 3, 28)
    )
    assert result.amount_ore == 329


def test_statutory_interest_before_the_first_known_rate_is_an_error(
    rates: ReferenceRateTable,
) -> None:
    with pytest.raises(RateMissingError, match="2015-01-01"):
        statutory(rates, capital_ore=100, due_date=date(2014, 12, 1), as_of=date(2015, 1, 31))


def test_negative_capital_is_refused(rates: ReferenceRateTable) -> None:
    with pytest.raises(ValueError, match="negative"):
        statutory(rates, capital_ore=-1, due_date=date(2024, 1, 1), as_of=date(2024, 2, 1))


def test_explain_lists_each_period_in_swedish_figures(rates: ReferenceRateTable) -> None:
    result = statutory(
        rates, capital_ore=TEN_THOUSAND_KRONOR, due_date=date(2023, 6, 15), as_of=date(2023, 7, 15)
    )
    assert result.explain().splitlines() == [
        "2023-06-16–2023-06-30: 15 dagar × 10 000,00 kr × 10,50 % / 365 = 43,15 kr "
        "(referensränta 2,50 % + 8 procentenheter)",
        "2023-07-01–2023-07-15: 15 dagar × 10 000,00 kr × 11,50 % / 365 = 47,26 kr "
        "(referensränta 3,50 % + 8 procentenheter)",
    ]


def test_explain_shows_an_agreed_rate_with_all_its_decimals(rates: ReferenceRateTable) -> None:
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2023, 6, 15),
        as_of=date(2023, 6, 16),
        rates=rates,
        agreed_rate_percent=Decimal("9.875"),
    )
    assert "× 9,875 % / 365" in result.explain()
    assert "referensränta" not in result.explain()


# --- agreed rates with more than four decimals (computed in Decimal, not in integers) -------


def agreed(rates: ReferenceRateTable, *, capital_ore: int, rate: str, days: int) -> InterestResult:
    due = date(2023, 1, 31)
    return compute_interest(
        capital_ore=capital_ore,
        due_date=due,
        as_of=due + timedelta(days=days),
        rates=rates,
        agreed_rate_percent=Decimal(rate),
    )


def test_an_agreed_rate_with_five_decimals_bears_interest_on_every_decimal(
    rates: ReferenceRateTable,
) -> None:
    # 10 000,00 kr at 12,34567 % for 31 days (2023-02-01 … 2023-03-03):
    #   1 000 000 × 12,34567 / 100 × 31 / 365 = 382 715 770 / 36 500 = 10 485,363 561 6… öre
    #   → 10 485 öre = 104,85 kr. The rate cut to 12,3456 % would give 10 485,304 1… öre.
    result = agreed(rates, capital_ore=TEN_THOUSAND_KRONOR, rate="12.34567", days=31)
    (period,) = result.periods
    assert period.days == 31
    assert period.rate_percent == Decimal("12.34567")
    assert period.amount == Decimal("10485.3635616438")
    assert result.amount_ore == 10485
    assert "× 12,34567 % / 365" in result.explain()


def test_an_agreed_rate_with_five_decimals_on_a_million_kronor_for_a_year(
    rates: ReferenceRateTable,
) -> None:
    # 1 000 000,00 kr at 12,34567 % for 365 days: 100 000 000 × 0,1234567 = 12 345 670 öre
    # exactly = 123 456,70 kr (a rate cut to four decimals: 12 345 600; 366 days a year:
    # 12 311 938,66…).
    result = agreed(rates, capital_ore=100_000_000, rate="12.34567", days=365)
    assert result.periods[0].amount == Decimal("12345670")
    assert result.amount_ore == 12_345_670
    # … and for 31 days: 100 000 000 × 12,34567 × 31 / 36 500 = 1 048 536,356… → 1 048 536
    assert agreed(rates, capital_ore=100_000_000, rate="12.34567", days=31).amount_ore == 1_048_536


def test_an_agreed_rate_with_five_decimals_rounds_an_exact_half_ore_up(
    rates: ReferenceRateTable,
) -> None:
    # 10 000,00 kr at 12,34565 % for 365 days: 1 000 000 × 0,1234565 = 123 456,5 öre exactly
    # → 123 457 öre (half up, not to even, not truncated).
    result = agreed(rates, capital_ore=TEN_THOUSAND_KRONOR, rate="12.34565", days=365)
    assert result.periods[0].amount == Decimal("123456.5")
    assert result.amount_ore == 123_457


def test_an_agreed_rate_with_five_decimals_follows_a_partial_payment(
    rates: ReferenceRateTable,
) -> None:
    # 10 000,00 kr at 9,87654 %, due 2023-01-31; 4 000,00 kr paid 2023-02-10:
    #   2023-02-01–02-10: 10 days × 1 000 000 × 9,87654 / 36 500 = 2 705,901 3… → 2 706
    #   2023-02-11–03-02: 20 days ×   600 000 × 9,87654 / 36 500 = 3 247,081 6… → 3 247
    #   total 5 953 öre = 59,53 kr
    result = compute_interest(
        capital_ore=TEN_THOUSAND_KRONOR,
        due_date=date(2023, 1, 31),
        as_of=date(2023, 3, 2),
        rates=rates,
        agreed_rate_percent=Decimal("9.87654"),
        capital_changes=[CapitalChange(on=date(2023, 2, 10), capital_ore=600_000)],
    )
    assert [(p.days, p.capital_ore, p.amount_ore) for p in result.periods] == [
        (10, 1_000_000, 2706),
        (20, 600_000, 3247),
    ]
    assert result.amount_ore == 5953


def test_an_agreed_rate_of_zero_percent_is_allowed_and_bears_no_interest(
    rates: ReferenceRateTable,
) -> None:
    # 0 % is a valid agreement (an interest-free credit): no interest, and never the
    # statutory rate instead of it.
    result = agreed(rates, capital_ore=TEN_THOUSAND_KRONOR, rate="0", days=30)
    assert result.amount_ore == 0
    assert result.basis == "agreed"
    assert all(p.rate_percent == 0 and p.reference_rate_percent is None for p in result.periods)


def test_an_agreed_rate_just_below_zero_is_refused(rates: ReferenceRateTable) -> None:
    with pytest.raises(ValueError, match="agreed rate must be 0 % or more"):
        agreed(rates, capital_ore=TEN_THOUSAND_KRONOR, rate="-0.00001", days=30)


def test_the_statutory_margin_is_eight_percentage_points() -> None:
    assert Decimal("8") == STATUTORY_MARGIN


# --- the reference-rate table ------------------------------------------------------------


def test_rate_on_follows_the_half_year_in_force(rates: ReferenceRateTable) -> None:
    assert rates.rate_on(date(2023, 6, 30)) == (Decimal("2.50"), False)
    assert rates.rate_on(date(2023, 7, 1)) == (Decimal("3.50"), False)
    assert rates.rate_on(date(2026, 6, 30)) == (Decimal("2.00"), False)
    assert rates.rate_on(date(2026, 7, 1)) == (Decimal("2.00"), True)


@pytest.mark.parametrize(
    ("day", "start"),
    [
        (date(2026, 1, 1), date(2026, 1, 1)),
        (date(2026, 6, 30), date(2026, 1, 1)),
        (date(2026, 7, 1), date(2026, 7, 1)),
        (date(2026, 12, 31), date(2026, 7, 1)),
        (date(2024, 2, 29), date(2024, 1, 1)),
    ],
)
def test_the_half_year_starts_on_1_january_or_1_july(day: date, start: date) -> None:
    # räntelagen 9 §: the reference rate is set for the half-years from 1 January and 1 July
    assert half_year_start(day) == start


def test_a_rate_table_sorts_its_periods() -> None:
    table = ReferenceRateTable(
        periods=(
            RatePeriod(valid_from=date(2024, 7, 1), percent=Decimal("4")),
            RatePeriod(valid_from=date(2024, 1, 1), percent=Decimal("3")),
        ),
        version="t",
    )
    assert [p.valid_from for p in table.periods] == [date(2024, 1, 1), date(2024, 7, 1)]


def test_a_rate_table_knows_the_gaps_in_its_history() -> None:
    table = ReferenceRateTable(
        periods=(
            RatePeriod(valid_from=date(2024, 1, 1), percent=Decimal("4")),
            RatePeriod(valid_from=date(2025, 1, 1), percent=Decimal("3")),
        ),
        version="t",
    )
    assert table.missing_periods(up_to=date(2025, 6, 30)) == [date(2024, 7, 1)]
    # on 1 July itself the half-year's rate is already missing; the day before, nothing is
    assert table.missing_periods(up_to=date(2024, 7, 1)) == [date(2024, 7, 1)]
    assert table.missing_periods(up_to=date(2024, 6, 30)) == []
    # inside the gap the earlier rate is carried forward, provisionally
    assert table.rate_on(date(2024, 8, 1)) == (Decimal("4"), True)


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ((RatePeriod(valid_from=date(2024, 3, 1), percent=Decimal("1")),), "1 January or 1 July"),
        (
            (
                RatePeriod(valid_from=date(2024, 1, 1), percent=Decimal("1")),
                RatePeriod(valid_from=date(2024, 1, 1), percent=Decimal("2")),
            ),
            "two reference rates",
        ),
        ((RatePeriod(valid_from=date(2024, 1, 1), percent=Decimal("NaN")),), "not a number"),
    ],
)
def test_a_malformed_rate_table_is_refused(periods: tuple[RatePeriod, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReferenceRateTable(periods=periods, version="t")


# --- properties --------------------------------------------------------------------------


@given(
    capital_ore=st.integers(min_value=0, max_value=10**11),
    due_date=st.dates(min_value=date(2015, 1, 1), max_value=date(2027, 12, 31)),
    days_late=st.integers(min_value=-10, max_value=4000),
)
def test_interest_periods_tile_the_days_after_the_due_date(
    capital_ore: int, due_date: date, days_late: int
) -> None:
    rates = load_reference_rates()
    as_of = due_date + timedelta(days=days_late)
    result = statutory(rates, capital_ore=capital_ore, due_date=due_date, as_of=as_of)
    assert result.amount_ore == sum(p.amount_ore for p in result.periods)
    assert result.amount_ore >= 0
    if capital_ore == 0 or days_late <= 0 or as_of <= last_day_in_time(due_date):
        # Paid by the next bank day after a weekend or holiday due date is in time: no interest.
        assert result.periods == ()
        return
    assert result.periods[0].start == due_date + timedelta(days=1)
    assert result.periods[-1].end == as_of
    assert sum(p.days for p in result.periods) == days_late
    for earlier, later in zip(result.periods, result.periods[1:], strict=False):
        assert later.start == earlier.end + timedelta(days=1)
    for period in result.periods:
        # each period lies within one half-year
        assert (period.start.year, period.start.month < 7) == (
            period.end.year,
            period.end.month < 7,
        )
        # rounding is at most half an öre per period
        assert abs(period.amount - period.amount_ore) <= Decimal("0.5")
    assert result.provisional == (as_of >= date(2026, 7, 1))


@given(
    capital_ore=st.integers(min_value=0, max_value=10**10),
    due_date=st.dates(min_value=date(2015, 1, 1), max_value=date(2026, 6, 30)),
    days_a=st.integers(min_value=0, max_value=2000),
    days_b=st.integers(min_value=0, max_value=2000),
)
def test_interest_never_shrinks_as_time_passes(
    capital_ore: int, due_date: date, days_a: int, days_b: int
) -> None:
    rates = load_reference_rates()
    earlier, later = sorted((days_a, days_b))
    amount_earlier = statutory(
        rates, capital_ore=capital_ore, due_date=due_date, as_of=due_date + timedelta(earlier)
    ).amount_ore
    amount_later = statutory(
        rates, capital_ore=capital_ore, due_date=due_date, as_of=due_date + timedelta(later)
    ).amount_ore
    assert amount_earlier <= amount_later


@given(
    capital=st.integers(min_value=0, max_value=10**11),
    rate=st.decimals(min_value=0, max_value=100, places=4, allow_nan=False, allow_infinity=False),
    days=st.integers(min_value=1, max_value=4000),
)
def test_the_integer_path_gives_exactly_the_decimal_result(capital, rate, days):
    from decimal import Decimal, localcontext

    from fordra.domain.interest import _period_amount
    from fordra.domain.money import round_half_up

    with localcontext() as context:
        context.prec = 60
        exact = Decimal(capital) * rate * days / 36500

    assert _period_amount(capital_ore=capital, rate=rate, days=days) == (
        exact.quantize(Decimal("1e-10")),
        round_half_up(exact),
    )
