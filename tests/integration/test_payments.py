"""Payments on a case: allocated costs → interest → capital, closing the case when paid."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Allocation, Case, CaseState, Task
from fordra.collection.run import daily_run
from fordra.core.errors import ApplicationError
from fordra.letters.models import Letter, LetterStatus
from fordra.payments.actions import payment_apply
from tests.conftest import assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 7, 1, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(creditor, reference_rates) -> Case:
    import_bytes(claims_csv(claim_line("F-1", amount="10 000,00", invoice_date="2026-05-13",
                                       due_date="2026-06-12")))
    return Case.objects.get()


def pay(case: Case, amount_ore: int, day: date, key: str = "p1"):
    return payment_apply(case=case, amount_ore=amount_ore, paid_on=day, source="direct", key=key,
                         now=NOW)


def test_a_partial_payment_pays_fees_then_interest_then_capital(case):
    daily_run(run_date=date(2026, 6, 22), now=NOW)  # reminder with a 60 kr fee
    # Interest 2026-06-13..2026-06-30: 18 days × 1 000 000 × 10 % / 365 = 4 931.51 → 4 932 öre
    payment = pay(case, 20_000, date(2026, 6, 30))

    parts = dict(Allocation.objects.values_list("component", "amount_ore"))
    assert parts == {"costs": 6000, "interest": 4932, "capital": 9068}
    assert payment.overpaid_ore == 0
    shown = case_detail_json(case, as_of=date(2026, 6, 30))
    assert (shown["fees_ore"], shown["interest_ore"]) == (0, 0)
    assert shown["capital_ore"] == 1_000_000 - 9068
    assert shown["paid_ore"] == 20_000
    assert_money_invariants()


def test_interest_after_a_part_payment_runs_on_the_lower_capital(case):
    pay(case, 504_932, date(2026, 6, 30))  # interest 4 932 + capital 500 000

    shown = case_detail_json(case, as_of=date(2026, 7, 10))

    # 500 000 öre × 10 % × 10 days / 365 = 1 369.86 → 1 370 öre (2026-07-01..10, provisional rate)
    assert shown["capital_ore"] == 500_000
    assert shown["interest_ore"] == 1370


def test_a_full_payment_closes_the_case_and_stops_letters_not_yet_sent(case):
    daily_run(run_date=date(2026, 6, 22), now=NOW)
    daily_run(run_date=date(2026, 7, 13), now=NOW, decide_only=True)  # demand created, not sent
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.status == LetterStatus.PENDING
    shown = case_detail_json(case, as_of=date(2026, 7, 14))

    pay(case, shown["balance_ore"], date(2026, 7, 14))

    case.refresh_from_db()
    demand.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert demand.status == LetterStatus.CANCELLED
    assert daily_run(run_date=date(2026, 7, 30), now=NOW).letters == 0


def test_an_overpayment_is_reported_with_a_refund_task(case):
    payment = pay(case, 1_100_000, date(2026, 6, 12))  # on the due date: no interest yet

    assert (payment.allocated_ore, payment.overpaid_ore) == (1_000_000, 100_000)
    assert Task.objects.get(case=case, kind="refund").text.startswith("Återbetala överskott 1 000,00")


def test_the_same_payment_twice_is_applied_once_and_a_changed_one_is_refused(case):
    from fordra.payments.models import Payment

    first = pay(case, 10_000, date(2026, 6, 20))
    lines = Allocation.objects.filter(case=case).count()
    again = pay(case, 10_000, date(2026, 6, 20))

    assert again.id == first.id
    assert Payment.objects.count() == 1
    assert Allocation.objects.filter(case=case).count() == lines == 2  # interest + capital
    with pytest.raises(ApplicationError) as refused:
        pay(case, 12_000, date(2026, 6, 20))
    assert refused.value.details == ["recorded 100,00 kr on 2026-06-20, given 120,00 kr on 2026-06-20"]


def test_a_bgmax_payment_dated_after_the_file_was_made_waits_in_the_queue_with_the_reason(case):
    from fordra.formats.bgmax import write_bgmax
    from fordra.payments.intake import payments_import
    from fordra.payments.models import Payment

    made = datetime(2026, 10, 20, 18, 0, tzinfo=UTC)
    data = write_bgmax(
        receiving_bankgiro="50501055", created=made,
        payments=[(date(2026, 10, 20), case.ocr, 10_000, "1"), (date(2026, 10, 21), case.ocr, 20_000, "2")],
    )
    result = payments_import(data=data, filename="bgmax.txt", now=made)

    assert (result.matched, result.unmatched) == (1, 1)
    late = Payment.objects.get(amount_ore=20_000)
    assert (late.status, late.case_id) == ("unmatched", None)
    assert "valutadagen 2026-10-21 ligger efter 2026-10-20" in late.reason
    assert late.suggestions == [{"ref": case.ref, "why": "OCR i referensen"}]
