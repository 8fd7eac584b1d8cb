"""When the daily run looks at a case next: the one place that writes ``Case.next_check_on``.

The daily run reads only the cases due (``next_check_on`` empty or on/before the run date), so a
state change that forgets to ask for a fresh look leaves a case never looked at again (issue
12). Every action that changes what is due — a payment, a pause, a dispute, new invoices, a
plan, a Kronofogden outcome — calls :func:`cases_check_on` (``on=None``: the next run looks),
and the daily run stores the day its rule gives (``fordra.domain.ladder.next_check``, which
stays the one author of *which* day) through :func:`cases_check_on_each`.

Both are set-based: one UPDATE per chunk of cases, or one ``executemany`` for the run's
per-case days, with the rows shaped as plain tuples. A test (``tests/unit/
test_next_check_one_author.py``) fails when another module writes the column.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date

from django.db import connection

from fordra.claims.models import Case
from fordra.core.bulk import IN_CHUNK_PARAMS_MAX, chunks, memo_date_adapter


def cases_check_on(*, case_ids: Iterable[int], on: date | None = None) -> int:
    """Have the daily run look at the cases ``case_ids`` on ``on`` (None: at its next run).

    Returns how many cases changed. With ``on=None`` a case already waiting for the next run is
    left alone (no write).
    """
    ids = sorted(set(case_ids))
    changed = 0
    with connection.cursor() as cursor:
        for part in chunks(ids, IN_CHUNK_PARAMS_MAX):
            marks = ", ".join(["%s"] * len(part))
            if on is None:
                cursor.execute(
                    f"UPDATE claims_case SET next_check_on = NULL WHERE id IN ({marks}) "
                    "AND next_check_on IS NOT NULL",
                    part,
                )
            else:
                cursor.execute(
                    f"UPDATE claims_case SET next_check_on = %s WHERE id IN ({marks})",
                    [memo_date_adapter()(on), *part],
                )
            changed += max(cursor.rowcount, 0)
    return changed


def case_check_on(*, case_id: int, on: date | None = None) -> int:
    """:func:`cases_check_on` for one case."""
    return cases_check_on(case_ids=[case_id], on=on)


def creditors_cases_check_on(*, creditor_ids: Iterable[int]) -> int:
    """Have the next daily run look at every case of these creditors (their ladder or terms
    changed): one UPDATE, however many cases."""
    return Case.objects.filter(
        creditor_id__in=list(creditor_ids), next_check_on__isnull=False
    ).update(next_check_on=None)


def cases_check_on_each(rows: Sequence[tuple[date | None, int]]) -> None:
    """Store each case's own next look, ``(day, case_id)`` rows (the daily run's bulk path)."""
    day_sql = memo_date_adapter()
    with connection.cursor() as cursor:
        cursor.executemany(
            "UPDATE claims_case SET next_check_on = %s WHERE id = %s",
            [(None if day is None else day_sql(day), case_id) for day, case_id in rows],
        )
