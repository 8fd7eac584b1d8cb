"""A letter after a partial write-off leaves the written-off claim out and still adds up."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from fordra.claims.models import Case, Invoice
from fordra.letters.models import Letter
from fordra.letters.services import letters_render
from tests.conftest import claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 9, 1, 5, 0, tzinfo=UTC)


def test_a_written_off_invoice_is_not_demanded_in_a_later_letter(
    creditor, reference_rates, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    import_bytes(claims_csv(
        claim_line("OLD-1", amount="500,00", invoice_date="2026-05-01", due_date="2026-05-31"),
        claim_line("NEW-1", amount="1 000,00", invoice_date="2026-06-01", due_date="2026-06-30"),
    ))
    case = Case.objects.get()
    Invoice.objects.filter(invoice_number="OLD-1").update(
        written_off_on=date(2026, 8, 1), write_off_reason="test"
    )
    letter = Letter.objects.create(
        case=case, kind="notice", text="case_letter", step="manual", letter_date=date(2026, 9, 1),
        pay_by=date(2026, 9, 21), channels=["print"], key="letter:test",
    )

    letters_render(day=date(2026, 9, 1), now=NOW)

    letter.refresh_from_db()
    assert letter.status == "rendered", letter.problems
    assert [i["invoice_number"] for i in letter.content["invoices"]] == ["NEW-1"]
    assert letter.content["capital_ore"] == 100_000
