"""Raw reads of the surveillance tables joined with the cases they watch (the SQL seam).

A statement joining ``claims_case`` lives here: surveillance already depends on claims
(tests/unit/test_sql_seams.py). Plain functions over plain rows, the same statements as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from fordra.core.bulk import query_in

Row = tuple[Any, ...]


def cases_last_scored(*, state: str) -> list[Row]:
    """(case id, creditor id, last scored-on text or None) of the cases in ``state``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.creditor_id, CAST(MAX(s.scored_on) AS TEXT) FROM claims_case c "
            "LEFT JOIN surveillance_score s ON s.case_id = c.id WHERE c.state = %s "
            "GROUP BY c.id, c.creditor_id",
            [state],
        )
        return cursor.fetchall()


def cases_last_scored_of(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, creditor id, last scored-on text or None) of these cases."""
    return query_in(
        "SELECT c.id, c.creditor_id, CAST(MAX(s.scored_on) AS TEXT) FROM claims_case c "
        "LEFT JOIN surveillance_score s ON s.case_id = c.id WHERE c.id IN ({in}) "
        "GROUP BY c.id, c.creditor_id",
        values=case_ids,
    )
