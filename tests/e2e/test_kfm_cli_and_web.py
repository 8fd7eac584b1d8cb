"""Kronofogden as staff meet it: `fordra kfm …` (DESIGN.md §4.2) and the case page."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from fordra.claims.models import Case, CaseState
from fordra.cli import main
from fordra.collection.run import daily_run
from fordra.formats.kfm import Outcome, OutcomeKind, write_outcomes_csv
from fordra.kfm.models import KfmApplication
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


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


@pytest.fixture
def cases(creditor, reference_rates, settings, tmp_path: Path):
    settings.MEDIA_ROOT = tmp_path / "media"
    import_bytes(claims_csv(
        claim_line("K-1", amount="5 000,00", debtor=PNR_A, invoice_date="2026-05-13",
                   due_date="2026-06-12"),
        claim_line("K-2", amount="3 000,00", debtor=PNR_B, name="Lisa Testsson",
                   invoice_date="2026-05-13", due_date="2026-06-12"),
    ))
    day = date(2026, 6, 12)
    while day <= date(2026, 8, 11):
        daily_run(run_date=day, now=NOW, decide_only=True)
        day += timedelta(days=1)
    return Case.objects.get(debtor__national_id=PNR_A), Case.objects.get(debtor__national_id=PNR_B)


def test_kfm_apply_record_export_and_import_print_json(capsys, cases, tmp_path: Path):
    a, b = cases
    code, listed, _ = run(capsys, "--json", "kfm", "list")
    assert code == 0 and {c["ref"] for c in listed["cases"]} == {a.ref, b.ref}
    assert all(c["proposal"]["action"] == "kfm" for c in listed["cases"])

    code, proposal, _ = run(capsys, "--json", "kfm", "propose", a.ref, "--date", "2026-08-12")
    assert code == 0 and proposal["action"] == "kfm" and "forecast" in proposal

    code, applied, err = run(capsys, "--json", "kfm", "apply", a.ref, "--date", "2026-08-12")
    assert code == 0, err
    assert applied["state"] == "kfm" and applied["created"] is True
    assert [(f["kind"], f["amount_ore"]) for f in applied["fees"]] == [
        ("kfm_application", 30_000), ("kfm_ombud", 38_000)]
    code, again, _ = run(capsys, "--json", "kfm", "apply", a.ref, "--date", "2026-08-12")
    assert code == 0 and again["created"] is False

    code, exported, _ = run(capsys, "--json", "kfm", "export", "--date", "2026-08-12")
    assert code == 0 and exported["new_batches"] == 1
    assert Path(exported["batches"][0]["json"]).exists()
    code, exported, _ = run(capsys, "--json", "kfm", "export", "--date", "2026-08-12")
    assert exported["new_batches"] == 0 and len(exported["batches"]) == 1

    code, served, _ = run(capsys, "--json", "kfm", "record", a.ref, "--outcome", "served",
                          "--date", "2026-08-20", "--kfm-case-number", "12-1-26")
    assert code == 0 and served["state"] == "kfm" and served["outcome"] == "served"

    f = tmp_path / "utfall.csv"
    f.write_bytes(write_outcomes_csv([
        Outcome(reference=a.ref, kind=OutcomeKind.JUDGMENT, date=date(2026, 9, 4),
                kfm_case_number="12-1-26"),
    ]))
    code, imported, err = run(capsys, "--json", "import", "kfm", str(f))
    assert code == 0, err
    assert imported == {"outcomes": 1, "recorded": 1, "duplicates": 0}
    code, enforced, _ = run(capsys, "--json", "kfm", "enforce", a.ref, "--date", "2026-09-10")
    assert code == 0 and enforced["state"] == "enforcement"

    code, shown, _ = run(capsys, "--json", "case", "show", a.ref, "--as-of", "2026-09-10")
    assert shown["state"] == "enforcement"
    assert [o["kind"] for o in shown["kfm"]["applications"][0]["outcomes"]] == [
        "served", "judgment", "enforcement"]
    assert {fee["kind"] for fee in shown["fees"]} >= {"kfm_application", "kfm_ombud",
                                                      "enforcement"}
    assert_money_invariants()


def test_kfm_commands_refuse_clearly(capsys, cases, tmp_path: Path):
    a, b = cases
    code, _, err = run(capsys, "kfm", "record", a.ref, "--outcome", "judgment",
                       "--date", "2026-08-20")
    assert code == 1 and "no application" in err
    run(capsys, "case", "dispute", b.ref, "--reason", "Fel belopp")
    code, obj, err = run(capsys, "--json", "kfm", "apply", b.ref, "--date", "2026-08-12")
    assert code == 1 and "Traceback" not in err and obj["error"]
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"reference;kind;date;kfm_case_number;detail\nX;dom;2026-02-30;1;\n")
    code, _, err = run(capsys, "import", "kfm", str(bad))
    assert code == 1 and "line 2" in err
    assert not KfmApplication.objects.exists()


@pytest.fixture
def staff_client(client, django_user_model):
    user = django_user_model.objects.create_user("handlaggare", password="x", is_staff=True)
    client.force_login(user)
    return client


def test_staff_see_the_proposal_with_its_forecast_apply_and_record_an_outcome(staff_client, cases):
    a, _ = cases
    page = staff_client.get(f"/staff/cases/{a.ref}/").content.decode()
    assert 'data-testid="kfm-proposal"' in page and "Förväntat netto" in page
    assert "Ansök om betalningsföreläggande" in page

    listing = staff_client.get("/staff/kfm/").content.decode()
    assert a.ref in listing and "Betalningsföreläggande" in listing

    response = staff_client.post(f"/staff/cases/{a.ref}/kfm/decide/", {"action": "apply"},
                                 follow=True)
    assert response.status_code == 200
    a.refresh_from_db()
    assert a.state == CaseState.KFM
    page = response.content.decode()
    assert 'data-testid="kfm-applications"' in page and 'data-testid="kfm-record"' in page

    response = staff_client.post(f"/staff/cases/{a.ref}/kfm/record/",
                                 {"outcome": "judgment", "date": timezone.localdate().isoformat()}, follow=True)
    a.refresh_from_db()
    assert a.state == CaseState.JUDGMENT


def test_a_refused_decision_on_the_web_is_a_message_not_an_error_page(staff_client, cases):
    _, b = cases
    Case.objects.filter(pk=b.pk).update(limitation_date=date(2026, 8, 1))
    response = staff_client.post(f"/staff/cases/{b.ref}/kfm/decide/", {"action": "apply"},
                                 follow=True)
    assert response.status_code == 200
    assert "Kunde inte utföra" in response.content.decode()
    response = staff_client.post(f"/staff/cases/{b.ref}/kfm/record/", {"outcome": "nonsense"},
                                 follow=True)
    assert "Kunde inte registrera" in response.content.decode()
    assert staff_client.get(f"/staff/cases/{b.ref}/kfm/decide/").status_code == 405


def test_kfm_pages_are_for_staff_only(client, cases, django_user_model):
    a, _ = cases
    user = django_user_model.objects.create_user("kund", password="x", is_staff=False)
    client.force_login(user)
    assert client.get("/staff/kfm/").status_code == 403
    assert client.post(f"/staff/cases/{a.ref}/kfm/decide/", {"action": "apply"}).status_code == 403
