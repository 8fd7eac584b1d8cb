"""Bank days (bankdagar) in Sweden.

A bank day is a day that is not a Saturday or Sunday, not a public holiday (allmän helgdag,
lag (1989:253) om allmänna helgdagar) and not one of the eves banks treat as holidays:
midsommarafton, julafton and nyårsafton. Statutory deadlines that end on a Saturday, Sunday,
public holiday, midsommarafton, julafton or nyårsafton move to the next weekday (lag (1930:173)
om beräkning av lagstadgad tid 2 §) — ``bank_day_on_or_after`` is that rule.

A due date (förfallodag) on a non-bank day works the same way (DOMAIN.md §3, safe default): a
payment on the next bank day counts as in time. ``last_day_in_time`` is that day and
``is_overdue`` the one test every rule uses — no interest, reminder, demand or fee before it;
a claim not paid by then bears interest from the due date itself (``fordra.domain.interest``).

The dates come from ``holidays.Sweden(categories=("public", "bank"))``. Its bank category also
lists the half-days banks close early ("(from 2pm)", e.g. the day before midsommarafton); those
ARE bank days and are filtered out here. The per-year set is cached: these functions sit on hot
paths (every letter date and every deadline).

    >>> from datetime import date
    >>> is_bank_day(date(2026, 6, 19)), is_bank_day(date(2026, 6, 18))   # midsommarafton, its eve
    (False, True)
    >>> next_bank_day(date(2026, 6, 18))
    datetime.date(2026, 6, 22)
    >>> add_bank_days(date(2026, 12, 22), 2)     # julafton, juldagen, annandag jul, weekend
    datetime.date(2026, 12, 28)
    >>> last_day_in_time(date(2026, 5, 30))       # due on a Saturday: paying Monday is in time
    datetime.date(2026, 6, 1)
    >>> saturday = date(2026, 5, 30)
    >>> is_overdue(saturday, on=date(2026, 6, 1)), is_overdue(saturday, on=date(2026, 6, 2))
    (False, True)
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

from holidays.countries.sweden import Sweden

__all__ = [
    "add_bank_days",
    "add_days_to_bank_day",
    "bank_day_on_or_after",
    "is_bank_day",
    "is_overdue",
    "last_day_in_time",
    "next_bank_day",
    "non_bank_holidays",
]

_ONE_DAY = timedelta(days=1)
# holidays' English names are stable across its locales; the half-days end with this marker.
_HALF_DAY_MARKER = "(from 2pm)"
_SATURDAY = 5


@lru_cache(maxsize=256)
def non_bank_holidays(year: int) -> frozenset[date]:
    """The weekday-independent non-bank days of ``year``: public holidays and the three eves."""
    calendar = Sweden(years=year, categories=("public", "bank"), language="en_US")
    return frozenset(
        day
        for day in calendar
        if any(not name.endswith(_HALF_DAY_MARKER) for name in calendar.get_list(day))
    )


def is_bank_day(day: date) -> bool:
    """Not Saturday/Sunday, not a public holiday, not midsommar-, jul- or nyårsafton."""
    return day.weekday() < _SATURDAY and day not in non_bank_holidays(day.year)


def bank_day_on_or_after(day: date) -> date:
    """``day`` itself if it is a bank day, else the next bank day (lag 1930:173 2 §)."""
    while not is_bank_day(day):
        day += _ONE_DAY
    return day


@lru_cache(maxsize=4096)  # every decision and interest amount asks; a portfolio has few due dates
def last_day_in_time(due_date: date) -> date:
    """The last day a payment of a claim due ``due_date`` counts as in time.

    The due date itself, or — when it is a Saturday, Sunday, public holiday, midsommarafton,
    julafton or nyårsafton — the next bank day (DOMAIN.md §3 safe default, cf. lag (1930:173)
    2 §). E.g. due 2026-12-25 (juldagen): in time through Monday 2026-12-28.
    """
    return bank_day_on_or_after(due_date)


def is_overdue(due_date: date, *, on: date) -> bool:
    """Whether a claim due ``due_date`` and still unpaid is late on ``on``: after the last day
    a payment counts as in time (``last_day_in_time``). The "not before due" test of every
    interest, ladder and fee rule (räntelagen (1975:635) 2 §, lag (1981:739) 1 §)."""
    return on > due_date and on > last_day_in_time(due_date)


def next_bank_day(day: date) -> date:
    """The first bank day strictly after ``day``."""
    return bank_day_on_or_after(day + _ONE_DAY)


def add_days_to_bank_day(day: date, days: int) -> date:
    """``day`` + ``days`` calendar days, moved forward to a bank day (e.g. "8 days to pay")."""
    return bank_day_on_or_after(day + timedelta(days=days))


def add_bank_days(day: date, n: int) -> date:
    """The ``n``-th bank day after ``day`` (before it when ``n`` is negative; ``day`` when 0).

    ``day`` itself need not be a bank day: ``add_bank_days(saturday, 1)`` is the Monday.
    """
    step = _ONE_DAY if n >= 0 else -_ONE_DAY
    for _ in range(abs(n)):
        day += step
        while not is_bank_day(day):
            day += step
    return day
