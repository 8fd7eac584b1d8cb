"""Letters that could not be sent, and the fees that stand for them (issue 11).

A fee stands for a letter that went out (lag (1981:739) 2 §, 3 §: a reminder or inkassokrav
fee needs its letter). A letter that failed to render or to reach its channel — an outbox that
cannot be written, a full disk, an SMTP server that refuses — is therefore either made again or
its fee is taken back; it is never sent later with its first, stale dates.

:func:`letters_failed_settle` runs at the start of each day's letters, for the letters that
failed on an earlier day:

- while the case is still being collected and fewer than ``LETTER_ATTEMPTS_MAX`` letters were
  tried for its step, a new letter is made for the same step, dated today, with the same time to
  pay from today (``domain.letters.retried_pay_by``: an inkassokrav keeps its 8 days / 4 bank
  days); the failed one is cancelled, the step's fee stays — it now stands for the new letter;
- otherwise the failed letter is withdrawn: cancelled, its fee reversed (a fee already paid is
  re-allocated) with the reason on the case, and a staff task opened;
- a letter the compliance check blocked is withdrawn the same way at once: as it stands it will
  never go out.

:func:`letters_failed` lists what failed, for the run's summary (``fordra run`` exits 3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Q

from fordra.claims.models import CLOSED_STATES, Case, CaseEvent, FeeRecord
from fordra.claims.tasks import task_open
from fordra.collection.models import CaseStep
from fordra.core.errors import ApplicationError
from fordra.domain.calendar import is_bank_day
from fordra.domain.ladder import INKASSOKRAV_LETTERS
from fordra.domain.letters import retried_pay_by
from fordra.letters.models import Letter, LetterStatus

LETTER_ATTEMPTS_MAX = 3  # the first letter and two made again
FAILURES_LISTED_MAX = 50
ACTOR = "system"
# How far back a run looks for a faulted letter a state change cancelled (see
# _cancelled_after_a_fault): runs go day by day, so the next run finds it.
CANCELLED_FAULT_WINDOW_DAYS = 31
# States in which the ladder no longer writes to the debtor: a letter made again would be wrong.
_STOPPED_STATES = ("disputed",)


@dataclass(frozen=True)
class LetterFailure:
    letter_id: int
    case_ref: str
    kind: str
    channel: str
    reason: str

    def as_json(self) -> dict[str, object]:
        return {"letter_id": self.letter_id, "case": self.case_ref, "kind": self.kind,
                "channel": self.channel, "reason": self.reason}


@dataclass
class SettleResult:
    retried: int = 0
    withdrawn: int = 0


def letters_failed(*, day: date) -> list[LetterFailure]:
    """The letters dated ``day`` or before that failed and are not yet settled."""
    letters = (
        Letter.objects.filter(status=LetterStatus.FAILED, letter_date__lte=day)
        .select_related("case").prefetch_related("deliveries").order_by("id")
    )
    return [
        LetterFailure(letter.id, letter.case.ref, letter.kind, letter.channel, _why(letter))
        for letter in letters
    ]


def letters_failed_settle(*, day: date, now: datetime) -> SettleResult:
    """Make again, or withdraw with its fee, every letter that failed before ``day``."""
    result = SettleResult()
    # A letter the compliance check stopped will not go out as it is: its fee is taken back at
    # once (the staff task from the check stays; a corrected letter is a new one).
    for letter in (
        Letter.objects.filter(status=LetterStatus.BLOCKED, letter_date__lt=day)
        .exclude(step="").order_by("id")
    ):
        problems = "; ".join(str(p) for p in (letter.problems or []))[:300]
        if _withdraw(letter, why=f"brevet ({letter.kind}) stoppades av kontrollen: {problems}",
                     day=day, now=now):
            result.withdrawn += 1
    failed = list(
        Letter.objects.filter(status=LetterStatus.FAILED, letter_date__lt=day)
        .select_related("case").order_by("id")
    )
    for letter in failed:
        case = letter.case
        attempts = Letter.objects.filter(
            case_id=case.id, key__startswith=_first_key(letter.key)
        ).count()
        collecting = case.state not in (*CLOSED_STATES, *_STOPPED_STATES) and not (
            case.paused_until is not None and case.paused_until >= day
        )
        if collecting and attempts < LETTER_ATTEMPTS_MAX:
            if is_bank_day(day):  # letters go out on bank days only (DOMAIN.md §4)
                _retry(letter, day=day, attempt=attempts, now=now)
                result.retried += 1
            continue
        why = (
            f"brevet ({letter.kind}) kunde inte skickas efter {attempts} försök: {_why(letter)}"
            if collecting
            else f"brevet ({letter.kind}) kunde inte skickas och ärendet drivs inte längre"
        )
        if _withdraw(letter, why=why, day=day, now=now):
            result.withdrawn += 1
    for letter in _cancelled_after_a_fault(day=day):
        why = f"brevet ({letter.kind}) kunde inte skickas och ärendet drivs inte längre"
        if _withdraw(letter, why=why, day=day, now=now):
            result.withdrawn += 1
    return result


def _cancelled_after_a_fault(*, day: date) -> list[Letter]:
    """Letters that failed or were blocked and were then cancelled by a state change (closed,
    stopped: ``letters.unsent.letters_cancel_unsent``) before going out, whose fee still
    stands — the fee is taken back as for a withdrawn letter (a fee stands for a letter that
    went out). A letter replaced by its retry is not one of them: the retry carries the fee.
    The window bounds the read; the run goes day by day, so it sees each such letter at once.
    """
    candidates = (
        Letter.objects.filter(
            status=LetterStatus.CANCELLED,
            letter_date__lt=day,
            letter_date__gte=day - timedelta(days=CANCELLED_FAULT_WINDOW_DAYS),
        )
        .exclude(step="")
        .filter(Q(deliveries__status="failed") | ~Q(problems=[]))
        .exclude(deliveries__status__in=["sent", "handed_over"])
        .distinct()
        .order_by("id")
    )
    found = []
    for letter in candidates:
        retried = Letter.objects.filter(
            case_id=letter.case_id, key__startswith=f"{_first_key(letter.key)}:r", id__gt=letter.id
        ).exists()
        if not retried and _fees_of(letter, charged_on=_charged_on(letter)):
            found.append(letter)
    return found


def _charged_on(letter: Letter) -> date:
    """The day the letter's fee was charged: its first attempt's date (retries keep the fee)."""
    first = Letter.objects.filter(key=_first_key(letter.key)).values_list("letter_date", flat=True)
    return first[0] if first else letter.letter_date


def _fees_of(letter: Letter, *, charged_on: date) -> list[FeeRecord]:
    """The fees still standing that the letter's step charged on ``charged_on``."""
    from fordra.claims.corrections import fees_standing

    if not letter.step:
        return []
    return [
        f for f in fees_standing(
            case_id=letter.case_id, after=charged_on - timedelta(days=1), steps=[letter.step]
        )
        if f.date == charged_on
    ]


def _first_key(key: str) -> str:
    """The key of the first letter of a line of attempts (``<key>:r<n>`` are made again)."""
    return re.sub(r"(:r\d+)+$", "", key)


def _why(letter: Letter) -> str:
    failures = [d.detail for d in letter.deliveries.all() if d.status == "failed" and d.detail]
    problems = [str(p) for p in (letter.problems or [])]
    return "; ".join([*problems, *failures])[:300] or "okänt fel"


def _retry(letter: Letter, *, day: date, attempt: int, now: datetime) -> None:
    pay_by = (
        retried_pay_by(
            first_sent=letter.letter_date, first_pay_by=letter.pay_by, retry_on=day,
            demand=letter.kind in INKASSOKRAV_LETTERS,
        )
        if letter.pay_by is not None
        else None
    )
    with transaction.atomic():
        updated = Letter.objects.filter(pk=letter.pk, status=LetterStatus.FAILED).update(
            status=LetterStatus.CANCELLED
        )
        if not updated:
            return  # settled by someone else meanwhile
        Letter.objects.create(
            case_id=letter.case_id, kind=letter.kind, text=letter.text, step=letter.step,
            letter_date=day, pay_by=pay_by, channels=letter.channels, extra=letter.extra,
            status=LetterStatus.PENDING, key=f"{_first_key(letter.key)}:r{attempt}"[:120],
        )
        # The ladder's next step counts from the pay-by date the debtor actually got.
        CaseStep.objects.filter(case_id=letter.case_id, step=letter.step).update(pay_by=pay_by)
        CaseEvent.objects.create(
            case_id=letter.case_id, date=day, kind="letter_retried", actor=ACTOR,
            detail=(
                f"Brevet ({letter.kind}) daterat {letter.letter_date.isoformat()} kunde inte "
                f"skickas ({_why(letter)}); ett nytt brev dateras {day.isoformat()}"
                + (f" med sista betalningsdag {pay_by.isoformat()}" if pay_by else "")
            )[:1000],
        )


def _withdraw(letter: Letter, *, why: str, day: date, now: datetime) -> bool:
    """Cancel the failed letter and reverse its step's fee (charged on the first attempt's
    day), re-allocating payments that had paid it; a task tells staff."""
    from fordra.claims.corrections import fee_reverse
    from fordra.letters.voiding import letters_void_after
    from fordra.payments.reallocation import case_reallocate

    case = Case.objects.get(pk=letter.case_id)
    charged_on = _charged_on(letter)
    try:
        with transaction.atomic():
            letters_void_after(
                case_id=case.id, after=letter.letter_date - timedelta(days=1),
                through=letter.letter_date, reason=why, actor=ACTOR, unsent_only=True,
            )
            fees = _fees_of(letter, charged_on=charged_on)
            for fee in fees:
                fee_reverse(fee=fee, reason=why, creditor_id=case.creditor_id, actor=ACTOR, now=now)
            if fees:
                case_reallocate(case_id=case.id, since=charged_on, cause=why, now=now, actor=ACTOR)
            task_open(
                case=case, cause=f"letter_failed:{letter.id}", kind="letter_failed",
                text=f"Brev kunde inte skickas, avgiften är återförd: {why}", on=day,
            )
    except ApplicationError as exc:
        # The fee was paid and the money already remitted: a person decides.
        task_open(
            case=case, cause=f"letter_failed:{letter.id}", kind="letter_failed",
            text=f"Brev kunde inte skickas och avgiften kan inte återföras: {exc.message}",
            on=day,
        )
        return False
    return True
