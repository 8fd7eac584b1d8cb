"""Free text typed by a person (reasons, notes, names in forms): no control characters.

A NUL byte is refused by PostgreSQL (an internal error before this check) and other control
characters would reach letters and exports unseen. TAB and line breaks are ordinary text.
"""

from __future__ import annotations

import re

from fordra.core.errors import ApplicationError

CONTROL_CHARACTER = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")


def has_control_character(text: str) -> bool:
    return CONTROL_CHARACTER.search(text) is not None


def text_checked(text: str, *, what: str) -> str:
    """``text`` unchanged, or ApplicationError naming ``what`` when it holds a control character."""
    found = CONTROL_CHARACTER.search(text)
    if found:
        raise ApplicationError(f"{what} contains a control character (U+{ord(found.group()):04X})")
    return text
