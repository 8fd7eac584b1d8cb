"""The case file (akten): everything about one case in one view — DESIGN.md §4.5.

It sits above claims, collection and letters because it shows what each of them recorded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.claims.models import Allocation, Case, CaseEvent, CaseState, FeeRecord, Invoice
from fordra.claims.selectors import case_balance, case_summary_json, interest_json
from fordra.kfm.selectors import kfm_json
from fordra.letters.models import Letter
from fordra.plans.selectors import plan_json
from fordra.reference.services import reference_rate_table
from fordra.surveillance.selectors import limitation_json


def case_flags(case: Case, *, today: date) -> list[str]:
    """Guards and markers in force (DESIGN.md §4.5 ``flags``)."""
    flags = []
    if case.state == CaseState.DISPUTED:
        flags.append("disputed")
    if case.paused_until is not None and case.paused_until >= today:
        flags.append("paused")
    if case.awaiting_decision:
        flags.append("awaiting_decision")
    debtor = case.debtor
    if debtor.protected_identity:
        flags.append("protected_identity")
    if debtor.deceased:
        flags.append("deceased")
    if debtor.debt_relief:
        flags.append("debt_relief")
    if debtor.country and debtor.country != "SE":
        flags.append("foreign")
    if case.limitation_review:
        flags.append("time_barred")
    if case.foreign_partner:
        flags.append("foreign_partner")
    return flags


def case_detail_json(case: Case, *, as_of: date) -> dict[str, Any]:
    """The case as DESIGN.md §4.5 specifies, plus an explanation of every interest amount."""
    invoices = list(case.invoices.order_by("due_date", "id"))
    fees = list(FeeRecord.objects.filter(case=case).select_related("invoice"))
    allocations = list(Allocation.objects.filter(case=case))
    balance = case_balance(
        invoices=invoices,
        as_of=as_of,
        rates=reference_rate_table(),
        fees=fees,
        allocations=allocations,
    )
    return {
        **case_summary_json(case, balance),
        "as_of": as_of.isoformat(),
        "debtor_name": case.debtor.name,
        "creditor_name": case.creditor.name,
        "flags": case_flags(case, today=as_of),
        "capital_ore": balance.capital_ore,
        "interest_ore": balance.interest_ore,
        "fees_ore": balance.fees_ore,
        "paid_ore": balance.paid_ore,
        "invoices": [_invoice_json(i) for i in invoices],
        "interest": {
            "provisional": balance.provisional,
            "invoices": [interest_json(i) for i in balance.interest],
        },
        "fees": _fees_json(fees, invoices=invoices, as_of=as_of),
        "letters": [
            _letter_json(letter)
            for letter in Letter.objects.filter(case=case).order_by("letter_date", "id")
            if letter.letter_date <= as_of
        ],
        "events": [
            {"date": e.date.isoformat(), "kind": e.kind, "detail": e.detail}
            for e in CaseEvent.objects.filter(case=case).order_by("date", "id")
            if e.date <= as_of
        ],
        # Issue 6 keys (DESIGN.md §4.5 "later issues may add keys").
        "limitation_date": case.limitation_date.isoformat() if case.limitation_date else None,
        "limitation": limitation_json(case, as_of=as_of),
        "plan": plan_json(case, as_of=as_of),
        "kfm": kfm_json(case, as_of=as_of),
        "dispute_outcome": case.dispute_outcome or None,
    }


def _invoice_json(i: Invoice) -> dict[str, Any]:
    return {
        "invoice_number": i.invoice_number,
        "kind": i.kind,
        "invoice_date": i.invoice_date.isoformat(),
        "due_date": i.due_date.isoformat(),
        "amount_ore": i.amount_ore,
        "description": i.description,
    }


def _fees_json(
    fees: list[FeeRecord], *, invoices: list[Invoice], as_of: date
) -> list[dict[str, Any]]:
    numbers = {i.id: i.invoice_number for i in invoices}
    return [
        {
            "kind": f.kind,
            "amount_ore": f.amount_ore,
            "date": f.date.isoformat(),
            "rule": f.rule,
            "version": f.version,
            "invoice_number": f.invoice.invoice_number,
            # The invoices the fee was charged for: a letter's one påminnelseavgift or
            # inkassoavgift covers every invoice of the letter (DOMAIN.md §2).
            "invoice_numbers": [numbers[i] for i in f.covered_invoice_ids if i in numbers],
            "explanation": f.explanation,
        }
        for f in fees
        if f.date <= as_of
    ]


def _letter_json(letter: Letter) -> dict[str, Any]:
    return {
        "kind": letter.kind,
        "date": letter.letter_date.isoformat(),
        "pay_by": letter.pay_by.isoformat() if letter.pay_by else None,
        "status": letter.status,
        "channel": letter.channel,
        "pdf": letter.pdf_path,
    }
