"""A bank file's path through payments_record: allocated in parts (in a second process for big
files), bank payments grouped into ledger transactions, the plain cases' balance without
``case_balance``'s explanations — each held equal to the simple way it replaces."""

from __future__ import annotations

import os
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from django.db import connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st

from fordra.casefile import case_detail_json
from fordra.claims.models import Allocation, Case, CaseEvent, CaseState
from fordra.domain.ledger import (
    POSTINGS_PER_TRANSACTION_MAX,
    Transaction,
    balances_of,
    chain_hash_of_body,
    chain_rows,
    tx_payment,
)
from fordra.formats.bgmax import parse_bgmax, write_bgmax
from fordra.ledger.models import LedgerTransaction, Posting
from fordra.ledger.services import ledger_post, ledger_prepare, ledger_verify
from fordra.payments import booking, engine, owing
from fordra.payments.intake import payments_import, read_payment_file
from fordra.payments.models import Payment, PaymentFile
from fordra.rules import load_reference_rates
from tests.conftest import (
    PNR_A,
    PNR_B,
    PNR_C,
    PNR_D,
    assert_money_invariants,
    claims_csv,
    import_bytes,
)

NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
PAY_DAY = date(2026, 7, 20)
AGENCY_BANKGIRO = "50501055"
HEADER_RATE = (
    "creditor_orgnr;invoice_number;invoice_date;due_date;amount;debtor_id;debtor_name;"
    "address;postal_code;city;interest_rate"
)


def _line(number: str, amount: str, debtor: str, creditor: str, rate: str = "") -> str:
    return ";".join([creditor, number, "2026-05-13", "2026-06-12", amount, debtor, "Test Testsson",
                     "Storgatan 1", "111 22", "Stockholm", rate])


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cases(db, reference_rates):
    """Nine cases of three creditors with every pricing model's kind of keeping."""
    from fordra.parties.services import creditor_add

    orgnrs = {}
    for name, orgnr, model in [
        ("Exempelbolaget AB", "5560360793", "commission"),
        ("Bostadsbolaget AB", "5565594230", "zero_cost"),
        ("Energibolaget AB", "5566778899", "keeps_interest_and_fees"),
    ]:
        creditor, _ = creditor_add(name=name, orgnr=orgnr, bankgiro="50501055",
                                   reminder_fee_agreed=True, pricing_model=model)
        orgnrs[model] = creditor.orgnr
    debtors = [PNR_A, PNR_B, PNR_C, PNR_D]
    lines = [
        _line(f"F-{i}", f"{1000 + 250 * i},00", debtors[i % 4], list(orgnrs.values())[i % 3],
              rate="12.5" if i == 4 else "")
        for i in range(9)
    ]
    import_bytes(claims_csv(*lines, header=HEADER_RATE))
    from fordra.collection.run import daily_run

    daily_run(run_date=date(2026, 6, 22), now=NOW)  # reminders with fees on the consumer cases
    return list(Case.objects.order_by("id"))


def _file(cases: list[Case]) -> bytes:
    """Part payments, two payments to one case, one that pays a case off and one too many."""
    due = {c.id: case_detail_json(c, as_of=PAY_DAY)["balance_ore"] for c in cases}
    payments = [(PAY_DAY, c.ocr, 20_000 + 1_000 * i, str(10 + i)) for i, c in enumerate(cases)]
    payments += [
        (PAY_DAY, cases[0].ocr, 5_000, "90"),                       # a second payment, same day
        (PAY_DAY - timedelta(days=3), cases[1].ocr, 7_000, "91"),   # an earlier one
        (PAY_DAY, cases[2].ocr, due[cases[2].id] + 9_999, "92"),    # too much: closes, refund
        (PAY_DAY, "12345678", 30_000, "93"),                        # unmatched
        (PAY_DAY, "1000005", 40_000, "94"),                         # digits, not an OCR of ours
    ]
    return write_bgmax(receiving_bankgiro=AGENCY_BANKGIRO, payments=payments, created=NOW)


def _snapshot() -> dict[str, list[tuple[object, ...]]]:
    with connection.cursor() as cursor:
        out = {}
        for name, sql in {
            "payments": "SELECT key, source, status, case_id, amount_ore, allocated_ore, "
                        "overpaid_ore, suggestions FROM payments_payment ORDER BY id",
            "allocations": "SELECT case_id, invoice_id, component, amount_ore, key "
                           "FROM claims_allocation ORDER BY id",
            "events": "SELECT case_id, kind, detail FROM claims_caseevent ORDER BY id",
            "transactions": "SELECT sequence, key, kind, memo, hash "
                            "FROM ledger_ledgertransaction ORDER BY sequence",
            "postings": "SELECT t.sequence, p.position, p.account, p.amount_ore FROM "
                        "ledger_posting p JOIN ledger_ledgertransaction t "
                        "ON t.id = p.transaction_id ORDER BY t.sequence, p.position",
            "cases": "SELECT id, state, next_check_on FROM claims_case ORDER BY id",
        }.items():
            cursor.execute(sql)
            out[name] = [tuple(r) for r in cursor.fetchall()]
    return out


@pytest.mark.django_db
def test_a_bank_file_in_small_parts_and_small_groups_books_every_payment_once(cases, monkeypatch):
    monkeypatch.setattr(engine, "PART_PAYMENTS", 2)
    monkeypatch.setattr(booking, "CASE_POSTINGS_PER_TRANSACTION_MAX", 3)
    before = {c.id: case_detail_json(c, as_of=PAY_DAY) for c in cases}
    data = _file(cases)

    result = payments_import(data=data, filename="bgmax.txt", now=NOW)

    assert (result.payments, result.matched, result.unmatched) == (14, 12, 2)
    assert Payment.objects.count() == 14
    payments = LedgerTransaction.objects.filter(kind="payment")
    assert payments.count() > 3  # several parts, several groups per part
    sizes = Counter(Posting.objects.values_list("transaction_id", flat=True))
    assert max(sizes.values()) <= POSTINGS_PER_TRANSACTION_MAX
    # Each matched payment's capital and fees leave its case in the ledger exactly once.
    for case in cases:
        paid = Allocation.objects.filter(case=case)
        shown = case_detail_json(case, as_of=PAY_DAY)
        capital_paid = sum(a.amount_ore for a in paid if a.component == "capital")
        assert shown["capital_ore"] == before[case.id]["capital_ore"] - capital_paid
    # The agreed 12.5 % is used exactly as the case view uses it.
    agreed = cases[4]
    first = Allocation.objects.filter(case=agreed, component="interest").get()
    assert first.amount_ore == before[agreed.id]["interest_ore"]
    assert Case.objects.get(pk=cases[2].pk).state == CaseState.CLOSED_PAID
    assert Payment.objects.get(key__contains=":000000000094:").status == "unmatched"
    assert_money_invariants()

    again = payments_import(data=data, filename="copy.txt", now=NOW)
    assert again.duplicate is True
    assert Payment.objects.count() == 14
    assert ledger_verify().ok


@pytest.mark.django_db(transaction=False)
def test_a_second_process_books_exactly_what_one_process_books(cases, monkeypatch):
    monkeypatch.setattr(engine, "PART_PAYMENTS", 3)
    monkeypatch.setattr(engine, "PARALLEL_OWN_SHARE", 0.4)
    data = _file(cases)
    forks = []
    real = engine._booked_parts

    def counting(items, cases_, ctx):  # type: ignore[no-untyped-def]
        forks.append(engine._fan_out(len(items)))
        return real(items, cases_, ctx)

    monkeypatch.setattr(engine, "_booked_parts", counting)

    class Undo(Exception):
        pass

    snapshots = []
    for fan_out in (True, False):
        monkeypatch.setattr(engine, "_fan_out", lambda count, fan_out=fan_out: fan_out)
        try:
            with transaction.atomic():
                payments_import(data=data, filename="bgmax.txt", now=NOW)
                snapshots.append(_snapshot())
                assert_money_invariants()
                raise Undo
        except Undo:
            pass
    assert forks == [True, False]
    assert snapshots[0] == snapshots[1]
    assert len(snapshots[0]["payments"]) == 14


@pytest.mark.django_db
def test_a_failing_second_process_leaves_nothing_behind(cases, monkeypatch):
    monkeypatch.setattr(engine, "PART_PAYMENTS", 2)
    monkeypatch.setattr(engine, "_fan_out", lambda count: True)
    parent = os.getpid()
    real = engine._book

    def failing(items, cases_, ctx):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            raise ValueError("boom")
        return real(items, cases_, ctx)

    monkeypatch.setattr(engine, "_book", failing)
    with pytest.raises(RuntimeError, match="boom"):
        payments_import(data=_file(cases), filename="bgmax.txt", now=NOW)
    assert Payment.objects.count() == PaymentFile.objects.count() == 0
    assert not LedgerTransaction.objects.filter(kind="payment").exists()
    assert not CaseEvent.objects.filter(kind="payment").exists()


def test_the_payment_key_is_the_parser_s_own():
    created = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
    data = write_bgmax(
        receiving_bankgiro=AGENCY_BANKGIRO,
        payments=[(date(2026, 7, 17), "1000000000", 100, "1"), (date(2026, 7, 20), "x", 200, "22"),
                  (date(2026, 7, 20), "", 300, "333333333333")],
        created=created,
    )
    _, read = read_payment_file(data, allow_test_file=False)
    assert [p.key for p in read] == [p.key for p in parse_bgmax(data).payments]


# --- the grouped ledger transactions ----------------------------------------------------------

entries = st.lists(
    st.builds(
        booking._Entry,
        day=st.sampled_from([date(2026, 7, 17), date(2026, 7, 20)]),
        creditor_id=st.sampled_from([1, 2, 3]),
        key=st.text("0123456789", min_size=1, max_size=6).map(lambda s: f"bgmax:991:{s}"),
        case_id=st.integers(1, 40),
        capital_ore=st.integers(0, 10**8),
        interest_ore=st.integers(0, 10**6),
        costs_ore=st.integers(0, 10**5),
        overpaid_ore=st.integers(0, 10**6),
    ).filter(lambda e: e.capital_ore + e.interest_ore + e.costs_ore + e.overpaid_ore > 0),
    max_size=60,
    unique_by=lambda e: e.key,
)
KEEPS = {1: (False, True), 2: (False, False), 3: (True, True)}


@settings(max_examples=200, deadline=None)
@given(entries, st.integers(2, 20))
def test_grouped_transactions_book_what_one_transaction_per_payment_books(group, limit):
    original = booking.CASE_POSTINGS_PER_TRANSACTION_MAX
    booking.CASE_POSTINGS_PER_TRANSACTION_MAX = limit
    try:
        grouped = booking.payment_transactions(group, keeps=KEEPS)
        again = booking.payment_transactions(list(reversed(group)), keeps=KEEPS)
    finally:
        booking.CASE_POSTINGS_PER_TRANSACTION_MAX = original
    one_by_one = [
        tx_payment(key=e.key, day=e.day, case_id=str(e.case_id), creditor_id=str(e.creditor_id),
                   capital_ore=e.capital_ore, interest_ore=e.interest_ore,
                   costs_ore=e.costs_ore, overpaid_ore=e.overpaid_ore,
                   agency_keeps_interest=KEEPS[e.creditor_id][0],
                   agency_keeps_fees=KEEPS[e.creditor_id][1])
        for e in group
    ]
    for day in {e.day for e in group}:
        def on(txs: list[Transaction], day: date = day) -> dict[str, int]:
            return {a: v for a, v in balances_of([t for t in txs if t.date == day]).items() if v}
        assert on(grouped) == on(one_by_one)
    for tx in grouped:
        cases = [p for p in tx.postings if p.account.startswith("case:")]
        assert len(cases) <= limit
        assert len({tx.key for tx in grouped}) == len(grouped)
    members = Counter(e.key for e in group)
    assert sum(int(tx.memo.split(": ")[1].split(" st")[0]) for tx in grouped) == sum(
        members.values())
    assert again == grouped  # the same payments always give the same transactions


@settings(max_examples=100, deadline=None)
@given(entries.filter(bool))
def test_a_prepared_transaction_hashes_as_the_domain_does(group):
    txs = booking.payment_transactions(group, keeps=KEEPS)
    prepared = [ledger_prepare(tx) for tx in txs]
    previous = "0" * 64
    for (sequence, expected, _), p in zip(chain_rows(txs), prepared, strict=True):
        previous = chain_hash_of_body(previous=previous, sequence=sequence, body=p.text)
        assert previous == expected


@pytest.mark.django_db
def test_prepared_and_plain_transactions_post_alike():
    txs = booking.payment_transactions(
        [booking._Entry(PAY_DAY, 1, "k1", 7, 100, 5, 0, 0),
         booking._Entry(PAY_DAY, 1, "k2", 8, 0, 0, 60, 3)],
        keeps=KEEPS,
    )
    assert ledger_post([ledger_prepare(txs[0])], now=NOW) == 1
    assert ledger_post(txs, now=NOW) == 0  # the same content, stored: nothing new
    assert ledger_verify().ok


# --- the plain cases' balance -----------------------------------------------------------------

RATES = load_reference_rates()


@st.composite
def case_data(draw):  # type: ignore[no-untyped-def]
    count = draw(st.integers(0, 3))
    invoices = []
    for i in range(count):
        invoices.append(owing._Inv(
            id=100 + i,
            invoice_number=f"F-{i}",
            kind=draw(st.sampled_from(["invoice"] * 5 + ["credit_note"])),
            due_date=date(2026, 1, 1) + timedelta(days=draw(st.integers(-400, 300))),
            amount_ore=draw(st.integers(-50_000, 5_000_000)),
            interest_rate=draw(st.sampled_from([None, None, Decimal("12.5000"), Decimal("0")])),
            written_off_on=draw(st.sampled_from([None] * 8 + [date(2026, 3, 1)])),
        ))
    ids = [i.id for i in invoices] or [100]
    fees = [
        owing._Fee(draw(st.sampled_from(ids)), draw(st.integers(-6_000, 18_000)),
                      date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 300))))
        for _ in range(draw(st.integers(0, 3)))
    ]
    allocations = [
        owing._Alloc(draw(st.sampled_from(ids)), draw(st.sampled_from(["capital", "interest"])),
                        draw(st.integers(1, 10_000)),
                        date(2026, 1, 1) + timedelta(days=draw(st.integers(0, 300))))
        for _ in range(draw(st.sampled_from([0, 0, 0, 1, 2])))
    ]
    return owing._CaseData(1, "open", 1, invoices, fees, allocations)


@settings(max_examples=400, deadline=None)
@given(case_data(), st.integers(0, 400))
def test_the_plain_balance_is_case_balance_s(data, days):
    as_of = date(2026, 1, 1) + timedelta(days=days)
    plain = owing._outstanding_plain(data, as_of=as_of, rates=RATES)
    if plain is not None:
        assert plain == owing._outstanding(data, as_of=as_of, rates=RATES)
