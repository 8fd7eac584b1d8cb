"""Personal data (GDPR): the register extract, who looked, and pseudonymisation after the
retention while the bookkeeping stays."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, date, datetime, timedelta
from io import BytesIO
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from pypdf import PdfReader

from fordra.claims.models import Case, CaseEvent, FeeRecord, Invoice
from fordra.collection.run import daily_run
from fordra.collection.services import case_dispute, case_dispute_decide
from fordra.core.errors import ApplicationError, NotFound
from fordra.letters.models import Letter
from fordra.parties.models import Debtor
from fordra.privacy.models import PersonDataAccess, Pseudonymisation
from fordra.privacy.services import person_extract, personal_data_pseudonymise
from tests.conftest import (
    PNR_A,
    PNR_B,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cases(creditor, reference_rates):  # type: ignore[no-untyped-def]
    import_bytes(
        claims_csv(
            claim_line("P-1", debtor=PNR_A, name="Tolvan Tolvansson", due_date="2026-10-01"),
            claim_line("P-2", debtor=PNR_B, name="Britta Bengtsson", due_date="2026-10-01"),
        )
    )
    day = date(2026, 10, 2)
    while day <= date(2026, 10, 20):
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    return {c.debtor.national_id: c for c in Case.objects.select_related("debtor")}


def _close(case: Case, *, on: date) -> None:
    case_dispute(case=case, reason="Tjänsten utfördes aldrig, jag var sjuk", actor="staff:a", today=on)
    case_dispute_decide(case=Case.objects.get(pk=case.pk), outcome="withdrawn", actor="staff:a", today=on, now=NOW)


def test_the_extract_holds_the_person_their_cases_letters_and_fees_as_json_and_pdf(cases, tmp_path):  # type: ignore[no-untyped-def]
    assert Letter.objects.filter(case=cases[PNR_A]).exists()
    extract = person_extract(person="19121212-1212", actor="cli:anna", today=date(2026, 11, 23), now=NOW, out_dir=tmp_path)

    document = json.loads(extract.json_path.read_text("utf-8"))
    assert document["person"] == {"name": "Tolvan Tolvansson", "national_id": PNR_A}
    data = document["data"]
    assert [c["number"] for c in data["claims.case"]] == [cases[PNR_A].number]
    assert [i["invoice_number"] for i in data["claims.invoice"]] == ["P-1"]
    assert len(data["letters.letter"]) >= 1 and data["letters.delivery"]
    assert data["claims.feerecord"] and data["claims.caseevent"]
    assert "Britta" not in extract.json_path.read_text("utf-8")
    assert PNR_A not in extract.json_path.name and PNR_A not in extract.pdf_path.name
    text = "".join(page.extract_text() for page in PdfReader(extract.pdf_path).pages)
    assert "Tolvan Tolvansson" in text and "P-1" in text
    logged = PersonDataAccess.objects.get(debtor__national_id=PNR_A)
    assert (logged.action, logged.actor) == ("exported", "cli:anna")


def test_an_unknown_or_invalid_person_is_a_clear_refusal(cases, tmp_path):  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound):
        person_extract(person="194408139089", actor="x", today=date(2026, 11, 23), now=NOW, out_dir=tmp_path)
    with pytest.raises(ApplicationError):
        person_extract(person="12345", actor="x", today=date(2026, 11, 23), now=NOW, out_dir=tmp_path)


def test_staff_viewing_a_case_and_downloading_the_extract_are_both_logged(cases, client):  # type: ignore[no-untyped-def]
    staff = get_user_model().objects.create_user("handlaggare", is_staff=True)
    client.force_login(staff)
    ref = cases[PNR_A].ref
    assert client.get(f"/staff/cases/{ref}/").status_code == 200
    response = client.post(f"/staff/cases/{ref}/person-extract/")
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    names = zipfile.ZipFile(BytesIO(response.content)).namelist()
    assert sorted(Path(n).suffix for n in names) == [".json", ".pdf"]
    actions = list(PersonDataAccess.objects.filter(debtor=cases[PNR_A].debtor).values_list("action", "actor"))
    assert actions == [("viewed", "staff:handlaggare"), ("exported", "staff:handlaggare")]
    assert client.get(f"/staff/cases/{ref}/person-extract/").status_code == 405


def test_after_the_retention_a_person_is_pseudonymised_and_the_bookkeeping_stays(cases, settings):  # type: ignore[no-untyped-def]
    settings.PERSONAL_DATA_RETENTION_DAYS = 30
    closed = cases[PNR_A]
    _close(closed, on=date(2026, 10, 21))
    pdfs = [Path(p) for p in Letter.objects.filter(case=closed).values_list("pdf_path", flat=True) if p]
    assert pdfs and all(p.exists() for p in pdfs)
    fees_before = list(FeeRecord.objects.filter(case=closed).values_list("amount_ore", flat=True))

    too_early = personal_data_pseudonymise(today=date(2026, 11, 19), now=NOW)
    assert too_early.persons == 0
    result = personal_data_pseudonymise(today=date(2026, 11, 21), now=NOW)

    assert result.persons == 1 and result.files_deleted == len(pdfs)
    debtor = Debtor.objects.get(pk=closed.debtor_id)
    assert debtor.name == "Pseudonymiserad gäldenär" and debtor.national_id.startswith("P")
    assert (debtor.address, debtor.email, debtor.phone) == ("", "", "")
    assert not any(p.exists() for p in pdfs)
    assert all(not letter.content for letter in Letter.objects.filter(case=closed))
    assert not CaseEvent.objects.filter(case=closed, detail__icontains="sjuk").exists()
    assert Case.objects.get(pk=closed.pk).dispute_reason == ""
    # The bookkeeping records are untouched.
    assert Invoice.objects.get(case=closed).invoice_number == "P-1"
    assert list(FeeRecord.objects.filter(case=closed).values_list("amount_ore", flat=True)) == fees_before
    assert_money_invariants()
    # The person with an open case is not touched, and a second pass does nothing.
    assert Debtor.objects.get(national_id=PNR_B).name == "Britta Bengtsson"
    assert personal_data_pseudonymise(today=date(2026, 11, 22), now=NOW).persons == 0
    assert Pseudonymisation.objects.count() == 1


def test_the_person_commands_print_json_and_refuse_clearly(cases, capsys, tmp_path):  # type: ignore[no-untyped-def]
    from fordra.cli import main

    assert main(["--json", "person", "extract", "19121212-1212", "--out", str(tmp_path)]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert Path(printed["pdf"]).exists() and printed["cases"] == 1
    assert main(["person", "extract", "194408139089"]) == 1
    assert "no data on that person" in capsys.readouterr().err
    assert main(["--json", "person", "pseudonymise", "--date", "2026-11-21", "--retention-days", "30"]) == 0
    assert json.loads(capsys.readouterr().out) == {"date": "2026-11-21", "persons": 0, "letters": 0, "files_deleted": 0}
    assert main(["person", "pseudonymise", "--date", "2999-01-01"]) == 1
    assert "in the future" in capsys.readouterr().err
