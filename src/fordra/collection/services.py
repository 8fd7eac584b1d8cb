"""Case guards set by people (the claims app holds the fields, the engine obeys them): pause, resume, dispute (bestridande). Each writes its event.

Every change is one transaction that records who did it (``actor``: the staff user, or
``cli:<os user>``) on the case timeline — the audit trail for staff actions.
"""

from __future__ import annotations

from datetime import date

from django.db import transaction

from fordra.claims.models import CLOSED_STATES, Case, CaseEvent, CaseState
from fordra.core.errors import ApplicationError
from fordra.letters.models import Letter, LetterStatus

REASON_CHARS_MAX = 300
PAUSE_DAYS_MAX = 366


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError("a reason is required")
    if len(reason) > REASON_CHARS_MAX:
        raise ApplicationError(f"the reason is longer than {REASON_CHARS_MAX} characters")
    return reason


def _open(case: Case) -> None:
    if case.state in CLOSED_STATES:
        raise ApplicationError(f"case {case.ref} is closed ({case.state})")


def case_pause(*, case: Case, until: date, reason: str, actor: str, today: date) -> Case:
    """Pause all collection steps through ``until`` (inclusive); the run resumes the day after."""
    reason = _reason(reason)
    _open(case)
    if until < today:
        raise ApplicationError(f"--until {until} is in the past")
    if (until - today).days > PAUSE_DAYS_MAX:
        raise ApplicationError(f"a pause may last at most {PAUSE_DAYS_MAX} days")
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            paused_until=until, pause_reason=reason, next_check_on=None
        )
        CaseEvent.objects.create(
            case=case, date=today, kind="paused", detail=f"Pausat t.o.m. {until}: {reason}",
            actor=actor,
        )
    case.refresh_from_db()
    return case


def case_resume(*, case: Case, actor: str, today: date) -> Case:
    _open(case)
    if case.paused_until is None:
        raise ApplicationError(f"case {case.ref} is not paused")
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            paused_until=None, pause_reason="", next_check_on=None
        )
        CaseEvent.objects.create(
            case=case, date=today, kind="resumed", detail="Pausen hävdes", actor=actor
        )
    case.refresh_from_db()
    return case


def case_dispute(*, case: Case, reason: str, actor: str, today: date) -> Case:
    """Register the debtor's objection: every collection step stops at once (inkassolagen 4 §)."""
    reason = _reason(reason)
    _open(case)
    if case.state == CaseState.DISPUTED:
        raise ApplicationError(f"case {case.ref} is already disputed")
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.DISPUTED, dispute_reason=reason, next_check_on=None
        )
        CaseEvent.objects.create(
            case=case, date=today, kind="disputed", detail=f"Bestridande: {reason}", actor=actor
        )
        # Letters not yet handed to a channel are stopped with the case.
        Letter.objects.filter(
            case=case, status__in=[LetterStatus.PENDING, LetterStatus.RENDERED]
        ).update(status=LetterStatus.CANCELLED)
    case.refresh_from_db()
    return case
