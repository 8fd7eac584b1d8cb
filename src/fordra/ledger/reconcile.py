"""Klientmedel reconciliation: the bank balance the ledger expects, and whose money it is.

Lag (1944:181) om redovisningsmedel: money collected for creditors is theirs only while kept
apart and accounted for. The identity (docs/ledger.md): the klientmedel bank account equals what
is owed to each creditor + payments not yet matched + refunds owed to debtors + the agency's
revenue and VAT not yet withdrawn − what creditors owe the agency.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.ledger.services import account_balances
from fordra.parties.models import Creditor


def reconcile(*, as_of: date, bank_statement_ore: int | None = None) -> dict[str, Any]:
    balances = account_balances(as_of=as_of)
    names = dict(Creditor.objects.values_list("id", "name"))
    orgnrs = dict(Creditor.objects.values_list("id", "orgnr"))
    creditors = []
    liabilities = receivables = revenue = 0
    memo = 0
    for account, amount in sorted(balances.items()):
        if account.startswith("creditor:") and account.endswith(":liability"):
            cid = int(account.split(":")[1])
            liabilities += -amount
            creditors.append(
                {"creditor_orgnr": orgnrs.get(cid, ""), "name": names.get(cid, ""),
                 "owed_ore": -amount}
            )
        elif account.startswith("agency:receivable:"):
            receivables += amount
        elif account.startswith("agency:revenue:"):
            revenue += -amount
        elif account.startswith(("case:", "claims:")):
            memo += amount
    bank = balances.get("bank:klientmedel", 0)
    unapplied = -balances.get("unapplied", 0)
    refunds = -balances.get("refunds_owed", 0)
    vat = -balances.get("agency:vat_payable", 0)
    expected = liabilities + unapplied + refunds + revenue + vat - receivables
    report: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "bank_ledger_ore": bank,
        "expected_bank_ore": expected,
        "identity_ok": expected == bank and memo == 0,
        "creditors": creditors,
        "owed_to_creditors_ore": liabilities,
        "unapplied_ore": unapplied,
        "refunds_owed_ore": refunds,
        "agency_revenue_ore": revenue,
        "vat_payable_ore": vat,
        "agency_receivables_ore": receivables,
        "claims_under_management_ore": sum(
            v for k, v in balances.items() if k.startswith("case:")
        ),
    }
    if bank_statement_ore is not None:
        report["bank_statement_ore"] = bank_statement_ore
        report["difference_ore"] = bank_statement_ore - bank
    return report
