"""Kronofogden, day by day: the decision after the demand, betalningsföreläggande, outcomes,
verkställighet and konkursanmaning — fees to the öre, ledger invariants, reruns changing nothing."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Case, CaseEvent, CaseState, FeeRecord, Task
from fordra.collection.run import daily_run
from fordra.collection.services import case_dispute
from fordra.core.errors import ApplicationError
from fordra.formats.kfm import Outcome, OutcomeKind, write_outcomes_csv
from fordra.kfm.application import kfm_apply
from fordra.kfm.batch import kfm_export
from fordra.kfm.models import BankruptcyWarning, KfmApplication, KfmBatch, KfmProposal
from fordra.kfm.outcomes import kfm_import_outcomes, kfm_record
from fordra.letters.models import Letter
from fordra.payments.actions import payment_apply
from tests.conftest import (
    PNR_A,
    PNR_B,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
HANDED_OVER = date(2026, 8, 11)  # the consumer ladder's hand_over for a claim due 2026-06-12
COMPANY = "5565594230"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def import_one(*, debtor: str = PNR_A, amount: str = "10 000,00", name: str = "Tolvan Tolvansson",
               number: str = "F-1") -> Case:
    import_bytes(
        claims_csv(claim_line(number, amount=amount, debtor=debtor, name=name,
                              invoice_date="2026-05-13", due_date="2026-06-12")),
        filename=f"{number}.csv",
    )
    return Case.objects.get(debtor__national_id=debtor)


@pytest.fixture
def handed_over(creditor, reference_rates):
    case = import_one()
    run_days(date(2026, 6, 12), HANDED_OVER)
    case.refresh_from_db()
    return case


def test_the_demand_ladder_ending_unpaid_gives_a_betalningsforelaggande_proposal_with_forecast(
    handed_over,
):
    case = handed_over
    assert case.state == CaseState.DEMAND and case.awaiting_decision

    proposal = KfmProposal.objects.get(case=case)

    assert proposal.created_on == HANDED_OVER and proposal.action == "kfm"
    assert proposal.approval_required is True  # default rules: a person approves
    # Score 50 (no payment, 60 days old, 10 000 kr): half of balance + KFM's fees, minus them.
    assert proposal.score == 50
    forecast = proposal.forecast
    balance = case_detail_json(case, as_of=HANDED_OVER)["balance_ore"]
    assert forecast["balance_ore"] == balance
    assert (forecast["application_fee_ore"], forecast["ombud_fee_ore"],
            forecast["enforcement_fee_ore"], forecast["upfront_ore"]) == (30_000, 38_000, 60_000,
                                                                          90_000)
    assert forecast["expected_recovery_ore"] == round((balance + 128_000) / 2)
    assert forecast["expected_net_ore"] == round((balance + 90_000) / 2) - 90_000
    task = Task.objects.get(case=case, kind="kfm_proposal")
    assert "betalningsföreläggande" in task.text and "Prognos" in task.text
    assert CaseEvent.objects.filter(case=case, kind="kfm_proposal").count() == 1

    # Re-running the day, and the next days, proposes nothing new.
    daily_run(run_date=HANDED_OVER, now=NOW)
    run_days(HANDED_OVER + timedelta(days=1), HANDED_OVER + timedelta(days=3))
    assert KfmProposal.objects.filter(case=case).count() == 1
    assert Task.objects.filter(case=case, kind="kfm_proposal").count() == 1


def test_apply_served_judgment_enforcement_and_payment_in_full_closes_the_case(handed_over):
    case = handed_over
    day = date(2026, 8, 12)

    result = kfm_apply(case=case, day=day, now=NOW, actor="staff:test")
    again = kfm_apply(case=case, day=day, now=NOW, actor="staff:test")

    assert result.created and not again.created
    case.refresh_from_db()
    assert case.state == CaseState.KFM and not case.awaiting_decision
    fees = list(FeeRecord.objects.filter(case=case, step="kfm_apply").values_list(
        "kind", "amount_ore", "date"))
    assert fees == [("kfm_application", 30_000, day), ("kfm_ombud", 38_000, day)]
    ombud = FeeRecord.objects.get(case=case, kind="kfm_ombud")
    assert "konfidens L" in ombud.explanation
    assert CaseEvent.objects.filter(case=case, kind="kfm_applied", date=day).count() == 1
    assert KfmProposal.objects.get(case=case).decision == "kfm"
    assert_money_invariants()

    # The application: capital 10 000 kr with interest from the day after the due date,
    # påminnelseavgift 60, inkassoavgift 180, ansökningsavgift 300, ombudsarvode 380.
    app = result.application
    parts = [(p["kind"], p["amount_ore"]) for p in app.payload["parts"]]
    assert parts == [("kapital", 1_000_000), ("påminnelseavgift", 6_000),
                     ("inkassoavgift", 18_000), ("ansökningsavgift", 30_000),
                     ("ombudsarvode", 38_000)]
    assert app.payload["parts"][0]["interest"] == {
        "basis": "reference_rate", "from_date": "2026-06-13", "rate_percent": None,
        "reference_rate_margin_pp": "8"}
    assert app.total_ore == 1_092_000
    assert app.payload["agent"]["ombudskod"]

    # The day's batch: JSON + CSV + a PDF whose text can be read; a re-export writes nothing.
    exported = kfm_export(day=day, now=NOW)
    assert exported.new == 1 and len(exported.batches) == 1
    batch = exported.batches[0]
    data = json.loads(Path(batch.json_path).read_text())
    assert data["batch"]["application_count"] == 1 and data["batch"]["sequence"] == 1
    assert Path(batch.csv_path).read_text().count("\n") == 1 + 5
    app.refresh_from_db()
    from pypdf import PdfReader

    text = PdfReader(app.pdf_path).pages[0].extract_text()
    assert "ANSÖKAN OM BETALNINGSFÖRELÄGGANDE" in text and case.ref in text
    assert kfm_export(day=day, now=NOW).new == 0

    # Outcomes: delgiven, utslag (the limitation clock restarts), verkställighet (600 kr).
    run_days(date(2026, 8, 13), date(2026, 8, 20))
    kfm_record(case=case, outcome="served", day=date(2026, 8, 20), now=NOW, actor="staff:test",
               kfm_case_number="12-345678-26")
    run_days(date(2026, 8, 21), date(2026, 9, 4))
    judged = kfm_record(case=case, outcome="judgment", day=date(2026, 9, 4), now=NOW,
                        actor="staff:test")
    assert judged.case.state == CaseState.JUDGMENT
    assert CaseEvent.objects.filter(case=case, kind="judgment", date=date(2026, 9, 4)).exists()
    enforced = kfm_record(case=case, outcome="enforcement", day=date(2026, 9, 10), now=NOW,
                          actor="staff:test")
    repeat = kfm_record(case=case, outcome="enforcement", day=date(2026, 9, 10), now=NOW,
                        actor="staff:test")
    assert enforced.case.state == CaseState.ENFORCEMENT and not repeat.created
    assert list(FeeRecord.objects.filter(case=case, kind="enforcement").values_list(
        "amount_ore", flat=True)) == [60_000]
    run_days(date(2026, 9, 5), date(2026, 9, 30))
    case.refresh_from_db()
    assert case.state == CaseState.ENFORCEMENT
    # Nothing was sent to the debtor after the application: Kronofogden serves the order.
    assert not Letter.objects.filter(case=case, letter_date__gt=day).exists()
    assert_money_invariants()

    # Kronofogden pays in full: an ordinary payment closes the case.
    pay_day = date(2026, 10, 1)
    owed = case_detail_json(case, as_of=pay_day)
    assert owed["fees_ore"] == 6_000 + 18_000 + 30_000 + 38_000 + 60_000
    payment_apply(case=case, amount_ore=owed["balance_ore"], paid_on=pay_day, source="direct",
                  key="kfm-payout:1", now=NOW)
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert case_detail_json(case, as_of=pay_day)["balance_ore"] == 0
    assert_money_invariants()

    shown = case_detail_json(case, as_of=pay_day)["kfm"]
    assert [o["kind"] for o in shown["applications"][0]["outcomes"]] == [
        "served", "judgment", "enforcement"]
    assert shown["applications"][0]["batch_id"] == batch.batch_id
    assert shown["proposal"]["decision"] == "kfm"


def test_bestridd_at_kronofogden_makes_the_case_disputed_and_never_applied_again(handed_over):
    case = handed_over
    kfm_apply(case=case, day=date(2026, 8, 12), now=NOW, actor="staff:test")

    result = kfm_record(case=case, outcome="disputed", day=date(2026, 8, 25), now=NOW,
                        actor="staff:test", detail="Varan levererades aldrig")

    case = result.case
    assert case.state == CaseState.DISPUTED and case.dispute_outcome == ""
    assert "Bestridd hos Kronofogden" in case.dispute_reason
    assert Task.objects.filter(case=case, kind="kfm_disputed").count() == 1
    with pytest.raises(ApplicationError) as refused:
        kfm_apply(case=case, day=date(2026, 8, 26), now=NOW, actor="staff:test")
    assert "disputed" in refused.value.message or "state" in refused.value.message
    # Even if the case came back to the demand stage, a claim bestridd at KFM stays refused.
    Case.objects.filter(pk=case.pk).update(state=CaseState.DEMAND)
    case.refresh_from_db()
    with pytest.raises(ApplicationError) as again:
        kfm_apply(case=case, day=date(2026, 8, 27), now=NOW, actor="staff:test")
    assert any("bestritts hos Kronofogden" in d for d in again.value.details)
    run_days(date(2026, 8, 25), date(2026, 9, 10))
    assert KfmApplication.objects.filter(case=case).count() == 1


def test_no_assets_after_judgment_moves_the_case_to_efterbevakning(handed_over):
    case = handed_over
    kfm_apply(case=case, day=date(2026, 8, 12), now=NOW, actor="staff:test")
    kfm_record(case=case, outcome="judgment", day=date(2026, 9, 4), now=NOW, actor="t")
    kfm_record(case=case, outcome="enforcement", day=date(2026, 9, 10), now=NOW, actor="t")

    result = kfm_record(case=case, outcome="no_assets", day=date(2026, 11, 2), now=NOW, actor="t")

    assert result.case.state == CaseState.SURVEILLANCE
    with pytest.raises(ApplicationError):
        kfm_record(case=case, outcome="served", day=date(2026, 11, 3), now=NOW, actor="t")


def test_withdrawn_at_kfm_brings_the_case_back_to_a_decision_that_needs_a_person(creditor,
                                                                                  reference_rates):
    case = import_one()
    creditor.stage_rules = {"kfm": {"auto_apply": True}}
    creditor.save()
    run_days(date(2026, 6, 12), HANDED_OVER)
    case.refresh_from_db()
    assert case.state == CaseState.KFM  # auto_apply: applied the day it was handed over

    kfm_record(case=case, outcome="withdrawn", day=date(2026, 8, 20), now=NOW, actor="t")
    daily_run(run_date=date(2026, 8, 20), now=NOW)

    case.refresh_from_db()
    assert case.state == CaseState.DEMAND and case.awaiting_decision
    latest = KfmProposal.objects.filter(case=case).order_by("-id").first()
    assert latest.decision == "" and latest.approval_required is True
    assert KfmApplication.objects.filter(case=case).count() == 1


def test_a_disputed_or_time_barred_claim_is_refused(handed_over):
    case = handed_over
    Case.objects.filter(pk=case.pk).update(limitation_date=date(2026, 8, 12))
    case.refresh_from_db()
    with pytest.raises(ApplicationError) as barred:
        kfm_apply(case=case, day=date(2026, 8, 12), now=NOW, actor="t")
    assert any("preskriberad" in d for d in barred.value.details)
    Case.objects.filter(pk=case.pk).update(limitation_date=None)
    case.refresh_from_db()
    case = case_dispute(case=case, reason="Fel belopp", actor="t", today=date(2026, 8, 12))
    with pytest.raises(ApplicationError):
        kfm_apply(case=case, day=date(2026, 8, 13), now=NOW, actor="t")
    assert not FeeRecord.objects.filter(case=case, kind__startswith="kfm").exists()


def test_a_small_claim_goes_to_efterbevakning_at_once_when_the_creditor_says_auto(
    creditor, reference_rates
):
    creditor.stage_rules = {"kfm": {"auto_apply": True, "amount_min_ore": 200_000}}
    creditor.save()
    case = import_one(amount="900,00")
    run_days(date(2026, 6, 12), HANDED_OVER)
    case.refresh_from_db()
    assert case.state == CaseState.SURVEILLANCE and not case.awaiting_decision
    proposal = KfmProposal.objects.get(case=case)
    assert proposal.action == "surveillance" and proposal.decision == "surveillance"
    assert not Task.objects.filter(case=case, kind="kfm_proposal").exists()


def test_a_company_debtor_gets_a_bankruptcy_warning_first_then_bf_after_it_lapses(
    creditor, reference_rates
):
    creditor.stage_rules = {"kfm": {"auto_apply": True, "bankruptcy_warning": True,
                                    "applicant_address": "Box 1, 111 22 Stockholm"}}
    creditor.save()
    case = import_one(debtor=COMPANY, name="Gäldenären AB")
    run_days(date(2026, 6, 12), HANDED_OVER)
    case.refresh_from_db()

    warning = BankruptcyWarning.objects.get(case=case)
    # Sent Tue 2026-08-11, presumed served two bank days later (Thu 08-13), one week to pay
    # (08-20), petition within three weeks after (09-10).
    assert (warning.sent_on, warning.served_on, warning.pay_by, warning.petition_by) == (
        date(2026, 8, 11), date(2026, 8, 13), date(2026, 8, 20), date(2026, 9, 10))
    letter = Letter.objects.get(case=case, kind="bankruptcy_warning")
    assert letter.pay_by == warning.pay_by and letter.status == "sent"
    from pypdf import PdfReader

    letter_text = " ".join(page.extract_text() for page in PdfReader(letter.pdf_path).pages)
    assert "konkurslagen" in letter_text and "2026-08-20" in letter_text
    assert case.state == CaseState.DEMAND and not case.awaiting_decision

    run_days(date(2026, 8, 12), date(2026, 8, 20))
    assert not Task.objects.filter(case=case, kind="bankruptcy_petition").exists()
    run_days(date(2026, 8, 21), date(2026, 8, 21))

    task = Task.objects.get(case=case, kind="bankruptcy_petition")
    assert "2026-09-10" in task.text
    case.refresh_from_db()
    # Then betalningsföreläggande, at once under the creditor's auto rules.
    assert case.state == CaseState.KFM
    app = KfmApplication.objects.get(case=case)
    assert app.payload["applicant"]["address_lines"] == ["Box 1", "111 22 Stockholm"]
    assert app.payload["respondents"][0]["identity_kind"] == "organisationsnummer"
    run_days(date(2026, 8, 21), date(2026, 8, 22))
    assert Task.objects.filter(case=case, kind="bankruptcy_petition").count() == 1
    assert_money_invariants()


def test_an_outcomes_file_is_recorded_whole_or_not_at_all(creditor, reference_rates):
    a = import_one(debtor=PNR_A, number="F-1")
    b = import_one(debtor=PNR_B, number="F-2", name="Lisa Testsson")
    run_days(date(2026, 6, 12), HANDED_OVER)
    for case in (a, b):
        case.refresh_from_db()
        kfm_apply(case=case, day=date(2026, 8, 12), now=NOW, actor="t")
    bad = write_outcomes_csv([
        Outcome(reference=a.ref, kind=OutcomeKind.JUDGMENT, date=date(2026, 9, 4),
                kfm_case_number="1"),
        Outcome(reference=b.ref, kind=OutcomeKind.NO_ASSETS, date=date(2026, 9, 4),
                kfm_case_number="2"),  # no utslag yet: refused
    ])
    with pytest.raises(ApplicationError) as refused:
        kfm_import_outcomes(data=bad, now=NOW, actor="t")
    assert len(refused.value.details) == 1 and b.ref in refused.value.details[0]
    a.refresh_from_db()
    assert a.state == CaseState.KFM  # nothing recorded

    good = write_outcomes_csv([
        Outcome(reference=a.ref, kind=OutcomeKind.SERVED, date=date(2026, 8, 20),
                kfm_case_number="1"),
        Outcome(reference=a.ref, kind=OutcomeKind.JUDGMENT, date=date(2026, 9, 4),
                kfm_case_number="1"),
        Outcome(reference=b.ref, kind=OutcomeKind.DISPUTED, date=date(2026, 8, 28),
                kfm_case_number="2"),
    ])
    first = kfm_import_outcomes(data=good, now=NOW, actor="t")
    again = kfm_import_outcomes(data=good, now=NOW, actor="t")
    assert (first.recorded, first.duplicates) == (3, 0)
    assert (again.recorded, again.duplicates) == (0, 3)
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.state, b.state) == (CaseState.JUDGMENT, CaseState.DISPUTED)


def test_verkstallighet_costs_a_new_grundavgift_each_year_it_continues(handed_over):
    case = handed_over
    kfm_apply(case=case, day=date(2026, 8, 12), now=NOW, actor="t")
    kfm_record(case=case, outcome="judgment", day=date(2026, 9, 4), now=NOW, actor="t")
    kfm_record(case=case, outcome="enforcement", day=date(2026, 9, 10), now=NOW, actor="t")

    from fordra.kfm.daily import kfm_daily

    assert kfm_daily(run_date=date(2027, 9, 9), now=NOW)["kfm_enforcement_renewals"] == 0
    assert kfm_daily(run_date=date(2027, 9, 10), now=NOW)["kfm_enforcement_renewals"] == 1
    assert kfm_daily(run_date=date(2027, 9, 10), now=NOW)["kfm_enforcement_renewals"] == 0
    assert list(FeeRecord.objects.filter(case=case, kind="enforcement").values_list(
        "date", "amount_ore")) == [(date(2026, 9, 10), 60_000), (date(2027, 9, 10), 60_000)]
    assert_money_invariants()


class RecordingTransport:
    """A transport double that keeps what it was given (FORDRA_KFM_TRANSPORT)."""

    batches: ClassVar[list] = []

    def submit(self, batch):  # type: ignore[no-untyped-def]
        RecordingTransport.batches.append(batch)
        return f"kvittens-{batch.batch_id}"


class RefusingTransport:
    def submit(self, batch):  # type: ignore[no-untyped-def]
        raise ApplicationError("Kronofogden's service is closed")


def test_the_batch_goes_through_the_configured_transport_and_a_refusal_writes_no_batch(
    handed_over, settings
):
    case = handed_over
    day = date(2026, 8, 12)
    kfm_apply(case=case, day=day, now=NOW, actor="staff:test")

    settings.FORDRA_KFM_TRANSPORT = f"{__name__}.RefusingTransport"
    with pytest.raises(ApplicationError, match="closed"):
        kfm_export(day=day, now=NOW)
    assert not KfmBatch.objects.exists()  # nothing half-written: the batch waits

    settings.FORDRA_KFM_TRANSPORT = f"{__name__}.RecordingTransport"
    RecordingTransport.batches = []
    exported = kfm_export(day=day, now=NOW)

    assert exported.new == 1
    sent = RecordingTransport.batches
    assert [b.batch_id for b in sent] == [exported.batches[0].batch_id]
    assert json.loads(sent[0].json_bytes)["batch"]["application_count"] == 1
    event = CaseEvent.objects.get(case=case, kind="kfm_submitted")
    assert f"kvittens-{sent[0].batch_id}" in event.detail


def test_by_default_the_batch_waits_in_the_outbox_for_sending(handed_over):
    day = date(2026, 8, 12)
    kfm_apply(case=handed_over, day=day, now=NOW, actor="staff:test")

    exported = kfm_export(day=day, now=NOW)

    event = CaseEvent.objects.get(case=handed_over, kind="kfm_submitted")
    outbox = Path(event.detail.split("(")[-1].rstrip(")"))
    assert outbox.parent.name == "outbox" and outbox.read_bytes() == Path(
        exported.batches[0].json_path
    ).read_bytes()
