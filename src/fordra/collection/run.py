"""The daily run — ``fordra run --date D`` (DESIGN.md §2, issue 4).

For each shard of open cases: read everything set-based, let the pure ``decide`` pick each
case's next step (or none, with a reason), cap letters per debtor and day, and write the steps,
fees, letters, tasks, events and state changes in one transaction per shard. Then the day's
letters are rendered and handed to their channels.

Idempotent and resumable: a (case, step) is done once (unique constraint), a case gets at most
one step per run date, fees and letters carry idempotency keys, and a shard either commits whole
or not at all — so a run killed at any point and re-run does exactly what was left.

Scheduled, not polled (STYLE.md, Kill Bill): each decision also says when the case needs a look
again (``Case.next_check_on``: the next step's due day, the day after a pause, …, at most
NEXT_CHECK_DAYS_MAX ahead), and every change to a case (new invoice, payment, pause, dispute)
resets it to "now". A day reads only the cases due for a look, so its cost follows the work,
not the portfolio. A changed creditor agreement or a new ladder version re-opens all of that
creditor's cases; ``--full`` looks at every open case.
"""

from __future__ import annotations

import hashlib
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q

from fordra.claims.models import Case, CaseEvent, FeeRecord, Task, covers_text
from fordra.claims.scheduling import cases_check_on_each, creditors_cases_check_on
from fordra.collection.letter_faults import (
    FAILURES_LISTED_MAX,
    letters_failed,
    letters_failed_settle,
)
from fordra.collection.models import CaseStep, DailyRun
from fordra.collection.runlock import HEARTBEAT_EVERY, run_lock, run_lock_heartbeat
from fordra.collection.snapshots import CaseRow, load_snapshots, open_case_shards
from fordra.core.bulk import adapt, gc_paused, insert_rows, memo_date_adapter
from fordra.core.errors import ApplicationError
from fordra.domain.calendar import last_day_in_time
from fordra.domain.fees import FeeSchedule
from fordra.domain.ladder import (
    TRIFLE_REASON,
    CaseSnapshot,
    ClaimFee,
    Decision,
    Ladder,
    ServiceLevel,
    StepKind,
    StepRecord,
    apply_overrides,
    decide,
    ladder_for_service,
)
from fordra.domain.ledger import Transaction, tx_fees_charged
from fordra.domain.money import format_amount
from fordra.kfm.daily import kfm_daily
from fordra.ledger.services import ledger_post
from fordra.letters.models import Letter
from fordra.letters.queries import letter_counts_by_debtor
from fordra.parties.models import Creditor
from fordra.plans.daily import plans_daily
from fordra.rules import RuleNotInForceError, ladder_templates, load_fee_schedule, load_ladder
from fordra.surveillance.daily import limitation_refresh, surveillance_daily

Progress = Callable[[str, float], None]

FEE_LABELS = {
    "reminder": "påminnelseavgift",
    "demand": "inkassoavgift",
    "late_payment_compensation": "förseningsersättning",
    "plan": "avgift för avbetalningsplan",
}


def _noop(stage: str, fraction: float) -> None:
    return None


@dataclass
class RunResult:
    date: date
    actions: Counter[str] = field(default_factory=Counter)
    letters: int = 0
    deferred: int = 0
    cases: int = 0
    fees: int = 0
    rendered: int = 0
    blocked: int = 0
    sent: int = 0
    retried: int = 0
    withdrawn: int = 0
    failures: list[dict[str, object]] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "actions": dict(sorted(self.actions.items())),
            "letters": self.letters,
            "deferred_by_debtor_cap": self.deferred,
            "cases_checked": self.cases,
            "fees": self.fees,
            "letters_rendered": self.rendered,
            "letters_blocked": self.blocked,
            "letters_sent": self.sent,
            "letters_failed": len(self.failures),
            "letters_made_again": self.retried,
            "letters_withdrawn": self.withdrawn,
            "failures": self.failures[:FAILURES_LISTED_MAX],
        }


NEXT_CHECK_DAYS_MAX = 31


def next_check(decision: Decision, snapshot: CaseSnapshot, *, today: date) -> date:
    """The day the daily run should look at the case again after ``decision``."""
    tomorrow = today + timedelta(days=1)
    horizon = today + timedelta(days=NEXT_CHECK_DAYS_MAX)
    if decision.due_on is not None:
        return min(max(decision.due_on, tomorrow), horizon)
    if decision.reason.startswith("paused until") and snapshot.paused_until is not None:
        return min(max(snapshot.paused_until + timedelta(days=1), tomorrow), horizon)
    if decision.reason == "not due":
        dues = [c.due_date for c in snapshot.claims if c.capital_ore > 0]
        if dues:
            # Overdue the day after the last day a payment is in time (DOMAIN.md §3).
            overdue_on = last_day_in_time(min(dues)) + timedelta(days=1)
            return min(max(overdue_on, tomorrow), horizon)
    return horizon


def rules_in_force(*, on: date) -> None:
    """Refuse a day before the rules Fordra has (``ApplicationError``, nothing written): every
    ladder template a creditor uses (all of them when there is no creditor yet) must have a
    version valid on ``on``. The first versions hold from 2013-03-16 (SFS 2013:56, DOMAIN.md §2)."""
    used = set(Creditor.objects.values_list("template", flat=True).distinct())
    for template in sorted(used or ladder_templates()):
        _ladder_on(template, on=on)


def _ladder_on(template: str, *, on: date) -> Ladder:
    try:
        return load_ladder(template, on=on)
    except RuleNotInForceError as exc:
        raise ApplicationError(
            f"{exc}; Fordra has no rules for that day (today's fee amounts hold from "
            f"{exc.first_valid.isoformat()}, SFS 2013:56)",
            code="rules_not_in_force",
        ) from exc


def creditor_ladders(*, on: date) -> tuple[dict[int, Ladder], dict[int, bool], dict[int, str]]:
    """Each creditor's ladder (template + service level + overrides) valid on ``on``;
    ``ApplicationError`` for a day before a template's first version."""
    ladders: dict[int, Ladder] = {}
    agreed: dict[int, bool] = {}
    templates: dict[int, str] = {}
    cache: dict[str, Ladder] = {}
    for c in Creditor.objects.all():
        base = cache.get(c.template) or cache.setdefault(c.template, _ladder_on(c.template, on=on))
        # Overrides name the template's steps, so they apply before the service level cuts it.
        ladder = base
        if c.ladder_overrides:
            ladder = apply_overrides(ladder, c.ladder_overrides, version=f"creditor-{c.orgnr}")
        ladders[c.id] = ladder_for_service(ladder, ServiceLevel(c.service_level))
        agreed[c.id] = c.reminder_fee_agreed
        templates[c.id] = c.template
    return ladders, agreed, templates


@dataclass(frozen=True)
class Trifle:
    """A creditor's trifle terms (småbelopp, DOMAIN.md §3): threshold and what becomes of it."""

    ore: int
    policy: str  # "write_off" | "return"


def creditor_trifles() -> dict[int, Trifle]:
    """Each creditor's trifle threshold and policy (its agreement)."""
    return {
        cid: Trifle(ore, policy)
        for cid, ore, policy in Creditor.objects.values_list("id", "trifle_ore", "trifle_policy")
    }


def _reopen_changed_creditors(
    *,
    run_date: date,
    now: datetime,
    ladders: dict[int, Ladder],
    agreed: dict[int, bool],
    trifles: dict[int, Trifle] | None = None,
) -> dict[str, str]:
    """Cases of creditors whose ladder or agreement changed since the last run: look now."""
    trifles = trifles or {}

    def terms(cid: int) -> str:
        trifle = trifles.get(cid)
        return "" if trifle is None else f"|{trifle.ore}|{trifle.policy}"

    prints = {
        str(cid): f"{ladder.version}|{agreed[cid]}|{len(ladder.steps)}{terms(cid)}"
        for cid, ladder in ladders.items()
    }
    last = DailyRun.objects.exclude(date=run_date).order_by("-date").first()
    before = (last.counts or {}).get("ladders", {}) if last else {}
    changed = [int(cid) for cid, fp in prints.items() if before.get(cid) != fp]
    if changed and last is not None:
        creditors_cases_check_on(creditor_ids=changed)
    return prints


def daily_run(
    *,
    run_date: date,
    now: datetime,
    progress: Progress = _noop,
    decide_only: bool = False,
    full: bool = False,
) -> RunResult:
    """Run the collection day ``run_date``. ``decide_only`` skips rendering and sending.

    One run at a time and in date order (fordra.collection.runlock): a run while another holds
    the lock, or for a day before the last day run, is refused with a clear message.
    """
    with run_lock(run_date=run_date) as run_id:
        later = DailyRun.objects.filter(date__gt=run_date).order_by("-date").first()
        if later is not None:
            raise ApplicationError(
                f"the daily run for {later.date.isoformat()} has already been made: runs go in "
                f"date order, so {run_date.isoformat()} cannot be run now",
                code="run_out_of_order",
            )
        return _run_day(
            run_date=run_date,
            now=now,
            progress=_beating(progress, run_id=run_id),
            decide_only=decide_only,
            full=full,
        )


def _beating(progress: Progress, *, run_id: str) -> Progress:
    """``progress`` that also keeps the run lock's heartbeat moving (at most every few s)."""
    last = [time.monotonic()]

    def report(stage: str, fraction: float) -> None:
        if time.monotonic() - last[0] >= HEARTBEAT_EVERY.total_seconds():
            run_lock_heartbeat(run_id=run_id)
            last[0] = time.monotonic()
        progress(stage, fraction)

    return report


def _run_day(
    *,
    run_date: date,
    now: datetime,
    progress: Progress,
    decide_only: bool,
    full: bool,
) -> RunResult:
    result = RunResult(date=run_date)
    # The rules first: a day before them is refused before anything is written (no DailyRun).
    rules_in_force(on=run_date)
    fees = load_fee_schedule()
    ladders, agreed, templates = creditor_ladders(on=run_date)
    DailyRun.objects.get_or_create(date=run_date, defaults={"started_at": now})
    trifles = creditor_trifles()
    prints = _reopen_changed_creditors(
        run_date=run_date, now=now, ladders=ladders, agreed=agreed, trifles=trifles
    )
    cap = settings.LETTERS_PER_DEBTOR_PER_DAY_MAX
    # The stages after the demand, before the ladder's decisions: a broken plan hands the case
    # back to the ladder today, and a claim found time-barred today gets no letter today.
    progress("Avbetalningsplaner", 0.0)
    _count_stage(result, plans_daily(run_date=run_date, now=now))
    progress("Preskription och efterbevakning", 0.0)
    _count_stage(result, limitation_refresh(today=run_date, now=now))
    _count_stage(result, surveillance_daily(run_date=run_date, now=now))
    with gc_paused():
        shards = open_case_shards(today=run_date, full=full)
        letters_today = _letters_per_debtor(run_date)
        for index, shard in enumerate(shards):
            progress("Beslut per ärende", index / max(len(shards), 1))
            with transaction.atomic():
                _run_shard(
                    shard=shard,
                    run_date=run_date,
                    now=now,
                    ladders=ladders,
                    agreed=agreed,
                    templates=templates,
                    fees=fees,
                    cap=cap,
                    letters_today=letters_today,
                    result=result,
                    trifles=trifles,
                )
    # Cases the ladder handed over (today or before) get their next stage decided or proposed.
    progress("Kronofogden", 0.85)
    _count_stage(result, kfm_daily(run_date=run_date, now=now))
    if not decide_only:
        from fordra.letters.services import letters_dispatch, letters_render

        # Letters that failed on an earlier day: made again with today's dates, or withdrawn
        # with their fee (a fee stands for a letter that went out).
        settled = letters_failed_settle(day=run_date, now=now)
        result.retried, result.withdrawn = settled.retried, settled.withdrawn
        progress("Renderar brev", 0.9)
        rendered = letters_render(day=run_date, now=now)
        result.rendered, result.blocked = rendered.rendered, rendered.blocked
        progress("Skickar brev", 0.95)
        result.sent = letters_dispatch(day=run_date, now=now).sent
        result.failures = [f.as_json() for f in letters_failed(day=run_date)]
        # The letters just sent interrupt limitation (5 § 2): the case dates follow today, not
        # at the next run (the refresh reads only the cases with new delivery records).
        if result.sent:
            limitation_refresh(today=run_date, now=now)
    DailyRun.objects.filter(date=run_date).update(
        finished_at=now, counts={**result.as_json(), "ladders": prints}
    )
    progress("Klart", 1.0)
    return result


def _count_stage(result: RunResult, counts: Counter[str]) -> None:
    """A stage's counts join the day's actions; its letters count as the day's letters."""
    for kind, n in counts.items():
        if kind == "letters":
            result.letters += n
        elif n:
            result.actions[kind] += n


def _letters_per_debtor(day: date) -> Counter[int]:
    counts: Counter[int] = Counter()
    for debtor_id, count in letter_counts_by_debtor(day=day):
        counts[debtor_id] = count
    return counts


def _run_shard(
    *,
    shard: Sequence[CaseRow],
    run_date: date,
    now: datetime,
    ladders: dict[int, Ladder],
    agreed: dict[int, bool],
    templates: dict[int, str],
    fees: FeeSchedule,
    cap: int,
    letters_today: Counter[int],
    result: RunResult,
    trifles: dict[int, Trifle] | None = None,
) -> None:
    trifles = trifles or {}
    data = load_snapshots(
        cases=shard,
        reminder_fee_agreed_by_creditor=agreed,
        today=run_date,
        trifle_ore_by_creditor={cid: t.ore for cid, t in trifles.items()},
    )
    result.cases += len(shard)
    decided = _decide_shard(
        shard, data.snapshots, data.steps_today, run_date=run_date, ladders=ladders, fees=fees,
        cap=cap, letters_today=letters_today, result=result,
    )
    if decided.decisions:
        _write(
            decisions=decided.decisions, run_date=run_date, now=now, templates=templates,
            result=result,
        )
    if decided.trifle_rows:
        _close_trifles(
            decided.trifle_rows, balances=data.balances, trifles=trifles, run_date=run_date,
            now=now, result=result,
        )
    _schedule_checks(decided.checks)


@dataclass
class _Decided:
    """A shard's decisions: the steps to take, the trifles to close, and per case the day it
    needs a look again."""

    decisions: list[tuple[CaseRow, Decision]] = field(default_factory=list)
    trifle_rows: list[CaseRow] = field(default_factory=list)
    checks: list[tuple[Any, int]] = field(default_factory=list)


def _decide_shard(
    shard: Sequence[CaseRow],
    snapshots: dict[int, CaseSnapshot],
    steps_today: set[int],
    *,
    run_date: date,
    ladders: dict[int, Ladder],
    fees: FeeSchedule,
    cap: int,
    letters_today: Counter[int],
    result: RunResult,
) -> _Decided:
    """``decide`` each case of the shard; cap letters per debtor and day."""
    out = _Decided()
    decisions, checks = out.decisions, out.checks
    tomorrow = run_date + timedelta(days=1)
    for row in shard:
        if row.case_id in steps_today:
            # One step per case and day: a re-run of the day does nothing new.
            checks.append((tomorrow, row.case_id))
            continue
        snapshot = snapshots[row.case_id]
        ladder = ladders[row.creditor_id]
        decision = decide(case=snapshot, ladder=ladder, today=run_date, fees=fees)
        step = decision.step
        if step is None:
            if decision.reason == TRIFLE_REASON:
                out.trifle_rows.append(row)  # closed later, as the creditor's agreement says
            checks.append((next_check(decision, snapshot, today=run_date), row.case_id))
            continue
        if step.kind == StepKind.LETTER:
            # Per-debtor cap across creditors: the rest wait for the next bank day's run.
            if letters_today[row.debtor_id] >= cap:
                result.deferred += 1
                checks.append((tomorrow, row.case_id))
                continue
            letters_today[row.debtor_id] += 1
        decisions.append((row, decision))
        after = replace(
            snapshot,
            state=step.state or snapshot.state,
            steps_done={
                **snapshot.steps_done,
                step.name: StepRecord(done_on=run_date, pay_by=decision.pay_by),
            },
        )
        probe = decide(case=after, ladder=ladder, today=run_date, fees=fees)
        checks.append((next_check(probe, after, today=run_date), row.case_id))
    return out


def _schedule_checks(checks: Sequence[tuple[Any, int]]) -> None:
    """Store each case's next look (``Case.next_check_on``)."""
    cases_check_on_each(checks)


@dataclass
class _DayRows:
    """What a shard's decisions write: rows per table, and the cases whose state changes."""

    steps: list[tuple[Any, ...]] = field(default_factory=list)
    fees: list[tuple[Any, ...]] = field(default_factory=list)
    letters: list[tuple[Any, ...]] = field(default_factory=list)
    tasks: list[tuple[Any, ...]] = field(default_factory=list)
    events: list[tuple[Any, ...]] = field(default_factory=list)
    new_state: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    awaiting: list[int] = field(default_factory=list)


def _write(
    *,
    decisions: Sequence[tuple[CaseRow, Decision]],
    run_date: date,
    now: datetime,
    templates: dict[int, str],
    result: RunResult,
) -> None:
    out = _day_rows(decisions, run_date=run_date, now=now, templates=templates, result=result)
    insert_rows(
        CaseStep,
        ["case_id", "step", "kind", "done_on", "pay_by", "template", "ladder_version", "rule",
         "reason", "created_at"],
        out.steps,
    )
    insert_rows(
        FeeRecord,
        ["case_id", "invoice_id", "kind", "amount_ore", "date", "rule", "version", "explanation",
         "step", "key", "covers", "created_at"],
        out.fees,
    )
    creditor_of = {row.case_id: row.creditor_id for row, _ in decisions}
    ledger_post(fee_transactions(out.fees, creditor_of=creditor_of, day=run_date), now=now)
    _insert_letters(out.letters)
    insert_rows(Task, ["case_id", "kind", "text", "created_on", "key", "created_at"], out.tasks)
    insert_rows(CaseEvent, ["case_id", "date", "kind", "detail", "actor", "created_at"], out.events)
    _change_states(out.new_state, out.awaiting, run_date=run_date)


def _day_rows(
    decisions: Sequence[tuple[CaseRow, Decision]],
    *,
    run_date: date,
    now: datetime,
    templates: dict[int, str],
    result: RunResult,
) -> _DayRows:
    """The rows each decision's step writes (step, fees, letter, task, events)."""
    stamp, day = adapt(now), adapt(run_date)
    day_sql = memo_date_adapter()
    out = _DayRows()
    steps, letters, events = out.steps, out.letters, out.events
    for row, d in decisions:
        step = d.step
        assert step is not None
        result.actions[step.name] += 1
        steps.append(
            (
                row.case_id,
                step.name,
                step.kind.value,
                day,
                day_sql(d.pay_by) if d.pay_by else None,
                templates[row.creditor_id],
                d.ladder_version,
                d.rule,
                d.reason[:200],
                stamp,
            )
        )
        events.append((row.case_id, day, "step", _step_text(d), "system", stamp))
        if d.fees:
            _add_fees(out, row.case_id, d, day=day, stamp=stamp, result=result)
        if step.kind == StepKind.LETTER:
            letters.append(
                (
                    row.case_id,
                    step.letter or "case_letter",
                    step.text or step.letter or "case_letter",
                    step.name,
                    day,
                    day_sql(d.pay_by) if d.pay_by else None,
                    list(d.channels),
                    "pending",
                    f"letter:{row.case_id}:{step.name}",
                    stamp,
                )
            )
            result.letters += 1
        if step.task or step.kind in (StepKind.DECISION, StepKind.RETURN):
            _add_follow_up(out, row.case_id, d, day=day, stamp=stamp)
        if step.state and step.state != row.state:
            out.new_state[step.state].append(row.case_id)
    return out


def _add_fees(
    out: _DayRows, case_id: int, d: Decision, *, day: Any, stamp: Any, result: RunResult
) -> None:
    """The step's fees that may be charged: a fee record and a "fee added" event each."""
    step = d.step
    assert step is not None
    for fee in d.fees:
        o = fee.outcome
        if not o.allowed or o.amount_ore <= 0:
            continue
        out.fees.append(
            (
                case_id,
                fee.invoice_id,
                o.kind.value,
                o.amount_ore,
                day,
                o.rule[:300],
                o.version[:60],
                o.explanation[:500],
                step.name,
                fee_key(case_id=case_id, step=step.name, fee=fee),
                covers_text(fee.covers) if fee.per_letter else "",
                stamp,
            )
        )
        covering = f" för {_numbers(fee.invoice_numbers)}" if fee.per_letter else ""
        out.events.append(
            (
                case_id,
                day,
                "fee_added",
                f"{FEE_LABELS.get(o.kind.value, o.kind.value).capitalize()} "
                f"{format_amount(o.amount_ore)}{covering} ({o.rule}; {o.version})"[:1000],
                "system",
                stamp,
            )
        )
        result.fees += 1


def _add_follow_up(out: _DayRows, case_id: int, d: Decision, *, day: Any, stamp: Any) -> None:
    """A step's task for staff, a decision awaited, or the case returned to the creditor."""
    step = d.step
    assert step is not None
    events = out.events
    if step.task:
        out.tasks.append(
            (case_id, step.name, step.task, day, f"task:{case_id}:{step.name}", stamp)
        )
        events.append((case_id, day, "task", step.task, "system", stamp))
    if step.kind == StepKind.DECISION:
        out.awaiting.append(case_id)
        events.append(
            (case_id, day, "awaiting_decision", step.task or "Inväntar beslut", "system", stamp)
        )
    if step.kind == StepKind.RETURN:
        events.append(
            (
                case_id,
                day,
                "returned_to_creditor",
                "Återlämnat till borgenären: uppdraget omfattar endast påminnelser",
                "system",
                stamp,
            )
        )


def _change_states(new_state: dict[str, list[int]], awaiting: list[int], *, run_date: date) -> None:
    """The steps' new states, and the cases now awaiting a decision."""
    for state, ids in new_state.items():
        closing = state.startswith("closed_")
        for start in range(0, len(ids), 900):
            part = ids[start : start + 900]
            if closing:
                Case.objects.filter(id__in=part).update(
                    state=state,
                    closed_on=run_date,
                    close_reason="Endast påminnelser: återlämnat till borgenären",
                )
            else:
                Case.objects.filter(Q(id__in=part)).update(state=state)
    for start in range(0, len(awaiting), 900):
        Case.objects.filter(id__in=awaiting[start : start + 900]).update(awaiting_decision=True)


def _close_trifles(
    rows: Sequence[CaseRow],
    *,
    balances: dict[int, Any],
    trifles: dict[int, Trifle],
    run_date: date,
    now: datetime,
    result: RunResult,
) -> None:
    """Carry out the creditor's trifle policy for the cases ``decide`` stopped as "trifle"
    (DOMAIN.md §3): written off or returned (``collection.services.case_trifle_close``)."""
    from fordra.collection.services import case_trifle_close

    cases = Case.objects.in_bulk([row.case_id for row in rows])
    for row in rows:
        trifle = trifles[row.creditor_id]
        kind = case_trifle_close(
            case=cases[row.case_id],
            balance=balances[row.case_id],
            policy=trifle.policy,
            threshold_ore=trifle.ore,
            today=run_date,
            now=now,
        )
        result.actions[kind] += 1


def fee_key(*, case_id: int, step: str, fee: ClaimFee) -> str:
    """The fee's idempotency key (``FeeRecord.key``), derived from its cause.

    A letter's one påminnelseavgift or inkassoavgift (lag (1981:739) 2 §, 3 § 1; DOMAIN.md §2)
    is caused by the case's letter step, which a case takes once: ``fee:case:<case>:<step>:
    <kind>`` — never the invoice, or a letter over two invoices could be charged twice. A
    per-claim fee (förseningsersättning, 4 a §) keeps ``fee:<invoice>:<kind>``.
    """
    kind = fee.outcome.kind.value
    if fee.per_letter:
        return f"fee:case:{case_id}:{step}:{kind}"
    return f"fee:{fee.invoice_id}:{kind}"


def _numbers(numbers: Sequence[str]) -> str:
    if len(numbers) == 1:
        return f"faktura {numbers[0]}"
    return f"fakturorna {', '.join(numbers)}"


FEES_PER_TRANSACTION_MAX = 199  # + the contra posting: the ledger's 200-posting limit


def fee_transactions(
    fee_rows: Sequence[tuple[Any, ...]], *, creditor_of: dict[int, int], day: date
) -> list[Transaction]:
    """The day's fees as ledger transactions: Dr case:<id>:fees per fee, Cr claims:<creditor>.

    Grouped per creditor, up to 199 fees a transaction (a day of a million cases charges tens
    of thousands of fees); each fee keeps its own posting and its own record with the cause.
    The key is derived from the fee keys it holds, so a re-run builds the very same one.
    """
    by_creditor: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for f in fee_rows:
        by_creditor[creditor_of[f[0]]].append(f)
    out = []
    for creditor_id, fees in sorted(by_creditor.items()):
        fees.sort(key=lambda f: f[9])
        for start in range(0, len(fees), FEES_PER_TRANSACTION_MAX):
            part = fees[start : start + FEES_PER_TRANSACTION_MAX]
            digest = hashlib.sha256("\n".join(f[9] for f in part).encode()).hexdigest()[:24]
            out.append(
                tx_fees_charged(
                    key=f"fees:{day.isoformat()}:{creditor_id}:{digest}",
                    day=day,
                    creditor_id=creditor_id,
                    fees=[(f[0], f[3]) for f in part],
                    memo=f"Avgifter {day.isoformat()}: {len(part)} st",
                )
            )
    return out


def _insert_letters(letters: list[tuple[Any, ...]]) -> None:
    import json

    rows = [(*r[:6], json.dumps(r[6]), *r[7:], "", "", "{}", "[]", "") for r in letters]
    insert_rows(
        Letter,
        ["case_id", "kind", "text", "step", "letter_date", "pay_by", "channels", "status", "key",
         "created_at", "channel", "batch", "content", "problems", "pdf_path"],
        rows,
    )


def _step_text(d: Decision) -> str:
    step = d.step
    assert step is not None
    what = {
        StepKind.LETTER: f"Brev: {step.letter}",
        StepKind.TASK: "Uppgift till handläggare",
        StepKind.DECISION: "Beslutspunkt",
        StepKind.RETURN: "Återlämnas till borgenären",
    }[step.kind]
    pay = f", betala senast {d.pay_by.isoformat()}" if d.pay_by else ""
    return f"{step.name}: {what}{pay} ({d.rule})"
