"""Payment allocation (avräkning av betalning) over a debtor's claims.

The debtor may say which debt a payment settles (handelsbalken 9 kap. 5 §); the caller then
passes only that claim. Otherwise (DOMAIN.md §11, doctrine and practice, not statute):

1. the oldest due claim first (stable on input order for equal due dates);
2. within a claim: costs (kostnader: fees) → interest (ränta) → capital (kapital);
3. what is left over is an overpayment (överbetalning), to be paid back or held.

    >>> from datetime import date
    >>> claims = [ClaimBalance(key="B", due_date=date(2024, 2, 1), costs_ore=0,
    ...                        interest_ore=0, capital_ore=5000),
    ...           ClaimBalance(key="A", due_date=date(2024, 1, 1), costs_ore=18000,
    ...                        interest_ore=1200, capital_ore=100000)]
    >>> allocation = allocate_payment(amount_ore=30000, claims=claims)
    >>> [(line.key, line.component, line.amount_ore) for line in allocation.lines]
    [('A', 'costs', 18000), ('A', 'interest', 1200), ('A', 'capital', 10800)]

Invariants (asserted): the lines plus the overpayment equal the payment; no line exceeds its
bucket; lines are only made for amounts above zero.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = [
    "COMPONENTS",
    "Allocation",
    "AllocationLine",
    "ClaimBalance",
    "allocate_payment",
]

COMPONENT_COSTS = "costs"
COMPONENT_INTEREST = "interest"
COMPONENT_CAPITAL = "capital"
COMPONENTS = (COMPONENT_COSTS, COMPONENT_INTEREST, COMPONENT_CAPITAL)  # the order paid


@dataclass(frozen=True)
class ClaimBalance:
    """What is outstanding on one claim (invoice), per component, in öre."""

    key: str
    due_date: date
    costs_ore: int
    interest_ore: int
    capital_ore: int

    def component_ore(self, component: str) -> int:
        """The outstanding amount of ``component`` ("costs" | "interest" | "capital")."""
        if component == COMPONENT_COSTS:
            return self.costs_ore
        if component == COMPONENT_INTEREST:
            return self.interest_ore
        if component == COMPONENT_CAPITAL:
            return self.capital_ore
        raise ValueError(f"unknown component {component!r}")


@dataclass(frozen=True)
class AllocationLine:
    """``amount_ore`` of the payment goes to ``component`` of claim ``key``."""

    key: str
    component: str  # "costs" | "interest" | "capital"
    amount_ore: int


@dataclass(frozen=True)
class Allocation:
    """How one payment is split; ``overpayment_ore`` is what no claim took."""

    lines: tuple[AllocationLine, ...]
    overpayment_ore: int

    @property
    def allocated_ore(self) -> int:
        """The part of the payment that went to claims."""
        return sum(line.amount_ore for line in self.lines)


def allocate_payment(*, amount_ore: int, claims: Sequence[ClaimBalance]) -> Allocation:
    """Split a payment over ``claims``: oldest due first; costs → interest → capital.

    Raises ``ValueError`` for a negative payment, a negative balance or a repeated key.
    """
    if amount_ore < 0:
        raise ValueError("a payment must not be negative")
    keys = [claim.key for claim in claims]
    if len(set(keys)) != len(keys):
        raise ValueError("two claims with the same key")
    remaining = amount_ore
    lines: list[AllocationLine] = []
    for claim in sorted(claims, key=lambda c: c.due_date):  # sorted() is stable
        for component in COMPONENTS:
            outstanding = claim.component_ore(component)
            if outstanding < 0:
                raise ValueError(f"claim {claim.key}: negative {component}")
            paid = min(remaining, outstanding)
            if paid > 0:
                lines.append(AllocationLine(key=claim.key, component=component, amount_ore=paid))
                remaining -= paid
    allocation = Allocation(lines=tuple(lines), overpayment_ore=remaining)
    assert allocation.allocated_ore + allocation.overpayment_ore == amount_ore
    return allocation
