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

from fordra.core.bulk import IN_CHUNK_PARAMS_MAX, adapt, chunks, query_ids, query_in

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


def letters_status_move(
    *, case_ids: Sequence[int], from_statuses: Sequence[str], to_status: str
) -> None:
    """Letters of the cases in one of ``from_statuses`` get ``to_status`` (one UPDATE per
    chunk of cases)."""
    marks = ", ".join(["%s"] * len(from_statuses))
    with connection.cursor() as cursor:
        for part in chunks(list(case_ids), IN_CHUNK_PARAMS_MAX - len(from_statuses) - 1):
            cases = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"UPDATE letters_letter SET status = %s WHERE status IN ({marks}) "
                f"AND case_id IN ({cases})",
                [to_status, *from_statuses, *part],
            )


def cases_with_letters_in_flight(*, case_ids: Sequence[int]) -> set[int]:
    """The cases among ``case_ids`` with a letter pending, rendered or handed over."""
    return {
        r[0]
        for r in query_in(
            "SELECT case_id FROM letters_letter WHERE case_id IN ({in}) AND status IN "
            "('pending', 'rendered', 'handed_over')",
            values=case_ids,
        )
    }


def interrupting_letters(*, case_ids: Sequence[int], kinds: Sequence[str], as_of: date) -> list[Row]:
    """(case id, letter id, kind, letter date text, status, channel, delivery id, delivery
    status, delivery channel, external id, sent-on text) of the letters of ``kinds`` sent or
    handed over up to ``as_of``, one row per delivery (delivery columns NULL without one)."""
    marks = ", ".join(f"'{k}'" for k in kinds)
    return query_ids(
        "SELECT l.case_id, l.id, l.kind, CAST(l.letter_date AS TEXT), l.status, l.channel, "
        "d.id, d.status, d.channel, d.external_id, CAST(d.sent_on AS TEXT) "
        "FROM letters_letter l "
        "LEFT JOIN letters_delivery d ON d.letter_id = l.id "
        f"WHERE l.case_id {{where}} AND l.kind IN ({marks}) "
        "AND l.status IN ('sent', 'handed_over') AND l.letter_date <= %s",
        ids=case_ids,
        after=[adapt(as_of)],
    )


def cases_with_deliveries_since(*, delivery_id: int) -> set[int]:
    """Cases with a letter delivery newer than ``delivery_id``."""
    with connection.cursor() as db:
        db.execute(
            "SELECT DISTINCT l.case_id FROM letters_delivery d "
            "JOIN letters_letter l ON l.id = d.letter_id WHERE d.id > %s",
            [delivery_id],
        )
        return {r[0] for r in db.fetchall()}


def delivery_high_mark() -> int:
    """The highest delivery id (0 when there is none)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM letters_delivery")
        return int(cursor.fetchone()[0] or 0)
