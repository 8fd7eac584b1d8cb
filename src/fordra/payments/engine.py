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

import multiprocessing
import os
import threading
import traceback
from collections import defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from operator import itemgetter
from typing import Any

from django.db import transaction

from fordra.claims.models import CASE_REF_PREFIX, Allocation, Case, CaseEvent, Task
from fordra.claims.scheduling import cases_check_on
from fordra.core.bulk import adapt, as_date, gc_paused, insert_rows, query_in
from fordra.core.errors import ApplicationError
from fordra.domain.ledger import Transaction
from fordra.domain.money import format_amount
from fordra.ledger.services import ledger_post, ledger_prepare
from fordra.payments.booking import (
    ALLOCATION_COLUMNS,
    EVENT_COLUMNS,
    PAYMENT_COLUMNS,
    TASK_COLUMNS,
    _Booked,
    _close_paid,
    _Context,
    _DateMemo,
    _json,
    _money_in,
    book_matched,
)
from fordra.payments.incoming import BOOKED_CURRENCY, PAYMENT_ORE_MAX, Incoming, RecordResult
from fordra.payments.models import MONEY_IN_SOURCES, Payment, PaymentStatus
from fordra.payments.owing import _CaseData, _load_cases, _pricing_by_creditor
from fordra.reference.services import reference_rate_table


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
    # Every key derives from a payment key new in this transaction.
    booked_write(booked, now=now, assume_new=True)
    result.payments += booked.payments
    result.matched += booked.matched
    result.unmatched += booked.unmatched
    result.amount_ore += booked.amount_ore
    result.allocated_ore += booked.allocated_ore
    result.overpaid_ore += booked.overpaid_ore


def booked_write(booked: _Booked, *, now: datetime, assume_new: bool) -> None:
    """Write what ``_book`` or ``book_matched`` built: its rows, its cases to look at again,
    its ledger transactions (``assume_new``: see ``ledger_post``)."""
    insert_rows(Payment, PAYMENT_COLUMNS, booked.payment_rows)
    insert_rows(Allocation, ALLOCATION_COLUMNS, booked.alloc_rows)
    insert_rows(CaseEvent, EVENT_COLUMNS, booked.event_rows)
    insert_rows(Task, TASK_COLUMNS, booked.task_rows)
    cases_check_on(case_ids=booked.case_ids)  # the part's cases are in the page cache now
    ledger_post(booked.prepared, now=now, assume_new=assume_new)

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


def _book(items: Sequence[Incoming], cases: dict[int, _CaseData], ctx: _Context) -> _Booked:
    """Every payment's row, in case, day, key order: the matched ones booked by
    ``book_matched``, the others to the unmatched queue with their money in. Ledger
    transactions per payment for unmatched money and direct payments, then the matched bank
    payments grouped (``payment_transactions``). No database."""
    out = _Booked()
    # Another currency than the ledger's is never allocated, whatever it names.
    matched = [
        i.case_id is not None and i.amount_ore > 0 and i.currency == BOOKED_CURRENCY
        for i in items
    ]
    to_book = [item for item, is_matched in zip(items, matched, strict=True) if is_matched]
    booked, grouped = book_matched(to_book, cases, ctx, out)
    next_booked = iter(booked).__next__
    txs: list[Transaction] = []
    stamp, actor, file_id, day_of = ctx.stamp, ctx.actor, ctx.file_id, ctx.day_of
    payment_rows = out.payment_rows
    for item, is_matched in zip(items, matched, strict=True):
        if is_matched:
            allocated, overpaid, own = next_booked()
            txs.extend(own)
            status, case_id, suggestions = PaymentStatus.MATCHED, item.case_id, "[]"
        else:
            status, case_id, suggestions = _queued(item, txs)
            allocated = overpaid = 0
            out.unmatched += 1
        out.payments += 1
        if item.currency == BOOKED_CURRENCY:
            out.amount_ore += item.amount_ore
        out.allocated_ore += allocated
        out.overpaid_ore += overpaid
        payment_rows.append(
            (item.source, status, case_id, file_id, item.amount_ore, day_of(item.paid_on),
             item.reference[:140], item.payer_name[:140], suggestions, allocated, overpaid,
             item.key, actor, stamp, item.reason[:500], item.currency,
             _json(item.warnings) if item.warnings else "[]")
        )
    txs.extend(grouped)
    out.prepared = [ledger_prepare(tx) for tx in txs]
    return out


def _queued(item: Incoming, txs: list[Transaction]) -> tuple[str, None, str]:
    """An unmatched payment or a deduction: (status, no case, suggestions); its money in, when
    it came into klientmedel in SEK, is booked to ``unapplied`` (appended to ``txs``)."""
    if item.source in MONEY_IN_SOURCES and item.currency == BOOKED_CURRENCY:
        txs.append(_money_in(item))
    status = PaymentStatus.DEDUCTION if item.amount_ore < 0 else PaymentStatus.UNMATCHED
    return status, None, _json(item.suggestions) if item.suggestions else "[]"


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
