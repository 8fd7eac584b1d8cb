"""The simulation: a synthetic portfolio lived day by day, with plans kept and broken."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fordra.claims.models import Case, CaseState
from fordra.plans.models import Plan, PlanState
from fordra.simulation.run import simulate
from tests.conftest import assert_money_invariants

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 1, 5, 0, tzinfo=UTC)


def test_a_simulated_portfolio_has_plans_kept_and_broken_and_the_money_adds_up(
    settings, tmp_path, reference_rates
):
    settings.MEDIA_ROOT = tmp_path / "media"
    report = simulate(cases=300, days=200, seed=3, start=date(2026, 5, 1), now=NOW,
                      out_dir=tmp_path)

    states = report.days[-1].states
    assert states.get(CaseState.CLOSED_PAID, 0) > 0 and states.get(CaseState.DISPUTED, 0) > 0
    plans = Plan.objects.all()
    assert plans.exists()
    # A kept plan ends with its case paid; a plan whose debtor stopped paying is broken.
    assert plans.filter(state=PlanState.COMPLETED).exists()
    assert plans.filter(state=PlanState.BROKEN).exists()
    # After the demand: Kronofogden for the auto-deciding creditors' cases, through utslag and
    # verkställighet to payment or efterbevakning; the others' cases wait for staff.
    from fordra.kfm.models import KfmApplication, KfmOutcome

    assert KfmApplication.objects.exists()
    assert set(KfmOutcome.objects.values_list("kind", flat=True)) >= {"served", "judgment"}
    assert Case.objects.filter(awaiting_decision=True).exists()
    assert_nothing_sent_on_disputed_paid_or_closed_cases()
    assert Path(report.chart).read_text().startswith("<svg")
    assert_money_invariants()


def assert_nothing_sent_on_disputed_paid_or_closed_cases() -> None:
    """No collection letter is dated after the day a case was disputed or closed."""
    from fordra.claims.models import CaseEvent
    from fordra.letters.models import Letter

    disputed_on = dict(
        CaseEvent.objects.filter(kind="disputed").values_list("case_id", "date")
    )
    closed_on = dict(Case.objects.exclude(closed_on=None).values_list("id", "closed_on"))
    for case_id, kind, day, status in Letter.objects.exclude(kind="dispute").values_list(
        "case_id", "kind", "letter_date", "status"
    ):
        if status == "cancelled":
            continue
        stop = min(d for d in (disputed_on.get(case_id), closed_on.get(case_id), date.max) if d)
        assert day < stop, (case_id, kind, day, stop)
