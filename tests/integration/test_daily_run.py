"""The daily run over imported cases: the legally allowed letters and fees on the right bank days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.claims.models import Case, CaseEvent, CaseState, FeeRecord, Task
from fordra.collection.models import CaseStep
from fordra.collection.run import daily_run
from fordra.letters.models import Delivery, Letter, LetterStatus
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


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_days(first: date, last: date) -> dict[date, dict]:
    out = {}
    day = first
    while day <= last:
        out[day] = daily_run(run_date=day, now=NOW).as_json()
        day += timedelta(days=1)
    return out


def import_one(*, due: str = "2026-06-12", amount: str = "1 000,00", debtor: str = PNR_A) -> Case:
    import_bytes(
        claims_csv(claim_line(f"F-{debtor[-4:]}", amount=amount, due_date=due, invoice_date="2026-05-13",
                              debtor=debtor)),
        filename=f"f-{due}-{debtor}.csv",
    )
    return Case.objects.get(debtor__national_id=debtor)


def test_the_consumer_ladder_sends_each_letter_on_its_bank_day_with_its_fee(creditor, reference_rates):
    case = import_one(due="2026-06-12")  # a Friday

    run_days(date(2026, 6, 12), date(2026, 8, 20))

    letters = list(Letter.objects.filter(case=case).order_by("letter_date"))
    assert [(lt.kind, lt.letter_date, lt.pay_by) for lt in letters] == [
        # due + 7 = midsommarafton 06-19 → Monday 06-22; pay within 10 days
        ("reminder", date(2026, 6, 22), date(2026, 7, 2)),
        # reminder's pay-by + 10 = Sunday 07-12 → Monday 07-13; ≥ the legal minimum 07-21
        ("demand", date(2026, 7, 13), date(2026, 7, 23)),
        ("demand_reminder", date(2026, 7, 30), date(2026, 8, 10)),
    ]
    assert all(lt.status == LetterStatus.SENT and lt.channel == "print" for lt in letters)
    fees = list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore", "date"))
    assert fees == [
        ("reminder", 6000, date(2026, 6, 22)),
        ("demand", 18000, date(2026, 7, 13)),
    ]
    case.refresh_from_db()
    assert case.state == CaseState.DEMAND
    assert case.awaiting_decision is True
    assert Task.objects.filter(case=case, kind="hand_over").count() == 1
    assert CaseStep.objects.filter(case=case).count() == 4
    assert_money_invariants()  # every fee is also a ledger transaction


def test_a_demand_letter_states_interest_to_its_date_and_every_fee(creditor, reference_rates):
    from fordra.casefile import case_detail_json

    case = import_one(due="2026-06-12", amount="10 000,00")
    run_days(date(2026, 6, 12), date(2026, 7, 13))

    demand = Letter.objects.get(case=case, kind="demand")
    content = demand.content
    # 10 000 kr from 2026-06-13 to 2026-07-13 at 2.00 + 8 = 10 % (the July rate is carried
    # forward, provisional): 18 days in H1 → 4 931.51 öre → 4 932; 13 days in H2 → 3 561.64 → 3 562
    assert [(i["start"], i["end"], i["days"], i["amount_ore"]) for i in content["interest"]] == [
        ("2026-06-13", "2026-06-30", 18, 4932),
        ("2026-07-01", "2026-07-13", 13, 3562),
    ]
    assert [(f["kind"], f["amount_ore"]) for f in content["fees"]] == [
        ("reminder", 6000), ("demand", 18000)
    ]
    assert content["total_ore"] == 1_000_000 + 4932 + 3562 + 6000 + 18000
    assert demand.total_ore == content["total_ore"]
    shown = case_detail_json(case, as_of=date(2026, 7, 13))
    assert [lt["kind"] for lt in shown["letters"]] == ["reminder", "demand"]
    assert all(lt["pdf"].endswith(".pdf") for lt in shown["letters"])
    assert shown["fees_ore"] == 24000


def test_a_rerun_of_the_same_day_does_nothing_new(creditor, reference_rates):
    case = import_one(due="2026-06-12")
    first = daily_run(run_date=date(2026, 6, 22), now=NOW).as_json()

    again = daily_run(run_date=date(2026, 6, 22), now=NOW).as_json()

    assert first["letters"] == 1 and first["actions"] == {"reminder": 1}
    assert again["letters"] == 0 and again["actions"] == {}
    assert Letter.objects.filter(case=case).count() == 1
    assert FeeRecord.objects.filter(case=case).count() == 1
    assert Delivery.objects.count() == 1


def test_a_run_that_dies_mid_write_leaves_nothing_and_the_rerun_does_it_once(
    creditor, reference_rates, monkeypatch
):
    import fordra.collection.run as run_module

    case = import_one(due="2026-06-12")
    original = run_module._insert_letters

    def crash(rows):
        original(rows)
        raise RuntimeError("killed")

    monkeypatch.setattr(run_module, "_insert_letters", crash)
    with pytest.raises(RuntimeError):
        daily_run(run_date=date(2026, 6, 22), now=NOW)
    assert (CaseStep.objects.count(), Letter.objects.count(), FeeRecord.objects.count()) == (0, 0, 0)

    monkeypatch.setattr(run_module, "_insert_letters", original)
    daily_run(run_date=date(2026, 6, 22), now=NOW)
    daily_run(run_date=date(2026, 6, 22), now=NOW)

    assert Letter.objects.filter(case=case).count() == 1
    assert FeeRecord.objects.filter(case=case).count() == 1


def test_nothing_is_sent_on_a_weekend_or_holiday(creditor, reference_rates):
    import_one(due="2026-06-12")

    for day in (date(2026, 6, 19), date(2026, 6, 20), date(2026, 6, 21)):  # midsommar, weekend
        assert daily_run(run_date=day, now=NOW).letters == 0

    assert daily_run(run_date=date(2026, 6, 22), now=NOW).letters == 1


def test_a_disputed_or_paused_case_gets_no_letter(creditor, reference_rates):
    from fordra.collection.services import case_dispute, case_pause

    disputed = import_one(due="2026-06-12", debtor=PNR_A)
    paused = import_one(due="2026-06-12", debtor=PNR_B)
    case_dispute(case=disputed, reason="Varan kom aldrig", actor="test", today=date(2026, 6, 15))
    case_pause(case=paused, until=date(2026, 6, 30), reason="Väntar på besked", actor="test",
               today=date(2026, 6, 15))

    run_days(date(2026, 6, 15), date(2026, 6, 30))

    # The only letter is the answer to the objection (no collection letter on either case).
    assert list(Letter.objects.values_list("case", "kind")) == [(disputed.id, "dispute")]
    assert daily_run(run_date=date(2026, 7, 1), now=NOW).letters == 1  # the pause has ended
    assert Letter.objects.exclude(kind="dispute").get().case == paused
    assert CaseEvent.objects.get(case=disputed, kind="disputed").actor == "test"


def test_one_letter_a_day_per_debtor_across_creditors(creditor, reference_rates):
    from fordra.parties.services import creditor_add

    other, _ = creditor_add(name="Annan AB", orgnr="5565594230", bankgiro="50501055",
                            reminder_fee_agreed=True)
    import_one(due="2026-06-12")
    import_bytes(
        claims_csv(claim_line("X-1", creditor=other.orgnr, due_date="2026-06-12",
                              invoice_date="2026-05-13")),
        filename="other.csv",
    )

    monday = daily_run(run_date=date(2026, 6, 22), now=NOW)
    tuesday = daily_run(run_date=date(2026, 6, 23), now=NOW)

    assert (monday.letters, monday.deferred) == (1, 1)
    assert tuesday.letters == 1
    dates = sorted(Letter.objects.values_list("letter_date", flat=True))
    assert dates == [date(2026, 6, 22), date(2026, 6, 23)]


def test_reminders_only_returns_the_case_to_the_creditor_after_the_last_reminder(
    creditor, reference_rates
):
    creditor.service_level = "reminders"
    creditor.save()
    case = import_one(due="2026-06-12")

    run_days(date(2026, 6, 12), date(2026, 7, 10))

    case.refresh_from_db()
    assert [lt.kind for lt in Letter.objects.filter(case=case)] == ["reminder"]
    assert case.state == CaseState.CLOSED_RECALLED
    assert "påminnelser" in case.close_reason
    assert not FeeRecord.objects.filter(case=case, kind="demand").exists()


def test_collection_only_starts_with_the_demand_and_charges_no_reminder_fee(
    creditor, reference_rates
):
    creditor.service_level = "collection"
    creditor.save()
    case = import_one(due="2026-06-12")

    run_days(date(2026, 6, 12), date(2026, 7, 31))

    letters = list(Letter.objects.filter(case=case).order_by("letter_date"))
    assert letters[0].kind == "demand"
    assert not FeeRecord.objects.filter(case=case, kind="reminder").exists()


def test_a_reminder_fee_is_charged_only_when_agreed(creditor, reference_rates):
    creditor.reminder_fee_agreed = False
    creditor.save()
    case = import_one(due="2026-06-12")

    daily_run(run_date=date(2026, 6, 22), now=NOW)

    assert Letter.objects.get(case=case).kind == "reminder"
    assert not FeeRecord.objects.filter(case=case).exists()


def test_a_business_debtor_pays_late_payment_compensation_once_and_no_collection_fee(
    creditor, reference_rates
):
    creditor.template = "b2b"
    creditor.save()
    case = import_one(due="2026-06-12", debtor="5566778899")

    run_days(date(2026, 6, 12), date(2026, 7, 31))

    fees = list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore"))
    assert fees == [("late_payment_compensation", 45000)]
    assert_money_invariants()
    assert Letter.objects.filter(case=case, kind="demand").exists()


def test_a_letter_that_fails_the_compliance_lint_is_blocked_with_a_staff_task(
    creditor, reference_rates, settings
):
    settings.AGENCY = {**settings.AGENCY, "phone": "", "email": ""}
    case = import_one(due="2026-06-12")

    result = daily_run(run_date=date(2026, 6, 22), now=NOW)

    letter = Letter.objects.get(case=case)
    assert (result.blocked, result.sent) == (1, 0)
    assert letter.status == LetterStatus.BLOCKED
    assert letter.problems
    assert CaseEvent.objects.filter(case=case, kind="letter_blocked").exists()
    assert Task.objects.filter(case=case, kind="letter_blocked").exists()
