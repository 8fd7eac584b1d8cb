"""Double-entry ledger (huvudbok) for client funds and the claims under management.

Every amount is an ``int`` of öre. A ``Posting`` is positive for a debit and negative for a
credit. A ``Transaction`` is an immutable, balanced set of postings with an idempotency ``key``
that the caller derives from the cause (``"bgmax:<bankgiro>:<date>:<serial>"``,
``"case:17:fee:demand"``…): booking the same cause twice must give the same key, and the same
key with different content is a conflict (``differences`` names each field that differs).
Nothing is ever changed or deleted: a correction is a new transaction, usually ``reverse(tx,
key=..., day=...)``, which books the same postings with the opposite sign.

Why two sides
-------------
The agency does not own the claims it collects, and the money it collects is mostly not its
own. Money collected for a creditor is the creditor's property only if it is kept apart from
the agency's own money without delay (lag (1944:181) om redovisningsmedel, DOMAIN.md §5): it is
held on a separate bank account (klientmedel), and the ledger must be able to say at any time
how much of that account belongs to which creditor — hence one liability account per creditor,
not one for all. The ledger therefore has two sides, and every transaction balances on each:

* the **memo side** tracks the claims under management (what debtors owe creditors); it is
  off the agency's balance sheet, and its accounts net to zero against one contra account per
  creditor;
* the **money side** tracks the klientmedel bank account and whom each krona in it belongs to.

Chart of accounts (``<case_id>`` and ``<creditor_id>``: 1–64 characters, no ``:``, no ``=``,
no whitespace or control characters)::

    account                           side   normal  meaning
    case:<case_id>:capital            memo   debit   capital the debtor still owes on the case
    case:<case_id>:interest           memo   debit   late interest accrued, not yet paid
    case:<case_id>:fees               memo   debit   fees charged (reminder, demand…), not yet paid
    claims:<creditor_id>              memo   credit  contra: the creditor's claims under management
    bank:klientmedel                  money  debit   the klientmedel bank account
    creditor:<creditor_id>:liability  money  credit  collected money owed to the creditor
    unapplied                         money  credit  received, not yet matched to a case
    refunds_owed                      money  credit  overpayments owed back to debtors
    agency:revenue:interest           money  credit  interest the agency keeps, not withdrawn
    agency:revenue:fees               money  credit  fees the agency keeps, not withdrawn
    agency:revenue:commission         money  credit  commission on remittances, not withdrawn
    agency:revenue:charges            money  credit  subscription charges, not withdrawn
    agency:vat_payable                money  credit  VAT on commission and charges, not withdrawn
    agency:receivable:<creditor_id>   money  debit   charges the creditor owes beyond its money

Invariants (asserted on every transaction, hence true of every balance sheet built from them):

1. the memo side nets to zero: Σ case accounts == −Σ claims accounts — each creditor's claims
   under management equal what its debtors owe;
2. the money side nets to zero, i.e. the klientmedel reconciliation::

       bank:klientmedel == Σ owed to creditors + unapplied + refunds owed
                           + agency revenue and VAT not yet withdrawn − agency receivables

   (each term as a positive amount on its normal side; ``klientmedel()`` computes it).

Limits: a key has 1–200 characters (``KEY_CHARS_MAX``), a transaction 2–200 postings
(``POSTINGS_PER_TRANSACTION_MAX``), no posting is zero or larger than ``AMOUNT_ORE_MAX`` in
size, a memo has at most ``MEMO_CHARS_MAX`` characters and no line break, a kind is a word of at
most ``KIND_CHARS_MAX`` characters. A ``datetime`` is not a date. Breaking one raises
``LedgerError`` (a ``ValueError``); a transaction that does not balance raises
``UnbalancedTransaction`` and names the side and the difference.

Worked example: 1 000 kr handed over for collection, a 60 kr demand fee, 12,34 kr interest; the
debtor pays 1 100 kr (27,66 kr too much); the creditor's agreement is 15 % commission on
collected capital (plus 25 % VAT), the agency keeps the fees (``fordra.domain.allocation`` splits
the payment, ``fordra.domain.settlement.remittance`` computes the remittance)::

    capital 1 000,00 + interest 12,34 + fees 60,00 = 1 072,34 allocated; 27,66 overpaid
    owed to the creditor  1 000,00 + 12,34        = 1 012,34
    commission            15 % × 1 000,00         =   150,00
    VAT                   25 % × 150,00           =    37,50
    payout                1 012,34 − 150 − 37,50  =   824,84
    bank after payout     1 100,00 − 824,84       =   275,16
                        = refunds owed 27,66 + fees 60 + commission 150 + VAT 37,50

    >>> from datetime import date
    >>> day = date(2026, 3, 2)
    >>> book = [
    ...     tx_claim_handed_over(key="claim:17", day=day, case_id="17", creditor_id="C1",
    ...                          capital_ore=100000),
    ...     tx_fee_charged(key="fee:17:demand", day=day, case_id="17", creditor_id="C1",
    ...                    amount_ore=6000),
    ...     tx_interest_accrued(key="interest:17:2026-03-02", day=day, case_id="17",
    ...                         creditor_id="C1", amount_ore=1234),
    ...     tx_payment_received(key="bgmax:991:20260302:1", day=day, amount_ore=110000),
    ...     tx_payment_allocated(key="bgmax:991:20260302:1:17", day=day, case_id="17",
    ...                          creditor_id="C1", capital_ore=100000, interest_ore=1234,
    ...                          costs_ore=6000, overpaid_ore=2766,
    ...                          agency_keeps_interest=False, agency_keeps_fees=True),
    ...     tx_remittance(key="remittance:C1:2026-04-01", day=date(2026, 4, 1),
    ...                   creditor_id="C1", commission_ore=15000, charges_ore=0,
    ...                   vat_ore=3750, payout_ore=82484),
    ... ]
    >>> for account, ore in sorted(balances_of(book).items()):
    ...     print(f"{account:27} {side(account):5} {ore:>8}")
    agency:revenue:commission   money   -15000
    agency:revenue:fees         money    -6000
    agency:vat_payable          money    -3750
    bank:klientmedel            money    27516
    case:17:capital             memo         0
    case:17:fees                memo         0
    case:17:interest            memo         0
    claims:C1                   memo         0
    creditor:C1:liability       money        0
    refunds_owed                money    -2766
    unapplied                   money        0
    >>> side_totals(balances_of(book)), identity_errors(balances_of(book))
    ((0, 0), [])
    >>> recon = klientmedel(balances_of(book))
    >>> recon.bank_ore, recon.expected_bank_ore, recon.difference_ore
    (27516, 27516, 0)

The refund and the agency's withdrawal of its revenue and VAT empty the account::

    >>> book += [
    ...     tx_refund_paid(key="refund:17", day=date(2026, 4, 2), amount_ore=2766),
    ...     tx_agency_withdrawal(key="withdrawal:2026-04", day=date(2026, 4, 30),
    ...                          amounts={"commission": 15000, "fees": 6000, "vat": 3750}),
    ... ]
    >>> {account: ore for account, ore in balances_of(book).items() if ore}
    {}

Balances "as of" a day take the transactions dated on or before it::

    >>> balances_of(book, as_of=day)["creditor:C1:liability"]
    -101234

A transaction that does not balance is refused, naming the side::

    >>> Transaction(key="k", date=day, kind="manual", memo="", postings=(
    ...     Posting("bank:klientmedel", 100), Posting("unapplied", -99)))
    Traceback (most recent call last):
    ...
    fordra.domain.ledger.UnbalancedTransaction: transaction 'k': unbalanced by 1 öre on the money side (debits exceed credits)

Corrections are new transactions. ``reverse`` books the opposite of every posting, in the same
order, with kind ``reversal``; the original stays::

    >>> wrong = tx_payment_received(key="bgmax:991:20260303:7", day=day, amount_ore=5000)
    >>> fix = reverse(wrong, key="bgmax:991:20260303:7:reversed", day=date(2026, 3, 3))
    >>> fix.kind, fix.memo, [(p.account, p.amount_ore) for p in fix.postings]
    ('reversal', 'reverses bgmax:991:20260303:7', [('bank:klientmedel', -5000), ('unapplied', 5000)])

Tamper evidence: each stored transaction carries ``chain_hash``, the SHA-256 (lowercase hex)
of this canonical UTF-8 text — the lines below joined by ``"\\n"``, no trailing newline::

    <previous hash: 64 hex digits; GENESIS_HASH ("0" × 64) before sequence 1>
    <sequence: decimal, from 1>
    <key>
    <date: ISO 8601, YYYY-MM-DD>
    <kind>
    <memo: may be empty>
    <account>=<amount in öre: decimal, "-" for a credit>     (one line per posting, in order)

Keys, kinds and memos never contain a line break, accounts never contain ``=``, so the text
reads back one way only. ``verify_chain`` recomputes the chain over stored rows and returns the
first sequence that breaks it (or ``None``)::

    >>> rows = chain_rows(book)
    >>> verify_chain(rows) is None
    True
    >>> rows[2] = (3, rows[2][1], tx_interest_accrued(key="interest:17:2026-03-02", day=day,
    ...            case_id="17", creditor_id="C1", amount_ore=1235))
    >>> verify_chain(rows)
    3

The chain cannot show that rows were cut off at the end: keep the last sequence and hash
elsewhere too and compare them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

__all__ = [
    "ACCOUNT_CHARS_MAX",
    "AMOUNT_ORE_MAX",
    "BANK",
    "CASE_COMPONENTS",
    "CREDIT",
    "DEBIT",
    "GENESIS_HASH",
    "ID_CHARS_MAX",
    "KEY_CHARS_MAX",
    "KIND_CHARS_MAX",
    "MEMO",
    "MEMO_CHARS_MAX",
    "MONEY",
    "POSTINGS_PER_TRANSACTION_MAX",
    "POSTINGS_PER_TRANSACTION_MIN",
    "REFUNDS_OWED",
    "REVENUE_KINDS",
    "UNAPPLIED",
    "VAT_PAYABLE",
    "KlientmedelReconciliation",
    "LedgerError",
    "PaymentShares",
    "Posting",
    "RawTransaction",
    "Transaction",
    "UnbalancedTransaction",
    "balances",
    "balances_of",
    "canonical_body",
    "canonical_text",
    "case_account",
    "chain_hash",
    "chain_hash_of_body",
    "chain_rows",
    "claims_account",
    "differences",
    "identity_errors",
    "klientmedel",
    "liability_account",
    "normal_balance",
    "raw_transaction",
    "receivable_account",
    "revenue_account",
    "reverse",
    "side",
    "side_totals",
    "tx_agency_withdrawal",
    "tx_claim_handed_over",
    "tx_claims_handed_over",
    "tx_fee_charged",
    "tx_fees_charged",
    "tx_interest_accrued",
    "tx_netted",
    "tx_paid_to_creditor",
    "tx_payment",
    "tx_payment_allocated",
    "tx_payment_received",
    "tx_payments",
    "tx_refund_paid",
    "tx_remittance",
    "tx_unapplied_refunded",
    "tx_write_off",
    "under_management",
    "verify_chain",
]

# Limits ("put a limit on everything"), units last.
KEY_CHARS_MAX = 200
KIND_CHARS_MAX = 50
MEMO_CHARS_MAX = 500
ID_CHARS_MAX = 64
ACCOUNT_CHARS_MAX = 100
POSTINGS_PER_TRANSACTION_MIN = 2
POSTINGS_PER_TRANSACTION_MAX = 200
# 10 000 000 000 000 kr: 200 postings of this size still sum inside a signed 64-bit column.
AMOUNT_ORE_MAX = 10**15

MEMO = "memo"
MONEY = "money"
DEBIT = "debit"
CREDIT = "credit"

BANK = "bank:klientmedel"
UNAPPLIED = "unapplied"
REFUNDS_OWED = "refunds_owed"
VAT_PAYABLE = "agency:vat_payable"
CASE_COMPONENTS = ("capital", "interest", "fees")
REVENUE_KINDS = ("interest", "fees", "commission", "charges")

KIND_CLAIM_HANDED_OVER = "claim_handed_over"
KIND_FEE_CHARGED = "fee_charged"
KIND_INTEREST_ACCRUED = "interest_accrued"
KIND_PAYMENT_RECEIVED = "payment_received"
KIND_PAYMENT_ALLOCATED = "payment_allocated"
KIND_PAYMENT = "payment"
KIND_PAID_TO_CREDITOR = "paid_to_creditor"
KIND_REMITTANCE = "remittance"
KIND_WRITE_OFF = "write_off"
KIND_REFUND_PAID = "refund_paid"
KIND_AGENCY_WITHDRAWAL = "agency_withdrawal"
KIND_REVERSAL = "reversal"

GENESIS_HASH = "0" * 64

_ID = re.compile(rf"[^\s:=\x00-\x1f\x7f-\x9f]{{1,{ID_CHARS_MAX}}}")
_KIND = re.compile(rf"[^\s\x00-\x1f\x7f-\x9f]{{1,{KIND_CHARS_MAX}}}")
_HASH = re.compile(r"[0-9a-f]{64}")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc
_LINE_BREAK = re.compile(r"[\n\r]")


class LedgerError(ValueError):
    """A transaction, posting, account or builder argument breaks a rule of the ledger."""


class UnbalancedTransaction(LedgerError):
    """A transaction whose postings do not net to zero on the memo or on the money side."""

    def __init__(self, key: str, *, memo_ore: int, money_ore: int) -> None:
        self.key = key
        self.memo_ore = memo_ore  # Σ of the memo side's postings (debits positive)
        self.money_ore = money_ore  # Σ of the money side's postings
        parts = [
            f"by {abs(total)} öre on the {name} side "
            f"({'debits' if total > 0 else 'credits'} exceed {'credits' if total > 0 else 'debits'})"
            for name, total in ((MEMO, memo_ore), (MONEY, money_ore))
            if total
        ]
        super().__init__(f"transaction {_short(key)}: unbalanced " + " and ".join(parts))


# --- accounts ----------------------------------------------------------------------------------


def case_account(case_id: str | int, component: str) -> str:
    """``case:<case_id>:<component>``, component "capital" | "interest" | "fees"."""
    if component not in CASE_COMPONENTS:
        raise LedgerError(f"unknown case component {component!r}: one of {CASE_COMPONENTS}")
    return f"case:{_id(case_id, 'case_id')}:{component}"


def claims_account(creditor_id: str | int) -> str:
    """``claims:<creditor_id>``: the memo contra, claims under management for the creditor."""
    return f"claims:{_id(creditor_id, 'creditor_id')}"


def liability_account(creditor_id: str | int) -> str:
    """``creditor:<creditor_id>:liability``: collected money owed to the creditor."""
    return f"creditor:{_id(creditor_id, 'creditor_id')}:liability"


def revenue_account(kind: str) -> str:
    """``agency:revenue:<kind>``, kind "interest" | "fees" | "commission" | "charges"."""
    if kind not in REVENUE_KINDS:
        raise LedgerError(f"unknown revenue kind {kind!r}: one of {REVENUE_KINDS}")
    return f"agency:revenue:{kind}"


def receivable_account(creditor_id: str | int) -> str:
    """``agency:receivable:<creditor_id>``: charges the creditor owes beyond what was collected."""
    return f"agency:receivable:{_id(creditor_id, 'creditor_id')}"


def side(account: str) -> str:
    """``"memo"`` or ``"money"``; ``LedgerError`` (a ``ValueError``) for an unknown account."""
    return _classify(account)[0]


def normal_balance(account: str) -> str:
    """``"debit"`` or ``"credit"``: the side the account's balance is normally on."""
    return _classify(account)[1]


@lru_cache(maxsize=8192)
def _classify(account: str) -> tuple[str, str]:
    if not isinstance(account, str):
        raise LedgerError(f"an account is a str, not {type(account).__name__}")
    if len(account) <= ACCOUNT_CHARS_MAX:
        parts = account.split(":")
        head, count = parts[0], len(parts)
        if count == 3 and head == "case" and parts[2] in CASE_COMPONENTS and _is_id(parts[1]):
            return MEMO, DEBIT
        if count == 2 and head == "claims" and _is_id(parts[1]):
            return MEMO, CREDIT
        if account == BANK:
            return MONEY, DEBIT
        if count == 3 and head == "creditor" and parts[2] == "liability" and _is_id(parts[1]):
            return MONEY, CREDIT
        if account in (UNAPPLIED, REFUNDS_OWED, VAT_PAYABLE):
            return MONEY, CREDIT
        if count == 3 and head == "agency":
            if parts[1] == "revenue" and parts[2] in REVENUE_KINDS:
                return MONEY, CREDIT
            if parts[1] == "receivable" and _is_id(parts[2]):
                return MONEY, DEBIT
    raise LedgerError(f"unknown account {_short(account)}: not in the chart of accounts")


def _is_id(text: str) -> bool:
    return _ID.fullmatch(text) is not None


def _id(value: object, name: str) -> str:
    if type(value) is int:  # the database's ids: digits (and a sign), nothing to search
        text = str(value)
        if len(text) <= ID_CHARS_MAX:
            return text
    text = str(value)
    if not _is_id(text):
        raise LedgerError(
            f"{name} {_short(text)} must have 1–{ID_CHARS_MAX} characters and no ':', '=', "
            "whitespace or control character"
        )
    return text


def _short(text: object) -> str:
    shown = repr(text)
    return shown if len(shown) <= 60 else shown[:57] + "...'"


# --- postings and transactions -----------------------------------------------------------------


@dataclass(frozen=True)
class Posting:
    """``amount_ore`` on ``account``: positive for a debit, negative for a credit.

    A plain value; the ``Transaction`` holding it checks the account and the amount.
    """

    account: str
    amount_ore: int


@dataclass(frozen=True)
class Transaction:
    """An immutable, balanced set of postings, booked once under its idempotency ``key``.

    Checked when built: the key (1–``KEY_CHARS_MAX`` characters, no control character), the kind
    (a word), the memo (no line break), 2–``POSTINGS_PER_TRANSACTION_MAX`` postings on accounts
    of the chart, none zero or beyond ``AMOUNT_ORE_MAX`` — else ``LedgerError``; then that each
    side nets to zero — else ``UnbalancedTransaction``. ``postings`` given as a list is stored
    as a tuple.
    """

    key: str
    date: dt.date
    kind: str
    memo: str
    postings: tuple[Posting, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.postings, tuple):
            object.__setattr__(self, "postings", tuple(self.postings))
        problems = _problems(self)
        if problems:
            raise LedgerError(f"transaction {_short(self.key)}: " + "; ".join(problems))
        memo_ore, money_ore = _side_sums(self.postings)
        if memo_ore or money_ore:
            raise UnbalancedTransaction(self.key, memo_ore=memo_ore, money_ore=money_ore)


@dataclass(frozen=True)
class RawTransaction:
    """A transaction exactly as read back from storage, NOT checked.

    Only for ``chain_hash`` / ``verify_chain``: a row tampered into something that no longer
    balances cannot be built as a ``Transaction``, but it must still be hashed and reported.
    """

    key: str
    date: dt.date
    kind: str
    memo: str
    postings: tuple[Posting, ...]


def raw_transaction(
    *, key: str, day: dt.date, kind: str, memo: str, postings: Iterable[tuple[str, int]]
) -> RawTransaction:
    """A stored transaction read back as it is, unchecked (``RawTransaction``): (account, öre)
    rows in their stored order."""
    return RawTransaction(
        key=key,
        date=day,
        kind=kind,
        memo=memo,
        postings=tuple(Posting(account, ore) for account, ore in postings),
    )


def _problems(tx: Transaction) -> list[str]:
    problems: list[str] = []
    if not isinstance(tx.key, str) or not 1 <= len(tx.key) <= KEY_CHARS_MAX:
        problems.append(f"key must be a text of 1–{KEY_CHARS_MAX} characters")
    elif _CONTROL.search(tx.key):
        problems.append("key contains a control character")
    if type(tx.date) is not dt.date:
        problems.append(f"date must be a date, not {type(tx.date).__name__}")
    if not isinstance(tx.kind, str) or _KIND.fullmatch(tx.kind) is None:
        problems.append(f"kind must be a word of 1–{KIND_CHARS_MAX} characters")
    if not isinstance(tx.memo, str) or len(tx.memo) > MEMO_CHARS_MAX:
        problems.append(f"memo must be a text of at most {MEMO_CHARS_MAX} characters")
    elif _LINE_BREAK.search(tx.memo):
        problems.append("memo contains a line break")
    count = len(tx.postings)
    if not POSTINGS_PER_TRANSACTION_MIN <= count <= POSTINGS_PER_TRANSACTION_MAX:
        problems.append(
            f"{count} postings: a transaction has {POSTINGS_PER_TRANSACTION_MIN}–"
            f"{POSTINGS_PER_TRANSACTION_MAX}"
        )
    for number, posting in enumerate(tx.postings, start=1):
        if not isinstance(posting, Posting):
            problems.append(f"posting {number} is a {type(posting).__name__}, not a Posting")
            continue
        try:
            _classify(posting.account)
        except LedgerError as error:
            problems.append(f"posting {number}: {error}")
        amount = posting.amount_ore
        if type(amount) is not int:
            problems.append(f"posting {number} ({posting.account}): amount must be int öre")
        elif amount == 0:
            problems.append(f"posting {number} ({posting.account}): zero amount")
        elif abs(amount) > AMOUNT_ORE_MAX:
            problems.append(
                f"posting {number} ({posting.account}): {amount} öre is beyond ±{AMOUNT_ORE_MAX}"
            )
    return problems


def _side_sums(postings: Iterable[Posting]) -> tuple[int, int]:
    memo_ore = money_ore = 0
    for posting in postings:
        if _classify(posting.account)[0] == MEMO:
            memo_ore += posting.amount_ore
        else:
            money_ore += posting.amount_ore
    return memo_ore, money_ore


def differences(stored: Transaction, given: Transaction) -> list[str]:
    """What differs between two transactions (for one key: stored first); [] when the same.

    Booking a cause again gives the same transaction and nothing happens; a different one under
    the same key is a conflict, and these texts say where.
    """
    found = [
        f"{name}: stored {a!r}, given {b!r}"
        for name, a, b in (
            ("key", stored.key, given.key),
            ("date", stored.date.isoformat(), given.date.isoformat()),
            ("kind", stored.kind, given.kind),
            ("memo", stored.memo, given.memo),
        )
        if a != b
    ]
    if len(stored.postings) != len(given.postings):
        found.append(f"postings: stored {len(stored.postings)}, given {len(given.postings)}")
    for number, (a, b) in enumerate(zip(stored.postings, given.postings, strict=False), start=1):
        if a != b:
            found.append(
                f"posting {number}: stored {a.account}={a.amount_ore}, "
                f"given {b.account}={b.amount_ore}"
            )
    return found


# --- balances and the invariants ---------------------------------------------------------------


def balances(postings: Iterable[Posting]) -> dict[str, int]:
    """Σ amount per account (debit positive), for every account posted to — zero included."""
    totals: dict[str, int] = {}
    for posting in postings:
        totals[posting.account] = totals.get(posting.account, 0) + posting.amount_ore
    return totals


def balances_of(
    transactions: Iterable[Transaction], *, as_of: dt.date | None = None
) -> dict[str, int]:
    """``balances`` of the transactions dated on or before ``as_of`` (all when ``None``)."""
    return balances(
        posting
        for tx in transactions
        if as_of is None or tx.date <= as_of
        for posting in tx.postings
    )


def side_totals(balances: Mapping[str, int]) -> tuple[int, int]:
    """(Σ memo side, Σ money side) of a balance sheet: both 0 while the invariants hold."""
    memo_ore = money_ore = 0
    for account, ore in balances.items():
        if side(account) == MEMO:
            memo_ore += ore
        else:
            money_ore += ore
    return memo_ore, money_ore


def identity_errors(balances: Mapping[str, int]) -> list[str]:
    """The broken invariants of a balance sheet, as texts; [] when both sides net to zero."""
    memo_ore, money_ore = side_totals(balances)
    errors = []
    if memo_ore:
        errors.append(
            f"memo side nets to {memo_ore} öre, not 0: claims under management ≠ case balances"
        )
    if money_ore:
        errors.append(
            f"money side nets to {money_ore} öre, not 0: the klientmedel account does not reconcile"
        )
    return errors


@dataclass(frozen=True)
class KlientmedelReconciliation:
    """The klientmedel account against whom its money belongs to; amounts positive on their
    normal side (a creditor with money to come: positive)."""

    bank_ore: int
    creditors_ore: tuple[tuple[str, int], ...]  # (creditor_id, owed), sorted by creditor_id
    unapplied_ore: int
    refunds_owed_ore: int
    agency_revenue_ore: int  # all agency:revenue:* not yet withdrawn
    vat_payable_ore: int
    receivables_ore: int  # all agency:receivable:*

    @property
    def owed_to_creditors_ore(self) -> int:
        return sum(ore for _, ore in self.creditors_ore)

    @property
    def expected_bank_ore(self) -> int:
        """What the bank account must hold (invariant 2)."""
        return (
            self.owed_to_creditors_ore
            + self.unapplied_ore
            + self.refunds_owed_ore
            + self.agency_revenue_ore
            + self.vat_payable_ore
            - self.receivables_ore
        )

    @property
    def difference_ore(self) -> int:
        """bank − expected: 0 while the ledger holds."""
        return self.bank_ore - self.expected_bank_ore


def klientmedel(balances: Mapping[str, int]) -> KlientmedelReconciliation:
    """The klientmedel reconciliation of a balance sheet (memo-side accounts are ignored)."""
    creditors: dict[str, int] = {}
    bank = unapplied = refunds = revenue = vat = receivables = 0
    for account, ore in balances.items():
        if side(account) == MEMO:
            continue
        if account == BANK:
            bank += ore
        elif account == UNAPPLIED:
            unapplied -= ore
        elif account == REFUNDS_OWED:
            refunds -= ore
        elif account == VAT_PAYABLE:
            vat -= ore
        elif account.startswith("agency:revenue:"):
            revenue -= ore
        elif account.startswith("agency:receivable:"):
            receivables += ore
        else:  # creditor:<id>:liability
            creditor_id = account.split(":")[1]
            creditors[creditor_id] = creditors.get(creditor_id, 0) - ore
    return KlientmedelReconciliation(
        bank_ore=bank,
        creditors_ore=tuple(sorted(creditors.items())),
        unapplied_ore=unapplied,
        refunds_owed_ore=refunds,
        agency_revenue_ore=revenue,
        vat_payable_ore=vat,
        receivables_ore=receivables,
    )


def under_management(balances: Mapping[str, int]) -> int:
    """Σ of the case accounts: what debtors owe on the claims under management (debit > 0);
    other accounts are ignored."""
    return sum(
        ore
        for account, ore in balances.items()
        if _classify(account) == (MEMO, DEBIT)
    )


# --- the hash chain ----------------------------------------------------------------------------


def canonical_text(*, previous: str, sequence: int, tx: Transaction | RawTransaction) -> str:
    """The text ``chain_hash`` hashes (module docstring): one field per line, "\\n"-joined."""
    _check_link(previous, sequence)
    return f"{previous}\n{sequence}\n{canonical_body(tx)}"


def canonical_body(tx: Transaction | RawTransaction) -> str:
    """``canonical_text`` without its first two lines (previous hash, sequence): the part the
    transaction alone decides, so it can be made where the transaction is built (e.g. in a
    worker process) and linked into the chain later with ``chain_hash_of_body``."""
    lines = [tx.key, tx.date.isoformat(), tx.kind, tx.memo]
    lines.extend(f"{posting.account}={posting.amount_ore}" for posting in tx.postings)
    return "\n".join(lines)


def chain_hash(*, previous: str, sequence: int, tx: Transaction | RawTransaction) -> str:
    """SHA-256, lowercase hex, of ``canonical_text``: the stored hash of row ``sequence``."""
    return chain_hash_of_body(previous=previous, sequence=sequence, body=canonical_body(tx))


def chain_hash_of_body(*, previous: str, sequence: int, body: str) -> str:
    """``chain_hash`` of the transaction whose ``canonical_body`` is ``body``."""
    _check_link(previous, sequence)
    return hashlib.sha256(f"{previous}\n{sequence}\n{body}".encode()).hexdigest()


def _check_link(previous: object, sequence: object) -> None:
    if not isinstance(previous, str) or _HASH.fullmatch(previous) is None:
        raise LedgerError(f"previous hash {_short(previous)} is not 64 lowercase hex digits")
    if type(sequence) is not int or sequence < 1:
        raise LedgerError(f"sequence {sequence!r} is not an int ≥ 1")


def chain_rows(
    transactions: Iterable[Transaction],
    *,
    first_sequence: int = 1,
    previous: str = GENESIS_HASH,
) -> list[tuple[int, str, Transaction]]:
    """(sequence, hash, tx) rows for transactions in booking order, as they would be stored."""
    rows: list[tuple[int, str, Transaction]] = []
    for sequence, tx in enumerate(transactions, start=first_sequence):
        previous = chain_hash(previous=previous, sequence=sequence, tx=tx)
        rows.append((sequence, previous, tx))
    return rows


def verify_chain(rows: Iterable[tuple[int, str, Transaction | RawTransaction]]) -> int | None:
    """The first sequence that breaks the chain, or ``None`` when every row holds.

    ``rows`` are (sequence, stored hash, transaction) in sequence order, from 1. A row breaks
    the chain when its sequence is not the previous one + 1 (a missing or reordered row: the
    row found where another was expected is reported) or when its stored hash is not
    ``chain_hash`` of the previous row's stored hash, its sequence and its transaction (any
    changed field, posting, posting order or stored hash). Rows cut off at the end are not
    detected: compare the last sequence and hash with a copy kept elsewhere.
    """
    previous_hash, previous_sequence = GENESIS_HASH, 0
    for sequence, stored_hash, tx in rows:
        if type(sequence) is not int or sequence != previous_sequence + 1:
            return sequence
        if stored_hash != chain_hash(previous=previous_hash, sequence=sequence, tx=tx):
            return sequence
        previous_hash, previous_sequence = stored_hash, sequence
    return None


# --- builders ----------------------------------------------------------------------------------
# Pure: the key is the caller's, derived from the cause; ``memo`` overrides the default memo.
# Postings come in a fixed order per builder (memo side first), zero amounts left out, so the
# same cause always gives the same transaction.


def _tx(
    *, key: str, day: dt.date, kind: str, memo: str, postings: Sequence[tuple[str, int]]
) -> Transaction:
    kept = tuple(Posting(account, ore) for account, ore in postings if ore != 0)
    if not kept:
        raise LedgerError(f"{kind} {_short(key)}: nothing to book, every amount is zero")
    return Transaction(key=key, date=day, kind=kind, memo=memo, postings=kept)


def _int(value: object, name: str) -> int:
    if type(value) is not int:
        raise LedgerError(f"{name} must be int öre, not {type(value).__name__}")
    return value


def _not_negative(value: object, name: str) -> int:
    amount = _int(value, name)
    if amount < 0:
        raise LedgerError(f"{name} must not be negative, got {amount}")
    return amount


def _positive(value: object, name: str) -> int:
    amount = _int(value, name)
    if amount <= 0:
        raise LedgerError(f"{name} must be above zero, got {amount}")
    return amount


def _nonzero(value: object, name: str) -> int:
    amount = _int(value, name)
    if amount == 0:
        raise LedgerError(f"{name} must not be zero")
    return amount


def tx_claim_handed_over(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    capital_ore: int,
    memo: str | None = None,
) -> Transaction:
    """Dr case:<case_id>:capital, Cr claims:<creditor_id> — a claim taken on for collection.

    A negative ``capital_ore`` (a credit note) books the reverse: the debtor owes less.
    """
    amount = _nonzero(capital_ore, "capital_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_CLAIM_HANDED_OVER,
        memo=f"claim handed over: case {case_id}" if memo is None else memo,
        postings=[
            (case_account(case_id, "capital"), amount),
            (claims_account(creditor_id), -amount),
        ],
    )


def tx_fee_charged(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    amount_ore: int,
    memo: str | None = None,
) -> Transaction:
    """Dr case:<case_id>:fees, Cr claims:<creditor_id>; negative: a fee taken back."""
    amount = _nonzero(amount_ore, "amount_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_FEE_CHARGED,
        memo=f"fee charged: case {case_id}" if memo is None else memo,
        postings=[
            (case_account(case_id, "fees"), amount),
            (claims_account(creditor_id), -amount),
        ],
    )


def tx_interest_accrued(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    amount_ore: int,
    memo: str | None = None,
) -> Transaction:
    """Dr case:<case_id>:interest, Cr claims:<creditor_id>; negative: interest recomputed lower."""
    amount = _nonzero(amount_ore, "amount_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_INTEREST_ACCRUED,
        memo=f"interest accrued: case {case_id}" if memo is None else memo,
        postings=[
            (case_account(case_id, "interest"), amount),
            (claims_account(creditor_id), -amount),
        ],
    )


def tx_payment_received(
    *, key: str, day: dt.date, amount_ore: int, memo: str | None = None
) -> Transaction:
    """Dr bank:klientmedel, Cr unapplied — money arrived, not yet matched to a case.

    A negative amount (a BgMax TK21 deduction, a camt.054 debit) books money leaving.
    """
    amount = _nonzero(amount_ore, "amount_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_PAYMENT_RECEIVED,
        memo="payment received" if memo is None else memo,
        postings=[(BANK, amount), (UNAPPLIED, -amount)],
    )


def tx_payment_allocated(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    capital_ore: int,
    interest_ore: int,
    costs_ore: int,
    overpaid_ore: int,
    agency_keeps_interest: bool,
    agency_keeps_fees: bool,
    memo: str | None = None,
) -> Transaction:
    """Apply unapplied money to a case (amounts from ``fordra.domain.allocation``).

    Memo side: Cr case capital / interest / fees, Dr claims:<creditor_id> (their sum).
    Money side: Dr unapplied (the sum + ``overpaid_ore``); Cr creditor:<creditor_id>:liability
    (capital, plus interest and fees unless the agency keeps them), Cr agency:revenue:interest /
    agency:revenue:fees (when kept), Cr refunds_owed (``overpaid_ore``). Every amount ≥ 0.
    """
    capital = _not_negative(capital_ore, "capital_ore")
    interest = _not_negative(interest_ore, "interest_ore")
    costs = _not_negative(costs_ore, "costs_ore")
    overpaid = _not_negative(overpaid_ore, "overpaid_ore")
    applied = capital + interest + costs
    to_creditor = (
        capital + (0 if agency_keeps_interest else interest) + (0 if agency_keeps_fees else costs)
    )
    return _tx(
        key=key,
        day=day,
        kind=KIND_PAYMENT_ALLOCATED,
        memo=f"payment allocated: case {case_id}" if memo is None else memo,
        postings=[
            (case_account(case_id, "capital"), -capital),
            (case_account(case_id, "interest"), -interest),
            (case_account(case_id, "fees"), -costs),
            (claims_account(creditor_id), applied),
            (UNAPPLIED, applied + overpaid),
            (liability_account(creditor_id), -to_creditor),
            (revenue_account("interest"), -interest if agency_keeps_interest else 0),
            (revenue_account("fees"), -costs if agency_keeps_fees else 0),
            (REFUNDS_OWED, -overpaid),
        ],
    )


def tx_payment(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    capital_ore: int,
    interest_ore: int,
    costs_ore: int,
    overpaid_ore: int,
    agency_keeps_interest: bool,
    agency_keeps_fees: bool,
    memo: str | None = None,
) -> Transaction:
    """A matched bank payment as one linked transaction: received, interest recognised, applied.

    Exactly the netted postings of ``tx_payment_received`` (the whole amount) +
    ``tx_interest_accrued`` (the interest paid) + ``tx_payment_allocated``: unapplied and the
    case's interest net out, leaving Dr bank; Cr case capital / fees; Dr claims (capital + fees);
    Cr the creditor's liability, agency revenue (kept interest / fees) and refunds owed. Built in
    one step because a bank file holds tens of thousands of these (a test keeps the two ways
    equal). Every amount ≥ 0.
    """
    capital = _not_negative(capital_ore, "capital_ore")
    interest = _not_negative(interest_ore, "interest_ore")
    costs = _not_negative(costs_ore, "costs_ore")
    overpaid = _not_negative(overpaid_ore, "overpaid_ore")
    kept_interest = interest if agency_keeps_interest else 0
    kept_fees = costs if agency_keeps_fees else 0
    return _tx(
        key=key,
        day=day,
        kind=KIND_PAYMENT,
        memo=f"payment: case {case_id}" if memo is None else memo,
        postings=[
            (BANK, capital + interest + costs + overpaid),
            (case_account(case_id, "capital"), -capital),
            (case_account(case_id, "fees"), -costs),
            (claims_account(creditor_id), capital + costs),
            (liability_account(creditor_id), -(capital + interest + costs - kept_interest - kept_fees)),
            (revenue_account("interest"), -kept_interest),
            (revenue_account("fees"), -kept_fees),
            (REFUNDS_OWED, -overpaid),
        ],
    )


def tx_paid_to_creditor(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    capital_ore: int,
    interest_ore: int,
    costs_ore: int,
    agency_keeps_interest: bool,
    agency_keeps_fees: bool,
    memo: str | None = None,
) -> Transaction:
    """A payment the debtor made directly to the creditor, who reports it (not in klientmedel).

    Memo side as ``tx_payment_allocated``. Money side: what the agency would have kept (interest
    and/or fees) is now held by the creditor: Dr agency:receivable:<creditor_id>, Cr
    agency:revenue:interest / :fees. Nothing when the agency keeps nothing. Every amount ≥ 0.
    """
    capital = _not_negative(capital_ore, "capital_ore")
    interest = _not_negative(interest_ore, "interest_ore")
    costs = _not_negative(costs_ore, "costs_ore")
    kept_interest = interest if agency_keeps_interest else 0
    kept_fees = costs if agency_keeps_fees else 0
    return _tx(
        key=key,
        day=day,
        kind=KIND_PAID_TO_CREDITOR,
        memo=f"paid directly to the creditor: case {case_id}" if memo is None else memo,
        postings=[
            (case_account(case_id, "capital"), -capital),
            (case_account(case_id, "interest"), -interest),
            (case_account(case_id, "fees"), -costs),
            (claims_account(creditor_id), capital + interest + costs),
            (receivable_account(creditor_id), kept_interest + kept_fees),
            (revenue_account("interest"), -kept_interest),
            (revenue_account("fees"), -kept_fees),
        ],
    )


def tx_remittance(
    *,
    key: str,
    day: dt.date,
    creditor_id: str | int,
    commission_ore: int,
    charges_ore: int,
    vat_ore: int,
    payout_ore: int,
    shortfall_ore: int = 0,
    receivable_offset_ore: int = 0,
    memo: str | None = None,
) -> Transaction:
    """Settle with a creditor (amounts from ``fordra.domain.settlement.remittance``).

    Dr creditor:<creditor_id>:liability (commission + charges + VAT + payout + receivable offset
    − shortfall); Dr agency:receivable:<creditor_id> (``shortfall_ore``: charges the liability
    could not cover); Cr agency:receivable:<creditor_id> (``receivable_offset_ore``: an earlier
    shortfall now taken from the liability); Cr agency:revenue:commission, Cr
    agency:revenue:charges, Cr agency:vat_payable, Cr bank:klientmedel (``payout_ore``).

    Charges, payout, shortfall and offset are ≥ 0; commission and VAT may be negative (commission
    given back on capital that was reversed after an earlier remittance).
    """
    commission = _int(commission_ore, "commission_ore")
    vat = _int(vat_ore, "vat_ore")
    charges = _not_negative(charges_ore, "charges_ore")
    payout = _not_negative(payout_ore, "payout_ore")
    shortfall = _not_negative(shortfall_ore, "shortfall_ore")
    offset = _not_negative(receivable_offset_ore, "receivable_offset_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_REMITTANCE,
        memo=f"remittance to creditor {creditor_id}" if memo is None else memo,
        postings=[
            (
                liability_account(creditor_id),
                commission + charges + vat + payout + offset - shortfall,
            ),
            (receivable_account(creditor_id), shortfall - offset),
            (revenue_account("commission"), -commission),
            (revenue_account("charges"), -charges),
            (VAT_PAYABLE, -vat),
            (BANK, -payout),
        ],
    )


def tx_write_off(
    *,
    key: str,
    day: dt.date,
    case_id: str | int,
    creditor_id: str | int,
    capital_ore: int,
    interest_ore: int,
    fees_ore: int,
    memo: str | None = None,
) -> Transaction:
    """Cr case capital / interest / fees, Dr claims:<creditor_id>: the receivables given up
    (memo side only: no money moves). Every amount ≥ 0."""
    capital = _not_negative(capital_ore, "capital_ore")
    interest = _not_negative(interest_ore, "interest_ore")
    fees = _not_negative(fees_ore, "fees_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_WRITE_OFF,
        memo=f"written off: case {case_id}" if memo is None else memo,
        postings=[
            (case_account(case_id, "capital"), -capital),
            (case_account(case_id, "interest"), -interest),
            (case_account(case_id, "fees"), -fees),
            (claims_account(creditor_id), capital + interest + fees),
        ],
    )


def tx_refund_paid(
    *, key: str, day: dt.date, amount_ore: int, memo: str | None = None
) -> Transaction:
    """Dr refunds_owed, Cr bank:klientmedel — an overpayment paid back to the debtor."""
    amount = _positive(amount_ore, "amount_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_REFUND_PAID,
        memo="refund paid" if memo is None else memo,
        postings=[(REFUNDS_OWED, amount), (BANK, -amount)],
    )


def tx_agency_withdrawal(
    *, key: str, day: dt.date, amounts: Mapping[str, int], memo: str | None = None
) -> Transaction:
    """Dr agency:revenue:<kind> / agency:vat_payable, Cr bank:klientmedel (their sum).

    The agency moves its own money out of the klientmedel account. ``amounts`` maps either the
    account (``"agency:revenue:commission"``, ``"agency:vat_payable"``) or its short name
    (``"commission"``, ``"vat"``) to an amount > 0. Postings in account order.
    """
    debits: dict[str, int] = {}
    for name, ore in amounts.items():
        if name in REVENUE_KINDS:
            account = revenue_account(name)
        elif name in ("vat", "vat_payable"):
            account = VAT_PAYABLE
        elif name == VAT_PAYABLE or (
            name.startswith("agency:revenue:") and name.split(":")[2] in REVENUE_KINDS
        ):
            account = name
        else:
            raise LedgerError(f"cannot withdraw from {_short(name)}: agency revenue or VAT only")
        if account in debits:
            raise LedgerError(f"{account} given twice")
        debits[account] = _positive(ore, f"amount for {account}")
    total = sum(debits.values())
    return _tx(
        key=key,
        day=day,
        kind=KIND_AGENCY_WITHDRAWAL,
        memo="agency withdrawal" if memo is None else memo,
        postings=[*sorted(debits.items()), (BANK, -total)],
    )


def tx_unapplied_refunded(
    *, key: str, day: dt.date, amount_ore: int, memo: str | None = None
) -> Transaction:
    """Dr unapplied, Cr bank:klientmedel — money never matched to a case paid back to its payer
    (kind ``refund_paid``, as ``tx_refund_paid``)."""
    amount = _nonzero(amount_ore, "amount_ore")
    return _tx(
        key=key,
        day=day,
        kind=KIND_REFUND_PAID,
        memo="unapplied payment refunded" if memo is None else memo,
        postings=[(UNAPPLIED, amount), (BANK, -amount)],
    )


# --- grouped builders, for the bulk paths ------------------------------------------------------
# One transaction for many cases of one creditor: each case keeps its own posting (its balance
# is read from it), the creditor's accounts get one posting for the group. The sum of the
# per-case builders over the same rows, netted per shared account (tests keep the two equal).
# The caller groups, keeps each group within POSTINGS_PER_TRANSACTION_MAX and derives the key.


class PaymentShares(Protocol):
    """One matched payment into klientmedel, split by ``fordra.domain.allocation``; ≥ 0 each."""

    @property
    def case_id(self) -> str | int: ...
    @property
    def capital_ore(self) -> int: ...
    @property
    def interest_ore(self) -> int: ...
    @property
    def costs_ore(self) -> int: ...
    @property
    def overpaid_ore(self) -> int: ...


def tx_claims_handed_over(
    *,
    key: str,
    day: dt.date,
    creditor_id: str | int,
    capital: Iterable[tuple[str | int, int]],
    memo: str | None = None,
) -> Transaction:
    """``tx_claim_handed_over`` for many cases of one creditor: Dr case:<id>:capital per
    (case_id, capital_ore) row, in the given order; Cr claims:<creditor_id> their sum. A
    negative amount is a credit note; zero amounts (and a zero sum) are left out."""
    postings = [Posting(case_account(case_id, "capital"), ore) for case_id, ore in capital if ore]
    total = sum(p.amount_ore for p in postings)
    if total:
        postings.append(Posting(claims_account(creditor_id), -total))
    return _grouped(
        key=key,
        day=day,
        kind=KIND_CLAIM_HANDED_OVER,
        memo=f"claims handed over: creditor {creditor_id}" if memo is None else memo,
        postings=postings,
    )


def tx_fees_charged(
    *,
    key: str,
    day: dt.date,
    creditor_id: str | int,
    fees: Iterable[tuple[str | int, int]],
    memo: str | None = None,
) -> Transaction:
    """``tx_fee_charged`` for many fees of one creditor's cases: Dr case:<id>:fees per
    (case_id, amount_ore) row (never zero; one posting per fee, even two on one case), in the
    given order; Cr claims:<creditor_id> their sum."""
    postings = [Posting(case_account(case_id, "fees"), ore) for case_id, ore in fees]
    postings.append(Posting(claims_account(creditor_id), -sum(p.amount_ore for p in postings)))
    return _grouped(
        key=key,
        day=day,
        kind=KIND_FEE_CHARGED,
        memo=f"fees charged: creditor {creditor_id}" if memo is None else memo,
        postings=postings,
    )


def _grouped(
    *, key: str, day: dt.date, kind: str, memo: str, postings: list[Posting]
) -> Transaction:
    # Postings built directly: a bulk path books one per case, and the Transaction checks them.
    if not postings:
        raise LedgerError(f"{kind} {_short(key)}: nothing to book, every amount is zero")
    return Transaction(key=key, date=day, kind=kind, memo=memo, postings=tuple(postings))


def tx_payments(
    *,
    key: str,
    day: dt.date,
    creditor_id: str | int,
    payments: Iterable[PaymentShares],
    agency_keeps_interest: bool,
    agency_keeps_fees: bool,
    memo: str | None = None,
) -> Transaction:
    """``tx_payment`` for many matched bank payments to one creditor's cases, netted.

    Dr bank:klientmedel (all received); Cr case:<id>:capital and case:<id>:fees per payment, in
    the given order; Dr claims:<creditor_id> (capital + fees); Cr the creditor's liability,
    agency:revenue:interest / :fees (what the agency keeps) and refunds_owed (overpaid).
    """
    bank = claims = to_creditor = kept_interest = kept_fees = overpaid = 0
    cases: list[Posting] = []
    for p in payments:
        capital, interest, costs, over = p.capital_ore, p.interest_ore, p.costs_ore, p.overpaid_ore
        if capital < 0 or interest < 0 or costs < 0 or over < 0:
            raise LedgerError(f"payment to case {_short(p.case_id)}: a share below zero")
        bank += capital + interest + costs + over
        claims += capital + costs
        overpaid += over
        to_creditor += capital
        if agency_keeps_interest:
            kept_interest += interest
        else:
            to_creditor += interest
        if agency_keeps_fees:
            kept_fees += costs
        else:
            to_creditor += costs
        if capital:
            cases.append(Posting(case_account(p.case_id, "capital"), -capital))
        if costs:
            cases.append(Posting(case_account(p.case_id, "fees"), -costs))
    shared = (
        (claims_account(creditor_id), claims),
        (liability_account(creditor_id), -to_creditor),
        (revenue_account("interest"), -kept_interest),
        (revenue_account("fees"), -kept_fees),
        (REFUNDS_OWED, -overpaid),
    )
    return _grouped(
        key=key,
        day=day,
        kind=KIND_PAYMENT,
        memo=f"payments: creditor {creditor_id}" if memo is None else memo,
        postings=[
            Posting(BANK, bank),
            *cases,
            *(Posting(account, ore) for account, ore in shared if ore),
        ],
    )


def tx_netted(
    *, key: str, day: dt.date, kind: str, memo: str, txs: Iterable[Transaction]
) -> Transaction:
    """Several builders' transactions booked as one, linked: their postings netted per account
    (in the order each account first appears), accounts that net to zero left out."""
    totals: dict[str, int] = {}
    for tx in txs:
        for p in tx.postings:
            totals[p.account] = totals.get(p.account, 0) + p.amount_ore
    return Transaction(
        key=key,
        date=day,
        kind=kind,
        memo=memo,
        postings=tuple(Posting(account, ore) for account, ore in totals.items() if ore),
    )


def reverse(tx: Transaction, *, key: str, day: dt.date, memo: str | None = None) -> Transaction:
    """The correction of ``tx``: every posting with the opposite sign, in the same order.

    Kind ``"reversal"``, memo ``"reverses <tx.key>"`` unless given. The original stays in the
    ledger; the two together net to zero on every account. To correct rather than undo, book
    the reversal and then the right transaction, each under its own key.
    """
    return Transaction(
        key=key,
        date=day,
        kind=KIND_REVERSAL,
        memo=f"reverses {tx.key}"[:MEMO_CHARS_MAX] if memo is None else memo,
        postings=tuple(Posting(p.account, -p.amount_ore) for p in tx.postings),
    )
