"""Free text typed by a person (reasons, notes, names in forms): no control characters
(``fordra.domain.text`` says which)."""

from __future__ import annotations

from fordra.core.errors import ApplicationError
from fordra.domain.text import control_character


def has_control_character(text: str) -> bool:
    return control_character(text) is not None


def text_checked(text: str, *, what: str) -> str:
    """``text`` unchanged, or ApplicationError naming ``what`` when it holds a control character."""
    found = control_character(text)
    if found is not None:
        raise ApplicationError(f"{what} contains a control character (U+{ord(found):04X})")
    return text
