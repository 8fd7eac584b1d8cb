"""Reading limitation and surveillance for the case file and the web."""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.claims.models import Case


def limitation_json(case: Case, *, as_of: date) -> dict[str, Any] | None:
    """Per claim: period, interruptions with evidence, the day it becomes time-barred."""
    return None
