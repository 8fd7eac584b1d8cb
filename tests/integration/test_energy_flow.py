"""The energy flow from 2026-12-01: an address check, and the disconnection warning for consumers only."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.claims.models import Case, Task
from fordra.collection.models import CaseStep
from fordra.collection.run import daily_run
from fordra.letters.models import Letter
from fordra.parties.services import creditor_add
from tests.conftest import PNR_A, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 1, 5, 0, tzinfo=UTC)
COMPANY = "5565594230"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def energy(db):  # type: ignore[no-untyped-def]
    created, _ = creditor_add(name="Elbolaget AB", orgnr="5560360793", bankgiro="50501055",
                              template="energy", reminder_fee_agreed=True)
    return created


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def test_a_consumer_gets_an_address_check_and_the_disconnection_warning_company_does_not(
    energy, reference_rates
):
    import_bytes(claims_csv(
        claim_line("E-1", debtor=PNR_A, invoice_date="2026-11-20", due_date="2026-12-10"),
        claim_line("E-2", debtor=COMPANY, name="Kund AB", invoice_date="2026-11-20",
                   due_date="2026-12-10"),
    ))
    person = Case.objects.get(debtor__national_id=PNR_A)
    company = Case.objects.get(debtor__national_id=COMPANY)

    run_days(date(2026, 12, 10), date(2027, 4, 30))

    assert list(CaseStep.objects.filter(case=person).values_list("step", flat=True)) == [
        "reminder", "address_check", "demand", "notice", "hand_over",
    ]
    assert list(CaseStep.objects.filter(case=company).values_list("step", flat=True)) == [
        "reminder", "address_check", "demand", "hand_over",
    ]
    assert Task.objects.filter(case=person, kind="address_check").exists()
    assert list(Letter.objects.filter(case=company).values_list("kind", flat=True)) == [
        "reminder", "demand",
    ]
    warning = Letter.objects.get(case=person, text="disconnection_warning")
    assert (warning.pay_by - warning.letter_date).days >= 28
    # The company's hand-over follows the demand's pay-by date (the notice's anchor), +1 day.
    demand = CaseStep.objects.get(case=company, step="demand")
    hand_over = CaseStep.objects.get(case=company, step="hand_over")
    assert hand_over.done_on >= demand.pay_by + timedelta(days=1)
    assert all(s.ladder_version == "energy-2026-12-01" for s in CaseStep.objects.all())
