"""Limitation and efterbevakning as staff meet them: `fordra import claims` closing a claim that
is already time-barred, `fordra limitation show`, `fordra surveillance start/rescore`, the case
page panel and the "Preskription" list."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fordra.claims.models import Case, CaseState, ImportBatch, Task
from fordra.cli import main
from fordra.letters.models import Letter, LetterStatus
from fordra.surveillance.daily import limitation_refresh
from tests.conftest import PNR_A, PNR_B, claim_line, claims_csv, import_bytes


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


@pytest.mark.django_db
def test_import_claims_closes_a_claim_already_time_barred_before_any_letter(
    capsys, creditor, reference_rates, settings, tmp_path: Path
):
    settings.MEDIA_ROOT = tmp_path / "media"
    f = tmp_path / "claims.csv"
    # Invoice of 2015 (consumer, three years): time-barred long before today's hand-over.
    f.write_bytes(claims_csv(
        claim_line("OLD-1", debtor=PNR_A, invoice_date="2015-03-02", due_date="2015-04-01"),
        claim_line("NEW-1", debtor=PNR_B, invoice_date=(timezone.localdate() - timedelta(days=40)).isoformat(),
                   due_date=(timezone.localdate() - timedelta(days=10)).isoformat()),
    ))

    code, obj, err = run(capsys, "--json", "import", "claims", str(f))

    assert code == 0, err
    assert obj["invoices"] == 2 and obj["time_barred"] == 1
    old = Case.objects.get(debtor__national_id=PNR_A)
    new = Case.objects.get(debtor__national_id=PNR_B)
    assert old.state == CaseState.CLOSED_TIME_BARRED
    assert new.limitation_date is not None and new.state == CaseState.OPEN
    code, shown, _ = run(capsys, "--json", "case", "show", old.ref)
    assert shown["state"] == "closed_time_barred" and shown["balance_ore"] == 0
    assert shown["limitation_date"] == "2018-03-02"
    assert shown["limitation"]["claims"][0]["time_barred"] is True
    code, shown, _ = run(capsys, "--json", "limitation", "show", old.ref)
    assert code == 0
    claim = shown["claims"][0]
    assert (claim["invoice_number"], claim["claim_type"], claim["period_years"]) == (
        "OLD-1", "consumer", 3)
    assert claim["status"] == "written_off" and "preskriberad" in claim["explanation"]
    code, _, _ = run(capsys, "run", "--date", timezone.localdate().isoformat())
    assert code == 0
    assert not Letter.objects.filter(case=old).exists()


@pytest.fixture
def cases(creditor, reference_rates, settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    import_bytes(claims_csv(
        claim_line("S-1", debtor=PNR_A, invoice_date="2026-08-01", due_date="2026-08-31"),
        claim_line("S-2", debtor=PNR_B, name="Lisa Testsson", invoice_date="2026-08-01",
                   due_date="2026-08-31"),
    ))
    limitation_refresh(today=date(2026, 11, 23), now=timezone.now())
    return Case.objects.get(debtor__national_id=PNR_A), Case.objects.get(debtor__national_id=PNR_B)


@pytest.mark.django_db
def test_surveillance_start_and_rescore_from_the_command_line(capsys, cases):
    a, _ = cases

    code, started, err = run(capsys, "--json", "surveillance", "start", a.ref, "--date",
                             "2026-11-23")
    assert code == 0, err
    assert started["state"] == "surveillance" and started["limitation_date"] == "2029-08-01"
    assert 0 <= started["score"]["value"] <= 100
    code, again, _ = run(capsys, "--json", "surveillance", "start", a.ref, "--date", "2026-11-24")
    assert code == 0 and again["already"] is True

    code, rescored, _ = run(capsys, "--json", "surveillance", "rescore", "--date", "2027-02-23")
    assert code == 0 and rescored["rescored"] == 1
    code, _, _ = run(capsys, "limitation", "show", a.ref, "--as-of", "2027-02-23")
    assert code == 0


@pytest.mark.django_db
def test_limitation_commands_refuse_clearly(capsys, cases):
    a, _ = cases
    code, _, err = run(capsys, "limitation", "decide", a.ref, "--decision", "time_barred",
                       "--reason", "x", "--date", "2026-11-23")
    assert code == 1 and "no claim waiting" in err
    code, _, err = run(capsys, "limitation", "show", "FD-999999")
    assert code == 1 and "no case" in err
    Case.objects.filter(pk=a.pk).update(state=CaseState.CLOSED_PAID)
    code, _, err = run(capsys, "surveillance", "start", a.ref, "--date", "2026-11-23")
    assert code == 1 and "efterbevakning starts only from" in err


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("handlaggare", password="x", is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_the_case_page_shows_limitation_per_claim_and_starts_surveillance(staff_client, cases):
    a, _ = cases

    page = staff_client.get(f"/staff/cases/{a.ref}/").content.decode()
    assert 'data-testid="limitation"' in page and "2029-08-01" in page
    assert 'data-testid="surveillance-start"' in page

    response = staff_client.post(f"/staff/cases/{a.ref}/surveillance/start/", follow=True)

    html = response.content.decode()
    assert "under efterbevakning" in html
    assert 'data-testid="scores"' in html
    a.refresh_from_db()
    assert a.state == CaseState.SURVEILLANCE


@pytest.mark.django_db
def test_the_preskription_list_shows_near_and_flagged_cases_and_staff_decide(staff_client, cases):
    a, b = cases
    today = timezone.localdate()
    Case.objects.filter(pk=a.pk).update(limitation_date=today + timedelta(days=90))
    # b: handed over two years ago, three years and a month old, with a letter a year ago that
    # no channel confirmed → flagged for review.
    Case.objects.filter(pk=b.pk).update(state=CaseState.SURVEILLANCE)
    b.invoices.update(invoice_date=today - timedelta(days=3 * 366 + 30),
                      due_date=today - timedelta(days=3 * 366))
    ImportBatch.objects.update(business_date=today - timedelta(days=2 * 365))
    Letter.objects.create(case=b, kind="demand", text="demand", step="demand",
                          letter_date=today - timedelta(days=365),
                          pay_by=today - timedelta(days=350),
                          status=LetterStatus.HANDED_OVER, channel="print", key="manual:b")
    limitation_refresh(today=today, now=timezone.now(), case_ids=[b.id])
    b.refresh_from_db()
    assert b.limitation_review is True

    listing = staff_client.get("/staff/limitation/").content.decode()
    assert a.ref in listing and b.ref in listing

    response = staff_client.post(f"/staff/cases/{b.ref}/limitation/decide/",
                                 {"decision": "not_time_barred", "reason": ""}, follow=True)
    assert "Inget beslut" in response.content.decode()  # a reason is required: a message
    response = staff_client.post(
        f"/staff/cases/{b.ref}/limitation/decide/",
        {"decision": "not_time_barred", "reason": "Kvitto från tryckeriet", "next": "list"},
        follow=True,
    )
    assert response.status_code == 200
    b.refresh_from_db()
    assert b.limitation_review is False
    assert Task.objects.get(case=b, kind="limitation_review").done_at is not None


@pytest.mark.django_db
def test_limitation_pages_are_for_staff_only(client, cases, django_user_model):
    a, _ = cases
    user = django_user_model.objects.create_user("kund", password="x", is_staff=False)
    client.force_login(user)
    assert client.get("/staff/limitation/").status_code == 403
    assert client.post(f"/staff/cases/{a.ref}/surveillance/start/").status_code == 403
