"""BgMax (DOMAIN.md §14): the sample files, every refusal word for word, round trips, junk."""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
import sys
from datetime import date, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fordra.domain.ocr import is_valid_ocr, ocr_from_number
from fordra.formats import bgmax
from fordra.formats.bgmax import (
    BgmaxError,
    BgmaxFile,
    BgmaxPayment,
    BgmaxReference,
    looks_like_bgmax,
    parse_bgmax,
    write_bgmax,
)

DATA = Path(__file__).parents[2] / "data"
SAMPLE = (DATA / "bgmax_sample.txt").read_bytes()
BAD_TOTALS = (DATA / "bgmax_bad_totals.txt").read_bytes()
WITH_TABS = (DATA / "bgmax_tab.txt").read_bytes()
CREATED = datetime(2026, 1, 16, 6, 30)
BANKGIRO = "9912346"


def sample_lines() -> list[str]:
    return SAMPLE.decode("latin-1").split("\r\n")[:-1]


def joined(lines: list[str], newline: str = "\r\n") -> bytes:
    return (newline.join(lines) + newline).encode("latin-1")


def replaced(line_number: int, start: int, text: str) -> bytes:
    """The sample with ``text`` written over line ``line_number`` from 1-based ``start``."""
    lines = sample_lines()
    line = lines[line_number - 1]
    lines[line_number - 1] = line[: start - 1] + text + line[start - 1 + len(text) :]
    return joined(lines)


def refusal(data: bytes) -> str:
    with pytest.raises(BgmaxError) as caught:
        parse_bgmax(data)
    return str(caught.value)


# --- the spec and the sample file -------------------------------------------------------------


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, _ = doctest.testmod(bgmax, verbose=False, report=True)
    assert failures == 0


def test_the_sample_file_is_iso_8859_1_with_crlf_and_80_character_records() -> None:
    assert b"\r\n" in SAMPLE and "Åsa".encode("latin-1") in SAMPLE
    assert all(len(line) == 80 for line in sample_lines())


def test_the_sample_file_reads_its_three_deposits() -> None:
    parsed = parse_bgmax(SAMPLE)

    assert (parsed.created, parsed.test, parsed.version) == ("20260116063012345678", False, "01")
    assert parsed.sha256 == hashlib.sha256(SAMPLE).hexdigest()
    assert [(d.payment_date, d.deposit_serial, d.amount_ore, d.count) for d in parsed.deposits] == [
        (date(2026, 1, 15), "00001", 115050, 3),
        (date(2026, 1, 16), "00002", 102245, 4),
        (date(2026, 1, 16), "00003", 20000, 1),
    ]
    assert {d.receiving_bankgiro for d in parsed.deposits} == {BANKGIRO}
    assert [p.line for p in parsed.payments] == [3, 8, 12, 17, 26, 31, 33, 39]


def test_worked_example_three_payments_in_a_section_add_up_to_its_deposit() -> None:
    # 1 000,00 + 250,50 − 100,00 (a TK21 deduction) = 1 150,50 in the section's TK15.
    first = parse_bgmax(SAMPLE).deposits[0]

    assert [(p.kind, p.amount_ore) for p in first.payments] == [
        ("payment", 100000),
        ("payment", 25050),
        ("deduction", -10000),
    ]
    assert sum(p.amount_ore for p in first.payments) == first.amount_ore == 115050


def test_a_payment_carries_every_field_of_its_records() -> None:
    payment = parse_bgmax(SAMPLE).payments[0]

    assert payment == BgmaxPayment(
        line=3,
        kind="payment",
        receiving_bankgiro=BANKGIRO,
        payer_bankgiro="50501055",
        reference="10000081",
        reference_code="2",
        amount_ore=100000,
        channel="1",
        bgc_serial="000000000101",
        image_flag="0",
        extra_references=(),
        information=(),
        payer_name="Tolvan Tolvansson",
        payer_extra_name="",
        payer_address="Storgatan 1",
        payer_postal_code="11122",
        payer_city="Stockholm",
        payer_country="",
        payer_country_code="",
        payer_orgnr="191212121212",
        payment_date=date(2026, 1, 15),
        deposit_serial="00001",
        currency="SEK",
        flagged=(),
    )
    assert payment.key == "bgmax:9912346:20260115:000000000101:0:100000:10000081"
    assert payment.payer_bankgiro_valid


def test_a_payer_bankgiro_that_fails_its_check_digit_is_kept_not_refused() -> None:
    payment = parse_bgmax(SAMPLE).payments[1]

    assert (payment.payer_bankgiro, payment.payer_bankgiro_valid) == ("56781234", False)
    assert (payment.payer_name, payment.payer_extra_name) == ("Åsa Öberg", "c/o Märta Ångström")
    assert payment.payer_city == "Göteborg"


def test_extra_references_follow_their_payment_and_a_tk23_is_negative() -> None:
    payment = parse_bgmax(SAMPLE).payments[3]

    assert (payment.reference, payment.reference_code) == ("10000289 10000388", "3")
    assert payment.extra_references == (
        BgmaxReference(reference="10000289", amount_ore=50000, reference_code="2"),
        BgmaxReference(reference="10000388", amount_ore=30000, reference_code="2"),
        BgmaxReference(reference="10000081", amount_ore=-5000, reference_code="2"),
    )
    assert payment.information == ("Två fakturor, avdrag för kreditnota 10000081",)
    assert (payment.payer_orgnr, payment.payer_city) == ("005560360793", "Storåker")


def test_reference_codes_5_4_and_1_and_information_lines_are_kept() -> None:
    payments = parse_bgmax(SAMPLE).payments

    wrong, free_text, none = payments[4], payments[5], payments[6]
    assert (wrong.reference, wrong.reference_code, wrong.channel) == ("10000999", "5", "4")
    assert not is_valid_ocr(wrong.reference)
    assert (free_text.reference, free_text.reference_code) == ("Faktura 2024-117", "4")
    assert (none.reference, none.reference_code, none.payer_bankgiro) == ("", "1", "")
    assert none.information == ("Ärende 100004", "Kundnr 5531")


def test_a_payer_abroad_has_country_and_country_code() -> None:
    abroad = parse_bgmax(SAMPLE).payments[7]

    assert (abroad.payer_city, abroad.payer_country, abroad.payer_country_code) == (
        "Oslo",
        "Norge",
        "NO",
    )
    assert abroad.payer_postal_code == "0150"


def test_every_payment_key_in_the_sample_is_different() -> None:
    keys = [p.key for p in parse_bgmax(SAMPLE).payments]

    assert len(set(keys)) == len(keys)


# --- what real files look like -------------------------------------------------------------


def without_lines(parsed: BgmaxFile) -> list[BgmaxPayment]:
    return [dataclasses.replace(p, line=0) for p in parsed.payments]


def test_lf_line_ends_and_records_cut_short_read_the_same_as_the_sample() -> None:
    lines = [line.rstrip(" ") for line in sample_lines()]

    parsed = parse_bgmax(joined(lines, "\n"))

    assert parsed.deposits == parse_bgmax(SAMPLE).deposits


def test_blank_lines_a_missing_last_newline_and_a_dos_end_of_file_are_accepted() -> None:
    lines = sample_lines()
    data = "\r\n".join([*lines[:5], "", *lines[5:]]).encode("latin-1") + b"\r\n\r\n\x1a"

    assert without_lines(parse_bgmax(data)) == without_lines(parse_bgmax(SAMPLE))
    assert parse_bgmax(SAMPLE.rstrip(b"\r\n")).deposits == parse_bgmax(SAMPLE).deposits


def test_an_unknown_record_type_is_reported_and_the_payments_around_it_still_count() -> None:
    lines = sample_lines()
    lines[3:3] = ["99" + "whatever a future version adds".ljust(78), "XX"]

    parsed = parse_bgmax(joined(lines))

    assert without_lines(parsed) == without_lines(parse_bgmax(SAMPLE))
    assert parsed.unknown_records == (
        bgmax.BgmaxUnknownRecord(line=4, tk="99", text="99whatever a future version adds"),
        bgmax.BgmaxUnknownRecord(line=5, tk="XX", text="XX"),
    )
    assert parse_bgmax(SAMPLE).unknown_records == ()


def test_too_many_unknown_records_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bgmax, "UNKNOWN_RECORDS_MAX", 1)
    lines = sample_lines()
    lines[3:3] = ["99", "98"]

    assert refusal(joined(lines)) == "line 5: more than 1 records of unknown type"


def test_blanks_beyond_80_characters_are_ignored() -> None:
    lines = [line + "   " for line in sample_lines()]

    assert parse_bgmax(joined(lines)).deposits == parse_bgmax(SAMPLE).deposits


def test_a_test_file_is_parsed_and_marked_as_a_test() -> None:
    assert parse_bgmax(replaced(1, 45, "T")).test is True


# --- TAB characters (Bankgirot's own example file has them) --------------------------------


def test_a_tab_in_a_reference_is_flagged_and_the_record_still_lines_up() -> None:
    parsed = parse_bgmax(WITH_TABS)

    (payment,) = parsed.payments
    assert payment.extra_references == (
        BgmaxReference(reference="10000289", amount_ore=50000, reference_code="2"),
        BgmaxReference(reference="10000388", amount_ore=30000, reference_code="2"),
    )
    assert payment.flagged == (
        "record with TAB characters (line 5, TK22)",
        "record with TAB characters (line 7, TK26)",
    )


def test_a_tab_in_a_text_record_keeps_the_rest_of_the_record_as_text() -> None:
    (payment,) = parse_bgmax(WITH_TABS).payments

    assert (payment.payer_name, payment.payer_extra_name) == ("Kalles Plåt AB", "")
    assert (payment.payer_address, payment.payer_postal_code) == ("Storgatan 2", "12345")


def test_fields_before_the_tab_of_a_text_record_are_read_by_position() -> None:
    lines = sample_lines()
    lines[8] = "26" + "Åsa Öberg".ljust(35) + "c/o\tMärta Ångström"

    payment = parse_bgmax(joined(lines)).payments[1]

    assert (payment.payer_name, payment.payer_extra_name) == ("Åsa Öberg", "c/o Märta Ångström")
    assert payment.flagged == ("record with TAB characters (line 9, TK26)",)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        (  # a TAB in the payer's bankgiro is no refusal, but this record has no amount
            "20\t" + "0" * 9,
            "line 3: amount: '                  ' is not 18 digits",
        ),
        (
            "200050501055" + "10000081".rjust(25) + "00000000000\t100000",
            "line 3: amount: TAB character in a number field",
        ),
        (
            "200050501055" + "10000081".rjust(25) + "000000000000100000" + "21" + "0000\t",
            "line 3: BGC serial number: TAB character in a number field",
        ),
    ],
)
def test_a_tab_in_a_number_field_is_refused_naming_the_line_and_field(
    line: str, message: str
) -> None:
    lines = sample_lines()
    lines[2] = line

    assert refusal(joined(lines)) == message


def test_a_tab_that_would_shift_the_numbers_is_refused_not_mis_sliced() -> None:
    lines = sample_lines()
    lines[2] = lines[2][:13] + "\t" + lines[2][14:]  # a TAB at column 13 expands to 3 blanks

    assert refusal(joined(lines)) == (
        "line 3: the record with TAB characters does not line up: text after position 70"
    )


def test_a_tab_that_reaches_into_a_number_field_is_refused() -> None:
    lines = sample_lines()
    line = lines[2]
    lines[2] = line[:12] + "\t" * 4 + line[37:]  # the 4th TAB expands past position 37

    assert refusal(joined(lines)) == ("line 3: amount: a TAB character reaches into a number field")


# --- refusals, word for word -------------------------------------------------------------


def test_a_file_whose_totals_do_not_add_up_is_refused_whole() -> None:
    assert refusal(BAD_TOTALS) == (
        "line 6: deposit amount: the TK15 says 1 250,50 kr but the payments since line 2 sum"
        " to 1 150,50 kr (Σ TK20 − Σ TK21)"
    )


@pytest.mark.parametrize(
    ("line", "start", "text", "message"),
    [
        (1, 3, "BGMIN", "line 1: layout name: 'BGMIN' is not BGMAX"),
        (1, 23, "02", "line 1: version: '02' is not 01"),
        (
            1,
            25,
            "2026011606301234567x",
            "line 1: timestamp: '2026011606301234567x' is not 20 digits",
        ),
        (1, 25, "20261316", "line 1: timestamp: 20261316063012345678 is not a date and time"),
        (1, 45, "X", "line 1: test marker: 'X' is not T or P"),
        (2, 23, "EUR", "line 2: currency: 'EUR' is not SEK"),
        (2, 3, "0009912345", "line 2: receiving bankgiro: check digit is wrong"),
        (2, 13, "12x", "line 2: plusgiro: '12x       ' is not 10 digits"),
        (3, 38, "00000000000010000O", "line 3: amount: '00000000000010000O' is not 18 digits"),
        (3, 38, "00000000000010000²", "line 3: amount: '00000000000010000²' is not 18 digits"),
        (3, 38, "000000000000000000", "line 3: amount: a TK20 amount must not be zero"),
        (3, 56, "7", "line 3: reference code: '7' is not 0 to 5"),
        (3, 56, " ", "line 3: reference code: ' ' is not 1 digits"),
        (3, 58, "00000000010 ", "line 3: BGC serial number: '00000000010 ' is not 12 digits"),
        (12, 38, "000000000000000000", "line 12: amount: a TK21 amount must not be zero"),
        (18, 38, "0000000000000x0000", "line 18: amount: '0000000000000x0000' is not 18 digits"),
        (18, 56, "9", "line 18: reference code: '9' is not 0 to 5"),
        (15, 38, "20260230", "line 15: payment date: 20260230 is not a date"),
        (15, 46, "0000A", "line 15: deposit serial: '0000A' is not 5 digits"),
        (15, 69, "NOK", "line 15: currency: 'NOK' is not SEK"),
        (
            15,
            72,
            "00000004",
            "line 15: number of payments: the TK15 says 4 but the section since line 2 has 3"
            " TK20/TK21 records",
        ),
        (
            15,
            51,
            "000000000000115049",
            "line 15: deposit amount: the TK15 says 1 150,49 kr but the payments since line 2"
            " sum to 1 150,50 kr (Σ TK20 − Σ TK21)",
        ),
        (
            44,
            3,
            "00000008",
            "line 44: TK20 count: the TK70 says 8 but the file has 7 TK20 records",
        ),
        (
            44,
            11,
            "00000000",
            "line 44: TK21 count: the TK70 says 0 but the file has 1 TK21 records",
        ),
        (
            44,
            19,
            "00000002",
            "line 44: TK22/23 count: the TK70 says 2 but the file has 3 TK22 + TK23 records",
        ),
        (
            44,
            27,
            "00000004",
            "line 44: TK15 count: the TK70 says 4 but the file has 3 TK15 records",
        ),
        (44, 27, "0000000x", "line 44: TK15 count: '0000000x' is not 8 digits"),
    ],
)
def test_a_bad_field_refuses_the_file_naming_line_and_field(
    line: int, start: int, text: str, message: str
) -> None:
    assert refusal(replaced(line, start, text)) == message


def lines_with(edit: str) -> bytes:
    """The sample with one structural edit applied (see the parametrize ids)."""
    lines = sample_lines()
    if edit == "first record not TK01":
        lines.insert(0, "05" + "0009912346" + " " * 10 + "SEK")
    elif edit == "second TK01":
        lines.insert(2, lines[0])
    elif edit == "TK22 after TK25":
        lines.insert(21, lines[17])
    elif edit == "TK22 first in a section":
        lines.insert(15, lines[17])
    elif edit == "TK25 first in a section":
        lines.insert(15, lines[20])
    elif edit == "second TK26":
        lines.insert(4, lines[3])
    elif edit == "TK20 before TK05":
        lines.insert(1, lines[2])
    elif edit == "TK05 inside a section":
        lines.insert(5, lines[1])
    elif edit == "TK15 without TK05":
        lines.insert(15, lines[14])
    elif edit == "section without payments":
        lines[15:15] = [lines[1], lines[14]]
    elif edit == "TK70 inside a section":
        lines.insert(5, lines[-1])
    elif edit == "record after TK70":
        lines.append(lines[2])
    elif edit == "no TK70":
        lines.pop()
    elif edit == "no TK15 at the end":
        lines[-2:] = []
    elif edit == "no deposits":
        lines[1:-1] = []
    elif edit == "longer than 80":
        lines[3] = lines[3] + "x"
    return joined(lines)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        ("first record not TK01", "line 1: the file must start with a TK01 record"),
        ("second TK01", "line 3: TK01 after the start of the file"),
        (
            "TK22 after TK25",
            "line 22: TK22 must follow right after its TK20/TK21 (or another TK22/23), not"
            " after the TK25 of the payment on line 17",
        ),
        ("TK22 first in a section", "line 16: TK22 before any TK20/TK21 in its section"),
        ("TK25 first in a section", "line 16: TK25 before any TK20/TK21 in its section"),
        ("second TK26", "line 5: a second TK26 for the payment on line 3"),
        ("TK20 before TK05", "line 2: TK20 outside a TK05…TK15 section"),
        (
            "TK05 inside a section",
            "line 6: TK05 before the TK05 on line 2 was closed by a TK15",
        ),
        ("TK15 without TK05", "line 16: TK15 without an opening TK05"),
        (
            "section without payments",
            "line 17: the section opened on line 16 has no TK20/TK21 payments",
        ),
        ("TK70 inside a section", "line 6: TK70 before the TK05 on line 2 was closed by a TK15"),
        ("record after TK70", "line 45: TK20 after the TK70 on line 44"),
        ("no TK70", "line 43: the file ends without a TK70 record"),
        ("no TK15 at the end", "line 42: the TK05 on line 38 has no closing TK15"),
        ("no deposits", "line 2: the file has no deposits (TK05…TK15)"),
        ("longer than 80", "line 4: longer than 80 characters"),
    ],
)
def test_a_file_out_of_structure_is_refused_naming_the_line(edit: str, message: str) -> None:
    assert refusal(lines_with(edit)) == message


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "line 1: the file is empty"),
        (b"\r\n  \r\n", "line 1: the file is empty"),
        (SAMPLE.replace(b"Storgatan 1", b"Storgatan\x001"), "line 5: control character 0x00"),
        (SAMPLE.replace(b"Storgatan 1", b"Storgatan\r1"), "line 5: control character 0x0d"),
        (b"claims_csv;amount\n1;2\n", "line 1: the file must start with a TK01 record"),
        (SAMPLE.split(b"\r\n")[2], "line 1: the file must start with a TK01 record"),
    ],
)
def test_files_that_are_not_bgmax_are_refused(data: bytes, message: str) -> None:
    assert refusal(data) == message


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bgmax, "FILE_BYTES_MAX", len(SAMPLE) - 1)

    assert refusal(SAMPLE) == "line 1: the file is larger than 0 MiB"


def test_too_many_payments_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(bgmax, "PAYMENTS_MAX", 7)

    assert refusal(SAMPLE) == "line 39: more than 7 payments in one file"


def test_too_many_information_lines_for_one_payment_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bgmax, "INFORMATION_PER_PAYMENT_MAX", 1)

    assert refusal(SAMPLE) == ("line 35: more than 1 TK25 records for the payment on line 33")


def test_too_many_extra_references_for_one_payment_are_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(bgmax, "EXTRA_REFERENCES_PER_PAYMENT_MAX", 2)

    assert refusal(SAMPLE) == ("line 20: more than 2 TK22/23 records for the payment on line 17")


# --- writing and round trips ---------------------------------------------------------------


def test_write_then_parse_gives_back_every_payment() -> None:
    payments = [
        (date(2026, 1, 16), ocr_from_number(100001), 25050, "2"),
        (date(2026, 1, 15), ocr_from_number(100000), 100000, "1"),
        (date(2026, 1, 15), "Faktura 17", -10000, "3"),
        (date(2026, 1, 16), "", 99, "999999999999"),
        (date(2026, 1, 16), "10000999", 1, "5"),
    ]

    parsed = parse_bgmax(
        write_bgmax(receiving_bankgiro="991-2346", payments=payments, created=CREATED, test=True)
    )

    assert parsed.test and parsed.created == "20260116063000000000"
    assert [(d.payment_date, d.deposit_serial, d.amount_ore) for d in parsed.deposits] == [
        (date(2026, 1, 15), "00001", 90000),
        (date(2026, 1, 16), "00002", 25150),
    ]
    assert [
        (p.payment_date, p.reference, p.amount_ore, p.bgc_serial.lstrip("0"), p.reference_code)
        for p in parsed.payments
    ] == [
        (date(2026, 1, 15), "10000081", 100000, "1", "2"),
        (date(2026, 1, 15), "Faktura 17", -10000, "3", "4"),
        (date(2026, 1, 16), "10000180", 25050, "2", "2"),
        (date(2026, 1, 16), "", 99, "999999999999", "1"),
        (date(2026, 1, 16), "10000999", 1, "5", "5"),
    ]
    assert {p.receiving_bankgiro for p in parsed.payments} == {BANKGIRO}


REFERENCE_TEXT = st.text(
    alphabet=st.characters(
        min_codepoint=0x20,
        max_codepoint=0xFF,
        exclude_categories=("Cc", "Cf", "Zs"),
        include_characters=" ",
    ),
    max_size=25,
).map(str.strip)


@given(
    payments=st.lists(
        st.tuples(
            st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
            st.one_of(st.integers(0, 10**20).map(ocr_from_number), REFERENCE_TEXT),
            st.integers(1, 10**12),
            st.integers(1, 10**12 - 1).map(str),
        ),
        min_size=1,
        max_size=30,
        unique_by=lambda p: (p[0], p[3].zfill(12)),
    )
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_written_file_parses_back_to_what_was_written(
    payments: list[tuple[date, str, int, str]],
) -> None:
    data = write_bgmax(receiving_bankgiro=BANKGIRO, payments=payments, created=CREATED)

    parsed = parse_bgmax(data)

    expected = sorted(
        ((day, ref, amount, serial.zfill(12)) for day, ref, amount, serial in payments),
        key=lambda p: p[0],
    )
    assert [
        (p.payment_date, p.reference, p.amount_ore, p.bgc_serial) for p in parsed.payments
    ] == expected
    for payment in parsed.payments:
        assert (payment.reference_code == "2") == (
            payment.reference.isdigit() and is_valid_ocr(payment.reference)
        )


def test_the_same_payments_always_write_the_same_bytes() -> None:
    payments = [(date(2026, 1, 15), "10000081", 100000, "1")]

    first = write_bgmax(receiving_bankgiro=BANKGIRO, payments=payments, created=CREATED)

    assert write_bgmax(receiving_bankgiro=BANKGIRO, payments=payments, created=CREATED) == first
    assert all(len(line) == 80 for line in first.split(b"\r\n")[:-1])


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"receiving_bankgiro": "991-2345"}, "receiving bankgiro: check digit is wrong"),
        ({"payments": []}, "a BgMax file needs at least one payment"),
        ({"payments": [(date(2026, 1, 15), "", 0, "1")]}, "a payment amount must not be zero"),
        (
            {"payments": [(date(2026, 1, 15), "", 10**18, "1")]},
            "amount 1000000000000000000 does not fit in 18 digits",
        ),
        (
            {"payments": [(date(2026, 1, 15), "x" * 26, 1, "1")]},
            "reference 'xxxxxxxxxxxxxxxxxxxxxxxxxx': at most 25 printable characters, no outer"
            " blanks",
        ),
        (
            {"payments": [(date(2026, 1, 15), " 1", 1, "1")]},
            "reference ' 1': at most 25 printable characters, no outer blanks",
        ),
        ({"payments": [(date(2026, 1, 15), "€", 1, "1")]}, "a reference is not ISO-8859-1: '€'"),
        (
            {"payments": [(date(2026, 1, 15), "", 1, "1"), (date(2026, 1, 15), "", 2, "01")]},
            "BGC serial number 01 is used twice on 2026-01-15",
        ),
        (
            {"payments": [(date(2026, 1, 15), "", 1, "x")]},
            "BGC serial number 'x' is not 1 to 12 digits",
        ),
        (
            {"payments": [(date(2026, 1, 15), "", -1, "1")]},
            "the deposit of 2026-01-15 would be negative",
        ),
    ],
)
def test_write_bgmax_refuses_what_the_parser_would_refuse(
    changes: dict[str, object], message: str
) -> None:
    arguments: dict[str, object] = {
        "receiving_bankgiro": BANKGIRO,
        "payments": [(date(2026, 1, 15), "", 1, "1")],
        "created": CREATED,
    } | changes

    with pytest.raises(ValueError) as caught:
        write_bgmax(**arguments)  # type: ignore[arg-type]

    assert str(caught.value) == message


@given(digits=st.text(alphabet="0123456789", max_size=30))
@example(digits="10000081")
@example(digits="0" * 25)
def test_the_writers_fast_ocr_check_agrees_with_the_domain(digits: str) -> None:
    assert bgmax._is_ocr(digits) == is_valid_ocr(digits)


def test_a_parsed_payment_is_the_same_object_its_constructor_makes() -> None:
    for payment in parse_bgmax(SAMPLE).payments + parse_bgmax(WITH_TABS).payments:
        fields = {f.name: getattr(payment, f.name) for f in dataclasses.fields(BgmaxPayment)}

        constructed = BgmaxPayment(**fields)
        assert vars(payment) == fields
        assert constructed == payment and hash(constructed) == hash(payment)
        assert repr(constructed) == repr(payment)
        # the fast path keeps the compact key-sharing instance dict of a normal instance
        assert sys.getsizeof(vars(payment)) <= sys.getsizeof(vars(constructed))


# --- detection ------------------------------------------------------------------------------


def test_looks_like_bgmax_knows_its_files_from_the_others() -> None:
    assert looks_like_bgmax(SAMPLE) and looks_like_bgmax(BAD_TOTALS) and looks_like_bgmax(WITH_TABS)
    for other in ("camt054_v02.xml", "camt054_v08.xml", "claims_good.csv", "claims_bad.csv"):
        assert not looks_like_bgmax((DATA / other).read_bytes()), other
    assert not looks_like_bgmax(b"")


# --- robustness: junk and mutated files ----------------------------------------------------


def totals(parsed: BgmaxFile) -> list[tuple[date, int, int]]:
    return [(d.payment_date, d.amount_ore, d.count) for d in parsed.deposits]


ORIGINAL_TOTALS = totals(parse_bgmax(SAMPLE))


def assert_totals_hold(parsed: BgmaxFile) -> None:
    for deposit in parsed.deposits:
        assert sum(p.amount_ore for p in deposit.payments) == deposit.amount_ore
        assert len(deposit.payments) == deposit.count


@given(data=st.binary(max_size=2000))
@example(data=b"01BGMAX")
@example(data=b"01BGMAX               01" + b"9" * 20 + b"P\n70")
def test_random_bytes_raise_only_bgmax_error(data: bytes) -> None:
    try:
        parsed = parse_bgmax(data)
    except BgmaxError:
        return
    assert_totals_hold(parsed)


RECORD_CODES = ["01", "05", "15", "20", "21", "22", "23", "25", "26", "27", "28", "29", "70"]
NEAR_RECORDS = st.tuples(
    st.sampled_from(RECORD_CODES), st.text(alphabet="0123456789 \t25SEKBGMAXPT", max_size=90)
).map("".join)


@given(
    start=st.sampled_from(["01BGMAX               0120260116063012345678P\n", ""]),
    body=st.lists(NEAR_RECORDS, max_size=30),
)
def test_records_that_look_almost_right_raise_only_bgmax_error(start: str, body: list[str]) -> None:
    try:
        parsed = parse_bgmax((start + "\n".join(body)).encode("latin-1"))
    except BgmaxError:
        return
    assert_totals_hold(parsed)


LINES = SAMPLE.split(b"\r\n")


@given(position=st.integers(0, len(SAMPLE) - 1), byte=st.integers(0, 255))
@settings(max_examples=400)
def test_a_flipped_byte_never_gives_a_file_with_wrong_totals(position: int, byte: int) -> None:
    data = SAMPLE[:position] + bytes([byte]) + SAMPLE[position + 1 :]
    try:
        parsed = parse_bgmax(data)
    except BgmaxError:
        return
    assert_totals_hold(parsed)
    # A flipped date digit may move a deposit to another day; its money may not change.
    assert [(d.amount_ore, d.count) for d in parsed.deposits] == [
        (amount, count) for _, amount, count in ORIGINAL_TOTALS
    ]


@given(index=st.integers(0, len(LINES) - 2), duplicate=st.booleans())
def test_a_cut_or_duplicated_line_never_gives_a_file_with_wrong_totals(
    index: int, duplicate: bool
) -> None:
    lines = list(LINES)
    if duplicate:
        lines.insert(index, lines[index])
    else:
        del lines[index]
    try:
        parsed = parse_bgmax(b"\r\n".join(lines))
    except BgmaxError:
        return
    assert_totals_hold(parsed)
    assert totals(parsed) == ORIGINAL_TOTALS


# --- Bankgirot's own example files (reproduced in tests/data, see README-bgmax.md) ----------

BANKGIROT = {
    name: (DATA / f"bgmax_bankgirot_{name}.txt").read_bytes()
    for name in ("basic", "ocr", "extended", "image", "serials")
}
# Each sample's control records, as its TK15 and TK70 state them (worked out by hand from the
# files): per deposit (amount in öre, number of payments); TK70 (TK20, TK21, TK22+23, TK15).
BANKGIROT_CONTROLS = {
    "basic": ([(85000, 5)], (5, 0, 0, 1)),
    "ocr": ([(210000, 4)], (4, 0, 3, 1)),
    "extended": ([(370000, 2), (200000, 1), (290000, 4)], (7, 0, 9, 3)),
    "image": ([(353300, 6)], (6, 0, 10, 1)),
    "serials": ([(190000, 3), (800000, 4)], (6, 1, 6, 2)),
}


@pytest.mark.parametrize("name", sorted(BANKGIROT))
def test_each_bankgirot_example_reads_with_totals_equal_to_its_own_control_records(
    name: str,
) -> None:
    parsed = parse_bgmax(BANKGIROT[name])

    deposits, (tk20, tk21, tk22, tk15) = BANKGIROT_CONTROLS[name]
    assert [(d.amount_ore, d.count) for d in parsed.deposits] == deposits
    assert_totals_hold(parsed)
    payments = parsed.payments
    assert sum(p.kind == "payment" for p in payments) == tk20
    assert sum(p.kind == "deduction" for p in payments) == tk21
    assert sum(len(p.extra_references) for p in payments) == tk22
    assert len(parsed.deposits) == tk15
    assert sum(p.amount_ore for p in payments) == sum(amount for amount, _ in deposits)


@pytest.mark.parametrize("name", ["basic", "ocr", "extended", "image"])
def test_a_bankgirot_example_without_line_breaks_reads_as_80_character_records(
    name: str,
) -> None:
    data = BANKGIROT[name]
    assert b"\n" not in data and len(data) % 80 == 0

    with_breaks = b"\r\n".join(data[i : i + 80] for i in range(0, len(data), 80)) + b"\r\n"

    assert parse_bgmax(data).deposits == parse_bgmax(with_breaks).deposits


def test_a_file_of_one_line_longer_than_80_characters_is_still_framed_not_refused() -> None:
    """Bankgirot's example used to be refused with 'line 1: longer than 80 characters'."""
    parsed = parse_bgmax(BANKGIROT["basic"])

    assert [p.line for p in parsed.payments] == [3, 9, 15, 21, 26]
    assert parsed.payments[0].information == ("Här är min betalning för mars",)
    assert parsed.payments[0].payer_city == "Ösby"


def test_a_malformed_payer_bankgiro_keeps_the_payment_and_flags_it() -> None:
    parsed = parse_bgmax(BANKGIROT["image"])

    payment = parsed.payments[-1]
    assert (payment.amount_ore, payment.payer_bankgiro) == (46200, "9701233")
    assert not payment.payer_bankgiro_valid
    assert payment.flagged == ("payer bankgiro '009701233 ' is not 10 digits (line 20)",)
    assert [r.reference for r in payment.extra_references] == ["10000685", "10000784"]


@pytest.mark.parametrize(
    ("payer", "kept"), [("ABCDEFGHIJ", "ABCDEFGHIJ"), ("      1234", "1234"), (" " * 10, "")]
)
def test_any_payer_bankgiro_text_is_information_never_a_refusal(payer: str, kept: str) -> None:
    payment = parse_bgmax(replaced(3, 3, payer)).payments[0]

    assert payment.payer_bankgiro == kept
    assert payment.flagged == (f"payer bankgiro {payer!r} is not 10 digits (line 3)",)
    assert payment.amount_ore == 100000


def test_a_repeated_bgc_serial_gives_two_payments_with_two_keys() -> None:
    parsed = parse_bgmax(BANKGIROT["serials"])

    first, second = (p for p in parsed.payments if p.bgc_serial == "000000000016")
    assert (first.amount_ore, second.amount_ore) == (70000, 500000)
    assert first.key == "bgmax:50501055:20261116:000000000016:0:70000:10000685"
    assert second.key == "bgmax:50501055:20261116:000000000016:0:500000:10000784"


def test_two_identical_payments_in_one_deposit_are_two_and_a_resent_file_has_the_same_keys() -> (
    None
):
    lines = sample_lines()
    lines[7:7] = lines[2:3]  # the first payment again, identical, in the same deposit
    lines[15] = lines[15][:50] + "000000000000215050" + lines[15][68:71] + "00000004 "
    lines[-1] = "7000000008000000010000000300000003".ljust(80)

    parsed = parse_bgmax(joined(lines))
    lines[0] = lines[0][:24] + "20260117070000000000" + lines[0][44:]  # a new TK01 timestamp
    resent = parse_bgmax(joined(lines))

    first, again = parsed.payments[0], parsed.payments[1]
    assert (first.occurrence, again.occurrence) == (0, 1)
    assert first.key != again.key
    assert again.key == "bgmax:9912346:20260115:000000000101:1:100000:10000081"
    assert [p.key for p in resent.payments] == [p.key for p in parsed.payments]
    assert resent.sha256 != parsed.sha256


def test_every_key_of_every_sample_is_different_within_its_file() -> None:
    for data in [SAMPLE, WITH_TABS, *BANKGIROT.values()]:
        keys = [p.key for p in parse_bgmax(data).payments]
        assert len(set(keys)) == len(keys)


def test_a_tk23_after_a_tk20_is_a_negative_extra_reference_of_that_payment() -> None:
    payment = parse_bgmax(BANKGIROT["extended"]).payments[-1]

    assert payment.kind == "payment" and payment.amount_ore == 140000
    assert [(r.reference, r.amount_ore, r.reference_code) for r in payment.extra_references] == [
        ("3141592", 100000, "5"),
        ("10000784", 50000, "2"),
        ("2718281", 40000, "5"),
        ("10001089", -50000, "2"),
    ]
    assert sum(r.amount_ore for r in payment.extra_references) == payment.amount_ore


# --- properties: framing, junk --------------------------------------------------------------


@given(
    payments=st.lists(
        st.tuples(
            st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)),
            st.one_of(st.integers(0, 10**20).map(ocr_from_number), REFERENCE_TEXT),
            st.integers(1, 10**12),
            st.integers(1, 10**12 - 1).map(str),
        ),
        min_size=1,
        max_size=20,
        unique_by=lambda p: (p[0], p[3].zfill(12)),
    ),
    newline=st.sampled_from(["\r\n", "\n"]),
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_framing_with_or_without_line_breaks_gives_the_same_file(
    payments: list[tuple[date, str, int, str]], newline: str
) -> None:
    data = write_bgmax(receiving_bankgiro=BANKGIRO, payments=payments, created=CREATED)
    records = data.decode("latin-1").split("\r\n")[:-1]

    back_to_back = parse_bgmax("".join(records).encode("latin-1"))
    with_breaks = parse_bgmax((newline.join(records) + newline).encode("latin-1"))

    assert back_to_back.deposits == with_breaks.deposits
    assert back_to_back.deposits == parse_bgmax(data).deposits


@given(
    body=st.lists(
        st.tuples(st.sampled_from([*RECORD_CODES, "99", "XX"]),
                  st.text(alphabet="0123456789 25SEKBGMAXPTåö", max_size=78)).map(
            lambda r: "".join(r).ljust(80)[:80]
        ),
        max_size=30,
    )
)
def test_records_back_to_back_that_look_almost_right_raise_only_bgmax_error(
    body: list[str],
) -> None:
    start = "01BGMAX               0120260116063012345678P".ljust(80)
    try:
        parsed = parse_bgmax((start + "".join(body)).encode("latin-1"))
    except BgmaxError:
        return
    assert_totals_hold(parsed)


@given(
    lines=st.lists(st.sampled_from(SAMPLE.decode("latin-1").split("\r\n")[:-1]), max_size=60),
    framed=st.booleans(),
)
def test_sample_records_in_any_order_raise_only_bgmax_error(lines: list[str], framed: bool) -> None:
    text = "".join(lines) if framed else "\n".join(lines)
    try:
        parsed = parse_bgmax(text.encode("latin-1"))
    except BgmaxError:
        return
    assert_totals_hold(parsed)


def test_a_tab_in_the_payer_bankgiro_keeps_the_payment_and_flags_both() -> None:
    lines = sample_lines()
    lines[2] = "20\t" + lines[2][8:]  # the TAB stands for six blanks: '      1055'

    payment = parse_bgmax(joined(lines)).payments[0]

    assert (payment.amount_ore, payment.reference, payment.payer_bankgiro) == (
        100000, "10000081", "1055"
    )
    assert payment.flagged == (
        "payer bankgiro '      1055' is not 10 digits (line 3)",
        "record with TAB characters (line 3, TK20)",
    )
