"""Giving up a claim (avskrivning): what the ledger books for it.

One mechanism for every reason a claim is given up — time-barred (preskriberad), withdrawn after
a dispute, … Interest is recognised in the ledger only when paid (docs/ledger.md), so the
interest outstanding is first recognised and then written off with the capital and fees: the
case's memo accounts end at zero and the record says how much interest was given up.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from fordra.claims.selectors import ClaimOutstanding
from fordra.domain.ledger import Transaction, tx_interest_accrued, tx_write_off


@dataclass(frozen=True)
class WriteOff:
    capital_ore: int
    interest_ore: int
    fees_ore: int
    transactions: tuple[Transaction, ...]


def claim_write_off(
    *, claim: ClaimOutstanding, case_id: int, creditor_id: int, cause: str, day: date, memo: str
) -> WriteOff:
    """The transactions that give up what is outstanding on ``claim`` on ``day``.

    Keys ``<cause>:interest:<invoice id>`` and ``<cause>:writeoff:<invoice id>``: a claim is
    written off once per cause, and a re-run books nothing twice.
    """
    capital = max(claim.capital_ore, 0)
    interest = max(claim.interest_ore, 0)
    fees = max(claim.costs_ore, 0)
    txs: list[Transaction] = []
    if interest:
        txs.append(
            tx_interest_accrued(
                key=f"{cause}:interest:{claim.invoice_id}",
                day=day,
                case_id=str(case_id),
                creditor_id=str(creditor_id),
                amount_ore=interest,
                memo=f"Upplupen ränta som skrivs av: {memo}"[:200],
            )
        )
    if capital or interest or fees:
        txs.append(
            tx_write_off(
                key=f"{cause}:writeoff:{claim.invoice_id}",
                day=day,
                case_id=str(case_id),
                creditor_id=str(creditor_id),
                capital_ore=capital,
                interest_ore=interest,
                fees_ore=fees,
                memo=memo[:200],
            )
        )
    return WriteOff(capital, interest, fees, tuple(txs))
