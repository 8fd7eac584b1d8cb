"""Disputes (bestridande) decided three ways, and special debtors — nothing sent that may not be."""

from __future__ import annotations

import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fordra.claims.models import Case, CaseState, Invoice, Task
from fordra.claims.selectors import case_balance_of
from fordra.collection.run import daily_run
from fordra.collection.services import (
    case_dispute,
    case_dispute_decide,
    case_to_partner,
    debtor_mark,
)
from fordra.core.errors import ApplicationError
from fordra.letters.models import Letter, LetterStatus
from tests.conftest import PNR_A, assert_money_invariants, claim_line, claims_csv, import_bytes
from tests.unit.letters.letter_factories import pdf_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
DEMAND_DAY = date(2026, 7, 13)  # the consumer ladder's demand for a claim due 2026-06-12


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def demanded_case(creditor, *, lines: tuple[str, ...] | None = None) -> Case:  # type: ignore[no-untyped-def]
    lines = lines or (claim_line("F-1", amount="1 000,00", due_date="2026-06-12",
                                 invoice_date="2026-05-13"),)
    import_bytes(claims_csv(*lines), filename="claims.csv")
    run_days(date(2026, 6, 12), DEMAND_DAY)
    case = Case.objects.get(debtor__national_id=PNR_A)
    assert case.state == CaseState.DEMAND
    return case


def ladder_letters_after(case: Case, day: date) -> list[str]:
    return list(
        Letter.objects.filter(case=case, letter_date__gt=day)
        .exclude(kind="dispute")
        .values_list("kind", flat=True)
    )


def test_a_dispute_stops_collection_at_once_and_the_debtor_is_told_in_writing(
    creditor, reference_rates
):
    case = demanded_case(creditor)
    case_dispute(case=case, reason="Varan levererades aldrig", actor="staff", today=date(2026, 7, 15))

    run_days(date(2026, 7, 15), date(2026, 9, 30))

    assert ladder_letters_after(case, date(2026, 7, 14)) == []
    answer = Letter.objects.get(case=case, kind="dispute")
    assert answer.text == "dispute_received"
    assert answer.status == LetterStatus.SENT
    text = pdf_text(Path(answer.pdf_path).read_bytes())
    assert "Vi har tagit emot ditt bestridande" in text
    assert "stoppat alla indrivningsåtgärder" in text


def test_withdrawn_claim_is_written_off_closed_and_balances_to_zero(creditor, reference_rates):
    case = demanded_case(creditor)
    case_dispute(case=case, reason="Fel person", actor="staff", today=date(2026, 7, 15))

    case = case_dispute_decide(
        case=case, outcome="withdrawn", actor="staff", today=date(2026, 7, 20), now=NOW
    )
    run_days(date(2026, 7, 20), date(2026, 8, 31))

    assert case.state == CaseState.CLOSED_RECALLED
    assert case.dispute_outcome == "withdrawn"
    assert Invoice.objects.get(case=case).written_off_on == date(2026, 7, 20)
    assert case_balance_of(case, as_of=date(2026, 8, 31)).balance_ore == 0
    assert ladder_letters_after(case, date(2026, 7, 14)) == []
    texts = list(Letter.objects.filter(case=case, kind="dispute").values_list("text", flat=True))
    assert texts == ["dispute_received", "dispute_withdrawn"]
    assert_money_invariants()


def test_corrected_claim_gets_a_credit_note_and_collection_resumes_where_it_stopped(
    creditor, reference_rates
):
    case = demanded_case(creditor)
    case_dispute(case=case, reason="Fakturerat 300 kr för mycket", actor="staff",
                 today=date(2026, 7, 15))

    case = case_dispute_decide(
        case=case, outcome="corrected", actor="staff", today=date(2026, 7, 20), now=NOW,
        credit_ore=30_000,
    )
    assert case.state == CaseState.DEMAND
    credit = Invoice.objects.get(case=case, kind="credit_note")
    assert credit.amount_ore == -30_000
    run_days(date(2026, 7, 20), date(2026, 8, 31))

    # The ladder's next step (the reminder of the demand) follows, on the corrected capital.
    assert ladder_letters_after(case, date(2026, 7, 14)) == ["demand_reminder"]
    follow_up = Letter.objects.get(case=case, kind="demand_reminder")
    assert follow_up.content["capital_ore"] == 70_000
    assert_money_invariants()


def test_a_claim_pursued_in_court_stays_disputed_with_its_case_file_for_the_ombud(
    creditor, reference_rates
):
    case = demanded_case(creditor)
    case_dispute(case=case, reason="Priset var ett annat", actor="staff", today=date(2026, 7, 15))

    case = case_dispute_decide(
        case=case, outcome="court", actor="staff", today=date(2026, 7, 20), now=NOW
    )
    run_days(date(2026, 7, 20), date(2026, 10, 31))

    assert case.state == CaseState.DISPUTED and case.dispute_outcome == "court"
    task = Task.objects.get(case=case, kind="dispute_court")
    bundle = Path(task.text.split("akten: ")[1].rstrip(")"))
    names = zipfile.ZipFile(bundle).namelist()
    assert "arende.json" in names and any(n.startswith("brev/") for n in names)
    assert ladder_letters_after(case, date(2026, 7, 14)) == []
    with pytest.raises(ApplicationError, match="already with the court"):
        case_dispute_decide(case=case, outcome="court", actor="staff", today=date(2026, 8, 1),
                            now=NOW)


def test_a_decision_needs_a_disputed_case_and_a_credit_within_the_capital(creditor, reference_rates):
    case = demanded_case(creditor)
    with pytest.raises(ApplicationError, match="not disputed"):
        case_dispute_decide(case=case, outcome="withdrawn", actor="s", today=DEMAND_DAY, now=NOW)
    case_dispute(case=case, reason="x", actor="s", today=DEMAND_DAY)
    with pytest.raises(ApplicationError, match="more than the capital"):
        case_dispute_decide(case=case, outcome="corrected", actor="s", today=DEMAND_DAY, now=NOW,
                            credit_ore=200_000)
    with pytest.raises(ApplicationError, match="above 0"):
        case_dispute_decide(case=case, outcome="corrected", actor="s", today=DEMAND_DAY, now=NOW)
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPUTED


@pytest.mark.parametrize("mark", ["debt_relief", "deceased"])
def test_skuldsanering_and_dodsbo_stop_every_letter_and_fee_from_the_next_run(
    creditor, reference_rates, mark
):
    import_bytes(claims_csv(claim_line("F-1", due_date="2026-06-12", invoice_date="2026-05-13")))
    run_days(date(2026, 6, 12), date(2026, 6, 30))  # the reminder went out on 06-22
    result = debtor_mark(national_id=PNR_A, marks={mark: True}, actor="staff",
                         today=date(2026, 7, 1))
    assert result["cases"] == 1

    run_days(date(2026, 7, 1), date(2026, 9, 30))

    case = Case.objects.get(debtor__national_id=PNR_A)
    assert list(Letter.objects.filter(case=case).values_list("kind", flat=True)) == ["reminder"]
    assert case.fees.count() == 1
    assert case.events.filter(kind="debtor_marked").exists()


def test_a_case_handed_to_a_partner_abroad_gets_nothing_more_from_fordra(creditor, reference_rates):
    import_bytes(claims_csv(claim_line("F-1", due_date="2026-06-12", invoice_date="2026-05-13")))
    case = Case.objects.get()
    case_to_partner(case=case, partner="Nordic Partner Oy", actor="staff", today=date(2026, 6, 15))

    run_days(date(2026, 6, 12), date(2026, 8, 31))

    assert not Letter.objects.filter(case=case).exists()
    assert Case.objects.get(pk=case.pk).foreign_partner == "Nordic Partner Oy"


def test_staff_register_and_decide_a_dispute_in_the_back_office(creditor, reference_rates, client):
    from django.contrib.auth.models import User

    case = demanded_case(creditor)
    client.force_login(User.objects.create_user("handlaggare", is_staff=True))
    url = f"/staff/cases/{case.ref}/action/"

    page = client.post(url, {"action": "dispute", "reason": "Har redan betalat"}, follow=True)
    assert "Bestridandet registrerades" in page.content.decode()
    assert Case.objects.get(pk=case.pk).state == CaseState.DISPUTED

    page = client.post(url, {"action": "decide", "outcome": "corrected", "credit": "abc"},
                       follow=True)
    assert "Kunde inte utföra" in page.content.decode()  # a clear error, nothing written
    assert not Invoice.objects.filter(case=case, kind="credit_note").exists()

    page = client.post(url, {"action": "decide", "outcome": "corrected", "credit": "250,00"},
                       follow=True)
    body = page.content.decode()
    assert "Beslutet om bestridandet registrerades" in body
    assert Invoice.objects.get(case=case, kind="credit_note").amount_ore == -25_000
    assert Case.objects.get(pk=case.pk).state == CaseState.DEMAND
    assert case.events.filter(kind="dispute_corrected", actor="staff:handlaggare").exists()


def test_the_cli_decides_a_dispute_and_marks_a_debtor(creditor, reference_rates, capsys):
    import json

    from fordra.cli import main

    case = demanded_case(creditor)
    assert main(["case", "dispute", case.ref, "--reason", "Fel belopp", "--json"]) == 0
    capsys.readouterr()
    assert main(["case", "decide", case.ref, "--outcome", "court", "--json"]) == 0
    assert json.loads(capsys.readouterr().out) == {
        "ref": case.ref, "state": "disputed", "dispute_outcome": "court",
    }
    with pytest.raises(SystemExit) as usage:
        main(["case", "decide", case.ref, "--outcome", "maybe"])
    assert usage.value.code == 2
    capsys.readouterr()
    assert main(["debtor", "mark", PNR_A, "--deceased", "--json"]) == 0
    marked = json.loads(capsys.readouterr().out)
    assert marked["marks"] == {"deceased": True} and marked["cases"] == 1
    assert main(["debtor", "mark", "19121212-1213", "--deceased"]) == 1
    assert "debtor" in capsys.readouterr().err
