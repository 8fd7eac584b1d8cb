"""The matched cases as plain rows, what each owes on a day, and a payment's allocation on it.

Read set-based (one query per table per batch) into named tuples with the attribute names
``case_balance`` reads. A payment is allocated on the case's balance as of the payment day —
oldest claim first, costs → interest → capital, interest accrued up to and including that day
(DOMAIN.md §11). A case with nothing paid yet skips ``case_balance``'s explanations
(``_outstanding_plain``, held equal to it by a property test).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple

from fordra.claims.models import CLOSED_STATES, Invoice
from fordra.claims.queries import case_allocations, case_fees, case_invoices, case_states
from fordra.claims.selectors import case_balance
from fordra.core.bulk import as_date
from fordra.domain.allocation import ClaimBalance, allocate_payment
from fordra.domain.balance import payable_claims
from fordra.domain.settlement import Pricing, PricingModel
from fordra.parties.queries import creditor_pricing_models
from fordra.payments.incoming import Incoming
from fordra.reference.services import reference_rate_table


# Lightweight rows with the attribute names case_balance reads (no ORM objects on the hot path;
# named tuples: a bank file builds a few hundred thousand of them).
class _Inv(NamedTuple):
    id: int
    invoice_number: str
    kind: str
    due_date: date
    amount_ore: int
    interest_rate: Any
    written_off_on: date | None


class _Fee(NamedTuple):
    invoice_id: int
    amount_ore: int
    date: date


class _Alloc(NamedTuple):
    invoice_id: int
    component: str
    amount_ore: int
    date: date


@dataclass
class _CaseData:
    case_id: int
    state: str
    creditor_id: int
    invoices: list[_Inv] = field(default_factory=list)
    fees: list[_Fee] = field(default_factory=list)
    allocations: list[_Alloc] = field(default_factory=list)


def _load_cases(
    case_ids: Sequence[int], *, cases_read: Mapping[int, tuple[str, int]] | None = None
) -> dict[int, _CaseData]:
    """The cases with their invoices, fees and allocations; ``cases_read``: (state, creditor
    id) already read in this transaction."""
    if cases_read is not None and all(cid in cases_read for cid in case_ids):
        cases = {cid: _CaseData(cid, *cases_read[cid]) for cid in case_ids}
    else:
        cases = {
            cid: _CaseData(cid, state, creditor_id)
            for cid, state, creditor_id in case_states(case_ids=case_ids)
        }
    to_rate = _rate_reader()
    for cid, iid, number, kind, due, amount, rate, off in case_invoices(case_ids=case_ids):
        cases[cid].invoices.append(
            _Inv(iid, number, kind, as_date(due), amount, None if rate is None else to_rate(rate),
                 None if off is None else as_date(off))
        )
    for cid, iid, amount, day in case_fees(case_ids=case_ids):
        cases[cid].fees.append(_Fee(iid, amount, as_date(day)))
    for cid, iid, component, amount, day in case_allocations(case_ids=case_ids):
        cases[cid].allocations.append(_Alloc(iid, component, amount, as_date(day)))
    return cases


def _rate_reader() -> Any:
    """An agreed rate as read by a raw query → Decimal (SQLite may hand back a float or text)."""
    field_ = Invoice._meta.get_field("interest_rate")
    places = getattr(field_, "decimal_places", 4)

    def to_rate(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))

    return to_rate


def _pricing_by_creditor(creditor_ids: Sequence[int]) -> dict[int, tuple[bool, bool]]:
    out = {}
    for cid, model in creditor_pricing_models(creditor_ids=creditor_ids):
        pricing = Pricing(model=PricingModel(model))
        out[cid] = (pricing.agency_keeps_interest, pricing.agency_keeps_fees)
    return out


def _allocate(
    data: _CaseData, item: Incoming, *, rates: Any
) -> tuple[int, int, dict[str, int], list[tuple[int, str, int]], int]:
    """(allocated, overpaid, per component, lines, balance left after the payment)."""
    if data.state in CLOSED_STATES:
        return 0, item.amount_ore, {"costs": 0, "interest": 0, "capital": 0}, [], 0
    claims, balance_ore = _outstanding_plain(
        data, as_of=item.paid_on, rates=rates
    ) or _outstanding(data, as_of=item.paid_on, rates=rates)
    allocation = allocate_payment(amount_ore=item.amount_ore, claims=claims)
    parts = {"costs": 0, "interest": 0, "capital": 0}
    lines = []
    allocated = 0
    for line in allocation.lines:
        parts[line.component] += line.amount_ore
        allocated += line.amount_ore
        lines.append((int(line.key), line.component, line.amount_ore))
    return allocated, allocation.overpayment_ore, parts, lines, balance_ore - allocated


def _outstanding(data: _CaseData, *, as_of: date, rates: Any) -> tuple[list[ClaimBalance], int]:
    """What a payment on ``as_of`` is allocated to (``case_balance``), and the balance."""
    balance = case_balance(
        invoices=data.invoices,  # type: ignore[arg-type]
        as_of=as_of,
        rates=rates,
        fees=data.fees,  # type: ignore[arg-type]
        allocations=data.allocations,  # type: ignore[arg-type]
    )
    claims = [
        ClaimBalance(
            key=str(c.invoice_id),
            due_date=c.due_date,
            costs_ore=max(c.costs_ore, 0),
            interest_ore=max(c.interest_ore, 0),
            capital_ore=max(c.capital_ore, 0),
        )
        for c in balance.claims
    ]
    return claims, balance.balance_ore


def _outstanding_plain(
    data: _CaseData, *, as_of: date, rates: Any
) -> tuple[list[ClaimBalance], int] | None:
    """``_outstanding`` without ``case_balance``'s explanations: the domain's one balance
    (``fordra.domain.balance.payable_claims``) over the plain rows already read, for a
    case with nothing paid yet (None otherwise: ``_outstanding``, the same function with its
    explanations). A property test holds the two equal (tests/integration/test_payments_bulk.py).
    """
    if data.allocations:
        return None
    return payable_claims(invoices=data.invoices, as_of=as_of, rates=rates, fees=data.fees)


def cases_owing(*, case_ids: Sequence[int], as_of: date) -> dict[int, tuple[date | None, int]]:
    """Each case's oldest due date among its claims still owing, and its balance, as a payment
    on ``as_of`` would be allocated (``_allocate``'s rule; closed cases owe nothing).

    For a payment that covers several cases without saying how much each (BgMax extra
    references without amounts, DOMAIN.md §14): spread oldest first (DOMAIN.md §11).
    """
    rates = reference_rate_table()
    out: dict[int, tuple[date | None, int]] = {}
    for case_id, data in _load_cases(sorted(set(case_ids))).items():
        if data.state in CLOSED_STATES:
            out[case_id] = (None, 0)
            continue
        claims, balance = _outstanding_plain(data, as_of=as_of, rates=rates) or _outstanding(
            data, as_of=as_of, rates=rates
        )
        owing = [c.due_date for c in claims if c.costs_ore + c.interest_ore + c.capital_ore > 0]
        out[case_id] = (min(owing, default=None), max(balance, 0))
    return out
