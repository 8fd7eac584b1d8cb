"""Re-allocating a case's payments in value-date order: the slow path (DESIGN.md §4.2).

A payment is allocated on the case's balance as of its value date, oldest claim first, costs →
interest → capital (DOMAIN.md §11), and interest runs on the capital outstanding each day — so
the allocation of one payment depends on every payment before it. When something dated before
payments already allocated arrives — a back-dated payment, a dispute received before letters
whose fees are then reversed — ``case_reallocate`` replays the case's payments from that day
in value-date order (ties: the order they were recorded in):

* a payment whose allocation comes out the same is left alone;
* one whose allocation changes gets reversal rows (negative ``Allocation`` rows, keys ``…:x<n>``)
  and new rows (``…:y<n>``), all on its own value date, and one ledger transaction
  (``realloc:<payment key>:<n>``) that nets the ``reverse`` of its old booking with its new one
  — the builders of ``fordra.domain.ledger``, never hand-built postings; its overpayment, refund
  task and ``Payment.allocated_ore``/``overpaid_ore`` follow;
* a payment new in this transaction is allocated and booked once, per payment;
* when a payment leaves the case paid in full, every fee charged after its value date is one the
  payment would have prevented: it is reversed (``fordra.claims.corrections.fee_reverse``), the
  letters after that day are voided (``fordra.letters.voiding.letters_void_after``), and the case
  is closed as paid.

What cannot be replayed is refused, with nothing written (``ApplicationError``, the caller's
transaction rolls back): a changed allocation of money already remitted to the creditor
(``Allocation.settled_in``), or an overpayment smaller than what was already paid back.

The bulk path (``payments_record``) comes here only for a case that has an allocation or a fee
dated after the incoming payment's value date; everything newer takes the fast path.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db.models import Q

from fordra.claims.corrections import fee_reverse, fees_standing
from fordra.claims.models import CLOSED_STATES, Allocation, Case, CaseEvent, CaseState, Task
from fordra.claims.scheduling import case_check_on
from fordra.core.bulk import adapt
from fordra.core.errors import ApplicationError
from fordra.domain.allocation import allocate_payment
from fordra.domain.ledger import Transaction, reverse
from fordra.domain.money import format_amount
from fordra.ledger.services import ledger_post
from fordra.letters.voiding import letters_void_after
from fordra.payments.models import MONEY_IN_SOURCES, Payment, PaymentStatus
from fordra.reference.services import reference_rate_table

_ROUND = re.compile(r"[xy](\d+)")


@dataclass(frozen=True)
class NewPayment:
    """A payment recorded in this transaction, allocated for the first time by the replay.

    ``received``: its money-in was booked before (a payment from the unmatched queue), so only
    the allocation is booked now.
    """

    received: bool = False


@dataclass
class ReplayResult:
    changed: list[str] = field(default_factory=list)  # keys of payments re-allocated
    allocated: dict[str, tuple[int, int]] = field(default_factory=dict)  # key → (alloc, over)
    fees_reversed: int = 0
    closed_on: date | None = None  # the first value date the case was paid in full
    closed_now: bool = False  # the replay closed the case (it was open)


def replay_needed(*, state: str, latest: date | None, paid_on: date) -> bool:
    """Whether a payment on ``paid_on`` must take the slow path: the case (open, or closed as
    paid) has an allocation or a fee dated after it (``latest``)."""
    if state in CLOSED_STATES and state != CaseState.CLOSED_PAID:
        return False
    return latest is not None and paid_on < latest


def case_reallocate(
    *,
    case_id: int,
    since: date,
    cause: str,
    now: datetime,
    actor: str,
    new: Mapping[str, NewPayment] | None = None,
) -> ReplayResult:
    """Replay the case's payments dated ``since`` or later (see the module docstring).

    ``cause`` says why, in Swedish, on each event (``"bestridande mottaget 2026-03-01"``);
    ``new``: payments recorded in this transaction and not yet allocated. Call inside the
    caller's database transaction.
    """
    from fordra.payments.incoming import Incoming
    from fordra.payments.owing import _load_cases, _outstanding, _pricing_by_creditor

    data = _load_cases([case_id])[case_id]
    ctx = _Replay(
        case_id=case_id, data=data, cause=cause, actor=actor, now=now, new=dict(new or {}),
        keeps=_pricing_by_creditor([data.creditor_id])[data.creditor_id],
    )
    rates = reference_rate_table()
    payments = list(
        Payment.objects.filter(case_id=case_id, status=PaymentStatus.MATCHED, amount_ore__gt=0)
        .filter(Q(paid_on__gte=since) | Q(key__in=list(ctx.new)))
        .order_by("paid_on", "id")
    )
    rows_of, data.allocations = _rows_replayed(case_id, {f"payment:{p.key}" for p in payments})
    result = ReplayResult()
    for p in payments:
        item = Incoming(key=p.key, source=p.source, amount_ore=p.amount_ore, paid_on=p.paid_on,
                        reference=p.reference, case_id=case_id)
        rows = rows_of.get(f"payment:{p.key}", [])
        old = _net(rows)
        claims, balance_ore = _outstanding(data, as_of=p.paid_on, rates=rates)
        allocation = allocate_payment(amount_ore=p.amount_ore, claims=claims)
        lines = {(int(x.key), x.component): x.amount_ore for x in allocation.lines}
        over = allocation.overpayment_ore
        data.allocations.extend(_alloc(i, c, a, p.paid_on) for (i, c), a in lines.items())
        if p.key in ctx.new:
            _book_first(ctx, p, item, lines=lines, over=over)
        elif old != lines:
            _book_again(ctx, p, item, rows=rows, old=old, lines=lines, over=over)
            result.changed.append(p.key)
        if p.key in ctx.new or old != lines:
            Payment.objects.filter(pk=p.pk).update(
                allocated_ore=p.amount_ore - over, overpaid_ore=over
            )
            _refund_task(case_id, p, over=over, now=now)
            result.allocated[p.key] = (p.amount_ore - over, over)
        if balance_ore - allocation.allocated_ore <= 0 and result.closed_on is None:
            result.closed_on = p.paid_on
            result.fees_reversed += _prevented(
                data, case_id=case_id, paid_on=p.paid_on, actor=actor, now=now
            )
    CaseEvent.objects.bulk_create(ctx.events)
    result.closed_now = _close_if_paid(case_id, result.closed_on, actor=actor, stamp=adapt(now))
    case_check_on(case_id=case_id)
    return result


def _rows_replayed(
    case_id: int, refs: set[str]
) -> tuple[dict[str, list[tuple[Any, ...]]], list[Any]]:
    """The case's allocation rows of the payments replayed (``refs``), per payment, and the
    allocations of earlier payments, which stay as they are."""
    rows_of: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    fixed = []
    for row in Allocation.objects.filter(case_id=case_id).values_list(
        "invoice_id", "component", "amount_ore", "date", "payment_ref", "settled_in", "key"
    ):
        if row[4] in refs:
            rows_of[row[4]].append(row)
        else:  # an earlier payment's: stays as it is
            fixed.append(_alloc(row[0], row[1], row[2], row[3]))
    return rows_of, fixed

@dataclass
class _Replay:
    """What every payment of one replay is booked with."""

    case_id: int
    data: Any  # payments.owing._CaseData
    cause: str
    actor: str
    now: datetime
    new: dict[str, NewPayment]
    keeps: tuple[bool, bool]
    events: list[CaseEvent] = field(default_factory=list)


def _book_first(
    ctx: _Replay, p: Payment, item: Any, *, lines: dict[tuple[int, str], int], over: int
) -> None:
    """A payment new in this transaction: its rows, its own ledger transaction, its event."""
    from fordra.payments.booking import _booking, _money_in, _payment_text

    money_in = p.source in MONEY_IN_SOURCES
    parts = _parts(lines)
    Allocation.objects.bulk_create(
        _rows(ctx.case_id, p, lines, sign=1, suffix="", money_in=money_in)
    )
    txs = _booking(item, ctx.data, parts=parts, overpaid=over, money_in=money_in, keeps=ctx.keeps)
    received = ctx.new[p.key].received
    if money_in and not received:
        txs.insert(0, _money_in(item))
    _post(key=f"{'match' if received else 'pay'}:{p.key}", day=p.paid_on, kind="payment",
          memo=f"Betalning {p.key} till ärende {ctx.case_id}", txs=txs, now=ctx.now)
    ctx.events.append(CaseEvent(case_id=ctx.case_id, date=p.paid_on, kind="payment",
                                detail=_payment_text(item, parts, over), actor=ctx.actor))


def _book_again(
    ctx: _Replay, p: Payment, item: Any, *, rows: Sequence[tuple[Any, ...]],
    old: dict[tuple[int, str], int], lines: dict[tuple[int, str], int], over: int,
) -> None:
    """A payment whose allocation changed: refused if remitted or refunded beyond the new
    overpayment; else reversal rows and new rows, and the reverse of its old booking netted
    with the new one."""
    from fordra.payments.booking import _booking, _payment_text

    _refuse_if_settled(p, rows)
    if p.refunded_ore > over:
        raise ApplicationError(
            f"payment {p.key} of {p.paid_on}: {format_amount(p.refunded_ore)} of it was "
            f"already paid back; re-allocating it in value-date order would leave only "
            f"{format_amount(over)} over",
            code="refunded",
        )
    money_in = p.source in MONEY_IN_SOURCES
    parts = _parts(lines)
    n = _next_round(rows)
    Allocation.objects.bulk_create(
        [*_rows(ctx.case_id, p, old, sign=-1, suffix=f"x{n}", money_in=money_in),
         *_rows(ctx.case_id, p, lines, sign=1, suffix=f"y{n}", money_in=money_in)]
    )
    before = _booking(item, ctx.data, parts=_parts(old), overpaid=p.overpaid_ore,
                      money_in=money_in, keeps=ctx.keeps)
    after = _booking(item, ctx.data, parts=parts, overpaid=over, money_in=money_in,
                     keeps=ctx.keeps)
    _post(key=f"realloc:{p.key}:{n}", day=p.paid_on, kind="payment_reallocated",
          memo=f"Omfördelning av betalning {p.key}: {ctx.cause}",
          txs=[*(reverse(t, key=t.key + ":reversed", day=p.paid_on) for t in before), *after],
          now=ctx.now)
    ctx.events.append(CaseEvent(
        case_id=ctx.case_id, date=p.paid_on, kind="payment_reallocated",
        detail=(f"Omfördelad i valutadagsordning ({ctx.cause}): "
                + _payment_text(item, parts, over))[:1000],
        actor=ctx.actor,
    ))


def _alloc(invoice_id: int, component: str, amount: int, day: date) -> Any:
    from fordra.payments.owing import _Alloc

    return _Alloc(invoice_id, component, amount, day)


def _net(rows: Sequence[tuple[Any, ...]]) -> dict[tuple[int, str], int]:
    out: dict[tuple[int, str], int] = defaultdict(int)
    for invoice_id, component, amount, *_ in rows:
        out[(invoice_id, component)] += amount
    return {k: v for k, v in out.items() if v}


def _parts(lines: Mapping[tuple[int, str], int]) -> dict[str, int]:
    parts = {"costs": 0, "interest": 0, "capital": 0}
    for (_, component), amount in lines.items():
        parts[component] += amount
    return parts


def _rows(
    case_id: int, p: Payment, lines: Mapping[tuple[int, str], int], *, sign: int, suffix: str,
    money_in: bool,
) -> list[Allocation]:
    tail = f":{suffix}" if suffix else ""
    return [
        Allocation(
            case_id=case_id, invoice_id=invoice_id, component=component,
            amount_ore=sign * amount, date=p.paid_on, payment_ref=f"payment:{p.key}",
            key=f"{p.key}:{invoice_id}:{component}{tail}", money_in=money_in,
        )
        for (invoice_id, component), amount in sorted(lines.items())
    ]


def _next_round(rows: Sequence[tuple[Any, ...]]) -> int:
    rounds = [int(m.group(1)) for r in rows if (m := _ROUND.fullmatch(str(r[6]).rsplit(":", 1)[-1]))]
    return max(rounds, default=0) + 1


def _refuse_if_settled(p: Payment, rows: Sequence[tuple[Any, ...]]) -> None:
    remitted = sorted({r[5] for r in rows if r[5]})
    if remitted:
        raise ApplicationError(
            f"payment {p.key} of {p.paid_on} was already remitted to the creditor "
            f"({', '.join(remitted)}); allocating in value-date order would change money "
            "already paid out — nothing was recorded",
            details=["correct it by hand with the creditor (a credit on the next remittance)"],
            code="remitted",
        )


def _post(*, key: str, day: date, kind: str, memo: str, txs: Sequence[Transaction],
          now: datetime) -> None:
    """The netted transaction of ``txs``, unless they net to nothing (a move between two
    invoices of one case: the ledger keeps one account per case and component)."""
    from fordra.payments.booking import _linked, _printable

    totals: dict[str, int] = defaultdict(int)
    for tx in txs:
        for posting in tx.postings:
            totals[posting.account] += posting.amount_ore
    if any(totals.values()):
        ledger_post([_linked(key=key[:200], day=day, kind=kind, memo=_printable(memo), txs=txs)],
                    now=now)


def _refund_task(case_id: int, p: Payment, *, over: int, now: datetime) -> None:
    key = f"task:refund:{p.key}"
    text = f"Återbetala överskott {format_amount(over)} till gäldenären"
    task = Task.objects.filter(key=key).first()
    if over > 0 and task is None:
        Task.objects.create(case_id=case_id, kind="refund", text=text, created_on=p.paid_on,
                            key=key)
    elif task is not None and p.refunded_on is None:
        # The amount to pay back changed with the allocation: the task says the new one.
        Task.objects.filter(pk=task.pk).update(
            text=text, done_at=None if over > 0 else now
        )


def _prevented(data: Any, *, case_id: int, paid_on: date, actor: str, now: datetime) -> int:
    """The case was paid in full on ``paid_on``: fees charged after it are reversed and the
    letters after it voided — the payment would have prevented them."""
    from fordra.payments.owing import _Fee

    reason = f"ärendet var betalt i sin helhet {paid_on.isoformat()}, före brevet"
    letters_void_after(case_id=case_id, after=paid_on, reason=reason, actor=actor)
    count = 0
    for fee in fees_standing(case_id=case_id, after=paid_on):
        if fee_reverse(fee=fee, reason=reason, creditor_id=data.creditor_id, actor=actor, now=now):
            data.fees.append(_Fee(fee.invoice_id, -fee.amount_ore, fee.date))
            count += 1
    return count


def _close_if_paid(case_id: int, day: date | None, *, actor: str, stamp: Any) -> bool:
    from fordra.core.bulk import insert_rows
    from fordra.payments.booking import EVENT_COLUMNS, _close_paid

    if day is None:
        return False
    state = Case.objects.filter(pk=case_id).values_list("state", flat=True).first()
    if state in CLOSED_STATES:
        return False
    events: list[tuple[Any, ...]] = []
    _close_paid({case_id: day}, actor=actor, stamp=stamp, events=events)
    insert_rows(CaseEvent, EVENT_COLUMNS, events)
    return True
