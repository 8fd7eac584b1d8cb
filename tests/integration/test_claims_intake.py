"""Claims intake: validation against the register, merging into cases, all-or-nothing, no doubles."""

from __future__ import annotations

import pytest

from fordra.claims.intake import ImportRejected
from fordra.claims.models import Case, CaseEvent, CaseState, ImportBatch, Invoice
from fordra.domain.ocr import is_valid_ocr
from fordra.parties.models import Debtor
from tests.conftest import (
    CREDITOR_ORGNR,
    HEADER,
    PNR_A,
    PNR_B,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db


def test_a_valid_file_creates_debtors_cases_and_invoices(creditor):
    result = import_bytes(
        claims_csv(
            claim_line("F-1", debtor=PNR_A, amount="1 234,50"),
            claim_line("F-2", debtor="20170101-2393", name="Lisa Testsson", amount="500"),
        )
    )

    assert (result.invoices, result.cases, result.cases_created, result.duplicates) == (2, 2, 2, 0)
    assert Debtor.objects.filter(national_id__in=[PNR_A, PNR_B]).count() == 2
    case = Case.objects.get(debtor__national_id=PNR_A)
    assert case.state == CaseState.OPEN
    assert case.creditor == creditor
    assert case.ref.startswith("FD-")
    assert is_valid_ocr(case.ocr)
    assert list(case.invoices.values_list("invoice_number", "amount_ore")) == [("F-1", 123450)]


def test_a_debtors_invoices_are_merged_into_one_case(creditor):
    result = import_bytes(
        claims_csv(
            claim_line("F-1", debtor=PNR_A),
            claim_line("F-2", debtor="121212+1212"),  # same person, short form
            claim_line("F-3", debtor="19121212 1212"),
        )
    )

    assert (result.invoices, result.cases) == (3, 1)
    case = Case.objects.get()
    assert case.invoices.count() == 3
    events = list(CaseEvent.objects.filter(case=case))
    assert [e.kind for e in events] == ["case_opened"]
    assert all(f"faktura {n}" in events[0].detail for n in ("F-1", "F-2", "F-3"))


def test_a_new_invoice_joins_the_debtors_open_case_from_an_earlier_file(creditor):
    import_bytes(claims_csv(claim_line("F-1")), filename="first.csv")
    first = Case.objects.get()
    first.state = CaseState.DEMAND
    first.save()

    result = import_bytes(claims_csv(claim_line("F-2")), filename="second.csv")

    assert (result.invoices, result.cases, result.cases_created) == (1, 1, 0)
    assert Case.objects.count() == 1
    assert first.invoices.count() == 2
    last = CaseEvent.objects.filter(case=first).last()
    assert last.kind == "invoices_added"
    assert "faktura F-2 (1 000,00 kr, förfaller 2026-09-30, rad 2) — från second.csv" in last.detail


@pytest.mark.parametrize("state", [CaseState.KFM, CaseState.PLAN, CaseState.DISPUTED, CaseState.CLOSED_PAID])
def test_a_case_past_the_demand_stage_gets_a_new_case_for_new_invoices(creditor, state):
    import_bytes(claims_csv(claim_line("F-1")), filename="first.csv")
    Case.objects.update(state=state)

    result = import_bytes(claims_csv(claim_line("F-2")), filename="second.csv")

    assert result.cases_created == 1
    assert Case.objects.count() == 2
    new = Case.objects.get(state=CaseState.OPEN)
    assert list(new.invoices.values_list("invoice_number", flat=True)) == ["F-2"]


def test_the_same_file_imported_twice_is_a_reported_no_op(creditor):
    data = claims_csv(claim_line("F-1"), claim_line("F-2", debtor=PNR_B))
    import_bytes(data)

    again = import_bytes(data)

    assert again.duplicate_file is True
    assert (again.invoices, again.cases, again.duplicates) == (0, 0, 2)
    assert Invoice.objects.count() == 2
    assert ImportBatch.objects.count() == 1


def test_an_overlapping_file_imports_only_the_new_invoices(creditor):
    import_bytes(claims_csv(claim_line("F-1")), filename="a.csv")

    result = import_bytes(
        claims_csv(claim_line("F-1"), claim_line("F-9", debtor=PNR_B)), filename="b.csv"
    )

    assert (result.invoices, result.duplicates, result.duplicate_file) == (1, 1, False)
    assert Invoice.objects.filter(invoice_number="F-1").count() == 1
    assert Invoice.objects.count() == 2


def test_a_known_invoice_with_another_amount_rejects_the_file_and_says_what_differs(creditor):
    import_bytes(claims_csv(claim_line("F-1", amount="100,00")), filename="a.csv")

    with pytest.raises(ImportRejected) as rejected:
        import_bytes(
            claims_csv(claim_line("F-2"), claim_line("F-1", amount="120,00")), filename="b.csv"
        )

    assert rejected.value.details == [
        "line 3: invoice_number: invoice F-1 was already imported in case "
        f"{Case.objects.get().ref} with amount 100,00 kr (this line: 120,00 kr)"
    ]
    assert Invoice.objects.count() == 1


def test_a_file_with_bad_lines_is_rejected_whole_listing_every_problem(creditor):
    data = claims_csv(
        claim_line("F-1"),
        claim_line("F-2", debtor="191212121213"),
        claim_line("F-3", amount="tolv"),
        claim_line("F-4", invoice_date="2026-10-01", due_date="2026-09-01"),
        claim_line("F-5", creditor="5569999999"),
        claim_line("F-1", debtor=PNR_B),
    )

    with pytest.raises(ImportRejected) as rejected:
        import_bytes(data)

    details = rejected.value.details
    assert [d.split(":")[0] for d in details] == [
        "line 3", "line 4", "line 5", "line 6", "line 7"
    ]
    assert details[0].startswith("line 3: debtor_id: ")
    assert details[1].startswith("line 4: amount: ")
    assert details[2].startswith("line 5: due_date: ")
    assert details[3].startswith("line 6: creditor_orgnr: ")
    assert details[4].startswith("line 7: invoice_number: ")
    assert (Debtor.objects.count(), Case.objects.count(), Invoice.objects.count()) == (0, 0, 0)
    assert ImportBatch.objects.count() == 0


def test_an_unknown_creditor_is_a_line_error_naming_the_orgnr(db):
    with pytest.raises(ImportRejected) as rejected:
        import_bytes(claims_csv(claim_line("F-1")))

    assert rejected.value.details == [
        f"line 2: creditor_orgnr: no creditor with organisationsnummer {CREDITOR_ORGNR} "
        "(add it first with `fordra creditor add`)"
    ]


def test_a_credit_note_is_stored_negative_and_reduces_the_case_capital(creditor, reference_rates):
    from fordra.casefile import case_detail_json

    header = HEADER + ";kind"
    import_bytes(
        claims_csv(
            claim_line("F-1", amount="1 000,00") + ";invoice",
            claim_line("K-1", amount="250,00") + ";credit_note",
            header=header,
        )
    )

    case = Case.objects.get()
    assert sorted(case.invoices.values_list("amount_ore", flat=True)) == [-25000, 100000]
    detail = case_detail_json(case, as_of=case.invoices.get(invoice_number="F-1").due_date)
    assert detail["capital_ore"] == 75000


def test_a_credit_note_for_a_debtor_without_a_case_rejects_the_file(creditor):
    header = HEADER + ";kind"
    with pytest.raises(ImportRejected) as rejected:
        import_bytes(claims_csv(claim_line("K-1", amount="250,00") + ";credit_note", header=header))

    assert rejected.value.details == [
        "line 2: kind: credit note for a debtor with no open case at this creditor: nothing to credit"
    ]
    assert Invoice.objects.count() == 0


def test_a_later_file_updates_the_debtors_address_but_keeps_a_known_email(creditor):
    header = HEADER + ";email"
    import_bytes(claims_csv(claim_line("F-1") + ";tolvan@example.se", header=header), filename="a.csv")

    import_bytes(
        claims_csv(
            claim_line("F-2", address="Nya vägen 2", postal_code="41103", city="Göteborg") + ";",
            header=header,
        ),
        filename="b.csv",
    )

    debtor = Debtor.objects.get()
    assert (debtor.address, debtor.postal_code, debtor.city) == ("Nya vägen 2", "41103", "Göteborg")
    assert debtor.email == "tolvan@example.se"


def test_case_numbers_and_ocr_references_are_unique_across_imports(creditor):
    import_bytes(claims_csv(claim_line("F-1", debtor=PNR_A)), filename="a.csv")
    import_bytes(claims_csv(claim_line("F-2", debtor=PNR_B)), filename="b.csv")

    cases = list(Case.objects.order_by("number"))
    assert [c.number for c in cases] == [100000, 100001]
    assert len({c.ocr for c in cases}) == 2
    assert all(is_valid_ocr(c.ocr) for c in cases)


def test_a_large_file_puts_every_invoice_in_its_own_creditor_and_debtors_case(db):
    """Hundreds of lines: several multi-row INSERT statements per table, ids found by range."""
    import io
    from datetime import date

    from fordra.domain.identifiers import parse_party_id
    from fordra.parties.services import creditor_add
    from fordra.synthetic import generate_claim_rows, generate_creditors, write_claims_csv

    creditors = generate_creditors(count=3, seed=5)
    for c in creditors:
        creditor_add(name=c.name, orgnr=c.orgnr, bankgiro=c.bankgiro, template=c.template)
    rows = generate_claim_rows(creditors=creditors, invoices=700, seed=5, today=date(2026, 11, 23))

    def csv_of(part: list[dict[str, str]]) -> bytes:
        buffer = io.StringIO()
        write_claims_csv(part, buffer)
        return buffer.getvalue().encode("utf-8")

    # Two files: the second meets debtors (and open cases) the first created.
    first = import_bytes(csv_of(rows[::2]), filename="first.csv")
    second = import_bytes(csv_of(rows[1::2]), filename="second.csv")

    assert first.invoices + second.invoices == 700
    today = date(2026, 11, 23)
    stored = {
        (orgnr, number): (national_id, amount)
        for orgnr, number, national_id, amount in Invoice.objects.values_list(
            "case__creditor__orgnr", "invoice_number", "case__debtor__national_id", "amount_ore"
        )
    }
    assert len(stored) == 700
    for row in rows:
        national_id, _ = stored[(row["creditor_orgnr"].replace("-", ""), row["invoice_number"])]
        assert national_id == parse_party_id(row["debtor_id"], today=today).number
    # One open case per creditor and debtor, each with a valid OCR reference, numbers in a row.
    cases = list(Case.objects.values_list("creditor_id", "debtor_id", "number", "ocr"))
    assert len({(c, d) for c, d, _, _ in cases}) == len(cases)
    assert sorted(n for _, _, n, _ in cases) == list(range(100000, 100000 + len(cases)))
    assert all(is_valid_ocr(ocr) for _, _, _, ocr in cases)
    assert first.cases_created + second.cases_created == len(cases)
    assert Debtor.objects.count() == len({d for _, d, _, _ in cases})


def test_case_ocrs_in_bulk_are_the_ocr_references_of_the_numbers():
    from fordra.claims.numbering import case_ocrs
    from fordra.domain.ocr import ocr_from_number

    for numbers in (
        range(0, 300),
        range(99_990, 100_120),
        range(999_995, 1_000_015),
        range(10**22 - 15, 10**22 + 5),
    ):
        assert case_ocrs(numbers) == [ocr_from_number(n) for n in numbers]
