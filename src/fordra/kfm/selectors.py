"""Reading the Kronofogden stage of a case, for the case file and the web."""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.claims.models import Case


def kfm_json(case: Case, *, as_of: date) -> dict[str, Any] | None:
    """Applications and outcomes at Kronofogden, or ``None`` when the case never got there."""
    return None
