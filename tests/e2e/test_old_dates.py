"""Days before 2026: the rules carry their legal validity (issue 10, item 4; DOMAIN.md §2).

Today's fee amounts hold from 2013-03-16 (SFS 2013:56), so the first version of every ladder
template does too; a day before that is a clear error naming the template and its first valid
day — exit 1, nothing written — never "internal error: ValueError".
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fordra.claims.intake import claims_import
from fordra.claims.models import Case, CaseEvent, FeeRecord
from fordra.cli import main
from fordra.collection.models import CaseStep, DailyRun
from fordra.letters.models import Letter
from fordra.payments.models import Payment
from tests.conftest import PNR_A, PNR_C, claim_line, claims_csv

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


@pytest.fixture
def old_claim(capsys, reference_rates) -> None:
    code, _, err = run(
        capsys, "--json", "creditor", "add", "--name", "Exempelbolaget AB",
        "--orgnr", "556036-0793", "--bankgiro", "5050-1055", "--reminder-fee-agreed",
    )
    assert code == 0, err
    # A consumer invoice of 2025, due Tuesday 30 September 2025, handed over on 2025-10-01.
    result = claims_import(
        data=claims_csv(
            claim_line("F-2025-1", debtor=PNR_A, invoice_date="2025-09-01", due_date="2025-09-30")
        ),
        filename="claims.csv",
        today=date(2025, 10, 1),
        now=datetime(2025, 10, 1, 8, 0, tzinfo=UTC),
    )
    assert result.invoices == 1


def test_the_daily_run_on_2025_11_01_works_and_charges_todays_amounts(capsys, old_claim):
    code, obj, err = run(capsys, "--json", "run", "--date", "2025-11-01")

    # Before the fix: exit 70, "internal error: ValueError: no consumer ladder is valid on …".
    assert code == 0, err
    assert obj["date"] == "2025-11-01"
    # 2025-11-01 is a Saturday: a quiet day, no letter.
    assert not Letter.objects.exists()

    code, obj, err = run(capsys, "--json", "run", "--date", "2025-11-03")

    assert code == 0, err
    case = Case.objects.get()
    # The consumer ladder's reminder was due 7 days after the due date (2025-10-07): sent on
    # Monday 2025-11-03 with the påminnelseavgift in force since 2013-03-16, 60 kr (not 50 kr).
    step = CaseStep.objects.get(case=case, step="reminder")
    assert step.done_on.isoformat() == "2025-11-03"
    # The version recorded on the step says which version applied.
    assert step.ladder_version == "consumer-2026-11-01"
    fee = FeeRecord.objects.get(case=case, kind="reminder")
    assert fee.amount_ore == 6000
    assert fee.date.isoformat() == "2025-11-03"
    assert Letter.objects.filter(case=case, kind="reminder").count() == 1
    assert DailyRun.objects.filter(date="2025-11-03").exists()


def test_a_run_before_2013_03_16_exits_1_naming_the_template_and_writes_nothing(
    capsys, old_claim
):
    events_before = CaseEvent.objects.count()

    code, obj, err = run(capsys, "--json", "run", "--date", "2013-03-15")

    assert code == 1
    assert "no consumer ladder is valid on 2013-03-15" in err
    assert "valid from 2013-03-16" in err
    assert "Traceback" not in err and "internal error" not in err
    assert obj["code"] == "rules_not_in_force"
    assert not DailyRun.objects.exists()
    assert not CaseStep.objects.exists() and not FeeRecord.objects.exists()
    assert not Letter.objects.exists()
    assert CaseEvent.objects.count() == events_before


def test_a_run_before_the_rules_reads_no_payment_file_either(capsys, old_claim):
    bgmax = Path(__file__).parents[1] / "data" / "bgmax_sample.txt"

    code, _, err = run(
        capsys, "--json", "run", "--date", "2013-03-15", "--payments", str(bgmax)
    )

    assert code == 1 and "valid from 2013-03-16" in err
    assert not Payment.objects.exists()
    assert not DailyRun.objects.exists()


def test_kfm_apply_before_the_fee_schedule_is_refused_clearly_and_writes_nothing(
    capsys, old_claim
):
    claims_import(
        data=claims_csv(
            claim_line("F-2012-1", debtor=PNR_C, invoice_date="2012-12-01", due_date="2012-12-31")
        ),
        filename="old.csv",
        today=date(2013, 2, 1),
        now=datetime(2013, 2, 1, 8, 0, tzinfo=UTC),
    )
    case = Case.objects.get(invoices__invoice_number="F-2012-1")
    Case.objects.filter(pk=case.pk).update(state="demand")
    events_before = CaseEvent.objects.count()

    # Kronofogden's application fee is in the schedule from 2013-03-16.
    code, obj, err = run(capsys, "--json", "kfm", "apply", case.ref, "--date", "2013-03-15")

    # Before: exit 70, "internal error: FeeRateMissingError: no kfm_application fee on …".
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err
    assert "no kfm_application fee on 2013-03-15 (the fee schedule has it from 2013-03-16)" in err
    assert obj["code"] == "rules_not_in_force"
    assert not FeeRecord.objects.exists()
    assert CaseEvent.objects.count() == events_before
    assert Case.objects.get(pk=case.pk).state == "demand"


def test_a_plan_before_the_first_reference_rate_is_refused_clearly_and_writes_nothing(
    capsys, old_claim
):
    from fordra.plans.models import Plan

    claims_import(
        data=claims_csv(
            claim_line("F-2012-1", debtor=PNR_C, invoice_date="2012-12-01", due_date="2012-12-31")
        ),
        filename="old.csv",
        today=date(2013, 2, 1),
        now=datetime(2013, 2, 1, 8, 0, tzinfo=UTC),
    )
    case = Case.objects.get(invoices__invoice_number="F-2012-1")
    Case.objects.filter(pk=case.pk).update(state="demand")
    events_before = CaseEvent.objects.count()

    # The plan's interest forecast needs the reference rate, known from 2015-01-01 (DOMAIN §3).
    code, obj, err = run(
        capsys, "--json", "plan", "propose", case.ref, "--installments", "3",
        "--first-due", "2013-04-01", "--date", "2013-03-01",
    )

    # Before: exit 70, "internal error: RateMissingError: no reference rate for 2013-03-02 …".
    assert code == 1, err
    assert "Traceback" not in err and "internal error" not in err
    assert "the table starts 2015-01-01" in err
    assert obj["code"] == "rules_not_in_force"
    assert not Plan.objects.exists() and not FeeRecord.objects.exists()
    assert CaseEvent.objects.count() == events_before


def test_interest_before_the_first_reference_rate_is_not_charged_and_marked_provisional(
    capsys, old_claim
):
    claims_import(
        data=claims_csv(
            claim_line("F-2014-1", amount="10 000,00", debtor=PNR_C, invoice_date="2014-06-01",
                       due_date="2014-06-30")
        ),
        filename="old.csv",
        today=date(2014, 7, 1),
        now=datetime(2014, 7, 1, 8, 0, tzinfo=UTC),
    )
    case = Case.objects.get(invoices__invoice_number="F-2014-1")

    code, obj, err = run(capsys, "--json", "case", "show", case.ref, "--as-of", "2015-01-31")

    # The reference rate is known from 2015-01-01 (0,00 %): only 2015-01-01…01-31 is priced,
    # 31 days at 0 + 8 = 8 % on 10 000 kr = 10 000 × 0,08 × 31 / 365 = 67,945… → 67,95 kr; the
    # days of 2014 are not charged (never more than the law allows) and the amount is provisional.
    assert code == 0, err
    assert obj["interest_ore"] == 6795
    assert obj["interest"]["provisional"] is True
