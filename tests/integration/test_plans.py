"""Installment plans (avbetalningsplaner) driven day by day through the daily run.

Worked example: Tolvan Tolvansson owes Exempelbolaget AB 1 000 kr, due Friday 2026-06-12. The
consumer ladder sends a påminnelse on 2026-06-22 (60 kr) and an inkassokrav on 2026-07-13
(180 kr). On Monday 2026-07-20 Tolvan asks to pay in three monthly installments from Friday
2026-08-14: within the creditor's rules (12 months, 200 kr per installment, 50 000 kr), so the
plan is in force at once, the plan fee of 170 kr is booked, and a letter confirms the schedule
with an OCR number per installment.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.claims.models import Case, CaseEvent, CaseState, FeeRecord, Task
from fordra.collection.run import daily_run
from fordra.collection.services import case_dispute
from fordra.core.errors import ApplicationError
from fordra.domain.ocr import is_valid_ocr
from fordra.domain.plans import case_number_from_installment_ocr
from fordra.letters.models import Letter, LetterStatus
from fordra.payments.actions import payment_apply
from fordra.plans.models import Plan, PlanInstallment, PlanState
from fordra.plans.selectors import plan_json
from fordra.plans.services import plan_approve, plan_propose, plan_reject
from tests.conftest import (
    PNR_A,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
ASKED = date(2026, 7, 20)  # a Monday, a week after the inkassokrav
FIRST_DUE = date(2026, 8, 14)  # a Friday


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_days(first: date, last: date, *, payments: dict[date, int] | None = None,
             case: Case | None = None) -> dict[date, dict]:
    """Run each day; a payment due that day is made first (as a bank file before the run)."""
    out = {}
    day = first
    while day <= last:
        if payments and day in payments and case is not None:
            payment_apply(case=case, amount_ore=payments[day], paid_on=day, source="bgmax",
                          key=f"bgmax:test:{day.isoformat()}", now=NOW)
        out[day] = daily_run(run_date=day, now=NOW).as_json()
        day += timedelta(days=1)
    return out


@pytest.fixture
def in_demand(creditor, reference_rates) -> Case:
    """Tolvan's case after the ladder's påminnelse and inkassokrav (state demand)."""
    import_bytes(claims_csv(claim_line("F-1", amount="1 000,00", invoice_date="2026-05-13",
                                       due_date="2026-06-12")))
    run_days(date(2026, 6, 12), ASKED - timedelta(days=1))
    case = Case.objects.get(debtor__national_id=PNR_A)
    assert case.state == CaseState.DEMAND
    return case


def propose(case: Case, *, installments: int = 3, first_due: date = FIRST_DUE,
            today: date = ASKED) -> Plan:
    return plan_propose(case=case, installments=installments, first_due=first_due, today=today,
                        now=NOW, actor="staff:test")


def test_a_plan_within_the_rules_starts_at_once_with_fee_letter_and_acknowledgement(in_demand):
    case = in_demand

    plan = propose(case)

    case.refresh_from_db()
    assert plan.state == PlanState.ACTIVE and plan.approved and plan.approved_by == "rules"
    assert case.state == CaseState.PLAN and case.next_check_on is None
    assert plan.prior_state == CaseState.DEMAND
    # 170 kr, once, booked as a fee with its rule and in the ledger.
    fee = FeeRecord.objects.get(case=case, kind="plan")
    assert (fee.amount_ore, fee.date, plan.fee_ore) == (17_000, ASKED, 17_000)
    assert "4 § andra stycket 3" in fee.rule
    # Three monthly installments on bank days, each with its own valid OCR naming the case.
    items = list(plan.schedule.order_by("number"))
    assert [i.due_date for i in items] == [date(2026, 8, 14), date(2026, 9, 14), date(2026, 10, 14)]
    assert len({i.ocr for i in items}) == 3 and case.ocr not in {i.ocr for i in items}
    assert all(is_valid_ocr(i.ocr) for i in items)
    assert {case_number_from_installment_ocr(i.ocr) for i in items} == {case.number}
    # The whole debt today (1 000 + 60 + 180 + 170 kr and the interest so far) is in the plan.
    assert sum(i.costs_ore for i in items) == 6_000 + 18_000 + 17_000
    assert sum(i.capital_ore for i in items) == 100_000
    assert plan.total_ore == sum(i.amount_ore for i in items)
    # The request acknowledges the debt: a preskriptionsavbrott on the day it was made.
    assert CaseEvent.objects.filter(case=case, kind="acknowledgement", date=ASKED).count() == 1
    letter = Letter.objects.get(case=case, kind="plan")
    assert (letter.text, letter.letter_date, letter.pay_by) == ("plan_confirmation", ASKED,
                                                                items[0].due_date)
    assert [line["ocr"] for line in letter.extra["schedule"]] == [i.ocr for i in items]
    assert_money_invariants()


def test_the_confirmation_letter_shows_the_schedule_and_passes_the_lint(in_demand):
    case = in_demand
    plan = propose(case)

    run_days(ASKED, ASKED)

    letter = Letter.objects.get(case=case, kind="plan")
    assert letter.status == LetterStatus.SENT, letter.problems
    items = list(plan.schedule.order_by("number"))
    assert [line["ocr"] for line in letter.content["schedule"]] == [i.ocr for i in items]
    from fordra.letters.services import letter_html

    html = letter_html(letter)
    assert "Betalningsplan" in html and all(i.ocr in html for i in items)
    assert "Första delbetalningen" in html
    from pypdf import PdfReader

    text = "".join(page.extract_text() for page in PdfReader(letter.pdf_path).pages)
    assert "Betalningsplan" in text and items[-1].ocr in text


def test_a_plan_kept_to_the_end_closes_the_case_paid_and_sends_nothing_more(in_demand):
    case = in_demand
    plan = propose(case)
    items = list(plan.schedule.order_by("number"))
    pay = {i.due_date: i.amount_ore for i in items}

    days = run_days(ASKED, date(2026, 10, 20), payments=pay, case=case)

    case.refresh_from_db()
    plan.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert plan.state == PlanState.COMPLETED and plan.ended_on == date(2026, 10, 14)
    assert days[date(2026, 10, 14)]["actions"].get("plan_completed") == 1
    # The only letter after the demand is the plan's confirmation: the ladder stood still.
    later = Letter.objects.filter(case=case, letter_date__gte=ASKED)
    assert [lt.text for lt in later] == ["plan_confirmation"]
    d = plan_json(case, as_of=date(2026, 10, 20))
    assert d["state"] == "completed"
    assert [i["status"] for i in d["schedule"]] == ["paid", "paid", "paid"]
    assert not Task.objects.filter(case=case, kind="plan_residual").exists()
    assert_money_invariants()


def test_a_plan_broken_after_the_grace_period_resumes_the_ladder_with_the_next_demand_step(
    in_demand,
):
    case = in_demand
    plan = propose(case)
    first = plan.schedule.get(number=1)

    # The first installment is paid; the second (Monday 2026-09-14) is not. Grace: 10 days.
    days = run_days(ASKED, date(2026, 9, 24), payments={first.due_date: first.amount_ore},
                    case=case)
    case.refresh_from_db()
    assert case.state == CaseState.PLAN
    assert plan_json(case, as_of=date(2026, 9, 24))["status"]["state"] == "late"
    assert not any(d["actions"].get("plan_broken") for d in days.values())

    days = run_days(date(2026, 9, 25), date(2026, 9, 28))

    case.refresh_from_db()
    plan.refresh_from_db()
    assert plan.state == PlanState.BROKEN and plan.ended_on == date(2026, 9, 25)
    assert days[date(2026, 9, 25)]["actions"]["plan_broken"] == 1
    broken = Letter.objects.get(case=case, text="plan_broken")
    assert broken.letter_date == date(2026, 9, 25) and broken.status == LetterStatus.SENT
    assert broken.pay_by == date(2026, 10, 5)
    assert case.state == CaseState.DEMAND
    # The ladder resumes where it stopped: the påminnelse om inkassokrav, on the next bank day
    # (one letter per debtor and day: the broken-plan letter had the 25th).
    follow_up = Letter.objects.get(case=case, kind="demand_reminder")
    assert follow_up.letter_date == date(2026, 9, 28)
    assert CaseEvent.objects.filter(case=case, kind="plan_broken").count() == 1
    assert FeeRecord.objects.filter(case=case, kind="plan").count() == 1
    assert_money_invariants()


def test_a_rerun_of_the_day_a_plan_breaks_does_nothing_new(in_demand):
    case = in_demand
    propose(case)
    run_days(ASKED, date(2026, 8, 25))  # nothing paid: installment 1 is 11 days late on 08-25
    letters = Letter.objects.count()
    events = CaseEvent.objects.count()

    again = daily_run(run_date=date(2026, 8, 25), now=NOW).as_json()

    assert "plan_broken" not in again["actions"]
    assert (Letter.objects.count(), CaseEvent.objects.count()) == (letters, events)
    assert Plan.objects.get(case=case).state == PlanState.BROKEN


def test_a_plan_does_not_break_on_a_weekend_but_on_the_next_bank_day(in_demand):
    case = in_demand
    propose(case)
    # Installment 1 (Fri 08-14) is 11 days late on Tue 08-25; but 15 days late on Sat 08-29
    # when we start looking only then, the plan breaks on Monday 08-31.
    run_days(ASKED, date(2026, 8, 14))
    Plan.objects.filter(case=case).update(grace_days=14)
    days = run_days(date(2026, 8, 15), date(2026, 8, 31))
    assert days[date(2026, 8, 29)]["actions"].get("plan_broken") is None
    assert days[date(2026, 8, 30)]["actions"].get("plan_broken") is None
    assert days[date(2026, 8, 31)]["actions"]["plan_broken"] == 1


def test_early_payoff_completes_the_plan_and_the_case_is_closed_paid(in_demand):
    case = in_demand
    propose(case)
    from fordra.casefile import case_detail_json

    day = date(2026, 8, 3)
    run_days(ASKED, day - timedelta(days=1))
    owed = case_detail_json(case, as_of=day)["balance_ore"]

    days = run_days(day, day, payments={day: owed}, case=case)

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert Plan.objects.get(case=case).state == PlanState.COMPLETED
    assert days[day]["actions"]["plan_completed"] == 1
    assert_money_invariants()


def test_a_plan_beyond_the_rules_waits_for_approval_and_the_ladder_goes_on(in_demand):
    case = in_demand

    plan = propose(case, installments=24)

    case.refresh_from_db()
    assert plan.state == PlanState.PROPOSED and not plan.approved
    assert "exceed the creditor's maximum of 12 months" in plan.explanation["reasons"][0]
    assert case.state == CaseState.DEMAND
    assert not FeeRecord.objects.filter(case=case, kind="plan").exists()
    assert not Letter.objects.filter(case=case, kind="plan").exists()
    task = Task.objects.get(case=case, kind="plan_approval")
    assert CaseEvent.objects.filter(case=case, kind="acknowledgement").count() == 1
    # A second request while one waits is refused.
    with pytest.raises(ApplicationError, match="already has a plan"):
        propose(case)

    approved = plan_approve(plan=plan, actor="staff:anna", today=date(2026, 7, 22), now=NOW)

    case.refresh_from_db()
    task.refresh_from_db()
    assert approved.state == PlanState.ACTIVE and approved.approved_by == "staff:anna"
    assert approved.decided_on == date(2026, 7, 22) and task.done_at is not None
    assert case.state == CaseState.PLAN
    assert approved.schedule.count() == 24
    assert FeeRecord.objects.get(case=case, kind="plan").date == date(2026, 7, 22)
    assert Letter.objects.get(case=case, kind="plan").letter_date == date(2026, 7, 22)
    assert_money_invariants()


def test_a_rejected_plan_leaves_the_case_to_the_ladder(in_demand):
    case = in_demand
    plan = propose(case, installments=24)

    rejected = plan_reject(plan=plan, actor="staff:anna", today=ASKED, now=NOW,
                           reason="För lång tid")

    case.refresh_from_db()
    assert rejected.state == PlanState.CANCELLED and case.state == CaseState.DEMAND
    assert Task.objects.get(case=case, kind="plan_approval").done_at is not None
    with pytest.raises(ApplicationError, match="not waiting for a decision"):
        plan_approve(plan=plan, actor="staff:anna", today=ASKED, now=NOW)
    # A new request may follow; its installments continue the numbering (new OCRs).
    again = propose(case, installments=3)
    assert [i.number for i in again.schedule.order_by("number")] == [25, 26, 27]


def test_the_plan_fee_is_charged_once_per_case_even_for_a_second_plan(in_demand):
    case = in_demand
    propose(case)
    run_days(ASKED, date(2026, 8, 25))  # broken: installment 1 unpaid
    assert Plan.objects.get(case=case).state == PlanState.BROKEN

    second = propose(case, first_due=date(2026, 9, 15), today=date(2026, 8, 26))

    assert second.state == PlanState.ACTIVE and second.fee_ore == 0
    assert "redan tagits ut" in second.explanation["fee"]["explanation"]
    assert FeeRecord.objects.filter(case=case, kind="plan").count() == 1
    assert [i.number for i in second.schedule.order_by("number")] == [4, 5, 6]
    assert PlanInstallment.objects.filter(plan__case=case).count() == 6
    assert_money_invariants()


def test_a_company_debtor_charged_forseningsersattning_pays_no_plan_fee(reference_rates):
    from fordra.parties.services import creditor_add

    creditor_add(name="Grossisten AB", orgnr="5560360793", bankgiro="50501055",
                 template="b2b")
    import_bytes(claims_csv(claim_line("B-1", amount="20 000,00", debtor="5565594230",
                                       name="Kunden AB", invoice_date="2026-05-13",
                                       due_date="2026-06-12")))
    run_days(date(2026, 6, 12), date(2026, 7, 10))
    case = Case.objects.get()
    assert FeeRecord.objects.filter(case=case, kind="late_payment_compensation").exists()

    plan = propose(case, today=date(2026, 7, 13))

    assert plan.state == PlanState.ACTIVE and plan.fee_ore == 0
    assert plan.explanation["fee"]["rule"].endswith("5 §")
    assert not FeeRecord.objects.filter(case=case, kind="plan").exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"state": CaseState.KFM}, "at Kronofogden"),
        ({"state": CaseState.CLOSED_RECALLED}, "is closed"),
        ({"limitation_date": date(2026, 7, 1)}, "time-barred"),
    ],
)
def test_a_plan_is_refused_on_a_case_at_kronofogden_closed_or_time_barred(in_demand, change,
                                                                           message):
    Case.objects.filter(pk=in_demand.pk).update(**change)
    in_demand.refresh_from_db()

    with pytest.raises(ApplicationError, match=message):
        propose(in_demand)
    assert not Plan.objects.exists()


def test_a_disputed_case_gets_no_plan_and_a_dispute_ends_a_plan_in_force(in_demand):
    case = in_demand
    propose(case)
    case.refresh_from_db()

    case_dispute(case=case, reason="Fel belopp", actor="staff:test", today=date(2026, 7, 27))
    run_days(date(2026, 7, 27), date(2026, 7, 27))

    assert Plan.objects.get(case=case).state == PlanState.CANCELLED
    case.refresh_from_db()
    with pytest.raises(ApplicationError, match="disputed"):
        propose(case, today=date(2026, 7, 28))


def test_impossible_terms_are_refused_with_a_clear_message(in_demand):
    with pytest.raises(ApplicationError, match="must be after today"):
        propose(in_demand, first_due=ASKED)
    with pytest.raises(ApplicationError, match="installments must be 1 to 120"):
        propose(in_demand, installments=0)


def test_creditor_rules_come_from_stage_rules_and_bad_rules_are_named(in_demand):
    creditor = in_demand.creditor
    creditor.stage_rules = {"plan": {"months_max": 2}}
    creditor.save()
    assert propose(in_demand).state == PlanState.PROPOSED

    Plan.objects.all().update(state=PlanState.CANCELLED)
    creditor.stage_rules = {"plan": {"months": 2}}
    creditor.save()
    with pytest.raises(ApplicationError, match="unknown key 'months'"):
        propose(in_demand)


def test_a_bank_payment_with_an_installments_own_ocr_lands_on_its_case(in_demand, settings):
    from django.db.models import Sum

    from fordra.domain.identifiers import validate_bankgiro
    from fordra.domain.plans import installment_ocr
    from fordra.formats.bgmax import write_bgmax
    from fordra.payments.intake import payments_import

    plan = propose(in_demand)
    first = plan.schedule.order_by("number").first()
    data = write_bgmax(
        receiving_bankgiro=validate_bankgiro(settings.AGENCY["bankgiro"]),
        payments=[(FIRST_DUE, first.ocr, first.amount_ore, "1"),
                  # a valid installment OCR of the case that was never issued: not guessed
                  (FIRST_DUE, installment_ocr(case_number=in_demand.number, number=999),
                   10_000, "2")],
        # The bank makes the file the evening of the payment day (a later day than NOW).
        created=datetime.combine(FIRST_DUE, datetime.min.time(), tzinfo=UTC) + timedelta(hours=18),
    )
    result = payments_import(data=data, filename="bg.txt", now=NOW)

    assert result.matched == 1 and result.unmatched == 1
    assert in_demand.allocations.aggregate(total=Sum("amount_ore"))["total"] == first.amount_ore
