"""`fordra import payments` with camt.054 files, as a user meets it (issue 10 item 9, issue 11)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fordra.cli import main
from fordra.payments.models import Payment, PaymentFile

pytestmark = pytest.mark.django_db(transaction=True)
DATA = Path(__file__).parents[1] / "data"


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


def test_a_notification_of_debits_only_imports_nothing_and_says_how_many_it_skipped(capsys):
    code, result, err = run(
        capsys, "--json", "import", "payments", str(DATA / "camt054_debits_only.xml")
    )

    assert (code, err) == (0, "")
    assert result is not None
    assert (result["payments"], result["skipped_debits"], result["format"]) == (0, 2, "camt054")


def test_the_human_summary_names_the_skipped_debit_entries(capsys):
    code = main(["import", "payments", str(DATA / "camt054_debit_quirks.xml")])

    assert code == 0
    assert capsys.readouterr().out.strip() == (
        "3 payment(s) from camt054: 0 matched, 3 to the unmatched queue, 0 already known,"
        " 2 debit entries skipped."
    )


def test_a_camt054_in_a_foreign_namespace_exits_1_with_the_reason_and_writes_nothing(
    capsys, tmp_path: Path
):
    evil = tmp_path / "evil.xml"
    evil.write_bytes(
        (DATA / "camt054_v08.xml")
        .read_bytes()
        .replace(b"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", b"urn:evil:ns")
    )

    code, _, err = run(capsys, "import", "payments", str(evil))

    assert code == 1
    assert "the Document has the namespace 'urn:evil:ns', not an ISO 20022 camt.054" in err
    assert "Traceback" not in err
    assert not Payment.objects.exists() and not PaymentFile.objects.exists()


def test_a_notification_for_another_account_than_fordra_agency_iban_exits_1(capsys, settings):
    settings.AGENCY = {**settings.AGENCY, "iban": "SE35 5000 0000 0549 1000 0003"}

    code, _, err = run(capsys, "import", "payments", str(DATA / "camt054_v08.xml"))

    assert code == 1
    assert "is for account SE4550000000058398257466, not the agency's klientmedel account" in err
    assert not Payment.objects.exists()
