"""A payment matched by staff from the unmatched queue is booked by the bank file's author
(``payments.booking.book_matched``, a batch of one): the same keys, event, refund task and
close-when-paid as a payment that matched on arrival."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fordra.claims.models import Allocation, Case, CaseState, Task
from fordra.ledger.models import LedgerTransaction
from fordra.payments.actions import payment_match
from fordra.payments.engine import payments_record
from fordra.payments.incoming import Incoming
from fordra.payments.models import Payment, PaymentStatus
from tests.conftest import assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 7, 20, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(creditor, reference_rates) -> Case:
    import_bytes(claims_csv(claim_line("F-1", amount="100,00", invoice_date="2026-05-13",
                                       due_date="2026-06-12")))
    return Case.objects.get()


def test_a_matched_overpayment_is_booked_with_the_bank_files_rows(case):
    payments_record(items=[Incoming(key="U", source="bgmax", amount_ore=50_000,
                                    paid_on=date(2026, 7, 1), reference="x")], now=NOW)

    payment = payment_match(payment_id=Payment.objects.get(key="U").id, case=case, now=NOW,
                            actor="staff:t")

    assert payment.status == PaymentStatus.MATCHED
    assert payment.allocated_ore + payment.overpaid_ore == 50_000 and payment.overpaid_ore > 0
    keys = set(Allocation.objects.filter(case=case).values_list("key", flat=True))
    assert keys and all(k.startswith("U:") for k in keys)
    event = case.events.get(kind="payment")
    assert event.detail.endswith(" (matchad manuellt av staff:t)")
    assert LedgerTransaction.objects.filter(key="match:U", kind="payment_matched").exists()
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert case.events.filter(kind="closed_paid").count() == 1
    assert_money_invariants()


def test_the_refund_task_of_a_staff_match_is_stamped_with_the_actions_time(case):
    """Changed (issue 12): the staff path created its refund task with the wall clock
    (``auto_now_add``); the one author stamps it with ``now``, as a bank file's task always was."""
    payments_record(items=[Incoming(key="U", source="bgmax", amount_ore=50_000,
                                    paid_on=date(2026, 7, 1), reference="x")], now=NOW)

    payment_match(payment_id=Payment.objects.get(key="U").id, case=case, now=NOW,
                  actor="staff:t")

    task = Task.objects.get(key="task:refund:U")
    assert task.kind == "refund" and task.created_on == date(2026, 7, 1)
    assert task.created_at == NOW
