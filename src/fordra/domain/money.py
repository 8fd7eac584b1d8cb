"""Money (belopp): integer öre, Swedish kronor text, and the one rounding rule.

Every amount in Fordra is an ``int`` number of öre (1 krona = 100 öre); floats never hold
money. This module is the only place that turns text into öre, öre into text, or a
fractional (``Decimal``) number of öre into whole öre.

Parsing (``parse_amount``) accepts what Swedish users and spreadsheets write::

    >>> parse_amount("1234.50"), parse_amount("1234,50"), parse_amount("1 234,50")
    (123450, 123450, 123450)
    >>> parse_amount("1234"), parse_amount("1234,5"), parse_amount("-12,05")
    (123400, 123450, -1205)

Thousands may be separated by a space, a no-break space (U+00A0) or a narrow no-break space
(U+202F), in groups of three. A trailing unit ``kr`` is accepted, so that what
``format_amount`` prints parses back. More than two decimals, an empty text, letters, a
misplaced thousands separator and ``1.234,50``-style mixed separators are an ``AmountError``
(a ``ValueError``) with a short English message.

Formatting (``format_amount``) prints the Swedish way, with a plain space between thousands::

    >>> format_amount(123450), format_amount(-5), format_amount(0)
    ('1 234,50 kr', '-0,05 kr', '0,00 kr')

Rounding (``round_half_up``): a ``Decimal`` number of öre to whole öre, half away from zero —
the rounding used for interest (räntelagen (1975:635); see ``fordra.domain.interest``)::

    >>> from decimal import Decimal
    >>> round_half_up(Decimal("4315.5")), round_half_up(Decimal("-0.5")), round_half_up(Decimal("2.49"))
    (4316, -1, 2)
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "AMOUNT_TEXT_CHARS_MAX",
    "AmountError",
    "format_amount",
    "parse_amount",
    "round_half_up",
]

# Longer texts are refused before any parsing ("put a limit on everything").
AMOUNT_TEXT_CHARS_MAX = 40

_THOUSANDS_SEPARATORS = " \u00a0\u202f"
_AMOUNT = re.compile(
    r"""
    (?P<sign>-)?
    (?P<kronor>[0-9]{1,3}(?:[ \u00a0\u202f][0-9]{3})+|[0-9]+)
    (?:[.,](?P<ore>[0-9]{1,2}))?
    (?:[ \u00a0\u202f]?kr)?
    """,
    re.VERBOSE,
)


class AmountError(ValueError):
    """A text is not an amount of kronor."""


def parse_amount(text: str) -> int:
    """Kronor text → öre, e.g. ``"1 234,50"`` → ``123450``. Raises ``AmountError``."""
    stripped = text.strip()
    if not stripped:
        raise AmountError("empty amount")
    if len(stripped) > AMOUNT_TEXT_CHARS_MAX:
        raise AmountError(f"longer than {AMOUNT_TEXT_CHARS_MAX} characters")
    if stripped.isascii():
        # The plain forms most files use — ``1234``, ``1234,50``, ``1234.5`` — without the
        # regular expression (a claims file has ~100 000 amounts); the same öre it gives.
        if stripped.isdigit():
            return int(stripped) * 100
        if len(stripped) > 2 and stripped[-2] in ".,":
            whole, cents = stripped[:-2], stripped[-1:]
            if whole.isdigit() and cents.isdigit():
                return int(whole) * 100 + int(cents) * 10
        elif len(stripped) > 3 and stripped[-3] in ".,":
            whole, cents = stripped[:-3], stripped[-2:]
            if whole.isdigit() and cents.isdigit():
                return int(whole) * 100 + int(cents)
    match = _AMOUNT.fullmatch(stripped)
    if match is not None:
        kronor = int("".join(ch for ch in match["kronor"] if ch not in _THOUSANDS_SEPARATORS))
        ore = int((match["ore"] or "0").ljust(2, "0"))
        value = kronor * 100 + ore
        return -value if match["sign"] else value
    raise AmountError(_why_not_an_amount(stripped))


def _why_not_an_amount(text: str) -> str:
    """The most specific reason ``text`` (stripped, not empty) is not an amount."""
    body = text.removesuffix("kr").rstrip(_THOUSANDS_SEPARATORS).removeprefix("-")
    if not any(ch in "0123456789" for ch in body):
        return "not a number"
    if "." in body and "," in body:
        return "mixed decimal separators"
    if any(
        not (ch.isascii() and ch.isdigit()) and ch not in ".," + _THOUSANDS_SEPARATORS
        for ch in body
    ):
        return "not a number"
    if body.count(".") + body.count(",") > 1:
        return "more than one decimal separator"
    kronor, separator, ore = body.replace(",", ".").partition(".")
    if separator and len(ore) > 2 and ore.isdigit():
        return "more than two decimals"
    if separator and (not kronor or not ore):
        return "digits missing around the decimal separator"
    return "misplaced thousands separator"


def format_amount(ore: int) -> str:
    """Öre → Swedish text: ``123450`` → ``"1 234,50 kr"``; negative with a leading ``-``."""
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    return f"{sign}{kronor:,}".replace(",", " ") + f",{rest:02d} kr"


def round_half_up(value: Decimal) -> int:
    """A ``Decimal`` number of öre → whole öre, halves away from zero (2.5 → 3, -2.5 → -3)."""
    if not value.is_finite():
        raise ValueError(f"cannot round {value} to öre")
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))
