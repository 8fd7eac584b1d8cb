"""Public sector: the municipality's policy decides Kronofogden or efterbevakning after the demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.claims.models import Case, CaseState, Task
from fordra.collection.models import CaseStep
from fordra.collection.run import daily_run
from fordra.parties.models import Creditor
from fordra.parties.services import creditor_add
from tests.conftest import PNR_A, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def municipality(orgnr: str, name: str, *, kfm: bool) -> Creditor:
    created, _ = creditor_add(name=name, orgnr=orgnr, bankgiro="50501055",
                              template="public_sector")
    Creditor.objects.filter(pk=created.pk).update(
        stage_rules={"kfm": {"enabled": kfm, "auto_apply": True, "otherwise": "surveillance"}}
    )
    return created


@pytest.mark.parametrize(("applies", "expected"), [(True, CaseState.KFM),
                                                   (False, CaseState.SURVEILLANCE)])
def test_the_policy_sends_an_unpaid_fee_to_kronofogden_or_to_efterbevakning(
    reference_rates, applies, expected
):
    kommun = municipality("2120000142", "Exempels kommun", kfm=applies)
    import_bytes(claims_csv(
        claim_line("BARNOMSORG-05", creditor=kommun.orgnr, debtor=PNR_A, amount="1 820,00",
                   invoice_date="2026-04-30", due_date="2026-05-31"),
    ))
    day = date(2026, 5, 31)
    while day <= date(2026, 9, 30):
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)

    case = Case.objects.get(debtor__national_id=PNR_A)
    steps = list(CaseStep.objects.filter(case=case).values_list("step", flat=True))
    assert steps[:2] == ["reminder", "ability_assessment"]
    assessment = CaseStep.objects.get(case=case, step="ability_assessment")
    reminder = CaseStep.objects.get(case=case, step="reminder")
    assert (assessment.done_on - reminder.done_on).days >= 24
    assert Task.objects.filter(case=case, kind="ability_assessment").exists()
    assert case.state == expected
