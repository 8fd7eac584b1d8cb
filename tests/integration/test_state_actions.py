"""Issue 12: the one action per state change — cancel unsent letters, schedule the next check."""

from __future__ import annotations

from datetime import date

import pytest

from fordra.claims.models import Case
from fordra.claims.scheduling import case_check_on, cases_check_on, cases_check_on_each
from fordra.collection.services import case_to_partner, debtor_mark
from fordra.letters.models import Letter, LetterStatus
from fordra.letters.unsent import letters_cancel_unsent
from tests.conftest import PNR_A, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db

DAY = date(2026, 6, 15)


def a_case() -> Case:
    import_bytes(claims_csv(claim_line("F-1", due_date="2026-06-12", invoice_date="2026-05-13")))
    return Case.objects.get(debtor__national_id=PNR_A)


def letter(case: Case, status: str, *, kind: str = "reminder") -> Letter:
    return Letter.objects.create(
        case=case, kind=kind, text=kind, step=f"{kind}_{status}", letter_date=DAY,
        channels=["print"], status=status, key=f"test:{case.id}:{kind}:{status}",
    )


def statuses(case: Case) -> dict[str, str]:
    return {x.step: x.status for x in Letter.objects.filter(case=case)}


def test_cancelling_unsent_letters_takes_failed_and_blocked_too_but_never_one_that_went_out(
    creditor,
):
    case = a_case()
    for status in LetterStatus.values:
        letter(case, status)

    cancelled = letters_cancel_unsent(case_ids=[case.id])

    assert cancelled == 4
    assert statuses(case) == {
        "reminder_pending": "cancelled",
        "reminder_rendered": "cancelled",
        "reminder_blocked": "cancelled",
        "reminder_failed": "cancelled",
        "reminder_handed_over": "handed_over",
        "reminder_sent": "sent",
        "reminder_cancelled": "cancelled",
        "reminder_void": "void",
    }
    assert letters_cancel_unsent(case_ids=[case.id]) == 0  # idempotent


def test_cancelling_unsent_letters_keeps_the_kinds_excepted(creditor):
    case = a_case()
    letter(case, LetterStatus.PENDING, kind="dispute")
    letter(case, LetterStatus.PENDING)

    assert letters_cancel_unsent(case_ids=[case.id], except_kinds=("dispute",)) == 1
    assert statuses(case) == {"dispute_pending": "pending", "reminder_pending": "cancelled"}


def test_a_case_handed_to_a_partner_cancels_its_failed_letter_instead_of_retrying_it(creditor):
    # Changed (issue 12): before, only pending and rendered letters were cancelled, and a failed
    # letter was made again by the next run for a case Fordra no longer collects.
    case = a_case()
    letter(case, LetterStatus.FAILED)
    letter(case, LetterStatus.BLOCKED)

    case_to_partner(case=case, partner="Nordic Partner Oy", actor="staff", today=DAY)

    assert statuses(case) == {"reminder_failed": "cancelled", "reminder_blocked": "cancelled"}


def test_marking_a_debtor_deceased_cancels_failed_letters_but_not_an_answer_to_a_dispute(creditor):
    # Changed (issue 12): a failed or blocked letter is not yet sent, so it is cancelled too.
    case = a_case()
    letter(case, LetterStatus.FAILED)
    letter(case, LetterStatus.FAILED, kind="dispute")

    debtor_mark(national_id=PNR_A, marks={"deceased": True}, actor="staff", today=DAY)

    assert statuses(case) == {"reminder_failed": "cancelled", "dispute_failed": "failed"}


def test_scheduling_a_check_sets_or_clears_the_next_look(creditor):
    case = a_case()
    assert cases_check_on(case_ids=[case.id], on=date(2026, 7, 1)) == 1
    assert Case.objects.get(pk=case.pk).next_check_on == date(2026, 7, 1)

    assert case_check_on(case_id=case.id) == 1
    assert Case.objects.get(pk=case.pk).next_check_on is None
    assert case_check_on(case_id=case.id) == 0  # already waiting for the next run

    cases_check_on_each([(date(2026, 8, 3), case.id)])
    assert Case.objects.get(pk=case.pk).next_check_on == date(2026, 8, 3)


def test_state_changes_ask_the_next_run_to_look_at_the_case(creditor):
    case = a_case()
    cases_check_on(case_ids=[case.id], on=date(2026, 9, 1))

    case_to_partner(case=case, partner="Nordic Partner Oy", actor="staff", today=DAY)

    assert Case.objects.get(pk=case.pk).next_check_on is None
