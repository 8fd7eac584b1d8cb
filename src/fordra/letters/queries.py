"""Raw reads of the letters tables that other apps need (the SQL seam, docs/architecture.md).

Plain functions over plain rows, set-based, keyword-only, the same statements the callers used
to run. A statement joining ``claims_case`` lives here: letters already depends on claims
(tests/unit/test_sql_seams.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import connection

from fordra.core.bulk import adapt, query_in

Row = tuple[Any, ...]


def letter_counts_by_debtor(*, day: date) -> list[Row]:
    """(debtor id, number of letters dated ``day`` on the debtor's cases)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.debtor_id, COUNT(*) FROM letters_letter l JOIN claims_case c "
            "ON c.id = l.case_id WHERE l.letter_date = %s GROUP BY c.debtor_id",
            [adapt(day)],
        )
        return cursor.fetchall()


def letter_counts_of_debtors(*, debtor_ids: Sequence[int], day: date) -> list[Row]:
    """(debtor id, number of letters dated ``day`` on its cases) for these debtors."""
    return query_in(
        "SELECT c.debtor_id, COUNT(*) FROM letters_letter l JOIN claims_case c ON c.id = l.case_id "
        "WHERE c.debtor_id IN ({in}) AND l.letter_date = %s GROUP BY c.debtor_id",
        values=debtor_ids,
        after=[adapt(day)],
    )


def first_letter_dates() -> list[Row]:
    """(case id, letter kind, date of the first letter of that kind) for every case."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_id, kind, MIN(letter_date) FROM letters_letter GROUP BY case_id, kind"
        )
        return cursor.fetchall()
