"""Our fast path for personnummer and orgnr must agree with python-stdnum's own validators."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum.se import orgnr as stdnum_orgnr
from stdnum.se import personnummer as stdnum_personnummer

from fordra.domain.identifiers import IdentifierError, PartyKind, parse_party_id

TODAY = date(2026, 11, 23)


def _stdnum_accepts_person(twelve: str) -> bool:
    try:
        stdnum_personnummer.validate(f"{twelve[:8]}-{twelve[8:]}")
    except Exception:
        return False
    return True


@given(
    born=st.dates(min_value=date(1900, 1, 1), max_value=TODAY),
    serial=st.integers(min_value=0, max_value=9999),
)
def test_a_12_digit_personnummer_is_accepted_exactly_when_stdnum_accepts_it(born, serial):
    twelve = f"{born:%Y%m%d}{serial:04d}"
    try:
        ours = parse_party_id(twelve, today=TODAY)
    except IdentifierError:
        ours = None

    assert (ours is not None) == _stdnum_accepts_person(twelve)
    if ours is not None:
        assert ours.kind is PartyKind.PERSON and ours.number == twelve


@given(st.integers(min_value=0, max_value=99_999_999_9).map(lambda n: f"{n:010d}"))
def test_an_orgnr_is_accepted_exactly_when_stdnum_accepts_it(ten):
    if int(ten[2:4]) < 20:
        return  # a personnummer-shaped number: classified as a person, not an orgnr
    try:
        ours = parse_party_id(ten, today=TODAY)
    except IdentifierError:
        ours = None

    assert (ours is not None) == stdnum_orgnr.is_valid(ten)
