"""Kronofogden's part of the daily run: proposals after the demand, enforcement follow-up."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime


def kfm_daily(*, run_date: date, now: datetime) -> Counter[str]:
    """Decide or propose the next stage for cases handed over on/before ``run_date``."""
    return Counter()
