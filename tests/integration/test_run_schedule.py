"""Re-evaluation is scheduled, not polled: the scheduled run does exactly what a full scan does."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.claims.models import Case, CaseEvent, FeeRecord, Task
from fordra.collection.models import CaseStep, DailyRun
from fordra.collection.run import NEXT_CHECK_DAYS_MAX, daily_run
from fordra.letters.models import Letter
from fordra.simulation.run import simulate_portfolio_load
from tests.conftest import claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def _outcome() -> list[tuple]:
    return sorted(
        CaseStep.objects.values_list("case__number", "step", "done_on", "pay_by")
    ) + sorted(FeeRecord.objects.values_list("case__number", "kind", "amount_ore", "date"))


def _forget_the_run() -> None:
    from fordra.kfm.models import BankruptcyWarning, KfmApplication, KfmOutcome, KfmProposal

    KfmOutcome.objects.all().delete()
    KfmApplication.objects.all().delete()
    KfmProposal.objects.all().delete()
    BankruptcyWarning.objects.all().delete()
    Letter.objects.all().delete()
    CaseStep.objects.all().delete()
    FeeRecord.objects.all().delete()
    Task.objects.all().delete()
    CaseEvent.objects.exclude(kind__in=["case_opened", "invoices_added"]).delete()
    DailyRun.objects.all().delete()
    Case.objects.update(state="open", awaiting_decision=False, next_check_on=None)


def test_the_scheduled_run_takes_the_same_steps_as_a_full_scan_every_day(db, reference_rates):
    simulate_portfolio_load(invoices=300, seed=11, start=date(2026, 3, 1), now=NOW)
    days = [date(2026, 3, 1) + timedelta(days=i) for i in range(120)]

    for day in days:
        daily_run(run_date=day, now=NOW, decide_only=True)
    scheduled = _outcome()
    _forget_the_run()
    for day in days:
        daily_run(run_date=day, now=NOW, decide_only=True, full=True)
    full = _outcome()

    assert len(scheduled) > 300
    assert scheduled == full


def test_a_case_not_yet_due_is_looked_at_again_on_its_reminder_day(creditor, reference_rates):
    import_bytes(claims_csv(claim_line("F-1", invoice_date="2026-05-13", due_date="2026-06-12")))
    case = Case.objects.get()

    daily_run(run_date=date(2026, 6, 1), now=NOW, decide_only=True)
    case.refresh_from_db()
    assert case.next_check_on == date(2026, 6, 13)  # the first day it is overdue

    daily_run(run_date=date(2026, 6, 13), now=NOW, decide_only=True)  # a Saturday
    case.refresh_from_db()
    assert case.next_check_on == date(2026, 6, 22)  # due + 7 = midsommarafton → Monday

    seen = daily_run(run_date=date(2026, 6, 15), now=NOW, decide_only=True)
    assert seen.cases == 0


def test_every_change_to_a_case_makes_the_next_run_look_at_it(creditor, reference_rates):
    from fordra.collection.services import case_pause

    import_bytes(claims_csv(claim_line("F-1", invoice_date="2026-05-13", due_date="2026-06-12")))
    case = Case.objects.get()
    daily_run(run_date=date(2026, 6, 1), now=NOW, decide_only=True)

    case_pause(case=case, until=date(2026, 6, 30), reason="Samtal", actor="t", today=date(2026, 6, 2))
    case.refresh_from_db()
    assert case.next_check_on is None
    daily_run(run_date=date(2026, 6, 2), now=NOW, decide_only=True)
    case.refresh_from_db()
    assert case.next_check_on == date(2026, 7, 1)


def test_no_case_waits_longer_than_the_horizon(creditor, reference_rates):
    from fordra.collection.services import case_dispute

    import_bytes(claims_csv(claim_line("F-1", invoice_date="2026-05-13", due_date="2026-06-12")))
    case = Case.objects.get()
    case_dispute(case=case, reason="Fel belopp", actor="t", today=date(2026, 6, 2))

    daily_run(run_date=date(2026, 6, 2), now=NOW, decide_only=True)

    case.refresh_from_db()
    assert case.next_check_on == date(2026, 6, 2) + timedelta(days=NEXT_CHECK_DAYS_MAX)
