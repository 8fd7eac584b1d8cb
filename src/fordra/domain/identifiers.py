"""Swedish identifiers: personnummer, samordningsnummer, organisationsnummer, bankgiro, plusgiro,
postnummer.

Personnummer (personal identity number, folkbokföringslagen (1991:481) 18 §):
``YYMMDD-NNNC`` or ``YYYYMMDDNNNC``; ``C`` is a Luhn check digit over the ten digits
``YYMMDDNNN``. In the ten-digit form the separator is ``+`` from the year the person turns 100.
The century of a ten-digit number is inferred from ``today`` (an argument — the domain never
reads the clock): the most recent year whose birth date is not after ``today``; with ``+``, the
most recent year at least 100 years back. python-stdnum's ``get_birth_date`` would read the clock
for this, so the century is settled here, and the twelve-digit form is checked here as stdnum's
``personnummer.validate`` checks it (date and Luhn digit; property-tested against it).

Samordningsnummer (coordination number, folkbokföringslagen 18 a §): a personnummer whose day is
increased by 60 (``19900375-…`` is born 1990-03-15). stdnum rejects them, so the date (day − 60)
is checked here and the Luhn digit over the original ten digits.

Organisationsnummer (organisation number, lag (1974:174) om identitetsbeteckning för juridiska
personer m.fl.): ten digits ``NNNNNN-NNNC`` with a Luhn check digit; digits 3–4 are always 20 or
more, so an orgnr never looks like a birth date — that is how the two are told apart (stdnum's
``se.orgnr`` only checks the Luhn digit, so a personnummer passes it). The twelve-digit form is
``16`` + the orgnr. A sole trader (enskild näringsidkare) uses the owner's personnummer: that is
a PERSON here.

    >>> from datetime import date
    >>> parse_party_id("121212-1212", today=date(2026, 1, 1)).number
    '201212121212'
    >>> parse_party_id("121212+1212", today=date(2026, 1, 1)).display
    '19121212-1212'
    >>> parse_party_id("16 556036-0793", today=date(2026, 1, 1)).display
    '556036-0793'

Bankgiro: 7–8 digits with a Luhn check digit, written ``NNN-NNNN`` / ``NNNN-NNNN``. Plusgiro:
2–8 digits with a Luhn check digit, written with the check digit after a dash. Postnummer: five
digits, written ``NNN NN``.

The Luhn (modulus 10) digit is computed here — the one Luhn of the domain (OCR references use
it too) — rather than with ``stdnum.luhn``, which does the same sum one Python step per digit
(≈ 5× slower; intake checks ~100 000 numbers at a time); a property test keeps the two in
agreement.

Errors are ``IdentifierError`` (a ``ValueError``) with short English messages: "must be 10 or 12
digits", "not a valid date", "check digit is wrong", ….
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from stdnum.exceptions import (
    InvalidLength,
    ValidationError,
)
from stdnum.se import postnummer as stdnum_postnummer

__all__ = [
    "IdentifierError",
    "PartyId",
    "PartyKind",
    "format_bankgiro",
    "format_plusgiro",
    "luhn_check_digit",
    "luhn_is_valid",
    "normalise_postal_code",
    "parse_orgnr",
    "parse_party_id",
    "validate_bankgiro",
    "validate_plusgiro",
]

IDENTIFIER_TEXT_CHARS_MAX = 40
COORDINATION_DAY_OFFSET = 60
ORGANISATION_MIDDLE_MIN = 20  # digits 3–4 of an orgnr
ORGANISATION_CENTURY = "16"
PERSON_CENTURIES = ("18", "19", "20")
_SEPARATORS = "-+"
_SPACES = " \u00a0\u202f"


class IdentifierError(ValueError):
    """A text is not a valid identifier of the kind asked for."""


class PartyKind(StrEnum):
    PERSON = "personnummer"
    COORDINATION = "samordningsnummer"
    ORGANISATION = "organisationsnummer"


@dataclass(frozen=True)
class PartyId:
    """A validated party identifier.

    ``number`` is normalised: 12 digits ``YYYYMMDDNNNC`` for a person or coordination number,
    10 digits for an organisation.
    """

    kind: PartyKind
    number: str

    @property
    def is_person(self) -> bool:
        return self.kind in (PartyKind.PERSON, PartyKind.COORDINATION)

    @property
    def display(self) -> str:
        """``YYYYMMDD-NNNC`` for persons, ``NNNNNN-NNNC`` for organisations."""
        return f"{self.number[:-4]}-{self.number[-4:]}"


def parse_party_id(text: str, *, today: date) -> PartyId:
    """Any common form of a personnummer, samordningsnummer or organisationsnummer.

    10 or 12 digits, with or without ``-``/``+``/spaces; ``16`` + orgnr is the 12-digit orgnr.
    ``today`` settles the century of a 10-digit personnummer.
    """
    digits, separator = _split(text)
    if len(digits) == 12:
        if separator == "+":
            raise IdentifierError("'+' only belongs in the 10-digit form")
        century, rest = digits[:2], digits[2:]
        if century == ORGANISATION_CENTURY:
            if not _looks_like_organisation(rest):
                raise IdentifierError("16-prefixed number is not an organisation number")
            return PartyId(PartyKind.ORGANISATION, _validated_orgnr(rest))
        if century not in PERSON_CENTURIES:
            raise IdentifierError("not a valid date")
        return _person(digits, today=today)
    if _looks_like_organisation(digits):
        if separator == "+":
            raise IdentifierError("'+' does not belong in an organisation number")
        return PartyId(PartyKind.ORGANISATION, _validated_orgnr(digits))
    year = _birth_year(digits, plus=separator == "+", today=today)
    return _person(f"{year:04d}{digits[2:]}", today=today)


def parse_orgnr(text: str) -> str:
    """An organisationsnummer (10 digits, or ``16`` + 10 digits) → its 10 digits."""
    digits, separator = _split(text)
    if len(digits) == 12:
        if digits[:2] != ORGANISATION_CENTURY:
            raise IdentifierError("not an organisation number (12 digits must start with 16)")
        digits = digits[2:]
    if separator == "+":
        raise IdentifierError("'+' does not belong in an organisation number")
    if not _looks_like_organisation(digits):
        raise IdentifierError("not an organisation number (digits 3-4 are below 20)")
    return _validated_orgnr(digits)


def validate_bankgiro(text: str) -> str:
    """A bankgiro number (7–8 digits, Luhn) → its digits."""
    digits = _compact_digits(text)
    if not 7 <= len(digits) <= 8:
        raise IdentifierError("must be 7 or 8 digits")
    _check_luhn(digits)
    return digits


def validate_plusgiro(text: str) -> str:
    """A plusgiro number (2–8 digits, Luhn) → its digits."""
    digits = _compact_digits(text)
    if not 2 <= len(digits) <= 8:
        raise IdentifierError("must be 2 to 8 digits")
    _check_luhn(digits)
    return digits


def luhn_check_digit(digits: str) -> str:
    """The Luhn check digit to append to ``digits`` (ASCII digits, at least one).

    >>> luhn_check_digit("1000008")
    '1'
    """
    if not _is_ascii_digits(digits):
        raise IdentifierError("must contain digits only")
    return str(-_luhn_sum(digits + "0") % 10)


def luhn_is_valid(digits: str) -> bool:
    """Whether ASCII digits (at least one) end in a correct Luhn check digit."""
    if not _is_ascii_digits(digits):
        raise IdentifierError("must contain digits only")
    return _luhn_sum(digits) % 10 == 0


def format_bankgiro(digits: str) -> str:
    """``"50501055"`` → ``"5050-1055"``; ``"1234566"`` → ``"123-4566"``."""
    if not (_is_ascii_digits(digits) and 7 <= len(digits) <= 8):
        raise IdentifierError("must be 7 or 8 digits")
    return f"{digits[:-4]}-{digits[-4:]}"


def format_plusgiro(digits: str) -> str:
    """``"9020017"`` → ``"902001-7"`` (the check digit after a dash)."""
    if not (_is_ascii_digits(digits) and 2 <= len(digits) <= 8):
        raise IdentifierError("must be 2 to 8 digits")
    return f"{digits[:-1]}-{digits[-1]}"


def normalise_postal_code(text: str) -> str:
    """A Swedish postnummer → 5 digits (``"123 45"`` → ``"12345"``, ``"SE-123 45"`` too)."""
    if len(text) > IDENTIFIER_TEXT_CHARS_MAX:
        raise IdentifierError("too long")
    try:
        number: str = stdnum_postnummer.validate(_without_spaces(text))
    except InvalidLength as exc:
        raise IdentifierError("must be 5 digits") from exc
    except ValidationError as exc:
        raise IdentifierError("must be 5 digits, not starting with 0") from exc
    return number


# --- helpers -------------------------------------------------------------------------------


def _is_ascii_digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


_DROP_SPACES = str.maketrans("", "", "".join(_SPACES))


def _without_spaces(text: str) -> str:
    return text.translate(_DROP_SPACES)


def _compact_digits(text: str) -> str:
    """Digits of a giro number written with spaces or dashes."""
    if len(text) > IDENTIFIER_TEXT_CHARS_MAX:
        raise IdentifierError("too long")
    digits = _without_spaces(text.strip()).replace("-", "")
    if not digits:
        raise IdentifierError("empty")
    if not _is_ascii_digits(digits):
        raise IdentifierError("must contain digits only")
    return digits


def _split(text: str) -> tuple[str, str]:
    """A party identifier's text → (its digits, its separator ``-``/``+``/``""``).

    One separator at most, and only right before the last four digits.
    """
    if len(text) > IDENTIFIER_TEXT_CHARS_MAX:
        raise IdentifierError("too long")
    compact = text.strip().translate(_DROP_SPACES)
    if not compact:
        raise IdentifierError("empty")
    separator = ""
    if len(compact) > 4 and compact[-5] in _SEPARATORS:
        separator = compact[-5]
        compact = compact[:-5] + compact[-4:]
    if not (compact.isascii() and compact.isdigit()):
        if "-" in compact or "+" in compact:
            raise IdentifierError("separator in the wrong place")
        raise IdentifierError("must contain digits only")
    if len(compact) not in (10, 12):
        raise IdentifierError("must be 10 or 12 digits")
    return compact, separator


def _looks_like_organisation(ten_digits: str) -> bool:
    return int(ten_digits[2:4]) >= ORGANISATION_MIDDLE_MIN


def _validated_orgnr(ten_digits: str) -> str:
    # Length and digits are checked by the caller; stdnum's orgnr.validate is exactly the Luhn
    # check over the 10 digits (DOMAIN.md §13), called directly for speed.
    _check_luhn(ten_digits)
    return ten_digits


# A digit in an even position from the right (the check digit being position 1) is doubled and
# its digits added: 0→0, 1→2, …, 5→1 (10), …, 9→9 (18).
_LUHN_DOUBLED = str.maketrans("0123456789", "0246813579")
_ZERO = ord("0")


def _luhn_sum(digits: str) -> int:
    """The Luhn sum of ASCII digits (the caller has checked them); valid when it ends in 0.

    Modulo 10 it is ``stdnum.luhn.checksum`` (a property test keeps the two in agreement), but
    it is computed by C loops — ``str.translate`` and ``sum`` over the bytes — instead of a
    Python step per digit: 5× faster, and intake checks ~100 000 numbers at a time.
    """
    kept = digits[-1::-2].encode("ascii")
    doubled = digits[-2::-2].translate(_LUHN_DOUBLED).encode("ascii")
    return sum(kept) + sum(doubled) - _ZERO * len(digits)


def _check_luhn(digits: str) -> None:
    if _luhn_sum(digits) % 10:
        raise IdentifierError("check digit is wrong")


def _real_day(day: int) -> int:
    """The day of birth: a samordningsnummer's day less 60."""
    return day - COORDINATION_DAY_OFFSET if day > COORDINATION_DAY_OFFSET else day


def _birth_year(ten_digits: str, *, plus: bool, today: date) -> int:
    """The four-digit birth year of a 10-digit personnummer/samordningsnummer as of ``today``.

    Without ``+``: the most recent year ending in YY whose birth date is not after ``today``
    (born in the last 100 years). With ``+``: the most recent year ending in YY at least 100
    years before ``today``'s year (the ``+`` is used from the year the person turns 100).
    """
    yy, month, day = int(ten_digits[0:2]), int(ten_digits[2:4]), _real_day(int(ten_digits[4:6]))
    if plus:
        latest = today.year - 100
        return latest - (latest - yy) % 100
    year = today.year - (today.year - yy) % 100
    if (month, day) > (today.month, today.day) and year == today.year:
        year -= 100
    return year


def _person(twelve_digits: str, *, today: date) -> PartyId:
    """Validate a 12-digit personnummer or samordningsnummer.

    Written flat (no helper calls): intake validates ~100 000 numbers at a time.
    """
    day = int(twelve_digits[6:8])
    coordination = day > COORDINATION_DAY_OFFSET
    try:
        born = date(
            int(twelve_digits[0:4]),
            int(twelve_digits[4:6]),
            day - COORDINATION_DAY_OFFSET if coordination else day,
        )
    except ValueError as exc:
        raise IdentifierError("not a valid date") from exc
    if born > today:
        raise IdentifierError("birth date is in the future")
    # The date is checked above; what stdnum's personnummer.validate would add is its Luhn check
    # over the 10-digit form, which we do directly: intake validates ~100 000 ids at a time and
    # the full validate (compact, clean, re-parse the date) costs 3× as much.
    if _luhn_sum(twelve_digits[2:]) % 10:
        raise IdentifierError("check digit is wrong")
    return PartyId(_COORDINATION if coordination else _PERSON, twelve_digits)


_PERSON = PartyKind.PERSON
_COORDINATION = PartyKind.COORDINATION
