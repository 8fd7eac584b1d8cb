"""Klientmedel reconciliation: the bank balance the ledger expects, and whose money it is.

Lag (1944:181) om redovisningsmedel: money collected for creditors is theirs only while kept
apart and accounted for. The identity (docs/ledger.md): the klientmedel bank account equals what
is owed to each creditor + payments not yet matched + refunds owed to debtors + the agency's
revenue and VAT not yet withdrawn − what creditors owe the agency.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.domain.ledger import identity_errors, klientmedel, liability_account, under_management
from fordra.ledger.services import account_balances
from fordra.parties.models import Creditor


def reconcile(*, as_of: date, bank_statement_ore: int | None = None) -> dict[str, Any]:
    """The report of ``fordra.domain.ledger.klientmedel`` over the stored balances as of a day,
    with each creditor's name and organisation number."""
    balances = account_balances(as_of=as_of)
    recon = klientmedel(balances)
    names = dict(Creditor.objects.values_list("id", "name"))
    orgnrs = dict(Creditor.objects.values_list("id", "orgnr"))
    # In the order of their account names, as the report has always listed them.
    owed = sorted(recon.creditors_ore, key=lambda item: liability_account(item[0]))
    creditors = [
        {"creditor_orgnr": orgnrs.get(int(cid), ""), "name": names.get(int(cid), ""),
         "owed_ore": ore}
        for cid, ore in owed
    ]
    report: dict[str, Any] = {
        "as_of": as_of.isoformat(),
        "bank_ledger_ore": recon.bank_ore,
        "expected_bank_ore": recon.expected_bank_ore,
        "identity_ok": not identity_errors(balances),
        "creditors": creditors,
        "owed_to_creditors_ore": recon.owed_to_creditors_ore,
        "unapplied_ore": recon.unapplied_ore,
        "refunds_owed_ore": recon.refunds_owed_ore,
        "agency_revenue_ore": recon.agency_revenue_ore,
        "vat_payable_ore": recon.vat_payable_ore,
        "agency_receivables_ore": recon.receivables_ore,
        "claims_under_management_ore": under_management(balances),
    }
    if bank_statement_ore is not None:
        report["bank_statement_ore"] = bank_statement_ore
        report["difference_ore"] = bank_statement_ore - recon.bank_ore
    return report
