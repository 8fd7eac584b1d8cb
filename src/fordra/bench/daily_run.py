"""Daily-run benchmark: one day over a large portfolio of open cases in steady state.

Setup (not timed) writes N cases straight into the tables with a history consistent with the
consumer ladder: due dates spread over the past months, and every step the ladder would already
have taken, computed once per distinct due date with the real ``decide``. On the bench day a
steady-state share of cases (a few percent) is due a step, as in production.

Timed: ``daily_run(decide_only=True)`` — decisions, steps, fees, letters (rows, counted, not
rendered), tasks, events and state changes. Baseline, on the same data in the same run: one
sqlite3 query reading the same rows, the same pure ``decide`` per case, and one executemany of
the same state changes (rolled back).
"""

from __future__ import annotations

import sqlite3
import time
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction

from fordra.claims.models import Case, CaseState, Invoice
from fordra.collection.models import CaseStep
from fordra.collection.run import NEXT_CHECK_DAYS_MAX, daily_run
from fordra.core.bulk import adapt, insert_rows
from fordra.domain.fees import DebtorType
from fordra.domain.ladder import CaseSnapshot, ClaimSnapshot, Decision, StepRecord, decide
from fordra.domain.ocr import ocr_from_number
from fordra.parties.models import Debtor
from fordra.parties.services import creditor_add
from fordra.rules import load_fee_schedule, load_ladder

HISTORY_DAYS = 150
FUTURE_DUE_DAYS = 20
CREDITOR_ORGNRS = ("5565594230", "5560360793", "5566778899")


def _snapshot(*, due: date, steps: dict[str, StepRecord], case_id: int = 0) -> CaseSnapshot:
    return CaseSnapshot(
        case_id=case_id,
        state="open",
        debtor_type=DebtorType.PERSON,
        claims=(
            ClaimSnapshot(
                invoice_id=case_id,
                invoice_number=str(case_id),
                due_date=due,
                capital_ore=100_000,
                reminder_fee_agreed=True,
                fees_charged=frozenset(),
            ),
        ),
        steps_done=steps,
        balance_ore=100_000,
    )


def history_for(*, due: date, day: date) -> tuple[dict[str, StepRecord], str, date]:
    """For a claim due on ``due``: the steps the consumer ladder took before ``day``, the state,
    and the ``next_check_on`` the last run before ``day`` left (as ``next_check`` computes it)."""
    ladder, fees = load_ladder("consumer", on=day), load_fee_schedule()
    steps: dict[str, StepRecord] = {}
    state = "open"
    far = day + timedelta(days=3650)
    last_look = due - timedelta(days=1)
    while True:
        probe = decide(case=_snapshot(due=due, steps=steps), ladder=ladder, today=far, fees=fees)
        if probe.step is None or probe.due_on is None or probe.due_on >= day:
            if probe.step is not None and probe.due_on is not None:
                check = probe.due_on
            else:
                check = last_look + timedelta(days=NEXT_CHECK_DAYS_MAX)
            check = min(check, last_look + timedelta(days=NEXT_CHECK_DAYS_MAX))
            # A case with nothing due is looked at every NEXT_CHECK_DAYS_MAX days (the horizon):
            # in steady state such re-checks are spread evenly over the days.
            while check < day and probe.step is None:
                check += timedelta(days=NEXT_CHECK_DAYS_MAX)
            return steps, state, check
        taken = decide(
            case=_snapshot(due=due, steps=steps), ladder=ladder, today=probe.due_on, fees=fees
        )
        steps[probe.step.name] = StepRecord(done_on=probe.due_on, pay_by=taken.pay_by)
        state = probe.step.state or state
        last_look = probe.due_on


def load_portfolio(*, cases: int, day: date, now: datetime) -> None:
    creditor_ids = []
    for i, orgnr in enumerate(CREDITOR_ORGNRS):
        c, _ = creditor_add(
            name=f"Benchborgenär {i + 1} AB", orgnr=orgnr, bankgiro="50501055",
            reminder_fee_agreed=True,
        )
        creditor_ids.append(c.id)
    dues = [day - timedelta(days=k) for k in range(-FUTURE_DUE_DAYS, HISTORY_DAYS)]
    histories = {due: history_for(due=due, day=day) for due in dues}
    stamp, today = adapt(now), adapt(day)
    with transaction.atomic():
        insert_rows(
            Debtor,
            ["national_id", "id_kind", "debtor_type", "name", "address", "postal_code", "city",
             "country", "email", "phone", "created_at", "updated_at"],
            (
                (f"{190000000000 + i:012d}", "personnummer", "person", f"Gäldenär {i}",
                 "Storgatan 1", "11122", "Stockholm", "SE", "", "", stamp, stamp)
                for i in range(cases)
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT MIN(id) FROM parties_debtor")
            first_debtor = cursor.fetchone()[0]
        first_number = 100_000
        insert_rows(
            Case,
            ["number", "ocr", "creditor_id", "debtor_id", "state", "opened_on", "created_at",
             "next_check_on"],
            (
                (first_number + i, ocr_from_number(first_number + i),
                 creditor_ids[i % len(creditor_ids)], first_debtor + i,
                 histories[dues[i % len(dues)]][1], today, stamp,
                 adapt(histories[dues[i % len(dues)]][2]))
                for i in range(cases)
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute("SELECT MIN(id) FROM claims_case")
            first_case = cursor.fetchone()[0]
        insert_rows(
            Invoice,
            ["case_id", "creditor_id", "invoice_number", "kind", "invoice_date", "due_date",
             "amount_ore", "currency", "description", "created_at"],
            (
                (first_case + i, creditor_ids[i % len(creditor_ids)], f"B{i}", "invoice",
                 adapt(dues[i % len(dues)] - timedelta(days=30)), adapt(dues[i % len(dues)]),
                 50_000 + (i % 977) * 100, "SEK", "", stamp)
                for i in range(cases)
            ),
        )
        insert_rows(
            CaseStep,
            ["case_id", "step", "kind", "done_on", "pay_by", "template", "ladder_version", "rule",
             "reason", "created_at"],
            (
                (first_case + i, name, "letter", adapt(rec.done_on),
                 adapt(rec.pay_by) if rec.pay_by else None, "consumer", "bench", "bench",
                 "history", stamp)
                for i in range(cases)
                for name, rec in histories[dues[i % len(dues)]][0].items()
            ),
        )


def baseline(*, db_path: str, day: date, full: bool) -> tuple[float, int]:
    """Read the same rows in one query, decide each case, executemany the state changes."""
    ladder, fees = load_ladder("consumer", on=day), load_fee_schedule()
    db = sqlite3.connect(db_path)
    started = time.perf_counter()
    due = "" if full else " AND (c.next_check_on IS NULL OR c.next_check_on <= ?)"
    rows = db.execute(
        "SELECT c.id, c.state, i.id, i.due_date, i.amount_ore, "
        "(SELECT group_concat(s.step || '|' || s.done_on || '|' || COALESCE(s.pay_by, ''), ';') "
        " FROM collection_casestep s WHERE s.case_id = c.id) "
        "FROM claims_case c JOIN claims_invoice i ON i.case_id = c.id "
        f"WHERE c.state NOT LIKE 'closed%'{due}",
        [] if full else [day.isoformat()],
    ).fetchall()
    changes = []
    for case_id, state, invoice_id, due, amount, history in rows:
        steps = {}
        for part in (history or "").split(";"):
            if part:
                name, done, pay_by = part.split("|")
                steps[name] = StepRecord(
                    done_on=date.fromisoformat(done),
                    pay_by=date.fromisoformat(pay_by) if pay_by else None,
                )
        snapshot = CaseSnapshot(
            case_id=case_id, state=state, debtor_type=DebtorType.PERSON,
            claims=(ClaimSnapshot(invoice_id=invoice_id, invoice_number="", due_date=date.fromisoformat(due),
                                  capital_ore=amount, reminder_fee_agreed=True,
                                  fees_charged=frozenset()),),
            steps_done=steps, balance_ore=amount,
        )
        d: Decision = decide(case=snapshot, ladder=ladder, today=day, fees=fees)
        if d.step is not None and d.step.state and d.step.state != state:
            changes.append((d.step.state, case_id))
    db.executemany("UPDATE claims_case SET state = ? WHERE id = ?", changes)
    seconds = time.perf_counter() - started
    db.rollback()
    db.close()
    return seconds, len(rows)


def bench_daily_run(cases: int, day: date, now: datetime, *, full: bool) -> dict[str, Any]:
    """``full``: every open case re-evaluated (the first run, or ``fordra run --full``);
    otherwise the steady-state day, reading only the cases whose next check is due."""
    load_portfolio(cases=cases, day=day, now=now)
    # The portfolio as yesterday's run left it: limitation dates known (a real portfolio gets
    # them at import). The first refresh of a portfolio that never had one is reported apart.
    from fordra.surveillance.daily import limitation_refresh

    first = time.perf_counter()
    limitation_refresh(today=day - timedelta(days=1), now=now)
    first_refresh_seconds = time.perf_counter() - first
    db_path = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    baseline_seconds, rows = baseline(db_path=db_path, day=day, full=full)
    started = time.perf_counter()
    result = daily_run(run_date=day, now=now, decide_only=True, full=full)
    seconds = time.perf_counter() - started
    assert result.cases == rows, (result.cases, rows)  # both did the same cases
    actions: dict[str, int] = defaultdict(int, result.actions)
    return {
        "seconds": seconds,
        "baseline_seconds": baseline_seconds,
        "detail": {
            "open_cases": cases,
            "limitation_first_refresh_seconds": round(first_refresh_seconds, 3),
            "cases_read": result.cases,
            "letters": result.letters,
            "fees": result.fees,
            "actions": dict(actions),
        },
    }


__all__ = ["CaseState", "bench_daily_run"]
