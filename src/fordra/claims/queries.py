"""Raw reads (and set-based updates) of the claims tables that other apps need.

The SQL seam of issue 12 (docs/architecture.md, "SQL seams"): another app never names a
``claims_*`` table in its own SQL; it calls one of these plain functions, which run the same
set-based statement it used to run and return plain rows (tuples), so nothing gets slower and
import-linter sees the dependency. A statement that joins ``parties_*`` tables lives here too:
claims already depends on parties (tests/unit/test_sql_seams.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from django.db import connection

from fordra.core.bulk import adapt, query_in

Row = tuple[Any, ...]


# --- cases ---------------------------------------------------------------------------------


def cases_by_ocr(*, ocrs: Sequence[str]) -> list[Row]:
    """(OCR, case id, state, creditor id) of the cases with these OCR references."""
    return query_in(
        "SELECT ocr, id, state, creditor_id FROM claims_case WHERE ocr IN ({in})",
        values=ocrs,
    )


def case_numbers(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, case number)."""
    return query_in("SELECT id, number FROM claims_case WHERE id IN ({in})", values=case_ids)


def case_numbers_by_invoice_number(*, invoice_numbers: Sequence[str]) -> list[Row]:
    """(invoice number, case number) of every invoice with one of these numbers."""
    return query_in(
        "SELECT i.invoice_number, c.number FROM claims_invoice i JOIN claims_case c "
        "ON c.id = i.case_id WHERE i.invoice_number IN ({in})",
        values=invoice_numbers,
    )


def open_case_numbers_by_debtor_name(*, names: Sequence[str]) -> list[Row]:
    """(lower-case debtor name, case number) of the open cases of debtors with these names."""
    return query_in(
        "SELECT LOWER(d.name), c.number FROM parties_debtor d JOIN claims_case c "
        "ON c.debtor_id = d.id WHERE LOWER(d.name) IN ({in}) AND c.state NOT LIKE 'closed%%'",
        values=names,
    )


def cases_awaiting_decision() -> list[int]:
    """Ids of the cases flagged for a stage decision, in order.

    The partial index case_awaiting_decision finds them without a scan of the portfolio (a bare
    boolean condition, as the index has it).
    """
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM claims_case WHERE awaiting_decision ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


def case_state_counts() -> dict[str, int]:
    """Number of cases per state, by state."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT state, COUNT(*) FROM claims_case GROUP BY state")
        return dict(sorted(cursor.fetchall()))


def cases_next_check_set(*, checks: Sequence[tuple[Any, int]]) -> None:
    """Set ``next_check_on`` per case: ``checks`` holds (adapted date, case id) pairs."""
    with connection.cursor() as cursor:
        cursor.executemany("UPDATE claims_case SET next_check_on = %s WHERE id = %s", checks)


# --- invoices, fees, allocations -----------------------------------------------------------


def invoices_by_number(*, creditor_id: int, invoice_numbers: Sequence[str]) -> list[Row]:
    """(creditor id, invoice number, amount, invoice date, due date, debtor national id, case
    number) of the creditor's invoices with these numbers."""
    return query_in(
        "SELECT i.creditor_id, i.invoice_number, i.amount_ore, i.invoice_date, i.due_date, "
        "d.national_id, c.number FROM claims_invoice i "
        "JOIN claims_case c ON c.id = i.case_id JOIN parties_debtor d ON d.id = c.debtor_id "
        "WHERE i.creditor_id = %s AND i.invoice_number IN ({in})",
        values=invoice_numbers,
        params=[creditor_id],
    )


def first_due_dates() -> list[Row]:
    """(case id, earliest due date of its invoices proper) for every case."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT case_id, MIN(due_date) FROM claims_invoice WHERE kind = 'invoice' "
            "GROUP BY case_id"
        )
        return cursor.fetchall()


def fees_charged_on(*, day: date) -> int:
    """The sum of the fees recorded on ``day``."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(amount_ore), 0) FROM claims_feerecord WHERE date = %s",
            [adapt(day)],
        )
        return int(cursor.fetchone()[0])


def unsettled_allocations(*, creditor_id: int, day: date) -> list[Row]:
    """(allocation id, case id, component, amount) of the money paid in on the creditor's
    cases up to ``day`` and not yet remitted."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT a.id, a.case_id, a.component, a.amount_ore FROM claims_allocation a "
            "JOIN claims_case c ON c.id = a.case_id WHERE c.creditor_id = %s "
            "AND a.settled_in = '' AND a.date <= %s AND a.money_in",
            [creditor_id, adapt(day)],
        )
        return cursor.fetchall()


