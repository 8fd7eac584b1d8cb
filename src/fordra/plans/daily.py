"""The plans' part of the daily run: installments paid, late, broken or paid off.

For every plan in force, what was paid toward it (the case's allocations dated up to the run
date, beyond what was allocated when the plan started) is compared with its schedule by the
pure ``fordra.domain.plans.plan_status``:

- **completed** — the case was closed paid (the payments app closes a case whose balance
  reaches 0, also in state ``plan``: early payoff), or everything the schedule asked for is
  paid. If the case still owes something then (interest beyond the forecast, e.g. after late
  installments), it goes back to its state before the plan with a staff task;
- **broken** — an installment is unpaid more than the plan's grace days after its due date: a
  letter (kind ``plan``, text ``plan_broken``) says so and asks for the whole debt, and the case
  goes back to its state before the plan, so the ladder resumes where it stopped (its next step
  is due at once; the per-debtor letter cap puts it on a later day than this letter). Only on
  bank days, like every letter;
- **cancelled** — the case left the plan another way (disputed, recalled, written off, …).

Set-based: one query per table for all active plans, writes in bulk per outcome, one
transaction. Idempotent: each plan leaves ``active`` once; letters and events are written in
that same transaction, so a re-run of the day finds nothing new.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta

from django.db import transaction
from django.db.models import Sum

from fordra.claims.models import CLOSED_STATES, Allocation, Case, CaseEvent, CaseState, Task
from fordra.claims.scheduling import cases_check_on
from fordra.core.bulk import chunks
from fordra.domain.calendar import bank_day_on_or_after, is_bank_day
from fordra.domain.letters import channels_for
from fordra.domain.plans import STATE_BROKEN, STATE_COMPLETED, Installment, plan_status
from fordra.letters.models import Letter
from fordra.plans.models import Plan, PlanInstallment, PlanState

IN_CHUNK = 900
BROKEN_PAY_DAYS = 10  # time to pay the whole debt after a broken plan, moved to a bank day
_CLOSED = {s.value for s in CLOSED_STATES}


def _in_chunks(ids: Sequence[int]) -> Iterable[Sequence[int]]:
    return chunks(sorted(ids), IN_CHUNK)


def plans_daily(*, run_date: date, now: datetime) -> Counter[str]:
    """Check every plan in force on ``run_date``; returns counts by what happened."""
    counts: Counter[str] = Counter()
    rows = list(
        Plan.objects.filter(state=PlanState.ACTIVE).values_list(
            "id", "case_id", "grace_days", "paid_before_ore", "prior_state", "case__state",
            "case__debtor__protected_identity",
        )
    )
    if not rows:
        return counts
    plan_ids = [r[0] for r in rows]
    case_ids = [r[1] for r in rows]
    schedules: dict[int, list[Installment]] = defaultdict(list)
    for part in _in_chunks(plan_ids):
        for i in PlanInstallment.objects.filter(plan_id__in=part).order_by("plan_id", "number"):
            schedules[i.plan_id].append(
                Installment(
                    number=i.number, due_date=i.due_date, amount_ore=i.amount_ore,
                    capital_ore=i.capital_ore, interest_ore=i.interest_ore,
                    costs_ore=i.costs_ore, ocr=i.ocr,
                )
            )
    paid: dict[int, int] = {}
    for part in _in_chunks(case_ids):
        for case_id, total in (
            Allocation.objects.filter(case_id__in=part, date__lte=run_date)
            .values("case_id")
            .annotate(total=Sum("amount_ore"))
            .values_list("case_id", "total")
        ):
            paid[case_id] = int(total or 0)

    bank_day = is_bank_day(run_date)
    completed: list[tuple[int, int, str, bool]] = []  # plan, case, prior state, still owing
    broken: list[tuple[int, int, str, bool, str]] = []  # … protected, explanation
    cancelled: list[tuple[int, int, str]] = []  # plan, case, case state
    for plan_id, case_id, grace, base, prior, case_state, protected in rows:
        if case_state == CaseState.CLOSED_PAID:
            completed.append((plan_id, case_id, prior, False))
            continue
        if case_state in _CLOSED or case_state != CaseState.PLAN:
            cancelled.append((plan_id, case_id, case_state))
            continue
        status = plan_status(
            schedule=schedules[plan_id],
            paid_ore=max(paid.get(case_id, 0) - base, 0),
            today=run_date,
            grace_days=grace,
        )
        if status.state == STATE_COMPLETED:
            completed.append((plan_id, case_id, prior, True))
        elif status.state == STATE_BROKEN and bank_day:
            broken.append((plan_id, case_id, prior, bool(protected), status.explanation))
    if not (completed or broken or cancelled):
        return counts
    with transaction.atomic():
        _complete(completed, run_date=run_date, now=now, counts=counts)
        _break(broken, run_date=run_date, counts=counts)
        _cancel(cancelled, run_date=run_date, counts=counts)
    return counts


def _end(plan_ids: Sequence[int], state: str, *, run_date: date) -> None:
    for part in _in_chunks(plan_ids):
        Plan.objects.filter(id__in=part, state=PlanState.ACTIVE).update(
            state=state, ended_on=run_date
        )


def _restore(pairs: Sequence[tuple[int, str]]) -> None:
    """Cases back to their state before the plan: the ladder looks at them today."""
    by_state: dict[str, list[int]] = defaultdict(list)
    for case_id, prior in pairs:
        by_state[prior].append(case_id)
    for prior, ids in by_state.items():
        for part in _in_chunks(ids):
            restored = list(
                Case.objects.filter(id__in=part, state=CaseState.PLAN).values_list("id", flat=True)
            )
            Case.objects.filter(id__in=restored).update(state=prior)
            cases_check_on(case_ids=restored)


def _events(rows: Sequence[tuple[int, str, str]], *, run_date: date) -> None:
    CaseEvent.objects.bulk_create(
        [CaseEvent(case_id=c, date=run_date, kind=k, detail=d[:1000]) for c, k, d in rows],
        batch_size=500,
    )


def _complete(
    rows: Sequence[tuple[int, int, str, bool]], *, run_date: date, now: datetime,
    counts: Counter[str],
) -> None:
    if not rows:
        return
    _end([r[0] for r in rows], PlanState.COMPLETED, run_date=run_date)
    owing = [(case_id, prior) for _, case_id, prior, still_owing in rows if still_owing]
    _restore(owing)
    _events(
        [
            (case_id, "plan_completed",
             "Avbetalningsplanen är slutbetald"
             + (": det som återstår (ränta utöver planens beräkning) drivs vidare"
                if still_owing else ""))
            for _, case_id, _, still_owing in rows
        ],
        run_date=run_date,
    )
    Task.objects.bulk_create(
        [
            Task(case_id=case_id, kind="plan_residual", created_on=run_date,
                 key=f"task:plan:{plan_id}:residual",
                 text="Avbetalningsplanen är fullgjord men ärendet har ett restbelopp: "
                 "kontrollera och besluta om fortsatt indrivning")
            for plan_id, case_id, _, still_owing in rows
            if still_owing
        ],
        ignore_conflicts=True,
    )
    counts["plan_completed"] += len(rows)


def _break(
    rows: Sequence[tuple[int, int, str, bool, str]], *, run_date: date, counts: Counter[str]
) -> None:
    if not rows:
        return
    _end([r[0] for r in rows], PlanState.BROKEN, run_date=run_date)
    _restore([(case_id, prior) for _, case_id, prior, _, _ in rows])
    pay_by = bank_day_on_or_after(run_date + timedelta(days=BROKEN_PAY_DAYS))
    letters: list[Letter] = []
    events: list[tuple[int, str, str]] = []
    for plan_id, case_id, _, protected, explanation in rows:
        letters.append(
            Letter(
                case_id=case_id, kind="plan", text="plan_broken", step="plan_broken",
                letter_date=run_date, pay_by=pay_by,
                channels=channels_for(
                    protected_identity=protected, wanted=("digital_mailbox", "print")
                ),
                key=f"letter:{case_id}:plan:{plan_id}:broken",
                extra={"plan_id": plan_id, "broken": explanation},
            )
        )
        events.append((case_id, "plan_broken", explanation))
        events.append(
            (case_id, "letter_created",
             f"Brev om att avbetalningsplanen har upphört, betala senast {pay_by.isoformat()}")
        )
    Letter.objects.bulk_create(letters, batch_size=500)
    _events(events, run_date=run_date)
    counts["plan_broken"] += len(rows)
    counts["letters"] += len(letters)


def _cancel(rows: Sequence[tuple[int, int, str]], *, run_date: date, counts: Counter[str]) -> None:
    if not rows:
        return
    _end([r[0] for r in rows], PlanState.CANCELLED, run_date=run_date)
    _events(
        [
            (case_id, "plan_cancelled",
             f"Avbetalningsplanen upphörde: ärendet är inte längre i planen (status {state})")
            for _, case_id, state in rows
        ],
        run_date=run_date,
    )
    counts["plan_cancelled"] += len(rows)

