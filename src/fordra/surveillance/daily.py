"""Efterbevakning and limitation in the daily run.

``limitation_refresh`` runs before the ladder's decisions, so that a claim found time-barred
today gets no letter today. It is proportional to what changed, not to the portfolio: a cursor
(``RefreshCursor``) remembers the highest invoice, allocation, delivery, event and review ids it
has read, and the creditors' limitation rules it applied; each day recomputes only

- cases with something new on record since the last refresh (an invoice, a payment, a delivery
  record, an acknowledgement / Kronofogden / judgment event, a staff decision),
- cases of a creditor whose template or claim-type rule changed,
- open cases whose stored limitation date is reached (write off, close or flag for review),
  except those already waiting for a person's decision.

The first refresh over an existing portfolio reads everything once (the cursor starts at 0).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

from django.db import connection, transaction

from fordra.claims.models import CLOSED_STATES
from fordra.core.bulk import adapt, query_in
from fordra.surveillance.models import RefreshCursor
from fordra.surveillance.selectors import EVENT_INTERRUPTIONS, creditor_claim_rules
from fordra.surveillance.services import (
    interrupting_letters_schedule,
    limitation_apply,
    surveillance_rescore,
)

_CLOSED = tuple(s.value for s in CLOSED_STATES)
_MARKS = (
    ("invoice_id", "claims_invoice"),
    ("event_id", "claims_caseevent"),
    ("allocation_id", "claims_allocation"),
    ("delivery_id", "letters_delivery"),
    ("review_id", "surveillance_limitationreview"),
)


def limitation_refresh(
    *, today: date, now: datetime, case_ids: Iterable[int] | None = None
) -> Counter[str]:
    """Recompute ``Case.limitation_date`` and close or write off what is time-barred.

    ``case_ids``: exactly those cases (e.g. the cases a claims import touched); the cursor is
    left alone. Otherwise the cases that changed or whose date is reached (module docstring).
    """
    if case_ids is not None:
        counts = limitation_apply(case_ids=case_ids, today=today, now=now)
    else:
        with transaction.atomic():
            cursor, _ = RefreshCursor.objects.get_or_create(name="daily")
        marks = _marks()
        rules = _creditor_prints()
        ids = _changed_cases(cursor, rules=rules, today=today)
        counts = limitation_apply(case_ids=ids, today=today, now=now)
        RefreshCursor.objects.filter(pk=cursor.pk).update(
            **marks, rules=rules, refreshed_on=today
        )
    # Only what a person (or the ledger) notices joins the day's actions.
    return Counter(
        {k: v for k, v in counts.items() if k != "limitation_dates" and v}
    )


def limitation_follow_cases(*, case_ids: Iterable[int], day: date, now: datetime) -> None:
    """Recompute the limitation of ``case_ids`` right after an event on ``day`` that moves it
    (utslag, payment, letter, acknowledgement; ``fordra.claims.limitation``), so the case date
    follows its claims at once. As of ``day``, or of the last daily refresh when that is later
    (an event recorded with an earlier date must not take the case back to that day's view)."""
    last = (
        RefreshCursor.objects.filter(name="daily").values_list("refreshed_on", flat=True).first()
    )
    as_of = max(day, last) if last is not None else day
    limitation_apply(case_ids=case_ids, today=as_of, now=now)


def surveillance_daily(*, run_date: date, now: datetime) -> Counter[str]:
    """Rescore surveillance cases that are due and schedule interrupting letters."""
    counts = surveillance_rescore(run_date=run_date, now=now)
    counts += interrupting_letters_schedule(run_date=run_date, now=now)
    return counts


def _marks() -> dict[str, int]:
    """The highest id of each watched table now: everything up to it is read by this refresh."""
    out = {}
    with connection.cursor() as cursor:
        for name, table in _MARKS:
            cursor.execute(f"SELECT MAX(id) FROM {table}")
            out[name] = cursor.fetchone()[0] or 0
    return out


def _creditor_prints() -> dict[str, str]:
    out = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, template, stage_rules FROM parties_creditor")
        for cid, template, raw in cursor.fetchall():
            rules = json.loads(raw or "{}") if isinstance(raw, str) else raw
            out[str(cid)] = f"{template}|{creditor_claim_rules(rules) or ''}"
    return out


def _changed_cases(cursor: RefreshCursor, *, rules: dict[str, str], today: date) -> list[int]:
    kinds = ", ".join(f"'{k}'" for k in EVENT_INTERRUPTIONS)
    closed = ", ".join(f"'{s}'" for s in _CLOSED)
    queries = [
        ("SELECT DISTINCT case_id FROM claims_invoice WHERE id > %s", [cursor.invoice_id]),
        ("SELECT DISTINCT case_id FROM claims_allocation WHERE id > %s", [cursor.allocation_id]),
        (
            "SELECT DISTINCT l.case_id FROM letters_delivery d "
            "JOIN letters_letter l ON l.id = d.letter_id WHERE d.id > %s",
            [cursor.delivery_id],
        ),
        (
            f"SELECT DISTINCT case_id FROM claims_caseevent WHERE id > %s AND kind IN ({kinds})",
            [cursor.event_id],
        ),
        (
            "SELECT DISTINCT case_id FROM surveillance_limitationreview WHERE id > %s",
            [cursor.review_id],
        ),
        (
            f"SELECT id FROM claims_case WHERE limitation_date <= %s AND state NOT IN ({closed}) "
            "AND limitation_review = %s",
            [adapt(today), False],
        ),
    ]
    ids: set[int] = set()
    with connection.cursor() as db:
        for sql, params in queries:
            db.execute(sql, params)
            ids.update(r[0] for r in db.fetchall())
    before = cursor.rules or {}
    changed = [int(cid) for cid, fp in rules.items() if before and before.get(cid) != fp]
    if changed:
        ids.update(
            r[0]
            for r in query_in(
                f"SELECT id FROM claims_case WHERE creditor_id IN ({{in}}) "
                f"AND state NOT IN ({closed})",
                values=changed,
            )
        )
    return sorted(ids)
