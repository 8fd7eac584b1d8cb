"""Importing camt.054 notifications (issue 10 item 9, issue 11): debit entries skipped and
counted, a credit in another currency or booked after the file was made queued with its reason,
the receiving account checked, a file sent again reporting nothing new, every sample's total
equal to its own credit entries."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

import pytest

from fordra.claims.models import Allocation, Case
from fordra.core.errors import ApplicationError
from fordra.formats.camt054 import CamtPayment, write_camt054
from fordra.ledger.models import LedgerTransaction
from fordra.payments.actions import payment_match, payment_refund
from fordra.payments.intake import payments_import
from fordra.payments.models import Payment
from tests.conftest import (
    PNR_A,
    PNR_B,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parents[1] / "data"
NOW = datetime(2026, 7, 20, 6, 0, tzinfo=UTC)
PAY_DAY = date(2026, 7, 20)
IBAN = "SE4550000000058398257466"
OTHER_IBAN = "SE3550000000054910000003"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def agency(settings, **changes: str) -> None:
    settings.AGENCY = {**settings.AGENCY, **changes}


def sample(name: str) -> bytes:
    return (DATA / name).read_bytes()


def imported(data: bytes, name: str = "camt.xml"):
    return payments_import(data=data, filename=name, now=NOW)


@pytest.fixture
def cases(creditor, reference_rates) -> list[Case]:
    import_bytes(claims_csv(
        claim_line("F-1", amount="1 000,00", debtor=PNR_A, invoice_date="2026-05-13",
                   due_date="2026-06-12"),
        claim_line("F-2", amount="2 000,00", debtor=PNR_B, name="Märta Ångström",
                   invoice_date="2026-05-13", due_date="2026-06-12"),
    ))  # fmt: skip
    return list(Case.objects.order_by("id"))


def pay(tx_ref: str, amount_ore: int, reference: str = "", *, entry_ref: str = "E1",
        booked: date = PAY_DAY, currency: str = "SEK") -> CamtPayment:  # fmt: skip
    return CamtPayment(
        entry_ref=entry_ref, tx_ref=tx_ref, amount_ore=amount_ore, currency=currency,
        booking_date=booked, value_date=booked, reference=reference,
        reference_structured=bool(reference), free_text="", debtor_name="", account=IBAN,
    )  # fmt: skip


def notification(*payments: CamtPayment, created: datetime = NOW, message_id: str = "M-1") -> bytes:
    return write_camt054(account=IBAN, payments=payments, created=created, message_id=message_id)


# --- debit entries ---------------------------------------------------------------------------


def test_a_debit_entry_without_booking_date_no_longer_costs_the_file_its_credits() -> None:
    """Issue 10 item 9: refused whole ("Ntry 2: BookgDt: missing"); now its 3 credits import."""
    result = imported(sample("camt054_debit_quirks.xml"))

    # 300,00 + 200,00 (one entry, split by its TxDtls) + 150 (an entry without TxDtls).
    assert (result.payments, result.amount_ore, result.skipped_debits) == (3, 65_000, 2)
    assert result.as_json()["skipped_debits"] == 2
    assert sorted(Payment.objects.values_list("amount_ore", flat=True)) == [15_000, 20_000, 30_000]
    assert_money_invariants()


def test_a_file_of_debit_entries_only_imports_nothing_without_error() -> None:
    result = imported(sample("camt054_debits_only.xml"))

    assert result.as_json() | {"format": "camt054"} == {
        "payments": 0, "matched": 0, "unmatched": 0, "amount_ore": 0, "duplicate": False,
        "duplicates": 0, "format": "camt054", "cases_closed": 0, "skipped_debits": 2,
        "unknown_records": [], "warnings": [],
    }  # fmt: skip
    assert Payment.objects.count() == 0
    assert not LedgerTransaction.objects.exists()


# --- another currency ------------------------------------------------------------------------


def test_a_credit_in_another_currency_is_queued_with_its_reason_and_the_rest_imported() -> None:
    """Issue 10 item 9: one EUR credit refused the whole file."""
    result = imported(sample("camt054_currencies.xml"))

    assert (result.payments, result.unmatched) == (3, 3)
    assert result.amount_ore == 120_000 + 8_050  # SEK only: the ledger is in SEK
    held = Payment.objects.get(currency="EUR")
    assert (held.status, held.amount_ore, held.case_id) == ("unmatched", 9_500, None)
    assert (
        held.reason == "Betalningen är i EUR (95,00 EUR), inte SEK: bokförs inte, hanteras manuellt"
    )
    assert not LedgerTransaction.objects.filter(key=f"in:{held.key}").exists()
    assert_money_invariants()


def test_a_payment_in_another_currency_cannot_be_matched_or_refunded_in_fordra(cases) -> None:
    imported(sample("camt054_currencies.xml"))
    held = Payment.objects.get(currency="EUR")

    with pytest.raises(ApplicationError, match=r"is in EUR, not SEK: it cannot be matched"):
        payment_match(payment_id=held.id, case=cases[0], now=NOW, actor="staff:test")
    with pytest.raises(ApplicationError, match=r"is in EUR, not SEK: it cannot be refunded"):
        payment_refund(payment_id=held.id, day=PAY_DAY, now=NOW, actor="staff:test")


def test_an_ocr_in_another_currency_is_queued_not_allocated(cases) -> None:
    first = cases[0]
    data = notification(pay("T1", 10_000, first.ocr, currency="EUR"))

    result = imported(data)

    assert (result.matched, result.unmatched, result.amount_ore) == (0, 1, 0)
    queued = Payment.objects.get()
    assert queued.suggestions == [{"ref": first.ref, "why": "OCR i referensen"}]
    assert not Allocation.objects.exists()


# --- the booking date after the file was made -------------------------------------------------


def test_a_payment_booked_after_the_file_was_created_goes_to_the_queue_with_the_reason(
    cases,
) -> None:
    first, second = cases
    data = notification(
        pay("T1", 10_000, first.ocr, entry_ref="E1", booked=date(2026, 7, 21)),
        pay("T2", 20_000, second.ocr, entry_ref="E2", booked=PAY_DAY),
        created=datetime(2026, 7, 20, 18, 0, tzinfo=UTC),
    )

    result = imported(data)

    assert (result.matched, result.unmatched) == (1, 1)
    late = Payment.objects.get(key=f"camt054:{IBAN}:T1")
    assert (late.status, late.case_id) == ("unmatched", None)
    assert late.reason == "Bokföringsdagen 2026-07-21 är efter filens skapandedag 2026-07-20"
    assert late.suggestions == [{"ref": first.ref, "why": "OCR i referensen"}]
    assert Payment.objects.get(key=f"camt054:{IBAN}:T2").case_id == second.id
    assert_money_invariants()


# --- batch booking -----------------------------------------------------------------------------


def test_one_batch_entry_is_split_into_its_transactions_each_on_its_own_case(cases) -> None:
    first, second = cases
    data = notification(pay("T1", 30_000, first.ocr), pay("T2", 20_000, second.ocr))
    assert data.count(b"<Ntry>") == 1 and data.count(b"<TxDtls>") == 2

    result = imported(data)

    assert (result.payments, result.matched, result.amount_ore) == (2, 2, 50_000)
    paid = dict(Payment.objects.values_list("case_id", "amount_ore"))
    assert paid == {first.id: 30_000, second.id: 20_000}
    assert_money_invariants()


# --- the receiving account ------------------------------------------------------------------


def test_without_fordra_agency_iban_any_iban_is_accepted(settings) -> None:
    agency(settings, iban="")

    assert imported(notification(pay("T1", 100))).payments == 1


def test_fordra_agency_iban_refuses_a_notification_for_another_account(settings) -> None:
    agency(settings, iban=OTHER_IBAN)

    with pytest.raises(ApplicationError) as refused:
        imported(notification(pay("T1", 100)))

    assert refused.value.message == (
        f"the camt.054 file was refused: Ntfctn 1 is for account {IBAN}, not the agency's"
        f" klientmedel account {OTHER_IBAN} (FORDRA_AGENCY_IBAN)"
    )
    assert Payment.objects.count() == 0


def test_fordra_agency_iban_is_compared_without_blanks_and_case(settings) -> None:
    agency(settings, iban="se45 5000 0000 0583 9825 7466")

    assert imported(notification(pay("T1", 100))).payments == 1


def test_a_fordra_agency_iban_that_is_not_an_iban_is_a_clear_error(settings) -> None:
    agency(settings, iban="SE00 1234")

    with pytest.raises(ApplicationError, match=r"FORDRA_AGENCY_IBAN 'SE00 1234' is not an IBAN"):
        imported(notification(pay("T1", 100)))


def test_a_bankgiro_account_is_checked_against_fordra_agency_bankgiro(settings) -> None:
    agency(settings, bankgiro="5050-1055")

    with pytest.raises(ApplicationError) as refused:
        imported(sample("camt054_v02.xml"))

    assert refused.value.message == (
        "the camt.054 file was refused: Ntfctn 1 is for bankgiro 9912346, not the agency's"
        " klientmedel bankgiro 50501055 (FORDRA_AGENCY_BANKGIRO)"
    )
    agency(settings, bankgiro="991-2346")
    assert imported(sample("camt054_v02.xml")).payments == 6


def test_with_fordra_agency_iban_an_account_of_unknown_kind_is_refused(settings) -> None:
    agency(settings, iban=IBAN)
    data = write_camt054(account="1234-5678901", payments=[pay("T1", 100)], created=NOW,
                         message_id="M")  # fmt: skip

    with pytest.raises(
        ApplicationError, match=r"Ntfctn 1 is for account \(Acct/Id/Othr\) 1234-5678901"
    ):
        imported(data)


# --- duplicates and foreign namespaces ---------------------------------------------------------


def test_the_same_file_again_reports_no_new_payments() -> None:
    """Issue 11: a duplicate camt file reported "payments": 7."""
    data = sample("camt054_v08.xml")
    first = imported(data)

    again = imported(data, "copy.xml")

    assert first.payments == 5
    assert (again.payments, again.amount_ore, again.duplicate, again.duplicates) == (0, 0, True, 5)
    assert Payment.objects.count() == 5


def test_the_same_payments_sent_again_under_a_new_message_id_are_a_duplicate() -> None:
    payments = (pay("T1", 100), pay("T2", 200))
    imported(notification(*payments, message_id="M-1"))

    again = imported(
        notification(*payments, message_id="M-2", created=datetime(2026, 7, 21, tzinfo=UTC))
    )

    assert (again.payments, again.duplicate, again.duplicates) == (0, True, 2)


def test_a_camt054_in_a_foreign_namespace_is_refused_and_nothing_booked() -> None:
    """Issue 11: ``urn:evil:ns`` was accepted and 7 payments booked."""
    data = sample("camt054_v08.xml").replace(
        b"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", b"urn:evil:ns"
    )

    with pytest.raises(ApplicationError, match=r"the Document has the namespace 'urn:evil:ns'"):
        imported(data)
    assert Payment.objects.count() == 0


# --- every sample adds up -------------------------------------------------------------------


def credit_entries_sum_ore(data: bytes) -> int:
    """Σ of the SEK credit entries, read independently of the parser (ElementTree, Decimal)."""
    total = Decimal(0)
    for element in ElementTree.fromstring(data).iter():
        if not element.tag.endswith("}Ntry"):
            continue
        fields = {child.tag.rpartition("}")[2]: child for child in element}
        amount = fields["Amt"]
        if fields["CdtDbtInd"].text == "CRDT" and amount.get("Ccy") == "SEK":
            total += Decimal(amount.text or "")
    return int(total * 100)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("camt054_v02.xml", 196_745),  # 1 350,45 + 575,00 + 42,00; 120 kr debit skipped
        ("camt054_v08.xml", 396_050),  # 1 484,50 + 2 476,00 (a 24 kr charge netted in it)
        ("camt054_debit_quirks.xml", 65_000),
        ("camt054_debits_only.xml", 0),
        ("camt054_currencies.xml", 128_050),  # the 95 EUR credit held apart
    ],
)
def test_a_samples_import_total_equals_the_sum_of_its_credit_entries(
    settings, name: str, expected: int
) -> None:
    agency(settings, bankgiro="991-2346")
    data = sample(name)

    result = imported(data, name)

    assert result.amount_ore == credit_entries_sum_ore(data) == expected
    assert_money_invariants()


def test_write_then_import_books_exactly_the_written_credits(cases) -> None:
    first, _ = cases
    out = dataclasses.replace(pay("O1", -5_000, entry_ref="OUT"), free_text="Redovisning")
    data = notification(pay("T1", 12_345, first.ocr), out, pay("T3", 1, entry_ref="E3"))

    result = imported(data)

    assert (result.payments, result.amount_ore, result.skipped_debits) == (2, 12_346, 1)


def test_the_unmatched_queue_shows_why_a_payment_is_there_and_its_currency(client) -> None:
    from django.contrib.auth.models import User

    imported(sample("camt054_currencies.xml"))
    client.force_login(User.objects.create_user("handlaggare", is_staff=True))

    page = client.get("/staff/payments/unmatched/").content.decode()

    assert "95,00 EUR" in page
    assert "Betalningen är i EUR (95,00 EUR), inte SEK: bokförs inte, hanteras manuellt" in page
    assert page.count('name="payment"') == 2  # the two SEK payments can be matched, not the EUR


def test_a_payment_in_another_currency_is_never_allocated_even_if_handed_a_case(cases) -> None:
    from fordra.payments.engine import payments_record
    from fordra.payments.incoming import Incoming

    first = cases[0]
    item = Incoming(key="k-eur", source="camt054", amount_ore=10_000, paid_on=PAY_DAY,
                    case_id=first.id, reason="EUR", currency="EUR")  # fmt: skip

    result = payments_record(items=[item], now=NOW)

    assert (result.matched, result.unmatched, result.amount_ore) == (0, 1, 0)
    assert Payment.objects.get().case_id is None and not Allocation.objects.exists()
    assert not LedgerTransaction.objects.filter(key="in:k-eur").exists()
