"""Efterbevakning over years, driven through the daily run on selected days.

Two consumer claims of 2026-05-13 (three years: barred from 2029-05-13 unless interrupted) go to
efterbevakning right after hand-over. Creditor A keeps them alive: an efterbevakning letter goes
out when the date is within 120 days, is received two bank days later and starts three new
years. Creditor B has turned those letters off: its claim expires, is written off and the case
closed — and nothing is ever sent after.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.claims.intake import claims_import
from fordra.claims.models import Case, CaseEvent, CaseState, Task
from fordra.collection.run import daily_run
from fordra.letters.models import Letter, LetterStatus
from fordra.parties.models import Creditor
from fordra.parties.services import creditor_add
from fordra.surveillance.models import Score
from fordra.surveillance.scoring import (
    CreditInfo,
    RecordingCreditInfo,
    RuleBasedScorer,
    ScoreFacts,
    credit_info_adapter,
)
from fordra.surveillance.services import surveillance_rescore, surveillance_start
from tests.conftest import PNR_A, PNR_B, assert_money_invariants, claim_line, claims_csv

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
HANDOVER = date(2026, 6, 1)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def two_creditors(reference_rates):
    keeper, _ = creditor_add(name="Vaktbolaget AB", orgnr="5560360793", bankgiro="50501055")
    lapse, _ = creditor_add(name="Glömskan AB", orgnr="5565594230", bankgiro="9912346")
    Creditor.objects.filter(pk=lapse.pk).update(
        stage_rules={"surveillance": {"interrupt_letters": False}}
    )
    claims_import(
        data=claims_csv(
            claim_line("A-1", debtor=PNR_A, invoice_date="2026-05-13", due_date="2026-06-12",
                       creditor=keeper.orgnr),
            claim_line("B-1", debtor=PNR_B, invoice_date="2026-05-13", due_date="2026-06-12",
                       creditor=lapse.orgnr),
        ),
        filename="claims.csv",
        today=HANDOVER,
        now=NOW,
    )
    a = Case.objects.get(creditor=keeper)
    b = Case.objects.get(creditor=lapse)
    return a, b


def first_mondays(first: date, last: date) -> list[date]:
    """The first Monday of each month: the days the scenario runs."""
    days = []
    month = date(first.year, first.month, 1)
    while month <= last:
        day = month + timedelta(days=(7 - month.weekday()) % 7)
        if first <= day <= last:
            days.append(day)
        month = date(month.year + (month.month // 12), month.month % 12 + 1, 1)
    return days


def test_surveillance_for_years_keeps_one_claim_alive_and_lets_the_other_expire(two_creditors):
    a, b = two_creditors
    for case in (a, b):
        started = surveillance_start(case=case, day=HANDOVER, now=NOW, actor="staff:test")
        assert started["state"] == "surveillance" and started["score"] is not None

    days = first_mondays(HANDOVER, date(2032, 3, 31))
    for day in days:
        daily_run(run_date=day, now=NOW)

    a.refresh_from_db()
    b.refresh_from_db()
    # A: a letter when within 120 days of 2029-05-13 → first Monday of February 2029 (02-05),
    # received 02-07, three new years to 2032-02-07; again in November 2031 (11-03, received
    # 11-05) → 2034-11-05.
    letters_a = list(
        Letter.objects.filter(case=a).order_by("letter_date").values_list("kind", "letter_date",
                                                                          "status")
    )
    assert letters_a == [
        ("surveillance", date(2029, 2, 5), LetterStatus.SENT),
        ("surveillance", date(2031, 11, 3), LetterStatus.SENT),
    ]
    assert a.state == CaseState.SURVEILLANCE
    assert a.limitation_date == date(2034, 11, 5)
    # B: no letters allowed → written off and closed on the first run on or after 2029-05-13.
    assert b.state == CaseState.CLOSED_TIME_BARRED
    assert b.closed_on == date(2029, 6, 4)
    assert not Letter.objects.filter(case=b).exists()
    assert b.invoices.get().written_off_on == date(2029, 6, 4)
    # Rescored every three months while under efterbevakning (A for the whole period).
    assert Score.objects.filter(case=a).count() >= 20
    assert_money_invariants()


def test_an_interrupting_letter_goes_out_once_per_period_even_when_the_day_is_rerun(
    two_creditors,
):
    a, _ = two_creditors
    surveillance_start(case=a, day=HANDOVER, now=NOW, actor="staff:test")

    daily_run(run_date=date(2029, 2, 5), decide_only=True, now=NOW)
    daily_run(run_date=date(2029, 2, 5), decide_only=True, now=NOW)
    daily_run(run_date=date(2029, 2, 6), decide_only=True, now=NOW)

    letter = Letter.objects.get(case=a)
    assert letter.key == f"surveillance:{a.id}:2029-05-13"
    assert letter.pay_by >= letter.letter_date + timedelta(days=30)
    assert letter.extra == {"purpose": "interrupt_limitation", "limitation_date": "2029-05-13"}


def test_an_improved_score_proposes_a_new_demand_or_plan(two_creditors):
    from fordra.payments.actions import payment_apply

    a, _ = two_creditors
    surveillance_start(case=a, day=HANDOVER, now=NOW, actor="staff:test")
    first = Score.objects.get(case=a)
    payment_apply(case=a, amount_ore=20_000, paid_on=date(2026, 8, 20), source="direct",
                  key="direct:a:1", now=NOW)

    counts = surveillance_rescore(run_date=date(2026, 9, 1), now=NOW)

    second = Score.objects.filter(case=a).latest("scored_on")
    assert counts["rescored"] == 1
    assert second.value - first.value >= 20
    task = Task.objects.get(case=a, kind="surveillance_improved")
    assert task.text.startswith("Förbättrad betalningsförmåga: föreslå nytt krav eller "
                                "avbetalningsplan")
    assert CaseEvent.objects.filter(case=a, kind="surveillance_improved").count() == 1
    assert surveillance_rescore(run_date=date(2026, 9, 1), now=NOW) == {}  # rerun: nothing new
    assert surveillance_rescore(run_date=date(2026, 10, 1), now=NOW) == {}  # not due yet


def test_with_auto_demand_an_improved_score_sends_a_letter_without_a_new_fee(two_creditors):
    from fordra.claims.models import FeeRecord
    from fordra.payments.actions import payment_apply

    a, _ = two_creditors
    Creditor.objects.filter(pk=a.creditor_id).update(
        stage_rules={"surveillance": {"auto_demand": True}}
    )
    surveillance_start(case=a, day=HANDOVER, now=NOW, actor="staff:test")
    payment_apply(case=a, amount_ore=20_000, paid_on=date(2026, 8, 20), source="direct",
                  key="direct:a:1", now=NOW)

    surveillance_rescore(run_date=date(2026, 9, 1), now=NOW)

    letter = Letter.objects.get(case=a)
    assert (letter.kind, letter.letter_date, letter.extra["purpose"]) == (
        "surveillance", date(2026, 9, 1), "improved_score")
    assert not FeeRecord.objects.filter(case=a).exists()


def test_the_credit_information_adapter_is_asked_and_weighed_in(two_creditors, settings):
    a, _ = two_creditors
    settings.FORDRA_CREDIT_INFO_ADAPTER = (
        "tests.integration.test_surveillance.BUREAU"
    )

    surveillance_start(case=a, day=HANDOVER, now=NOW, actor="staff:test")

    adapter = credit_info_adapter()
    assert adapter is BUREAU
    assert BUREAU.calls == [((PNR_A,), HANDOVER)]
    score = Score.objects.get(case=a)
    assert score.facts["credit_info"]["payment_remarks"] == 2
    assert any("Betalningsanmärkningar" in r for r in score.reasons)


BUREAU = RecordingCreditInfo(answers={PNR_A: CreditInfo(rating=30, payment_remarks=2,
                                                        source="UC-test")})


def test_surveillance_start_refuses_a_closed_case_with_a_clear_message(two_creditors):
    from fordra.core.errors import ApplicationError

    a, _ = two_creditors
    Case.objects.filter(pk=a.pk).update(state=CaseState.CLOSED_PAID)
    a.refresh_from_db()

    with pytest.raises(ApplicationError, match="efterbevakning starts only from"):
        surveillance_start(case=a, day=HANDOVER, now=NOW, actor="staff:test")


# --- the rule-based scorer (pure) -----------------------------------------------------------


def facts(**changes) -> ScoreFacts:
    base = {
        "as_of": date(2027, 3, 1),
        "debtor_type": "person",
        "outstanding_ore": 1_000_000,
        "oldest_due_date": date(2026, 6, 12),
    }
    return ScoreFacts(**{**base, **changes})


def test_a_recent_payment_raises_the_score_and_skuldsanering_ends_it():
    none_paid = RuleBasedScorer().score(facts())
    paid = RuleBasedScorer().score(facts(payment_days=(date(2027, 2, 1),)))
    relief = RuleBasedScorer().score(facts(debt_relief=True, payment_days=(date(2027, 2, 1),)))

    assert (none_paid.value, paid.value, relief.value) == (40, 80, 0)
    assert "Aldrig någon betalning: -10" in none_paid.reasons


def test_old_large_debts_with_no_assets_score_low_but_never_below_zero():
    score = RuleBasedScorer().score(
        facts(oldest_due_date=date(2020, 1, 1), outstanding_ore=9_000_000, deceased=True,
              known_events=frozenset({"no_assets"}))
    )

    assert score.value == 0
    assert len(score.reasons) == 6


def test_the_scoring_module_docstring_example_holds():
    import doctest

    from fordra.surveillance import scoring

    assert doctest.testmod(scoring).failed == 0
