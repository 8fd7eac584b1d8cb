"""Booking matched payments: their allocation rows, events, refund tasks, the closing of a case
they pay, and their ledger transactions (money in, the allocation, who the money belongs to under
the creditor's pricing). No database but ``_close_paid``: the rows are written by the caller.

A file's bank payments are booked in ledger transactions grouped per day and creditor
(``payment_transactions``), not one per payment (docs/performance.md).
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, NamedTuple

from fordra.claims.models import CLOSED_STATES, Case, CaseState
from fordra.core.bulk import IN_CHUNK_PARAMS_MAX, adapt, chunks, date_adapter
from fordra.domain.ledger import (
    POSTINGS_PER_TRANSACTION_MAX,
    Transaction,
    tx_interest_accrued,
    tx_netted,
    tx_paid_to_creditor,
    tx_payment_allocated,
    tx_payment_received,
    tx_payments,
)
from fordra.domain.money import format_amount
from fordra.ledger.services import PreparedTransaction
from fordra.letters.unsent import letters_cancel_unsent
from fordra.payments.incoming import Incoming
from fordra.payments.models import MONEY_IN_SOURCES
from fordra.payments.owing import _Alloc, _allocate, _CaseData


class _DateMemo:
    """The backend's date adapter, memoised: a bank file has a handful of distinct days."""

    def __init__(self) -> None:
        self.adapt = date_adapter()
        self.seen: dict[date, Any] = {}

    def __call__(self, day: date) -> Any:
        value = self.seen.get(day)
        if value is None:
            value = self.seen[day] = self.adapt(day)
        return value


PAYMENT_COLUMNS = (
    "source", "status", "case_id", "file_id", "amount_ore", "paid_on", "reference", "payer_name",
    "suggestions", "allocated_ore", "overpaid_ore", "key", "actor", "created_at", "reason",
    "currency", "warnings",
)


ALLOCATION_COLUMNS = (
    "case_id", "invoice_id", "component", "amount_ore", "date", "payment_ref", "key",
    "created_at", "money_in",
)


EVENT_COLUMNS = ("case_id", "date", "kind", "detail", "actor", "created_at")


TASK_COLUMNS = ("case_id", "kind", "text", "created_on", "key", "created_at")


@dataclass(frozen=True)
class _Context:
    keeps: dict[int, tuple[bool, bool]]
    rates: Any
    actor: str
    stamp: Any
    file_id: int | None
    day_of: _DateMemo


class _Entry(NamedTuple):
    """A matched payment into klientmedel, as the ledger books it (grouped, see below)."""

    day: date
    creditor_id: int
    key: str
    case_id: int
    capital_ore: int
    interest_ore: int
    costs_ore: int
    overpaid_ore: int


@dataclass
class _Booked:
    """What a part of a batch becomes: rows to write and ledger transactions to post."""

    payment_rows: list[tuple[Any, ...]] = field(default_factory=list)
    alloc_rows: list[tuple[Any, ...]] = field(default_factory=list)
    event_rows: list[tuple[Any, ...]] = field(default_factory=list)
    task_rows: list[tuple[Any, ...]] = field(default_factory=list)
    # Checked when built, prepared for posting where they were built (in the child, if any).
    prepared: list[PreparedTransaction] = field(default_factory=list)
    closing: dict[int, date] = field(default_factory=dict)
    case_ids: list[int] = field(default_factory=list)  # the matched cases, ascending
    payments: int = 0
    matched: int = 0
    unmatched: int = 0
    amount_ore: int = 0
    allocated_ore: int = 0
    overpaid_ore: int = 0


class BookedPayment(NamedTuple):
    """What booking one matched payment gave: what it paid on the case, what was left over, and
    the ledger transactions of its own (a direct payment's; one matched from the queue)."""

    allocated_ore: int
    overpaid_ore: int
    transactions: Sequence[Transaction]


_NONE: tuple[Transaction, ...] = ()  # a bank payment's own transactions: grouped instead


def book_matched(
    items: Sequence[Incoming],
    cases: Mapping[int, _CaseData],
    ctx: _Context,
    out: _Booked,
    *,
    received: bool = False,
    note: str = "",
) -> tuple[list[BookedPayment], list[Transaction]]:
    """Book matched payments, in case, day, key order: the one author of what booking a matched
    payment writes, for a bank file (``engine._book``) and for staff (``actions.payment_match``,
    a batch of one) alike. No database.

    Each payment is allocated on its case as of its value date (``_allocate``: oldest claim
    first, costs → interest → capital). Into ``out`` go its allocation rows (keys
    ``<payment key>:<invoice id>:<component>``), its ``payment`` event (``note`` appended), a
    ``refund`` task for what is left over (key ``task:refund:<payment key>``), and its case to
    close as paid when nothing is left owing. Its ledger: a bank payment's money in and
    allocation are grouped with the others' (``payment_transactions``, returned second); a
    direct payment to the creditor gets transactions of its own; ``received``: the money came
    in earlier, unmatched (booked to ``unapplied``), and its allocation is one transaction
    ``match:<payment key>``. Returns each payment's ``BookedPayment``, in order.
    """
    booked: list[BookedPayment] = []
    entries: list[_Entry] = []
    amount_text = _AmountTexts().__getitem__
    stamp, actor, day_of, rates = ctx.stamp, ctx.actor, ctx.day_of, ctx.rates
    last = len(items) - 1
    for index, item in enumerate(items):
        case_id = item.case_id or 0  # matched: never None
        data = cases[case_id]
        money_in = item.source in MONEY_IN_SOURCES
        day = day_of(item.paid_on)
        allocated, overpaid, parts, lines, remaining = _allocate(data, item, rates=rates)
        ref = f"payment:{item.key}"
        out.alloc_rows.extend(
            (case_id, invoice_id, component, amount, day, ref,
             f"{item.key}:{invoice_id}:{component}", stamp, money_in)
            for invoice_id, component, amount in lines
        )
        if lines and index < last and items[index + 1].case_id == case_id:
            # The next payment is to the same case: it sees this one's allocation.
            data.allocations.extend(
                _Alloc(invoice_id, component, amount, item.paid_on)
                for invoice_id, component, amount in lines
            )
        own = _own_transactions(
            item, data, parts=parts, overpaid=overpaid, money_in=money_in, received=received,
            keeps=ctx.keeps[data.creditor_id], entries=entries,
        )
        out.event_rows.append(
            (case_id, day, "payment", _payment_text(item, parts, overpaid, amount_text) + note,
             actor, stamp)
        )
        if overpaid:
            out.task_rows.append(
                (case_id, "refund",
                 f"Återbetala överskott {format_amount(overpaid)} till gäldenären",
                 day, f"task:refund:{item.key}", stamp)
            )
        if remaining <= 0 and data.state not in CLOSED_STATES:
            data.state = CaseState.CLOSED_PAID
            out.closing[case_id] = item.paid_on
        if not out.case_ids or out.case_ids[-1] != case_id:
            out.case_ids.append(case_id)
        out.matched += 1
        booked.append(BookedPayment(allocated, overpaid, own))
    return booked, payment_transactions(entries, keeps=ctx.keeps)


def _own_transactions(
    item: Incoming,
    data: _CaseData,
    *,
    parts: dict[str, int],
    overpaid: int,
    money_in: bool,
    received: bool,
    keeps: tuple[bool, bool],
    entries: list[_Entry],
) -> Sequence[Transaction]:
    """A matched payment's ledger transactions of its own; a bank payment's money in and
    allocation go to ``entries`` instead, to be grouped (``payment_transactions``)."""
    if received:
        txs = _booking(item, data, parts=parts, overpaid=overpaid, money_in=money_in, keeps=keeps)
        if not txs:
            return _NONE
        return [
            _linked(key=f"match:{item.key}", day=item.paid_on, kind="payment_matched",
                    memo=_payment_memo(item, data.case_id, parts, overpaid), txs=txs)
        ]
    if money_in:
        entries.append(
            _Entry(item.paid_on, data.creditor_id, item.key, data.case_id, parts["capital"],
                   parts["interest"], parts["costs"], overpaid)
        )
        return _NONE
    return _booking(item, data, parts=parts, overpaid=overpaid, money_in=False, keeps=keeps)


# A grouped payment transaction: up to this many postings of its own cases, plus at most six
# shared ones (bank, claims, liability, kept interest, kept fees, refunds owed) — within the
# ledger's 200-posting limit.
CASE_POSTINGS_PER_TRANSACTION_MAX = POSTINGS_PER_TRANSACTION_MAX - 6


def payment_transactions(
    entries: Sequence[_Entry], *, keeps: dict[int, tuple[bool, bool]]
) -> list[Transaction]:
    """Matched bank payments as ledger transactions, grouped per day and creditor.

    Each transaction is the netted sum of ``tx_payment`` over its payments (money in, interest
    recognised, allocation): Dr bank; Cr each case's capital and fees, one posting per payment;
    Dr claims; Cr the creditor's liability, the agency's kept interest and fees, refunds owed.
    Up to 194 case postings a transaction, payments in key order; the key is derived from the
    payment keys it holds, so the same payments always give the same transaction.
    """
    groups: dict[tuple[date, int], list[_Entry]] = defaultdict(list)
    for entry in entries:
        groups[(entry.day, entry.creditor_id)].append(entry)
    out = []
    for (day, creditor_id), group in sorted(groups.items()):
        group.sort(key=lambda e: e.key)
        keeps_interest, keeps_fees = keeps[creditor_id]
        part: list[_Entry] = []
        own = 0
        for entry in group:
            size = (entry.capital_ore > 0) + (entry.costs_ore > 0)
            if part and own + size > CASE_POSTINGS_PER_TRANSACTION_MAX:
                out.append(_grouped(day, creditor_id, part, keeps_interest, keeps_fees))
                part, own = [], 0
            part.append(entry)
            own += size
        if part:
            out.append(_grouped(day, creditor_id, part, keeps_interest, keeps_fees))
    return out


def _grouped(
    day: date, creditor_id: int, part: Sequence[_Entry], keeps_interest: bool, keeps_fees: bool
) -> Transaction:
    digest = hashlib.sha256("\n".join(e.key for e in part).encode()).hexdigest()[:24]
    received = sum(e.capital_ore + e.interest_ore + e.costs_ore + e.overpaid_ore for e in part)
    return tx_payments(
        key=f"payments:{day.isoformat()}:{creditor_id}:{digest}",
        day=day,
        creditor_id=creditor_id,
        payments=part,
        agency_keeps_interest=keeps_interest,
        agency_keeps_fees=keeps_fees,
        memo=f"Betalningar {day.isoformat()}: {len(part)} st, {format_amount(received)}",
    )


def _money_in(item: Incoming) -> Transaction:
    # A negative amount is a deduction (BgMax TK21, camt.054 DBIT): money back out of the account;
    # staff resolve it from the unmatched queue.
    return tx_payment_received(
        key=f"in:{item.key}", day=item.paid_on, amount_ore=item.amount_ore,
        memo=_printable(f"Inbetalning {item.reference}")[:500],
    )


def _booking(
    item: Incoming,
    data: _CaseData,
    *,
    parts: dict[str, int],
    overpaid: int,
    money_in: bool,
    keeps: tuple[bool, bool],
) -> list[Transaction]:
    txs = []
    if parts["interest"]:
        # Interest is recognised in the ledger when it is paid (or settled otherwise).
        txs.append(
            tx_interest_accrued(
                key=f"interest:{item.key}", day=item.paid_on, case_id=data.case_id,
                creditor_id=data.creditor_id, amount_ore=parts["interest"],
            )
        )
    if money_in:
        txs.append(
            tx_payment_allocated(
                key=f"alloc:{item.key}", day=item.paid_on, case_id=data.case_id,
                creditor_id=data.creditor_id, capital_ore=parts["capital"],
                interest_ore=parts["interest"], costs_ore=parts["costs"], overpaid_ore=overpaid,
                agency_keeps_interest=keeps[0], agency_keeps_fees=keeps[1],
            )
        )
    elif parts["capital"] + parts["interest"] + parts["costs"]:
        # Paid to the creditor directly: the claim shrinks, no money moves through klientmedel;
        # what the agency would have kept is now owed to it by the creditor.
        txs.append(
            tx_paid_to_creditor(
                key=f"alloc:{item.key}", day=item.paid_on, case_id=str(data.case_id),
                creditor_id=str(data.creditor_id), capital_ore=parts["capital"],
                interest_ore=parts["interest"], costs_ore=parts["costs"],
                agency_keeps_interest=keeps[0], agency_keeps_fees=keeps[1],
                memo="Betalt direkt till borgenären",
            )
        )
    return txs


def _linked(
    *, key: str, day: date, kind: str, memo: str, txs: Sequence[Transaction]
) -> Transaction:
    """Several builders' postings as one balanced transaction, netted per account."""
    return tx_netted(key=key, day=day, kind=kind, memo=memo[:500], txs=txs)


def _payment_memo(item: Incoming, case_id: int, parts: dict[str, int], overpaid: int) -> str:
    return _printable(
        f"Betalning {item.reference} till ärende {case_id}: kostnader {parts['costs']}, "
        f"ränta {parts['interest']}, kapital {parts['capital']}, överskott {overpaid} öre"
    )


def _close_paid(
    closing: dict[int, date], *, actor: str, stamp: Any, events: list[tuple[Any, ...]]
) -> None:
    by_day: dict[date, list[int]] = defaultdict(list)
    for case_id, day in closing.items():
        by_day[day].append(case_id)
    for day, ids in by_day.items():
        for part in chunks(ids, IN_CHUNK_PARAMS_MAX):
            Case.objects.filter(id__in=part).update(
                state=CaseState.CLOSED_PAID, closed_on=day, close_reason="Betalt i sin helhet"
            )
            # Letters not yet sent are stopped: the debt is paid.
            letters_cancel_unsent(case_ids=part)
        events.extend(
            (cid, adapt(day), "closed_paid", "Ärendet är betalt och avslutat", actor, stamp)
            for cid in ids
        )


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _payment_text(
    item: Incoming, parts: dict[str, int], overpaid: int, amount_text: Any = format_amount
) -> str:
    text = (
        f"Betalning {amount_text(item.amount_ore)}: kostnader {amount_text(parts['costs'])}, "
        f"ränta {amount_text(parts['interest'])}, kapital {amount_text(parts['capital'])}"
    )
    if overpaid:
        text += f", överskott {amount_text(overpaid)}"
    return text


class _AmountTexts(dict[int, str]):
    """``format_amount``, remembered: a bank file repeats amounts (0 kr above all)."""

    def __missing__(self, ore: int) -> str:
        text = self[ore] = format_amount(ore)
        return text


def _json(value: Any) -> str:
    import json

    return json.dumps(list(value), ensure_ascii=False)
