from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn
from stdnum.se import orgnr as stdnum_orgnr

from fordra.domain.identifiers import (
    IdentifierError,
    PartyId,
    PartyKind,
    format_bankgiro,
    format_plusgiro,
    normalise_postal_code,
    parse_orgnr,
    parse_party_id,
    validate_bankgiro,
    validate_plusgiro,
)

TODAY = date(2026, 1, 15)

# Skatteverket's published test personnummer (open data "Testpersonnummer").
SKATTEVERKET_TEST_NUMBERS = [
    "191212121212",
    "201701012393",
    "194408139089",
    "199006022397",
    "200001052380",
]


def with_luhn(nine_digits: str) -> str:
    """Nine digits + the Luhn check digit computed by stdnum."""
    return nine_digits + luhn.calc_check_digit(nine_digits)


@pytest.mark.parametrize("number", SKATTEVERKET_TEST_NUMBERS)
def test_a_twelve_digit_test_personnummer_parses_in_every_twelve_digit_form(
    number: str,
) -> None:
    dashed = f"{number[:8]}-{number[8:]}"
    spaced = f"{number[:8]} {number[8:]}"
    for text in (number, dashed, spaced, f"  {dashed} "):
        party = parse_party_id(text, today=TODAY)
        assert party == PartyId(PartyKind.PERSON, number)
        assert party.is_person
        assert party.display == dashed


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("170101-2393", "201701012393"),
        ("1701012393", "201701012393"),
        ("440813-9089", "194408139089"),
        ("900602-2397", "199006022397"),
        ("900602 2397", "199006022397"),
        ("000105-2380", "200001052380"),
        # born 2012-12-12 with '-': the last 100 years; the 1912 person writes '+'
        ("121212-1212", "201212121212"),
        ("121212+1212", "191212121212"),
    ],
)
def test_a_ten_digit_personnummer_gets_its_century_from_today(text: str, number: str) -> None:
    assert parse_party_id(text, today=TODAY).number == number


def test_a_ten_digit_birth_date_later_this_year_belongs_to_the_last_century() -> None:
    # 260201-xxxx as of 2026-01-15: 2026-02-01 has not happened yet, so the person was born
    # 1926-02-01 (99 years old, still writing '-').
    number = with_luhn("260201123")
    assert parse_party_id(f"{number[:6]}-{number[6:]}", today=TODAY).number == "19" + number
    # The day after the birthday in 2026 the same number means a newborn.
    born_2026 = parse_party_id(f"{number[:6]}-{number[6:]}", today=date(2026, 2, 1))
    assert born_2026.number == "20" + number


def test_a_plus_means_a_hundred_years_back_from_the_year_they_turn_100() -> None:
    # 260601+xxxx as of 2026-01-15: turns 100 in June 2026 and already writes '+'.
    number = with_luhn("260601123")
    assert parse_party_id(f"{number[:6]}+{number[6:]}", today=TODAY).number == "19" + number


def test_a_leap_day_birth_date_follows_the_century() -> None:
    number = with_luhn("000229123")  # 2000-02-29 exists; 1900-02-29 would not
    assert parse_party_id(number, today=TODAY).number == "20" + number
    with pytest.raises(IdentifierError, match="not a valid date"):
        parse_party_id(f"{number[:6]}+{number[6:]}", today=TODAY)  # 1900-02-29


def test_a_samordningsnummer_has_sixty_added_to_the_day() -> None:
    # From Skatteverket's 199006022397: day 02 + 60 = 62, Luhn digit recomputed by stdnum.
    ten = with_luhn("900662239")
    assert ten == "9006622394"
    for text in (ten, f"{ten[:6]}-{ten[6:]}", "19" + ten, f"19{ten[:6]}-{ten[6:]}"):
        party = parse_party_id(text, today=TODAY)
        assert party.kind is PartyKind.COORDINATION
        assert party.number == "199006622394"
        assert party.display == "19900662-2394"
        assert party.is_person


def test_a_samordningsnummer_with_a_wrong_check_digit_is_refused() -> None:
    with pytest.raises(IdentifierError, match="check digit is wrong"):
        parse_party_id("900662-2395", today=TODAY)


def test_a_samordningsnummer_whose_real_day_does_not_exist_is_refused() -> None:
    # day 91 → 31 February
    with pytest.raises(IdentifierError, match="not a valid date"):
        parse_party_id(with_luhn("900291239"), today=TODAY)


def test_the_samordningsnummer_century_uses_the_real_birth_day() -> None:
    # 121272 → born 2012-12-12 (day 72 - 60)
    number = with_luhn("121272121")
    assert parse_party_id(number, today=TODAY).number == "20" + number


@pytest.mark.parametrize(
    "text",
    ["556036-0793", "5560360793", "165560360793", "16556036-0793", "16 556036-0793"],
)
def test_an_organisationsnummer_parses_in_ten_and_sixteen_prefixed_forms(text: str) -> None:
    party = parse_party_id(text, today=TODAY)
    assert party == PartyId(PartyKind.ORGANISATION, "5560360793")
    assert not party.is_person
    assert party.display == "556036-0793"


def test_a_personnummer_passes_stdnums_orgnr_check_but_is_a_person_here() -> None:
    assert stdnum_orgnr.is_valid("1212121212")  # why we classify before validating
    assert parse_party_id("121212-1212", today=TODAY).kind is PartyKind.PERSON
    with pytest.raises(IdentifierError, match="not an organisation number"):
        parse_orgnr("121212-1212")


@pytest.mark.parametrize("text", ["556036-0793", "5560360793", "165560360793", "202100-5489"])
def test_parse_orgnr_returns_ten_digits(text: str) -> None:
    assert parse_orgnr(text) == text.replace("-", "").removeprefix("16")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("556036-0794", "check digit is wrong"),
        ("195560360793", "12 digits must start with 16"),
        ("556036+0793", "'\\+' does not belong"),
        ("55603607", "must be 10 or 12 digits"),
        ("", "empty"),
    ],
)
def test_parse_orgnr_refuses_what_is_not_an_orgnr(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        parse_orgnr(text)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("121212-1213", "check digit is wrong"),
        ("191212121213", "check digit is wrong"),
        ("556036-0794", "check digit is wrong"),
        ("12345", "must be 10 or 12 digits"),
        ("12121212121", "must be 10 or 12 digits"),
        ("1212121212121", "must be 10 or 12 digits"),
        ("", "empty"),
        ("   ", "empty"),
        ("12121x-1212", "digits only"),
        ("12-1212-1212", "separator in the wrong place"),
        ("121212--1212", "separator in the wrong place"),
        ("991332-1234", "not a valid date"),
        ("990230-1234", "not a valid date"),
        ("211212121212", "not a valid date"),  # no 2100s yet
        ("19121212+1212", "'\\+' only belongs in the 10-digit form"),
        ("166512121212", "16-prefixed number is not an organisation number"),
        ("556036+0793", "'\\+' does not belong in an organisation number"),
        ("1" * 41, "too long"),
    ],
)
def test_parse_party_id_gives_a_short_specific_reason(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        parse_party_id(text, today=TODAY)


def test_a_birth_date_after_today_is_refused() -> None:
    number = "2030" + with_luhn("301212123")[2:]  # 2030-12-12
    with pytest.raises(IdentifierError, match="birth date is in the future"):
        parse_party_id(number, today=TODAY)


@given(
    st.dates(min_value=date(1926, 1, 16), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)
def test_a_ten_digit_personnummer_of_someone_under_100_round_trips(born: date, serial: int) -> None:
    ten = with_luhn(f"{born:%y%m%d}{serial:03d}")
    party = parse_party_id(f"{ten[:6]}-{ten[6:]}", today=TODAY)
    assert party.number == f"{born:%Y}{ten[2:]}"
    assert party.kind is PartyKind.PERSON
    assert parse_party_id(party.display, today=TODAY) == party
    assert parse_party_id(party.number, today=TODAY) == party


@given(
    st.dates(min_value=date(1830, 1, 1), max_value=date(1926, 12, 31)),
    st.integers(min_value=0, max_value=999),
)
def test_a_plus_personnummer_of_someone_turning_100_or_older_round_trips(
    born: date, serial: int
) -> None:
    ten = with_luhn(f"{born:%y%m%d}{serial:03d}")
    party = parse_party_id(f"{ten[:6]}+{ten[6:]}", today=TODAY)
    assert party.number == f"{born:%Y}{ten[2:]}"


@given(st.dates(min_value=date(1926, 1, 16), max_value=TODAY - timedelta(days=1)))
def test_a_samordningsnummer_round_trips_through_its_display_form(born: date) -> None:
    ten = with_luhn(f"{born:%y%m}{born.day + 60:02d}123")
    party = parse_party_id(ten, today=TODAY)
    assert party.kind is PartyKind.COORDINATION
    assert parse_party_id(party.display, today=TODAY) == party


# --- bankgiro, plusgiro, postnummer ------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("5050-1055", "50501055"),  # Bankgirot's own example number
        ("50501055", "50501055"),
        (" 5050 1055 ", "50501055"),
        ("123-4566", "1234566"),
    ],
)
def test_validate_bankgiro_returns_the_digits(text: str, digits: str) -> None:
    assert validate_bankgiro(text) == digits


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("5050-1056", "check digit is wrong"),
        ("12345", "must be 7 or 8 digits"),
        ("123456789", "must be 7 or 8 digits"),
        ("5050-105x", "digits only"),
        ("", "empty"),
    ],
)
def test_validate_bankgiro_refuses_bad_numbers(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_bankgiro(text)


def test_format_bankgiro_puts_the_dash_before_the_last_four_digits() -> None:
    assert format_bankgiro("50501055") == "5050-1055"
    assert format_bankgiro("1234566") == "123-4566"
    with pytest.raises(IdentifierError):
        format_bankgiro("123")


@pytest.mark.parametrize(
    ("text", "digits"), [("902001-7", "9020017"), ("90 20 01-7", "9020017"), ("18", "18")]
)
def test_validate_plusgiro_returns_the_digits(text: str, digits: str) -> None:
    assert validate_plusgiro(text) == digits


@pytest.mark.parametrize(
    ("text", "message"),
    [("902001-8", "check digit is wrong"), ("1", "must be 2 to 8 digits"), ("1" * 9, "2 to 8")],
)
def test_validate_plusgiro_refuses_bad_numbers(text: str, message: str) -> None:
    with pytest.raises(IdentifierError, match=message):
        validate_plusgiro(text)


def test_format_plusgiro_puts_the_check_digit_after_a_dash() -> None:
    assert format_plusgiro("9020017") == "902001-7"


@pytest.mark.parametrize(
    ("text", "code"), [("123 45", "12345"), ("12345", "12345"), ("SE-114 18", "11418")]
)
def test_normalise_postal_code_returns_five_digits(text: str, code: str) -> None:
    assert normalise_postal_code(text) == code


@pytest.mark.parametrize("text", ["1234", "123456", "01234", "12a45", ""])
def test_normalise_postal_code_refuses_what_is_not_a_postnummer(text: str) -> None:
    with pytest.raises(IdentifierError, match="5 digits"):
        normalise_postal_code(text)
