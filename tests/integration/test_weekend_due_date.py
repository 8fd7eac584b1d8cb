"""A due date on a non-bank day: paying on the next bank day is paying in time (DOMAIN.md §3)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Case, CaseState, FeeRecord
from fordra.collection.run import daily_run
from fordra.letters.models import Letter
from fordra.payments.actions import payment_apply
from tests.conftest import assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 8, 1, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_case(*, due: str, amount: str = "1 000,00") -> Case:
    import_bytes(claims_csv(claim_line("F-1", amount=amount, invoice_date="2026-04-30",
                                       due_date=due)))
    return Case.objects.get()


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def test_a_saturday_due_date_paid_in_full_on_monday_owes_nothing_more(creditor, reference_rates):
    case = import_case(due="2026-05-30")  # a Saturday
    run_days(date(2026, 5, 28), date(2026, 5, 31))

    payment_apply(case=case, amount_ore=100_000, paid_on=date(2026, 6, 1), source="direct",
                  key="p1", now=NOW)
    run_days(date(2026, 6, 1), date(2026, 7, 31))

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert Letter.objects.filter(case=case).count() == 0
    assert FeeRecord.objects.filter(case=case).count() == 0
    shown = case_detail_json(case, as_of=date(2026, 7, 31))
    assert (shown["capital_ore"], shown["interest_ore"], shown["fees_ore"]) == (0, 0, 0)
    assert shown["paid_ore"] == 100_000
    assert_money_invariants()


def test_a_saturday_due_date_unpaid_on_monday_is_reminded_with_interest_from_saturday(
    creditor, reference_rates
):
    case = import_case(due="2026-05-30")

    run_days(date(2026, 5, 28), date(2026, 6, 8))

    # In time through Monday 06-01; the reminder 7 days after that: Monday 06-08 (a bank day).
    (reminder,) = Letter.objects.filter(case=case)
    assert (reminder.kind, reminder.letter_date) == ("reminder", date(2026, 6, 8))
    assert list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore")) == [
        ("reminder", 6000)
    ]
    # Interest from the Saturday: 2026-05-31 … 2026-06-08 = 9 days at 2.00 + 8 = 10 %:
    # 100 000 × 10 % × 9 / 365 = 246.58 → 247 öre
    shown = case_detail_json(case, as_of=date(2026, 6, 8))
    assert shown["interest_ore"] == 247
    assert shown["interest"]["invoices"][0]["periods"][0]["from"] == "2026-05-31"
    assert reminder.content["interest"][0]["start"] == "2026-05-31"
    assert reminder.content["interest"][0]["amount_ore"] == 247


def test_a_payment_on_the_first_bank_day_after_christmas_is_in_time(creditor, reference_rates):
    case = import_case(due="2026-12-25")  # juldagen; 26th annandag jul, then a Sunday

    payment_apply(case=case, amount_ore=100_000, paid_on=date(2026, 12, 28), source="direct",
                  key="p1", now=NOW)
    run_days(date(2026, 12, 24), date(2027, 1, 20))

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert not Letter.objects.filter(case=case).exists()
    assert not FeeRecord.objects.filter(case=case).exists()
    shown = case_detail_json(case, as_of=date(2027, 1, 20))
    assert shown["interest_ore"] == 0 and shown["balance_ore"] == 0


def test_paid_in_full_on_tuesday_after_a_saturday_due_date_leaves_three_days_of_interest(
    creditor, reference_rates
):
    case = import_case(due="2026-05-30")

    payment_apply(case=case, amount_ore=100_000, paid_on=date(2026, 6, 2), source="direct",
                  key="p1", now=NOW)

    # Late: 2026-05-31, 06-01 and 06-02 bear interest: 100 000 × 10 % × 3 / 365 = 82.19 → 82
    # öre, paid first (interest before capital), so 82 öre of capital is left.
    shown = case_detail_json(case, as_of=date(2026, 6, 2))
    assert (shown["capital_ore"], shown["interest_ore"]) == (82, 0)
    # 0,82 kr is far below the 50 kr trifle threshold: no reminder for it; on the reminder's
    # day (Monday 06-08) it is written off, as the default creditor agreement says.
    run_days(date(2026, 6, 2), date(2026, 6, 30))
    case.refresh_from_db()
    assert (case.state, case.closed_on) == (CaseState.CLOSED_WRITTEN_OFF, date(2026, 6, 8))
    assert not Letter.objects.filter(case=case).exists()
    assert_money_invariants()
