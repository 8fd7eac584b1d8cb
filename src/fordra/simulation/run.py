"""``fordra simulate``: import a synthetic portfolio, then run it day by day.

Each simulated day: debtors act according to their behaviour (pay in full, pay part, object,
or do nothing) in reaction to the letters they got, then the daily run for that day. The
result is a day-by-day summary (cases per state, letters, fees, payments) and an SVG chart.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from fordra.claims.intake import claims_import
from fordra.claims.models import CLOSED_STATES, Case, CaseEvent, CaseState
from fordra.claims.queries import case_state_counts, fees_charged_on, first_due_dates
from fordra.claims.selectors import case_balances
from fordra.collection.run import daily_run, rules_in_force
from fordra.collection.services import case_dispute
from fordra.core.bulk import as_date
from fordra.core.errors import ApplicationError
from fordra.letters.queries import first_letter_dates
from fordra.parties.models import Creditor
from fordra.parties.services import creditor_add
from fordra.payments.actions import payment_apply
from fordra.payments.models import Payment
from fordra.plans.models import PlanInstallment, PlanState
from fordra.plans.services import plan_propose
from fordra.reference.services import reference_rate_table
from fordra.simulation.behaviour import PART_SHARE_PERCENT, behaviour_for
from fordra.simulation.chart import states_svg
from fordra.synthetic.portfolio import generate_claim_rows, generate_creditors, write_claims_csv

Progress = Callable[[str, float], None]
SIMULATION_DAYS_MAX = 3660
SIMULATION_CASES_MAX = 200_000
# One of each pricing model, so remittances show each way an agency is paid.
SIMULATED_PRICING: tuple[dict[str, Any], ...] = (
    {"pricing_model": "commission", "commission_percent": "12", "remit_every": "weekly"},
    {"pricing_model": "zero_cost", "remit_every": "monthly"},
    {"pricing_model": "keeps_interest_and_fees", "remit_every": "daily"},
    {"pricing_model": "subscription", "annual_fee_ore": 120_000, "per_case_fee_ore": 2_500,
     "remit_every": "monthly"},
)


def _noop(stage: str, fraction: float) -> None:
    return None


@dataclass
class DayStats:
    date: date
    states: dict[str, int]
    letters: int
    fees_ore: int
    paid_ore: int
    disputes: int

    def as_json(self) -> dict[str, Any]:
        return {
            "date": self.date.isoformat(),
            "states": self.states,
            "letters": self.letters,
            "fees_ore": self.fees_ore,
            "paid_ore": self.paid_ore,
            "disputes": self.disputes,
        }


@dataclass
class SimulationReport:
    seed: int
    invoices: int
    cases: int
    days: list[DayStats] = field(default_factory=list)
    chart: str = ""

    def as_json(self) -> dict[str, Any]:
        last = self.days[-1] if self.days else None
        return {
            "seed": self.seed,
            "invoices": self.invoices,
            "cases": self.cases,
            "days": [d.as_json() for d in self.days],
            "final_states": last.states if last else {},
            "letters": sum(d.letters for d in self.days),
            "fees_ore": sum(d.fees_ore for d in self.days),
            "paid_ore": sum(d.paid_ore for d in self.days),
            "chart": self.chart,
        }


def simulate_portfolio_load(
    *,
    invoices: int,
    seed: int,
    start: date,
    now: datetime,
    creditors: int = 4,
    claims_seed: int | None = None,
) -> int:
    """Creditors and a synthetic portfolio as of ``start``; returns the number of new cases.

    Loading again with the same ``seed`` and another ``claims_seed`` hands the same creditors'
    next batch of claims over (creditor registration is idempotent).
    """
    synthetic = generate_creditors(count=creditors, seed=seed)
    for i, c in enumerate(synthetic):
        creditor_add(
            name=c.name,
            orgnr=c.orgnr,
            bankgiro=c.bankgiro,
            template=c.template,
            reminder_fee_agreed=i % 2 == 0,
            **SIMULATED_PRICING[i % len(SIMULATED_PRICING)],
        )
        # Every other creditor lets the decision after the demand act by itself (Kronofogden,
        # efterbevakning or return); the others' cases wait for a person in the back office.
        Creditor.objects.filter(orgnr=c.orgnr, stage_rules={}).update(
            stage_rules={"kfm": {"auto_apply": i % 2 == 0}}
        )
    rows = generate_claim_rows(
        creditors=synthetic,
        invoices=invoices,
        seed=seed if claims_seed is None else claims_seed,
        today=start,
    )
    buffer = io.StringIO()
    write_claims_csv(rows, buffer)
    result = claims_import(
        data=buffer.getvalue().encode("utf-8"),
        filename=f"simulation-{seed}-{claims_seed}-{start.isoformat()}.csv",
        today=start,
        now=now,
        source="simulation",
    )
    return result.cases_created


def simulate_days(
    *,
    seed: int,
    start: date,
    days: int,
    now: datetime,
    render_letters: bool,
    progress: Progress = _noop,
) -> list[DayStats]:
    """Run ``days`` days from ``start``: debtors act, then the daily run."""
    if not 1 <= days <= SIMULATION_DAYS_MAX:
        from fordra.core.errors import ApplicationError

        raise ApplicationError(f"--days must be 1–{SIMULATION_DAYS_MAX}")
    out = []
    # Each simulated debtor acts once; what earlier simulated days did is in the database.
    acted: set[int] = set(
        Payment.objects.filter(source="simulation").values_list("case_id", flat=True)
    ) | set(
        CaseEvent.objects.filter(kind="disputed", actor="simulation").values_list(
            "case_id", flat=True
        )
    )
    for offset in range(days):
        day = start + timedelta(days=offset)
        progress(f"Dag {day.isoformat()}", offset / days)
        paid, disputes = _debtors_act(day=day, seed=seed, now=now, acted=acted)
        run = daily_run(run_date=day, now=now, decide_only=not render_letters)
        out.append(
            DayStats(
                date=day,
                states=_states(),
                letters=run.letters,
                fees_ore=_fees_on(day),
                paid_ore=paid,
                disputes=disputes,
            )
        )
    progress("Klart", 1.0)
    return out


def simulate(
    *,
    cases: int,
    days: int,
    seed: int,
    start: date,
    now: datetime,
    out_dir: Path,
    render_letters: bool = False,
    progress: Progress = _noop,
) -> SimulationReport:
    if not 1 <= cases <= SIMULATION_CASES_MAX:
        from fordra.core.errors import ApplicationError

        raise ApplicationError(f"--cases must be 1–{SIMULATION_CASES_MAX}")
    # A start before the rules (2013-03-16) is refused before the portfolio is written.
    rules_in_force(on=start)
    progress("Skapar portfölj", 0.0)
    created = simulate_portfolio_load(invoices=cases, seed=seed, start=start, now=now)
    report = SimulationReport(seed=seed, invoices=cases, cases=created)
    report.days = simulate_days(
        seed=seed,
        start=start,
        days=days,
        now=now,
        render_letters=render_letters,
        progress=progress,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    chart = out_dir / f"simulation-seed{seed}-{start.isoformat()}-{days}d.svg"
    chart.write_text(states_chart(report.days, title=f"Fordra: {created} ärenden, seed {seed}"))
    report.chart = str(chart)
    return report


def states_chart(days: list[DayStats], *, title: str) -> str:
    states = sorted({s for d in days for s in d.states})
    series = {s: [d.states.get(s, 0) for d in days] for s in states}
    return states_svg(days=[d.date.isoformat() for d in days], series=series, title=title)


def _states() -> dict[str, int]:
    return case_state_counts()


def _fees_on(day: date) -> int:
    return fees_charged_on(day=day)


def _debtors_act(*, day: date, seed: int, now: datetime, acted: set[int]) -> tuple[int, int]:
    """Each open case's debtor reacts to its letters per its behaviour; returns (paid, disputes)."""
    open_states = [CaseState.OPEN, CaseState.REMINDER, CaseState.DEMAND]
    cases = list(Case.objects.filter(state__in=open_states).only("id", "number", "state"))
    if not cases:
        return 0, 0
    first_due: dict[int, date] = {}
    letters: dict[int, dict[str, date]] = defaultdict(dict)
    first_due = {case_id: as_date(d) for case_id, d in first_due_dates()}
    for case_id, kind, letter_date in first_letter_dates():
        letters[case_id][kind] = as_date(letter_date)
    to_pay, to_dispute, to_plan = _reactions(
        cases, first_due=first_due, letters=letters, day=day, seed=seed, acted=acted
    )
    paid = _pay(to_pay, day=day, seed=seed, now=now)
    for case in to_dispute:
        case_dispute(case=case, reason="Simulerat bestridande", actor="simulation", today=day)
    for case, installments in to_plan:
        try:
            plan_propose(case=case, installments=installments, first_due=day + PLAN_FIRST_DUE,
                         today=day, now=now, actor="simulation")
        except ApplicationError:
            continue  # e.g. beyond the creditor's rules for a small debt: the ladder goes on
    paid += _installments_paid(day=day, seed=seed, now=now)
    paid += _kronofogden_acts(day=day, seed=seed, now=now)
    return paid, len(to_dispute)


def _reactions(
    cases: list[Case], *, first_due: dict[int, date], letters: dict[int, dict[str, date]],
    day: date, seed: int, acted: set[int],
) -> tuple[list[tuple[Case, int]], list[Case], list[tuple[Case, int]]]:
    """Which debtors act today (each once): (to pay with percent, to dispute, to ask for a plan)."""
    to_pay: list[tuple[Case, int]] = []  # (case, percent of balance)
    to_dispute: list[Case] = []
    to_plan: list[tuple[Case, int]] = []
    for case in cases:
        b = behaviour_for(seed=seed, case_number=case.number)
        wait = timedelta(days=b.delay_days)
        if b.profile == "pays_before_reminder" and case.id in first_due:
            trigger = first_due[case.id] + timedelta(days=min(b.delay_days, 5))
        else:
            anchor = {
                "pays_after_reminder": "reminder",
                "disputes": "reminder",
                "pays_after_demand": "demand",
                "pays_part_after_demand": "demand",
                "asks_for_plan": "demand",
            }.get(b.profile)
            sent = letters[case.id].get(anchor) if anchor else None
            if sent is None:
                continue
            trigger = sent + wait
        if trigger > day or case.id in acted:
            continue
        acted.add(case.id)
        if b.profile == "disputes":
            to_dispute.append(case)
        elif b.profile == "asks_for_plan":
            to_plan.append((case, b.plan_installments))
        elif b.profile == "pays_part_after_demand":
            to_pay.append((case, PART_SHARE_PERCENT))
        elif b.profile != "never_pays":
            to_pay.append((case, 100))
    return to_pay, to_dispute, to_plan


def _pay(to_pay: list[tuple[Case, int]], *, day: date, seed: int, now: datetime) -> int:
    """Each debtor pays its percent of the balance; returns the öre paid."""
    paid = 0
    if to_pay:
        balances = case_balances(
            cases=[c for c, _ in to_pay], as_of=day, rates=reference_rate_table()
        )
        for case, percent in to_pay:
            amount = balances[case.id].balance_ore * percent // 100
            if amount <= 0:
                continue
            payment_apply(
                case=case,
                amount_ore=amount,
                paid_on=day,
                source="simulation",
                key=f"sim:{seed}:{case.id}:{percent}",
                now=now,
                actor="simulation",
            )
            paid += amount
    return paid


# Simulated Kronofogden: days from one outcome to the next (a plausible pace, not statistics).
KFM_SERVED_DAYS = 10
KFM_JUDGMENT_DAYS = 14
KFM_ENFORCEMENT_DAYS = 1
KFM_RESULT_DAYS = 45
KFM_NO_ASSETS_SHARE = 0.5


def _kronofogden_acts(*, day: date, seed: int, now: datetime) -> int:
    """Kronofogden's answers to the applications: served, utslag, verkställighet, then either
    payment through distraint or "no assets found" (→ efterbevakning). Returns öre paid."""
    import random

    from fordra.kfm.models import ApplicationState, KfmApplication
    from fordra.kfm.outcomes import kfm_record

    pace = {
        ApplicationState.APPLIED: (KFM_SERVED_DAYS, "served"),
        ApplicationState.SERVED: (KFM_JUDGMENT_DAYS, "judgment"),
        ApplicationState.JUDGMENT: (KFM_ENFORCEMENT_DAYS, "enforcement"),
        ApplicationState.ENFORCEMENT: (KFM_RESULT_DAYS, "result"),
    }
    paid = 0
    apps = KfmApplication.objects.filter(state__in=list(pace)).select_related("case")
    for app in apps:
        last = max([o.date for o in app.outcomes.all()], default=app.applied_on)
        wait, outcome = pace[ApplicationState(app.state)]
        if (day - last).days < wait or app.case.state in CLOSED_STATES:
            continue
        if outcome != "result":
            kfm_record(case=app.case, outcome=outcome, day=day, now=now, actor="simulation")
            continue
        if random.Random(f"{seed}:kfm:{app.case.number}").random() < KFM_NO_ASSETS_SHARE:
            kfm_record(case=app.case, outcome="no_assets", day=day, now=now, actor="simulation")
            continue
        balance = case_balances(cases=[app.case], as_of=day, rates=reference_rate_table())
        amount = balance[app.case.id].balance_ore
        if amount > 0:
            payment_apply(
                case=app.case, amount_ore=amount, paid_on=day, source="simulation",
                key=f"sim:{seed}:{app.case.id}:kfm", now=now, actor="simulation",
                reference="Kronofogden, utmätning",
            )
            paid += amount
    return paid


PLAN_FIRST_DUE = timedelta(days=14)


def _installments_paid(*, day: date, seed: int, now: datetime) -> int:
    """Debtors with a plan pay the installments due today — all of them, or only the first."""
    due = list(
        PlanInstallment.objects.filter(
            due_date=day, plan__state=PlanState.ACTIVE, plan__case__state=CaseState.PLAN
        ).select_related("plan__case")
    )
    paid = 0
    for inst in due:
        case = inst.plan.case
        b = behaviour_for(seed=seed, case_number=case.number)
        first = inst.number == inst.plan.schedule.order_by("number").values_list(
            "number", flat=True
        ).first()
        if not b.keeps_plan and not first:
            continue
        payment_apply(
            case=case, amount_ore=inst.amount_ore, paid_on=day, source="simulation",
            key=f"sim:{seed}:{case.id}:plan:{inst.number}", now=now, actor="simulation",
            reference=inst.ocr,
        )
        paid += inst.amount_ore
    return paid


def state_counts_text(report: SimulationReport, *, every_days: int = 7) -> str:
    """A readable table: cases per state at the end of each week; letters and payments summed."""
    states = sorted({s for d in report.days for s in d.states})
    lines = ["week ending " + " ".join(f"{s[:12]:>12}" for s in states) + "  letters       paid kr"]
    for start in range(0, len(report.days), every_days):
        week = report.days[start : start + every_days]
        last = week[-1]
        counts = " ".join(f"{last.states.get(s, 0):>12}" for s in states)
        letters = sum(d.letters for d in week)
        paid = sum(d.paid_ore for d in week)
        lines.append(f"{last.date}  {counts}  {letters:>7} {paid // 100:>13,}")
    total_letters = sum(d.letters for d in report.days)
    lines.append(f"cases {report.cases}, letters {total_letters}, chart {report.chart}")
    return "\n".join(lines)
