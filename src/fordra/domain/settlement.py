"""Settlement (redovisning) to creditors: pricing models and the remittance.

What debtors pay lands on the klientmedel account (``fordra.domain.ledger``), where the
creditor's part is a liability of the agency (lag (1944:181) om redovisningsmedel, DOMAIN.md
§5). A remittance pays that part out, less what the creditor owes the agency under its pricing
model. There is no statutory deadline: the agreement says how often (``remit_every``: daily,
weekly or monthly), and ``is_due`` says whether today is such a day.

Pricing models (``PricingModel``) — who gets which component of what was collected::

    model                     capital   interest  fees    the agency also charges
    COMMISSION                creditor  creditor  agency  commission % of collected capital
    KEEPS_INTEREST_AND_FEES   creditor  agency    agency  —
    SUBSCRIPTION              creditor  creditor  agency  annual fee + fee per new case
    ZERO_COST ("0 kr")        creditor  creditor  agency  — (the debtor's fees pay the agency)

Fees the agency keeps and interest it keeps are its revenue when the payment is allocated (the
ledger books them there); commission and charges are taken at the remittance. VAT
(``vat_percent``, 25 % by default) is due on commission and charges — not on the statutory fees
and interest, which the debtor owes and which carry no VAT (DOMAIN.md §2).

``remittance`` computes, for one creditor and one period::

    per line:   commission   = min(round_half_up(capital × commission_percent / 100),
                                   floor(capital × 100 / (100 + vat_percent)))
                               (for a reversal, capital < 0: minus that of −capital)
                agency share = kept interest + kept fees + commission    (no VAT)
                creditor share = capital + interest + fees − agency share
    owed        = Σ capital + Σ interest (unless kept) + Σ fees (unless kept)
    VAT         = round_half_up((Σ commission + charges) × vat_percent / 100)   — once
    due         = owed − Σ commission − charges − VAT
    payout      = max(0, due − receivable offset);  shortfall = max(0, −due)

The rounding, decided once: the commission is rounded half up per line, and VAT is computed
once, from the rounded total. The commission on collected capital plus its VAT is never more
than that capital: a line's commission is capped at ``floor(capital / (1 + vat_percent / 100))``,
so ``Σ commission × (1 + vat) ≤ Σ capital``; VAT rounded half up adds at most ½ öre to
``Σ commission × vat``, so ``commission + VAT ≤ Σ capital + ½``, and being whole öre,
``≤ Σ capital``. Without charges and reversals a remittance therefore never falls short. From
80 % (with 25 % VAT) the cap holds the commission at capital / 1,25; below 80 % it takes at
most 1 öre off, and only on small amounts (at 50 %: on 1 öre; at 15 %: never). Worked example,
91,67 % on 6 öre of capital: 5,5002 öre rounds to 6, the cap is floor(6 / 1,25) = floor(4,8) =
4 öre, VAT round_half_up(4 × 25 %) = 1 öre; 4 + 1 = 5 öre ≤ 6 (before this cap: 6 + VAT 2 = 8
öre taken from 6, a 2 öre shortfall). Subscription charges are agreed amounts and are not
capped: their VAT is added to the commission's before rounding, and what the collected money
cannot cover is a shortfall.

    >>> high = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal("91.67"))
    >>> tiny = remittance(pricing=high, collected=[
    ...     Collected(case_ref="6", capital_ore=6, interest_ore=0, fees_ore=0)])
    >>> tiny.commission_ore, tiny.vat_ore, tiny.payout_ore, tiny.shortfall_ore
    (4, 1, 1, 0)

A shortfall (charges the collected money could not cover) is booked as the creditor's debt to
the agency (``agency:receivable:<creditor_id>``) and taken from later payouts: pass its balance
as ``receivable_ore`` and the remittance offsets as much of it as it can, without VAT again.
Asserted every time::

    owed + shortfall == commission + charges + VAT + payout + receivable offset

Worked examples (``owed`` is what the klientmedel account holds for the creditor):

* COMMISSION 15 %, collected capital 1 000,00 + interest 12,34 + fees 60,00: commission 150,00,
  VAT 37,50, the agency keeps the fees 60,00; owed 1 012,34; payout 1 012,34 − 150,00 − 37,50 =
  824,84.
* KEEPS_INTEREST_AND_FEES, the same payments: owed = payout = the capital 1 000,00.
* SUBSCRIPTION 1 200,00 a year + 25,00 per case, 3 new cases, annual fee due: charges
  1 275,00, VAT 318,75; payout = capital + interest − 1 593,75 (a shortfall when negative).
* ZERO_COST: payout = capital + interest; the agency keeps the fees; no VAT.

    >>> pricing = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal(15))
    >>> result = remittance(pricing=pricing, collected=[
    ...     Collected(case_ref="17", capital_ore=100000, interest_ore=1234, fees_ore=6000)])
    >>> result.owed_to_creditor_ore, result.commission_ore, result.vat_ore, result.payout_ore
    (101234, 15000, 3750, 82484)
    >>> line = result.lines[0]
    >>> line.agency_share_ore, line.creditor_share_ore
    (21000, 86234)

When a remittance is due — the first bank day of the period; 1 January 2027 is a holiday and
2–3 January a weekend, so the January remittance is on Monday 4 January::

    >>> from datetime import date
    >>> is_due(remit_every="monthly", last_settled=date(2026, 12, 1), today=date(2027, 1, 4))
    True
    >>> is_due(remit_every="monthly", last_settled=date(2027, 1, 4), today=date(2027, 1, 5))
    False
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, localcontext
from enum import StrEnum

from fordra.domain import ledger
from fordra.domain.calendar import bank_day_on_or_after, is_bank_day
from fordra.domain.money import round_half_up

__all__ = [
    "LINES_PER_REMITTANCE_MAX",
    "NEW_CASES_PER_CHARGE_MAX",
    "PERCENT_DECIMALS_MAX",
    "REMIT_DAILY",
    "REMIT_EVERY",
    "REMIT_MONTHLY",
    "REMIT_WEEKLY",
    "Collected",
    "Pricing",
    "PricingModel",
    "Remittance",
    "RemittanceLine",
    "charges_due",
    "is_due",
    "period_start",
    "remittance",
    "remittance_transaction",
]

REMIT_DAILY = "daily"
REMIT_WEEKLY = "weekly"
REMIT_MONTHLY = "monthly"
REMIT_EVERY = (REMIT_DAILY, REMIT_WEEKLY, REMIT_MONTHLY)

# Limits, units last.
PERCENT_DECIMALS_MAX = 4
LINES_PER_REMITTANCE_MAX = 100_000
NEW_CASES_PER_CHARGE_MAX = 10_000_000
AMOUNT_ORE_MAX = ledger.AMOUNT_ORE_MAX

_HUNDRED = Decimal(100)
_CALCULATION_DIGITS = 60


class PricingModel(StrEnum):
    """How the agency is paid under a creditor's agreement (module docstring)."""

    COMMISSION = "commission"  # success-only: % of collected capital; agency keeps fees
    KEEPS_INTEREST_AND_FEES = "keeps_interest_and_fees"  # agency keeps interest and fees
    SUBSCRIPTION = "subscription"  # annual fee + per-case fee; agency keeps fees
    ZERO_COST = "zero_cost"  # "0 kr": the debtor's fees pay the agency


# model → (agency keeps interest, agency keeps fees)
_KEEPS: dict[PricingModel, tuple[bool, bool]] = {
    PricingModel.COMMISSION: (False, True),
    PricingModel.KEEPS_INTEREST_AND_FEES: (True, True),
    PricingModel.SUBSCRIPTION: (False, True),
    PricingModel.ZERO_COST: (False, True),
}


@dataclass(frozen=True)
class Pricing:
    """A creditor's pricing: the model and its parameters.

    Checked when built (``ValueError``): percentages within 0–100 with at most
    ``PERCENT_DECIMALS_MAX`` decimals, fees ≥ 0, ``remit_every`` one of ``REMIT_EVERY``, and only
    the parameters the model uses: a commission only for COMMISSION, annual and per-case fees
    only for SUBSCRIPTION. ``model`` may be given as its text value; ints are accepted as percent.
    """

    model: PricingModel
    commission_percent: Decimal = Decimal(0)
    annual_fee_ore: int = 0
    per_case_fee_ore: int = 0
    vat_percent: Decimal = Decimal(25)
    remit_every: str = REMIT_MONTHLY

    def __post_init__(self) -> None:
        object.__setattr__(self, "model", PricingModel(self.model))
        for name in ("commission_percent", "vat_percent"):
            object.__setattr__(self, name, _percent(getattr(self, name), name))
        for name in ("annual_fee_ore", "per_case_fee_ore"):
            _amount(getattr(self, name), name, minimum=0)
        if self.remit_every not in REMIT_EVERY:
            raise ValueError(f"remit_every {self.remit_every!r}: one of {REMIT_EVERY}")
        if self.commission_percent and self.model is not PricingModel.COMMISSION:
            raise ValueError(f"{self.model.value}: no commission (only the commission model)")
        if (self.annual_fee_ore or self.per_case_fee_ore) and (
            self.model is not PricingModel.SUBSCRIPTION
        ):
            raise ValueError(
                f"{self.model.value}: no annual or per-case fee (only the subscription model)"
            )

    @property
    def agency_keeps_interest(self) -> bool:
        """Whether the interest the debtor pays is the agency's (not the creditor's)."""
        return _KEEPS[self.model][0]

    @property
    def agency_keeps_fees(self) -> bool:
        """Whether the fees the debtor pays are the agency's (not the creditor's)."""
        return _KEEPS[self.model][1]


@dataclass(frozen=True)
class Collected:
    """What debtors paid on one case since the last remittance, per component, in öre.

    Give one per case. A component may be negative when a payment remitted earlier was reversed
    since (the creditor then gets less, and commission on reversed capital is given back).
    """

    case_ref: str
    capital_ore: int
    interest_ore: int
    fees_ore: int


@dataclass(frozen=True)
class RemittanceLine:
    """One case on the remittance statement; ``agency_share_ore + creditor_share_ore`` equals
    what was collected on the case."""

    case_ref: str
    capital_ore: int
    interest_ore: int
    fees_ore: int
    agency_share_ore: int  # kept interest/fees + commission on this line (excl. VAT)
    creditor_share_ore: int  # before VAT/charges
    commission_ore: int = 0  # the commission part of agency_share_ore

    @property
    def collected_ore(self) -> int:
        return self.capital_ore + self.interest_ore + self.fees_ore


@dataclass(frozen=True)
class Remittance:
    """One creditor's settlement for one period (module docstring for the arithmetic)."""

    lines: tuple[RemittanceLine, ...]
    collected_ore: int  # Σ capital + interest + fees of the lines
    owed_to_creditor_ore: int  # Σ creditor-owned parts: the liability this settles
    commission_ore: int
    charges_ore: int
    vat_ore: int
    payout_ore: int  # ≥ 0: to the creditor's account
    shortfall_ore: int  # ≥ 0: what the creditor owes the agency after this remittance
    receivable_offset_ore: int = 0  # an earlier shortfall taken from this remittance

    @property
    def kept_ore(self) -> int:
        """Interest and fees the agency kept (already its revenue when allocated)."""
        return self.collected_ore - self.owed_to_creditor_ore


def remittance(
    *,
    pricing: Pricing,
    collected: Sequence[Collected],
    charges_ore: int = 0,
    receivable_ore: int = 0,
) -> Remittance:
    """The remittance for one creditor: lines, commission, VAT, payout or shortfall.

    ``charges_ore``: subscription charges due now (``charges_due``). ``receivable_ore``: the
    creditor's debt to the agency from earlier shortfalls (the balance of
    ``agency:receivable:<creditor_id>``), offset against this payout as far as it goes.
    """
    if len(collected) > LINES_PER_REMITTANCE_MAX:
        raise ValueError(f"{len(collected)} lines: at most {LINES_PER_REMITTANCE_MAX}")
    charges = _amount(charges_ore, "charges_ore", minimum=0)
    receivable = _amount(receivable_ore, "receivable_ore", minimum=0)
    lines: list[RemittanceLine] = []
    for item in collected:
        capital = _amount(item.capital_ore, f"case {item.case_ref}: capital_ore")
        interest = _amount(item.interest_ore, f"case {item.case_ref}: interest_ore")
        fees = _amount(item.fees_ore, f"case {item.case_ref}: fees_ore")
        commission = _commission(capital, pricing=pricing)
        kept = (interest if pricing.agency_keeps_interest else 0) + (
            fees if pricing.agency_keeps_fees else 0
        )
        agency_share = kept + commission
        lines.append(
            RemittanceLine(
                case_ref=item.case_ref,
                capital_ore=capital,
                interest_ore=interest,
                fees_ore=fees,
                agency_share_ore=agency_share,
                creditor_share_ore=capital + interest + fees - agency_share,
                commission_ore=commission,
            )
        )
    collected_ore = sum(line.collected_ore for line in lines)
    commission_ore = sum(line.commission_ore for line in lines)
    owed = sum(line.creditor_share_ore for line in lines) + commission_ore
    vat = _percent_of(commission_ore + charges, pricing.vat_percent)
    due = owed - commission_ore - charges - vat
    offset = min(receivable, max(due, 0))
    result = Remittance(
        lines=tuple(lines),
        collected_ore=collected_ore,
        owed_to_creditor_ore=owed,
        commission_ore=commission_ore,
        charges_ore=charges,
        vat_ore=vat,
        payout_ore=max(due - offset, 0),
        shortfall_ore=max(-due, 0),
        receivable_offset_ore=offset,
    )
    _assert_adds_up(result, receivable_ore=receivable)
    return result


def _assert_adds_up(result: Remittance, *, receivable_ore: int) -> None:
    lines = result.lines
    assert result.collected_ore == sum(line.collected_ore for line in lines)
    assert all(
        line.agency_share_ore + line.creditor_share_ore == line.collected_ore for line in lines
    )
    assert result.commission_ore == sum(line.commission_ore for line in lines)
    assert (
        result.owed_to_creditor_ore + result.shortfall_ore
        == result.commission_ore
        + result.charges_ore
        + result.vat_ore
        + result.payout_ore
        + result.receivable_offset_ore
    )
    assert result.payout_ore >= 0
    assert result.shortfall_ore >= 0
    assert result.payout_ore == 0 or result.shortfall_ore == 0
    assert 0 <= result.receivable_offset_ore <= receivable_ore


def remittance_transaction(
    *,
    key: str,
    day: dt.date,
    creditor_id: str,
    remittance: Remittance,
    memo: str | None = None,
) -> ledger.Transaction:
    """The ledger transaction that books ``remittance`` (``ledger.tx_remittance``)."""
    return ledger.tx_remittance(
        key=key,
        day=day,
        creditor_id=creditor_id,
        commission_ore=remittance.commission_ore,
        charges_ore=remittance.charges_ore,
        vat_ore=remittance.vat_ore,
        payout_ore=remittance.payout_ore,
        shortfall_ore=remittance.shortfall_ore,
        receivable_offset_ore=remittance.receivable_offset_ore,
        memo=memo,
    )


def charges_due(*, pricing: Pricing, new_cases: int, annual_fee_due: bool) -> int:
    """Subscription charges due now: ``per_case_fee × new_cases`` (+ the annual fee when due).

    0 for the other models (they have no such fees). Excluding VAT, which ``remittance`` adds.
    """
    if type(new_cases) is not int or not 0 <= new_cases <= NEW_CASES_PER_CHARGE_MAX:
        raise ValueError(f"new_cases must be an int within 0–{NEW_CASES_PER_CHARGE_MAX}")
    return pricing.per_case_fee_ore * new_cases + (pricing.annual_fee_ore if annual_fee_due else 0)


def period_start(*, remit_every: str, today: dt.date) -> dt.date | None:
    """The settlement day of ``today``'s period: its first bank day (None if it has none).

    daily: ``today`` if a bank day; weekly: the first bank day of the ISO week (Monday–Sunday);
    monthly: the first bank day of the month.
    """
    if remit_every == REMIT_DAILY:
        return today if is_bank_day(today) else None
    if remit_every == REMIT_WEEKLY:
        monday = today - dt.timedelta(days=today.weekday())
        first = bank_day_on_or_after(monday)
        return first if first - monday < dt.timedelta(days=7) else None
    if remit_every == REMIT_MONTHLY:
        return bank_day_on_or_after(today.replace(day=1))
    raise ValueError(f"remit_every {remit_every!r}: one of {REMIT_EVERY}")


def is_due(*, remit_every: str, last_settled: dt.date | None, today: dt.date) -> bool:
    """Whether a remittance is due ``today``.

    Remittances are made on bank days only. Due on the period's first bank day
    (``period_start``) — and on any later bank day of the period if that day was missed, so a
    run that did not happen catches up — unless already settled on or after it. Never settled
    (``last_settled`` None): due on any bank day; whether there is money to remit is the
    caller's question.
    """
    if remit_every not in REMIT_EVERY:
        raise ValueError(f"remit_every {remit_every!r}: one of {REMIT_EVERY}")
    if not is_bank_day(today):
        return False
    if last_settled is None:
        return True
    start = period_start(remit_every=remit_every, today=today)
    return start is not None and start <= today and last_settled < start


def _percent(value: object, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise ValueError(f"{name} must be a Decimal, not {type(value).__name__}")
    percent = Decimal(value)
    if not percent.is_finite() or not Decimal(0) <= percent <= _HUNDRED:
        raise ValueError(f"{name} {value} is not within 0–100")
    exponent = percent.as_tuple().exponent
    assert isinstance(exponent, int)  # finite
    if -exponent > PERCENT_DECIMALS_MAX:
        raise ValueError(f"{name} {value}: at most {PERCENT_DECIMALS_MAX} decimals")
    return percent


def _amount(value: object, name: str, *, minimum: int | None = None) -> int:
    if type(value) is not int:
        raise ValueError(f"{name} must be int öre, not {type(value).__name__}")
    if abs(value) > AMOUNT_ORE_MAX:
        raise ValueError(f"{name} {value} is beyond ±{AMOUNT_ORE_MAX} öre")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must not be below {minimum}, got {value}")
    return value


def _commission(capital_ore: int, *, pricing: Pricing) -> int:
    """One line's commission: ``capital × commission_percent`` rounded half up, capped so that
    the commission plus its VAT is never above the capital (module docstring, "The rounding").

    A reversal (negative capital) gives back exactly what the same capital was charged.
    """
    if capital_ore < 0:
        return -_commission(-capital_ore, pricing=pricing)
    rated = _percent_of(capital_ore, pricing.commission_percent)
    return min(rated, _largest_with_vat_within(capital_ore, vat_percent=pricing.vat_percent))


def _largest_with_vat_within(amount_ore: int, *, vat_percent: Decimal) -> int:
    """The largest whole öre ``c`` with ``c × (1 + vat_percent / 100) ≤ amount_ore`` (≥ 0).

    Integer arithmetic, exact: the percentage has at most ``PERCENT_DECIMALS_MAX`` decimals.
    """
    scale: int = 10**PERCENT_DECIMALS_MAX
    with localcontext() as context:
        context.prec = _CALCULATION_DIGITS
        scaled_divisor = int((_HUNDRED + vat_percent) * scale)
    return amount_ore * 100 * scale // scaled_divisor


def _percent_of(amount_ore: int, percent: Decimal) -> int:
    """round_half_up(amount × percent / 100), exact whatever the thread's decimal context."""
    with localcontext() as context:
        context.prec = _CALCULATION_DIGITS
        return round_half_up(Decimal(amount_ore) * percent / _HUNDRED)
