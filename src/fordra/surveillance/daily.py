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
from fordra.claims.queries import (
    cases_changed_since,
    cases_limitation_due,
    high_marks,
    open_cases_of_creditors,
)
from fordra.letters.queries import cases_with_deliveries_since, delivery_high_mark
from fordra.parties.queries import creditor_stage_rules
from fordra.surveillance.models import RefreshCursor
from fordra.surveillance.selectors import EVENT_INTERRUPTIONS, creditor_claim_rules
from fordra.surveillance.services import (
    interrupting_letters_schedule,
    limitation_apply,
    surveillance_rescore,
)

_CLOSED = tuple(s.value for s in CLOSED_STATES)


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
    out = high_marks()
    out["delivery_id"] = delivery_high_mark()
    with connection.cursor() as cursor:
        cursor.execute("SELECT MAX(id) FROM surveillance_limitationreview")
        out["review_id"] = cursor.fetchone()[0] or 0
    return out


def _creditor_prints() -> dict[str, str]:
    out = {}
    for cid, template, raw in creditor_stage_rules():
        rules = json.loads(raw or "{}") if isinstance(raw, str) else raw
        out[str(cid)] = f"{template}|{creditor_claim_rules(rules) or ''}"
    return out


def _changed_cases(cursor: RefreshCursor, *, rules: dict[str, str], today: date) -> list[int]:
    ids = cases_changed_since(
        invoice_id=cursor.invoice_id,
        allocation_id=cursor.allocation_id,
        event_id=cursor.event_id,
        event_kinds=list(EVENT_INTERRUPTIONS),
    )
    ids |= cases_with_deliveries_since(delivery_id=cursor.delivery_id)
    with connection.cursor() as db:
        db.execute(
            "SELECT DISTINCT case_id FROM surveillance_limitationreview WHERE id > %s",
            [cursor.review_id],
        )
        ids.update(r[0] for r in db.fetchall())
    ids.update(cases_limitation_due(today=today, closed=_CLOSED))
    before = cursor.rules or {}
    changed = [int(cid) for cid, fp in rules.items() if before and before.get(cid) != fp]
    if changed:
        ids.update(open_cases_of_creditors(creditor_ids=changed, closed=_CLOSED))
    return sorted(ids)
