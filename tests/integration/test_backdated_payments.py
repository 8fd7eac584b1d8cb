"""Payments out of time order (issue 10 item 5): allocated in value-date order, by reversal.

The case of every example: one invoice of 10 000 kr due 2026-06-12, consumer, reminder fee
agreed; the statutory rate 2026-H1 is 2 % + 8 = 10 %, so a day's interest on 10 000 kr is
1 000 000 × 10 % / 365 = 273,97… öre. The reminder goes out 2026-06-22 with its 60 kr fee.
"""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Allocation, Case, CaseState, FeeRecord, Task
from fordra.collection.run import daily_run
from fordra.core.errors import ApplicationError
from fordra.ledger.models import LedgerTransaction
from fordra.letters.models import Letter, LetterStatus
from fordra.payments.actions import payment_apply
from fordra.payments.incoming import value_date_problem
from fordra.payments.models import Payment
from tests.conftest import assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 7, 20, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def case(creditor, reference_rates) -> Case:
    import_bytes(claims_csv(claim_line("F-1", amount="10 000,00", invoice_date="2026-05-13",
                                       due_date="2026-06-12")))
    return Case.objects.get()


def pay(case: Case, amount_ore: int, day: date, key: str, source: str = "manual") -> Payment:
    return payment_apply(case=case, amount_ore=amount_ore, paid_on=day, source=source, key=key,
                         now=NOW)


def net_allocations(case: Case) -> dict[str, dict[str, int]]:
    """Per payment, the net amount allocated to each component (reversals included)."""
    out: dict[str, dict[str, int]] = defaultdict(lambda: {"costs": 0, "interest": 0, "capital": 0})
    for ref, component, amount in Allocation.objects.filter(case=case).values_list(
        "payment_ref", "component", "amount_ore"
    ):
        out[ref.removeprefix("payment:")][component] += amount
    # A payment whose allocation was reversed whole (it became an overpayment) nets to nothing.
    return {k: v for k, v in out.items() if any(v.values())}


def test_a_value_date_after_today_is_a_problem_with_its_reason():
    assert value_date_problem(paid_on=date(2026, 7, 20), latest=date(2026, 7, 20)) is None
    problem = value_date_problem(paid_on=date(2030, 1, 1), latest=date(2026, 7, 20))
    assert problem is not None and "2030-01-01" in problem


def test_a_back_dated_payment_is_allocated_before_a_later_one_already_allocated(case):
    daily_run(run_date=date(2026, 6, 22), now=NOW)  # the reminder, 60 kr fee
    # A, 200 kr on 06-30, alone: costs 6 000; interest 06-13..06-30, 18 days = 4 931,51 → 4 932;
    # capital 20 000 − 6 000 − 4 932 = 9 068.
    pay(case, 20_000, date(2026, 6, 30), "A")
    assert net_allocations(case)["A"] == {"costs": 6000, "interest": 4932, "capital": 9068}

    # B, 100 kr dated 06-25, arrives after A. In value-date order B comes first: costs 6 000;
    # interest 06-13..06-25, 13 days = 3 561,64 → 3 562; capital 10 000 − 9 562 = 438.
    # Then A: interest to 06-30 on 10 000 kr for 13 days and 9 995,62 kr for 5 days
    # = 3 561,64 + 1 369,26 = 4 930,91 → 4 931, less 3 562 paid = 1 369; capital 18 631.
    pay(case, 10_000, date(2026, 6, 25), "B")

    assert net_allocations(case) == {
        "B": {"costs": 6000, "interest": 3562, "capital": 438},
        "A": {"costs": 0, "interest": 1369, "capital": 18631},
    }
    shown = case_detail_json(case, as_of=date(2026, 7, 20))
    assert (shown["fees_ore"], shown["capital_ore"]) == (0, 1_000_000 - 438 - 18631)
    for as_of in (date(2026, 6, 25), date(2026, 6, 30), date(2026, 7, 20)):
        shown = case_detail_json(case, as_of=as_of)
        assert min(shown["fees_ore"], shown["interest_ore"], shown["capital_ore"]) >= 0
    # A's first allocation stays on record, taken back by negative rows on its own day.
    assert Allocation.objects.filter(case=case, amount_ore__lt=0).count() == 3
    assert LedgerTransaction.objects.filter(key="realloc:A:1", date=date(2026, 6, 30)).exists()
    assert case.events.filter(kind="payment_reallocated").count() == 1
    assert_money_invariants()


def test_the_case_page_shows_no_negative_fee_after_a_back_dated_payment(case, client,
                                                                      django_user_model):
    daily_run(run_date=date(2026, 6, 22), now=NOW)
    pay(case, 20_000, date(2026, 6, 30), "A")
    pay(case, 10_000, date(2026, 6, 25), "B")
    client.force_login(django_user_model.objects.create_user("staff", is_staff=True))

    page = client.get(f"/staff/cases/{case.ref}/").content.decode()

    balance = page.split('data-testid="balance"', 1)[1].split("</table>", 1)[0]
    assert "<th>Avgifter</th><td class=\"num\">0,00 kr</td>" in balance
    assert not re.search(r"[-−]\s?\d", balance)


def test_a_payment_that_had_paid_everything_before_the_reminder_reverses_its_fee(case):
    daily_run(run_date=date(2026, 6, 22), now=NOW)  # reminder sent, 60 kr fee
    reminder = Letter.objects.get(case=case, kind="reminder")
    assert reminder.status in (LetterStatus.SENT, LetterStatus.HANDED_OVER)
    # Owed on 06-20: capital 1 000 000 + interest 06-13..06-20, 8 days = 2 191,78 → 2 192.
    # The debtor paid 10 030 kr that day: 1 002 192 allocated, 808 öre over.
    payment = pay(case, 1_003_000, date(2026, 6, 20), "P")

    case.refresh_from_db()
    reminder.refresh_from_db()
    assert case.state == CaseState.CLOSED_PAID
    assert (payment.allocated_ore, payment.overpaid_ore) == (1_002_192, 808)
    assert net_allocations(case)["P"] == {"costs": 0, "interest": 2192, "capital": 1_000_000}
    assert reminder.status == LetterStatus.VOID
    fees = sorted(FeeRecord.objects.filter(case=case).values_list("amount_ore", flat=True))
    assert fees == [-6000, 6000]
    reversal = FeeRecord.objects.get(amount_ore=-6000)
    assert reversal.date == date(2026, 6, 22) and "betalt i sin helhet 2026-06-20" in reversal.explanation
    assert case.events.filter(kind="fee_reversed").exists()
    assert Task.objects.get(case=case, kind="refund").text == "Återbetala överskott 8,08 kr till gäldenären"
    shown = case_detail_json(case, as_of=date(2026, 7, 20))
    assert (shown["balance_ore"], shown["fees_ore"]) == (0, 0)
    assert_money_invariants()


def test_a_back_dated_payment_that_would_change_remitted_money_is_refused(case):
    from fordra.settlement.services import settle

    daily_run(run_date=date(2026, 6, 22), now=NOW)
    pay(case, 20_000, date(2026, 6, 30), "A")
    settle(day=date(2026, 7, 1), now=NOW)
    assert not Allocation.objects.filter(case=case, settled_in="").exists()
    rows, transactions = Allocation.objects.count(), LedgerTransaction.objects.count()

    with pytest.raises(ApplicationError) as refused:
        pay(case, 10_000, date(2026, 6, 25), "B")

    assert refused.value.code == "remitted"
    assert "already remitted" in refused.value.message
    assert not Payment.objects.filter(key="B").exists()
    assert (Allocation.objects.count(), LedgerTransaction.objects.count()) == (rows, transactions)


def test_a_payment_newer_than_everything_allocated_takes_the_bulk_path(case):
    pay(case, 20_000, date(2026, 6, 25), "A")
    pay(case, 20_000, date(2026, 6, 30), "B")

    assert not case.events.filter(kind="payment_reallocated").exists()
    assert not Allocation.objects.filter(amount_ore__lt=0).exists()
    assert LedgerTransaction.objects.filter(key__startswith="payments:").count() == 2


def test_a_payment_from_the_unmatched_queue_dated_before_an_allocated_one_is_replayed(case):
    from fordra.payments.actions import payment_match
    from fordra.payments.engine import payments_record
    from fordra.payments.incoming import Incoming

    daily_run(run_date=date(2026, 6, 22), now=NOW)
    pay(case, 20_000, date(2026, 6, 30), "A")
    payments_record(items=[Incoming(key="U", source="bgmax", amount_ore=10_000,
                                    paid_on=date(2026, 6, 25), reference="x")], now=NOW)

    payment_match(payment_id=Payment.objects.get(key="U").id, case=case, now=NOW, actor="t")

    assert net_allocations(case) == {
        "U": {"costs": 6000, "interest": 3562, "capital": 438},
        "A": {"costs": 0, "interest": 1369, "capital": 18631},
    }
    assert_money_invariants()


# --- property: any arrival order gives the value-date order's allocation ------------------------

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, example, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

PAYMENTS = st.lists(
    st.tuples(st.integers(min_value=1, max_value=40), st.integers(min_value=1, max_value=700_000)),
    min_size=1,
    max_size=5,
)


class _Rollback(Exception):
    pass


def _allocate_in(order, payments, creditor) -> tuple[dict, list]:
    """Apply ``payments`` ((day offset, öre) by index) in ``order``; the net allocation per
    payment and every balance seen, then roll everything back."""
    from django.db import transaction

    seen: dict = {}
    balances: list = []
    try:
        with transaction.atomic():
            import_bytes(claims_csv(claim_line("F-1", amount="10 000,00", invoice_date="2026-05-13",
                                               due_date="2026-06-12")))
            case = Case.objects.get()
            daily_run(run_date=date(2026, 6, 22), now=NOW, decide_only=True)
            for index in order:
                offset, amount = payments[index]
                pay(case, amount, date(2026, 6, 12) + timedelta(days=offset), f"p{index}")
            seen = {
                "allocations": net_allocations(case),
                "payments": sorted(Payment.objects.values_list("key", "allocated_ore",
                                                               "overpaid_ore")),
                "state": Case.objects.get().state,
            }
            for offset in range(0, 45, 4):
                shown = case_detail_json(case, as_of=date(2026, 6, 12) + timedelta(days=offset))
                balances.append((shown["capital_ore"], shown["interest_ore"], shown["fees_ore"]))
            assert_money_invariants()
            raise _Rollback
    except _Rollback:
        pass
    return seen, balances


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@example(payments=[(1, 640_799), (25, 1), (1, 372_320)], data=None)  # found by hypothesis
@given(payments=PAYMENTS, data=st.data())
def test_payments_in_any_order_are_allocated_as_in_value_date_order_and_nothing_goes_negative(
    creditor, reference_rates, payments, data
):
    arrival = list(range(len(payments))) if data is None else data.draw(
        st.permutations(range(len(payments)))
    )
    # Same-day payments keep the order they arrived in (value date, then arrival).
    by_value_date = sorted(arrival, key=lambda i: payments[i][0])

    shuffled, balances = _allocate_in(arrival, payments, creditor)
    ordered, _ = _allocate_in(by_value_date, payments, creditor)

    assert shuffled == ordered
    for parts in shuffled["allocations"].values():
        assert min(parts.values()) >= 0
    assert all(min(b) >= 0 for b in balances)


def test_a_back_dated_bank_payment_that_would_change_remitted_money_waits_in_the_queue(case):
    from fordra.payments.engine import payments_record
    from fordra.payments.incoming import Incoming
    from fordra.payments.models import PaymentFile, PaymentStatus
    from fordra.settlement.services import settle

    daily_run(run_date=date(2026, 6, 22), now=NOW)
    pay(case, 20_000, date(2026, 6, 30), "A")
    settle(day=date(2026, 7, 1), now=NOW)
    file = PaymentFile.objects.create(sha256="0" * 64, filename="bgmax.txt", format="bgmax")

    result = payments_record(
        items=[Incoming(key="B", source="bgmax", amount_ore=10_000, paid_on=date(2026, 6, 25),
                        reference=case.ocr, case_id=case.id),
               Incoming(key="C", source="bgmax", amount_ore=5_000, paid_on=date(2026, 7, 2),
                        reference=case.ocr, case_id=case.id)],
        now=NOW, file_id=file.id,
    )

    # The whole case waits (C too: it follows B in value-date order); the file is not refused.
    assert (result.payments, result.unmatched, result.matched) == (2, 2, 0)
    queued = Payment.objects.get(key="B")
    assert queued.status == PaymentStatus.UNMATCHED and queued.case_id is None
    assert queued.suggestions[0]["ref"] == case.ref
    assert "redovisats till borgenären" in queued.suggestions[0]["why"]
    assert not Allocation.objects.filter(payment_ref__in=["payment:B", "payment:C"]).exists()
    assert_money_invariants()
