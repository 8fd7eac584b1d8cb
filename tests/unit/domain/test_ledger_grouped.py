"""The grouped builders (bulk paths) book what the per-case builders book, netted per account;
the storage's helpers (canonical body, raw rows) agree with the chain."""

from datetime import date
from typing import NamedTuple

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from fordra.domain.ledger import (
    BANK,
    GENESIS_HASH,
    LedgerError,
    Posting,
    RawTransaction,
    balances_of,
    canonical_body,
    canonical_text,
    chain_hash,
    chain_hash_of_body,
    raw_transaction,
    tx_claim_handed_over,
    tx_claims_handed_over,
    tx_fee_charged,
    tx_fees_charged,
    tx_interest_accrued,
    tx_netted,
    tx_payment,
    tx_payments,
    tx_unapplied_refunded,
    under_management,
)

DAY = date(2026, 3, 2)


class Shares(NamedTuple):
    case_id: int
    capital_ore: int
    interest_ore: int
    costs_ore: int
    overpaid_ore: int


def _nonzero(balances: dict[str, int]) -> dict[str, int]:
    return {account: ore for account, ore in balances.items() if ore}


ids = st.integers(min_value=1, max_value=10**9)
amounts = st.integers(min_value=-(10**8), max_value=10**8).filter(bool)
shares = st.builds(
    Shares,
    ids,
    *(st.integers(min_value=0, max_value=10**7) for _ in range(4)),
).filter(lambda s: s.capital_ore + s.interest_ore + s.costs_ore + s.overpaid_ore > 0)


@given(st.lists(st.tuples(ids, amounts), min_size=1, max_size=99), ids)
def test_grouped_fees_book_what_one_fee_at_a_time_books(fees, creditor_id) -> None:
    total = sum(ore for _, ore in fees)
    assume(total != 0)  # a zero contra: a fee and its taking back in one group, never built
    grouped = tx_fees_charged(key="g", day=DAY, creditor_id=creditor_id, fees=fees)
    singles = [
        tx_fee_charged(key=f"f{n}", day=DAY, case_id=cid, creditor_id=creditor_id, amount_ore=ore)
        for n, (cid, ore) in enumerate(fees)
    ]
    assert _nonzero(balances_of([grouped])) == _nonzero(balances_of(singles))
    # One posting per fee, in the order given, then the creditor's contra.
    assert [(p.account, p.amount_ore) for p in grouped.postings[:-1]] == [
        (f"case:{cid}:fees", ore) for cid, ore in fees
    ]
    assert grouped.postings[-1] == Posting(f"claims:{creditor_id}", -total)
    assert grouped.kind == "fee_charged"


def test_a_grouped_fee_is_never_zero() -> None:
    with pytest.raises(LedgerError, match="zero amount"):
        tx_fees_charged(key="g", day=DAY, creditor_id=1, fees=[(1, 100), (2, 0)])


@given(st.lists(st.tuples(ids, amounts), min_size=1, max_size=99, unique_by=lambda r: r[0]), ids)
def test_grouped_hand_over_books_what_one_case_at_a_time_books(capital, creditor_id) -> None:
    grouped = tx_claims_handed_over(key="g", day=DAY, creditor_id=creditor_id, capital=capital)
    singles = [
        tx_claim_handed_over(
            key=f"c{n}", day=DAY, case_id=cid, creditor_id=creditor_id, capital_ore=ore
        )
        for n, (cid, ore) in enumerate(capital)
    ]
    assert _nonzero(balances_of([grouped])) == _nonzero(balances_of(singles))
    assert grouped.kind == "claim_handed_over"


def test_grouped_hand_over_leaves_out_zeros_and_a_zero_contra() -> None:
    tx = tx_claims_handed_over(
        key="g", day=DAY, creditor_id=7, capital=[(1, 500), (2, 0), (3, -500)], memo="m"
    )
    assert tx.postings == (Posting("case:1:capital", 500), Posting("case:3:capital", -500))
    with pytest.raises(LedgerError, match="nothing to book"):
        tx_claims_handed_over(key="g", day=DAY, creditor_id=7, capital=[(1, 0)])


@given(st.lists(shares, min_size=1, max_size=60), ids, st.booleans(), st.booleans())
def test_grouped_payments_book_what_one_payment_at_a_time_books(
    payments, creditor_id, keeps_interest, keeps_fees
) -> None:
    grouped = tx_payments(
        key="g", day=DAY, creditor_id=creditor_id, payments=payments,
        agency_keeps_interest=keeps_interest, agency_keeps_fees=keeps_fees,
    )
    singles = [
        tx_payment(
            key=f"p{n}", day=DAY, case_id=p.case_id, creditor_id=creditor_id,
            capital_ore=p.capital_ore, interest_ore=p.interest_ore, costs_ore=p.costs_ore,
            overpaid_ore=p.overpaid_ore, agency_keeps_interest=keeps_interest,
            agency_keeps_fees=keeps_fees,
        )
        for n, p in enumerate(payments)
    ]
    assert _nonzero(balances_of([grouped])) == _nonzero(balances_of(singles))
    assert grouped.postings[0] == Posting(
        BANK, sum(p.capital_ore + p.interest_ore + p.costs_ore + p.overpaid_ore for p in payments)
    )
    assert grouped.kind == "payment"


def test_grouped_payments_refuse_a_share_below_zero() -> None:
    with pytest.raises(LedgerError, match="below zero"):
        tx_payments(
            key="g", day=DAY, creditor_id=1, payments=[Shares(5, 100, -1, 0, 0)],
            agency_keeps_interest=False, agency_keeps_fees=False,
        )


def test_netted_transactions_add_up_per_account_in_first_seen_order() -> None:
    parts = [
        tx_interest_accrued(key="i", day=DAY, case_id=3, creditor_id=1, amount_ore=40),
        tx_payment(
            key="p", day=DAY, case_id=3, creditor_id=1, capital_ore=100, interest_ore=40,
            costs_ore=0, overpaid_ore=0, agency_keeps_interest=False, agency_keeps_fees=False,
        ),
    ]
    tx = tx_netted(key="n", day=DAY, kind="payment_matched", memo="m", txs=parts)
    assert [(p.account, p.amount_ore) for p in tx.postings] == [
        ("case:3:interest", 40),
        ("claims:1", 60),
        (BANK, 140),
        ("case:3:capital", -100),
        ("creditor:1:liability", -140),
    ]


def test_an_unapplied_refund_takes_the_money_from_unapplied() -> None:
    tx = tx_unapplied_refunded(key="refund:x", day=DAY, amount_ore=2500, memo="m")
    assert (tx.kind, [(p.account, p.amount_ore) for p in tx.postings]) == (
        "refund_paid",
        [("unapplied", 2500), (BANK, -2500)],
    )


def test_the_body_and_the_chain_hash_agree() -> None:
    tx = tx_fees_charged(key="fees:x", day=DAY, creditor_id=2, fees=[(1, 100), (1, 50)], memo="m")
    body = canonical_body(tx)
    assert canonical_text(previous=GENESIS_HASH, sequence=3, tx=tx) == f"{GENESIS_HASH}\n3\n{body}"
    assert chain_hash_of_body(previous=GENESIS_HASH, sequence=3, body=body) == chain_hash(
        previous=GENESIS_HASH, sequence=3, tx=tx
    )
    with pytest.raises(LedgerError, match="sequence 0"):
        chain_hash_of_body(previous=GENESIS_HASH, sequence=0, body=body)


def test_a_stored_row_reads_back_unchecked() -> None:
    raw = raw_transaction(
        key="k", day=DAY, kind="payment", memo="", postings=[(BANK, 100), ("unapplied", -99)]
    )
    postings = (Posting(BANK, 100), Posting("unapplied", -99))
    assert raw == RawTransaction("k", DAY, "payment", "", postings)


def test_under_management_is_what_the_debtors_owe() -> None:
    book = [
        tx_claim_handed_over(key="c", day=DAY, case_id=1, creditor_id=9, capital_ore=1000),
        tx_fee_charged(key="f", day=DAY, case_id=1, creditor_id=9, amount_ore=60),
    ]
    assert under_management(balances_of(book)) == 1060
