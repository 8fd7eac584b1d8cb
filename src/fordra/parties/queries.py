"""Raw reads of the parties tables that other apps need (the SQL seam, docs/architecture.md).

Plain functions over plain rows, set-based, keyword-only, the same statements the callers used
to run.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db import connection

from fordra.core.bulk import query_in

Row = tuple[Any, ...]


def creditor_pricing_models(*, creditor_ids: Sequence[int]) -> list[Row]:
    """(creditor id, pricing model)."""
    return query_in(
        "SELECT id, pricing_model FROM parties_creditor WHERE id IN ({in})", values=creditor_ids
    )


def creditor_stage_rules() -> list[Row]:
    """(creditor id, template, stage rules as stored: JSON text on SQLite, a dict on
    PostgreSQL) of every creditor."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, template, stage_rules FROM parties_creditor")
        return cursor.fetchall()


def debtor_flags(*, debtor_ids: Sequence[int]) -> list[Row]:
    """(debtor id, debtor type, protected identity, deceased, debt relief)."""
    return query_in(
        "SELECT id, debtor_type, protected_identity, deceased, debt_relief FROM parties_debtor "
        "WHERE id IN ({in})",
        values=debtor_ids,
    )
