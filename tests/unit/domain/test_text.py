from __future__ import annotations

import doctest

from fordra.domain import text
from fordra.domain.text import control_character


def test_nul_escape_and_c1_characters_are_control_characters_but_tab_and_line_breaks_are_text() -> None:
    assert [control_character(c) for c in ("\x00", "\x1b", "\x7f", "\x85")] == ["\x00", "\x1b", "\x7f", "\x85"]
    assert control_character("Storgatan 1\tc/o Svensson\r\nÅbergsvägen") is None


def test_the_doctest_holds() -> None:
    assert doctest.testmod(text).failed == 0
