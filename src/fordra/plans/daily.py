"""The plans' part of the daily run: installments due, late, broken or paid off."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime


def plans_daily(*, run_date: date, now: datetime) -> Counter[str]:
    """Check every plan in force on ``run_date``; returns counts by what happened."""
    return Counter()
