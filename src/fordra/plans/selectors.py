"""Reading plans: the case's plan for the case file and the web, the plans waiting for a decision."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import QuerySet, Sum

from fordra.claims.models import Allocation, Case
from fordra.domain.plans import Installment, plan_status
from fordra.plans.models import Plan, PlanState


def plan_latest(case: Case) -> Plan | None:
    """The case's newest plan in any state (a broken or completed one stays visible)."""
    return Plan.objects.filter(case=case).order_by("-id").first()


def plan_json(case: Case, *, as_of: date) -> dict[str, Any] | None:
    """The case's plan (DESIGN.md §4.5 ``plan``): the newest one, or ``None`` without a plan.

    ``state``: proposed | active | broken | completed | cancelled. Each installment shows what
    is paid toward it as of ``as_of`` (payments beyond what was allocated when the plan
    started fill the installments in order) and its status: paid | partly_paid | open |
    overdue.
    """
    plan = plan_latest(case)
    if plan is None:
        return None
    items = list(plan.schedule.order_by("number"))
    paid_ore = _paid_toward(plan, case=case, as_of=as_of)
    return {
        "id": plan.id,
        "state": plan.state,
        "installments": plan.installments,
        "fee_ore": plan.fee_ore,
        "schedule": _schedule_json(items, paid_ore=paid_ore, as_of=as_of),
        "approved": plan.approved,
        "approved_by": plan.approved_by or None,
        "first_due": plan.first_due.isoformat(),
        "total_ore": plan.total_ore,
        "interest_forecast_ore": plan.interest_forecast_ore,
        "paid_ore": paid_ore,
        "grace_days": plan.grace_days,
        "created_on": plan.created_on.isoformat(),
        "decided_on": plan.decided_on.isoformat() if plan.decided_on else None,
        "ended_on": plan.ended_on.isoformat() if plan.ended_on else None,
        "reasons": list((plan.explanation or {}).get("reasons", [])),
        "explanation": (plan.explanation or {}).get("text", ""),
        "status": _status_json(plan, items=items, paid_ore=paid_ore, as_of=as_of),
    }


def _paid_toward(plan: Plan, *, case: Case, as_of: date) -> int:
    """What is paid toward a plan that started: the payments beyond what was allocated then."""
    if not plan.approved:
        return 0
    total = (
        Allocation.objects.filter(case=case, date__lte=as_of).aggregate(s=Sum("amount_ore"))["s"]
        or 0
    )
    return max(total - plan.paid_before_ore, 0)


def _schedule_json(items: list[Any], *, paid_ore: int, as_of: date) -> list[dict[str, Any]]:
    """The installments, ``paid_ore`` filling them in order, each with its status."""
    left = paid_ore
    schedule = []
    for item in items:
        covered = min(left, item.amount_ore)
        left -= covered
        if covered >= item.amount_ore:
            status = "paid"
        elif item.due_date < as_of:
            status = "overdue"
        elif covered > 0:
            status = "partly_paid"
        else:
            status = "open"
        schedule.append(
            {
                "number": item.number,
                "due_date": item.due_date.isoformat(),
                "amount_ore": item.amount_ore,
                "ocr": item.ocr,
                "paid_ore": covered,
                "status": status,
                "capital_ore": item.capital_ore,
                "interest_ore": item.interest_ore,
                "costs_ore": item.costs_ore,
            }
        )
    return schedule


def _status_json(
    plan: Plan, *, items: list[Any], paid_ore: int, as_of: date
) -> dict[str, Any] | None:
    """The domain's verdict on an active plan (``plan_status``); ``None`` otherwise."""
    if plan.state != PlanState.ACTIVE or not items:
        return None
    status_now = plan_status(
        schedule=[
            Installment(
                number=i.number, due_date=i.due_date, amount_ore=i.amount_ore,
                capital_ore=i.capital_ore, interest_ore=i.interest_ore, costs_ore=i.costs_ore,
                ocr=i.ocr,
            )
            for i in items
        ],
        paid_ore=paid_ore,
        today=as_of,
        grace_days=plan.grace_days,
    )
    return {"state": status_now.state, "explanation": status_now.explanation,
            "overdue_ore": status_now.overdue_ore}


def plans_awaiting_decision() -> QuerySet[Plan]:
    """Plans beyond the creditor's rules, oldest first: for staff to approve or reject."""
    return (
        Plan.objects.filter(state=PlanState.PROPOSED)
        .select_related("case__creditor", "case__debtor")
        .order_by("created_on", "id")
    )
