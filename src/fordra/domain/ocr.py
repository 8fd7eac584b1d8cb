"""OCR references (OCR-nummer) for Bankgirot payments.

An OCR reference is 2–25 digits; the last digit is a Luhn (modulus 10) check digit over all the
digits before it. Under Bankgirot's "hård kontroll med längdkontroll" (strict check with length
check) the second-to-last digit is the length digit: the reference's total length, check and
length digits included, modulo 10. Fordra creates its references that way: the case number, the
length digit, the check digit.

    >>> ocr_from_number(100000)   # 6 digits + length digit 8 + check digit
    '10000081'
    >>> validate_ocr("10000081")
    '10000081'
    >>> is_valid_ocr("10000082")
    False

Spaces are ignored when validating (a payer may type ``1000 0081``); any other non-digit is an
``OcrError`` (a ``ValueError``).
"""

from __future__ import annotations

from collections.abc import Iterable

from fordra.domain.identifiers import luhn_check_digit, luhn_is_valid

__all__ = [
    "OCR_DIGITS_MAX",
    "OCR_DIGITS_MIN",
    "OcrError",
    "is_valid_ocr",
    "ocr_from_number",
    "ocrs_from_numbers",
    "validate_ocr",
]

OCR_DIGITS_MIN = 2
OCR_DIGITS_MAX = 25
_OCR_TEXT_CHARS_MAX = 50
_SPACES = " \u00a0\u202f"


class OcrError(ValueError):
    """A text is not a valid OCR reference, or a number cannot become one."""


def ocr_from_number(number: int) -> str:
    """Digits of ``number`` + length digit ((len + 2) mod 10) + Luhn check digit."""
    if number < 0:
        raise OcrError("must not be negative")
    digits = str(number)
    if len(digits) + 2 > OCR_DIGITS_MAX:
        raise OcrError(f"an OCR reference has at most {OCR_DIGITS_MAX} digits")
    with_length = digits + str((len(digits) + 2) % 10)
    return with_length + luhn_check_digit(with_length)


def ocrs_from_numbers(numbers: Iterable[int]) -> list[str]:
    """``ocr_from_number`` of many numbers (an import opens up to millions of cases at once).

    The same references — number, length digit, Luhn digit; a test keeps the two in agreement —
    computed ten at a time: numbers that differ only in the last digit share the Luhn sum of all
    the other digits, so one ``luhn_check_digit`` per ten numbers gives it, and each number adds
    its own last digit (undoubled: third from the right once the length and check digits
    follow). Numbers ``ocr_from_number`` would refuse go to it.
    """
    out = []
    shared: dict[tuple[int, int], int] = {}
    for number in numbers:
        digits = str(number)
        if number < 10 or len(digits) + 2 > OCR_DIGITS_MAX:
            out.append(ocr_from_number(number))  # raises OcrError for the impossible ones
            continue
        length = (len(digits) + 2) % 10
        key = (number // 10, length)
        rest = shared.get(key)
        if rest is None:
            # The check digit that "<other digits>0<length>" would get, as a Luhn sum.
            rest = shared[key] = -int(luhn_check_digit(f"{digits[:-1]}0{length}")) % 10
        out.append(f"{digits}{length}{-(rest + number % 10) % 10}")
    return out


def validate_ocr(text: str, *, length_digit: bool = True) -> str:
    """An OCR reference → its digits; checks the Luhn digit and (by default) the length digit."""
    if len(text) > _OCR_TEXT_CHARS_MAX:
        raise OcrError("too long")
    digits = "".join(ch for ch in text if ch not in _SPACES)
    if not digits:
        raise OcrError("empty")
    if not (digits.isascii() and digits.isdigit()):
        raise OcrError("must contain digits only")
    if not OCR_DIGITS_MIN <= len(digits) <= OCR_DIGITS_MAX:
        raise OcrError(f"must be {OCR_DIGITS_MIN} to {OCR_DIGITS_MAX} digits")
    if not luhn_is_valid(digits):
        raise OcrError("check digit is wrong")
    if length_digit and int(digits[-2]) != len(digits) % 10:
        raise OcrError("length digit is wrong")
    return digits


def is_valid_ocr(text: str, *, length_digit: bool = True) -> bool:
    """``validate_ocr`` as a yes/no."""
    try:
        validate_ocr(text, length_digit=length_digit)
    except OcrError:
        return False
    return True
