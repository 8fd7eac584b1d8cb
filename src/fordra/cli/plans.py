"""``fordra plan …``: installment plans (avbetalningsplaner) — DESIGN.md §4.2.

    fordra plan propose REF --installments N --first-due D [--date D]
        → {"approved": bool, "fee_ore": n, "schedule": [{"due_date", "amount_ore", "ocr"}], …}
    fordra plan approve REF [--date D]      a plan beyond the creditor's rules starts
    fordra plan reject REF [--reason R]     … or is turned down
    fordra plan show REF [--as-of D]        the case's plan with what is paid per installment
    fordra plan list                        plans waiting for a decision
"""

from __future__ import annotations

import argparse
from typing import Any


def _proposal_json(plan: Any) -> dict[str, Any]:
    items = list(plan.schedule.order_by("number"))
    explanation = plan.explanation or {}
    return {
        "approved": plan.approved,
        "fee_ore": plan.fee_ore,
        "schedule": [
            {"due_date": i.due_date.isoformat(), "amount_ore": i.amount_ore, "ocr": i.ocr,
             "number": i.number}
            for i in items
        ],
        "ref": plan.case.ref,
        "state": plan.state,
        "total_ore": plan.total_ore,
        "interest_forecast_ore": plan.interest_forecast_ore,
        "reasons": list(explanation.get("reasons", [])),
        "fee": explanation.get("fee"),
        "explanation": explanation.get("text", ""),
    }


def _proposal_text(d: dict[str, Any]) -> str:
    from fordra.domain.money import format_amount

    head = (
        f"{d['ref']}: plan {'in force' if d['state'] == 'active' else d['state']}"
        + ("" if d["approved"] else f" — needs approval: {'; '.join(d['reasons'])}")
    )
    lines = [head, f"Plan fee {format_amount(d['fee_ore'])}; total {format_amount(d['total_ore'])}"]
    lines += [
        f"  {line['number']:>3}  {line['due_date']}  {format_amount(line['amount_ore']):>14}  "
        f"OCR {line['ocr']}"
        for line in d["schedule"]
    ]
    return "\n".join(lines)


def cmd_plan_propose(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _actor, _effective, _now
    from fordra.plans.services import plan_propose

    plan = plan_propose(
        case=case_get(ref=args.ref),
        installments=args.installments,
        first_due=args.first_due,
        today=_effective(args),
        now=_now(),
        actor=_actor(),
    )
    result = _proposal_json(plan)
    out.result(result, lambda: _proposal_text(result))


def cmd_plan_approve(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _actor, _effective, _now
    from fordra.plans.models import PlanState
    from fordra.plans.services import plan_approve, plan_for_case

    today = _effective(args)
    case = case_get(ref=args.ref)
    plan = plan_approve(
        plan=plan_for_case(case, states=(PlanState.PROPOSED,)),
        actor=_actor(),
        today=today,
        now=_now(),
    )
    result = _proposal_json(plan)
    out.result(result, lambda: _proposal_text(result))


def cmd_plan_reject(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _actor, _effective, _now
    from fordra.plans.models import PlanState
    from fordra.plans.services import plan_for_case, plan_reject

    today = _effective(args)
    case = case_get(ref=args.ref)
    plan = plan_reject(
        plan=plan_for_case(case, states=(PlanState.PROPOSED,)),
        actor=_actor(),
        today=today,
        now=_now(),
        reason=args.reason or "",
    )
    out.result({"ref": case.ref, "state": plan.state}, f"{case.ref}: plan rejected")


def cmd_plan_show(args: argparse.Namespace, out: Any) -> None:
    from fordra.claims.selectors import case_get
    from fordra.cli import _today
    from fordra.core.errors import ApplicationError
    from fordra.domain.money import format_amount
    from fordra.plans.selectors import plan_json

    case = case_get(ref=args.ref)
    d = plan_json(case, as_of=args.as_of or _today())
    if d is None:
        raise ApplicationError(f"case {case.ref} has no plan")

    def text() -> str:
        lines = [
            f"{case.ref}: plan {d['state']}, {d['installments']} installments, fee "
            f"{format_amount(d['fee_ore'])}, paid toward it {format_amount(d['paid_ore'])}"
        ]
        if d["status"]:
            lines.append(d["status"]["explanation"])
        lines += [
            f"  {i['number']:>3}  {i['due_date']}  {format_amount(i['amount_ore']):>14}  "
            f"OCR {i['ocr']}  {i['status']}"
            for i in d["schedule"]
        ]
        return "\n".join(lines)

    out.result({"ref": case.ref, "plan": d}, text)


def cmd_plan_list(args: argparse.Namespace, out: Any) -> None:
    from fordra.domain.money import format_amount
    from fordra.plans.selectors import plans_awaiting_decision

    rows = [
        {
            "ref": p.case.ref,
            "created_on": p.created_on.isoformat(),
            "installments": p.installments,
            "first_due": p.first_due.isoformat(),
            "total_ore": p.total_ore,
            "reasons": list((p.explanation or {}).get("reasons", [])),
        }
        for p in plans_awaiting_decision()[:1000]
    ]
    out.result(
        {"plans": rows},
        lambda: "\n".join(
            f"{r['ref']:<12} {r['created_on']}  {r['installments']:>3} × from {r['first_due']}  "
            f"{format_amount(r['total_ore']):>14}  {'; '.join(r['reasons'])}"
            for r in rows
        )
        or "No plans waiting for a decision.",
    )


def register(sub: Any, command: Any) -> None:
    """Add ``fordra plan …`` to the top-level parser."""
    from fordra.cli import _iso_date

    plan = sub.add_parser("plan", help="installment plans (avbetalningsplaner)").add_subparsers(
        dest="action", required=True
    )
    p = command(plan, "propose", cmd_plan_propose, "the debtor asks for an installment plan")
    p.add_argument("ref", help="case reference or OCR")
    p.add_argument("--installments", type=int, required=True, help="number of monthly payments")
    p.add_argument("--first-due", type=_iso_date, required=True, dest="first_due")
    p.add_argument("--date", type=_iso_date, help="the day the plan is made (default today)")
    p = command(plan, "approve", cmd_plan_approve, "approve a plan beyond the creditor's rules")
    p.add_argument("ref")
    p.add_argument("--date", type=_iso_date, help="the day of the decision (default today)")
    p = command(plan, "reject", cmd_plan_reject, "reject a plan beyond the creditor's rules")
    p.add_argument("ref")
    p.add_argument("--reason", default="")
    p.add_argument("--date", type=_iso_date, help="the day of the decision (default today)")
    p = command(plan, "show", cmd_plan_show, "the case's plan and what is paid")
    p.add_argument("ref")
    p.add_argument("--as-of", type=_iso_date, dest="as_of")
    command(plan, "list", cmd_plan_list, "plans waiting for a decision")
