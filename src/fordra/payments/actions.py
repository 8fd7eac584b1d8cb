"""Staff actions on payments: one payment typed in, an unmatched payment matched to a case, a
refund recorded, a task on a payment file closed. Each is one transaction and books through the
same code as a bank file."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db import transaction

from fordra.claims.limitation import limitation_follow
from fordra.claims.models import Case, CaseEvent, Task
from fordra.core.bulk import adapt, insert_rows
from fordra.core.errors import ApplicationError
from fordra.domain.ledger import tx_refund_paid, tx_unapplied_refunded
from fordra.domain.money import format_amount
from fordra.ledger.services import ledger_post, ledger_prepare
from fordra.payments.booking import (
    EVENT_COLUMNS,
    _Booked,
    _close_paid,
    _Context,
    _DateMemo,
    _printable,
    book_matched,
)
from fordra.payments.engine import _cases_to_replay, booked_write, payments_record
from fordra.payments.incoming import BOOKED_CURRENCY, Incoming
from fordra.payments.models import MONEY_IN_SOURCES, FileTask, Payment, PaymentStatus
from fordra.payments.owing import _CaseData, _load_cases, _pricing_by_creditor
from fordra.reference.services import reference_rate_table


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
        item = Incoming(
            key=payment.key, source=payment.source, amount_ore=payment.amount_ore,
            paid_on=payment.paid_on, reference=payment.reference, case_id=case.id,
        )
        if _cases_to_replay([item], {case.id: data}):
            _match_replayed(payment, case=case, now=now, actor=actor)
        else:
            _match_booked(payment, item, data, now=now, actor=actor)
    # A payment is an acknowledgement of the debt (preskriptionslagen 5 § 1), however it was
    # booked: a back-dated one replayed in value-date order too.
    limitation_follow(case_ids=[case.id], day=payment.paid_on, now=now)
    payment.refresh_from_db()
    return payment


def _match_booked(
    payment: Payment, item: Incoming, data: _CaseData, *, now: datetime, actor: str
) -> None:
    """Book the payment on its case as a bank file's payment is booked (``book_matched``, a
    batch of one); its money in was booked to ``unapplied`` when it arrived."""
    ctx = _Context(
        keeps=_pricing_by_creditor([data.creditor_id]),
        rates=reference_rate_table(),
        actor=actor,
        stamp=adapt(now),
        file_id=None,
        day_of=_DateMemo(),
    )
    out = _Booked()
    (booked,), _ = book_matched(
        [item], {data.case_id: data}, ctx, out, received=True,
        note=f" (matchad manuellt av {actor})",
    )
    out.prepared = [ledger_prepare(tx) for tx in booked.transactions]
    booked_write(out, now=now, assume_new=False)
    Payment.objects.filter(pk=payment.pk).update(
        status=PaymentStatus.MATCHED, case_id=data.case_id, allocated_ore=booked.allocated_ore,
        overpaid_ore=booked.overpaid_ore, actor=actor,
    )
    events: list[tuple[Any, ...]] = []
    _close_paid(out.closing, actor=actor, stamp=ctx.stamp, events=events)
    insert_rows(CaseEvent, EVENT_COLUMNS, events)


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
            tx = tx_unapplied_refunded(
                key=f"refund:{payment.key}", day=day, amount_ore=amount,
                memo=_printable(f"Återbetalning av ej matchad betalning {payment.reference}"),
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


def file_task_done(*, task_id: int, now: datetime, actor: str) -> FileTask:
    """Staff close a task on a payment file (e.g. a record of unknown type, looked into)."""
    task = FileTask.objects.filter(pk=task_id).first()
    if task is None:
        raise ApplicationError(f"no file task with id {task_id}")
    if task.done_at is None:
        FileTask.objects.filter(pk=task.pk, done_at__isnull=True).update(done_at=now)
        task.refresh_from_db()
    return task
