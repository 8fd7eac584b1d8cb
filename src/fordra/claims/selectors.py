"""Reads over cases: lookup, lists, balances as of a date, and the case JSON (DESIGN.md §4.5)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from fordra.claims.models import Allocation, Case, CaseState, FeeRecord, Invoice
from fordra.claims.numbering import case_number_from_ref
from fordra.core.errors import NotFound
from fordra.domain import balance as domain_balance
from fordra.domain.balance import (  # re-exported: the balance's one author is the domain
    CaseBalance,
    CaseRows,
    ClaimOutstanding,
    InvoiceInterest,
    case_balance,
    invoice_capitals,
)
from fordra.domain.identifiers import IdentifierError, parse_orgnr, parse_party_id
from fordra.domain.interest import ReferenceRateTable
from fordra.reference.services import reference_rate_table

__all__ = [
    "CaseBalance",
    "ClaimOutstanding",
    "InvoiceInterest",
    "case_balance",
    "case_balance_of",
    "case_balances",
    "case_get",
    "case_list",
    "case_summary_json",
    "interest_json",
    "invoice_capitals",
]


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
    rows = {cid: CaseRows(invs, fees[cid], allocations[cid]) for cid, invs in by_case.items()}
    return domain_balance.case_balances(rows, as_of=as_of, rates=rates)


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
