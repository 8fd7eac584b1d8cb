"""A payment the creditor received directly (direktbetalning), registered by staff or the CLI."""

from __future__ import annotations

from datetime import date, datetime

from fordra.claims.models import Case
from fordra.payments.actions import payment_apply
from fordra.payments.models import Payment

__all__ = ["payment_direct", "payment_direct_key"]


def payment_direct_key(*, case_id: int, paid_on: date, amount_ore: int, reference: str) -> str:
    """The idempotency key: registering the same payment again records nothing new; a second
    payment of the same amount on the same day needs its own ``reference``."""
    return f"direct:{case_id}:{paid_on.isoformat()}:{amount_ore}:{reference}"


def payment_direct(
    *, case: Case, amount_ore: int, paid_on: date, now: datetime, actor: str, reference: str = ""
) -> Payment:
    """Record a direct payment of ``amount_ore`` to ``case``: allocated like a bank payment."""
    return payment_apply(
        case=case,
        amount_ore=amount_ore,
        paid_on=paid_on,
        source="direct",
        key=payment_direct_key(
            case_id=case.id, paid_on=paid_on, amount_ore=amount_ore, reference=reference
        ),
        now=now,
        reference=reference,
        actor=actor,
    )
