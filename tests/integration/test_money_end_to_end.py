"""Issue 5's scenario: paid in full, in part, twice, to a wrong reference and directly to the
creditor — every balance right to the öre, each creditor paid its share, invariants holding,
re-imports and re-runs changing nothing."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Allocation, Case, CaseState, Task
from fordra.collection.run import daily_run
from fordra.formats.bgmax import write_bgmax
from fordra.ledger.models import LedgerTransaction
from fordra.ledger.reconcile import reconcile
from fordra.ledger.services import ledger_verify
from fordra.payments.actions import payment_apply, payment_match
from fordra.payments.intake import payments_import
from fordra.payments.models import Payment
from fordra.settlement.models import Remittance
from fordra.settlement.services import settle
from tests.conftest import (
    PNR_A,
    PNR_B,
    PNR_C,
    PNR_D,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
PAY_DAY = date(2026, 7, 20)
AGENCY_BANKGIRO = "50501055"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def portfolio(reference_rates):
    from fordra.parties.services import creditor_add

    a, _ = creditor_add(name="Exempelbolaget AB", orgnr="5560360793", bankgiro="50501055",
                        reminder_fee_agreed=True, pricing_model="commission",
                        commission_percent="15", remit_every="daily")
    b, _ = creditor_add(name="Bostadsbolaget AB", orgnr="5565594230", bankgiro="9912346",
                        reminder_fee_agreed=True, pricing_model="zero_cost", remit_every="daily")
    lines = [
        claim_line("A-1", amount="1 000,00", debtor=PNR_A, invoice_date="2026-05-13", due_date="2026-06-12"),
        claim_line("A-2", amount="2 000,00", debtor=PNR_B, invoice_date="2026-05-13", due_date="2026-06-12"),
        claim_line("A-3", amount="800,00", debtor=PNR_C, invoice_date="2026-05-13", due_date="2026-06-12"),
        claim_line("B-1", amount="1 500,00", debtor=PNR_D, name="Dora Direkt", creditor=b.orgnr,
                   invoice_date="2026-05-13", due_date="2026-06-12"),
    ]
    import_bytes(claims_csv(*lines))
    day = date(2026, 6, 12)
    while day <= date(2026, 7, 19):
        daily_run(run_date=day, now=NOW)
        day = date.fromordinal(day.toordinal() + 1)
    return {c.debtor.national_id: c for c in Case.objects.select_related("debtor")}, a, b


def balance(case: Case, day: date = PAY_DAY) -> int:
    return case_detail_json(case, as_of=day)["balance_ore"]


def test_every_kind_of_payment_ends_right_to_the_ore_and_each_creditor_gets_its_share(portfolio):
    cases, a, b = portfolio
    full, part, twice, direct = cases[PNR_A], cases[PNR_B], cases[PNR_C], cases[PNR_D]
    assert all(c.state == CaseState.DEMAND for c in cases.values())
    due = {c.id: balance(c) for c in cases.values()}
    bgmax = write_bgmax(
        receiving_bankgiro=AGENCY_BANKGIRO,
        payments=[
            (PAY_DAY, full.ocr, due[full.id], "1"),
            (PAY_DAY, part.ocr, 50_000, "2"),
            (PAY_DAY, twice.ocr, due[twice.id], "3"),
            (PAY_DAY, twice.ocr, due[twice.id], "4"),  # the same amount again: a refund owed
            (PAY_DAY, "12345678", 30_000, "5"),       # not an OCR: to the unmatched queue
        ],
        created=NOW,
    )

    first = payments_import(data=bgmax, filename="bgmax-0720.txt", now=NOW)
    again = payments_import(data=bgmax, filename="bgmax-0720-copy.txt", now=NOW)

    assert (first.payments, first.matched, first.unmatched) == (5, 4, 1)
    assert first.amount_ore == due[full.id] + 50_000 + 2 * due[twice.id] + 30_000
    assert again.duplicate is True and Payment.objects.count() == 5

    for c in cases.values():
        c.refresh_from_db()
    assert (full.state, twice.state, part.state) == (
        CaseState.CLOSED_PAID, CaseState.CLOSED_PAID, CaseState.DEMAND)
    assert balance(full) == balance(twice) == 0
    assert balance(part) == due[part.id] - 50_000
    assert Task.objects.filter(case=twice, kind="refund").count() == 1

    # Staff match the wrong reference to the right case; the creditor reports a direct payment.
    wrong = Payment.objects.get(status="unmatched")
    payment_match(payment_id=wrong.id, case=direct, now=NOW, actor="staff:test")
    payment_apply(case=direct, amount_ore=100_000, paid_on=PAY_DAY, source="direct",
                  key="direct:test:1", now=NOW)
    assert balance(direct) == due[direct.id] - 130_000

    # Nothing more happens to paid cases; the run and a re-run are quiet for them.
    daily_run(run_date=date(2026, 7, 21), now=NOW)
    daily_run(run_date=date(2026, 7, 21), now=NOW)
    assert not full.letters.filter(letter_date__gte=PAY_DAY).exists()

    result = settle(day=date(2026, 7, 21), now=NOW)
    transactions = LedgerTransaction.objects.count()
    repeat = settle(day=date(2026, 7, 21), now=NOW)
    assert LedgerTransaction.objects.count() == transactions
    assert [r.pk for r in repeat.remittances] == [r.pk for r in result.remittances]
    assert result.payout_file.endswith(".xml")

    # Creditor A (15 % commission on collected capital; the agency keeps the fees):
    settled_a = Allocation.objects.filter(case__creditor=a, money_in=True)
    capital = sum(x.amount_ore for x in settled_a if x.component == "capital")
    interest = sum(x.amount_ore for x in settled_a if x.component == "interest")
    commission = (capital * 15 + 50) // 100
    vat = (commission * 25 + 50) // 100
    r_a = Remittance.objects.get(creditor=a)
    assert (r_a.commission_ore, r_a.vat_ore) == (commission, vat)
    assert r_a.payout_ore == capital + interest - commission - vat
    # Creditor B (0 kr model): capital + interest of the klientmedel payment, nothing more;
    # the direct payment is already the creditor's.
    settled_b = Allocation.objects.filter(case__creditor=b, money_in=True)
    r_b = Remittance.objects.get(creditor=b)
    assert r_b.payout_ore == sum(
        x.amount_ore for x in settled_b if x.component in ("capital", "interest")
    )
    assert r_b.commission_ore == r_b.vat_ore == 0

    report = reconcile(as_of=date(2026, 7, 21))
    assert report["identity_ok"]
    assert report["refunds_owed_ore"] == due[twice.id]

    # The overpayment is paid back: refunds owed go to zero, the bank balance drops with it.
    from fordra.payments.actions import payment_refund

    over = Payment.objects.get(case=twice, overpaid_ore__gt=0)
    payment_refund(payment_id=over.id, day=date(2026, 7, 22), now=NOW, actor="staff:test")
    after = reconcile(as_of=date(2026, 7, 22))
    assert after["refunds_owed_ore"] == 0
    assert after["bank_ledger_ore"] == report["bank_ledger_ore"] - due[twice.id]
    assert Task.objects.get(case=twice, kind="refund").done_at is not None
    assert report["owed_to_creditors_ore"] == 0  # everything collected was remitted
    assert report["unapplied_ore"] == 0
    assert ledger_verify().ok
    assert_money_invariants()


def test_a_bank_file_for_another_bankgiro_or_with_bad_totals_is_refused_whole(portfolio):
    from fordra.core.errors import ApplicationError

    cases, _, _ = portfolio
    case = cases[PNR_A]
    other = write_bgmax(receiving_bankgiro="9912346", payments=[(PAY_DAY, case.ocr, 100, "1")],
                        created=NOW)
    with pytest.raises(ApplicationError) as refused:
        payments_import(data=other, filename="x.txt", now=NOW)
    assert "not to the agency's klientmedel bankgiro" in refused.value.message

    good = write_bgmax(receiving_bankgiro=AGENCY_BANKGIRO,
                       payments=[(PAY_DAY, case.ocr, 10_000, "1")], created=NOW)
    broken = good.replace(b"000000000000010000", b"000000000000010001", 1)
    with pytest.raises(ApplicationError):
        payments_import(data=broken, filename="y.txt", now=NOW)
    assert Payment.objects.count() == 0
    assert LedgerTransaction.objects.filter(kind="payment_received").count() == 0


def test_a_camt054_notification_matches_by_structured_reference_and_queues_the_rest(portfolio):
    from fordra.formats.camt054 import CamtPayment, write_camt054

    cases, _, _ = portfolio
    case = cases[PNR_B]

    def pay(ref: str, amount: int, *, structured: bool, text: str = "") -> CamtPayment:
        return CamtPayment(
            entry_ref=f"E-{ref}", tx_ref=f"T-{ref}-{amount}", amount_ore=amount, currency="SEK",
            booking_date=PAY_DAY, value_date=PAY_DAY, reference=ref if structured else "",
            reference_structured=structured, free_text=text, debtor_name="Lisa Testsson",
            account="SE4550000000058398257466",
        )

    data = write_camt054(
        account="SE4550000000058398257466",
        payments=[pay(case.ocr, 25_000, structured=True),
                  pay("x", 10_000, structured=False, text="Faktura A-2 betalning")],
        created=NOW, message_id="CAMT-1",
    )
    result = payments_import(data=data, filename="camt.xml", now=NOW)

    assert (result.format, result.matched, result.unmatched) == ("camt054", 1, 1)
    queued = Payment.objects.get(status="unmatched")
    assert queued.suggestions == [{"ref": case.ref, "why": "fakturanummer A-2 i referensen"}]
    assert_money_invariants()


def test_a_camt054_credit_in_another_currency_is_queued_for_staff_and_not_booked(portfolio):
    from fordra.formats.camt054 import CamtPayment, write_camt054

    cases, _, _ = portfolio
    eur = CamtPayment(
        entry_ref="E1", tx_ref="T1", amount_ore=10_000, currency="EUR", booking_date=PAY_DAY,
        value_date=PAY_DAY, reference=cases[PNR_A].ocr, reference_structured=True, free_text="",
        debtor_name="X", account="SE4550000000058398257466",
    )
    data = write_camt054(account="SE4550000000058398257466", payments=[eur], created=NOW,
                         message_id="M1")

    result = payments_import(data=data, filename="eur.xml", now=NOW)

    # Issue 10 item 9: no longer refused whole; held in the queue outside the SEK ledger.
    assert (result.payments, result.matched, result.unmatched, result.amount_ore) == (1, 0, 1, 0)
    held = Payment.objects.get()
    assert (held.status, held.currency, held.case_id) == ("unmatched", "EUR", None)
    assert held.reason.startswith("Betalningen är i EUR (100,00 EUR)")
    assert_money_invariants()
