"""Payments: record, match, allocate and book them — one set-based path for every source.

``payments_record`` takes payments already matched (or not) to cases, and in one transaction:
skips those already recorded (same key and content; the same key with other content is an
error naming what differs), allocates each matched payment on its case's balance as of the
payment day — oldest claim first, costs → interest → capital, interest accrued up to and
including that day (DOMAIN.md §11) — closes a case the payment settles (``closed_paid``),
stopping every letter not yet handed to a channel, turns what is left over into a refund owed
with a staff task, and books the ledger: money in (klientmedel), the allocation, and who the
money belongs to under the creditor's pricing. Reads are one query per table per batch; writes
are executemany. A file of 100 000 payments takes the same path as one payment typed by staff.

How a big file stays fast (docs/performance.md): the batch is allocated in parts of whole cases,
each part written as soon as it is done; a file's bank payments are booked in ledger
transactions grouped per day and creditor (``payment_transactions``), not one per payment; a
case with nothing paid yet skips ``case_balance``'s explanations (``_outstanding_plain``, held
equal to it by a property test); and from ``PARALLEL_PAYMENTS_MIN`` payments a forked child
allocates the parts while this process writes them — the same parts, the same result.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import threading
import traceback
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from operator import itemgetter
from typing import Any, NamedTuple

from django.db import transaction

from fordra.claims.limitation import limitation_follow
from fordra.claims.models import (
    CASE_REF_PREFIX,
    CLOSED_STATES,
    Allocation,
    Case,
    CaseEvent,
    CaseState,
    Invoice,
    InvoiceKind,
    Task,
)
from fordra.claims.scheduling import case_check_on, cases_check_on
from fordra.claims.selectors import case_balance
from fordra.core.bulk import (
    adapt,
    as_date,
    date_adapter,
    gc_paused,
    insert_rows,
    query_in,
)
from fordra.core.errors import ApplicationError
from fordra.domain.allocation import ClaimBalance, allocate_payment
from fordra.domain.interest import RateMissingError, compute_interest
from fordra.domain.ledger import (
    POSTINGS_PER_TRANSACTION_MAX,
    Posting,
    Transaction,
    tx_interest_accrued,
    tx_paid_to_creditor,
    tx_payment_allocated,
    tx_payment_received,
    tx_refund_paid,
)
from fordra.domain.money import format_amount
from fordra.domain.settlement import Pricing, PricingModel
from fordra.ledger.services import PreparedTransaction, ledger_post, ledger_prepare
from fordra.letters.unsent import letters_cancel_unsent
from fordra.payments.models import MONEY_IN_SOURCES, FileTask, Payment, PaymentStatus
from fordra.reference.services import reference_rate_table

PAYMENT_ORE_MAX = 100_000_000_00  # a limit on everything: 100 million kronor per payment
BOOKED_CURRENCY = "SEK"  # the ledger's; a payment in another is held for staff, unbooked


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


# Lightweight rows with the attribute names case_balance reads (no ORM objects on the hot path;
# named tuples: a bank file builds a few hundred thousand of them).
class _Inv(NamedTuple):
    id: int
    invoice_number: str
    kind: str
    due_date: date
    amount_ore: int
    interest_rate: Any
    written_off_on: date | None


class _Fee(NamedTuple):
    invoice_id: int
    amount_ore: int
    date: date


class _Alloc(NamedTuple):
    invoice_id: int
    component: str
    amount_ore: int
    date: date


@dataclass
class _CaseData:
    case_id: int
    state: str
    creditor_id: int
    invoices: list[_Inv] = field(default_factory=list)
    fees: list[_Fee] = field(default_factory=list)
    allocations: list[_Alloc] = field(default_factory=list)


def _load_cases(
    case_ids: Sequence[int], *, cases_read: Mapping[int, tuple[str, int]] | None = None
) -> dict[int, _CaseData]:
    """The cases with their invoices, fees and allocations; ``cases_read``: (state, creditor
    id) already read in this transaction."""
    if cases_read is not None and all(cid in cases_read for cid in case_ids):
        cases = {cid: _CaseData(cid, *cases_read[cid]) for cid in case_ids}
    else:
        cases = {
            cid: _CaseData(cid, state, creditor_id)
            for cid, state, creditor_id in query_in(
                "SELECT id, state, creditor_id FROM claims_case WHERE id IN ({in})",
                values=case_ids,
            )
        }
    to_rate = _rate_reader()
    for cid, iid, number, kind, due, amount, rate, off in query_in(
        "SELECT case_id, id, invoice_number, kind, CAST(due_date AS TEXT), amount_ore, "
        "interest_rate, CAST(written_off_on AS TEXT) FROM claims_invoice WHERE case_id IN ({in})",
        values=case_ids,
    ):
        cases[cid].invoices.append(
            _Inv(iid, number, kind, as_date(due), amount, None if rate is None else to_rate(rate),
                 None if off is None else as_date(off))
        )
    for cid, iid, amount, day in query_in(
        "SELECT case_id, invoice_id, amount_ore, CAST(date AS TEXT) FROM claims_feerecord "
        "WHERE case_id IN ({in})",
        values=case_ids,
    ):
        cases[cid].fees.append(_Fee(iid, amount, as_date(day)))
    for cid, iid, component, amount, day in query_in(
        "SELECT case_id, invoice_id, component, amount_ore, CAST(date AS TEXT) "
        "FROM claims_allocation WHERE case_id IN ({in})",
        values=case_ids,
    ):
        cases[cid].allocations.append(_Alloc(iid, component, amount, as_date(day)))
    return cases


def _rate_reader() -> Any:
    """An agreed rate as read by a raw query → Decimal (SQLite may hand back a float or text)."""
    field_ = Invoice._meta.get_field("interest_rate")
    places = getattr(field_, "decimal_places", 4)

    def to_rate(value: Any) -> Decimal:
        if isinstance(value, Decimal):
            return value
        return Decimal(str(value)).quantize(Decimal(1).scaleb(-places))

    return to_rate


def _pricing_by_creditor(creditor_ids: Sequence[int]) -> dict[int, tuple[bool, bool]]:
    out = {}
    for cid, model in query_in(
        "SELECT id, pricing_model FROM parties_creditor WHERE id IN ({in})", values=creditor_ids
    ):
        pricing = Pricing(model=PricingModel(model))
        out[cid] = (pricing.agency_keeps_interest, pricing.agency_keeps_fees)
    return out


def payments_record(
    *,
    items: Sequence[Incoming],
    now: datetime,
    actor: str = "system",
    file_id: int | None = None,
    cases_read: Mapping[int, tuple[str, int]] | None = None,
) -> RecordResult:
    """Record ``items`` (see the module docstring); ``cases_read``: (state, creditor id) of
    the matched cases, when the caller read them in this same transaction."""
    result = RecordResult()
    for item in items:
        if abs(item.amount_ore) > PAYMENT_ORE_MAX or item.amount_ore == 0:
            raise ApplicationError(
                f"payment {item.key}: amount {format_amount(item.amount_ore)} is not plausible"
            )
    with gc_paused(), transaction.atomic():
        # Everything big lives and dies inside _record, while the collector is paused: the
        # objects it made are freed before the collector is back (else its first pass walks
        # them all).
        _record(items, result, now=now, actor=actor, file_id=file_id, cases_read=cases_read)
    return result


def _record(
    items: Sequence[Incoming], result: RecordResult, *, now: datetime, actor: str,
    file_id: int | None, cases_read: Mapping[int, tuple[str, int]] | None,
) -> None:
    items = _new_only(items, result)
    if not items:
        return
    matched = sorted({i.case_id for i in items if i.case_id is not None and i.amount_ore > 0})
    cases = _load_cases(matched, cases_read=cases_read)
    context = _Context(
        keeps=_pricing_by_creditor(sorted({c.creditor_id for c in cases.values()})),
        rates=reference_rate_table(),
        actor=actor,
        stamp=adapt(now),
        file_id=file_id,
        day_of=_DateMemo(),
    )
    # A case with an allocation or a fee dated after one of its incoming payments is replayed in
    # value-date order (``reallocation``); every other case takes the bulk path below.
    replayed = _cases_to_replay(items, cases)
    if replayed:
        items = [i for i in items if i.case_id not in replayed]
    # Case by case, each case's payments by day and key (unmatched first).
    ordered = sorted((i for i in items if i.case_id is None), key=itemgetter(3, 0))
    ordered.extend(sorted((i for i in items if i.case_id is not None), key=itemgetter(6, 3, 0)))
    closing: dict[int, date] = {}
    with _booked_parts(ordered, cases, context) as parts:
        for booked in parts:  # in payment order; written as they come
            _write_booked(booked, result, now=now)
            closing.update(booked.closing)
    events: list[tuple[Any, ...]] = []
    _close_paid(closing, actor=actor, stamp=context.stamp, events=events)
    insert_rows(CaseEvent, EVENT_COLUMNS, events)
    queued: list[Incoming] = []
    for case_id, case_items in sorted(replayed.items()):
        try:
            with transaction.atomic():  # a savepoint: a refused replay leaves nothing behind
                if _record_replayed(case_items, result, now=now, actor=actor, file_id=file_id):
                    closing[case_id] = case_items[0].paid_on
        except ApplicationError as exc:
            if file_id is None or exc.code not in ("remitted", "refunded"):
                raise
            # One payment of a bank file never blocks the file: it waits in the unmatched
            # queue, naming its case and why it could not be allocated there.
            why = {"ref": _case_ref(case_id), "why": REPLAY_REFUSED_TEXTS[exc.code]}
            queued.extend(i._replace(case_id=None, suggestions=(why,)) for i in case_items)
    if queued:
        _write_booked(_book(queued, cases, context), result, now=now)
    result.closed = sorted(closing)


def _write_booked(booked: _Booked, result: RecordResult, *, now: datetime) -> None:
    insert_rows(Payment, PAYMENT_COLUMNS, booked.payment_rows)
    insert_rows(Allocation, ALLOCATION_COLUMNS, booked.alloc_rows)
    insert_rows(CaseEvent, EVENT_COLUMNS, booked.event_rows)
    insert_rows(Task, TASK_COLUMNS, booked.task_rows)
    _look_again(booked.case_ids)  # the part's cases are in the page cache now
    # Every key derives from a payment key new in this transaction.
    ledger_post(booked.prepared, now=now, assume_new=True)
    result.payments += booked.payments
    result.matched += booked.matched
    result.unmatched += booked.unmatched
    result.amount_ore += booked.amount_ore
    result.allocated_ore += booked.allocated_ore
    result.overpaid_ore += booked.overpaid_ore


REPLAY_REFUSED_TEXTS = {
    "remitted": "valutadagen ligger före en betalning som redan redovisats till borgenären: "
    "fördelningen i valutadagsordning skulle ändra redovisade pengar",
    "refunded": "valutadagen ligger före en betalning vars överskott redan återbetalats",
}


def _case_ref(case_id: int) -> str:
    number = Case.objects.filter(pk=case_id).values_list("number", flat=True).first()
    return f"{CASE_REF_PREFIX}{number}"


def _cases_to_replay(
    items: Sequence[Incoming], cases: Mapping[int, _CaseData]
) -> dict[int, list[Incoming]]:
    """The matched payments of each case that must be allocated in value-date order by
    replaying the case (``reallocation.replay_needed``), all of the case's payments in the batch
    together. Most batches have none: one pass over rows already read."""
    from fordra.payments.reallocation import replay_needed

    latest: dict[int, date | None] = {}
    slow: set[int] = set()
    for item in items:
        case_id = item.case_id
        if case_id is None or item.amount_ore <= 0 or case_id in slow:
            continue
        if item.reason or item.currency != BOOKED_CURRENCY:
            continue  # queued for staff, never allocated (see _book)
        if case_id not in latest:
            data = cases[case_id]
            days = [a.date for a in data.allocations]
            days.extend(f.date for f in data.fees if f.amount_ore > 0)
            latest[case_id] = max(days, default=None)
        if replay_needed(state=cases[case_id].state, latest=latest[case_id], paid_on=item.paid_on):
            slow.add(case_id)
    out: dict[int, list[Incoming]] = defaultdict(list)
    for item in items:
        if item.case_id in slow:
            out[item.case_id].append(item)
    return out


def _record_replayed(
    items: Sequence[Incoming], result: RecordResult, *, now: datetime, actor: str,
    file_id: int | None,
) -> bool:
    """Record one case's payments and replay the case from the earliest of them; True if the
    replay closed the case as paid."""
    from fordra.payments.reallocation import NewPayment, case_reallocate

    stamp = adapt(now)
    insert_rows(
        Payment,
        PAYMENT_COLUMNS,
        [
            (i.source, PaymentStatus.MATCHED, i.case_id, file_id, i.amount_ore, adapt(i.paid_on),
             i.reference[:140], i.payer_name[:140], "[]", 0, 0, i.key, actor, stamp,
             i.reason[:500], i.currency, _json(i.warnings) if i.warnings else "[]")
            for i in items
        ],
    )
    first = min(i.paid_on for i in items)
    replay = case_reallocate(
        case_id=items[0].case_id or 0, since=first, now=now, actor=actor,
        cause=f"betalning med valutadag {first.isoformat()}",
        new={i.key: NewPayment() for i in items},
    )
    for item in items:
        allocated, overpaid = replay.allocated.get(item.key, (0, item.amount_ore))
        result.payments += 1
        result.matched += 1
        result.amount_ore += item.amount_ore
        result.allocated_ore += allocated
        result.overpaid_ore += overpaid
    return replay.closed_now


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


def _book(items: Sequence[Incoming], cases: dict[int, _CaseData], ctx: _Context) -> _Booked:
    """Allocate each payment (in case, day, key order), build its rows and its ledger
    transactions: per payment for unmatched money and direct payments, then the matched bank
    payments grouped (``payment_transactions``). No database."""
    out = _Booked()
    txs: list[Transaction] = []
    entries: list[_Entry] = []
    stamp, actor, file_id, day_of, rates = ctx.stamp, ctx.actor, ctx.file_id, ctx.day_of, ctx.rates
    alloc_rows, event_rows, payment_rows = out.alloc_rows, out.event_rows, out.payment_rows
    amount_text = _AmountTexts().__getitem__
    last = len(items) - 1
    for index, item in enumerate(items):
        money_in = item.source in MONEY_IN_SOURCES
        # Another currency than the ledger's is never allocated, whatever it names.
        case_id = item.case_id if item.currency == BOOKED_CURRENCY else None
        day = day_of(item.paid_on)
        allocated = overpaid = 0
        if case_id is None or item.amount_ore < 0:
            status = PaymentStatus.DEDUCTION if item.amount_ore < 0 else PaymentStatus.UNMATCHED
            if money_in and item.currency == BOOKED_CURRENCY:
                txs.append(_money_in(item))
            out.unmatched += 1
            suggestions = _json(item.suggestions) if item.suggestions else "[]"
        else:
            status = PaymentStatus.MATCHED
            suggestions = "[]"
            data = cases[case_id]
            allocated, overpaid, parts, lines, remaining = _allocate(data, item, rates=rates)
            ref = f"payment:{item.key}"
            for invoice_id, component, amount in lines:
                alloc_rows.append(
                    (case_id, invoice_id, component, amount, day, ref,
                     f"{item.key}:{invoice_id}:{component}", stamp, money_in)
                )
            if lines and index < last and items[index + 1].case_id == case_id:
                # The next payment is to the same case: it sees this one's allocation.
                data.allocations.extend(
                    _Alloc(invoice_id, component, amount, item.paid_on)
                    for invoice_id, component, amount in lines
                )
            if money_in:
                entries.append(
                    _Entry(item.paid_on, data.creditor_id, item.key, case_id, parts["capital"],
                           parts["interest"], parts["costs"], overpaid)
                )
            else:
                txs.extend(
                    _booking(item, data, parts=parts, overpaid=overpaid, money_in=False,
                             keeps=ctx.keeps[data.creditor_id])
                )
            event_rows.append(
                (case_id, day, "payment", _payment_text(item, parts, overpaid, amount_text),
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
        out.payments += 1
        if item.currency == BOOKED_CURRENCY:
            out.amount_ore += item.amount_ore
        out.allocated_ore += allocated
        out.overpaid_ore += overpaid
        payment_rows.append(
            (item.source, status, case_id, file_id, item.amount_ore, day, item.reference[:140],
             item.payer_name[:140], suggestions, allocated, overpaid, item.key, actor, stamp,
             item.reason[:500], item.currency,
             _json(item.warnings) if item.warnings else "[]")
        )
    txs.extend(payment_transactions(entries, keeps=ctx.keeps))
    out.prepared = [ledger_prepare(tx) for tx in txs]
    return out


# A batch is allocated in parts of about this many payments (whole cases), each written and
# booked as it is done; its bank payments are grouped in ledger transactions part by part.
PART_PAYMENTS = 5_000
# Fanning the allocation out over a second process pays from about this many payments (a bank
# file); below it, and with one CPU, everything runs in this process.
PARALLEL_PAYMENTS_MIN = 20_000
# With a second process, the child allocates the first parts, which this process writes as they
# arrive (the database writes overlap the allocation), and this process the last parts, when idle.
PARALLEL_OWN_SHARE = 0.1


def _part_bounds(items: Sequence[Incoming]) -> list[tuple[int, int]]:
    bounds = []
    start = 0
    while start < len(items):
        end = _case_boundary(items, start + PART_PAYMENTS)
        bounds.append((start, end))
        start = end
    return bounds


def _case_boundary(items: Sequence[Incoming], index: int) -> int:
    """The first index at or after ``index`` that starts another case (items in case order)."""
    index = max(index, 1)
    while index < len(items) and items[index].case_id == items[index - 1].case_id:
        index += 1
    return min(index, len(items))


@contextmanager
def _booked_parts(
    items: Sequence[Incoming], cases: dict[int, _CaseData], ctx: _Context
) -> Iterator[Iterator[_Booked]]:
    """``_book`` over ``items`` part by part (``PART_PAYMENTS``, whole cases), in order.

    Big batches on a machine with more than one CPU: a forked child allocates the first parts
    and sends them through a pipe; it never touches the database (this process holds the
    transaction and does every write). This process allocates the last parts itself, whenever
    it would otherwise wait for the child, and hands them on after the child's. The parts are
    the same either way, and so is the result: a case's payments are never split between parts.
    """
    bounds = _part_bounds(items)
    theirs = 0
    if _fan_out(len(items)):
        theirs = len(bounds) - round(len(bounds) * PARALLEL_OWN_SHARE)
    if theirs == 0:
        yield (_book(items[a:b], cases, ctx) for a, b in bounds)
        return
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(
        target=_book_in_child, args=(sender, items, bounds[:theirs], cases, ctx), daemon=True
    )
    child.start()
    sender.close()
    mine = iter(bounds[theirs:])
    done: list[_Booked] = []

    def parts() -> Iterator[_Booked]:
        for _ in range(theirs):
            while not receiver.poll():
                bound = next(mine, None)
                if bound is None:
                    break
                done.append(_book(items[bound[0] : bound[1]], cases, ctx))
            try:
                message = receiver.recv()
            except EOFError:
                raise RuntimeError(
                    f"the allocation process ended without its result (exit code {child.exitcode})"
                ) from None
            if isinstance(message, str):
                raise RuntimeError(f"the allocation process failed:\n{message}")
            yield message
        yield from done
        for a, b in mine:
            yield _book(items[a:b], cases, ctx)

    try:
        yield parts()
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
        child.join()


def _fan_out(count: int) -> bool:
    """Whether to allocate ``count`` payments in a forked child: big batches, Linux (fork is
    safe there), more than one CPU, and no other thread (fork copies only the calling one)."""
    if count < PARALLEL_PAYMENTS_MIN or not hasattr(os, "sched_getaffinity"):
        return False
    return len(os.sched_getaffinity(0)) > 1 and threading.active_count() == 1


def _book_in_child(
    sender: Any,
    items: Sequence[Incoming],
    bounds: Sequence[tuple[int, int]],
    cases: dict[int, _CaseData],
    ctx: _Context,
) -> None:
    """The forked child: allocate part by part, send each back; never the database."""
    try:
        for a, b in bounds:
            sender.send(_book(items[a:b], cases, ctx))
    except BaseException:  # reported to the parent, which rolls everything back
        sender.send(traceback.format_exc())
    finally:
        sender.close()


def _look_again(case_ids: Sequence[int]) -> None:
    """The next daily run looks at these cases again (a payment may change what is due)."""
    cases_check_on(case_ids=case_ids)


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
    bank = claims = to_creditor = kept_interest = kept_fees = overpaid = 0
    cases: list[Posting] = []
    for e in part:
        capital, interest, costs = e.capital_ore, e.interest_ore, e.costs_ore
        bank += capital + interest + costs + e.overpaid_ore
        claims += capital + costs
        overpaid += e.overpaid_ore
        to_creditor += capital
        if keeps_interest:
            kept_interest += interest
        else:
            to_creditor += interest
        if keeps_fees:
            kept_fees += costs
        else:
            to_creditor += costs
        if capital:
            cases.append(Posting(f"case:{e.case_id}:capital", -capital))
        if costs:
            cases.append(Posting(f"case:{e.case_id}:fees", -costs))
    shared = [
        (f"claims:{creditor_id}", claims),
        (f"creditor:{creditor_id}:liability", -to_creditor),
        ("agency:revenue:interest", -kept_interest),
        ("agency:revenue:fees", -kept_fees),
        ("refunds_owed", -overpaid),
    ]
    digest = hashlib.sha256("\n".join(e.key for e in part).encode()).hexdigest()[:24]
    return Transaction(
        key=f"payments:{day.isoformat()}:{creditor_id}:{digest}",
        date=day,
        kind="payment",
        memo=f"Betalningar {day.isoformat()}: {len(part)} st, {format_amount(bank)}",
        postings=(
            Posting("bank:klientmedel", bank),
            *cases,
            *(Posting(account, ore) for account, ore in shared if ore),
        ),
    )


def _new_only(items: Sequence[Incoming], result: RecordResult) -> list[Incoming]:
    keys = [i.key for i in items]
    if len(set(keys)) != len(keys):
        raise ApplicationError("the same payment appears twice in one batch")
    stored = {
        key: (amount, as_date(day))
        for key, amount, day in query_in(
            "SELECT key, amount_ore, CAST(paid_on AS TEXT) FROM payments_payment "
            "WHERE key IN ({in})",
            values=keys,
        )
    }
    new = []
    for item in items:
        old = stored.get(item.key)
        if old is None:
            new.append(item)
            continue
        if old != (item.amount_ore, item.paid_on):
            raise ApplicationError(
                f"payment {item.key} was already recorded with other content",
                details=[f"recorded {format_amount(old[0])} on {old[1]}, "
                         f"given {format_amount(item.amount_ore)} on {item.paid_on}"],
                code="conflict",
            )
        result.duplicates += 1
    return new


def _allocate(
    data: _CaseData, item: Incoming, *, rates: Any
) -> tuple[int, int, dict[str, int], list[tuple[int, str, int]], int]:
    """(allocated, overpaid, per component, lines, balance left after the payment)."""
    if data.state in CLOSED_STATES:
        return 0, item.amount_ore, {"costs": 0, "interest": 0, "capital": 0}, [], 0
    claims, balance_ore = _outstanding_plain(
        data, as_of=item.paid_on, rates=rates
    ) or _outstanding(data, as_of=item.paid_on, rates=rates)
    allocation = allocate_payment(amount_ore=item.amount_ore, claims=claims)
    parts = {"costs": 0, "interest": 0, "capital": 0}
    lines = []
    allocated = 0
    for line in allocation.lines:
        parts[line.component] += line.amount_ore
        allocated += line.amount_ore
        lines.append((int(line.key), line.component, line.amount_ore))
    return allocated, allocation.overpayment_ore, parts, lines, balance_ore - allocated


def _outstanding(data: _CaseData, *, as_of: date, rates: Any) -> tuple[list[ClaimBalance], int]:
    """What a payment on ``as_of`` is allocated to (``case_balance``), and the balance."""
    balance = case_balance(
        invoices=data.invoices,  # type: ignore[arg-type]
        as_of=as_of,
        rates=rates,
        fees=data.fees,  # type: ignore[arg-type]
        allocations=data.allocations,  # type: ignore[arg-type]
    )
    claims = [
        ClaimBalance(
            key=str(c.invoice_id),
            due_date=c.due_date,
            costs_ore=max(c.costs_ore, 0),
            interest_ore=max(c.interest_ore, 0),
            capital_ore=max(c.capital_ore, 0),
        )
        for c in balance.claims
    ]
    return claims, balance.balance_ore


def _outstanding_plain(
    data: _CaseData, *, as_of: date, rates: Any
) -> tuple[list[ClaimBalance], int] | None:
    """``_outstanding`` for the plain case, without ``case_balance``'s explanations; else None.

    Plain: nothing paid on the case yet, no credit note, nothing written off, every day priced
    by the rate table — most cases a bank file pays. Then each invoice owes its amount as
    capital, its fees dated up to ``as_of`` as costs, and the interest ``compute_interest``
    gives on the whole amount. Anything else goes through ``case_balance`` itself; a property
    test holds the two equal (tests/integration/test_payments_bulk.py).
    """
    if data.allocations:
        return None
    fees: dict[int, int] = {}
    for f in data.fees:
        if f.date <= as_of:
            fees[f.invoice_id] = fees.get(f.invoice_id, 0) + f.amount_ore
    claims = []
    balance = 0
    invoices = data.invoices
    if len(invoices) > 1:
        invoices = sorted(invoices, key=lambda i: (i.due_date, i.id))
    for inv in invoices:
        if inv.kind != InvoiceKind.INVOICE or inv.written_off_on is not None or inv.amount_ore < 0:
            return None
        capital = inv.amount_ore
        interest = 0
        if capital > 0:
            try:
                interest = compute_interest(
                    capital_ore=capital, due_date=inv.due_date, as_of=as_of, rates=rates,
                    agreed_rate_percent=inv.interest_rate,
                ).amount_ore
            except RateMissingError:
                return None
        costs = fees.get(inv.id, 0)
        balance += capital + interest + costs
        claims.append(
            ClaimBalance(str(inv.id), inv.due_date, max(costs, 0), max(interest, 0),
                         max(capital, 0))
        )
    return claims, balance


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
    totals: dict[str, int] = {}
    for tx in txs:
        for p in tx.postings:
            totals[p.account] = totals.get(p.account, 0) + p.amount_ore
    return Transaction(
        key=key,
        date=day,
        kind=kind,
        memo=memo[:500],
        postings=tuple(Posting(account=a, amount_ore=v) for a, v in totals.items() if v),
    )


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
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
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


def payment_apply(
    *,
    case: Case,
    amount_ore: int,
    paid_on: date,
    source: str,
    key: str,
    now: datetime,
    reference: str = "",
    actor: str = "system",
) -> Payment:
    """One payment to one case (staff, CLI, simulation): the same path as a bank file."""
    if amount_ore <= 0:
        raise ApplicationError("a payment must be more than 0 kr")
    payments_record(
        items=[Incoming(key=key, source=source, amount_ore=amount_ore, paid_on=paid_on,
                        reference=reference, case_id=case.id)],
        now=now,
        actor=actor,
    )
    payment = Payment.objects.get(key=key)
    if payment.case_id != case.id:
        raise ApplicationError(
            f"payment {key} was already recorded for another case", code="conflict"
        )
    # A payment acknowledges the debt (preskriptionslagen 5 § 1): the case date follows.
    limitation_follow(case_ids=[case.id], day=paid_on, now=now)
    return payment


def _refuse_foreign_currency(payment: Payment, what: str) -> None:
    """A payment in another currency was never booked (the ledger is in SEK): staff convert it
    at the bank and book what arrived in SEK; Fordra cannot allocate or refund it as it is."""
    if payment.currency != BOOKED_CURRENCY:
        raise ApplicationError(
            f"payment {payment.pk} is in {payment.currency}, not {BOOKED_CURRENCY}: it cannot be"
            f" {what} here (it was never booked; handle it at the bank)"
        )


def payment_match(*, payment_id: int, case: Case, now: datetime, actor: str) -> Payment:
    """Staff match an unmatched payment to a case: it is allocated as if it had matched."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            raise ApplicationError(f"no payment with id {payment_id}")
        if payment.status != PaymentStatus.UNMATCHED:
            raise ApplicationError(
                f"payment {payment_id} is {payment.get_status_display().lower()}, not unmatched"
            )
        _refuse_foreign_currency(payment, "matched")
        data = _load_cases([case.id])[case.id]
        if _cases_to_replay(
            [Incoming(key=payment.key, source=payment.source, amount_ore=payment.amount_ore,
                      paid_on=payment.paid_on, case_id=case.id)],
            {case.id: data},
        ):
            _match_replayed(payment, case=case, now=now, actor=actor)
            payment.refresh_from_db()
            return payment
        keeps = _pricing_by_creditor([data.creditor_id])[data.creditor_id]
        item = Incoming(
            key=payment.key, source=payment.source, amount_ore=payment.amount_ore,
            paid_on=payment.paid_on, reference=payment.reference, case_id=case.id,
        )
        allocated, overpaid, parts, lines, remaining = _allocate(
            data, item, rates=reference_rate_table()
        )
        stamp = adapt(now)
        insert_rows(
            Allocation,
            ["case_id", "invoice_id", "component", "amount_ore", "date", "payment_ref", "key",
             "created_at", "money_in"],
            [
                (case.id, invoice_id, component, amount, adapt(item.paid_on),
                 f"payment:{item.key}", f"{item.key}:{invoice_id}:{component}", stamp,
                 payment.source in MONEY_IN_SOURCES)
                for invoice_id, component, amount in lines
            ],
        )
        Payment.objects.filter(pk=payment.pk).update(
            status=PaymentStatus.MATCHED, case=case, allocated_ore=allocated, overpaid_ore=overpaid,
            actor=actor,
        )
        events: list[tuple[Any, ...]] = [
            (case.id, adapt(item.paid_on), "payment",
             _payment_text(item, parts, overpaid) + f" (matchad manuellt av {actor})", actor, stamp)
        ]
        if overpaid:
            Task.objects.create(
                case=case, kind="refund",
                text=f"Återbetala överskott {format_amount(overpaid)} till gäldenären",
                created_on=item.paid_on, key=f"task:refund:{item.key}",
            )
        if data.state not in CLOSED_STATES and remaining <= 0:
            _close_paid({case.id: item.paid_on}, actor=actor, stamp=stamp, events=events)
        insert_rows(CaseEvent, ["case_id", "date", "kind", "detail", "actor", "created_at"], events)
        case_check_on(case_id=case.pk)
        booked = _booking(item, data, parts=parts, overpaid=overpaid,
                          money_in=payment.source in MONEY_IN_SOURCES, keeps=keeps)
        if booked:
            ledger_post(
                [_linked(key=f"match:{item.key}", day=item.paid_on, kind="payment_matched",
                         memo=_payment_memo(item, case.id, parts, overpaid), txs=booked)],
                now=now,
            )
    limitation_follow(case_ids=[case.id], day=payment.paid_on, now=now)
    payment.refresh_from_db()
    return payment


def _match_replayed(payment: Payment, *, case: Case, now: datetime, actor: str) -> None:
    """A payment from the unmatched queue dated before what the case has allocated: replayed
    in value-date order; its money-in was booked when it arrived."""
    from fordra.payments.reallocation import NewPayment, case_reallocate

    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.MATCHED, case=case, actor=actor
    )
    case_reallocate(
        case_id=case.id, since=payment.paid_on, now=now, actor=actor,
        cause=f"betalning med valutadag {payment.paid_on.isoformat()} matchad manuellt",
        new={payment.key: NewPayment(received=True)},
    )


def payment_refund(*, payment_id: int, day: date, now: datetime, actor: str) -> Payment:
    """Record that money was paid back: an overpayment (refunds owed) or a whole unmatched
    payment that was not for us (unapplied). The bank transfer itself is made by staff."""
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(pk=payment_id).first()
        if payment is None:
            raise ApplicationError(f"no payment with id {payment_id}")
        if payment.refunded_on is not None:
            raise ApplicationError(f"payment {payment_id} was refunded on {payment.refunded_on}")
        if payment.source not in MONEY_IN_SOURCES:
            raise ApplicationError("a payment made to the creditor is not ours to refund")
        _refuse_foreign_currency(payment, "refunded")
        if payment.status == PaymentStatus.UNMATCHED:
            amount, source_account = payment.amount_ore, "unapplied"
        elif payment.overpaid_ore > 0:
            amount, source_account = payment.overpaid_ore, "refunds_owed"
        else:
            raise ApplicationError(f"payment {payment_id} has nothing to refund")
        if source_account == "refunds_owed":
            tx = tx_refund_paid(key=f"refund:{payment.key}", day=day, amount_ore=amount)
        else:
            tx = Transaction(
                key=f"refund:{payment.key}", date=day, kind="refund_paid",
                memo=_printable(f"Återbetalning av ej matchad betalning {payment.reference}"),
                postings=(Posting(account="unapplied", amount_ore=amount),
                          Posting(account="bank:klientmedel", amount_ore=-amount)),
            )
        ledger_post([tx], now=now)
        Payment.objects.filter(pk=payment.pk).update(
            refunded_ore=amount, refunded_on=day,
            status=PaymentStatus.REFUNDED if payment.status == PaymentStatus.UNMATCHED
            else payment.status,
        )
        if payment.case_id:
            CaseEvent.objects.create(
                case_id=payment.case_id, date=day, kind="refund",
                detail=f"Återbetalt {format_amount(amount)} till gäldenären", actor=actor,
            )
            Task.objects.filter(key=f"task:refund:{payment.key}").update(done_at=now)
    payment.refresh_from_db()
    return payment


def cases_owing(*, case_ids: Sequence[int], as_of: date) -> dict[int, tuple[date | None, int]]:
    """Each case's oldest due date among its claims still owing, and its balance, as a payment
    on ``as_of`` would be allocated (``_allocate``'s rule; closed cases owe nothing).

    For a payment that covers several cases without saying how much each (BgMax extra
    references without amounts, DOMAIN.md §14): spread oldest first (DOMAIN.md §11).
    """
    rates = reference_rate_table()
    out: dict[int, tuple[date | None, int]] = {}
    for case_id, data in _load_cases(sorted(set(case_ids))).items():
        if data.state in CLOSED_STATES:
            out[case_id] = (None, 0)
            continue
        claims, balance = _outstanding_plain(data, as_of=as_of, rates=rates) or _outstanding(
            data, as_of=as_of, rates=rates
        )
        owing = [c.due_date for c in claims if c.costs_ore + c.interest_ore + c.capital_ore > 0]
        out[case_id] = (min(owing, default=None), max(balance, 0))
    return out


def file_task_done(*, task_id: int, now: datetime, actor: str) -> FileTask:
    """Staff close a task on a payment file (e.g. a record of unknown type, looked into)."""
    task = FileTask.objects.filter(pk=task_id).first()
    if task is None:
        raise ApplicationError(f"no file task with id {task_id}")
    if task.done_at is None:
        FileTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now)
        task.refresh_from_db()
    return task
