"""Reversing a fee: the one place that does it (DESIGN.md §2 ledger, §4.2 ``--date``).

A fee that should never have been charged — its letter went out after the debtor's objection
was received, or after a payment had already paid the case in full — is taken back by
reversal, never by editing history: a negative ``FeeRecord`` (key ``<fee key>:reversed``)
dated on the fee's own day, so the fee nets to zero on every day from the one it was charged,
and the ledger's ``reverse`` of the fee's posting (key ``fee_reversal:<fee key>``), with an
event on the case naming the reason. Idempotent by those keys.

If the fee was already paid by an allocation, the case's costs would go negative: the caller
re-allocates the payments (``fordra.payments.reallocation.case_reallocate``), which is why
every caller goes through that function and none calls this one alone.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import date, datetime

from fordra.claims.models import CaseEvent, FeeRecord
from fordra.domain.ledger import reverse, tx_fee_charged
from fordra.domain.money import format_amount
from fordra.ledger.services import ledger_post

REVERSAL_SUFFIX = ":reversed"
_FEE_KEY_CHARS_MAX = 120  # FeeRecord.key

FEE_KIND_LABELS = {
    "reminder": "Påminnelseavgift",
    "demand": "Inkassoavgift",
    "late_payment_compensation": "Förseningsersättning",
    "plan": "Avgift för avbetalningsplan",
    "kfm_application": "Ansökningsavgift Kronofogden",
    "kfm_drafting": "Ersättning för ansökan",
    "enforcement": "Grundavgift verkställighet",
}


def reversal_key(fee_key: str) -> str:
    """The key of the record that reverses the fee ``fee_key`` (a hash when it would be too long)."""
    key = fee_key + REVERSAL_SUFFIX
    if len(key) <= _FEE_KEY_CHARS_MAX:
        return key
    return "rev:" + hashlib.sha256(fee_key.encode()).hexdigest() + REVERSAL_SUFFIX


def fees_standing(*, case_id: int, after: date, steps: Iterable[str] | None = None) -> list[FeeRecord]:
    """The case's fees charged after ``after`` and not reversed yet (only ``steps`` if given)."""
    query = FeeRecord.objects.filter(case_id=case_id, date__gt=after, amount_ore__gt=0)
    if steps is not None:
        query = query.filter(step__in=list(steps))
    fees = list(query.order_by("date", "id"))
    reversed_keys = set(
        FeeRecord.objects.filter(
            key__in=[reversal_key(f.key) for f in fees]
        ).values_list("key", flat=True)
    )
    return [f for f in fees if reversal_key(f.key) not in reversed_keys]


def fee_reverse(
    *, fee: FeeRecord, reason: str, creditor_id: int, actor: str, now: datetime
) -> FeeRecord | None:
    """Take ``fee`` back (see the module docstring); None if it was reversed already."""
    key = reversal_key(fee.key)
    if FeeRecord.objects.filter(key=key).exists():
        return None
    label = FEE_KIND_LABELS.get(fee.kind, fee.kind)
    record = FeeRecord.objects.create(
        case_id=fee.case_id,
        invoice_id=fee.invoice_id,
        kind=fee.kind,
        amount_ore=-fee.amount_ore,
        date=fee.date,
        rule=f"reversal of {fee.key}"[:300],
        version=fee.version,
        explanation=f"Återförd: {reason}"[:500],
        step=fee.step,
        key=key,
    )
    charged = tx_fee_charged(
        key=fee.key, day=fee.date, case_id=str(fee.case_id), creditor_id=str(creditor_id),
        amount_ore=fee.amount_ore,
    )
    ledger_post(
        [
            reverse(
                charged, key=f"fee_reversal:{fee.key}"[:200], day=fee.date,
                memo=f"Återförd avgift {fee.key}: {reason}"[:500].replace("\n", " "),
            )
        ],
        now=now,
    )
    CaseEvent.objects.create(
        case_id=fee.case_id,
        date=fee.date,
        kind="fee_reversed",
        detail=f"{label} {format_amount(fee.amount_ore)} ({fee.date.isoformat()}) återförd: "
        f"{reason}"[:1000],
        actor=actor,
    )
    return record
