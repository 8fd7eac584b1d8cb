import dataclasses
import doctest
import hashlib
import re
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
)

from fordra.domain import ledger
from fordra.domain.allocation import ClaimBalance, allocate_payment
from fordra.domain.ledger import (
    AMOUNT_ORE_MAX,
    BANK,
    GENESIS_HASH,
    KEY_CHARS_MAX,
    MEMO_CHARS_MAX,
    POSTINGS_PER_TRANSACTION_MAX,
    REFUNDS_OWED,
    UNAPPLIED,
    VAT_PAYABLE,
    LedgerError,
    Posting,
    RawTransaction,
    Transaction,
    UnbalancedTransaction,
    balances,
    balances_of,
    canonical_text,
    chain_hash,
    chain_rows,
    differences,
    identity_errors,
    klientmedel,
    normal_balance,
    reverse,
    side,
    side_totals,
    tx_agency_withdrawal,
    tx_claim_handed_over,
    tx_fee_charged,
    tx_interest_accrued,
    tx_paid_to_creditor,
    tx_payment_allocated,
    tx_payment_received,
    tx_refund_paid,
    tx_remittance,
    tx_write_off,
    verify_chain,
)
from fordra.domain.settlement import (
    Collected,
    Pricing,
    PricingModel,
    charges_due,
    remittance,
    remittance_transaction,
)

DAY = date(2026, 3, 2)


def postings_of(tx: Transaction) -> list[tuple[str, int]]:
    return [(p.account, p.amount_ore) for p in tx.postings]


def both_sides(tx: Transaction) -> tuple[int, int]:
    return side_totals(balances(tx.postings))


def tx(
    *postings: tuple[str, int], key: str = "k", memo: str = "", kind: str = "manual"
) -> Transaction:
    return Transaction(
        key=key,
        date=DAY,
        kind=kind,
        memo=memo,
        postings=tuple(Posting(account, ore) for account, ore in postings),
    )


# --- the module docstring is the spec ----------------------------------------------------------


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, tried = doctest.testmod(ledger, verbose=False, report=True)
    assert tried > 0
    assert failures == 0


# --- chart of accounts -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("account", "expected_side", "normal"),
    [
        ("case:17:capital", "memo", "debit"),
        ("case:17:interest", "memo", "debit"),
        ("case:2026-000123:fees", "memo", "debit"),
        ("claims:C1", "memo", "credit"),
        ("bank:klientmedel", "money", "debit"),
        ("creditor:C1:liability", "money", "credit"),
        ("creditor:556677-8899:liability", "money", "credit"),
        ("unapplied", "money", "credit"),
        ("refunds_owed", "money", "credit"),
        ("agency:revenue:interest", "money", "credit"),
        ("agency:revenue:fees", "money", "credit"),
        ("agency:revenue:commission", "money", "credit"),
        ("agency:revenue:charges", "money", "credit"),
        ("agency:vat_payable", "money", "credit"),
        ("agency:receivable:C1", "money", "debit"),
    ],
)
def test_every_account_of_the_chart_has_a_side_and_a_normal_balance(
    account: str, expected_side: str, normal: str
) -> None:
    assert side(account) == expected_side
    assert normal_balance(account) == normal


@pytest.mark.parametrize(
    "account",
    [
        "",
        "bank",
        "bank:other",
        "case:17",
        "case:17:penalty",
        "case::capital",
        "case:1 7:capital",
        "case:17:capital:x",
        "claims",
        "claims:",
        "claims:C1:x",
        "creditor:C1",
        "creditor:C1:asset",
        "agency:revenue:tips",
        "agency:receivable:",
        "agency:vat",
        "Unapplied",
        "unapplied ",
        "case:a=b:capital",
        "case:a\nb:capital",
        "case:" + "x" * 65 + ":capital",
    ],
)
def test_an_account_outside_the_chart_is_refused_by_name(account: str) -> None:
    with pytest.raises(LedgerError, match="not in the chart of accounts"):
        side(account)
    assert issubclass(LedgerError, ValueError)


def test_account_helpers_build_the_chart_and_refuse_bad_ids() -> None:
    assert ledger.case_account("17", "capital") == "case:17:capital"
    assert ledger.claims_account("C1") == "claims:C1"
    assert ledger.liability_account("C1") == "creditor:C1:liability"
    assert ledger.revenue_account("commission") == "agency:revenue:commission"
    assert ledger.receivable_account("C1") == "agency:receivable:C1"
    with pytest.raises(LedgerError, match="case_id"):
        ledger.case_account("a:b", "capital")
    with pytest.raises(LedgerError, match="unknown case component"):
        ledger.case_account("17", "costs")
    with pytest.raises(LedgerError, match="creditor_id"):
        ledger.claims_account("")
    with pytest.raises(LedgerError, match="unknown revenue kind"):
        ledger.revenue_account("vat")


# --- transactions: checked when built ----------------------------------------------------------


def test_a_balanced_transaction_is_built_and_is_immutable() -> None:
    built = tx((BANK, 100), (UNAPPLIED, -100))
    assert both_sides(built) == (0, 0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.key = "other"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.postings[0].amount_ore = 5  # type: ignore[misc]


def test_postings_given_as_a_list_are_stored_as_a_tuple() -> None:
    built = Transaction(
        key="k",
        date=DAY,
        kind="manual",
        memo="",
        postings=[Posting(BANK, 1), Posting(UNAPPLIED, -1)],  # type: ignore[arg-type]
    )
    assert isinstance(built.postings, tuple)


def test_unbalanced_by_one_ore_on_the_money_side_is_named() -> None:
    with pytest.raises(UnbalancedTransaction) as caught:
        tx((BANK, 100), (UNAPPLIED, -99))
    assert str(caught.value) == (
        "transaction 'k': unbalanced by 1 öre on the money side (debits exceed credits)"
    )
    assert (caught.value.memo_ore, caught.value.money_ore) == (0, 1)
    assert isinstance(caught.value, ValueError)


def test_unbalanced_on_the_memo_side_is_named() -> None:
    with pytest.raises(UnbalancedTransaction, match=r"by 5 öre on the memo side \(credits exceed"):
        tx(("case:1:capital", 95), ("claims:C1", -100))


def test_a_transaction_that_nets_to_zero_but_mixes_the_sides_is_unbalanced_on_both() -> None:
    # Debiting a case against the bank sums to zero overall but not per side.
    with pytest.raises(UnbalancedTransaction) as caught:
        tx(("case:1:capital", 100), (BANK, -100))
    assert str(caught.value).endswith(
        "unbalanced by 100 öre on the memo side (debits exceed credits) "
        "and by 100 öre on the money side (credits exceed debits)"
    )


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (lambda: tx((BANK, 100), (UNAPPLIED, -100), key=""), "key must be a text of 1–200"),
        (
            lambda: tx((BANK, 100), (UNAPPLIED, -100), key="k" * (KEY_CHARS_MAX + 1)),
            "key must be a text of 1–200",
        ),
        (lambda: tx((BANK, 100), (UNAPPLIED, -100), key="a\tb"), "key contains a control"),
        (lambda: tx((BANK, 100), (UNAPPLIED, -100), kind=""), "kind must be a word"),
        (lambda: tx((BANK, 100), (UNAPPLIED, -100), kind="two words"), "kind must be a word"),
        (lambda: tx((BANK, 100), (UNAPPLIED, -100), memo="a\nb"), "memo contains a line break"),
        (lambda: tx((BANK, 100), (UNAPPLIED, -100), memo="a\rb"), "memo contains a line break"),
        (
            lambda: tx((BANK, 100), (UNAPPLIED, -100), memo="m" * (MEMO_CHARS_MAX + 1)),
            "memo must be a text of at most 500",
        ),
        (lambda: tx((BANK, 0), (UNAPPLIED, 0)), "posting 1 (bank:klientmedel): zero amount"),
        (lambda: tx(), "0 postings: a transaction has 2–200"),
        (
            lambda: tx((BANK, AMOUNT_ORE_MAX + 1), (UNAPPLIED, -AMOUNT_ORE_MAX - 1)),
            "beyond",
        ),
        (lambda: tx((BANK, 100), ("bank:other", -100)), "posting 2: unknown account"),
        (
            lambda: tx((BANK, True), (UNAPPLIED, -1)),
            "amount must be int öre",
        ),
        (
            lambda: tx((BANK, 1.0), (UNAPPLIED, -1.0)),  # type: ignore[arg-type]
            "amount must be int öre",
        ),
    ],
)
def test_a_transaction_that_breaks_a_rule_is_refused_with_the_reason(
    build: Callable[[], Transaction], message: str
) -> None:
    with pytest.raises(LedgerError, match=re.escape(message)):
        build()


def test_a_single_posting_is_refused() -> None:
    with pytest.raises(LedgerError, match="1 postings"):
        Transaction(key="k", date=DAY, kind="manual", memo="", postings=(Posting(BANK, 1),))


def test_a_datetime_is_not_a_date() -> None:
    with pytest.raises(LedgerError, match="date must be a date, not datetime"):
        Transaction(
            key="k",
            date=datetime(2026, 3, 2, 12, 0),
            kind="manual",
            memo="",
            postings=(Posting(BANK, 1), Posting(UNAPPLIED, -1)),
        )


def test_the_limits_themselves_are_allowed() -> None:
    half = POSTINGS_PER_TRANSACTION_MAX // 2
    built = Transaction(
        key="k" * KEY_CHARS_MAX,
        date=DAY,
        kind="x" * ledger.KIND_CHARS_MAX,
        memo="m" * MEMO_CHARS_MAX,
        postings=(Posting(BANK, AMOUNT_ORE_MAX),) * half
        + (Posting(UNAPPLIED, -AMOUNT_ORE_MAX),) * half,
    )
    assert len(built.postings) == POSTINGS_PER_TRANSACTION_MAX
    with pytest.raises(LedgerError, match="202 postings"):
        Transaction(
            key="k",
            date=DAY,
            kind="manual",
            memo="",
            postings=(Posting(BANK, 1),) * (half + 1) + (Posting(UNAPPLIED, -1),) * (half + 1),
        )


def test_every_problem_of_a_transaction_is_reported_at_once() -> None:
    with pytest.raises(LedgerError) as caught:
        tx((BANK, 0), ("nowhere", -1), key="", memo="a\nb")
    message = str(caught.value)
    for part in ("key must", "memo contains a line break", "zero amount", "unknown account"):
        assert part in message


# --- builders ----------------------------------------------------------------------------------


def every_builder() -> list[Transaction]:
    return [
        tx_claim_handed_over(key="a", day=DAY, case_id="17", creditor_id="C1", capital_ore=100000),
        tx_claim_handed_over(key="b", day=DAY, case_id="17", creditor_id="C1", capital_ore=-5000),
        tx_fee_charged(key="c", day=DAY, case_id="17", creditor_id="C1", amount_ore=6000),
        tx_interest_accrued(key="d", day=DAY, case_id="17", creditor_id="C1", amount_ore=1234),
        tx_payment_received(key="e", day=DAY, amount_ore=110000),
        tx_payment_received(key="e2", day=DAY, amount_ore=-500),
        tx_payment_allocated(
            key="f",
            day=DAY,
            case_id="17",
            creditor_id="C1",
            capital_ore=100000,
            interest_ore=1234,
            costs_ore=6000,
            overpaid_ore=2766,
            agency_keeps_interest=True,
            agency_keeps_fees=True,
        ),
        tx_paid_to_creditor(
            key="g",
            day=DAY,
            case_id="17",
            creditor_id="C1",
            capital_ore=100,
            interest_ore=20,
            costs_ore=30,
            agency_keeps_interest=False,
            agency_keeps_fees=True,
        ),
        tx_remittance(
            key="h",
            day=DAY,
            creditor_id="C1",
            commission_ore=15000,
            charges_ore=2500,
            vat_ore=4375,
            payout_ore=80000,
        ),
        tx_remittance(
            key="h2",
            day=DAY,
            creditor_id="C1",
            commission_ore=0,
            charges_ore=127500,
            vat_ore=31875,
            payout_ore=0,
            shortfall_ore=58141,
        ),
        tx_write_off(
            key="i",
            day=DAY,
            case_id="17",
            creditor_id="C1",
            capital_ore=1,
            interest_ore=2,
            fees_ore=3,
        ),
        tx_refund_paid(key="j", day=DAY, amount_ore=2766),
        tx_agency_withdrawal(key="k", day=DAY, amounts={"commission": 15000, "vat": 3750}),
    ]


@pytest.mark.parametrize("built", every_builder(), ids=lambda t: f"{t.kind}:{t.key}")
def test_every_builder_balances_on_both_sides(built: Transaction) -> None:
    assert both_sides(built) == (0, 0)
    assert all(p.amount_ore != 0 for p in built.postings)


def test_a_claim_handed_over_debits_the_case_and_credits_the_creditors_claims() -> None:
    built = tx_claim_handed_over(
        key="claim:17", day=DAY, case_id="17", creditor_id="C1", capital_ore=100000
    )
    assert (built.key, built.date, built.kind) == ("claim:17", DAY, "claim_handed_over")
    assert postings_of(built) == [("case:17:capital", 100000), ("claims:C1", -100000)]


def test_a_credit_note_is_a_negative_hand_over_and_books_the_reverse() -> None:
    built = tx_claim_handed_over(
        key="cn", day=DAY, case_id="17", creditor_id="C1", capital_ore=-5000
    )
    assert postings_of(built) == [("case:17:capital", -5000), ("claims:C1", 5000)]


def test_fees_and_interest_are_debited_to_their_case_account() -> None:
    fee = tx_fee_charged(key="f", day=DAY, case_id="17", creditor_id="C1", amount_ore=18000)
    interest = tx_interest_accrued(
        key="i", day=DAY, case_id="17", creditor_id="C1", amount_ore=1234
    )
    assert postings_of(fee) == [("case:17:fees", 18000), ("claims:C1", -18000)]
    assert postings_of(interest) == [("case:17:interest", 1234), ("claims:C1", -1234)]


def test_a_payment_received_waits_in_unapplied() -> None:
    built = tx_payment_received(key="p", day=DAY, amount_ore=110000, memo="BgMax 2026-03-02")
    assert postings_of(built) == [(BANK, 110000), (UNAPPLIED, -110000)]
    assert built.memo == "BgMax 2026-03-02"


def test_an_allocation_where_the_creditor_gets_interest_and_fees() -> None:
    built = tx_payment_allocated(
        key="a",
        day=DAY,
        case_id="17",
        creditor_id="C1",
        capital_ore=100000,
        interest_ore=1234,
        costs_ore=6000,
        overpaid_ore=0,
        agency_keeps_interest=False,
        agency_keeps_fees=False,
    )
    assert postings_of(built) == [
        ("case:17:capital", -100000),
        ("case:17:interest", -1234),
        ("case:17:fees", -6000),
        ("claims:C1", 107234),
        (UNAPPLIED, 107234),
        ("creditor:C1:liability", -107234),
    ]


def test_an_allocation_where_the_agency_keeps_interest_and_fees_and_there_is_an_overpayment() -> (
    None
):
    built = tx_payment_allocated(
        key="a",
        day=DAY,
        case_id="17",
        creditor_id="C1",
        capital_ore=100000,
        interest_ore=1234,
        costs_ore=6000,
        overpaid_ore=2766,
        agency_keeps_interest=True,
        agency_keeps_fees=True,
    )
    assert postings_of(built) == [
        ("case:17:capital", -100000),
        ("case:17:interest", -1234),
        ("case:17:fees", -6000),
        ("claims:C1", 107234),
        (UNAPPLIED, 110000),
        ("creditor:C1:liability", -100000),
        ("agency:revenue:interest", -1234),
        ("agency:revenue:fees", -6000),
        (REFUNDS_OWED, -2766),
    ]


def test_an_overpayment_alone_touches_only_the_money_side() -> None:
    built = tx_payment_allocated(
        key="a",
        day=DAY,
        case_id="17",
        creditor_id="C1",
        capital_ore=0,
        interest_ore=0,
        costs_ore=0,
        overpaid_ore=500,
        agency_keeps_interest=False,
        agency_keeps_fees=True,
    )
    assert postings_of(built) == [(UNAPPLIED, 500), (REFUNDS_OWED, -500)]


def test_a_payment_to_the_creditor_directly_makes_the_creditor_owe_the_kept_fees() -> None:
    built = tx_paid_to_creditor(
        key="d",
        day=DAY,
        case_id="17",
        creditor_id="C1",
        capital_ore=100000,
        interest_ore=1234,
        costs_ore=6000,
        agency_keeps_interest=False,
        agency_keeps_fees=True,
    )
    assert postings_of(built) == [
        ("case:17:capital", -100000),
        ("case:17:interest", -1234),
        ("case:17:fees", -6000),
        ("claims:C1", 107234),
        ("agency:receivable:C1", 6000),
        ("agency:revenue:fees", -6000),
    ]
    assert BANK not in balances(built.postings)


def test_a_remittance_debits_the_liability_with_everything_it_pays_for() -> None:
    built = tx_remittance(
        key="r",
        day=DAY,
        creditor_id="C1",
        commission_ore=15000,
        charges_ore=0,
        vat_ore=3750,
        payout_ore=82484,
    )
    assert postings_of(built) == [
        ("creditor:C1:liability", 101234),
        ("agency:revenue:commission", -15000),
        (VAT_PAYABLE, -3750),
        (BANK, -82484),
    ]


def test_a_remittance_with_a_shortfall_books_the_creditors_debt_to_the_agency() -> None:
    # Subscription: 1 275,00 charges + 318,75 VAT against 1 012,34 owed → 581,41 short.
    built = tx_remittance(
        key="r",
        day=DAY,
        creditor_id="C3",
        commission_ore=0,
        charges_ore=127500,
        vat_ore=31875,
        payout_ore=0,
        shortfall_ore=58141,
    )
    assert postings_of(built) == [
        ("creditor:C3:liability", 101234),
        ("agency:receivable:C3", 58141),
        ("agency:revenue:charges", -127500),
        (VAT_PAYABLE, -31875),
    ]


def test_a_remittance_offsets_an_earlier_shortfall() -> None:
    built = tx_remittance(
        key="r",
        day=DAY,
        creditor_id="C3",
        commission_ore=0,
        charges_ore=0,
        vat_ore=0,
        payout_ore=441859,
        receivable_offset_ore=58141,
    )
    assert postings_of(built) == [
        ("creditor:C3:liability", 500000),
        ("agency:receivable:C3", -58141),
        (BANK, -441859),
    ]


def test_a_write_off_gives_up_the_receivables_on_the_memo_side_only() -> None:
    built = tx_write_off(
        key="w",
        day=DAY,
        case_id="17",
        creditor_id="C1",
        capital_ore=500,
        interest_ore=0,
        fees_ore=60,
    )
    assert postings_of(built) == [
        ("case:17:capital", -500),
        ("case:17:fees", -60),
        ("claims:C1", 560),
    ]
    assert {side(p.account) for p in built.postings} == {"memo"}


def test_a_refund_pays_back_what_is_owed_to_the_debtor() -> None:
    built = tx_refund_paid(key="r", day=DAY, amount_ore=2766)
    assert postings_of(built) == [(REFUNDS_OWED, 2766), (BANK, -2766)]


def test_an_agency_withdrawal_accepts_accounts_or_short_names_in_account_order() -> None:
    built = tx_agency_withdrawal(
        key="w",
        day=DAY,
        amounts={"vat": 3750, "agency:revenue:fees": 6000, "commission": 15000},
    )
    assert postings_of(built) == [
        ("agency:revenue:commission", 15000),
        ("agency:revenue:fees", 6000),
        (VAT_PAYABLE, 3750),
        (BANK, -24750),
    ]
    same = tx_agency_withdrawal(
        key="w",
        day=DAY,
        amounts={"commission": 15000, "fees": 6000, "agency:vat_payable": 3750},
    )
    assert same == built


@pytest.mark.parametrize(
    ("amounts", "message"),
    [
        ({"bank:klientmedel": 1}, "agency revenue or VAT only"),
        ({"creditor:C1:liability": 1}, "agency revenue or VAT only"),
        ({"tips": 1}, "agency revenue or VAT only"),
        ({"vat": 1, "agency:vat_payable": 1}, "given twice"),
        ({"fees": 0}, "above zero"),
        ({"fees": -5}, "above zero"),
        ({}, "nothing to book"),
    ],
)
def test_an_agency_withdrawal_is_only_of_the_agencys_money(
    amounts: dict[str, int], message: str
) -> None:
    with pytest.raises(LedgerError, match=message):
        tx_agency_withdrawal(key="w", day=DAY, amounts=amounts)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        (
            lambda: tx_claim_handed_over(
                key="k", day=DAY, case_id="1", creditor_id="C", capital_ore=0
            ),
            "capital_ore must not be zero",
        ),
        (
            lambda: tx_fee_charged(key="k", day=DAY, case_id="1", creditor_id="C", amount_ore=0),
            "amount_ore must not be zero",
        ),
        (lambda: tx_payment_received(key="k", day=DAY, amount_ore=0), "must not be zero"),
        (
            lambda: tx_payment_received(key="k", day=DAY, amount_ore=12.5),  # type: ignore[arg-type]
            "must be int öre, not float",
        ),
        (
            lambda: tx_payment_received(key="k", day=DAY, amount_ore=Decimal(1)),  # type: ignore[arg-type]
            "must be int öre, not Decimal",
        ),
        (
            lambda: tx_payment_allocated(
                key="k",
                day=DAY,
                case_id="1",
                creditor_id="C",
                capital_ore=-1,
                interest_ore=0,
                costs_ore=0,
                overpaid_ore=0,
                agency_keeps_interest=False,
                agency_keeps_fees=False,
            ),
            "capital_ore must not be negative",
        ),
        (
            lambda: tx_payment_allocated(
                key="k",
                day=DAY,
                case_id="1",
                creditor_id="C",
                capital_ore=0,
                interest_ore=0,
                costs_ore=0,
                overpaid_ore=0,
                agency_keeps_interest=False,
                agency_keeps_fees=False,
            ),
            "nothing to book",
        ),
        (
            lambda: tx_remittance(
                key="k",
                day=DAY,
                creditor_id="C",
                commission_ore=0,
                charges_ore=0,
                vat_ore=0,
                payout_ore=-1,
            ),
            "payout_ore must not be negative",
        ),
        (
            lambda: tx_write_off(
                key="k",
                day=DAY,
                case_id="1",
                creditor_id="C",
                capital_ore=0,
                interest_ore=0,
                fees_ore=0,
            ),
            "nothing to book",
        ),
        (lambda: tx_refund_paid(key="k", day=DAY, amount_ore=-1), "above zero"),
        (
            lambda: tx_fee_charged(key="k", day=DAY, case_id="a:b", creditor_id="C", amount_ore=1),
            "case_id 'a:b'",
        ),
        (
            lambda: tx_fee_charged(key="k", day=DAY, case_id="1", creditor_id="C 1", amount_ore=1),
            "creditor_id 'C 1'",
        ),
    ],
)
def test_builders_refuse_what_they_cannot_book(
    build: Callable[[], Transaction], message: str
) -> None:
    with pytest.raises(LedgerError, match=re.escape(message)):
        build()


def test_builders_are_deterministic_so_a_cause_booked_twice_is_the_same_transaction() -> None:
    assert every_builder() == every_builder()


# --- corrections and idempotency ---------------------------------------------------------------


def test_a_reversal_negates_every_posting_in_order_and_the_original_stays() -> None:
    original = tx_payment_allocated(
        key="alloc:1",
        day=DAY,
        case_id="17",
        creditor_id="C1",
        capital_ore=100000,
        interest_ore=1234,
        costs_ore=6000,
        overpaid_ore=2766,
        agency_keeps_interest=False,
        agency_keeps_fees=True,
    )
    fix = reverse(original, key="alloc:1:reversed", day=date(2026, 3, 5))
    assert (fix.key, fix.date, fix.kind, fix.memo) == (
        "alloc:1:reversed",
        date(2026, 3, 5),
        "reversal",
        "reverses alloc:1",
    )
    assert postings_of(fix) == [(a, -ore) for a, ore in postings_of(original)]
    assert set(balances_of([original, fix]).values()) == {0}
    assert postings_of(reverse(fix, key="again", day=DAY)) == postings_of(original)
    assert reverse(original, key="x", day=DAY, memo="wrong case").memo == "wrong case"


def test_the_same_transaction_again_has_no_differences() -> None:
    assert differences(every_builder()[0], every_builder()[0]) == []


def test_the_same_key_with_different_content_names_each_field_that_differs() -> None:
    stored = tx_payment_received(key="bgmax:1", day=DAY, amount_ore=1000)
    given_ = tx_payment_received(key="bgmax:1", day=date(2026, 3, 3), amount_ore=1001, memo="x")
    assert differences(stored, given_) == [
        "date: stored '2026-03-02', given '2026-03-03'",
        "memo: stored 'payment received', given 'x'",
        "posting 1: stored bank:klientmedel=1000, given bank:klientmedel=1001",
        "posting 2: stored unapplied=-1000, given unapplied=-1001",
    ]
    longer = tx(
        (BANK, 1000),
        (UNAPPLIED, -400),
        (UNAPPLIED, -600),
        key="bgmax:1",
        kind="payment_received",
        memo="payment received",
    )
    assert "postings: stored 2, given 3" in differences(stored, longer)


# --- the worked scenario, by hand --------------------------------------------------------------


def test_the_worked_scenario_leaves_every_balance_as_computed_by_hand() -> None:
    # 1 000 kr handed over, 60 kr fee, 12,34 kr interest; 1 100 kr paid, 27,66 kr too much.
    # Commission model (15 %, 25 % VAT), the agency keeps the fees.
    pricing = Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal(15))
    book = [
        tx_claim_handed_over(
            key="claim:17", day=DAY, case_id="17", creditor_id="C1", capital_ore=100000
        ),
        tx_fee_charged(key="fee:17", day=DAY, case_id="17", creditor_id="C1", amount_ore=6000),
        tx_interest_accrued(key="int:17", day=DAY, case_id="17", creditor_id="C1", amount_ore=1234),
        tx_payment_received(key="pay:1", day=DAY, amount_ore=110000),
    ]
    claim = ClaimBalance(
        key="17", due_date=DAY, costs_ore=6000, interest_ore=1234, capital_ore=100000
    )
    split = allocate_payment(amount_ore=110000, claims=[claim])
    paid = {line.component: line.amount_ore for line in split.lines}
    assert paid == {"costs": 6000, "interest": 1234, "capital": 100000}
    assert split.overpayment_ore == 2766  # 1 100,00 − 1 072,34
    book.append(
        tx_payment_allocated(
            key="pay:1:17",
            day=DAY,
            case_id="17",
            creditor_id="C1",
            capital_ore=paid["capital"],
            interest_ore=paid["interest"],
            costs_ore=paid["costs"],
            overpaid_ore=split.overpayment_ore,
            agency_keeps_interest=pricing.agency_keeps_interest,
            agency_keeps_fees=pricing.agency_keeps_fees,
        )
    )
    settled = remittance(
        pricing=pricing,
        collected=[Collected(case_ref="17", capital_ore=100000, interest_ore=1234, fees_ore=6000)],
    )
    # commission 15 % × 1 000,00 = 150,00; VAT 25 % × 150,00 = 37,50;
    # payout 1 000,00 + 12,34 − 150,00 − 37,50 = 824,84.
    assert (settled.commission_ore, settled.vat_ore, settled.payout_ore) == (15000, 3750, 82484)
    book.append(
        remittance_transaction(
            key="remit:C1:1", day=date(2026, 4, 1), creditor_id="C1", remittance=settled
        )
    )
    sheet = balances_of(book)
    assert {a: ore for a, ore in sheet.items() if ore} == {
        BANK: 27516,  # 1 100,00 − 824,84
        REFUNDS_OWED: -2766,
        "agency:revenue:fees": -6000,
        "agency:revenue:commission": -15000,
        VAT_PAYABLE: -3750,
    }
    assert sheet["creditor:C1:liability"] == 0
    assert sheet["claims:C1"] == 0
    assert side_totals(sheet) == (0, 0)
    assert identity_errors(sheet) == []
    recon = klientmedel(sheet)
    # 275,16 = refunds 27,66 + fees 60,00 + commission 150,00 + VAT 37,50
    assert recon.expected_bank_ore == 2766 + 6000 + 15000 + 3750 == recon.bank_ore
    # Refund and withdrawal empty the account.
    book.append(tx_refund_paid(key="refund:17", day=date(2026, 4, 2), amount_ore=2766))
    book.append(
        tx_agency_withdrawal(
            key="withdraw:2026-04",
            day=date(2026, 4, 30),
            amounts={"fees": 6000, "commission": 15000, "vat": 3750},
        )
    )
    assert not any(balances_of(book).values())


def test_balances_as_of_a_day_take_the_transactions_dated_on_or_before_it() -> None:
    book = [
        tx_payment_received(key="1", day=date(2026, 3, 1), amount_ore=100),
        tx_payment_received(key="2", day=date(2026, 3, 2), amount_ore=200),
        tx_payment_received(key="3", day=date(2026, 3, 3), amount_ore=400),
    ]
    assert balances_of(book, as_of=date(2026, 2, 28)) == {}
    assert balances_of(book, as_of=date(2026, 3, 2)) == {BANK: 300, UNAPPLIED: -300}
    assert balances_of(book) == {BANK: 700, UNAPPLIED: -700}


def test_the_klientmedel_reconciliation_is_per_creditor() -> None:
    book = [
        tx_payment_received(key="p", day=DAY, amount_ore=30000),
        tx_payment_allocated(
            key="a1",
            day=DAY,
            case_id="1",
            creditor_id="C1",
            capital_ore=10000,
            interest_ore=0,
            costs_ore=0,
            overpaid_ore=0,
            agency_keeps_interest=False,
            agency_keeps_fees=True,
        ),
        tx_payment_allocated(
            key="a2",
            day=DAY,
            case_id="2",
            creditor_id="C2",
            capital_ore=15000,
            interest_ore=0,
            costs_ore=2000,
            overpaid_ore=0,
            agency_keeps_interest=False,
            agency_keeps_fees=True,
        ),
        tx_paid_to_creditor(
            key="d",
            day=DAY,
            case_id="3",
            creditor_id="C2",
            capital_ore=0,
            interest_ore=0,
            costs_ore=500,
            agency_keeps_interest=False,
            agency_keeps_fees=True,
        ),
    ]
    recon = klientmedel(balances_of(book))
    assert recon.creditors_ore == (("C1", 10000), ("C2", 15000))
    assert (recon.bank_ore, recon.unapplied_ore, recon.agency_revenue_ore) == (30000, 3000, 2500)
    assert recon.receivables_ore == 500
    assert recon.expected_bank_ore == 10000 + 15000 + 3000 + 2500 - 500 == recon.bank_ore
    assert recon.difference_ore == 0


def test_a_broken_balance_sheet_is_reported_side_by_side() -> None:
    errors = identity_errors({BANK: 100, UNAPPLIED: -99, "case:1:capital": 5, "claims:C": -5})
    assert errors == ["money side nets to 1 öre, not 0: the klientmedel account does not reconcile"]
    assert klientmedel({BANK: 100, UNAPPLIED: -99}).difference_ore == 1
    errors = identity_errors({"case:1:capital": 5})
    assert errors[0].startswith("memo side nets to 5 öre")


# --- the hash chain ----------------------------------------------------------------------------


def test_the_canonical_text_is_one_field_per_line_then_the_postings() -> None:
    built = tx_payment_received(key="bgmax:991:20260302:1", day=DAY, amount_ore=110000)
    text = canonical_text(previous=GENESIS_HASH, sequence=1, tx=built)
    assert text == "\n".join(
        [
            "0" * 64,
            "1",
            "bgmax:991:20260302:1",
            "2026-03-02",
            "payment_received",
            "payment received",
            "bank:klientmedel=110000",
            "unapplied=-110000",
        ]
    )
    expected = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert chain_hash(previous=GENESIS_HASH, sequence=1, tx=built) == expected


# sha256 of "0"*64 "\n7\nnyckel:åäö\n2026-01-02\npayment_received\nBetalning från Åsa\n"
# "bank:klientmedel=12345\nunapplied=-12345" — changing it breaks every stored chain.
PINNED_HASH = "d6eaf1cb14066b534c952ea8de1864889b92ba0b7121abeb07b41d147cd6f7c7"


def test_the_chain_hash_is_pinned_because_stored_chains_depend_on_it() -> None:
    built = Transaction(
        key="nyckel:åäö",
        date=date(2026, 1, 2),
        kind="payment_received",
        memo="Betalning från Åsa",
        postings=(Posting(BANK, 12345), Posting(UNAPPLIED, -12345)),
    )
    assert chain_hash(previous=GENESIS_HASH, sequence=7, tx=built) == PINNED_HASH


def test_chain_hash_refuses_a_bad_previous_hash_or_sequence() -> None:
    built = tx_payment_received(key="p", day=DAY, amount_ore=1)
    with pytest.raises(LedgerError, match="64 lowercase hex"):
        chain_hash(previous="abc", sequence=1, tx=built)
    with pytest.raises(LedgerError, match="64 lowercase hex"):
        chain_hash(previous="A" * 64, sequence=1, tx=built)
    with pytest.raises(LedgerError, match="sequence 0"):
        chain_hash(previous=GENESIS_HASH, sequence=0, tx=built)


def a_book() -> list[Transaction]:
    return [
        tx_claim_handed_over(
            key="claim:17", day=DAY, case_id="17", creditor_id="C1", capital_ore=100000
        ),
        tx_fee_charged(key="fee:17", day=DAY, case_id="17", creditor_id="C1", amount_ore=6000),
        tx_payment_received(key="pay:1", day=date(2026, 3, 3), amount_ore=50000, memo="OCR 1234"),
        tx_payment_allocated(
            key="pay:1:17",
            day=date(2026, 3, 3),
            case_id="17",
            creditor_id="C1",
            capital_ore=44000,
            interest_ore=0,
            costs_ore=6000,
            overpaid_ore=0,
            agency_keeps_interest=False,
            agency_keeps_fees=True,
        ),
        tx_remittance(
            key="remit:1",
            day=date(2026, 4, 1),
            creditor_id="C1",
            commission_ore=6600,
            charges_ore=0,
            vat_ore=1650,
            payout_ore=35750,
        ),
    ]


def test_an_intact_chain_verifies_and_an_empty_one_too() -> None:
    rows = chain_rows(a_book())
    assert [sequence for sequence, _, _ in rows] == [1, 2, 3, 4, 5]
    assert verify_chain(rows) is None
    assert verify_chain([]) is None


def test_a_chain_can_continue_from_a_stored_head() -> None:
    book = a_book()
    head = chain_rows(book[:2])
    tail = chain_rows(book[2:], first_sequence=3, previous=head[-1][1])
    assert head + tail == chain_rows(book)


def _raw(t: Transaction, **changes: object) -> RawTransaction:
    fields = {
        "key": t.key,
        "date": t.date,
        "kind": t.kind,
        "memo": t.memo,
        "postings": t.postings,
    }
    fields.update(changes)
    return RawTransaction(**fields)  # type: ignore[arg-type]


def _first_posting(
    t: Transaction, *, account: str | None = None, amount: int | None = None
) -> tuple[Posting, ...]:
    first = t.postings[0]
    changed = Posting(
        first.account if account is None else account,
        first.amount_ore if amount is None else amount,
    )
    return (changed, *t.postings[1:])


TAMPERS: dict[str, Callable[[Transaction], RawTransaction]] = {
    "amount": lambda t: _raw(t, postings=_first_posting(t, amount=t.postings[0].amount_ore + 1)),
    "account": lambda t: _raw(t, postings=_first_posting(t, account="creditor:C9:liability")),
    "key": lambda t: _raw(t, key=t.key + "x"),
    "date": lambda t: _raw(t, date=date(2025, 1, 1)),
    "kind": lambda t: _raw(t, kind="manual"),
    "memo": lambda t: _raw(t, memo=t.memo + " "),
    "posting order": lambda t: _raw(t, postings=tuple(reversed(t.postings))),
    "posting removed": lambda t: _raw(t, postings=t.postings[1:]),
    "posting added": lambda t: _raw(t, postings=(*t.postings, Posting(BANK, 0))),
}


@pytest.mark.parametrize("field", TAMPERS)
@pytest.mark.parametrize("row", range(5))
def test_tampering_any_field_of_any_row_breaks_the_chain_at_that_row(field: str, row: int) -> None:
    rows: list[tuple[int, str, Transaction | RawTransaction]] = list(chain_rows(a_book()))
    sequence, stored, original = rows[row]
    assert isinstance(original, Transaction)
    rows[row] = (sequence, stored, TAMPERS[field](original))
    assert verify_chain(rows) == sequence


@pytest.mark.parametrize("row", range(5))
def test_a_changed_stored_hash_breaks_the_chain_at_that_row(row: int) -> None:
    rows = chain_rows(a_book())
    sequence, stored, original = rows[row]
    rows[row] = (sequence, ("f" if stored[0] != "f" else "e") + stored[1:], original)
    assert verify_chain(rows) == sequence


def test_a_recomputed_hash_after_tampering_still_breaks_the_chain_at_the_next_row() -> None:
    rows = chain_rows(a_book())
    sequence, _, original = rows[1]
    forged = tx_fee_charged(key="fee:17", day=DAY, case_id="17", creditor_id="C1", amount_ore=6001)
    rows[1] = (sequence, chain_hash(previous=rows[0][1], sequence=2, tx=forged), forged)
    assert original != forged
    assert verify_chain(rows) == 3


def test_a_missing_row_breaks_the_chain_where_the_next_row_stands() -> None:
    rows = chain_rows(a_book())
    del rows[2]
    assert verify_chain(rows) == 4


def test_a_missing_first_row_breaks_the_chain_at_once() -> None:
    assert verify_chain(chain_rows(a_book())[1:]) == 2


def test_reordered_rows_break_the_chain() -> None:
    rows = chain_rows(a_book())
    rows[1], rows[2] = rows[2], rows[1]
    assert verify_chain(rows) == 3


def test_swapped_transactions_under_their_original_sequences_break_the_chain() -> None:
    rows = chain_rows(a_book())
    (s1, h1, t1), (s2, h2, t2) = rows[1], rows[2]
    rows[1], rows[2] = (s1, h1, t2), (s2, h2, t1)
    assert verify_chain(rows) == 2


def test_a_duplicated_row_breaks_the_chain() -> None:
    rows = chain_rows(a_book())
    rows.insert(2, rows[1])
    assert verify_chain(rows) == 2


def test_a_chain_renumbered_from_another_start_is_refused() -> None:
    rows = chain_rows(a_book(), first_sequence=2)
    assert verify_chain(rows) == 2


@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_any_tampering_anywhere_is_found_at_its_row(data: st.DataObject) -> None:
    book = a_book()
    rows: list[tuple[int, str, Transaction | RawTransaction]] = list(chain_rows(book))
    row = data.draw(st.integers(0, len(rows) - 1))
    field = data.draw(st.sampled_from(sorted(TAMPERS)))
    sequence, stored, original = rows[row]
    assert isinstance(original, Transaction)
    rows[row] = (sequence, stored, TAMPERS[field](original))
    assert verify_chain(rows) == sequence


# --- property: random sequences of builder calls keep both sides at zero ----------------------

IDS = st.sampled_from(["1", "2", "17", "2026-000123"])
CREDITORS = st.sampled_from(["C1", "C2", "556677-8899"])
AMOUNT = st.integers(1, 10**9)
SIGNED = st.one_of(st.integers(-(10**9), -1), st.integers(1, 10**9))
SOME = st.integers(0, 10**9)


def builder_calls() -> st.SearchStrategy[Callable[[str], Transaction]]:
    return st.one_of(
        st.builds(
            lambda c, k, a: (
                lambda key: tx_claim_handed_over(
                    key=key, day=DAY, case_id=c, creditor_id=k, capital_ore=a
                )
            ),
            IDS,
            CREDITORS,
            SIGNED,
        ),
        st.builds(
            lambda c, k, a: (
                lambda key: tx_fee_charged(key=key, day=DAY, case_id=c, creditor_id=k, amount_ore=a)
            ),
            IDS,
            CREDITORS,
            SIGNED,
        ),
        st.builds(
            lambda c, k, a: (
                lambda key: tx_interest_accrued(
                    key=key, day=DAY, case_id=c, creditor_id=k, amount_ore=a
                )
            ),
            IDS,
            CREDITORS,
            SIGNED,
        ),
        st.builds(
            lambda a: lambda key: tx_payment_received(key=key, day=DAY, amount_ore=a), SIGNED
        ),
        st.builds(
            lambda c, k, cap, i, f, o, ki, kf: (
                lambda key: tx_payment_allocated(
                    key=key,
                    day=DAY,
                    case_id=c,
                    creditor_id=k,
                    capital_ore=cap,
                    interest_ore=i,
                    costs_ore=f,
                    overpaid_ore=o + (1 if cap + i + f + o == 0 else 0),
                    agency_keeps_interest=ki,
                    agency_keeps_fees=kf,
                )
            ),
            IDS,
            CREDITORS,
            SOME,
            SOME,
            SOME,
            SOME,
            st.booleans(),
            st.booleans(),
        ),
        st.builds(
            lambda c, k, cap, i, f, ki, kf: (
                lambda key: tx_paid_to_creditor(
                    key=key,
                    day=DAY,
                    case_id=c,
                    creditor_id=k,
                    capital_ore=cap + 1,
                    interest_ore=i,
                    costs_ore=f,
                    agency_keeps_interest=ki,
                    agency_keeps_fees=kf,
                )
            ),
            IDS,
            CREDITORS,
            SOME,
            SOME,
            SOME,
            st.booleans(),
            st.booleans(),
        ),
        st.builds(
            lambda k, com, ch, vat, pay, short, off: (
                lambda key: tx_remittance(
                    key=key,
                    day=DAY,
                    creditor_id=k,
                    commission_ore=com,
                    charges_ore=ch,
                    vat_ore=vat,
                    payout_ore=pay + 1,
                    shortfall_ore=short,
                    receivable_offset_ore=off,
                )
            ),
            CREDITORS,
            st.integers(-(10**8), 10**8),
            SOME,
            st.integers(-(10**8), 10**8),
            SOME,
            SOME,
            SOME,
        ),
        st.builds(
            lambda c, k, cap, i, f: (
                lambda key: tx_write_off(
                    key=key,
                    day=DAY,
                    case_id=c,
                    creditor_id=k,
                    capital_ore=cap + 1,
                    interest_ore=i,
                    fees_ore=f,
                )
            ),
            IDS,
            CREDITORS,
            SOME,
            SOME,
            SOME,
        ),
        st.builds(lambda a: lambda key: tx_refund_paid(key=key, day=DAY, amount_ore=a), AMOUNT),
        st.builds(
            lambda amounts: lambda key: tx_agency_withdrawal(key=key, day=DAY, amounts=amounts),
            st.dictionaries(
                st.sampled_from(["interest", "fees", "commission", "charges", "vat"]),
                AMOUNT,
                min_size=1,
            ),
        ),
    )


@settings(max_examples=300, deadline=None)
@given(
    calls=st.lists(builder_calls(), min_size=1, max_size=30),
    reversals=st.lists(st.integers(0, 29), max_size=10),
)
def test_random_sequences_of_builder_calls_keep_both_sides_at_zero(
    calls: list[Callable[[str], Transaction]], reversals: list[int]
) -> None:
    book = [call(f"k{number}") for number, call in enumerate(calls)]
    book += [
        reverse(book[index], key=f"r{n}", day=DAY)
        for n, index in enumerate(reversals)
        if index < len(book)
    ]
    for t in book:
        assert both_sides(t) == (0, 0)
    sheet = balances_of(book)
    assert side_totals(sheet) == (0, 0)
    assert identity_errors(sheet) == []
    assert klientmedel(sheet).difference_ore == 0
    assert verify_chain(chain_rows(book)) is None


# --- property: a realistic run keeps every balance on its normal side --------------------------

PRICINGS = {
    "C1": Pricing(model=PricingModel.COMMISSION, commission_percent=Decimal("15")),
    "C2": Pricing(model=PricingModel.KEEPS_INTEREST_AND_FEES),
    "C3": Pricing(model=PricingModel.SUBSCRIPTION, annual_fee_ore=120000, per_case_fee_ore=2500),
    "C4": Pricing(model=PricingModel.ZERO_COST, remit_every="daily"),
}


class LedgerRun(RuleBasedStateMachine):
    """Claims, fees, interest, payments, allocations, remittances, refunds and withdrawals, in
    any order, the way the services will drive the builders."""

    def __init__(self) -> None:
        super().__init__()
        self.book: list[Transaction] = []
        self.cases: dict[str, tuple[str, dict[str, int]]] = {}  # case → (creditor, outstanding)
        self.collected: dict[str, dict[str, list[int]]] = {c: {} for c in PRICINGS}
        self.new_cases: dict[str, int] = dict.fromkeys(PRICINGS, 0)
        self.receivable: dict[str, int] = dict.fromkeys(PRICINGS, 0)
        self.sheet: dict[str, int] = {}

    def book_tx(self, t: Transaction) -> None:
        assert all(t.key != other.key for other in self.book)
        self.book.append(t)
        for account, ore in balances(t.postings).items():
            self.sheet[account] = self.sheet.get(account, 0) + ore

    def key(self, what: str) -> str:
        return f"{what}:{len(self.book)}"

    @rule(creditor=st.sampled_from(sorted(PRICINGS)), capital=st.integers(1, 10**7))
    def hand_over(self, creditor: str, capital: int) -> None:
        case_id = str(len(self.cases) + 1)
        self.cases[case_id] = (creditor, {"costs": 0, "interest": 0, "capital": capital})
        self.new_cases[creditor] += 1
        self.book_tx(
            tx_claim_handed_over(
                key=self.key("claim"),
                day=DAY,
                case_id=case_id,
                creditor_id=creditor,
                capital_ore=capital,
            )
        )

    @precondition(lambda self: self.cases)
    @rule(data=st.data(), amount=st.integers(1, 20000), interest=st.booleans())
    def charge(self, data: st.DataObject, amount: int, interest: bool) -> None:
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        creditor, outstanding = self.cases[case_id]
        build = tx_interest_accrued if interest else tx_fee_charged
        outstanding["interest" if interest else "costs"] += amount
        self.book_tx(
            build(
                key=self.key("charge"),
                day=DAY,
                case_id=case_id,
                creditor_id=creditor,
                amount_ore=amount,
            )
        )

    @rule(amount=st.integers(1, 2 * 10**7))
    def receive(self, amount: int) -> None:  # a payment without a usable reference
        self.book_tx(tx_payment_received(key=self.key("pay"), day=DAY, amount_ore=amount))

    @precondition(lambda self: self.cases)
    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def pay_a_case(self, data: st.DataObject) -> None:
        # A payment that arrives with the case's OCR: received and allocated at once; in part,
        # in full or (up to 50 kr) too much.
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        amount = data.draw(st.integers(1, sum(self.cases[case_id][1].values()) + 5000))
        self.receive(amount)
        self.allocate_to(case_id, amount)

    @precondition(lambda self: self.cases and self.sheet.get(UNAPPLIED, 0) < 0)
    @rule(data=st.data())
    def allocate(self, data: st.DataObject) -> None:
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        self.allocate_to(case_id, data.draw(st.integers(1, -self.sheet[UNAPPLIED])))

    def allocate_to(self, case_id: str, amount: int) -> None:
        creditor, outstanding = self.cases[case_id]
        pricing = PRICINGS[creditor]
        claim = ClaimBalance(
            key=case_id,
            due_date=DAY,
            costs_ore=outstanding["costs"],
            interest_ore=outstanding["interest"],
            capital_ore=outstanding["capital"],
        )
        split = allocate_payment(amount_ore=amount, claims=[claim])
        paid = {"costs": 0, "interest": 0, "capital": 0}
        for line in split.lines:
            paid[line.component] += line.amount_ore
            outstanding[line.component] -= line.amount_ore
        self.book_tx(
            tx_payment_allocated(
                key=self.key("alloc"),
                day=DAY,
                case_id=case_id,
                creditor_id=creditor,
                capital_ore=paid["capital"],
                interest_ore=paid["interest"],
                costs_ore=paid["costs"],
                overpaid_ore=split.overpayment_ore,
                agency_keeps_interest=pricing.agency_keeps_interest,
                agency_keeps_fees=pricing.agency_keeps_fees,
            )
        )
        so_far = self.collected[creditor].setdefault(case_id, [0, 0, 0])
        so_far[0] += paid["capital"]
        so_far[1] += paid["interest"]
        so_far[2] += paid["costs"]

    @rule(creditor=st.sampled_from(sorted(PRICINGS)), annual_fee_due=st.booleans())
    def settle(self, creditor: str, annual_fee_due: bool) -> None:
        pricing = PRICINGS[creditor]
        result = remittance(
            pricing=pricing,
            collected=[
                Collected(case_ref=case_id, capital_ore=c, interest_ore=i, fees_ore=f)
                for case_id, (c, i, f) in sorted(self.collected[creditor].items())
            ],
            charges_ore=charges_due(
                pricing=pricing, new_cases=self.new_cases[creditor], annual_fee_due=annual_fee_due
            ),
            receivable_ore=self.receivable[creditor],
        )
        self.collected[creditor] = {}
        self.new_cases[creditor] = 0
        assert result.payout_ore <= max(result.owed_to_creditor_ore, 0)
        if not (result.owed_to_creditor_ore or result.charges_ore or result.shortfall_ore):
            return
        self.book_tx(
            remittance_transaction(
                key=self.key("remit"), day=DAY, creditor_id=creditor, remittance=result
            )
        )
        self.receivable[creditor] += result.shortfall_ore - result.receivable_offset_ore
        # Everything owed to the creditor has been paid out or netted.
        assert self.sheet.get(f"creditor:{creditor}:liability", 0) == 0
        assert self.sheet.get(f"agency:receivable:{creditor}", 0) == self.receivable[creditor]

    @precondition(lambda self: self.sheet.get(REFUNDS_OWED, 0) < 0)
    @rule(data=st.data())
    def refund(self, data: st.DataObject) -> None:
        amount = data.draw(st.integers(1, -self.sheet[REFUNDS_OWED]))
        self.book_tx(tx_refund_paid(key=self.key("refund"), day=DAY, amount_ore=amount))

    @rule()
    def withdraw(self) -> None:
        # The agency takes out its revenue and VAT, as far as the account holds money for it.
        recon = klientmedel(self.sheet)
        cash = recon.bank_ore - (
            recon.owed_to_creditors_ore + recon.unapplied_ore + recon.refunds_owed_ore
        )
        amounts: dict[str, int] = {}
        for account in (
            "agency:revenue:interest",
            "agency:revenue:fees",
            "agency:revenue:commission",
            "agency:revenue:charges",
            VAT_PAYABLE,
        ):
            take = min(cash, -self.sheet.get(account, 0))
            if take > 0:
                amounts[account] = take
                cash -= take
        if amounts:
            self.book_tx(tx_agency_withdrawal(key=self.key("withdraw"), day=DAY, amounts=amounts))

    @precondition(lambda self: self.cases)
    @rule(data=st.data())
    def write_off(self, data: st.DataObject) -> None:
        case_id = data.draw(st.sampled_from(sorted(self.cases)))
        creditor, outstanding = self.cases[case_id]
        if not any(outstanding.values()):
            return
        self.book_tx(
            tx_write_off(
                key=self.key("writeoff"),
                day=DAY,
                case_id=case_id,
                creditor_id=creditor,
                capital_ore=outstanding["capital"],
                interest_ore=outstanding["interest"],
                fees_ore=outstanding["costs"],
            )
        )
        outstanding.update(costs=0, interest=0, capital=0)

    @invariant()
    def both_sides_net_to_zero(self) -> None:
        assert side_totals(self.sheet) == (0, 0)
        assert klientmedel(self.sheet).difference_ore == 0

    @invariant()
    def every_balance_is_on_its_normal_side(self) -> None:
        for account, ore in self.sheet.items():
            if normal_balance(account) == "debit":
                assert ore >= 0, account
            else:
                assert ore <= 0, account

    @invariant()
    def every_case_owes_what_was_charged_less_what_was_paid(self) -> None:
        for case_id, (_creditor, outstanding) in self.cases.items():
            assert self.sheet.get(f"case:{case_id}:capital", 0) == outstanding["capital"]
            assert self.sheet.get(f"case:{case_id}:interest", 0) == outstanding["interest"]
            assert self.sheet.get(f"case:{case_id}:fees", 0) == outstanding["costs"]
        for creditor in PRICINGS:
            owed = sum(
                sum(outstanding.values()) for c, outstanding in self.cases.values() if c == creditor
            )
            assert -self.sheet.get(f"claims:{creditor}", 0) == owed

    def teardown(self) -> None:
        assert verify_chain(chain_rows(self.book)) is None


LedgerRun.TestCase.settings = settings(
    max_examples=150,
    stateful_step_count=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
test_a_realistic_run_keeps_the_ledger_whole = LedgerRun.TestCase


@given(
    capital=st.integers(min_value=0, max_value=10**9),
    interest=st.integers(min_value=0, max_value=10**7),
    costs=st.integers(min_value=0, max_value=10**6),
    overpaid=st.integers(min_value=0, max_value=10**7),
    keeps_interest=st.booleans(),
    keeps_fees=st.booleans(),
)
def test_the_linked_payment_equals_receipt_plus_interest_plus_allocation_netted(
    capital, interest, costs, overpaid, keeps_interest, keeps_fees
):
    from fordra.domain.ledger import (
        tx_interest_accrued,
        tx_payment,
        tx_payment_allocated,
        tx_payment_received,
    )

    total = capital + interest + costs + overpaid
    assume(total > 0)
    day = date(2026, 7, 20)
    common = {"case_id": "7", "creditor_id": "3"}
    parts = [tx_payment_received(key="a", day=day, amount_ore=total)]
    if interest:
        parts.append(tx_interest_accrued(key="b", day=day, amount_ore=interest, **common))
    if capital + interest + costs:
        parts.append(
            tx_payment_allocated(
                key="c", day=day, capital_ore=capital, interest_ore=interest, costs_ore=costs,
                overpaid_ore=overpaid, agency_keeps_interest=keeps_interest,
                agency_keeps_fees=keeps_fees, **common,
            )
        )
    netted: dict[str, int] = {}
    for tx in parts:
        for p in tx.postings:
            netted[p.account] = netted.get(p.account, 0) + p.amount_ore
    if capital + interest + costs == 0:
        netted["unapplied"] = netted.get("unapplied", 0) + overpaid  # overpayment alone
        netted["refunds_owed"] = -overpaid

    linked = tx_payment(
        key="d", day=day, capital_ore=capital, interest_ore=interest, costs_ore=costs,
        overpaid_ore=overpaid, agency_keeps_interest=keeps_interest, agency_keeps_fees=keeps_fees,
        **common,
    )

    assert {p.account: p.amount_ore for p in linked.postings} == {
        a: v for a, v in netted.items() if v
    }
