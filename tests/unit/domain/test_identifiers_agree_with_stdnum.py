"""Our fast path for personnummer and orgnr must agree with python-stdnum's own validators."""

from __future__ import annotations

from datetime import date

from hypothesis import given
from hypothesis import strategies as st
from stdnum import luhn as stdnum_luhn
from stdnum.se import orgnr as stdnum_orgnr
from stdnum.se import personnummer as stdnum_personnummer

from fordra.domain.identifiers import (
    IdentifierError,
    PartyKind,
    luhn_check_digit,
    luhn_is_valid,
    parse_party_id,
    validate_bankgiro,
)

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


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_our_luhn_check_digit_agrees_with_stdnum(digits):
    assert luhn_check_digit(digits) == stdnum_luhn.calc_check_digit(digits)


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_our_luhn_validity_agrees_with_stdnum(digits):
    assert luhn_is_valid(digits) == stdnum_luhn.is_valid(digits)


@given(st.text(alphabet="0123456789", min_size=7, max_size=8))
def test_a_bankgiro_is_accepted_exactly_when_stdnum_luhn_accepts_it(digits):
    try:
        validate_bankgiro(digits)
    except IdentifierError:
        ours = False
    else:
        ours = True
    assert ours == stdnum_luhn.is_valid(digits)
