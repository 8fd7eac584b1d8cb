"""The collection day with the payments that arrived for it — ``fordra run --date D --payments F``.

``day_run`` is the one service for "run this day": it refuses a day before the rules before any
payment is read, applies the day's payment files first (a case paid today gets no letter today)
and then makes the daily run (``fordra.collection.run.daily_run``). Each payment file is its
own all-or-nothing import and the run commits shard by shard (it is resumable), so the whole is
not one transaction; the order of the steps is the rule this function owns.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from fordra.collection.run import Progress, RunResult, daily_run, rules_in_force
from fordra.payments.intake import payments_import

__all__ = ["day_run"]


def _noop(stage: str, fraction: float) -> None:
    return None


def day_run(
    *,
    run_date: date,
    now: datetime,
    payment_files: Iterable[tuple[str, bytes]] = (),
    decide_only: bool = False,
    full: bool = False,
    progress: Progress = _noop,
) -> RunResult:
    """Apply ``payment_files`` (``(filename, data)`` pairs, read lazily: the first is read only
    after the day is known to have rules), then run the collection day ``run_date``."""
    rules_in_force(on=run_date)
    for filename, data in payment_files:
        payments_import(data=data, filename=filename, now=now)
    return daily_run(
        run_date=run_date, now=now, progress=progress, decide_only=decide_only, full=full
    )
