import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain.ocr import OcrError, is_valid_ocr, ocr_from_number, validate_ocr

OCR_NUMBERS = st.integers(min_value=0, max_value=10**23 - 1)  # up to 23 digits + 2 = 25


def test_an_ocr_is_the_number_then_the_length_digit_then_the_luhn_digit() -> None:
    # 100000 has 6 digits; the OCR has 6 + 2 = 8, so the length digit is 8: "1000008".
    # Luhn over "1000008", doubling from the right: 8→16→1+6=7, 0, 0→0, 0, 0→0, 0, 1→2;
    # sum 9, check digit (10 - 9) mod 10 = 1.
    assert ocr_from_number(100000) == "10000081"


def test_the_length_digit_is_the_total_length_modulo_ten() -> None:
    # 8 digits + 2 = 10 → length digit 0
    assert ocr_from_number(12345678)[-2] == "0"
    assert len(ocr_from_number(10**23 - 1)) == 25
    assert ocr_from_number(10**23 - 1)[-2] == "5"


def test_the_smallest_ocr_is_three_digits() -> None:
    # "0" + length digit 3 + Luhn digit
    assert ocr_from_number(0) == "034"
    assert validate_ocr("034") == "034"


@pytest.mark.parametrize("number", [-1, 10**23])
def test_a_negative_or_too_long_number_cannot_become_an_ocr(number: int) -> None:
    with pytest.raises(OcrError):
        ocr_from_number(number)


def test_validate_ocr_ignores_spaces_a_payer_typed() -> None:
    assert validate_ocr(" 1000 0081 ") == "10000081"


def test_an_ocr_with_a_wrong_length_digit_passes_only_without_length_control() -> None:
    # "1000007" + Luhn digit 3: a valid Luhn number whose length digit (7) is not its length (8)
    assert validate_ocr("10000073", length_digit=False) == "10000073"
    with pytest.raises(OcrError, match="length digit is wrong"):
        validate_ocr("10000073")
    assert not is_valid_ocr("10000073")
    assert is_valid_ocr("10000073", length_digit=False)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("10000082", "check digit is wrong"),
        ("1", "must be 2 to 25 digits"),
        ("1" * 26, "must be 2 to 25 digits"),
        ("1000-0081", "digits only"),
        ("١٢٣", "digits only"),
        ("", "empty"),
        ("   ", "empty"),
        ("1" * 51, "too long"),
    ],
)
def test_validate_ocr_refuses_bad_references(text: str, message: str) -> None:
    with pytest.raises(OcrError, match=message):
        validate_ocr(text)
    assert not is_valid_ocr(text)


@given(OCR_NUMBERS)
def test_every_generated_ocr_validates(number: int) -> None:
    ocr = ocr_from_number(number)
    assert validate_ocr(ocr) == ocr
    assert ocr[:-2] == str(number)


@given(OCR_NUMBERS, st.data())
def test_any_single_digit_change_makes_an_ocr_invalid(number: int, data: st.DataObject) -> None:
    ocr = ocr_from_number(number)
    position = data.draw(st.integers(min_value=0, max_value=len(ocr) - 1))
    digit = data.draw(st.sampled_from([d for d in "0123456789" if d != ocr[position]]))
    changed = ocr[:position] + digit + ocr[position + 1 :]
    assert not is_valid_ocr(changed)
    assert not is_valid_ocr(changed, length_digit=False)  # the Luhn digit alone catches it


@given(st.text(max_size=60))
def test_validate_ocr_raises_nothing_but_ocr_error_on_junk(text: str) -> None:
    try:
        digits = validate_ocr(text)
    except OcrError:
        return
    assert digits.isdigit()
