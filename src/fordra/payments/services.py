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
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction

from fordra.claims.models import CLOSED_STATES, Allocation, Case, CaseEvent, CaseState, Task
from fordra.claims.selectors import case_balance
from fordra.core.bulk import adapt, as_date, date_adapter, gc_paused, insert_rows, query_in
from fordra.core.errors import ApplicationError
from fordra.domain.allocation import ClaimBalance, allocate_payment
from fordra.domain.ledger import (
    Posting,
    Transaction,
    tx_interest_accrued,
    tx_paid_to_creditor,
    tx_payment,
    tx_payment_allocated,
    tx_payment_received,
    tx_refund_paid,
)
from fordra.domain.money import format_amount
from fordra.domain.settlement import Pricing, PricingModel
from fordra.ledger.services import ledger_post
from fordra.letters.models import LetterStatus
from fordra.payments.models import MONEY_IN_SOURCES, Payment, PaymentStatus
from fordra.reference.services import reference_rate_table

PAYMENT_ORE_MAX = 100_000_000_00  # a limit on everything: 100 million kronor per payment


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


@dataclass(frozen=True)
class Incoming:
    """A payment to record. ``case_id`` None: unmatched (to the queue, never dropped)."""

    key: str
    source: str
    amount_ore: int
    paid_on: date
    reference: str = ""
    payer_name: str = ""
    case_id: int | None = None
    suggestions: tuple[dict[str, str], ...] = ()


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


# Lightweight rows with the attribute names case_balance reads (no ORM objects on the hot path).
@dataclass(frozen=True)
class _Inv:
    id: int
    invoice_number: str
    kind: str
    due_date: date
    amount_ore: int
    interest_rate: Any


@dataclass(frozen=True)
class _Fee:
    invoice_id: int
    amount_ore: int
    date: date


@dataclass(frozen=True)
class _Alloc:
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


def _load_cases(case_ids: Sequence[int]) -> dict[int, _CaseData]:
    cases = {
        cid: _CaseData(cid, state, creditor_id)
        for cid, state, creditor_id in query_in(
            "SELECT id, state, creditor_id FROM claims_case WHERE id IN ({in})", values=case_ids
        )
    }
    for cid, iid, number, kind, due, amount, rate in query_in(
        "SELECT case_id, id, invoice_number, kind, CAST(due_date AS TEXT), amount_ore, "
        "interest_rate FROM claims_invoice WHERE case_id IN ({in})",
        values=case_ids,
    ):
        cases[cid].invoices.append(_Inv(iid, number, kind, as_date(due), amount, rate))
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
) -> RecordResult:
    result = RecordResult()
    for item in items:
        if abs(item.amount_ore) > PAYMENT_ORE_MAX or item.amount_ore == 0:
            raise ApplicationError(
                f"payment {item.key}: amount {format_amount(item.amount_ore)} is not plausible"
            )
    with gc_paused(), transaction.atomic():
        items = _new_only(items, result)
        if not items:
            return result
        matched = [i for i in items if i.case_id is not None and i.amount_ore > 0]
        cases = _load_cases(sorted({i.case_id for i in matched if i.case_id is not None}))
        keeps = _pricing_by_creditor(sorted({c.creditor_id for c in cases.values()}))
        rates = reference_rate_table()
        payment_rows, alloc_rows, event_rows, task_rows = [], [], [], []
        txs: list[Transaction] = []
        stamp = adapt(now)
        adapt_date = _DateMemo()
        closing: dict[int, date] = {}
        for item in sorted(items, key=lambda i: (i.case_id or 0, i.paid_on, i.key)):
            money_in = item.source in MONEY_IN_SOURCES
            status = PaymentStatus.MATCHED
            allocated = overpaid = 0
            if item.case_id is None or item.amount_ore < 0:
                status = PaymentStatus.DEDUCTION if item.amount_ore < 0 else PaymentStatus.UNMATCHED
                if money_in:
                    txs.append(_money_in(item))
                result.unmatched += 1
            else:
                data = cases[item.case_id]
                allocated, overpaid, parts, lines, remaining = _allocate(data, item, rates=rates)
                for invoice_id, component, amount in lines:
                    alloc_rows.append(
                        (item.case_id, invoice_id, component, amount, adapt_date(item.paid_on),
                         f"payment:{item.key}", f"{item.key}:{invoice_id}:{component}", stamp,
                         money_in)
                    )
                    data.allocations.append(_Alloc(invoice_id, component, amount, item.paid_on))
                if money_in:
                    # Money in, interest recognised and allocation are one linked transaction:
                    # they stand or fall together (fordra.domain.ledger.tx_payment).
                    keeps_interest, keeps_fees = keeps[data.creditor_id]
                    txs.append(
                        tx_payment(
                            key=f"payment:{item.key}", day=item.paid_on,
                            case_id=str(data.case_id), creditor_id=str(data.creditor_id),
                            capital_ore=parts["capital"], interest_ore=parts["interest"],
                            costs_ore=parts["costs"], overpaid_ore=overpaid,
                            agency_keeps_interest=keeps_interest, agency_keeps_fees=keeps_fees,
                            memo=_payment_memo(item, data.case_id, parts, overpaid),
                        )
                    )
                else:
                    txs.extend(
                        _booking(item, data, parts=parts, overpaid=overpaid, money_in=False,
                                 keeps=keeps[data.creditor_id])
                    )
                event_rows.append(
                    (item.case_id, adapt_date(item.paid_on), "payment", _payment_text(item, parts, overpaid),
                     actor, stamp)
                )
                if overpaid:
                    task_rows.append(
                        (item.case_id, "refund",
                         f"Återbetala överskott {format_amount(overpaid)} till gäldenären",
                         adapt_date(item.paid_on), f"task:refund:{item.key}", stamp)
                    )
                if data.state not in CLOSED_STATES and remaining <= 0:
                    data.state = CaseState.CLOSED_PAID
                    closing[data.case_id] = item.paid_on
                result.matched += 1
            result.payments += 1
            result.amount_ore += item.amount_ore
            result.allocated_ore += allocated
            result.overpaid_ore += overpaid
            payment_rows.append(
                (item.source, status, item.case_id, file_id, item.amount_ore, adapt_date(item.paid_on),
                 item.reference[:140], item.payer_name[:140], _json(item.suggestions),
                 allocated, overpaid, item.key, actor, stamp)
            )
        insert_rows(
            Payment,
            ["source", "status", "case_id", "file_id", "amount_ore", "paid_on", "reference",
             "payer_name", "suggestions", "allocated_ore", "overpaid_ore", "key", "actor",
             "created_at"],
            payment_rows,
        )
        insert_rows(
            Allocation,
            ["case_id", "invoice_id", "component", "amount_ore", "date", "payment_ref", "key",
             "created_at", "money_in"],
            alloc_rows,
        )
        _close_paid(closing, actor=actor, stamp=stamp, events=event_rows)
        insert_rows(CaseEvent, ["case_id", "date", "kind", "detail", "actor", "created_at"], event_rows)
        insert_rows(Task, ["case_id", "kind", "text", "created_on", "key", "created_at"], task_rows)
        with connection.cursor() as cursor:  # the next daily run looks at these cases again
            cursor.executemany(
                "UPDATE claims_case SET next_check_on = NULL WHERE id = %s",
                [(case_id,) for case_id in sorted(cases)],
            )
        # The keys derive from payment keys that were new in this same transaction.
        ledger_post(txs, now=now, assume_new=True)
        result.closed = sorted(closing)
    return result


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
    balance = case_balance(
        invoices=data.invoices,  # type: ignore[arg-type]
        as_of=item.paid_on,
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
    allocation = allocate_payment(amount_ore=item.amount_ore, claims=claims)
    parts = {"costs": 0, "interest": 0, "capital": 0}
    lines = []
    for line in allocation.lines:
        parts[line.component] += line.amount_ore
        lines.append((int(line.key), line.component, line.amount_ore))
    remaining = balance.balance_ore - allocation.allocated_ore
    return allocation.allocated_ore, allocation.overpayment_ore, parts, lines, remaining


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
            marks = ", ".join(["%s"] * len(part))
            with connection.cursor() as cursor:
                # Letters not yet handed to a channel are stopped: the debt is paid.
                cursor.execute(
                    f"UPDATE letters_letter SET status = %s WHERE status IN (%s, %s) "
                    f"AND case_id IN ({marks})",
                    [LetterStatus.CANCELLED, LetterStatus.PENDING, LetterStatus.RENDERED, *part],
                )
        events.extend(
            (cid, adapt(day), "closed_paid", "Ärendet är betalt och avslutat", actor, stamp)
            for cid in ids
        )


def _printable(text: str) -> str:
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _payment_text(item: Incoming, parts: dict[str, int], overpaid: int) -> str:
    text = (
        f"Betalning {format_amount(item.amount_ore)}: kostnader {format_amount(parts['costs'])}, "
        f"ränta {format_amount(parts['interest'])}, kapital {format_amount(parts['capital'])}"
    )
    if overpaid:
        text += f", överskott {format_amount(overpaid)}"
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
    return payment


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
        data = _load_cases([case.id])[case.id]
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
        Case.objects.filter(pk=case.pk).update(next_check_on=None)
        booked = _booking(item, data, parts=parts, overpaid=overpaid,
                          money_in=payment.source in MONEY_IN_SOURCES, keeps=keeps)
        if booked:
            ledger_post(
                [_linked(key=f"match:{item.key}", day=item.paid_on, kind="payment_matched",
                         memo=_payment_memo(item, case.id, parts, overpaid), txs=booked)],
                now=now,
            )
    payment.refresh_from_db()
    return payment


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
