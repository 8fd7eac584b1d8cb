"""The `fordra` command as a user meets it: exit codes, JSON on stdout, errors on stderr."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fordra.claims.models import Case, Invoice
from fordra.cli import main
from tests.conftest import CREDITOR_ORGNR, PNR_A, PNR_B, claim_line, claims_csv

pytestmark = pytest.mark.django_db(transaction=True)


def run(capsys, *argv: str) -> tuple[int, dict | None, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    out = captured.out.strip()
    return code, (json.loads(out) if out.startswith("{") else None), captured.err


@pytest.fixture
def registered(capsys):
    code, obj, _ = run(
        capsys, "--json", "creditor", "add", "--name", "Exempelbolaget AB",
        "--orgnr", "556036-0793", "--bankgiro", "5050-1055", "--reminder-fee-agreed",
    )
    assert code == 0, obj
    return obj


def test_creditor_add_prints_the_id_and_normalised_orgnr(capsys, registered):
    assert registered["orgnr"] == CREDITOR_ORGNR
    assert isinstance(registered["id"], int)


def test_creditor_add_again_with_other_terms_is_refused_naming_the_field(capsys, registered):
    code, obj, err = run(
        capsys, "--json", "creditor", "add", "--name", "Exempelbolaget AB",
        "--orgnr", "5560360793", "--bankgiro", "5050-1055",
    )
    assert code == 1
    assert "reminder_fee_agreed" in err
    assert obj["code"] == "conflict"


def test_creditor_add_with_a_bad_orgnr_is_a_clear_error(capsys):
    code, _, err = run(capsys, "creditor", "add", "--name", "X", "--orgnr", "5560360794",
                       "--bankgiro", "5050-1055")
    assert code == 1
    assert "orgnr:" in err
    assert "Traceback" not in err


def test_import_claims_then_reimport_reports_a_no_op(capsys, registered, tmp_path: Path):
    f = tmp_path / "claims.csv"
    f.write_bytes(claims_csv(claim_line("F-1", debtor=PNR_A), claim_line("F-2", debtor=PNR_B)))

    code, first, _ = run(capsys, "--json", "import", "claims", str(f))
    code2, second, _ = run(capsys, "import", "claims", str(f), "--json")

    assert code == 0 and first["invoices"] == 2 and first["cases"] == 2
    assert code2 == 0 and second["invoices"] == 0 and second["duplicates"] == 2
    assert second["duplicate_file"] is True
    assert Invoice.objects.count() == 2


def test_a_rejected_file_exits_1_lists_lines_on_stderr_and_writes_nothing(
    capsys, registered, tmp_path: Path
):
    f = tmp_path / "bad.csv"
    f.write_bytes(claims_csv(claim_line("F-1"), claim_line("F-2", amount="-5,00")))

    code, obj, err = run(capsys, "--json", "import", "claims", str(f))

    assert code == 1
    assert "line 3: amount: " in err
    assert obj["details"][0].startswith("line 3: amount: ")
    assert Invoice.objects.count() == 0


def test_import_of_a_missing_file_is_a_clear_error(capsys, registered, tmp_path: Path):
    code, _, err = run(capsys, "import", "claims", str(tmp_path / "nope.csv"))
    assert code == 1
    assert "cannot read" in err


def test_case_list_and_show_print_the_contract_shapes(capsys, registered, tmp_path: Path):
    f = tmp_path / "claims.csv"
    f.write_bytes(claims_csv(claim_line("F-1", debtor="121212+1212", amount="10000",
                                        due_date="2026-09-30")))
    run(capsys, "migrate")  # loads the reference rates into the test database
    run(capsys, "import", "claims", str(f))
    case = Case.objects.get()

    code, listed, _ = run(capsys, "--json", "case", "list", "--creditor", "556036-0793")
    code2, shown, _ = run(capsys, "--json", "case", "show", case.ocr, "--as-of", "2026-10-30")

    assert code == 0
    assert listed["cases"][0]["ref"] == case.ref
    assert set(listed["cases"][0]) == {"ref", "ocr", "state", "creditor_orgnr", "debtor_id",
                                       "balance_ore"}
    assert code2 == 0
    assert shown["ref"] == case.ref and shown["debtor_id"] == PNR_A
    assert shown["capital_ore"] == 1_000_000
    assert shown["interest_ore"] == 8219  # 30 days at 10 % (provisional 2.00 + 8)
    assert shown["balance_ore"] == 1_008_219


def test_case_show_of_an_unknown_reference_exits_1(capsys):
    code, _, err = run(capsys, "case", "show", "FD-1")
    assert code == 1
    assert "no case" in err


def test_a_bad_date_argument_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["case", "show", "FD-1", "--as-of", "2026-13-01"])
    assert exited.value.code == 2
    assert "not a date" in capsys.readouterr().err


def test_rate_add_and_list_show_the_missing_half_year(capsys):
    run(capsys, "migrate")
    code, listed, _ = run(capsys, "--json", "rate", "list", "--as-of", "2026-11-23")
    assert code == 0 and listed["missing"] == ["2026-07-01"]

    code, added, _ = run(capsys, "--json", "rate", "add", "--from", "2026-07-01", "--percent", "1,75")
    assert code == 0 and added == {"valid_from": "2026-07-01", "percent": "1.75"}

    code, listed, _ = run(capsys, "--json", "rate", "list", "--as-of", "2026-11-23")
    assert listed["missing"] == []


def test_rate_add_refuses_a_date_that_is_not_a_half_year_start(capsys):
    code, _, err = run(capsys, "rate", "add", "--from", "2026-08-01", "--percent", "2")
    assert code == 1
    assert "1 January or 1 July" in err


def test_run_pause_dispute_and_direct_payment_from_the_command_line(
    capsys, registered, tmp_path: Path, settings
):
    settings.MEDIA_ROOT = tmp_path / "media"
    f = tmp_path / "claims.csv"
    f.write_bytes(claims_csv(
        claim_line("F-1", debtor=PNR_A, invoice_date="2026-05-13", due_date="2026-06-12"),
        claim_line("F-2", debtor=PNR_B, invoice_date="2026-05-13", due_date="2026-06-12"),
    ))
    run(capsys, "migrate")
    run(capsys, "import", "claims", str(f))
    a = Case.objects.get(debtor__national_id=PNR_A)
    b = Case.objects.get(debtor__national_id=PNR_B)

    from datetime import date, timedelta

    until = (date.today() + timedelta(days=30)).isoformat()  # the CLI checks against today
    code, paused, _ = run(capsys, "--json", "case", "pause", a.ref, "--until", until,
                          "--reason", "Avvaktar")
    assert code == 0 and paused["paused_until"] == until
    code, disputed, _ = run(capsys, "--json", "case", "dispute", b.ref, "--reason", "Fel pris")
    assert code == 0 and disputed["state"] == "disputed"
    code, ran, _ = run(capsys, "--json", "run", "--date", "2026-06-22")
    assert code == 0 and ran["letters"] == 0 and ran["date"] == "2026-06-22"

    code, resumed, _ = run(capsys, "--json", "case", "resume", a.ref)
    assert code == 0 and resumed["paused_until"] is None
    code, ran, _ = run(capsys, "--json", "run", "--date", "2026-06-23")
    assert ran["letters"] == 1 and ran["actions"] == {"reminder": 1} and ran["letters_sent"] == 1

    code, paid, _ = run(capsys, "--json", "payment", "direct", a.ref, "--amount", "2000",
                        "--date", "2026-06-24")
    assert code == 0 and paid["state"] == "closed_paid" and paid["overpaid_ore"] > 0
    code, again, _ = run(capsys, "--json", "payment", "direct", a.ref, "--amount", "2000",
                         "--date", "2026-06-24")
    assert again["payment_id"] == paid["payment_id"]

    code, _, err = run(capsys, "payment", "direct", a.ref, "--amount", "tusen", "--date",
                       "2026-06-24")
    assert code == 1 and "--amount" in err
    code, _, err = run(capsys, "case", "pause", b.ref, "--until", "2020-01-01", "--reason", "x")
    assert code == 1


def test_import_payments_verify_the_ledger_and_settle_from_the_command_line(
    capsys, tmp_path: Path, settings
):
    from fordra.formats.bgmax import write_bgmax

    settings.MEDIA_ROOT = tmp_path / "media"
    run(capsys, "migrate")
    code, _, err = run(capsys, "creditor", "add", "--name", "Exempelbolaget AB", "--orgnr",
                       "5560360793", "--bankgiro", "5050-1055", "--pricing", "commission",
                       "--commission", "10", "--remit-every", "daily")
    assert code == 0, err
    f = tmp_path / "claims.csv"
    f.write_bytes(claims_csv(claim_line("F-1", debtor=PNR_A, invoice_date="2026-05-13",
                                        due_date="2026-06-12")))
    run(capsys, "import", "claims", str(f))
    case = Case.objects.get()
    from datetime import UTC, date, datetime

    bgmax = tmp_path / "bgmax.txt"
    bgmax.write_bytes(write_bgmax(receiving_bankgiro="50501055",
                                  payments=[(date(2026, 6, 12), case.ocr, 100_000, "77")],
                                  created=datetime(2026, 6, 12, 8, tzinfo=UTC)))

    code, imported, _ = run(capsys, "--json", "import", "payments", str(bgmax))
    assert code == 0 and imported["matched"] == 1 and imported["amount_ore"] == 100_000
    code, again, _ = run(capsys, "--json", "import", "payments", str(bgmax))
    assert again["duplicate"] is True
    code, verified, _ = run(capsys, "--json", "ledger", "verify")
    assert code == 0 and verified["ok"] is True and verified["first_break"] is None
    code, settled, _ = run(capsys, "--json", "settle", "--date", "2026-06-15")
    assert code == 0
    assert settled["remittances"][0]["payout_ore"] == 100_000 - 10_000 - 2_500
    assert settled["payout_file"].endswith(".xml")
    code, recon, _ = run(capsys, "--json", "ledger", "reconcile")
    assert recon["identity_ok"] is True

    # Tampering with a stored amount breaks the chain at that transaction.
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("UPDATE ledger_posting SET amount_ore = amount_ore + 1 "
                       "WHERE id = (SELECT MIN(id) FROM ledger_posting)")
    code, broken, err = run(capsys, "--json", "ledger", "verify")
    assert code == 1 and broken == {"ok": False, "transactions": broken["transactions"],
                                    "first_break": 1}
    assert "breaks at 1" in err

    bad = tmp_path / "not-a-payment-file.txt"
    bad.write_text("hello")
    code, _, err = run(capsys, "import", "payments", str(bad))
    assert code == 1 and "not a payment file" in err


def test_a_payment_file_given_to_the_run_is_applied_before_the_days_letters(
    capsys, registered, tmp_path: Path, settings
):
    from datetime import UTC, date, datetime

    from fordra.formats.bgmax import write_bgmax
    from fordra.letters.models import Letter

    settings.MEDIA_ROOT = tmp_path / "media"
    f = tmp_path / "claims.csv"
    f.write_bytes(claims_csv(claim_line("F-1", debtor=PNR_A, invoice_date="2026-05-13",
                                        due_date="2026-06-12")))
    run(capsys, "migrate")
    run(capsys, "import", "claims", str(f))
    case = Case.objects.get()
    bgmax = tmp_path / "bgmax.txt"
    # Paid in full on the reminder day: capital + 10 days' interest (10 % of 1 000 kr: 2,74 kr).
    bgmax.write_bytes(write_bgmax(receiving_bankgiro="50501055",
                                  payments=[(date(2026, 6, 22), case.ocr, 100_274, "1")],
                                  created=datetime(2026, 6, 22, 7, tzinfo=UTC)))

    code, ran, err = run(capsys, "--json", "run", "--date", "2026-06-22", "--payments", str(bgmax))

    assert code == 0, err
    assert ran["letters"] == 0
    case.refresh_from_db()
    assert case.state == "closed_paid"
    assert not Letter.objects.exists()
