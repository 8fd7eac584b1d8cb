"""Text a person typed or a file carried: which characters are not text.

Control characters have no place in a name, an address or a reason: a NUL byte is refused by
PostgreSQL, and the others would reach letters and exports unseen. TAB and line breaks are
ordinary text (a spreadsheet's Alt+Enter in an address, a reason over several lines). Used by
the claims file (``formats.claims_csv``) and every form and command (``core.text``).

>>> control_character("Tolvan\\x00Tolvansson"), control_character("c/o Svensson\\nStorgatan 1")
('\\x00', None)
"""

from __future__ import annotations

import re
from typing import Final

CONTROL_CHARACTER: Final = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f]")


def control_character(text: str) -> str | None:
    """The first control character in ``text``, or None."""
    found = CONTROL_CHARACTER.search(text)
    return found.group() if found else None
