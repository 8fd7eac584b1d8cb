"""Late interest (dröjsmålsränta) — räntelagen (1975:635).

Rules applied (DOMAIN.md §3):

- No interest before the due date (förfallodag) (2 §). With a due date fixed in advance, late
  interest runs **from the due date** (3 §): the days ``d`` with ``due_date < d <= as_of`` bear
  interest. (When there is no such due date, 4 § — 30 days after a demand — the caller passes
  that day as ``due_date``.)
- A due date on a non-bank day (DOMAIN.md §3 safe default, cf. lag (1930:173) 2 §): a payment
  on the next bank day (``calendar.last_day_in_time``) counts as in time. So nothing is owed
  as of a day up to that bank day, capital paid by then bears no interest at all (a payment
  in that window counts as made on the due date), and capital still unpaid after it bears
  interest from ``due_date`` itself. This module is the one place that applies the rule:
  every balance (case view, daily run, payment allocation, letters) goes through
  ``compute_interest``.
- Statutory rate: the reference rate (referensränta) **in force at each time** + 8 percentage
  points (6 §), floored at 0 %. The reference rate is the Riksbank policy rate on 30 June /
  31 December rounded up to the nearest half point, valid from 1 July / 1 January (9 §).
- An agreed rate (avtalad ränta) prevails (1 §): a fixed rate, not split at reference-rate
  changes.
- Simple interest on capital only — no interest on interest or on fees.

Computation: the days are split into periods, at every half-year's rate period (a period never
spans two reference-rate periods, so that each line of a demand matches one published rate —
inkassolagen (1974:182) 5 § asks for the rate, the period and the capital) and wherever the
capital changes. Per period::

    amount = capital_ore × rate / 100 × days / 365        (365 also in leap years)

rounded half up to whole öre per period (``fordra.domain.money.round_half_up``); the result is
the sum of the rounded periods.

Missing rates: an operator enters each half-year's rate. Until then the last known rate is
carried forward and every period that used it is ``provisional`` — so is the result — and staff
see a warning (``ReferenceRateTable.missing_periods``).

Worked example — 10 000 kr due 2023-06-15, as of 2023-07-15::

    2023-06-16–2023-06-30: 15 days × 1 000 000 öre × 10.5 % / 365 = 4 315.07 → 4 315 öre
    2023-07-01–2023-07-15: 15 days × 1 000 000 öre × 11.5 % / 365 = 4 726.03 → 4 726 öre
    total 9 041 öre = 90,41 kr

    >>> table = ReferenceRateTable(
    ...     periods=(RatePeriod(date(2023, 1, 1), Decimal("2.50")),
    ...              RatePeriod(date(2023, 7, 1), Decimal("3.50"))),
    ...     version="example",
    ... )
    >>> result = compute_interest(capital_ore=1_000_000, due_date=date(2023, 6, 15),
    ...                           as_of=date(2023, 7, 15), rates=table)
    >>> [period.amount_ore for period in result.periods], result.amount_ore
    ([4315, 4726], 9041)

Due on Saturday 2026-05-30, 1 000 kr paid on Monday 2026-06-01 — in time, no interest::

    >>> paid_monday = [CapitalChange(on=date(2026, 6, 1), capital_ore=0)]
    >>> compute_interest(capital_ore=100_000, due_date=date(2026, 5, 30), as_of=date(2026, 6, 30),
    ...                  rates=table, capital_changes=paid_monday).amount_ore
    0
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, localcontext
from itertools import pairwise

from fordra.domain.calendar import last_day_in_time
from fordra.domain.money import format_amount, round_half_up

__all__ = [
    "STATUTORY_MARGIN",
    "CapitalChange",
    "InterestPeriod",
    "InterestResult",
    "RateMissingError",
    "RatePeriod",
    "ReferenceRateTable",
    "compute_interest",
    "half_year_start",
]

STATUTORY_MARGIN = Decimal("8")
DAYS_PER_YEAR = 365
BASIS_STATUTORY = "statutory"
BASIS_AGREED = "agreed"
RULE_STATUTORY = "räntelagen (1975:635) 3 och 6 §§; referensränta enligt 9 §"
RULE_AGREED = "räntelagen (1975:635) 1 och 3 §§ (avtalad ränta)"
_ONE_DAY = timedelta(days=1)
_ZERO = Decimal(0)
_CALCULATION_DIGITS = 60
# InterestPeriod.amount keeps ten decimals of öre; amount_ore is rounded from the exact value.
_AMOUNT_QUANTUM = Decimal("1E-10")


class RateMissingError(LookupError):
    """No reference rate is known for a day (before the first entry of the table)."""


def half_year_start(day: date) -> date:
    """1 January or 1 July: the start of the reference-rate half-year ``day`` falls in."""
    return date(day.year, 1 if day.month < 7 else 7, 1)


def _next_half_year_start(day: date) -> date:
    return date(day.year, 7, 1) if day.month < 7 else date(day.year + 1, 1, 1)


@dataclass(frozen=True)
class RatePeriod:
    """The reference rate valid from ``valid_from`` (1 January or 1 July)."""

    valid_from: date
    percent: Decimal


@dataclass(frozen=True)
class ReferenceRateTable:
    """The reference-rate history; periods are kept sorted by ``valid_from``.

    Raises ``ValueError`` when two periods share a ``valid_from`` or one does not start on
    1 January / 1 July (räntelagen 9 §).
    """

    periods: tuple[RatePeriod, ...]
    version: str

    def __post_init__(self) -> None:
        periods = tuple(sorted(self.periods, key=lambda p: p.valid_from))
        for period in periods:
            if (period.valid_from.month, period.valid_from.day) not in ((1, 1), (7, 1)):
                raise ValueError(
                    f"reference rate from {period.valid_from}: must start on 1 January or 1 July"
                )
            if not period.percent.is_finite():
                raise ValueError(f"reference rate from {period.valid_from}: not a number")
        for earlier, later in pairwise(periods):
            if earlier.valid_from == later.valid_from:
                raise ValueError(f"two reference rates from {later.valid_from}")
        object.__setattr__(self, "periods", periods)

    def rate_on(self, day: date) -> tuple[Decimal, bool]:
        """(reference rate in force on ``day``, provisional).

        Provisional when ``day``'s half-year has no entry and the last known rate is carried
        forward. Raises ``RateMissingError`` before the first entry.
        """
        known = self._period_on(day)
        return known.percent, known.valid_from < half_year_start(day)

    def missing_periods(self, *, up_to: date) -> list[date]:
        """Half-year starts from the first entry up to ``up_to`` that have no rate."""
        if not self.periods:
            return []
        known = {p.valid_from for p in self.periods}
        missing: list[date] = []
        start = self.periods[0].valid_from
        while start <= up_to:
            if start not in known:
                missing.append(start)
            start = _next_half_year_start(start)
        return missing

    def _period_on(self, day: date) -> RatePeriod:
        found: RatePeriod | None = None
        for period in self.periods:
            if period.valid_from > day:
                break
            found = period
        if found is None:
            first = self.periods[0].valid_from.isoformat() if self.periods else "any date"
            raise RateMissingError(f"no reference rate for {day} (the table starts {first})")
        return found


@dataclass(frozen=True)
class CapitalChange:
    """The outstanding capital on days AFTER ``on`` (a payment on day P still bears interest
    for day P)."""

    on: date
    capital_ore: int


@dataclass(frozen=True)
class InterestPeriod:
    """One line of an interest computation: ``start``–``end`` inclusive at one rate and capital."""

    start: date
    end: date
    days: int
    capital_ore: int
    rate_percent: Decimal
    reference_rate_percent: Decimal | None
    amount: Decimal  # unrounded öre (ten decimals)
    amount_ore: int
    provisional: bool

    def explain(self) -> str:
        """``2023-06-16–2023-06-30: 15 dagar × 10 000,00 kr × 10,50 % / 365 = 43,15 kr …``."""
        line = (
            f"{self.start.isoformat()}–{self.end.isoformat()}: {self.days} dagar × "
            f"{format_amount(self.capital_ore)} × {_percent(self.rate_percent)} / 365 = "
            f"{format_amount(self.amount_ore)}"
        )
        if self.reference_rate_percent is not None:
            line += f" (referensränta {_percent(self.reference_rate_percent)} + 8 procentenheter)"
        if self.provisional:
            line += " – preliminär: referensräntan för perioden är inte inlagd ännu"
        return line


@dataclass(frozen=True)
class InterestResult:
    """The interest on one claim as of a date, with the periods it is made of."""

    amount_ore: int
    periods: tuple[InterestPeriod, ...]
    basis: str  # "statutory" | "agreed"
    rule: str
    version: str
    provisional: bool

    def explain(self) -> str:
        """One line per period, Swedish-readable figures."""
        if not self.periods:
            return "Ingen ränta: inga dagar efter förfallodagen."
        return "\n".join(period.explain() for period in self.periods)


def compute_interest(
    *,
    capital_ore: int,
    due_date: date,
    as_of: date,
    rates: ReferenceRateTable,
    agreed_rate_percent: Decimal | None = None,
    capital_changes: Sequence[CapitalChange] = (),
    bank_day_grace: bool = True,
) -> InterestResult:
    """Late interest on ``capital_ore`` for the days ``due_date < d <= as_of``.

    Statutory (reference rate + 8 pp, per half-year) unless ``agreed_rate_percent`` is given.
    ``capital_changes`` set the capital for the days after each change's ``on``; several on one
    day: the last one given wins. With ``bank_day_grace`` (the default: ``due_date`` is a day
    the debtor had to pay by) a due date on a non-bank day gives time to the next bank day
    (module docstring, DOMAIN.md §3): nothing as of a day up to it, and a change dated in that
    window counts as made on ``due_date``. ``False`` where ``due_date`` is only the day interest
    is counted from (a plan's forecast from today). Raises ``RateMissingError`` for statutory
    interest on a day before the first reference rate, ``ValueError`` for negative capital or a
    negative or non-finite agreed rate.
    """
    agreed = agreed_rate_percent is not None
    basis, rule = (BASIS_AGREED, RULE_AGREED) if agreed else (BASIS_STATUTORY, RULE_STATUTORY)
    if agreed_rate_percent is not None and (
        not agreed_rate_percent.is_finite() or agreed_rate_percent < 0
    ):
        raise ValueError(f"agreed rate must be 0 % or more, not {agreed_rate_percent}")
    changes = sorted(capital_changes, key=lambda change: change.on)  # stable: last given wins
    if capital_ore < 0 or any(change.capital_ore < 0 for change in changes):
        raise ValueError("capital must not be negative")
    last = as_of
    if bank_day_grace:
        in_time = last_day_in_time(due_date)
        if as_of <= in_time:
            last = due_date  # not late yet: no day bears interest (räntelagen 2 §)
        elif in_time > due_date:
            changes = _paid_in_time(changes, due_date=due_date, in_time=in_time)

    periods: list[InterestPeriod] = []
    for start, end in _segments(
        first=due_date + _ONE_DAY,
        last=last,
        initial_ore=capital_ore,
        changes=changes,
        split_half_years=not agreed,
    ):
        capital = _capital_on(start, initial_ore=capital_ore, changes=changes)
        if capital == 0:
            continue
        periods.append(_period(start, end, capital, agreed_rate_percent, rates))
    return InterestResult(
        amount_ore=sum(period.amount_ore for period in periods),
        periods=tuple(periods),
        basis=basis,
        rule=rule,
        version=rates.version,
        provisional=any(period.provisional for period in periods),
    )


def _period(
    start: date,
    end: date,
    capital: int,
    agreed_rate_percent: Decimal | None,
    rates: ReferenceRateTable,
) -> InterestPeriod:
    """The interest on ``capital`` from ``start`` to ``end``, both included, at one rate."""
    if agreed_rate_percent is not None:
        rate, reference, provisional = agreed_rate_percent, None, False
    else:
        reference, provisional = rates.rate_on(start)
        rate = max(reference + STATUTORY_MARGIN, _ZERO)
    days = (end - start).days + 1
    amount, amount_ore = _period_amount(capital_ore=capital, rate=rate, days=days)
    return InterestPeriod(
        start=start,
        end=end,
        days=days,
        capital_ore=capital,
        rate_percent=rate,
        reference_rate_percent=reference,
        amount=amount,
        amount_ore=amount_ore,
        provisional=provisional,
    )


def _paid_in_time(
    changes: Sequence[CapitalChange], *, due_date: date, in_time: date
) -> list[CapitalChange]:
    """``changes`` with those dated after ``due_date`` up to ``in_time`` moved to ``due_date``.

    ``changes`` come sorted by day; a stable sort keeps a moved change after those made on or
    before the due date, so the last one still wins.
    """
    moved = [
        CapitalChange(on=due_date, capital_ore=change.capital_ore)
        if due_date < change.on <= in_time
        else change
        for change in changes
    ]
    return sorted(moved, key=lambda change: change.on)


_RATE_SCALE = 10_000  # rates with up to four decimals are computed in exact integers
_PERIOD_DENOMINATOR = 100 * _RATE_SCALE * DAYS_PER_YEAR


def _period_amount(*, capital_ore: int, rate: Decimal, days: int) -> tuple[Decimal, int]:
    """``capital × rate / 100 × days / 365``: (exact to 10 decimals of öre, rounded half up).

    Rates with at most four decimals (every reference rate and almost every agreed one) take an
    exact integer path — the same result as the Decimal path below, several times faster, which
    matters when a bank file allocates 100 000 payments. The integer path rounds halves up
    towards +∞, which is half away from zero only because the capital is never negative
    (``compute_interest`` refuses it before any period is computed).
    """
    scaled = rate * _RATE_SCALE
    if scaled == scaled.to_integral_value():
        numerator = capital_ore * int(scaled) * days
        amount_ore = (2 * numerator + _PERIOD_DENOMINATOR) // (2 * _PERIOD_DENOMINATOR)
        amount = (Decimal(numerator) / _PERIOD_DENOMINATOR).quantize(_AMOUNT_QUANTUM)
        return amount, amount_ore
    with localcontext() as context:
        context.prec = _CALCULATION_DIGITS
        exact = Decimal(capital_ore) * rate * days / (100 * DAYS_PER_YEAR)
        return exact.quantize(_AMOUNT_QUANTUM), round_half_up(exact)


def _capital_on(day: date, *, initial_ore: int, changes: Sequence[CapitalChange]) -> int:
    """The capital bearing interest on ``day``: the last change made before ``day``."""
    capital = initial_ore
    for change in changes:
        if change.on >= day:
            break
        capital = change.capital_ore
    return capital


def _segments(
    *,
    first: date,
    last: date,
    initial_ore: int,
    changes: Sequence[CapitalChange],
    split_half_years: bool,
) -> list[tuple[date, date]]:
    """``[first, last]`` cut before every half-year start (if asked) and after every change
    that alters the capital; (start, end) pairs, ends inclusive."""
    if last < first:
        return []
    starts = {first}
    if split_half_years:
        start = _next_half_year_start(first)
        while start <= last:
            starts.add(start)
            start = _next_half_year_start(start)
    for change in changes:
        start = change.on + _ONE_DAY
        if first < start <= last and _capital_on(
            start, initial_ore=initial_ore, changes=changes
        ) != _capital_on(change.on, initial_ore=initial_ore, changes=changes):
            starts.add(start)
    ordered = sorted(starts)
    ends = [start - _ONE_DAY for start in ordered[1:]] + [last]
    return list(zip(ordered, ends, strict=True))


def _percent(value: Decimal) -> str:
    """``Decimal("10.5")`` → ``"10,50 %"``; more decimals only when the rate has them."""
    text = f"{value:.2f}" if value == round(value, 2) else f"{value.normalize():f}"
    return f"{text} %".replace(".", ",")
