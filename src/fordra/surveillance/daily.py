"""Efterbevakning and limitation in the daily run."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime


def limitation_refresh(
    *, today: date, now: datetime, case_ids: Iterable[int] | None = None
) -> Counter[str]:
    """Recompute ``Case.limitation_date`` and close or write off what is time-barred."""
    return Counter()


def surveillance_daily(*, run_date: date, now: datetime) -> Counter[str]:
    """Rescore surveillance cases that are due and schedule interrupting letters."""
    return Counter()
