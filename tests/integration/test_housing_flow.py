"""Housing (rent): the notice of the right to keep the lease, and the notice to socialnämnden."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fordra.claims.models import Case, CaseEvent, Task
from fordra.cli import main
from fordra.collection.run import daily_run
from fordra.letters.models import Letter
from fordra.parties.services import creditor_add
from tests.conftest import PNR_A, claim_line, claims_csv, import_bytes
from tests.unit.letters.letter_factories import pdf_text

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def landlord(db):  # type: ignore[no-untyped-def]
    created, _ = creditor_add(name="Bostadsbolaget AB", orgnr="5560360793", bankgiro="50501055",
                              template="housing")
    return created


def test_the_rent_notice_then_socialnamnden_is_notified_and_the_three_weeks_recorded(
    landlord, reference_rates, capsys
):
    import_bytes(claims_csv(claim_line("HYRA-2026-06", invoice_date="2026-05-15",
                                       due_date="2026-05-29", amount="8 450,00")))
    day = date(2026, 5, 29)
    while day <= date(2026, 7, 10):
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    case = Case.objects.get(debtor__national_id=PNR_A)
    notice = Letter.objects.get(case=case, text="rent_forfeiture_notice")
    assert (notice.pay_by - notice.letter_date).days >= 28
    assert Task.objects.get(case=case, done_at__isnull=True, text__icontains="socialnämnden")

    assert main(["case", "notify-social", case.ref, "--date", "2026-07-08", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)

    text = pdf_text(Path(result["notice"]).read_bytes())
    assert "Socialnämnden i Stockholm" in text and "12 kap. 44" in text
    event = CaseEvent.objects.get(case=case, kind="social_welfare_notified")
    assert event.date == date(2026, 7, 8) and "2026-07-29" in event.detail
    assert not Task.objects.filter(case=case, done_at__isnull=True, text__icontains="socialnämnden")
    # Again the same day: no second event.
    assert main(["case", "notify-social", case.ref, "--date", "2026-07-08"]) == 0
    assert CaseEvent.objects.filter(case=case, kind="social_welfare_notified").count() == 1


def test_the_betalningsforelaggande_asks_for_eviction_three_weeks_after_socialnamnden(
    landlord, reference_rates, capsys
):
    from fordra.kfm.application import kfm_apply

    import_bytes(claims_csv(claim_line("HYRA-2026-06", invoice_date="2026-05-15",
                                       due_date="2026-05-29", amount="8 450,00")))
    day = date(2026, 5, 29)
    while day <= date(2026, 7, 10):
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    case = Case.objects.get(debtor__national_id=PNR_A)
    main(["case", "notify-social", case.ref, "--date", "2026-07-08"])
    capsys.readouterr()
    day = date(2026, 7, 11)
    while day <= date(2026, 8, 20):
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    case.refresh_from_db()
    assert case.awaiting_decision

    result = kfm_apply(case=case, day=date(2026, 8, 20), now=NOW, actor="staff")

    assert result.application.payload["with_eviction"] is True
    assert "HANDRÄCKNING" in result.application.text


def test_a_notice_to_socialnamnden_is_refused_for_a_company_tenant_with_a_clear_message(
    landlord, reference_rates, capsys
):
    import_bytes(claims_csv(claim_line("HYRA-LOKAL-06", debtor="5565594230", name="Butiken AB",
                                       invoice_date="2026-05-15", due_date="2026-05-29")))
    case = Case.objects.get()

    assert main(["case", "notify-social", case.ref, "--date", "2026-07-08"]) == 1

    assert "a person" in capsys.readouterr().err
    assert not CaseEvent.objects.filter(case=case, kind="social_welfare_notified").exists()
