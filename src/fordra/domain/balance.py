"""A case's balance on a day (utestående skuld): capital, interest, fees, less what was paid.

The one author of a case's balance. Every reader computes it here, over plain rows of the case's
invoices, fees and allocations (ORM objects, named tuples: anything with the attributes of
``InvoiceRow`` / ``FeeRow`` / ``AllocationRow``): the case view and letters (``claims.selectors``),
the payment allocation of a bank file (``payments``), and the daily run's snapshots
(``collection.snapshots``, without interest).

Rules (DOMAIN.md §3, §11):

- A credit note (kreditnota) says the credited amount was never owed: it reduces capital from
  the start (no interest on it), applied to the oldest invoice first (``invoice_capitals``).
- A claim written off (avskriven: time-barred, withdrawn …) owes nothing from that day; the
  ledger's write-off transaction carries its amounts.
- Fees and allocations dated after the day do not count yet.
- Interest (räntelagen, ``fordra.domain.interest``) runs on the capital outstanding each day: a
  payment allocated to capital lowers it from the day after the payment; interest already paid
  is deducted from what accrued. Days older than the rate table are not priced (never more than
  the law allows) and the amount is marked provisional.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from typing import NamedTuple, Protocol, TypeVar

from fordra.domain.allocation import ClaimBalance
from fordra.domain.interest import (
    CapitalChange,
    InterestResult,
    RateMissingError,
    ReferenceRateTable,
    compute_interest,
)

__all__ = [
    "CREDIT_NOTE",
    "INVOICE",
    "AllocationRow",
    "CaseBalance",
    "CaseRows",
    "ClaimOutstanding",
    "FeeRow",
    "InvoiceInterest",
    "InvoiceRow",
    "PlainAllocation",
    "PlainFee",
    "PlainInvoice",
    "case_balance",
    "case_balances",
    "invoice_capitals",
    "payable_claims",
]

INVOICE = "invoice"
CREDIT_NOTE = "credit_note"  # amount_ore < 0


class InvoiceRow(Protocol):
    @property
    def id(self) -> int: ...
    @property
    def invoice_number(self) -> str: ...
    @property
    def kind(self) -> str: ...
    @property
    def due_date(self) -> date: ...
    @property
    def amount_ore(self) -> int: ...
    @property
    def interest_rate(self) -> Decimal | None: ...  # an agreed rate (avtalad ränta), else statutory
    @property
    def written_off_on(self) -> date | None: ...


class FeeRow(Protocol):
    @property
    def invoice_id(self) -> int: ...
    @property
    def amount_ore(self) -> int: ...
    @property
    def date(self) -> date: ...


class AllocationRow(Protocol):
    @property
    def invoice_id(self) -> int: ...
    @property
    def component(self) -> str: ...  # "costs" | "interest" | "capital"
    @property
    def amount_ore(self) -> int: ...
    @property
    def date(self) -> date: ...


class PlainInvoice(NamedTuple):
    id: int
    invoice_number: str
    kind: str
    due_date: date
    amount_ore: int
    interest_rate: Decimal | None = None
    written_off_on: date | None = None


class PlainFee(NamedTuple):
    invoice_id: int
    amount_ore: int
    date: date


class PlainAllocation(NamedTuple):
    invoice_id: int
    component: str
    amount_ore: int
    date: date


class CaseRows(NamedTuple):
    """One case's rows, for ``case_balances``."""

    invoices: Sequence[InvoiceRow]
    fees: Sequence[FeeRow] = ()
    allocations: Sequence[AllocationRow] = ()


@dataclass(frozen=True)
class InvoiceInterest:
    invoice_number: str
    capital_ore: int
    result: InterestResult


@dataclass(frozen=True)
class ClaimOutstanding:
    """One invoice's outstanding amounts on a date: what a payment would be allocated to."""

    invoice_id: int
    invoice_number: str
    due_date: date
    costs_ore: int
    interest_ore: int
    capital_ore: int


@dataclass(frozen=True)
class CaseBalance:
    """What is outstanding on a case as of a date (DESIGN.md §4.5)."""

    as_of: date
    capital_ore: int
    interest_ore: int
    fees_ore: int
    paid_ore: int
    interest: tuple[InvoiceInterest, ...]
    claims: tuple[ClaimOutstanding, ...] = ()

    @property
    def balance_ore(self) -> int:
        return self.capital_ore + self.interest_ore + self.fees_ore

    @property
    def provisional(self) -> bool:
        return any(i.result.provisional for i in self.interest)


_Invoice = TypeVar("_Invoice", bound=InvoiceRow)


def invoice_capitals(invoices: Iterable[_Invoice]) -> list[tuple[_Invoice, int]]:
    """Each invoice's capital after credit notes, oldest due date first.

    A credit note (kreditnota) says the credited amount was never owed, so it reduces capital from
    the start (no interest on it), applied to the oldest invoice first.
    """
    debts = []
    credit = 0
    for inv in invoices:
        if inv.kind == INVOICE:
            debts.append(inv)
        elif inv.kind == CREDIT_NOTE:
            credit -= inv.amount_ore
    if len(debts) > 1:
        debts.sort(key=_oldest_first)
    out = []
    for inv in debts:
        used = min(credit, inv.amount_ore)
        credit -= used
        out.append((inv, inv.amount_ore - used))
    return out


def _oldest_first(inv: InvoiceRow) -> tuple[date, int]:
    return inv.due_date, inv.id


def case_balance(
    *,
    invoices: Sequence[InvoiceRow],
    as_of: date,
    rates: ReferenceRateTable | None,
    fees: Sequence[FeeRow] = (),
    allocations: Sequence[AllocationRow] = (),
    interest: bool = True,
) -> CaseBalance:
    """What is outstanding on ``as_of``, per claim and in total, with every interest amount
    explained (module docstring).

    ``interest=False``: capital and fees only — no interest accrued and none paid counted
    (``interest_ore`` 0, ``rates`` unused); for readers that only need to know whether capital
    and fees already reach a threshold (interest only adds).
    """
    explained: list[InvoiceInterest] = []
    rows, paid_total = _outstanding(
        invoices, as_of=as_of, rates=rates, fees=fees, allocations=allocations,
        interest=interest, explained=explained,
    )
    claims = []
    capital_total = interest_total = fees_total = 0
    for inv, costs_ore, interest_ore, capital_ore in rows:
        capital_total += capital_ore
        interest_total += interest_ore
        fees_total += costs_ore
        claims.append(
            ClaimOutstanding(
                inv.id, inv.invoice_number, inv.due_date, costs_ore, interest_ore, capital_ore
            )
        )
    return CaseBalance(
        as_of, capital_total, interest_total, fees_total, paid_total, tuple(explained),
        tuple(claims),
    )


def payable_claims(
    *,
    invoices: Sequence[InvoiceRow],
    as_of: date,
    rates: ReferenceRateTable,
    fees: Sequence[FeeRow] = (),
    allocations: Sequence[AllocationRow] = (),
) -> tuple[list[ClaimBalance], int]:
    """What a payment on ``as_of`` is allocated to, and the balance: ``case_balance``'s claims
    without its explanations, shaped for ``allocate_payment`` (keys: invoice ids as text; a
    component already overpaid counts as 0). For the bulk payment path, one call a payment.
    """
    rows, _ = _outstanding(
        invoices, as_of=as_of, rates=rates, fees=fees, allocations=allocations,
        interest=True, explained=None,
    )
    claims = []
    balance_ore = 0
    for inv, costs_ore, interest_ore, capital_ore in rows:
        balance_ore += costs_ore + interest_ore + capital_ore
        claims.append(
            ClaimBalance(
                str(inv.id), inv.due_date, max(costs_ore, 0), max(interest_ore, 0),
                max(capital_ore, 0),
            )
        )
    return claims, balance_ore


def _outstanding(
    invoices: Sequence[InvoiceRow],
    *,
    as_of: date,
    rates: ReferenceRateTable | None,
    fees: Sequence[FeeRow],
    allocations: Sequence[AllocationRow],
    interest: bool,
    explained: list[InvoiceInterest] | None,
) -> tuple[list[tuple[InvoiceRow, int, int, int]], int]:
    """(invoice, costs, interest, capital) outstanding per live claim, oldest first; and the
    total paid up to ``as_of``. Appends each interest amount's explanation to ``explained``."""
    if interest and rates is None:
        raise ValueError("rates are needed to compute interest")
    fees_by_invoice: dict[int, int] = {}
    for f in fees:
        if f.date <= as_of:
            fees_by_invoice[f.invoice_id] = fees_by_invoice.get(f.invoice_id, 0) + f.amount_ore
    paid: dict[tuple[int, str], int] = {}
    capital_paid_by_day: dict[int, list[tuple[date, int]]] = {}
    paid_total = 0
    for a in allocations:
        if a.date > as_of:
            continue
        paid_total += a.amount_ore
        key = (a.invoice_id, a.component)
        paid[key] = paid.get(key, 0) + a.amount_ore
        if interest and a.component == "capital":
            capital_paid_by_day.setdefault(a.invoice_id, []).append((a.date, a.amount_ore))

    rows: list[tuple[InvoiceRow, int, int, int]] = []
    for inv, capital in invoice_capitals(invoices):
        off = getattr(inv, "written_off_on", None)  # some light rows leave it out
        if off is not None and off <= as_of:
            continue
        interest_ore = 0
        if interest:
            assert rates is not None
            if capital > 0:
                changes = (
                    _capital_changes(capital, capital_paid_by_day.get(inv.id))
                    if capital_paid_by_day
                    else ()
                )
                accrued = _accrued(inv, capital=capital, as_of=as_of, rates=rates, changes=changes)
                if explained is not None:
                    explained.append(InvoiceInterest(inv.invoice_number, capital, accrued))
                interest_ore = accrued.amount_ore
            if paid:
                interest_ore -= paid.get((inv.id, "interest"), 0)
        costs_ore = fees_by_invoice.get(inv.id, 0)
        capital_ore = capital
        if paid:
            costs_ore -= paid.get((inv.id, "costs"), 0)
            capital_ore -= paid.get((inv.id, "capital"), 0)
        rows.append((inv, costs_ore, interest_ore, capital_ore))
    return rows, paid_total


def case_balances(
    rows: Mapping[int, CaseRows],
    *,
    as_of: date,
    rates: ReferenceRateTable | None,
    interest: bool = True,
) -> dict[int, CaseBalance]:
    """``case_balance`` for many cases in one pass, by the keys of ``rows`` (case ids)."""
    return {
        key: case_balance(
            invoices=case.invoices,
            as_of=as_of,
            rates=rates,
            fees=case.fees,
            allocations=case.allocations,
            interest=interest,
        )
        for key, case in rows.items()
    }


def _capital_changes(
    capital: int, paid_by_day: list[tuple[date, int]] | None
) -> list[CapitalChange]:
    if not paid_by_day:
        return []
    changes = []
    remaining = capital
    for day, amount in sorted(paid_by_day):
        remaining -= amount
        changes.append(CapitalChange(on=day, capital_ore=remaining))
    return changes


def _accrued(
    inv: InvoiceRow,
    *,
    capital: int,
    as_of: date,
    rates: ReferenceRateTable,
    changes: Sequence[CapitalChange],
) -> InterestResult:
    try:
        return compute_interest(
            capital_ore=capital,
            due_date=inv.due_date,
            as_of=as_of,
            rates=rates,
            agreed_rate_percent=inv.interest_rate,
            capital_changes=changes,
        )
    except RateMissingError:
        # Older than the rate table: charge nothing for days we cannot price (never more
        # than the law allows), and say so by marking the amount provisional.
        first = rates.periods[0].valid_from
        result = compute_interest(
            capital_ore=capital,
            due_date=max(inv.due_date, first - timedelta(days=1)),
            as_of=as_of,
            rates=rates,
            agreed_rate_percent=inv.interest_rate,
            capital_changes=changes,
        )
        return replace(result, provisional=True)
