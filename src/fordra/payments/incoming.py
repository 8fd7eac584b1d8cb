"""A payment to record (``Incoming``), what recording a batch did (``RecordResult``), and the
limits every payment is held to before it is booked: a plausible amount, the ledger's currency,
a value date that has happened."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import NamedTuple

PAYMENT_ORE_MAX = 100_000_000_00  # a limit on everything: 100 million kronor per payment


BOOKED_CURRENCY = "SEK"  # the ledger's; a payment in another is held for staff, unbooked


class Incoming(NamedTuple):
    """A payment to record. ``case_id`` None: unmatched (to the queue, never dropped)."""

    key: str
    source: str
    amount_ore: int
    paid_on: date
    reference: str = ""
    payer_name: str = ""
    case_id: int | None = None
    suggestions: tuple[dict[str, str], ...] = ()
    # Why it waits for staff (Payment.reason; then it is never allocated), and problems noted
    # that did not stop it (Payment.warnings): see fordra.payments.intake.
    reason: str = ""
    # Anything but SEK is queued unbooked: the ledger is in SEK (Payment.currency).
    currency: str = "SEK"
    warnings: tuple[str, ...] = ()


@dataclass
class RecordResult:
    payments: int = 0
    matched: int = 0
    unmatched: int = 0
    duplicates: int = 0
    amount_ore: int = 0
    allocated_ore: int = 0
    overpaid_ore: int = 0
    closed: list[int] = field(default_factory=list)


def value_date_problem(*, paid_on: date, latest: date) -> str | None:
    """Why a payment with value date ``paid_on`` cannot be booked, or None: a value date after
    ``latest`` (today for staff and the CLI; a bank file's own creation date for its payments)
    is a payment that has not happened yet (DESIGN.md §4.2). Bank-file readers call this per
    payment and send a refused one to the unmatched queue with the reason."""
    if paid_on > latest:
        return (
            f"valutadagen {paid_on.isoformat()} ligger efter {latest.isoformat()}: "
            "en betalning kan inte bokas före den har gjorts"
        )
    return None
