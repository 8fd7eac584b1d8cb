from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain.calendar import (
    add_bank_days,
    add_days_to_bank_day,
    bank_day_on_or_after,
    is_bank_day,
    next_bank_day,
    non_bank_holidays,
)

ANY_DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))


@pytest.mark.parametrize(
    ("day", "bank_day"),
    [
        # Midsommar 2026
        (date(2026, 6, 18), True),  # Thursday, "Day before Midsummer Eve (from 2pm)"
        (date(2026, 6, 19), False),  # midsommarafton
        (date(2026, 6, 20), False),  # midsommardagen (Saturday anyway)
        (date(2026, 6, 22), True),
        # Christmas and New Year 2026/27
        (date(2026, 12, 23), True),  # "Day before Christmas Eve (from 2pm)"
        (date(2026, 12, 24), False),  # julafton
        (date(2026, 12, 25), False),  # juldagen
        (date(2026, 12, 28), True),
        (date(2026, 12, 30), True),  # "Day before New Year's Eve (from 2pm)"
        (date(2026, 12, 31), False),  # nyårsafton
        (date(2027, 1, 1), False),  # nyårsdagen
        (date(2027, 1, 5), True),  # "Twelfth Night (from 2pm)"
        (date(2027, 1, 6), False),  # trettondedag jul
        # Easter 2026
        (date(2026, 4, 2), True),  # skärtorsdagen "(from 2pm)"
        (date(2026, 4, 3), False),  # långfredagen
        (date(2026, 4, 6), False),  # annandag påsk
        (date(2026, 4, 7), True),
        # Easter 2024 and the other half-days of 2024
        (date(2024, 3, 29), False),  # långfredagen
        (date(2024, 4, 1), False),  # annandag påsk
        (date(2024, 4, 30), True),  # valborgsmässoafton "(from 2pm)"
        (date(2024, 5, 1), False),  # första maj
        (date(2024, 5, 8), True),  # day before Ascension "(from 2pm)"
        (date(2024, 5, 9), False),  # Kristi himmelsfärdsdag
        (date(2024, 6, 6), False),  # nationaldagen on a Thursday
        (date(2024, 11, 1), True),  # All Saints' Eve "(from 2pm)"
        # plain weekdays and weekends
        (date(2026, 3, 4), True),
        (date(2026, 3, 7), False),  # Saturday
        (date(2026, 3, 8), False),  # Sunday
    ],
)
def test_is_bank_day_knows_swedish_holidays_and_eves(day: date, bank_day: bool) -> None:
    assert is_bank_day(day) is bank_day


@pytest.mark.parametrize("year", range(2000, 2041))
def test_the_three_eves_are_never_bank_days(year: int) -> None:
    midsommarafton = next(
        date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4
    )
    for eve in (midsommarafton, date(year, 12, 24), date(year, 12, 31)):
        assert not is_bank_day(eve), eve


@pytest.mark.parametrize("year", range(2000, 2041))
def test_no_from_2pm_half_day_is_a_non_bank_day(year: int) -> None:
    # The day before midsommarafton is always a Thursday and a bank day.
    midsommarafton = next(
        date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4
    )
    assert is_bank_day(midsommarafton - timedelta(days=1))
    assert midsommarafton - timedelta(days=1) not in non_bank_holidays(year)


def test_next_bank_day_skips_midsommar_weekend() -> None:
    assert next_bank_day(date(2026, 6, 18)) == date(2026, 6, 22)


def test_next_bank_day_skips_new_year() -> None:
    assert next_bank_day(date(2026, 12, 30)) == date(2027, 1, 4)


def test_next_bank_day_skips_easter() -> None:
    assert next_bank_day(date(2026, 4, 2)) == date(2026, 4, 7)


def test_bank_day_on_or_after_keeps_a_bank_day() -> None:
    assert bank_day_on_or_after(date(2026, 6, 18)) == date(2026, 6, 18)
    assert bank_day_on_or_after(date(2026, 6, 19)) == date(2026, 6, 22)


def test_add_days_to_bank_day_moves_a_deadline_off_midsommarafton() -> None:
    # A demand sent Thursday 2026-06-11 with 8 days to pay: 2026-06-19 is midsommarafton,
    # so the deadline moves to Monday 2026-06-22 (lag 1930:173 2 §).
    assert add_days_to_bank_day(date(2026, 6, 11), 8) == date(2026, 6, 22)
    assert add_days_to_bank_day(date(2026, 6, 10), 8) == date(2026, 6, 18)


def test_add_bank_days_counts_only_bank_days_over_christmas() -> None:
    # 23 Dec is a bank day; 24, 25, 26 (Sat), 27 (Sun) are not; 28 Dec is the next.
    assert add_bank_days(date(2026, 12, 22), 1) == date(2026, 12, 23)
    assert add_bank_days(date(2026, 12, 22), 2) == date(2026, 12, 28)
    assert add_bank_days(date(2026, 12, 22), 4) == date(2026, 12, 30)
    assert add_bank_days(date(2026, 12, 22), 5) == date(2027, 1, 4)


def test_add_bank_days_from_a_saturday_starts_counting_on_monday() -> None:
    assert add_bank_days(date(2026, 3, 7), 1) == date(2026, 3, 9)


def test_add_bank_days_zero_is_the_day_itself_and_negative_counts_back() -> None:
    assert add_bank_days(date(2026, 3, 7), 0) == date(2026, 3, 7)
    assert add_bank_days(date(2026, 12, 28), -1) == date(2026, 12, 23)


def test_the_holiday_set_is_computed_once_per_year() -> None:
    assert non_bank_holidays(2031) is non_bank_holidays(2031)


@given(ANY_DAY)
def test_next_bank_day_is_the_first_bank_day_after(day: date) -> None:
    following = next_bank_day(day)
    assert following > day
    assert is_bank_day(following)
    between = day + timedelta(days=1)
    while between < following:
        assert not is_bank_day(between)
        between += timedelta(days=1)


@given(ANY_DAY, st.integers(min_value=-30, max_value=30))
def test_add_bank_days_lands_on_a_bank_day_exactly_n_bank_days_away(day: date, n: int) -> None:
    result = add_bank_days(day, n)
    if n == 0:
        assert result == day
        return
    assert is_bank_day(result)
    low, high = (day, result) if n > 0 else (result, day)
    bank_days = sum(is_bank_day(low + timedelta(days=i)) for i in range(1, (high - low).days + 1))
    # counted in (day, result] going forward, [result, day) going back
    if n < 0:
        bank_days = bank_days - is_bank_day(day) + is_bank_day(result)
    assert bank_days == abs(n)


@pytest.mark.parametrize(
    ("day", "bank_day"),
    [
        # Easter in March: påskdagen 2027 is 28 March
        (date(2027, 3, 25), True),  # skärtorsdagen
        (date(2027, 3, 26), False),  # långfredagen
        (date(2027, 3, 29), False),  # annandag påsk
        (date(2027, 3, 30), True),
        # Easter 2025: påskdagen 20 April
        (date(2025, 4, 18), False),  # långfredagen
        (date(2025, 4, 21), False),  # annandag påsk
        # Kristi himmelsfärdsdag 2026: 39 days after påskdagen 5 April
        (date(2026, 5, 13), True),
        (date(2026, 5, 14), False),
        # midsommarafton on its last possible day, 24 June (2022)
        (date(2022, 6, 23), True),
        (date(2022, 6, 24), False),
        # julafton on a Monday (2029): 24, 25 and 26 December in a row
        (date(2029, 12, 21), True),
        (date(2029, 12, 24), False),
        (date(2029, 12, 26), False),
        (date(2029, 12, 27), True),
        # nyårsafton on a Friday (2027): nyårsdagen a Saturday, the next bank day a Monday
        (date(2027, 12, 30), True),
        (date(2027, 12, 31), False),
        (date(2028, 1, 3), True),
    ],
)
def test_is_bank_day_over_moving_holidays_and_year_ends(day: date, bank_day: bool) -> None:
    assert is_bank_day(day) is bank_day


@pytest.mark.parametrize(
    ("day", "n", "expected"),
    [
        # over Easter 2026 (långfredagen 3 April, annandag påsk 6 April), both ways
        (date(2026, 4, 2), 1, date(2026, 4, 7)),
        (date(2026, 4, 7), -1, date(2026, 4, 2)),
        (date(2026, 4, 7), -2, date(2026, 4, 1)),
        # over the year end 2026/27 (nyårsafton, nyårsdagen, a weekend), both ways
        (date(2026, 12, 30), 1, date(2027, 1, 4)),
        (date(2027, 1, 4), -1, date(2026, 12, 30)),
        # from a holiday: counting back from juldagen starts at the first bank day before it
        (date(2026, 12, 25), -1, date(2026, 12, 23)),
        (date(2026, 12, 25), 1, date(2026, 12, 28)),
        # julafton on a Monday (2029): Friday + 1 bank day is Thursday 27 December
        (date(2029, 12, 21), 1, date(2029, 12, 27)),
        (date(2027, 12, 30), 1, date(2028, 1, 3)),
        # after midsommar 2026 (midsommarafton 19 June): Thursday + 1 is Monday
        (date(2026, 6, 18), 1, date(2026, 6, 22)),
        (date(2026, 6, 22), -1, date(2026, 6, 18)),
        # zero: the day itself, even a holiday
        (date(2026, 12, 24), 0, date(2026, 12, 24)),
        # ten bank days over Christmas 2026: 23, 28, 29, 30 Dec, 4, 5, 7, 8, 11, 12 Jan
        # (trettondedag jul, 6 January, is a Wednesday)
        (date(2026, 12, 22), 10, date(2027, 1, 12)),
        (date(2027, 1, 12), -10, date(2026, 12, 22)),
    ],
)
def test_add_bank_days_counts_over_holidays_both_ways(day: date, n: int, expected: date) -> None:
    assert add_bank_days(day, n) == expected


def test_add_days_to_bank_day_with_zero_or_negative_days_still_lands_on_a_bank_day() -> None:
    # 0 days from julafton: the next bank day, 28 December 2026 (a Monday)
    assert add_days_to_bank_day(date(2026, 12, 24), 0) == date(2026, 12, 28)
    assert add_days_to_bank_day(date(2026, 12, 23), 0) == date(2026, 12, 23)
    # 4 days back from 28 December is julafton, moved forward again to the 28th
    assert add_days_to_bank_day(date(2026, 12, 28), -4) == date(2026, 12, 28)
    assert add_days_to_bank_day(date(2026, 12, 28), -5) == date(2026, 12, 23)


def test_the_holiday_set_of_a_year_holds_exactly_its_weekday_independent_non_bank_days() -> None:
    days = non_bank_holidays(2026)
    assert all(day.year == 2026 for day in days)
    # 2026: nyårsdagen, trettondedag jul, långfredagen, påskdagen, annandag påsk, första maj,
    # Kristi himmelsfärdsdag, pingstdagen, nationaldagen, midsommarafton, midsommardagen,
    # alla helgons dag, julafton, juldagen, annandag jul, nyårsafton
    assert sorted(days) == [
        date(2026, 1, 1),
        date(2026, 1, 6),
        date(2026, 4, 3),
        date(2026, 4, 5),
        date(2026, 4, 6),
        date(2026, 5, 1),
        date(2026, 5, 14),
        date(2026, 5, 24),
        date(2026, 6, 6),
        date(2026, 6, 19),
        date(2026, 6, 20),
        date(2026, 10, 31),
        date(2026, 12, 24),
        date(2026, 12, 25),
        date(2026, 12, 26),
        date(2026, 12, 31),
    ]
