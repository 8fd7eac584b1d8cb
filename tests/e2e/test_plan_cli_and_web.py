"""Installment plans as staff meet them: `fordra plan …` (DESIGN.md §4.2) and the case page."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fordra.claims.models import Case, CaseState
from fordra.cli import main
from fordra.plans.models import Plan, PlanState
from tests.conftest import PNR_A, PNR_B, claim_line, claims_csv, import_bytes


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


@pytest.fixture
def cases(creditor, reference_rates, settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    import_bytes(claims_csv(
        claim_line("P-1", amount="3 000,00", debtor=PNR_A, invoice_date="2026-08-01",
                   due_date="2026-08-31"),
        claim_line("P-2", amount="900,00", debtor=PNR_B, name="Lisa Testsson",
                   invoice_date="2026-08-01", due_date="2026-08-31"),
    ))
    return Case.objects.get(debtor__national_id=PNR_A), Case.objects.get(debtor__national_id=PNR_B)


@pytest.mark.django_db
def test_plan_propose_prints_the_contract_shape_and_show_and_approve_work(capsys, cases):
    a, b = cases
    made = "2026-10-05"

    code, obj, err = run(capsys, "--json", "plan", "propose", a.ref, "--installments", "3",
                         "--first-due", "2026-10-30", "--date", made)

    assert code == 0, err
    assert {"approved", "fee_ore", "schedule"} <= set(obj)
    assert obj["approved"] is True and obj["fee_ore"] == 17_000
    assert [set(line) >= {"due_date", "amount_ore", "ocr"} for line in obj["schedule"]] == [True] * 3
    assert [line["due_date"] for line in obj["schedule"]] == ["2026-10-30", "2026-11-30",
                                                              "2026-12-30"]
    code, shown, _ = run(capsys, "--json", "plan", "show", a.ref, "--as-of", made)
    assert code == 0 and shown["plan"]["state"] == "active"
    assert [i["status"] for i in shown["plan"]["schedule"]] == ["open"] * 3
    code, case_json, _ = run(capsys, "--json", "case", "show", a.ref, "--as-of", made)
    assert case_json["state"] == "plan" and case_json["plan"]["installments"] == 3

    # Beyond the rules (more than 12 months): waits; approve from the command line.
    code, waiting, _ = run(capsys, "--json", "plan", "propose", b.ref, "--installments", "18",
                           "--first-due", "2026-10-30", "--date", made)
    assert code == 0 and waiting["approved"] is False and waiting["state"] == "proposed"
    assert waiting["reasons"]
    code, listed, _ = run(capsys, "--json", "plan", "list")
    assert [r["ref"] for r in listed["plans"]] == [b.ref]
    code, approved, _ = run(capsys, "--json", "plan", "approve", b.ref, "--date", "2026-10-06")
    assert code == 0 and approved["approved"] is True and approved["state"] == "active"


@pytest.mark.django_db
def test_plan_commands_refuse_clearly(capsys, cases):
    a, _ = cases
    code, _, err = run(capsys, "plan", "propose", a.ref, "--installments", "3",
                       "--first-due", "2026-10-01", "--date", "2026-10-05")
    assert code == 1 and "must be after today" in err
    code, _, err = run(capsys, "plan", "approve", a.ref)
    assert code == 1 and "has no plan" in err
    code, _, err = run(capsys, "plan", "show", a.ref)
    assert code == 1 and "has no plan" in err
    Case.objects.filter(pk=a.pk).update(state=CaseState.DISPUTED)
    code, _, err = run(capsys, "plan", "propose", a.ref, "--installments", "3",
                       "--first-due", "2026-10-30", "--date", "2026-10-05")
    assert code == 1 and "disputed" in err


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("handlaggare", password="x", is_staff=True)
    client.force_login(user)
    return client


@pytest.mark.django_db
def test_staff_propose_a_plan_on_the_case_page_and_see_its_schedule(staff_client, cases):
    a, _ = cases
    first_due = (timezone.localdate() + timedelta(days=20)).isoformat()
    page = staff_client.get(f"/staff/cases/{a.ref}/")
    assert 'data-testid="plan-propose"' in page.content.decode()

    response = staff_client.post(f"/staff/cases/{a.ref}/plan/propose/",
                                 {"installments": "4", "first_due": first_due})

    assert response.status_code == 302
    plan = Plan.objects.get(case=a)
    assert plan.state == PlanState.ACTIVE
    html = staff_client.get(f"/staff/cases/{a.ref}/").content.decode()
    assert 'data-testid="plan-schedule"' in html
    assert all(i.ocr in html for i in plan.schedule.all())
    assert 'data-testid="plan-propose"' not in html


@pytest.mark.django_db
def test_staff_approve_a_plan_beyond_the_rules_from_the_list(staff_client, cases):
    _, b = cases
    first_due = (timezone.localdate() + timedelta(days=20)).isoformat()
    staff_client.post(f"/staff/cases/{b.ref}/plan/propose/",
                      {"installments": "24", "first_due": first_due})
    plan = Plan.objects.get(case=b)
    assert plan.state == PlanState.PROPOSED
    listing = staff_client.get("/staff/plans/").content.decode()
    assert b.ref in listing
    assert 'data-testid="plan-approve"' in staff_client.get(f"/staff/cases/{b.ref}/").content.decode()

    response = staff_client.post(f"/staff/plans/{plan.id}/approve/", {"next": "list"}, follow=True)

    plan.refresh_from_db()
    assert plan.state == PlanState.ACTIVE and plan.approved_by == "staff:handlaggare"
    assert "är godkänd" in response.content.decode()
    assert b.ref not in response.content.decode().split("<tbody>")[1]


@pytest.mark.django_db
def test_a_bad_proposal_from_the_web_is_a_message_not_an_error_page(staff_client, cases):
    a, _ = cases
    response = staff_client.post(f"/staff/cases/{a.ref}/plan/propose/",
                                 {"installments": "tre", "first_due": "2026-13-01"}, follow=True)
    assert response.status_code == 200
    assert "Ingen avbetalningsplan" in response.content.decode()
    assert not Plan.objects.exists()
    assert staff_client.get("/staff/plans/999/approve/").status_code == 405
    assert staff_client.post("/staff/plans/999/approve/").status_code == 404


@pytest.mark.django_db
def test_plan_pages_are_for_staff_only(client, cases, django_user_model):
    a, _ = cases
    user = django_user_model.objects.create_user("kund", password="x", is_staff=False)
    client.force_login(user)
    assert client.get("/staff/plans/").status_code == 403
    response = client.post(f"/staff/cases/{a.ref}/plan/propose/",
                           {"installments": "3", "first_due": str(date.today())})
    assert response.status_code == 403
