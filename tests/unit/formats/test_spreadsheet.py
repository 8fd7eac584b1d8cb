"""OWASP CSV injection: free text in Fordra's CSV files never runs as a formula."""

from __future__ import annotations

import doctest

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from fordra.formats import spreadsheet
from fordra.formats.spreadsheet import spreadsheet_text, spreadsheet_value


@pytest.mark.parametrize(
    "hostile",
    ['=HYPERLINK("http://evil.example","Klicka")', "+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
     "\t=1+1", "\r=1+1", "  =1+1"],
)
def test_a_value_a_spreadsheet_would_run_gets_a_leading_apostrophe(hostile: str) -> None:
    assert spreadsheet_text(hostile) == "'" + hostile


@given(st.text())
@example("'=1+1")
@example("'")
def test_the_text_itself_is_never_changed_only_prefixed(text: str) -> None:
    safe = spreadsheet_text(text)
    assert safe in (text, "'" + text)
    assert not safe.lstrip(" ").startswith(spreadsheet.FORMULA_STARTS)
    assert spreadsheet_value(safe) == text


def test_the_doctests_hold() -> None:
    assert doctest.testmod(spreadsheet).failed == 0
