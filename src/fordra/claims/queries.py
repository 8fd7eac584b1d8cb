"""Raw reads (and set-based updates) of the claims tables that other apps need.

The SQL seam of issue 12 (docs/architecture.md, "SQL seams"): another app never names a
``claims_*`` table in its own SQL; it calls one of these plain functions, which run the same
set-based statement it used to run and return plain rows (tuples), so nothing gets slower and
import-linter sees the dependency. A statement that joins ``parties_*`` tables lives here too:
claims already depends on parties (tests/unit/test_sql_seams.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from django.db import connection

from fordra.core.bulk import adapt, chunks, query_ids, query_in

Row = tuple[Any, ...]

# Cases per UPDATE of their limitation dates.
IN_CHUNK = 900


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


def case_states(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, state, creditor id)."""
    return query_in(
        "SELECT id, state, creditor_id FROM claims_case WHERE id IN ({in})", values=case_ids
    )


def case_invoices(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, invoice id, number, kind, due date text, amount, agreed rate, written-off date
    text) of every invoice of the cases."""
    return query_in(
        "SELECT case_id, id, invoice_number, kind, CAST(due_date AS TEXT), amount_ore, "
        "interest_rate, CAST(written_off_on AS TEXT) FROM claims_invoice WHERE case_id IN ({in})",
        values=case_ids,
    )


def case_fees(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, invoice id, amount, date text) of every fee recorded on the cases."""
    return query_in(
        "SELECT case_id, invoice_id, amount_ore, CAST(date AS TEXT) FROM claims_feerecord "
        "WHERE case_id IN ({in})",
        values=case_ids,
    )


def case_allocations(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, invoice id, component, amount, date text) of every allocation on the cases."""
    return query_in(
        "SELECT case_id, invoice_id, component, amount_ore, CAST(date AS TEXT) "
        "FROM claims_allocation WHERE case_id IN ({in})",
        values=case_ids,
    )


# --- the daily run's shards (fordra.collection.snapshots) ----------------------------------
# A shard is a contiguous run of case ids: each table is read with one range scan over its case
# index when the shard is dense (rows of closed cases in the range are simply not looked at).


def open_cases(*, closed: Sequence[str], due_by: date | None) -> list[Row]:
    """(id, number, state, creditor id, debtor id, paused-until text, limitation date text,
    foreign partner) of the cases not in ``closed``, by id; with ``due_by`` only those whose
    next check is unset or on/before it."""
    marks = ", ".join(["%s"] * len(closed))
    due = "" if due_by is None else " AND (next_check_on IS NULL OR next_check_on <= %s)"
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, number, state, creditor_id, debtor_id, CAST(paused_until AS TEXT), "
            "CAST(limitation_date AS TEXT), foreign_partner "
            f"FROM claims_case WHERE state NOT IN ({marks}){due} ORDER BY id",
            [*closed] if due_by is None else [*closed, adapt(due_by)],
        )
        return cursor.fetchall()


def shard_invoices(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, invoice id, number, kind, due date text, amount, reminder fee agreed,
    written-off date text) of the shard's invoices (may include other cases in its range)."""
    return query_ids(
        "SELECT case_id, id, invoice_number, kind, CAST(due_date AS TEXT), amount_ore, "
        "reminder_fee_agreed, CAST(written_off_on AS TEXT) FROM claims_invoice "
        "WHERE case_id {where}",
        ids=case_ids,
        exact=False,
    )


def shard_fees(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, invoice id, kind, amount, covers, date text) of the shard's fee records (may
    include other cases in its range)."""
    return query_ids(
        "SELECT case_id, invoice_id, kind, amount_ore, covers, CAST(date AS TEXT) "
        "FROM claims_feerecord WHERE case_id {where}",
        ids=case_ids,
        exact=False,
    )


def shard_paid(*, case_ids: Sequence[int], as_of: date) -> list[Row]:
    """(case id, invoice id, component, sum paid up to ``as_of``) over the shard's allocations
    (may include other cases in its range)."""
    return query_ids(
        "SELECT case_id, invoice_id, component, SUM(amount_ore) FROM claims_allocation "
        "WHERE case_id {where} AND date <= %s GROUP BY case_id, invoice_id, component",
        ids=case_ids,
        after=[adapt(as_of)],
        exact=False,
    )


# --- limitation and scoring (fordra.surveillance) ------------------------------------------


def limitation_cases(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, number, creditor id, state, debtor type, limitation date text, limitation
    review, opened-on text)."""
    return query_ids(
        "SELECT c.id, c.number, c.creditor_id, c.state, d.debtor_type, "
        "CAST(c.limitation_date AS TEXT), c.limitation_review, CAST(c.opened_on AS TEXT) "
        "FROM claims_case c JOIN parties_debtor d ON d.id = c.debtor_id WHERE c.id {where}",
        ids=case_ids,
    )


def limitation_invoices(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, invoice id, number, kind, invoice date, due date, amount, limitation
    interrupted on, written off on, write-off reason, hand-over business date) — dates as
    text."""
    return query_ids(
        "SELECT i.case_id, i.id, i.invoice_number, i.kind, CAST(i.invoice_date AS TEXT), "
        "CAST(i.due_date AS TEXT), i.amount_ore, CAST(i.limitation_interrupted_on AS TEXT), "
        "CAST(i.written_off_on AS TEXT), i.write_off_reason, CAST(b.business_date AS TEXT) "
        "FROM claims_invoice i LEFT JOIN claims_importbatch b ON b.id = i.batch_id "
        "WHERE i.case_id {where}",
        ids=case_ids,
    )


def limitation_payments(*, case_ids: Sequence[int], as_of: date) -> list[Row]:
    """(case id, invoice id, payment reference, date text, component, sum) of the allocations
    up to ``as_of``."""
    return query_ids(
        "SELECT case_id, invoice_id, payment_ref, CAST(date AS TEXT), component, "
        "SUM(amount_ore) FROM claims_allocation WHERE case_id {where} AND date <= %s "
        "GROUP BY case_id, invoice_id, payment_ref, date, component",
        ids=case_ids,
        after=[adapt(as_of)],
    )


def case_events_of_kinds(*, case_ids: Sequence[int], kinds: Sequence[str], as_of: date) -> list[Row]:
    """(case id, event id, kind, date text, detail) of the events of ``kinds`` up to ``as_of``."""
    marks = ", ".join(f"'{k}'" for k in kinds)
    return query_ids(
        "SELECT case_id, id, kind, CAST(date AS TEXT), detail FROM claims_caseevent "
        f"WHERE case_id {{where}} AND kind IN ({marks}) AND date <= %s",
        ids=case_ids,
        after=[adapt(as_of)],
    )


def case_limitation_dates_set(*, dates: Mapping[date | None, Sequence[int]]) -> None:
    """Set ``limitation_date`` per group of cases: one UPDATE per date and chunk of cases."""
    with connection.cursor() as cursor:
        for day, group in dates.items():
            for part in chunks(list(group), IN_CHUNK):
                marks = ", ".join(["%s"] * len(part))
                cursor.execute(
                    f"UPDATE claims_case SET limitation_date = %s WHERE id IN ({marks})",
                    [adapt(day) if day else None, *part],
                )


def cases_changed_since(
    *, invoice_id: int, allocation_id: int, event_id: int, event_kinds: Sequence[str]
) -> set[int]:
    """Cases with an invoice, an allocation or an event of ``event_kinds`` newer than these
    ids (the marks of the last limitation refresh)."""
    kinds = ", ".join(f"'{k}'" for k in event_kinds)
    queries = [
        ("SELECT DISTINCT case_id FROM claims_invoice WHERE id > %s", [invoice_id]),
        ("SELECT DISTINCT case_id FROM claims_allocation WHERE id > %s", [allocation_id]),
        (
            f"SELECT DISTINCT case_id FROM claims_caseevent WHERE id > %s AND kind IN ({kinds})",
            [event_id],
        ),
    ]
    ids: set[int] = set()
    with connection.cursor() as db:
        for sql, params in queries:
            db.execute(sql, params)
            ids.update(r[0] for r in db.fetchall())
    return ids


def cases_limitation_due(*, today: date, closed: Sequence[str]) -> list[int]:
    """Open cases (not in ``closed``) whose limitation date has come and that are not held for
    a review."""
    marks = ", ".join(f"'{s}'" for s in closed)
    with connection.cursor() as db:
        db.execute(
            f"SELECT id FROM claims_case WHERE limitation_date <= %s AND state NOT IN ({marks}) "
            "AND limitation_review = %s",
            [adapt(today), False],
        )
        return [r[0] for r in db.fetchall()]


def open_cases_of_creditors(*, creditor_ids: Sequence[int], closed: Sequence[str]) -> list[int]:
    """Ids of the cases of these creditors not in ``closed``."""
    marks = ", ".join(f"'{s}'" for s in closed)
    return [
        r[0]
        for r in query_in(
            f"SELECT id FROM claims_case WHERE creditor_id IN ({{in}}) AND state NOT IN ({marks})",
            values=creditor_ids,
        )
    ]


def high_marks() -> dict[str, int]:
    """The highest id of the claims tables a limitation refresh watches (0 when empty)."""
    out = {}
    with connection.cursor() as cursor:
        for name, table in (
            ("invoice_id", "claims_invoice"),
            ("event_id", "claims_caseevent"),
            ("allocation_id", "claims_allocation"),
        ):
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            out[name] = cursor.fetchone()[0] or 0
    return out


def limitation_window_cases(
    *, states: Sequence[str], after: date, until: date, today: date
) -> list[Row]:
    """(case id, creditor id, debtor id, limitation date text, protected identity, debt relief)
    of the cases in ``states`` whose limitation date falls in (after, until], not held for a
    review, not with a foreign partner and not paused on ``today``."""
    marks = ", ".join(f"'{s}'" for s in states)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.id, c.creditor_id, c.debtor_id, CAST(c.limitation_date AS TEXT), "
            "d.protected_identity, d.debt_relief FROM claims_case c "
            "JOIN parties_debtor d ON d.id = c.debtor_id "
            # The limitation_date index picks the few cases in the window (a bare state filter
            # would make SQLite scan every open case by its state index).
            "WHERE c.id IN (SELECT id FROM claims_case WHERE limitation_date > %s "
            "AND limitation_date <= %s) "
            f"AND c.state IN ({marks}) AND c.limitation_review = %s AND c.foreign_partner = '' "
            "AND (c.paused_until IS NULL OR c.paused_until < %s) ORDER BY c.id",
            [adapt(after), adapt(until), False, adapt(today)],
        )
        return cursor.fetchall()


def score_cases(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, creditor id, national id, debtor type, protected identity, deceased, debt
    relief, opened-on text)."""
    return query_in(
        "SELECT c.id, c.creditor_id, d.national_id, d.debtor_type, d.protected_identity, "
        "d.deceased, d.debt_relief, CAST(c.opened_on AS TEXT) FROM claims_case c "
        "JOIN parties_debtor d ON d.id = c.debtor_id WHERE c.id IN ({in})",
        values=case_ids,
    )


def score_invoices(*, case_ids: Sequence[int], as_of: date) -> list[Row]:
    """(case id, amount, due date text) of the invoices not written off on ``as_of``."""
    return query_in(
        "SELECT case_id, amount_ore, CAST(due_date AS TEXT) FROM claims_invoice "
        "WHERE case_id IN ({in}) AND (written_off_on IS NULL OR written_off_on > %s)",
        values=case_ids,
        after=[adapt(as_of)],
    )


def score_payments(*, case_ids: Sequence[int], as_of: date) -> list[Row]:
    """(case id, component, date text, sum) per payment, component and day up to ``as_of``."""
    return query_in(
        "SELECT case_id, component, CAST(date AS TEXT), SUM(amount_ore) FROM claims_allocation "
        "WHERE case_id IN ({in}) AND date <= %s GROUP BY case_id, payment_ref, component, date",
        values=case_ids,
        after=[adapt(as_of)],
    )


def score_event_kinds(*, case_ids: Sequence[int]) -> list[Row]:
    """(case id, kind) of the events a score may know: no assets, judgment, dispute, an
    application to Kronofogden."""
    return query_in(
        "SELECT DISTINCT case_id, kind FROM claims_caseevent WHERE case_id IN ({in}) AND "
        "(kind LIKE '%%no_assets%%' OR kind IN ('judgment', 'disputed', 'kfm_applied'))",
        values=case_ids,
    )
