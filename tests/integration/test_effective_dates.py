"""Staff actions with an effective date (issue 10 item 7, DESIGN.md §4.2 ``[--date D]``).

The case: 1 000 kr due 2026-06-12, consumer, reminder fee agreed. The consumer ladder sends the
reminder 2026-06-22 (60 kr) and the inkassokrav 2026-07-13 (180 kr). The objection arrived by
post on 2026-07-01 and is registered later with that date.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Allocation, Case, CaseState, FeeRecord
from fordra.cli import main
from fordra.collection.run import daily_run
from fordra.letters.models import Letter, LetterStatus
from fordra.payments.actions import payment_apply
from tests.conftest import PNR_A, assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 7, 20, 5, 0, tzinfo=UTC)
DEMAND_DAY = date(2026, 7, 13)
FUTURE = "2030-01-01"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


@pytest.fixture
def demanded(creditor, reference_rates) -> Case:
    import_bytes(claims_csv(claim_line("F-1", amount="1 000,00", due_date="2026-06-12",
                                       invoice_date="2026-05-13")))
    day = date(2026, 6, 12)
    while day <= DEMAND_DAY:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    case = Case.objects.get(debtor__national_id=PNR_A)
    assert case.state == CaseState.DEMAND
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.letter_date == DEMAND_DAY
    assert demand.status in (LetterStatus.SENT, LetterStatus.HANDED_OVER)
    return case


def cli(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main([*argv, "--json"])
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


def test_a_dispute_received_before_the_demand_voids_it_and_reverses_its_fee(demanded, capsys):
    code, _, err = cli(capsys, "case", "dispute", demanded.ref, "--reason", "Fel belopp",
                       "--date", "2026-07-01")

    assert code == 0, err
    demand = Letter.objects.get(case=demanded, kind="demand")
    reminder = Letter.objects.get(case=demanded, kind="reminder")
    assert demand.status == LetterStatus.VOID
    assert reminder.status != LetterStatus.VOID  # sent 2026-06-22, before the objection
    fees = sorted(FeeRecord.objects.filter(case=demanded).values_list("kind", "amount_ore"))
    assert fees == [("demand", -18000), ("demand", 18000), ("reminder", 6000)]
    disputed = demanded.events.get(kind="disputed")
    assert disputed.date == date(2026, 7, 1)
    assert demanded.events.filter(kind="fee_reversed", date=DEMAND_DAY).exists()
    assert demanded.events.filter(kind="letter_void", date=DEMAND_DAY).exists()
    # Owed now: 1 000 kr + the reminder's 60 kr (+ interest); the 180 kr is gone.
    shown = case_detail_json(Case.objects.get(pk=demanded.pk), as_of=date(2026, 7, 20))
    assert shown["fees_ore"] == 6000
    code, verified, _ = cli(capsys, "ledger", "verify")
    assert code == 0 and verified["ok"]
    code, report, _ = cli(capsys, "ledger", "reconcile", "--as-of", "2026-12-01")
    assert code == 0 and report["identity_ok"]
    assert_money_invariants()


def test_a_back_dated_dispute_re_allocates_a_payment_that_had_paid_the_reversed_fee(demanded):
    # 500 kr on 07-15: costs 24 000 (60 + 180 kr) first, then interest, then capital.
    payment_apply(case=demanded, amount_ore=50_000, paid_on=date(2026, 7, 15), source="manual",
                  key="P", now=NOW)
    assert Allocation.objects.get(component="costs").amount_ore == 24_000

    main(["case", "dispute", demanded.ref, "--reason", "Fel belopp", "--date", "2026-07-01"])

    net = {c: 0 for c in ("costs", "interest", "capital")}
    for component, amount in Allocation.objects.values_list("component", "amount_ore"):
        net[component] += amount
    # Interest 06-13..07-15, 33 days on 1 000 kr at 10 % = 904,11 → 904 öre (both times);
    # the 18 000 öre the demand fee took now goes to capital.
    assert net == {"costs": 6000, "interest": 904, "capital": 50_000 - 6000 - 904}
    shown = case_detail_json(Case.objects.get(pk=demanded.pk), as_of=date(2026, 7, 20))
    assert shown["fees_ore"] == 0
    assert min(shown["capital_ore"], shown["interest_ore"], shown["fees_ore"]) >= 0
    assert_money_invariants()


def test_a_dispute_on_the_day_of_the_demand_keeps_the_demand(demanded, capsys):
    code, _, _ = cli(capsys, "case", "dispute", demanded.ref, "--reason", "Fel belopp",
                     "--date", DEMAND_DAY.isoformat())

    assert code == 0
    assert Letter.objects.get(case=demanded, kind="demand").status != LetterStatus.VOID
    assert not FeeRecord.objects.filter(amount_ore__lt=0).exists()


@pytest.mark.parametrize(
    "argv",
    [
        ("case", "pause", "{ref}", "--until", "2030-02-01", "--reason", "Sjuk"),
        ("case", "resume", "{ref}"),
        ("case", "dispute", "{ref}", "--reason", "Fel"),
        ("case", "decide", "{ref}", "--outcome", "court"),
        ("case", "partner", "{ref}", "--partner", "Partner GmbH"),
        ("payment", "direct", "{ref}", "--amount", "100"),
        ("plan", "propose", "{ref}", "--installments", "3", "--first-due", "2030-02-01"),
        ("plan", "approve", "{ref}"),
        ("plan", "reject", "{ref}"),
        ("kfm", "apply", "{ref}"),
        ("kfm", "record", "{ref}", "--outcome", "served"),
        ("debtor", "mark", PNR_A, "--deceased"),
    ],
    ids=lambda argv: " ".join(argv[:2]),
)
def test_an_effective_date_in_the_future_is_refused_and_nothing_is_written(demanded, capsys, argv):
    from fordra.claims.models import CaseEvent

    events = CaseEvent.objects.count()
    argv = tuple(a.format(ref=demanded.ref) for a in argv)

    code, obj, err = cli(capsys, *argv, "--date", FUTURE)

    assert code == 1
    assert f"--date {FUTURE} is in the future" in err
    assert obj["code"] == "future_date"
    assert CaseEvent.objects.count() == events


def test_a_direct_payment_dated_2030_is_refused(demanded, capsys):
    code, _, err = cli(capsys, "payment", "direct", demanded.ref, "--amount", "100",
                       "--date", "2030-01-01")

    assert code == 1 and "in the future" in err
    assert not Allocation.objects.exists()


def test_a_pause_from_an_earlier_day_voids_the_letters_written_in_it(demanded, capsys):
    code, _, err = cli(capsys, "case", "pause", demanded.ref, "--until", "2026-12-31",
                       "--reason", "Sjukdom", "--date", "2026-07-10")

    assert code == 0, err
    assert Letter.objects.get(case=demanded, kind="demand").status == LetterStatus.VOID
    assert demanded.events.get(kind="paused").date == date(2026, 7, 10)
    assert FeeRecord.objects.filter(kind="demand", amount_ore=-18000).exists()
    assert_money_invariants()


def test_a_decision_before_the_dispute_was_received_is_refused(demanded, capsys):
    cli(capsys, "case", "dispute", demanded.ref, "--reason", "Fel", "--date", "2026-07-15")

    code, _, err = cli(capsys, "case", "decide", demanded.ref, "--outcome", "court",
                       "--date", "2026-07-14")

    assert code == 1 and "before the dispute was received" in err


# --- the back office -------------------------------------------------------------------------


@pytest.fixture
def staff(client, django_user_model):
    client.force_login(django_user_model.objects.create_user("handlaggare", is_staff=True))
    return client


def test_the_dispute_form_takes_the_day_the_objection_was_received(demanded, staff):
    url = f"/staff/cases/{demanded.ref}/action/"

    page = staff.post(url, {"action": "dispute", "reason": "Fel belopp", "date": "2026-07-01"},
                      follow=True)

    assert "Bestridandet registrerades" in page.content.decode()
    assert demanded.events.get(kind="disputed").date == date(2026, 7, 1)
    assert Letter.objects.get(case=demanded, kind="demand").status == LetterStatus.VOID


def test_a_form_date_in_the_future_is_refused_in_swedish_and_nothing_changes(demanded, staff):
    url = f"/staff/cases/{demanded.ref}/action/"

    page = staff.post(url, {"action": "dispute", "reason": "Fel", "date": FUTURE}, follow=True)

    body = page.content.decode()
    assert f"datumet {FUTURE} ligger i framtiden" in body
    assert Case.objects.get(pk=demanded.pk).state == CaseState.DEMAND
    page = staff.post(f"/staff/cases/{demanded.ref}/direct-payment/",
                      {"amount": "100", "date": FUTURE}, follow=True)
    assert "ligger i framtiden" in page.content.decode()
    assert not Allocation.objects.exists()


def test_the_case_page_offers_a_date_field_on_every_staff_form(demanded, staff):
    body = staff.get(f"/staff/cases/{demanded.ref}/").content.decode()

    for label in ("Mottaget den", "Pausa från", "Betaldag"):
        assert f'aria-label="{label}"' in body


def test_the_plan_and_kronofogden_forms_refuse_a_future_date_in_swedish(demanded, staff):
    from fordra.kfm.models import KfmApplication
    from fordra.plans.models import Plan

    page = staff.post(f"/staff/cases/{demanded.ref}/plan/propose/",
                      {"installments": "3", "first_due": "2030-02-01", "date": FUTURE},
                      follow=True)
    assert "ligger i framtiden" in page.content.decode()
    assert not Plan.objects.exists()

    page = staff.post(f"/staff/cases/{demanded.ref}/kfm/decide/",
                      {"action": "apply", "date": FUTURE}, follow=True)
    assert "ligger i framtiden" in page.content.decode()
    assert not KfmApplication.objects.exists()


def test_a_dispute_reverses_the_fee_of_a_demand_that_was_never_sent(creditor, reference_rates):
    import_bytes(claims_csv(claim_line("F-1", amount="1 000,00", due_date="2026-06-12",
                                       invoice_date="2026-05-13")))
    day = date(2026, 6, 12)
    while day < DEMAND_DAY:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    daily_run(run_date=DEMAND_DAY, now=NOW, decide_only=True)  # the demand written, not sent
    case = Case.objects.get()
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.status == LetterStatus.PENDING

    main(["case", "dispute", case.ref, "--reason", "Fel belopp", "--date", DEMAND_DAY.isoformat()])

    demand.refresh_from_db()
    assert demand.status == LetterStatus.CANCELLED
    fees = sorted(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore"))
    assert fees == [("demand", -18000), ("demand", 18000), ("reminder", 6000)]
    assert_money_invariants()
