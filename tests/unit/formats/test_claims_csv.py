"""The claims CSV contract (DESIGN.md §4.3): what parses, and every error, word for word."""

from __future__ import annotations

import doctest
import hashlib
import io
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fordra.domain.identifiers import PartyKind, parse_party_id
from fordra.domain.money import parse_amount
from fordra.formats import claims_csv
from fordra.formats.claims_csv import (
    COLUMNS,
    REQUIRED_COLUMNS,
    ClaimRow,
    ClaimsFile,
    LineError,
    parse_claims_csv,
)
from fordra.synthetic import generate_claim_rows, generate_creditors, write_claims_csv

DATA = Path(__file__).parents[2] / "data"
TODAY = date(2024, 5, 1)

# Luhn-valid organisationsnummer in a range no aktiebolag uses (real ones are 556…/559…).
CREDITOR = "552033-1009"
OTHER_CREDITOR = "5520442004"
COMPANY_DEBTOR = "552077-3002"
# Skatteverket's published test personnummer, and a samordningsnummer made from one (day + 60).
PNR_A = "191212121212"
PNR_B = "201701012393"
PNR_C = "194408139089"
PNR_D = "199006022397"
PNR_E = "200001052380"
SAMORDNINGSNUMMER = "19900662-2394"

BASE: dict[str, str] = {
    "creditor_orgnr": CREDITOR,
    "invoice_number": "F1",
    "invoice_date": "2024-03-01",
    "due_date": "2024-03-31",
    "amount": "100,00",
    "debtor_id": "19121212-1212",
    "debtor_name": "Tolvan Tolvansson",
    "address": "Storgatan 1",
    "postal_code": "111 22",
    "city": "Stockholm",
}


def claims(*rows: dict[str, str], delimiter: str = ";") -> bytes:
    """A file with the union of the rows' columns (BASE's first), one line per row."""
    columns = list(BASE)
    for row in rows:
        columns += [c for c in row if c not in columns]
    buffer = io.StringIO()
    write_claims_csv(rows, buffer, delimiter=delimiter, columns=columns)
    return buffer.getvalue().encode()


def row(**changes: str) -> dict[str, str]:
    return {**BASE, **changes}


def errors_of(data: bytes, *, today: date = TODAY) -> list[str]:
    return [str(error) for error in parse_claims_csv(data, today=today).errors]


def only_row(data: bytes, *, today: date = TODAY) -> ClaimRow:
    parsed = parse_claims_csv(data, today=today)
    assert parsed.errors == ()
    (one,) = parsed.rows
    return one


# --- good files ------------------------------------------------------------------------------


def test_a_semicolon_file_with_bom_and_crlf_parses_every_column() -> None:
    data = (DATA / "claims_good.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data

    parsed = parse_claims_csv(data, today=TODAY)

    assert parsed.errors == ()
    assert [r.line for r in parsed.rows] == [2, 3, 4, 6, 7, 8, 9]  # line 5 is blank
    first = parsed.rows[0]
    assert first == ClaimRow(
        line=2,
        creditor_orgnr="5520331009",
        invoice_number="F1001",
        invoice_date=date(2024, 3, 1),
        due_date=date(2024, 3, 31),
        amount_ore=123450,
        kind="invoice",
        debtor=parse_party_id(PNR_A, today=TODAY),
        debtor_type="person",
        debtor_name="Tolvan Tolvansson",
        address="Storgatan 1",
        postal_code="11122",
        city="Stockholm",
        country="SE",
        email="tolvan@example.com",
        phone="070-174 06 05",
        description="Abonnemang mars",
        currency="SEK",
        reminder_fee_agreed=True,
        interest_rate=None,
        limitation_interrupted_on=None,
    )


def test_the_good_sample_normalises_amounts_identifiers_and_keywords() -> None:
    rows = parse_claims_csv((DATA / "claims_good.csv").read_bytes(), today=TODAY).rows

    assert [r.amount_ore for r in rows] == [123450, 49900, -10000, 1250000, 235075, 8990, 15000]
    assert [r.debtor.number for r in rows] == [
        PNR_A,
        PNR_B,
        PNR_B,
        "5520773002",
        PNR_C,
        PNR_D,
        "199006622394",
    ]
    assert [r.kind for r in rows] == ["invoice", "invoice", "credit_note"] + ["invoice"] * 4
    assert [r.reminder_fee_agreed for r in rows] == [True, None, None, False, True, None, None]
    company = rows[3]
    assert (company.debtor_type, company.debtor.kind) == ("company", PartyKind.ORGANISATION)
    assert company.invoice_date == date(2024, 2, 15)  # written 20240215
    assert company.interest_rate == Decimal("8.5")  # written 8,5
    assert company.limitation_interrupted_on == date(2024, 2, 20)
    assert company.currency == "SEK"  # written sek
    abroad = rows[6]
    assert (abroad.country, abroad.postal_code) == ("NO", "0150")  # kept as given outside SE
    assert abroad.debtor.kind == PartyKind.COORDINATION
    assert all(r.description == "" for r in rows[4:])


def test_a_comma_file_with_a_quoted_swedish_amount_parses() -> None:
    data = claims(row(amount="1 234,50"), delimiter=",")
    assert b'"1 234,50"' in data

    assert only_row(data).amount_ore == 123450


@pytest.mark.parametrize(
    ("written", "ore"),
    [("1234.50", 123450), ("1234,50", 123450), ("1 234,50", 123450), ("1234", 123400)],
)
def test_amounts_are_read_in_every_form_the_contract_names(written: str, ore: int) -> None:
    assert only_row(claims(row(amount=written))).amount_ore == ore


@pytest.mark.parametrize(
    "written", ["19121212-1212", "121212+1212", "191212121212", "19121212 1212"]
)
def test_a_personnummer_is_read_in_any_common_form(written: str) -> None:
    assert only_row(claims(row(debtor_id=written))).debtor.number == PNR_A


def test_a_ten_digit_personnummer_gets_its_century_from_today() -> None:
    assert only_row(claims(row(debtor_id="121212-1212"))).debtor.number == "201212121212"


def test_header_names_are_case_insensitive_stripped_in_any_order_and_extras_are_ignored() -> None:
    header = "City ; POSTAL_CODE;address;debtor_name;Debtor_Id;amount;due_date;invoice_date;"
    header += "invoice_number;creditor_orgnr;our_reference"
    line = "Stockholm;111 22;Storgatan 1;Tolvan Tolvansson;191212121212;100;2024-03-31;"
    line += "2024-03-01;F1;552033-1009;whatever"

    parsed = only_row(f"{header}\n{line}\n".encode())

    assert (parsed.city, parsed.creditor_orgnr, parsed.amount_ore) == (
        "Stockholm",
        "5520331009",
        10000,
    )


def test_values_are_stripped() -> None:
    parsed = only_row(claims(row(invoice_number="  F7 ", debtor_name=" Tolvan Tolvansson ")))

    assert (parsed.invoice_number, parsed.debtor_name) == ("F7", "Tolvan Tolvansson")


def test_a_credit_note_is_stored_negative_whatever_sign_the_file_used() -> None:
    data = claims(
        row(invoice_number="K1", kind="credit_note", amount="250"),
        row(invoice_number="K2", kind="CREDIT_NOTE", amount="-250"),
    )

    rows = parse_claims_csv(data, today=TODAY).rows

    assert [(r.kind, r.amount_ore) for r in rows] == [("credit_note", -25000)] * 2


def test_a_company_may_be_identified_by_its_owners_personnummer() -> None:
    parsed = only_row(claims(row(debtor_type="company", debtor_id=PNR_D)))

    assert (parsed.debtor_type, parsed.debtor.kind) == ("company", PartyKind.PERSON)


def test_debtor_type_defaults_from_the_debtor_id() -> None:
    data = claims(row(invoice_number="1"), row(invoice_number="2", debtor_id=COMPANY_DEBTOR))

    assert [r.debtor_type for r in parse_claims_csv(data, today=TODAY).rows] == [
        "person",
        "company",
    ]


@pytest.mark.parametrize(
    ("written", "agreed"),
    [("yes", True), ("JA", True), ("true", True), ("1", True), ("no", False), ("Nej", False),
     ("false", False), ("0", False), ("", None)],
)  # fmt: skip
def test_reminder_fee_agreed_accepts_yes_and_no_in_swedish_and_english(
    written: str, agreed: bool | None
) -> None:
    assert only_row(claims(row(reminder_fee_agreed=written))).reminder_fee_agreed is agreed


@pytest.mark.parametrize(
    ("written", "rate"),
    [("8,5", "8.5"), ("8.5", "8.5"), ("12 %", "12"), ("0", "0"), ("100", "100")],
)
def test_interest_rate_accepts_a_decimal_comma_or_point(written: str, rate: str) -> None:
    assert only_row(claims(row(interest_rate=written))).interest_rate == Decimal(rate)


def test_the_due_date_may_be_the_invoice_date() -> None:
    assert only_row(claims(row(due_date="2024-03-01"))).due_date == date(2024, 3, 1)


def test_limitation_interrupted_today_is_accepted() -> None:
    parsed = only_row(claims(row(limitation_interrupted_on="2024-05-01")))

    assert parsed.limitation_interrupted_on == TODAY


def test_blank_lines_and_lines_of_bare_separators_are_skipped() -> None:
    data = claims(row()).replace(b"\n", b"\n\n;;;;\n   \n", 1)

    assert only_row(data).line == 5


def test_a_value_spanning_lines_counts_them_and_the_next_line_is_numbered_physically() -> None:
    data = claims(
        row(invoice_number="1", address="c/o Svensson\nStorgatan 1"),
        row(invoice_number="2", amount="x"),
    )

    parsed = parse_claims_csv(data, today=TODAY)

    assert parsed.rows[0].address == "c/o Svensson\nStorgatan 1"
    assert [str(e) for e in parsed.errors] == [
        "line 4: amount: not an amount in kronor (not a number)"
    ]


def test_empty_trailing_fields_after_the_header_width_are_tolerated() -> None:
    data = claims(row()).rstrip(b"\n") + b";;\n"

    assert only_row(data).city == "Stockholm"


def test_rows_without_errors_are_returned_even_when_other_lines_have_errors() -> None:
    data = claims(row(invoice_number="1"), row(invoice_number="2", amount="0"))

    parsed = parse_claims_csv(data, today=TODAY)

    assert [r.invoice_number for r in parsed.rows] == ["1"]
    assert len(parsed.errors) == 1
    assert not parsed.ok


def test_the_sha256_is_of_the_raw_bytes() -> None:
    data = (DATA / "claims_good.csv").read_bytes()

    parsed = parse_claims_csv(data, today=TODAY)

    assert parsed.sha256 == hashlib.sha256(data).hexdigest()
    assert parsed.ok


def test_each_identifier_and_postal_code_is_parsed_once_per_distinct_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    real = claims_csv.parse_party_id

    def counting(text: str, *, today: date) -> object:
        calls.append(text)
        return real(text, today=today)

    monkeypatch.setattr(claims_csv, "parse_party_id", counting)
    data = claims(*(row(invoice_number=str(n), debtor_id=[PNR_A, PNR_B][n % 2]) for n in range(10)))

    assert len(parse_claims_csv(data, today=TODAY).rows) == 10
    assert sorted(calls) == [PNR_A, PNR_B]


# --- errors, word for word -------------------------------------------------------------------


def test_the_bad_sample_reports_every_problem_in_file_and_column_order() -> None:
    parsed = parse_claims_csv((DATA / "claims_bad.csv").read_bytes(), today=TODAY)

    assert parsed.rows == ()
    assert [str(e) for e in parsed.errors] == [
        "line 2: creditor_orgnr: not a valid organisationsnummer (check digit is wrong)",
        "line 3: due_date: before invoice_date",
        "line 4: invoice_date: not a valid date (expected YYYY-MM-DD)",
        "line 4: amount: not an amount in kronor (mixed decimal separators)",
        "line 4: debtor_id: not a valid personnummer, samordningsnummer or organisationsnummer "
        "(check digit is wrong)",
        "line 4: postal_code: not a Swedish postal code (must be 5 digits)",
        "line 4: currency: only SEK is accepted",
        "line 5: amount: negative on an invoice (use kind credit_note)",
        "line 6: amount: must not be zero",
        "line 6: kind: must be invoice or credit_note",
        "line 7: debtor_name: required value is empty",
        "line 7: invoice_number: duplicate of line 3 (same creditor_orgnr and invoice_number)",
        "line 8: fields: expected 12 fields as in the header, found 9",
    ]


def test_line_error_reads_line_column_message() -> None:
    assert str(LineError(7, "amount", "must not be zero")) == "line 7: amount: must not be zero"


def test_a_file_that_is_not_utf8_is_one_error_on_line_1() -> None:
    data = claims(row(), row(invoice_number="F2", city="Göteborg")).decode().encode("latin-1")

    assert errors_of(data) == ["line 1: file: the file is not UTF-8 (first invalid byte on line 3)"]


@pytest.mark.parametrize("missing", REQUIRED_COLUMNS)
def test_a_missing_required_column_is_reported_and_stops_the_check(missing: str) -> None:
    data = claims(row(amount="not checked"), row(amount="0"))
    position = list(BASE).index(missing)
    lines = [";".join(p for i, p in enumerate(line.split(";")) if i != position)
             for line in data.decode().splitlines()]  # fmt: skip

    assert errors_of("\n".join(lines).encode()) == [
        f"line 1: {missing}: required column is missing"
    ]


def test_every_missing_required_column_is_reported() -> None:
    assert errors_of(b"creditor_orgnr;invoice_number;amount;debtor_id;city\n") == [
        "line 1: invoice_date: required column is missing",
        "line 1: due_date: required column is missing",
        "line 1: debtor_name: required column is missing",
        "line 1: address: required column is missing",
        "line 1: postal_code: required column is missing",
    ]


def test_a_column_named_twice_is_an_error() -> None:
    data = (
        claims(row())
        .replace(b";city\n", b";city;Amount\n", 1)
        .replace(b"Stockholm", b"Stockholm;5")
    )

    assert errors_of(data) == ["line 1: amount: column appears more than once in the header"]


@pytest.mark.parametrize("column", REQUIRED_COLUMNS)
def test_an_empty_required_value_is_an_error(column: str) -> None:
    assert errors_of(claims(row(**{column: "  "}))) == [
        f"line 2: {column}: required value is empty"
    ]


@pytest.mark.parametrize(
    ("changes", "error"),
    [
        ({"creditor_orgnr": "552033-1008"},
         "creditor_orgnr: not a valid organisationsnummer (check digit is wrong)"),
        ({"creditor_orgnr": PNR_A},
         "creditor_orgnr: not a valid organisationsnummer "
         "(not an organisation number (12 digits must start with 16))"),
        ({"debtor_id": "19121212-1213"},
         "debtor_id: not a valid personnummer, samordningsnummer or organisationsnummer "
         "(check digit is wrong)"),
        ({"debtor_id": "Tolvan"},
         "debtor_id: not a valid personnummer, samordningsnummer or organisationsnummer "
         "(must contain digits only)"),
        ({"invoice_date": "2024-02-30"}, "invoice_date: not a valid date (expected YYYY-MM-DD)"),
        ({"invoice_date": "01/03/2024"}, "invoice_date: not a valid date (expected YYYY-MM-DD)"),
        ({"invoice_date": "2024-W09-5"}, "invoice_date: not a valid date (expected YYYY-MM-DD)"),
        ({"due_date": "2024-3-31"}, "due_date: not a valid date (expected YYYY-MM-DD)"),
        ({"due_date": "2024-02-29"}, "due_date: before invoice_date"),
        ({"amount": "tusen"}, "amount: not an amount in kronor (not a number)"),
        ({"amount": "12,345"}, "amount: not an amount in kronor (more than two decimals)"),
        ({"amount": "0,00"}, "amount: must not be zero"),
        ({"amount": "-1 234,50"}, "amount: negative on an invoice (use kind credit_note)"),
        ({"amount": "1000000001"}, "amount: larger than 1000000000 kronor"),
        ({"currency": "EUR"}, "currency: only SEK is accepted"),
        ({"debtor_type": "firma"}, "debtor_type: must be person or company"),
        ({"debtor_type": "person", "debtor_id": COMPANY_DEBTOR},
         "debtor_type: person, but debtor_id is an organisationsnummer"),
        ({"country": "Sverige"}, "country: not a two-letter country code (ISO 3166-1)"),
        ({"country": "S1"}, "country: not a two-letter country code (ISO 3166-1)"),
        ({"postal_code": "1112"}, "postal_code: not a Swedish postal code (must be 5 digits)"),
        ({"postal_code": "01122"},
         "postal_code: not a Swedish postal code (must be 5 digits, not starting with 0)"),
        ({"email": "tolvan.example.com"}, "email: not an e-mail address"),
        ({"email": "tolvan@localhost"}, "email: not an e-mail address"),
        ({"email": "tolvan tolvansson@example.com"}, "email: not an e-mail address"),
        ({"reminder_fee_agreed": "kanske"}, "reminder_fee_agreed: must be yes or no"),
        ({"interest_rate": "åtta"}, "interest_rate: not a number (e.g. 8,5)"),
        ({"interest_rate": "1e2"}, "interest_rate: not a number (e.g. 8,5)"),
        ({"interest_rate": "100,01"},
         "interest_rate: must be between 0 and 100 (percent a year)"),
        ({"interest_rate": "-1"}, "interest_rate: must be between 0 and 100 (percent a year)"),
        ({"kind": "faktura"}, "kind: must be invoice or credit_note"),
        ({"limitation_interrupted_on": "i fjol"},
         "limitation_interrupted_on: not a valid date (expected YYYY-MM-DD)"),
        ({"limitation_interrupted_on": "2024-05-02"}, "limitation_interrupted_on: after today"),
        ({"invoice_number": "x" * 1001}, "invoice_number: longer than 1000 characters"),
    ],
)  # fmt: skip
def test_each_kind_of_bad_value_has_its_own_message(changes: dict[str, str], error: str) -> None:
    assert errors_of(claims(row(**changes))) == [f"line 2: {error}"]


def test_a_foreign_postal_code_is_kept_as_given() -> None:
    assert only_row(claims(row(country="DK", postal_code=" 1050 K "))).postal_code == "1050 K"


def test_several_errors_on_one_line_are_all_reported() -> None:
    data = claims(
        row(
            creditor_orgnr="123",
            invoice_number="",
            invoice_date="2024-13-01",
            amount="-5",
            debtor_id="19121212-1213",
            city="",
            currency="NOK",
            email="nobody",
            kind="invoice",
        )
    )

    assert errors_of(data) == [
        "line 2: creditor_orgnr: not a valid organisationsnummer (must be 10 or 12 digits)",
        "line 2: invoice_number: required value is empty",
        "line 2: invoice_date: not a valid date (expected YYYY-MM-DD)",
        "line 2: amount: negative on an invoice (use kind credit_note)",
        "line 2: debtor_id: not a valid personnummer, samordningsnummer or organisationsnummer "
        "(check digit is wrong)",
        "line 2: city: required value is empty",
        "line 2: currency: only SEK is accepted",
        "line 2: email: not an e-mail address",
    ]


def test_a_duplicate_invoice_names_the_first_line_and_other_creditors_may_reuse_the_number() -> (
    None
):
    data = claims(
        row(invoice_number="F1"),
        row(invoice_number="F1", creditor_orgnr=OTHER_CREDITOR),
        row(invoice_number="F1", creditor_orgnr="5520331009"),
        row(invoice_number="F1", amount="0"),
    )

    assert errors_of(data) == [
        "line 4: invoice_number: duplicate of line 2 (same creditor_orgnr and invoice_number)",
        "line 5: amount: must not be zero",
        "line 5: invoice_number: duplicate of line 2 (same creditor_orgnr and invoice_number)",
    ]


@pytest.mark.parametrize(
    ("change", "found"),
    [
        (lambda line: line.rsplit(b";", 1)[0], 9),  # the city left out
        (lambda line: line + b";x;", 12),  # extra fields, not all empty
    ],
)
def test_a_line_with_the_wrong_number_of_fields_is_one_error(
    change: Callable[[bytes], bytes], found: int
) -> None:
    header, line = claims(row(amount="not checked")).rstrip(b"\n").split(b"\n")

    assert errors_of(header + b"\n" + change(line) + b"\n") == [
        f"line 2: fields: expected 10 fields as in the header, found {found}"
    ]


def test_a_file_with_only_a_header_has_no_claims() -> None:
    assert errors_of(claims()) == ["line 1: file: the file has no claims"]


@pytest.mark.parametrize("data", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"])
def test_an_empty_file_is_one_error(data: bytes) -> None:
    assert errors_of(data) == ["line 1: file: the file is empty"]


def test_a_field_longer_than_the_csv_module_reads_is_reported_on_its_line() -> None:
    data = claims(row(invoice_number="1"), row(invoice_number="2", description="x" * 200_000))

    parsed = parse_claims_csv(data, today=TODAY)

    assert [r.invoice_number for r in parsed.rows] == ["1"]
    (error,) = parsed.errors
    assert str(error).startswith("line 3: fields: cannot read the line (")


def test_a_file_over_the_size_limit_is_refused_unread(monkeypatch: pytest.MonkeyPatch) -> None:
    data = claims(row())
    monkeypatch.setattr(claims_csv, "MAX_FILE_BYTES", len(data) - 1)

    assert errors_of(data) == [
        f"line 1: file: the file is larger than {(len(data) - 1) // 2**20} MiB; split it"
    ]


def test_a_file_over_the_row_limit_stops_with_an_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims_csv, "MAX_ROWS", 2)
    data = claims(*(row(invoice_number=str(n)) for n in range(4)))

    parsed = parse_claims_csv(data, today=TODAY)

    assert len(parsed.rows) == 2
    assert [str(e) for e in parsed.errors] == ["line 4: file: more than 2 claims; split the file"]


def test_checking_stops_after_the_error_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(claims_csv, "MAX_ERRORS", 3)
    data = claims(*(row(invoice_number=str(n), amount="0") for n in range(10)))

    assert errors_of(data) == [
        "line 2: amount: must not be zero",
        "line 3: amount: must not be zero",
        "line 4: amount: must not be zero",
        "line 5: amount: must not be zero",
        "line 5: file: more than 3 errors; checking stopped",
    ]


def test_the_garbage_collector_is_left_as_it_was() -> None:
    import gc

    parse_claims_csv(claims(row()), today=TODAY)
    assert gc.isenabled()
    gc.disable()
    try:
        parse_claims_csv(claims(row()), today=TODAY)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_the_module_docstring_examples_hold() -> None:
    failures, _ = doctest.testmod(claims_csv, report=True)
    assert failures == 0


# --- robustness ------------------------------------------------------------------------------


def assert_well_formed(parsed: ClaimsFile, data: bytes) -> None:
    assert isinstance(parsed, ClaimsFile)
    assert parsed.sha256 == hashlib.sha256(data).hexdigest()
    physical_lines = data.count(b"\n") + data.count(b"\r") + 1
    for error in parsed.errors:
        assert isinstance(error, LineError)
        assert 1 <= error.line <= physical_lines
        assert error.message
    for parsed_row in parsed.rows:
        assert 2 <= parsed_row.line <= physical_lines
        assert parsed_row.amount_ore != 0


ROBUST = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@ROBUST
@given(data=st.binary(max_size=3000))
@example(data=b"\x00")
@example(data=b"\xef\xbb\xbf\xff")
@example(data=b'"')
@example(data=b"creditor_orgnr\r\r\n")
def test_random_bytes_never_raise(data: bytes) -> None:
    assert_well_formed(parse_claims_csv(data, today=TODAY), data)


HEADER = ";".join(BASE)
FRAGMENTS = st.sampled_from(
    [
        "", " ", ";", ",", '"', '""', "\n", "\r\n", "\r", "-", "+", "%", "@", "\x00", "\ufeff",
        CREDITOR, "5520331009", "16552033-1009", PNR_A, "121212-1212", "121212+1212",
        SAMORDNINGSNUMMER, COMPANY_DEBTOR, "2024-03-01", "20240301", "2024-02-30", "9999-12-31",
        "0001-01-01", "1 234,50", "1.234,50", "-0", "0", "99999999999999999999", "8,5", "NaN",
        "Infinity", "1e400", "111 22", "SE-111 22", "SE", "se", "ja", "nej", "credit_note",
        "invoice", "person", "company", "SEK", "a@b.se", "Åsa Öberg", "١٢٣", "x" * 1001,
    ]
)  # fmt: skip
LINES = st.lists(FRAGMENTS, max_size=25).map("".join)


@ROBUST
@given(
    header=st.one_of(st.just(HEADER), st.permutations(COLUMNS).map(";".join), LINES),
    lines=st.lists(LINES, max_size=12),
)
def test_random_csv_like_text_never_raises(header: str, lines: list[str]) -> None:
    data = "\n".join([header, *lines]).encode()

    assert_well_formed(parse_claims_csv(data, today=TODAY), data)


@ROBUST
@given(order=st.permutations(list(BASE)), delimiter=st.sampled_from([";", ","]))
def test_column_order_and_separator_do_not_change_the_result(
    order: list[str], delimiter: str
) -> None:
    rows = [row(invoice_number="1"), row(invoice_number="2", amount="1 234,50", debtor_id=PNR_E)]
    buffer = io.StringIO()
    write_claims_csv(rows, buffer, delimiter=delimiter, columns=order)

    parsed = parse_claims_csv(buffer.getvalue().encode(), today=TODAY)

    assert parsed.errors == ()
    assert parsed.rows == parse_claims_csv(claims(*rows), today=TODAY).rows


# --- round trip with the synthetic generator -------------------------------------------------


def test_generated_claims_round_trip_through_the_file_unchanged() -> None:
    creditors = generate_creditors(count=6, seed=3)
    generated = generate_claim_rows(creditors=creditors, invoices=3000, seed=4, today=TODAY)
    buffer = io.StringIO()
    write_claims_csv(generated, buffer)

    parsed = parse_claims_csv(buffer.getvalue().encode(), today=TODAY)

    assert parsed.errors == ()
    assert len(parsed.rows) == len(generated)
    for source, result in zip(generated, parsed.rows, strict=True):
        assert result.creditor_orgnr == source["creditor_orgnr"]
        assert result.invoice_number == source["invoice_number"]
        assert result.invoice_date.isoformat().replace("-", "") == source["invoice_date"].replace(
            "-", ""
        )
        assert result.amount_ore == parse_amount(source["amount"])
        assert result.debtor.number.endswith(source["debtor_id"].replace("-", "")[-10:])
        assert result.debtor_name == source["debtor_name"]
        assert result.postal_code == source["postal_code"].replace(" ", "")
        assert (result.email, result.phone, result.description) == (
            source["email"],
            source["phone"],
            source["description"],
        )


def test_a_file_that_is_not_a_claims_file_gets_one_clear_error() -> None:
    bgmax = b"01BGMAX               0120041104091925123456P\n70000000010000000000000000000001\n"

    result = parse_claims_csv(bgmax, today=TODAY)

    assert [str(e) for e in result.errors] == [
        "line 1: file: this is not a claims file: the first line names none of the claims "
        "columns (creditor_orgnr, invoice_number, invoice_date, due_date, amount, debtor_id, "
        "debtor_name, address, postal_code, city)"
    ]


@given(
    st.text(alphabet="0123456789,.-  kr\u00a0\u202f", max_size=16)
    | st.from_regex(r"-?[0-9]{1,9}([.,][0-9]{0,3})?", fullmatch=True)
)
@example("1234")
@example("1234,5")
@example("0,05")
@example(",50")
@example("1.")
@example("1,234")
def test_the_fast_amount_path_agrees_with_parse_amount(text: str) -> None:
    def outcome(parse: Callable[[str], int]) -> object:
        try:
            return parse(text)
        except ValueError as exc:
            return ("refused", str(exc))

    assert outcome(claims_csv._parse_amount) == outcome(parse_amount)


# --- hostile input (issue 11) ------------------------------------------------------------


def _one_line(line: str, *, today: date = date(2026, 11, 23)):  # type: ignore[no-untyped-def]
    header = (
        "creditor_orgnr;invoice_number;invoice_date;due_date;amount;debtor_id;debtor_name;"
        "address;postal_code;city\n"
    )
    return parse_claims_csv((header + line + "\n").encode(), today=today)


GOOD = "552033-1009;F1;2026-09-01;2026-09-30;100,00;19121212-1212;{name};Storgatan 1;111 22;Stockholm"


@pytest.mark.parametrize("char", ["\x00", "\x1b", "\x07", "\x7f", "\x85"])
def test_a_control_character_in_a_value_is_a_line_error_in_its_column(char: str) -> None:
    parsed = _one_line(GOOD.format(name=f"Tolvan{char}Tolvansson"))
    assert [str(e) for e in parsed.errors] == [
        f"line 2: debtor_name: contains a control character (U+{ord(char):04X})"
    ]
    assert parsed.rows == ()


def test_a_tab_or_a_quoted_line_break_in_an_address_is_kept() -> None:
    parsed = _one_line(GOOD.format(name='"Tolvan\tTolvansson"').replace("Storgatan 1", '"c/o Svensson\nStorgatan 1"'))
    assert parsed.errors == ()
    assert parsed.rows[0].address == "c/o Svensson\nStorgatan 1"


def test_an_invoice_dated_after_today_is_refused_but_a_future_due_date_is_not() -> None:
    future = _one_line(GOOD.format(name="Tolvan").replace("2026-09-01", "2099-01-01").replace("2026-09-30", "2099-01-31"))
    assert [str(e) for e in future.errors] == ["line 2: invoice_date: in the future"]
    due_later = _one_line(GOOD.format(name="Tolvan").replace("2026-09-30", "2027-03-31"))
    assert due_later.errors == ()


def test_a_field_larger_than_the_csv_limit_is_one_clear_error_not_also_an_empty_file() -> None:
    parsed = _one_line(GOOD.format(name="x" * 1_000_000))
    messages = [str(e) for e in parsed.errors]
    assert len(messages) == 1 and messages[0].startswith("line 2: ")
    assert not any("has no claims" in m for m in messages)
