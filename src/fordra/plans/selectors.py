"""Reading plans: the plan in force on a case, for the case file and the web."""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.claims.models import Case


def plan_json(case: Case, *, as_of: date) -> dict[str, Any] | None:
    """The schedule in force (DESIGN.md §4.5 ``plan``), or ``None`` without a plan."""
    return None
