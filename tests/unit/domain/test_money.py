from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain.money import AmountError, format_amount, parse_amount, round_half_up

ORE_MAX = 10**14  # a thousand billion kronor: beyond any claim


@pytest.mark.parametrize(
    ("text", "ore"),
    [
        ("1234.50", 123450),
        ("1234,50", 123450),
        ("1 234,50", 123450),
        ("1234", 123400),
        ("1234,5", 123450),  # one decimal means tenths: 50 öre
        ("1\u00a0234,50", 123450),  # no-break space
        ("1\u202f234,50", 123450),  # narrow no-break space
        ("1 234 567,89", 123456789),
        ("1 234.50", 123450),
        ("-1 234,50", -123450),
        ("-0,05", -5),
        ("0,05", 5),
        ("0", 0),
        ("  12,5  ", 1250),
        ("1 234,50 kr", 123450),
        ("99kr", 9900),
    ],
)
def test_parse_amount_accepts_the_ways_swedes_write_kronor(text: str, ore: int) -> None:
    assert parse_amount(text) == ore


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty amount"),
        ("   ", "empty amount"),
        ("12,345", "more than two decimals"),
        ("1.234", "more than two decimals"),  # a dot as thousands separator is not accepted
        ("1.234,50", "mixed decimal separators"),
        ("1,234.50", "mixed decimal separators"),
        ("abc", "not a number"),
        ("12a", "not a number"),
        ("+12", "not a number"),
        ("-", "not a number"),
        ("kr", "not a number"),
        ("١٢٣", "not a number"),  # Arabic-Indic digits are digits to Python, not to us
        ("1,2,3", "more than one decimal separator"),
        (",50", "digits missing around the decimal separator"),
        ("12,", "digits missing around the decimal separator"),
        ("1 23,00", "misplaced thousands separator"),
        ("1234 567", "misplaced thousands separator"),
        ("1" * 41, "longer than 40 characters"),
    ],
)
def test_parse_amount_rejects_junk_with_a_short_reason(text: str, message: str) -> None:
    with pytest.raises(AmountError, match=message):
        parse_amount(text)


@pytest.mark.parametrize(
    ("ore", "text"),
    [
        (0, "0,00 kr"),
        (5, "0,05 kr"),
        (100, "1,00 kr"),
        (123450, "1 234,50 kr"),
        (100_000_000, "1 000 000,00 kr"),
        (-5, "-0,05 kr"),
        (-123450, "-1 234,50 kr"),
        (1, "0,01 kr"),
        (99, "0,99 kr"),
        (-1, "-0,01 kr"),  # a 1-öre credit keeps its minus although it has no whole krona
        (-99, "-0,99 kr"),
        (-100, "-1,00 kr"),
        (-101, "-1,01 kr"),
        (-100_000, "-1 000,00 kr"),
    ],
)
def test_format_amount_prints_swedish_kronor(ore: int, text: str) -> None:
    assert format_amount(ore) == text


def test_an_amount_text_of_exactly_40_characters_is_still_read() -> None:
    # the limit is on longer texts; 37 digits, a comma and two decimals make 40 characters
    text = "1" * 37 + ",50"
    assert len(text) == 40
    assert parse_amount(text) == int("1" * 37) * 100 + 50


@given(st.integers(min_value=-ORE_MAX, max_value=ORE_MAX))
def test_a_formatted_amount_parses_back_to_the_same_ore(ore: int) -> None:
    text = format_amount(ore)
    assert parse_amount(text) == ore
    assert parse_amount(text.removesuffix(" kr")) == ore


@given(
    st.integers(min_value=0, max_value=10**9),
    st.integers(min_value=0, max_value=99),
    st.sampled_from([",", "."]),
)
def test_plain_kronor_and_ore_text_parses_exactly(kronor: int, ore: int, separator: str) -> None:
    assert parse_amount(f"{kronor}{separator}{ore:02d}") == kronor * 100 + ore


@given(st.text(max_size=60))
def test_parse_amount_raises_nothing_but_amount_error_on_junk(text: str) -> None:
    try:
        ore = parse_amount(text)
    except AmountError:
        return
    assert isinstance(ore, int)


@pytest.mark.parametrize(
    ("value", "ore"),
    [
        ("0.5", 1),
        ("1.5", 2),
        ("2.5", 3),  # half up, not to even
        ("-0.5", -1),  # half away from zero
        ("-2.5", -3),
        ("2.4999", 2),
        ("2.5001", 3),
        ("-2.4999", -2),
        ("4315.068493150684931506849315", 4315),
        ("0", 0),
    ],
)
def test_round_half_up_rounds_halves_away_from_zero(value: str, ore: int) -> None:
    assert round_half_up(Decimal(value)) == ore


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_round_half_up_refuses_what_is_not_a_number(value: str) -> None:
    with pytest.raises(ValueError, match="cannot round"):
        round_half_up(Decimal(value))


def test_round_half_up_handles_amounts_beyond_the_default_decimal_precision() -> None:
    assert round_half_up(Decimal("1" * 40 + ".5")) == int("1" * 39 + "2")
