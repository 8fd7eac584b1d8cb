"""Applying a payment to a case: allocate it, record it, close the case when it is paid.

Allocation follows ``fordra.domain.allocation`` (oldest claim first; costs → interest →
capital) on the balance as of the payment day, interest accrued up to and including that day.
A payment that settles everything closes the case as ``closed_paid`` and stops every letter not
yet handed to a channel; what is left over is an overpayment owed back to the debtor (a staff
task). Idempotent by ``key``: the same payment twice is applied once; the same key with other
content is an error naming what differs.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from fordra.claims.models import CLOSED_STATES, Allocation, Case, CaseEvent, CaseState, Task
from fordra.claims.selectors import case_balance_of
from fordra.core.errors import ApplicationError
from fordra.domain.allocation import ClaimBalance, allocate_payment
from fordra.domain.money import format_amount
from fordra.letters.models import Letter, LetterStatus
from fordra.payments.models import Payment

PAYMENT_ORE_MAX = 100_000_000_00  # a limit on everything: 100 million kronor


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
    if amount_ore <= 0:
        raise ApplicationError("a payment must be more than 0 kr")
    if amount_ore > PAYMENT_ORE_MAX:
        raise ApplicationError(f"a payment over {format_amount(PAYMENT_ORE_MAX)} needs a review")
    with transaction.atomic():
        existing = Payment.objects.filter(key=key).first()
        if existing is not None:
            differences = [
                f"{name}: recorded {old}, given {new}"
                for name, old, new in (
                    ("case", existing.case_id, case.id),
                    ("amount_ore", existing.amount_ore, amount_ore),
                    ("paid_on", existing.paid_on, paid_on),
                )
                if old != new
            ]
            if differences:
                raise ApplicationError(
                    f"payment {key} was already recorded with other content",
                    details=differences,
                    code="conflict",
                )
            return existing

        case = Case.objects.select_for_update().get(pk=case.pk)
        balance = case_balance_of(case, as_of=paid_on)
        if case.state in CLOSED_STATES:
            claims: list[ClaimBalance] = []
        else:
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
        allocation = allocate_payment(amount_ore=amount_ore, claims=claims)
        payment = Payment.objects.create(
            source=source,
            case=case,
            amount_ore=amount_ore,
            paid_on=paid_on,
            reference=reference[:140],
            allocated_ore=allocation.allocated_ore,
            overpaid_ore=allocation.overpayment_ore,
            key=key,
            actor=actor,
        )
        Allocation.objects.bulk_create(
            Allocation(
                case=case,
                invoice_id=int(line.key),
                component=line.component,
                amount_ore=line.amount_ore,
                date=paid_on,
                payment_ref=f"payment:{payment.id}",
                key=f"{key}:{line.key}:{line.component}",
            )
            for line in allocation.lines
        )
        parts = {"costs": 0, "interest": 0, "capital": 0}
        for line in allocation.lines:
            parts[line.component] += line.amount_ore
        CaseEvent.objects.create(
            case=case,
            date=paid_on,
            kind="payment",
            detail=(
                f"Betalning {format_amount(amount_ore)}: kostnader {format_amount(parts['costs'])}, "
                f"ränta {format_amount(parts['interest'])}, kapital {format_amount(parts['capital'])}"
                + (
                    f", överskott {format_amount(allocation.overpayment_ore)}"
                    if allocation.overpayment_ore
                    else ""
                )
            ),
            actor=actor,
        )
        if allocation.overpayment_ore:
            Task.objects.create(
                case=case,
                kind="refund",
                text=f"Återbetala överskott {format_amount(allocation.overpayment_ore)} till gäldenären",
                created_on=paid_on,
                key=f"task:refund:{key}",
            )
        Case.objects.filter(pk=case.pk).update(next_check_on=None)  # the run looks again
        remaining = balance.balance_ore - allocation.allocated_ore
        if case.state not in CLOSED_STATES and remaining <= 0:
            Case.objects.filter(pk=case.pk).update(
                state=CaseState.CLOSED_PAID, closed_on=paid_on, close_reason="Betalt i sin helhet"
            )
            stopped = Letter.objects.filter(
                case=case, status__in=[LetterStatus.PENDING, LetterStatus.RENDERED]
            ).update(status=LetterStatus.CANCELLED)
            CaseEvent.objects.create(
                case=case,
                date=paid_on,
                kind="closed_paid",
                detail="Ärendet är betalt och avslutat"
                + (f"; {stopped} brev stoppades" if stopped else ""),
                actor=actor,
            )
    return payment
