from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain.allocation import (
    COMPONENTS,
    Allocation,
    AllocationLine,
    ClaimBalance,
    allocate_payment,
)


def claim(
    key: str, due: date, *, costs: int = 0, interest: int = 0, capital: int = 0
) -> ClaimBalance:
    return ClaimBalance(
        key=key, due_date=due, costs_ore=costs, interest_ore=interest, capital_ore=capital
    )


def test_a_payment_goes_to_costs_then_interest_then_capital() -> None:
    # Invoice of 1 000 kr with a 180 kr collection fee and 12 kr interest; 300 kr paid:
    # 180 kr costs, 12 kr interest, 108 kr capital.
    allocation = allocate_payment(
        amount_ore=30000,
        claims=[claim("A", date(2024, 1, 31), costs=18000, interest=1200, capital=100000)],
    )
    assert allocation == Allocation(
        lines=(
            AllocationLine(key="A", component="costs", amount_ore=18000),
            AllocationLine(key="A", component="interest", amount_ore=1200),
            AllocationLine(key="A", component="capital", amount_ore=10800),
        ),
        overpayment_ore=0,
    )


def test_the_oldest_due_claim_is_paid_first() -> None:
    # Given newest first; 1 500 kr paid: the January claim (1 000 kr) in full, then 500 kr of
    # the February claim's 60 kr reminder fee and capital.
    allocation = allocate_payment(
        amount_ore=150000,
        claims=[
            claim("feb", date(2024, 2, 29), costs=6000, capital=200000),
            claim("jan", date(2024, 1, 31), capital=100000),
        ],
    )
    assert [(line.key, line.component, line.amount_ore) for line in allocation.lines] == [
        ("jan", "capital", 100000),
        ("feb", "costs", 6000),
        ("feb", "capital", 44000),
    ]
    assert allocation.overpayment_ore == 0


def test_claims_due_the_same_day_keep_their_input_order() -> None:
    allocation = allocate_payment(
        amount_ore=15000,
        claims=[
            claim("second-given", date(2024, 1, 31), capital=10000),
            claim("first-given", date(2024, 1, 31), capital=10000),
        ],
    )
    assert [(line.key, line.amount_ore) for line in allocation.lines] == [
        ("second-given", 10000),
        ("first-given", 5000),
    ]


def test_what_no_claim_takes_is_an_overpayment() -> None:
    allocation = allocate_payment(
        amount_ore=100000, claims=[claim("A", date(2024, 1, 31), costs=6000, capital=50000)]
    )
    assert allocation.allocated_ore == 56000
    assert allocation.overpayment_ore == 44000


def test_a_payment_with_no_claims_is_all_overpayment() -> None:
    assert allocate_payment(amount_ore=500, claims=[]) == Allocation(lines=(), overpayment_ore=500)


def test_a_zero_payment_allocates_nothing() -> None:
    allocation = allocate_payment(amount_ore=0, claims=[claim("A", date(2024, 1, 31), capital=1)])
    assert allocation == Allocation(lines=(), overpayment_ore=0)


def test_empty_buckets_get_no_lines() -> None:
    allocation = allocate_payment(
        amount_ore=100, claims=[claim("A", date(2024, 1, 31), interest=100)]
    )
    assert allocation.lines == (AllocationLine(key="A", component="interest", amount_ore=100),)


@pytest.mark.parametrize(
    ("amount", "claims", "message"),
    [
        (-1, [], "negative"),
        (1, [claim("A", date(2024, 1, 1), capital=-1)], "negative capital"),
        (
            1,
            [claim("A", date(2024, 1, 1)), claim("A", date(2024, 2, 1))],
            "same key",
        ),
    ],
)
def test_bad_input_is_refused(amount: int, claims: list[ClaimBalance], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        allocate_payment(amount_ore=amount, claims=claims)


AMOUNTS = st.integers(min_value=0, max_value=10**7)
CLAIMS = st.lists(
    st.builds(
        ClaimBalance,
        key=st.just(""),
        due_date=st.dates(min_value=date(2020, 1, 1), max_value=date(2020, 12, 31)),
        costs_ore=AMOUNTS,
        interest_ore=AMOUNTS,
        capital_ore=AMOUNTS,
    ),
    max_size=8,
).map(
    lambda claims: [
        ClaimBalance(
            key=f"c{index}",
            due_date=c.due_date,
            costs_ore=c.costs_ore,
            interest_ore=c.interest_ore,
            capital_ore=c.capital_ore,
        )
        for index, c in enumerate(claims)
    ]
)


@given(amount=st.integers(min_value=0, max_value=5 * 10**7), claims=CLAIMS)
def test_allocation_invariants_hold_for_any_payment(
    amount: int, claims: list[ClaimBalance]
) -> None:
    allocation = allocate_payment(amount_ore=amount, claims=claims)
    by_key = {c.key: c for c in claims}

    # 1. nothing is lost or made up
    assert sum(line.amount_ore for line in allocation.lines) + allocation.overpayment_ore == amount
    assert allocation.overpayment_ore >= 0

    # 2. no bucket gets more than it holds, and each bucket gets one line at most
    seen: set[tuple[str, str]] = set()
    for line in allocation.lines:
        assert 0 < line.amount_ore <= by_key[line.key].component_ore(line.component)
        assert (line.key, line.component) not in seen
        seen.add((line.key, line.component))

    # 3. order: the buckets in payment order (oldest due first, stable; costs → interest →
    #    capital); a bucket gets money only when every bucket before it is full, and there is an
    #    overpayment only when every bucket is full.
    buckets = [
        (c.key, component)
        for c in sorted(claims, key=lambda c: c.due_date)
        for component in COMPONENTS
    ]
    paid = {(line.key, line.component): line.amount_ore for line in allocation.lines}
    order = [bucket for bucket in buckets if bucket in paid]
    assert [(line.key, line.component) for line in allocation.lines] == order
    for index, (key, component) in enumerate(buckets):
        if paid.get((key, component), 0) > 0:
            for earlier_key, earlier_component in buckets[:index]:
                full = by_key[earlier_key].component_ore(earlier_component)
                assert paid.get((earlier_key, earlier_component), 0) == full
    if allocation.overpayment_ore > 0:
        for key, component in buckets:
            assert paid.get((key, component), 0) == by_key[key].component_ore(component)
