"""Installment plans (avbetalningsplan / amorteringsplan): the proposal and its status.

A plan covers the **whole remaining debt** of a case — capital, the interest accrued so far and
the outstanding costs — so that the statutory plan fee may be charged (lag (1981:739) om
ersättning för inkassokostnader m.m. 3 § 2 och 4 §: 170 kr for a complete written plan for the
whole remaining debt, made with the debtor and sent to them; DOMAIN.md §2). ``propose_plan``
asks ``fees.plan_fee`` once per plan; the caller books the fee when the plan is confirmed and
sent, and passes ``fee_already_charged`` for any later plan on the same case.

The proposal (``propose_plan``):

- **Due dates**: monthly, on ``first_due``'s day of the month (the 31st becomes the last day of
  shorter months: 31 January → 28/29 February → 31 March), each moved forward to a bank day
  (``calendar.bank_day_on_or_after``). The months are counted from ``first_due``, not from the
  previous moved date, so moves never drift.
- **Debt at the start** = capital + interest accrued up to and including ``today`` + costs + the
  plan fee (when allowed).
- **Interest keeps accruing** on the remaining capital only (räntelagen (1975:635); simple
  interest, none on interest or fees — DOMAIN.md §3): for the days after ``today``, at the
  statutory rate (reference rate + 8 pp per half-year) or the agreed rate, computed with
  ``interest.compute_interest`` and a ``CapitalChange`` on every due date. Future reference
  rates are unknown: the last known rate is carried forward and ``forecast.provisional`` says
  so. Pass ``agreed_rate_percent=Decimal(0)`` when the claim bears no interest.
- **Each installment pays costs → interest → capital** (DOMAIN.md §11), so the schedule shows how
  much of every installment is interest. An installment on its due date still leaves that day's
  interest on it (``CapitalChange`` semantics).
- **Equal installments**: the smallest whole-öre amount ``A`` such that ``installments − 1``
  payments of ``A`` leave at most ``A`` for the last one, which absorbs the rounding (it is a few
  öre smaller, never larger). Found by bisection over the exact simulation.
- **Total** = what the debtor pays if every installment is paid on its due date = debt at the
  start + forecast interest.
- **Rules** (``PlanRules``, the creditor's): more installments than ``months_max``, a regular
  installment below ``installment_min_ore`` (the last one may be smaller) or a debt at the start
  above ``amount_max_ore`` → ``approved=False`` with English ``reasons`` for staff — not an
  error. Impossible input (installments outside 1–120, ``first_due`` not after ``today`` or more
  than 60 days ahead, no positive debt, negative amounts) → ``ValueError``.

OCR references: installment ``k`` of case ``n`` pays to ``ocr_from_number(n × 1000 + k)``. The
factor is 1000, not 100, because a plan may have up to 120 installments: with 100, case 100000's
installment 101 would equal case 100001's installment 1. Each reference is valid per
``fordra.domain.ocr`` (length and check digit), unique within the plan and across cases, and
never equal to the case's own ``ocr_from_number(n)``. It would equal another case's OCR only if
case numbers reached 1000 × n (case numbers start at 100 000: at 100 000 000). Decoding:
``divmod(int(ocr[:-2]), 1000)`` → (case number, installment number);
``case_number_from_installment_ocr`` does it for the payments matcher, which looks a reference up
as a case's own OCR first and only then as an installment's. A later plan on the same case
continues the numbering (``first_number``), so every installment OCR ever issued stays unique.

    >>> case_number_from_installment_ocr('10012300116')
    100123
    >>> case_number_from_installment_ocr('10012300117') is None  # wrong check digit
    True

    >>> installment_ocr(case_number=100123, number=1)
    '10012300116'
    >>> installment_ocr(case_number=100123, number=120)
    '10012312012'

The status (``plan_status``): installment ``k`` counts as paid when the total paid toward the plan
covers the cumulative amounts of installments 1…k. An unpaid installment whose due date has
passed is *missed*; the plan is ``"late"`` while every missed installment is at most
``grace_days`` past its due date, ``"broken"`` once one is more than ``grace_days`` past it, and
``"completed"`` when everything is paid — the schedule's total, or less when the debtor pays the
debt off early and the ledger says nothing remains (``balance_ore``).
"""

from __future__ import annotations

import calendar as _month_calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from itertools import pairwise

from fordra.domain.calendar import bank_day_on_or_after
from fordra.domain.fees import LAW, FeeKind, FeeOutcome, FeeSchedule, plan_fee
from fordra.domain.interest import (
    BASIS_AGREED,
    CapitalChange,
    InterestResult,
    ReferenceRateTable,
    compute_interest,
)
from fordra.domain.money import format_amount
from fordra.domain.ocr import is_valid_ocr, ocr_from_number

__all__ = [
    "FIRST_DUE_DAYS_MAX",
    "INSTALLMENTS_MAX",
    "INSTALLMENT_OCR_FACTOR",
    "STATE_BROKEN",
    "STATE_COMPLETED",
    "STATE_CURRENT",
    "STATE_LATE",
    "Installment",
    "PlanProposal",
    "PlanRules",
    "PlanStatus",
    "case_number_from_installment_ocr",
    "installment_due_dates",
    "installment_ocr",
    "plan_fee_outcome",
    "plan_status",
    "propose_plan",
]

INSTALLMENTS_MAX = 120  # ten years of monthly installments
FIRST_DUE_DAYS_MAX = 60
INSTALLMENT_OCR_FACTOR = 1000  # > INSTALLMENTS_MAX: installment numbers never spill into the case's

STATE_CURRENT = "current"
STATE_LATE = "late"
STATE_BROKEN = "broken"
STATE_COMPLETED = "completed"

_MONTHS_PER_YEAR = 12
_BISECTION_STEPS_MAX = 200  # bisection over öre amounts needs about 40; a bound, not a tuning


@dataclass(frozen=True)
class PlanRules:
    """A creditor's rules for plans it accepts without a decision; beyond them the creditor or
    staff approves. ``grace_days``: how long an installment may be late before the plan breaks."""

    months_max: int = 12
    installment_min_ore: int = 20_000
    amount_max_ore: int = 5_000_000
    grace_days: int = 10

    def __post_init__(self) -> None:
        if self.months_max < 1:
            raise ValueError("months_max must be at least 1")
        if self.installment_min_ore < 0 or self.amount_max_ore < 0 or self.grace_days < 0:
            raise ValueError(
                "installment_min_ore, amount_max_ore and grace_days must not be negative"
            )


@dataclass(frozen=True)
class Installment:
    """One installment (delbetalning): what to pay by ``due_date`` and how it is applied."""

    number: int  # 1, 2, …
    due_date: date  # a bank day
    amount_ore: int  # = costs_ore + interest_ore + capital_ore
    capital_ore: int
    interest_ore: int
    costs_ore: int
    ocr: str


@dataclass(frozen=True)
class PlanProposal:
    """A proposed plan; ``approved`` is False when the creditor's rules are exceeded."""

    approved: bool
    reasons: tuple[str, ...]  # why it needs approval (English, for staff); empty when approved
    fee: FeeOutcome  # the plan fee; included in the schedule's costs when allowed
    schedule: tuple[Installment, ...]
    total_ore: int  # what the debtor pays if every installment is paid on its due date
    interest_ore: int  # forecast interest over the plan (not the interest accrued before)
    forecast: InterestResult  # that forecast period by period; provisional if rates were carried
    explanation: str  # Swedish, for the debtor's letter


@dataclass(frozen=True)
class PlanStatus:
    """Where a plan stands on ``today``."""

    state: str  # "current" | "late" | "broken" | "completed"
    missed: tuple[int, ...]  # numbers of the installments past their due date and not paid
    next_due: Installment | None  # the first installment not fully paid; None when completed
    overdue_ore: int  # what must be paid now to catch up (0 unless late or broken)
    explanation: str  # Swedish


def installment_ocr(*, case_number: int, number: int) -> str:
    """The OCR reference of installment ``number`` (1–999) of case ``case_number``."""
    if case_number < 1:
        raise ValueError("case_number must be at least 1")
    if not 1 <= number < INSTALLMENT_OCR_FACTOR:
        raise ValueError(f"installment number must be 1 to {INSTALLMENT_OCR_FACTOR - 1}")
    return ocr_from_number(case_number * INSTALLMENT_OCR_FACTOR + number)


def case_number_from_installment_ocr(ocr: str) -> int | None:
    """The case number an installment OCR reference names, or ``None`` when ``ocr`` is not a
    valid OCR reference of the installment form (check digit, length digit, installment 1–999).

    A case's own OCR also decodes to *some* number (``FD-100123``'s ``10012383`` → 100): the
    caller must look the reference up as a case OCR first, and treat a decoded number that
    names no case as unmatched.
    """
    digits = ocr.strip()
    if not is_valid_ocr(digits) or len(digits) < 6:
        return None
    case_number, number = divmod(int(digits[:-2]), INSTALLMENT_OCR_FACTOR)
    if case_number < 1 or number < 1:
        return None
    return case_number


def plan_fee_outcome(
    *,
    on: date,
    due_date: date,
    already_charged: bool,
    late_payment_compensation_charged: bool,
    deceased: bool,
    schedule: FeeSchedule,
) -> FeeOutcome:
    """The plan fee (avgift för amorteringsplan) for a plan made ``on``, or why none.

    Beyond ``fees.plan_fee`` (once per case, lag (1981:739) 3 § 2 och 4 §): no fee on or
    before ``due_date`` (the earliest due date of the claims the plan covers; 1 §: only for a
    debt that has fallen due); when the creditor has charged förseningsersättning the plan fee
    is absorbed by it (5 §: collection costs are owed only to the extent they exceed it — in
    practice never); and an estate (dödsbo) is charged no new fees (DOMAIN.md §10, practice).
    """
    if on <= due_date and not already_charged:
        return FeeOutcome(
            kind=FeeKind.PLAN,
            allowed=False,
            amount_ore=0,
            rule=f"{LAW} 1 §",
            version=schedule.version,
            explanation="Ingen avgift får tas ut förrän förfallodagen har passerat.",
        )
    if late_payment_compensation_charged and not already_charged:
        return FeeOutcome(
            kind=FeeKind.PLAN,
            allowed=False,
            amount_ore=0,
            rule=f"{LAW} 5 §",
            version=schedule.version,
            explanation="Avgiften för amorteringsplan ingår i förseningsersättningen och tas "
            "inte ut separat.",
        )
    if deceased and not already_charged:
        return FeeOutcome(
            kind=FeeKind.PLAN,
            allowed=False,
            amount_ore=0,
            rule="praxis: inga nya avgifter för ett dödsbo",
            version=schedule.version,
            explanation="Inga nya avgifter tas ut av ett dödsbo.",
        )
    return plan_fee(on=on, already_charged=already_charged, schedule=schedule)


def installment_due_dates(*, first_due: date, installments: int) -> tuple[date, ...]:
    """Monthly due dates on ``first_due``'s day of the month (clamped to the month's last
    day), each moved forward to a bank day."""
    dates: list[date] = []
    for offset in range(installments):
        month_index = first_due.month - 1 + offset
        year = first_due.year + month_index // _MONTHS_PER_YEAR
        month = month_index % _MONTHS_PER_YEAR + 1
        day = min(first_due.day, _month_calendar.monthrange(year, month)[1])
        dates.append(bank_day_on_or_after(date(year, month, day)))
    return tuple(dates)


def propose_plan(
    *,
    case_number: int,
    capital_ore: int,
    interest_ore: int,
    costs_ore: int,
    installments: int,
    first_due: date,
    today: date,
    rates: ReferenceRateTable,
    agreed_rate_percent: Decimal | None,
    schedule: FeeSchedule,
    fee_already_charged: bool,
    rules: PlanRules,
    fee: FeeOutcome | None = None,
    first_number: int = 1,
) -> PlanProposal:
    """Propose a plan of ``installments`` monthly installments for the whole remaining debt.

    ``interest_ore`` is the interest accrued up to and including ``today``; ``costs_ore`` the
    fees outstanding (without the plan fee, which is added here when allowed). ``fee``: the plan
    fee already decided by ``plan_fee_outcome`` (which knows the case's other fees and the
    debtor); without it ``fees.plan_fee`` decides from ``fee_already_charged``. ``first_number``: the number of the first installment (a later plan
    on the same case continues after the earlier plans' numbers, so OCR references never repeat).
    """
    _check_numbers(first_number=first_number, installments=installments)
    _check_input(
        case_number=case_number,
        capital_ore=capital_ore,
        interest_ore=interest_ore,
        costs_ore=costs_ore,
        installments=installments,
        first_due=first_due,
        today=today,
    )
    fee = _decided_fee(fee, today=today, already_charged=fee_already_charged, schedule=schedule)
    start = _Balance(
        capital_ore=capital_ore, interest_ore=interest_ore, costs_ore=costs_ore + fee.amount_ore
    )
    simulation = _Simulation(
        start=start,
        due_dates=installment_due_dates(first_due=first_due, installments=installments),
        today=today,
        rates=rates,
        agreed_rate_percent=agreed_rate_percent,
    )
    parts, forecast = _split(simulation, installments=installments)
    interest_forecast_ore = sum(part.accrued_ore for part in parts)
    plan = _installments(parts, case_number=case_number, first_number=first_number)
    total_ore = _checked_total(plan, start=start, forecast_ore=interest_forecast_ore)

    reasons = _reasons(rules=rules, plan=plan, debt_ore=start.total_ore)
    return PlanProposal(
        approved=not reasons,
        reasons=reasons,
        fee=fee,
        schedule=plan,
        total_ore=total_ore,
        interest_ore=interest_forecast_ore,
        forecast=forecast,
        explanation=_proposal_explanation(
            plan=plan,
            start=start,
            fee=fee,
            forecast=forecast,
            total_ore=total_ore,
            approved=not reasons,
            grace_days=rules.grace_days,
        ),
    )


def _decided_fee(
    fee: FeeOutcome | None, *, today: date, already_charged: bool, schedule: FeeSchedule
) -> FeeOutcome:
    if fee is None:
        return plan_fee(on=today, already_charged=already_charged, schedule=schedule)
    if fee.kind is not FeeKind.PLAN:
        raise ValueError(f"the plan fee must be of kind plan, not {fee.kind}")
    return fee


def _checked_total(plan: Sequence[Installment], *, start: _Balance, forecast_ore: int) -> int:
    """What the plan pays in all: the debt at the start and the forecast interest, to the öre."""
    total_ore = sum(item.amount_ore for item in plan)
    assert total_ore == start.total_ore + forecast_ore
    assert sum(item.capital_ore for item in plan) == start.capital_ore
    assert sum(item.costs_ore for item in plan) == start.costs_ore
    assert sum(item.interest_ore for item in plan) == start.interest_ore + forecast_ore
    return total_ore


def _check_numbers(*, first_number: int, installments: int) -> None:
    """Installment numbers go into the OCR reference: they must fit its digits."""
    if first_number < 1 or first_number + installments - 1 >= INSTALLMENT_OCR_FACTOR:
        raise ValueError(
            f"installments {first_number}–{first_number + installments - 1}: a case can have "
            f"at most {INSTALLMENT_OCR_FACTOR - 1} installments over all its plans"
        )


def _split(simulation: _Simulation, *, installments: int) -> tuple[list[_Part], InterestResult]:
    """Equal installments and a last one for the rest, with the interest they forecast."""
    parts = simulation.run(simulation.regular_installment())
    if parts[-1].amount_ore <= 0:
        raise ValueError(
            f"a debt of {format_amount(simulation.start.total_ore)} cannot be split into "
            f"{installments} installments: the equal ones would pay it all before the last"
        )
    forecast = simulation.forecast(parts)
    interest_forecast_ore = sum(part.accrued_ore for part in parts)
    assert forecast.amount_ore == interest_forecast_ore, "the forecast must match the schedule"
    return parts, forecast


def _installments(
    parts: Sequence[_Part], *, case_number: int, first_number: int
) -> tuple[Installment, ...]:
    """The parts numbered from ``first_number``, each with its OCR reference."""
    return tuple(
        Installment(
            number=number,
            due_date=part.due_date,
            amount_ore=part.amount_ore,
            capital_ore=part.capital_ore,
            interest_ore=part.interest_ore,
            costs_ore=part.costs_ore,
            ocr=installment_ocr(case_number=case_number, number=number),
        )
        for number, part in enumerate(parts, start=first_number)
    )


def plan_status(
    *,
    schedule: Sequence[Installment],
    paid_ore: int,
    today: date,
    grace_days: int,
    balance_ore: int | None = None,
) -> PlanStatus:
    """The plan's state on ``today`` given ``paid_ore`` paid toward it so far.

    ``balance_ore``: what the case still owes today per the ledger, when known — 0 (or less)
    completes the plan even if less than the schedule's total was paid (early payoff saves
    the interest the schedule forecast).
    """
    _check_status_input(schedule=schedule, paid_ore=paid_ore, grace_days=grace_days)

    total_ore = sum(item.amount_ore for item in schedule)
    if paid_ore >= total_ore or (balance_ore is not None and balance_ore <= 0):
        return PlanStatus(
            state=STATE_COMPLETED,
            missed=(),
            next_due=None,
            overdue_ore=0,
            explanation="Avbetalningsplanen är slutbetald.",
        )

    next_due, next_left_ore, missed, overdue_ore = _unpaid(schedule, paid_ore=paid_ore, today=today)

    broken = [item for item in missed if (today - item.due_date).days > grace_days]
    if broken:
        first = broken[0]
        state = STATE_BROKEN
        explanation = (
            f"Avbetalningsplanen är bruten: delbetalning {first.number} förföll "
            f"{first.due_date.isoformat()} och är inte betald inom {grace_days} dagar. "
            f"Obetalt som har förfallit: {format_amount(overdue_ore)}."
        )
    elif missed:
        first = missed[0]
        state = STATE_LATE
        deadline = first.due_date + timedelta(days=grace_days)
        explanation = (
            f"Delbetalning {first.number} förföll {first.due_date.isoformat()} och är inte betald. "
            f"Betala {format_amount(overdue_ore)} senast {deadline.isoformat()}, annars upphör "
            "avbetalningsplanen att gälla."
        )
    else:
        state = STATE_CURRENT
        explanation = (
            f"Avbetalningsplanen följs. Nästa delbetalning: {format_amount(next_left_ore)} "
            f"senast {next_due.due_date.isoformat()} (OCR {next_due.ocr})."
        )
    return PlanStatus(
        state=state,
        missed=tuple(item.number for item in missed),
        next_due=next_due,
        overdue_ore=overdue_ore,
        explanation=explanation,
    )


def _check_status_input(
    *, schedule: Sequence[Installment], paid_ore: int, grace_days: int
) -> None:
    if not schedule:
        raise ValueError("a plan has at least one installment")
    if paid_ore < 0:
        raise ValueError("paid_ore must not be negative")
    if grace_days < 0:
        raise ValueError("grace_days must not be negative")
    for earlier, later in pairwise(schedule):
        if later.due_date <= earlier.due_date:
            raise ValueError("the schedule's due dates must increase")


def _unpaid(
    schedule: Sequence[Installment], *, paid_ore: int, today: date
) -> tuple[Installment, int, list[Installment], int]:
    """Payments fill the installments in order: the first one not filled and what it lacks,
    the ones due before ``today`` not filled, and what they lack together.

    Only for ``paid_ore`` less than the schedule's total.
    """
    cumulative_ore = 0
    next_due: Installment | None = None
    next_left_ore = 0
    missed: list[Installment] = []
    overdue_ore = 0
    for item in schedule:
        cumulative_ore += item.amount_ore
        if paid_ore >= cumulative_ore:
            continue
        left_ore = min(item.amount_ore, cumulative_ore - paid_ore)
        if next_due is None:
            next_due, next_left_ore = item, left_ore
        if item.due_date < today:
            missed.append(item)
            overdue_ore += left_ore
    assert next_due is not None  # paid_ore < total_ore
    return next_due, next_left_ore, missed, overdue_ore


# --- the simulation ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Balance:
    capital_ore: int
    interest_ore: int
    costs_ore: int

    @property
    def total_ore(self) -> int:
        return self.capital_ore + self.interest_ore + self.costs_ore


@dataclass(frozen=True)
class _Part:
    """One simulated installment: what it pays, and the interest accrued since the last one."""

    due_date: date
    amount_ore: int
    costs_ore: int
    interest_ore: int
    capital_ore: int
    accrued_ore: int
    capital_after_ore: int


@dataclass(frozen=True)
class _Simulation:
    start: _Balance
    due_dates: tuple[date, ...]
    today: date
    rates: ReferenceRateTable
    agreed_rate_percent: Decimal | None

    def run(self, regular_ore: int) -> list[_Part]:
        """Pay ``regular_ore`` on every due date but the last, which pays what is left (less
        than nothing when the regular ones overpaid: then its amount is negative).

        Interest is computed per run of days with unchanged capital — from the day after
        ``today`` or after the last due date that changed the capital — exactly as one
        ``compute_interest`` call with a ``CapitalChange`` per due date splits it (``forecast``
        asserts that), while costing one short call per installment instead of one long call.
        """
        capital, interest, costs = (
            self.start.capital_ore,
            self.start.interest_ore,
            self.start.costs_ore,
        )
        run_from, run_accrued_ore = self.today, 0
        parts: list[_Part] = []
        last = len(self.due_dates) - 1
        for index, due in enumerate(self.due_dates):
            run_total_ore = self._interest(capital_ore=capital, after=run_from, up_to=due)
            accrued_ore = run_total_ore - run_accrued_ore
            interest += accrued_ore
            amount = costs + interest + capital if index == last else regular_ore
            to_costs = min(amount, costs)
            to_interest = min(amount - to_costs, interest)
            to_capital = min(amount - to_costs - to_interest, capital)
            costs, interest, capital = (
                costs - to_costs,
                interest - to_interest,
                capital - to_capital,
            )
            if index == last:
                # what the regular installments overpaid comes off the last one
                overpaid = sum(
                    p.amount_ore - p.costs_ore - p.interest_ore - p.capital_ore for p in parts
                )
                amount -= overpaid
            parts.append(
                _Part(
                    due_date=due,
                    amount_ore=amount,
                    costs_ore=to_costs,
                    interest_ore=to_interest,
                    capital_ore=to_capital,
                    accrued_ore=accrued_ore,
                    capital_after_ore=capital,
                )
            )
            if to_capital > 0:
                run_from, run_accrued_ore = due, 0
            else:
                run_accrued_ore = run_total_ore
        return parts

    def regular_installment(self) -> int:
        """The smallest amount whose ``n − 1`` payments leave at most that amount for the last."""
        count = len(self.due_dates)
        if count == 1:
            return 0  # unused: the only installment is the last one

        def excess(regular_ore: int) -> int:  # last − regular; decreasing in regular_ore
            return self.run(regular_ore)[-1].amount_ore - regular_ore

        low = max(self.start.total_ore // count - 1, 0)  # excess(low) > 0
        no_payments_ore = self._interest(
            capital_ore=self.start.capital_ore, after=self.today, up_to=self.due_dates[-1]
        )
        high = -(-(self.start.total_ore + no_payments_ore) // count) + count
        for _ in range(_BISECTION_STEPS_MAX):
            if excess(high) <= 0:
                break
            low, high = high, 2 * high
        for _ in range(_BISECTION_STEPS_MAX):
            if high - low <= 1:
                break
            middle = (low + high) // 2
            if excess(middle) <= 0:
                high = middle
            else:
                low = middle
        assert high - low == 1 and excess(high) <= 0
        return high

    def forecast(self, parts: Sequence[_Part]) -> InterestResult:
        """The plan's interest in one ``compute_interest`` call, a capital change per due date."""
        return compute_interest(
            capital_ore=self.start.capital_ore,
            due_date=self.today,
            as_of=self.due_dates[-1],
            rates=self.rates,
            agreed_rate_percent=self.agreed_rate_percent,
            capital_changes=[
                CapitalChange(on=part.due_date, capital_ore=part.capital_after_ore)
                for part in parts
            ],
            bank_day_grace=False,  # interest is counted from today, not from a due date
        )

    def _interest(self, *, capital_ore: int, after: date, up_to: date) -> int:
        if capital_ore == 0:
            return 0
        return compute_interest(
            capital_ore=capital_ore,
            due_date=after,
            as_of=up_to,
            rates=self.rates,
            agreed_rate_percent=self.agreed_rate_percent,
            bank_day_grace=False,  # ``after`` is where a run of days starts, not a due date
        ).amount_ore


# --- validation, rules and text ------------------------------------------------------------------


def _check_input(
    *,
    case_number: int,
    capital_ore: int,
    interest_ore: int,
    costs_ore: int,
    installments: int,
    first_due: date,
    today: date,
) -> None:
    if case_number < 1:
        raise ValueError("case_number must be at least 1")
    if not 1 <= installments <= INSTALLMENTS_MAX:
        raise ValueError(f"installments must be 1 to {INSTALLMENTS_MAX}, not {installments}")
    if first_due <= today:
        raise ValueError(f"the first due date {first_due} must be after today ({today})")
    if (first_due - today).days > FIRST_DUE_DAYS_MAX:
        raise ValueError(
            f"the first due date {first_due} is more than {FIRST_DUE_DAYS_MAX} days after "
            f"today ({today})"
        )
    if capital_ore < 0 or interest_ore < 0 or costs_ore < 0:
        raise ValueError("capital, interest and costs must not be negative")
    if capital_ore + interest_ore + costs_ore <= 0:
        raise ValueError("there is no debt to pay in installments")


def _reasons(*, rules: PlanRules, plan: Sequence[Installment], debt_ore: int) -> tuple[str, ...]:
    reasons: list[str] = []
    if len(plan) > rules.months_max:
        reasons.append(
            f"{len(plan)} monthly installments exceed the creditor's maximum of "
            f"{rules.months_max} months"
        )
    regular = plan[:-1]  # the last installment absorbs the rounding and may be smaller
    if regular and min(item.amount_ore for item in regular) < rules.installment_min_ore:
        reasons.append(
            f"installments of {format_amount(regular[0].amount_ore)} are below the creditor's "
            f"minimum of {format_amount(rules.installment_min_ore)}"
        )
    if debt_ore > rules.amount_max_ore:
        reasons.append(
            f"the debt of {format_amount(debt_ore)} exceeds the creditor's maximum of "
            f"{format_amount(rules.amount_max_ore)} for a plan"
        )
    return tuple(reasons)


def _proposal_explanation(
    *,
    plan: Sequence[Installment],
    start: _Balance,
    fee: FeeOutcome,
    forecast: InterestResult,
    total_ore: int,
    approved: bool,
    grace_days: int,
) -> str:
    first, last = plan[0], plan[-1]
    if len(plan) == 1:
        lines = [
            f"Avbetalningsplan för hela den återstående skulden: en betalning på "
            f"{format_amount(first.amount_ore)} senast {first.due_date.isoformat()}."
        ]
    else:
        amounts = f"{format_amount(first.amount_ore)} per månad"
        if last.amount_ore != first.amount_ore:
            amounts += f", den sista {format_amount(last.amount_ore)}"
        lines = [
            f"Avbetalningsplan för hela den återstående skulden: {len(plan)} delbetalningar, "
            f"den första {first.due_date.isoformat()} och den sista {last.due_date.isoformat()}; "
            f"{amounts}."
        ]
    costs = f"kostnader {format_amount(start.costs_ore)}"
    if fee.allowed:
        costs += f" (varav avgift för amorteringsplan {format_amount(fee.amount_ore)})"
    lines.append(
        f"Skulden i dag: kapital {format_amount(start.capital_ore)}, "
        f"ränta {format_amount(start.interest_ore)}, {costs}."
    )
    if not fee.allowed:
        lines.append(f"Ingen avgift för amorteringsplan: {fee.explanation}")
    if forecast.periods:
        lines.append(
            f"Ränta löper på det kvarvarande kapitalet: {_rate_text(forecast)}. "
            f"Beräknad ränta under planen: {format_amount(forecast.amount_ore)}."
        )
        if forecast.provisional:
            lines.append(
                "Räntan är beräknad med den senast kända referensräntan; ändras "
                "referensräntan ändras räntan."
            )
    lines.append(
        f"Totalt att betala: {format_amount(total_ore)} om varje delbetalning betalas senast på "
        "förfallodagen. Varje betalning går först till kostnader, sedan till ränta och sist till "
        "kapital. Använd delbetalningens eget OCR-nummer."
    )
    lines.append(
        f"Om en delbetalning inte är betald inom {grace_days} dagar efter förfallodagen upphör "
        "avbetalningsplanen att gälla och indrivningen fortsätter."
    )
    if not approved:
        lines.append("Planen gäller först när borgenären har godkänt den.")
    return "\n".join(lines)


def _rate_text(forecast: InterestResult) -> str:
    first = forecast.periods[0]
    if forecast.basis == BASIS_AGREED:
        return f"avtalad ränta {_percent(first.rate_percent)}"
    return (
        "referensräntan + 8 procentenheter enligt räntelagen, "
        f"{_percent(first.rate_percent)} från {first.start.isoformat()}"
    )


def _percent(value: Decimal) -> str:
    return f"{value:.2f} %".replace(".", ",")
