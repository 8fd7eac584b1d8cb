"""One robustness test over every parser: junk never crashes with anything but its own error."""

from collections.abc import Callable
from datetime import date

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fordra.domain.identifiers import (
    IdentifierError,
    PartyId,
    normalise_postal_code,
    parse_orgnr,
    parse_party_id,
    validate_bankgiro,
    validate_plusgiro,
)
from fordra.domain.money import AmountError, parse_amount
from fordra.domain.ocr import OcrError, validate_ocr

TODAY = date(2026, 1, 15)

PARSERS: list[tuple[str, Callable[[str], object], type[ValueError]]] = [
    ("parse_amount", parse_amount, AmountError),
    ("parse_party_id", lambda text: parse_party_id(text, today=TODAY), IdentifierError),
    ("parse_orgnr", parse_orgnr, IdentifierError),
    ("validate_bankgiro", validate_bankgiro, IdentifierError),
    ("validate_plusgiro", validate_plusgiro, IdentifierError),
    ("normalise_postal_code", normalise_postal_code, IdentifierError),
    ("validate_ocr", validate_ocr, OcrError),
]

# Text that looks almost right is where parsers break: digits, separators and odd spaces.
NEAR_MISSES = st.text(alphabet="0123456789 -+.,\u00a0\u202f\t\nkrSE١", max_size=30)


@pytest.mark.parametrize(("name", "parser", "error"), PARSERS, ids=[p[0] for p in PARSERS])
@given(text=st.one_of(st.text(max_size=60), NEAR_MISSES))
@example(text="")
@example(text="\x00")
@example(text="9" * 1000)
@example(text="-")
@example(text="+")
def test_junk_raises_only_the_parsers_own_error(
    name: str, parser: Callable[[str], object], error: type[ValueError], text: str
) -> None:
    try:
        result = parser(text)
    except error:
        return
    assert isinstance(result, int | str | PartyId), name
