"""The case as the CLI, the API and the back office show it (DESIGN.md §4.5)."""

from __future__ import annotations

from datetime import date

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Case
from fordra.claims.selectors import case_get, case_list
from fordra.core.errors import NotFound
from fordra.reference.services import reference_rate_add
from tests.conftest import PNR_A, PNR_B, TODAY, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db


def test_case_json_has_the_contract_keys_and_normalised_identifiers(creditor, reference_rates):
    import_bytes(claims_csv(claim_line("F-1", debtor="121212+1212")))
    case = Case.objects.get()

    detail = case_detail_json(case, as_of=date(2026, 9, 30))

    for key in ("ref", "ocr", "state", "creditor_orgnr", "debtor_id", "flags", "capital_ore",
                "interest_ore", "fees_ore", "paid_ore", "balance_ore", "invoices", "fees",
                "letters", "events"):
        assert key in detail
    assert detail["debtor_id"] == PNR_A
    assert detail["creditor_orgnr"] == "5560360793"
    assert detail["invoices"] == [
        {"invoice_number": "F-1", "kind": "invoice", "invoice_date": "2026-09-01",
         "due_date": "2026-09-30", "amount_ore": 100000, "description": ""}
    ]
    assert detail["events"] == []  # imported on TODAY: not yet on the timeline as of 2026-09-30
    assert case_detail_json(case, as_of=TODAY)["events"][0]["kind"] == "case_opened"


def test_no_interest_accrues_on_the_due_date_itself(creditor, reference_rates):
    import_bytes(claims_csv(claim_line("F-1", due_date="2026-09-30")))

    detail = case_detail_json(Case.objects.get(), as_of=date(2026, 9, 30))

    assert (detail["interest_ore"], detail["balance_ore"]) == (0, 100000)


def test_interest_across_new_year_uses_each_half_years_reference_rate(creditor, reference_rates):
    # 10 000 kr due 2025-12-15, as of 2026-01-14. Reference rate 2.00 % in both half-years
    # (2025-07-01 and 2026-01-01), so 10 % a year:
    #   2025-12-16..2025-12-31: 16 days × 1 000 000 öre × 10 % / 365 = 4 383.56 → 4 384 öre
    #   2026-01-01..2026-01-14: 14 days × 1 000 000 öre × 10 % / 365 = 3 835.62 → 3 836 öre
    import_bytes(
        claims_csv(
            claim_line("F-1", amount="10000", invoice_date="2025-11-15", due_date="2025-12-15")
        )
    )

    detail = case_detail_json(Case.objects.get(), as_of=date(2026, 1, 14))

    periods = detail["interest"]["invoices"][0]["periods"]
    assert [(p["from"], p["to"], p["days"], p["amount_ore"]) for p in periods] == [
        ("2025-12-16", "2025-12-31", 16, 4384),
        ("2026-01-01", "2026-01-14", 14, 3836),
    ]
    assert detail["interest_ore"] == 8220
    assert detail["balance_ore"] == 1_008_220
    assert detail["interest"]["provisional"] is False


def test_interest_after_a_missing_reference_rate_is_provisional_until_it_is_entered(
    creditor, reference_rates
):
    # 2026-07-01's rate is not in our sources: 2.00 % is carried forward and marked provisional.
    import_bytes(claims_csv(claim_line("F-1", amount="10000", due_date="2026-09-30")))
    case = Case.objects.get()

    before = case_detail_json(case, as_of=date(2026, 10, 30))
    reference_rate_add(valid_from=date(2026, 7, 1), percent="1.75", source="test")
    after = case_detail_json(case, as_of=date(2026, 10, 30))

    # 30 days × 1 000 000 öre × 10 % / 365 = 8 219.18 → 8 219 öre (provisional, 2.00 + 8)
    # 30 days × 1 000 000 öre × 9.75 % / 365 = 8 013.70 → 8 014 öre (entered, 1.75 + 8)
    assert (before["interest_ore"], before["interest"]["provisional"]) == (8219, True)
    assert (after["interest_ore"], after["interest"]["provisional"]) == (8014, False)


def test_an_agreed_interest_rate_in_the_claims_file_prevails(creditor, reference_rates):
    # Agreed 24 % a year: 1 000 kr × 24 % × 10 / 365 = 657.53 öre → 658 öre
    from tests.conftest import HEADER

    import_bytes(
        claims_csv(claim_line("F-1", due_date="2026-09-30") + ";24", header=HEADER + ";interest_rate")
    )

    detail = case_detail_json(Case.objects.get(), as_of=date(2026, 10, 10))

    assert detail["interest_ore"] == 658
    assert detail["interest"]["invoices"][0]["basis"] == "agreed"


def test_a_case_is_found_by_reference_or_ocr_and_another_creditors_case_is_not(creditor):
    from fordra.parties.services import creditor_add

    import_bytes(claims_csv(claim_line("F-1")))
    case = Case.objects.get()
    other, _ = creditor_add(name="Annan AB", orgnr="5565594230", bankgiro="50501055")

    assert case_get(ref=case.ref) == case
    assert case_get(ref=case.ocr) == case
    assert case_get(ref=case.ref.lower()) == case
    with pytest.raises(NotFound):
        case_get(ref=case.ref, creditor_id=other.id)
    with pytest.raises(NotFound):
        case_get(ref="FD-999999")


def test_the_case_list_searches_by_name_id_number_ocr_and_invoice_number(creditor):
    import_bytes(
        claims_csv(
            claim_line("F-1", debtor=PNR_A, name="Tolvan Tolvansson"),
            claim_line("INV-77", debtor=PNR_B, name="Lisa Testsson"),
        )
    )
    lisa = Case.objects.get(debtor__national_id=PNR_B)

    def refs(search: str) -> list[str]:
        return [c.ref for c in case_list(today=TODAY, search=search).distinct()]

    assert refs("testsson") == [lisa.ref]
    assert refs("20170101-2393") == [lisa.ref]
    assert refs("170101-2393") == [lisa.ref]
    assert refs(lisa.ocr) == [lisa.ref]
    assert refs("INV-77") == [lisa.ref]
