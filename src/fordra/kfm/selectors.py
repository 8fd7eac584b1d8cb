"""Reading the Kronofogden stage of a case, for the case file and the web."""

from __future__ import annotations

from datetime import date
from typing import Any

from fordra.claims.models import Case
from fordra.kfm.models import BankruptcyWarning, KfmApplication, KfmOutcome, KfmProposal


def proposal_json(proposal: KfmProposal) -> dict[str, Any]:
    detail = proposal.detail or {}
    return {
        "date": proposal.created_on.isoformat(),
        "action": proposal.action,
        "approval_required": proposal.approval_required,
        "score": proposal.score,
        "reasons": list(proposal.reasons),
        "refusals": list(detail.get("refusals", [])),
        "notes": list(detail.get("notes", [])),
        "forecast": dict(proposal.forecast),
        "decision": proposal.decision or None,
        "decided_on": proposal.decided_on.isoformat() if proposal.decided_on else None,
        "decided_by": proposal.decided_by or None,
    }


def kfm_json(case: Case, *, as_of: date) -> dict[str, Any] | None:
    """Applications and outcomes at Kronofogden, or ``None`` when the case never got there.

    ``{"proposal": {...} | null, "proposals": [...], "applications": [{"date", "state",
    "total_ore", "batch_id", "pdf", "kfm_case_number", "outcomes": [{"kind", "date",
    "kfm_case_number", "detail"}]}], "bankruptcy_warnings": [{"sent_on", "served_on", "pay_by",
    "petition_by", "lapsed_on"}]}`` — as of ``as_of`` (later rows are left out).
    """
    proposals = list(
        KfmProposal.objects.filter(case=case, created_on__lte=as_of).order_by("created_on", "id")
    )
    applications = list(
        KfmApplication.objects.filter(case=case, applied_on__lte=as_of).order_by("applied_on", "id")
    )
    warnings = list(BankruptcyWarning.objects.filter(case=case, sent_on__lte=as_of))
    if not (proposals or applications or warnings):
        return None
    outcomes: dict[int, list[KfmOutcome]] = {}
    for o in KfmOutcome.objects.filter(case=case, date__lte=as_of).order_by("date", "id"):
        outcomes.setdefault(o.application_id, []).append(o)
    return {
        "proposal": proposal_json(proposals[-1]) if proposals else None,
        "proposals": [proposal_json(p) for p in proposals],
        "applications": [
            {
                "date": a.applied_on.isoformat(),
                "state": a.state,
                "total_ore": a.total_ore,
                "batch_id": a.batch_id or None,
                "pdf": a.pdf_path or None,
                "kfm_case_number": a.kfm_case_number or None,
                "outcomes": [
                    {
                        "kind": o.kind,
                        "date": o.date.isoformat(),
                        "kfm_case_number": o.kfm_case_number or None,
                        "detail": o.detail,
                    }
                    for o in outcomes.get(a.id, [])
                ],
            }
            for a in applications
        ],
        "bankruptcy_warnings": [
            {
                "sent_on": w.sent_on.isoformat(),
                "served_on": w.served_on.isoformat(),
                "pay_by": w.pay_by.isoformat(),
                "petition_by": w.petition_by.isoformat(),
                "lapsed_on": w.lapsed_on.isoformat() if w.lapsed_on else None,
            }
            for w in warnings
        ],
    }


def kfm_awaiting(*, limit: int = 500) -> list[tuple[Case, KfmProposal | None]]:
    """Cases awaiting the decision after the demand, with their open proposal (staff page)."""
    cases = list(
        Case.objects.filter(awaiting_decision=True)
        .exclude(state__startswith="closed_")
        .select_related("creditor", "debtor")
        .order_by("id")[:limit]
    )
    open_by_case = {
        p.case_id: p
        for p in KfmProposal.objects.filter(
            case_id__in=[c.id for c in cases], decision=""
        ).order_by("id")
    }
    return [(c, open_by_case.get(c.id)) for c in cases]
