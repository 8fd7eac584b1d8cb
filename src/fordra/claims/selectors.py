"""Reads over cases: lookup, lists, balances as of a date, and the case JSON (DESIGN.md §4.5)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from fordra.claims.models import Allocation, Case, CaseState, FeeRecord, Invoice, InvoiceKind
from fordra.claims.numbering import case_number_from_ref
from fordra.core.errors import NotFound
from fordra.domain.identifiers import IdentifierError, parse_orgnr, parse_party_id
from fordra.domain.interest import (
    CapitalChange,
    InterestResult,
    RateMissingError,
    ReferenceRateTable,
    compute_interest,
)
from fordra.reference.services import reference_rate_table


def case_get(*, ref: str, creditor_id: int | None = None) -> Case:
    """A case by its reference (FD-…) or OCR; another creditor's case is 'not found' too."""
    query = Case.objects.select_related("creditor", "debtor")
    if creditor_id is not None:
        query = query.filter(creditor_id=creditor_id)
    number = case_number_from_ref(ref)
    if number is not None:
        case = query.filter(number=number).first()
    else:
        case = query.filter(ocr=ref.strip().replace(" ", "")).first()
    if case is None:
        raise NotFound(f"no case with reference or OCR {ref!r}")
    return case


def case_list(
    *,
    today: date,
    creditor_orgnr: str | None = None,
    debtor_id: str | None = None,
    state: str | None = None,
    search: str | None = None,
    creditor_id: int | None = None,
) -> QuerySet[Case]:
    """Cases filtered the ways the CLI and the back office need, newest first."""
    query = Case.objects.select_related("creditor", "debtor").order_by("-number")
    if creditor_id is not None:
        query = query.filter(creditor_id=creditor_id)
    if creditor_orgnr:
        query = query.filter(creditor__orgnr=_orgnr_or_raw(creditor_orgnr))
    if debtor_id:
        query = query.filter(debtor__national_id=_party_or_raw(debtor_id, today=today))
    if state:
        if state not in CaseState.values:
            raise NotFound(f"unknown state {state!r}; one of: {', '.join(CaseState.values)}")
        query = query.filter(state=state)
    if search:
        query = query.filter(_search_filter(search, today=today))
    return query


def _orgnr_or_raw(text: str) -> str:
    try:
        return parse_orgnr(text)
    except IdentifierError:
        return text.strip()


def _party_or_raw(text: str, *, today: date) -> str:
    try:
        return parse_party_id(text, today=today).number
    except IdentifierError:
        return "".join(ch for ch in text if ch.isdigit()) or text.strip()


def _search_filter(text: str, *, today: date) -> Q:
    """One box finds a case by OCR, reference, debtor name, personnummer/orgnr or invoice number."""
    text = text.strip()
    digits = "".join(ch for ch in text if ch.isdigit())
    q = Q(debtor__name__icontains=text) | Q(invoices__invoice_number=text)
    number = case_number_from_ref(text)
    if number is not None:
        q |= Q(number=number)
    if digits:
        q |= Q(ocr=digits) | Q(debtor__national_id=_party_or_raw(text, today=today))
        if len(digits) in (6, 8):  # a birth date: YYMMDD or YYYYMMDD
            q |= Q(debtor__national_id__contains=digits)
    return q


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


def invoice_capitals(invoices: Sequence[Invoice]) -> list[tuple[Invoice, int]]:
    """Each invoice's capital after credit notes, oldest due date first.

    A credit note (kreditnota) says the credited amount was never owed, so it reduces capital from
    the start (no interest on it), applied to the oldest invoice first.
    """
    debts = sorted(
        (i for i in invoices if i.kind == InvoiceKind.INVOICE), key=lambda i: (i.due_date, i.id)
    )
    credit = -sum(i.amount_ore for i in invoices if i.kind == InvoiceKind.CREDIT_NOTE)
    out = []
    for inv in debts:
        used = min(credit, inv.amount_ore)
        credit -= used
        out.append((inv, inv.amount_ore - used))
    return out


def _interest(
    *,
    capital: int,
    inv: Invoice,
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


def case_balance(
    *,
    invoices: Sequence[Invoice],
    as_of: date,
    rates: ReferenceRateTable,
    fees: Sequence[FeeRecord] = (),
    allocations: Sequence[Allocation] = (),
) -> CaseBalance:
    """What is outstanding on ``as_of``, per claim and in total.

    Fees and allocations dated after ``as_of`` do not count yet. Interest runs on the capital
    outstanding each day: a payment allocated to capital lowers it from the day after the
    payment (``CapitalChange``), and interest already paid is deducted from what accrued.
    """
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
        paid[(a.invoice_id, a.component)] = paid.get((a.invoice_id, a.component), 0) + a.amount_ore
        if a.component == "capital":
            capital_paid_by_day.setdefault(a.invoice_id, []).append((a.date, a.amount_ore))

    interest = []
    claims = []
    for inv, capital in invoice_capitals(invoices):
        off = getattr(inv, "written_off_on", None)  # light rows from bulk readers lack it
        if off is not None and off <= as_of:
            # Given up (avskriven: time-barred, withdrawn …): nothing outstanding from that day;
            # the ledger's write-off transaction carries the amounts.
            continue
        changes = []
        remaining = capital
        for day, amount in sorted(capital_paid_by_day.get(inv.id, [])):
            remaining -= amount
            changes.append(CapitalChange(on=day, capital_ore=remaining))
        accrued = (
            _interest(capital=capital, inv=inv, as_of=as_of, rates=rates, changes=changes)
            if capital > 0
            else None
        )
        if accrued is not None:
            interest.append(InvoiceInterest(inv.invoice_number, capital, accrued))
        claims.append(
            ClaimOutstanding(
                invoice_id=inv.id,
                invoice_number=inv.invoice_number,
                due_date=inv.due_date,
                costs_ore=fees_by_invoice.get(inv.id, 0) - paid.get((inv.id, "costs"), 0),
                interest_ore=(accrued.amount_ore if accrued else 0)
                - paid.get((inv.id, "interest"), 0),
                capital_ore=capital - paid.get((inv.id, "capital"), 0),
            )
        )
    return CaseBalance(
        as_of=as_of,
        capital_ore=sum(c.capital_ore for c in claims),
        interest_ore=sum(c.interest_ore for c in claims),
        fees_ore=sum(c.costs_ore for c in claims),
        paid_ore=paid_total,
        interest=tuple(interest),
        claims=tuple(claims),
    )


def case_balances(
    *, cases: Sequence[Case], as_of: date, rates: ReferenceRateTable | None = None
) -> dict[int, CaseBalance]:
    """Balances for many cases with one query per table for their invoices, fees, payments."""
    rates = rates or reference_rate_table()
    by_case: dict[int, list[Invoice]] = {c.id: [] for c in cases}
    fees: dict[int, list[FeeRecord]] = {c.id: [] for c in cases}
    allocations: dict[int, list[Allocation]] = {c.id: [] for c in cases}
    ids = list(by_case)
    for start in range(0, len(ids), 800):
        part = ids[start : start + 800]
        for inv in Invoice.objects.filter(case_id__in=part).only(
            "id", "case_id", "invoice_number", "kind", "due_date", "amount_ore", "interest_rate",
            "written_off_on",
        ):
            by_case[inv.case_id].append(inv)
        for fee in FeeRecord.objects.filter(case_id__in=part).only(
            "id", "case_id", "invoice_id", "amount_ore", "date"
        ):
            fees[fee.case_id].append(fee)
        for a in Allocation.objects.filter(case_id__in=part):
            allocations[a.case_id].append(a)
    return {
        cid: case_balance(
            invoices=invs, as_of=as_of, rates=rates, fees=fees[cid], allocations=allocations[cid]
        )
        for cid, invs in by_case.items()
    }


def case_balance_of(case: Case, *, as_of: date, rates: ReferenceRateTable | None = None) -> CaseBalance:
    return case_balances(cases=[case], as_of=as_of, rates=rates)[case.id]


def case_summary_json(case: Case, balance: CaseBalance) -> dict[str, Any]:
    return {
        "ref": case.ref,
        "ocr": case.ocr,
        "state": case.state,
        "creditor_orgnr": case.creditor.orgnr,
        "debtor_id": case.debtor.national_id,
        "balance_ore": balance.balance_ore,
    }


def interest_json(item: InvoiceInterest) -> dict[str, Any]:
    r = item.result
    return {
        "invoice_number": item.invoice_number,
        "capital_ore": item.capital_ore,
        "amount_ore": r.amount_ore,
        "basis": r.basis,
        "rule": r.rule,
        "version": r.version,
        "provisional": r.provisional,
        "periods": [
            {
                "from": p.start.isoformat(),
                "to": p.end.isoformat(),
                "days": p.days,
                "capital_ore": p.capital_ore,
                "rate_percent": str(p.rate_percent),
                "reference_rate_percent": (
                    None if p.reference_rate_percent is None else str(p.reference_rate_percent)
                ),
                "amount_ore": p.amount_ore,
                "provisional": p.provisional,
            }
            for p in r.periods
        ],
    }
