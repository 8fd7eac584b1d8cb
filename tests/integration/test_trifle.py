"""Trifles (småbelopp, DOMAIN.md §3): a remainder below the creditor's threshold is never
escalated to a fee-bearing letter; the creditor's agreement says what becomes of it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Case, CaseEvent, CaseState, FeeRecord, Invoice
from fordra.collection.run import daily_run
from fordra.letters.models import Letter
from fordra.parties.services import creditor_add, creditor_update
from fordra.payments.actions import payment_apply
from tests.conftest import (
    CREDITOR_ORGNR,
    PNR_A,
    PNR_B,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 8, 1, 5, 0, tzinfo=UTC)
DUE = date(2026, 6, 12)  # a Friday; the consumer reminder is due 06-19 (midsommarafton) → 06-22
REMINDER_DAY = date(2026, 6, 22)
OTHER_ORGNR = "5566778899"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_case(*, debtor: str = PNR_A, creditor: str = CREDITOR_ORGNR) -> Case:
    import_bytes(
        claims_csv(
            claim_line(
                f"F-{debtor[-4:]}",
                amount="1 000,00",
                invoice_date="2026-05-13",
                due_date=DUE.isoformat(),
                debtor=debtor,
                creditor=creditor,
            )
        ),
        filename=f"{creditor}-{debtor}.csv",
    )
    return Case.objects.get(debtor__national_id=debtor, creditor__orgnr=creditor)


def pay_on_due_date(case: Case, amount_ore: int) -> None:
    # Paid on the due date itself: no interest on it; what is left bears interest from 06-13.
    payment_apply(
        case=case, amount_ore=amount_ore, paid_on=DUE, source="direct", key=f"p-{case.id}", now=NOW
    )


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def test_a_40_kronor_remainder_after_a_part_payment_is_written_off_without_a_letter(
    creditor, reference_rates
):
    case = import_case()
    pay_on_due_date(case, 96_000)  # 960 kr of 1 000 kr: 40 kr of capital left

    run_days(DUE, date(2026, 7, 31))

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_WRITTEN_OFF
    assert case.closed_on == REMINDER_DAY
    assert not Letter.objects.filter(case=case).exists()
    assert not FeeRecord.objects.filter(case=case).exists()
    # The remainder on 06-22: 40 kr of capital + interest 2026-06-13 … 06-22, 10 days at
    # 2.00 + 8 = 10 %: 4 000 × 10 % × 10 / 365 = 10.96 → 11 öre; 40,11 kr in all, written off.
    event = CaseEvent.objects.get(case=case, kind="trifle_written_off")
    assert event.date == REMINDER_DAY
    assert "40,11 kr" in event.detail and "50,00 kr" in event.detail
    assert "kapital 40,00 kr, ränta 0,11 kr, avgifter 0,00 kr" in event.detail
    assert Invoice.objects.get(case=case).written_off_on == REMINDER_DAY
    shown = case_detail_json(case, as_of=date(2026, 7, 31))
    assert (shown["capital_ore"], shown["interest_ore"], shown["fees_ore"]) == (0, 0, 0)
    assert_money_invariants()


def test_a_60_kronor_remainder_gets_its_reminder_with_the_fee(creditor, reference_rates):
    case = import_case()
    pay_on_due_date(case, 94_000)  # 60 kr left

    run_days(DUE, REMINDER_DAY)

    case.refresh_from_db()
    assert case.state == CaseState.REMINDER
    assert list(Letter.objects.filter(case=case).values_list("kind", "letter_date")) == [
        ("reminder", REMINDER_DAY)
    ]
    assert list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore")) == [
        ("reminder", 6000)
    ]


def test_a_creditor_that_has_trifles_returned_gets_the_case_back_with_the_remainder(
    creditor, reference_rates
):
    creditor_update(orgnr=CREDITOR_ORGNR, trifle_policy="return")
    case = import_case()
    pay_on_due_date(case, 96_000)

    run_days(DUE, date(2026, 7, 31))

    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_RECALLED
    assert "40,11 kr" in case.close_reason
    assert not Letter.objects.filter(case=case).exists()
    assert not FeeRecord.objects.filter(case=case).exists()
    event = CaseEvent.objects.get(case=case, kind="returned_to_creditor")
    assert "kapital 40,00 kr, ränta 0,11 kr, avgifter 0,00 kr" in event.detail
    # Returned, not given up: the claim stays the creditor's.
    assert Invoice.objects.get(case=case).written_off_on is None
    assert_money_invariants()


def test_the_threshold_is_each_creditors_own(creditor, reference_rates):
    creditor_add(
        name="Småsumma AB",
        orgnr=OTHER_ORGNR,
        bankgiro="5050-1055",
        reminder_fee_agreed=True,
        trifle_ore=3_000,
    )  # 30 kr
    default = import_case(debtor=PNR_A)
    low = import_case(debtor=PNR_B, creditor=OTHER_ORGNR)
    pay_on_due_date(default, 96_000)
    pay_on_due_date(low, 96_000)

    run_days(DUE, REMINDER_DAY)

    default.refresh_from_db()
    low.refresh_from_db()
    assert default.state == CaseState.CLOSED_WRITTEN_OFF  # 40,11 kr < 50 kr
    assert low.state == CaseState.REMINDER  # 40,11 kr ≥ 30 kr: reminded, with its 60 kr fee
    assert FeeRecord.objects.filter(case=low).count() == 1


def test_a_changed_trifle_makes_the_creditors_cases_be_looked_at_again(creditor, reference_rates):
    import_case()
    daily_run(run_date=date(2026, 6, 15), now=NOW)  # next look: the reminder's day, 06-22
    assert daily_run(run_date=date(2026, 6, 16), now=NOW).cases == 0

    creditor_update(orgnr=CREDITOR_ORGNR, trifle_ore=2_000)

    assert daily_run(run_date=date(2026, 6, 17), now=NOW).cases == 1
    assert daily_run(run_date=date(2026, 6, 18), now=NOW).cases == 0


def test_the_trifle_terms_are_shown_and_edited_in_the_admin(creditor, admin_client):
    page = admin_client.get(f"/admin/parties/creditor/{creditor.id}/change/")
    assert page.status_code == 200
    assert b'name="trifle_ore"' in page.content and b'name="trifle_policy"' in page.content

    listing = admin_client.get("/admin/parties/creditor/")
    assert "Småbeloppsgräns (öre)" in listing.content.decode()

    form = {
        f.name: getattr(creditor, f.attname)
        for f in creditor._meta.fields
        if f.editable and f.name not in ("id", "ladder_overrides", "stage_rules")
    }
    form.update(ladder_overrides="{}", stage_rules="{}", trifle_ore=-1)
    refused = admin_client.post(f"/admin/parties/creditor/{creditor.id}/change/", form)
    assert refused.status_code == 200  # the form again, with the error
    creditor.refresh_from_db()
    assert creditor.trifle_ore == 5000

    form.update(trifle_ore=3000, trifle_policy="return")
    saved = admin_client.post(f"/admin/parties/creditor/{creditor.id}/change/", form)
    assert saved.status_code == 302
    creditor.refresh_from_db()
    assert (creditor.trifle_ore, creditor.trifle_policy) == (3000, "return")


def test_a_40_kronor_remainder_after_the_reminder_gets_no_inkassokrav(creditor, reference_rates):
    case = import_case()
    run_days(DUE, date(2026, 6, 24))  # the reminder on 06-22 with its 60 kr fee
    # Owed on 06-25: 1 000 kr + the 60 kr fee + interest 2026-06-13 … 06-25, 13 days on 1 000 kr
    # (100 000 × 10 % × 13 / 365 = 356.16 → 356 öre). 1 023,56 kr pays the fee, the interest
    # and 960 kr of capital: 40 kr left.
    payment_apply(case=case, amount_ore=102_356, paid_on=date(2026, 6, 25), source="direct",
                  key="p1", now=NOW)

    run_days(date(2026, 6, 25), date(2026, 7, 31))

    case.refresh_from_db()
    # The demand was due 07-13 (the reminder's pay-by 07-02 + 10 = Sunday → Monday).
    assert (case.state, case.closed_on) == (CaseState.CLOSED_WRITTEN_OFF, date(2026, 7, 13))
    assert list(Letter.objects.filter(case=case).values_list("kind", flat=True)) == ["reminder"]
    assert list(FeeRecord.objects.filter(case=case).values_list("kind", flat=True)) == ["reminder"]
    # Interest on the 40 kr: 06-26 … 06-30, 5 days → 5.48 → 5 öre; 07-01 … 07-13, 13 days →
    # 14.25 → 14 öre: 40,19 kr written off.
    event = CaseEvent.objects.get(case=case, kind="trifle_written_off")
    assert "kapital 40,00 kr, ränta 0,19 kr, avgifter 0,00 kr" in event.detail
    assert_money_invariants()
