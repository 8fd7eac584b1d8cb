"""The three readers of a case's balance give the same figures (issue 12).

All three call the domain's one balance (``fordra.domain.balance``); this is the second check —
that each reader feeds it the same rows: the ORM path (``case_balance_of``), the daily run's
snapshots (``load_snapshots``, without interest) and the bulk payment path
(``payments.owing._load_cases`` + ``_outstanding_plain``/``_outstanding``).
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fordra.claims.models import Allocation, Case, FeeRecord, Invoice
from fordra.claims.selectors import case_balance_of
from fordra.collection.snapshots import load_snapshots, open_case_shards
from fordra.payments import owing as payments
from fordra.reference.services import reference_rate_table
from tests.conftest import claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db

START = date(2026, 1, 1)
days = st.integers(0, 300).map(lambda n: START + timedelta(days=n))


class _Rollback(Exception):
    pass


@st.composite
def extra_rows(draw):  # type: ignore[no-untyped-def]
    invoices = [
        (draw(st.integers(10_000, 2_000_000)), draw(days), draw(st.sampled_from([None] * 4 + [START + timedelta(days=150)])))
        for _ in range(draw(st.integers(0, 3)))
    ]
    credit = draw(st.integers(0, 9_000)) if draw(st.booleans()) else 0
    fees = [(draw(st.integers(0, 4)), draw(st.integers(-6_000, 18_000)), draw(days))
            for _ in range(draw(st.integers(0, 4)))]
    allocations = [(draw(st.sampled_from(["costs", "interest", "capital"])),
                    draw(st.integers(1, 1_000)), draw(days))
                   for _ in range(draw(st.integers(0, 3)))]
    return invoices, credit, fees, allocations


def _build(creditor, rows) -> Case:  # type: ignore[no-untyped-def]
    invoices, credit, fees, allocations = rows
    import_bytes(claims_csv(claim_line("F-0", amount="500,00", invoice_date="2025-11-01",
                                       due_date="2025-12-01")))
    case = Case.objects.get()
    first = Invoice.objects.get(case=case)
    for n, (amount, due, off) in enumerate(invoices, start=1):
        Invoice.objects.create(case=case, creditor=first.creditor, invoice_number=f"F-{n}",
                               invoice_date=due - timedelta(days=30), due_date=due,
                               amount_ore=amount, written_off_on=off)
    if credit:  # less than the oldest invoice (F-0): no capital goes below zero
        Invoice.objects.create(case=case, creditor=first.creditor, invoice_number="K-1",
                               kind="credit_note", invoice_date=START, due_date=START,
                               amount_ore=-min(credit, 40_000))
    held = list(Invoice.objects.filter(case=case, kind="invoice").order_by("due_date", "id"))
    for n, (index, amount, day) in enumerate(fees):
        FeeRecord.objects.create(case=case, invoice=held[index % len(held)], kind="reminder",
                                 amount_ore=amount, date=day, rule="r", version="v",
                                 explanation="e", key=f"fee:test:{n}")
    newest = held[-1]  # capital paid on the newest only: small against its capital
    for n, (component, amount, day) in enumerate(allocations):
        Allocation.objects.create(case=case, invoice=newest, component=component,
                                  amount_ore=amount, date=day, payment_ref=f"p{n}",
                                  key=f"p{n}:{newest.id}:{component}")
    return case


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(rows=extra_rows(), as_of=days)
def test_the_orm_snapshot_and_bulk_payment_balances_agree(creditor, reference_rates, rows, as_of):
    try:
        with transaction.atomic():
            case = _build(creditor, rows)
            orm = case_balance_of(case, as_of=as_of)

            (shard,) = open_case_shards(today=as_of, full=True)
            snapshot = load_snapshots(
                cases=shard, reminder_fee_agreed_by_creditor={case.creditor_id: True},
                today=as_of,
            ).snapshots[case.id]
            assert {c.invoice_id: c.capital_ore for c in snapshot.claims} == {
                c.invoice_id: c.capital_ore for c in orm.claims
            }
            assert snapshot.balance_ore == orm.capital_ore + orm.fees_ore

            data = payments._load_cases([case.id])[case.id]
            rates = reference_rate_table()
            claims, balance = payments._outstanding_plain(
                data, as_of=as_of, rates=rates
            ) or payments._outstanding(data, as_of=as_of, rates=rates)
            assert balance == orm.balance_ore
            assert [(int(c.key), c.costs_ore, c.capital_ore) for c in claims] == [
                (c.invoice_id, max(c.costs_ore, 0), max(c.capital_ore, 0)) for c in orm.claims
            ]
            raise _Rollback
    except _Rollback:
        pass


def test_a_fee_dated_after_the_day_is_not_in_the_daily_run_s_balance_yet(creditor, reference_rates):
    """Changed (issue 12): the snapshots counted every fee row; the one balance counts a fee
    from its date on, as the case view always did."""
    case = _build(creditor, ([], 0, [(0, 6_000, date(2026, 3, 1))], []))
    for day, fees in ((date(2026, 2, 1), 0), (date(2026, 3, 1), 6_000)):
        (shard,) = open_case_shards(today=day, full=True)
        snapshot = load_snapshots(
            cases=shard, reminder_fee_agreed_by_creditor={case.creditor_id: True}, today=day
        ).snapshots[case.id]
        assert snapshot.balance_ore == 50_000 + fees


def test_a_credit_note_goes_to_the_oldest_invoice_even_when_that_one_was_written_off(
    creditor, reference_rates
):
    """Changed (issue 12): the snapshots applied a credit note to the oldest invoice still
    demanded; the one balance applies it to the oldest invoice, as the case view, letters and
    payments always did (a credit note reduces capital from the start, before any write-off)."""
    case = _build(creditor, ([(100_000, date(2026, 2, 1), None)], 10_000, [], []))
    Invoice.objects.filter(case=case, invoice_number="F-0").update(written_off_on=date(2026, 1, 15))
    day = date(2026, 3, 1)
    (shard,) = open_case_shards(today=day, full=True)
    snapshot = load_snapshots(
        cases=shard, reminder_fee_agreed_by_creditor={case.creditor_id: True}, today=day
    ).snapshots[case.id]
    assert [c.capital_ore for c in snapshot.claims] == [100_000]
    assert [c.capital_ore for c in case_balance_of(case, as_of=day).claims] == [100_000]
