"""Kronofogden's part of the daily run: proposals after the demand, deadlines, renewals.

Runs after the ladder's decisions (``fordra.collection.run.daily_run``), so a case the ladder
handed over today (``awaiting_decision``) gets its proposal the same day. Idempotent: a proposal
is keyed by case and date and made only for a case without an open one; a konkursanmaning's
lapse is marked once; a renewal fee is keyed by case and date.

1. Konkursanmaningar whose pay-by date passed unpaid → a staff task (petition within three
   weeks, konkurslagen 2 kap. 9 §) and the case back to the decision.
2. Cases awaiting a decision (state open/reminder/demand, not paused) without an open
   proposal → a proposal with its forecast, an event and (unless the creditor's rules say
   auto) a staff task; with ``auto_apply`` the proposal is carried out at once.
3. Verkställighet continuing a new year → a new grundavgift (not when < 100 kr remains).
"""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from django.db.models import Q

from fordra.claims.models import Case
from fordra.claims.queries import cases_awaiting_decision
from fordra.claims.tasks import task_open
from fordra.core.errors import ApplicationError
from fordra.kfm.application import kfm_apply
from fordra.kfm.bankruptcy import bankruptcy_warnings_lapse, kfm_bankruptcy_warning
from fordra.kfm.decision import (
    DECIDABLE_STATES,
    kfm_return,
    kfm_surveillance,
    proposals_create,
)
from fordra.kfm.enforcement import enforcement_renewals
from fordra.kfm.models import KfmProposal

ACTOR = "system:kfm_daily"
PROPOSALS_PER_RUN_MAX = 100_000
IN_CHUNK = 900  # ids per IN list (SQLite's bound-parameter limit on older builds is 999)


def kfm_daily(*, run_date: date, now: datetime) -> Counter[str]:
    """Decide or propose the next stage for cases handed over on/before ``run_date``."""
    counts: Counter[str] = Counter()
    counts["kfm_bankruptcy_tasks"] += bankruptcy_warnings_lapse(day=run_date)
    open_proposals = KfmProposal.objects.filter(decision="").values("case_id")
    # The partial index case_awaiting_decision finds the flagged cases without a scan of the
    # portfolio (a bare boolean condition, as the index has it); the rest is filtered per chunk.
    awaiting = cases_awaiting_decision()
    cases: list[Case] = []
    for start in range(0, len(awaiting), IN_CHUNK):
        cases += (
            Case.objects.filter(id__in=awaiting[start : start + IN_CHUNK])
            .filter(state__in=DECIDABLE_STATES)
            .filter(Q(paused_until__isnull=True) | Q(paused_until__lt=run_date))
            .exclude(id__in=open_proposals)
            .select_related("creditor", "debtor")
            .order_by("id")
        )
        if len(cases) >= PROPOSALS_PER_RUN_MAX:
            cases = cases[:PROPOSALS_PER_RUN_MAX]
            break
    proposals = proposals_create(cases=cases, day=run_date, now=now)
    counts["kfm_proposals"] += len(proposals)
    by_id = {c.id: c for c in cases}
    for proposal in proposals:
        if proposal.approval_required:
            continue
        case = by_id[proposal.case_id]
        try:
            counts[_act(case, proposal, run_date=run_date, now=now)] += 1
        except ApplicationError as exc:
            # The proposal stays open for a person; the reason is on the task list.
            task_open(
                case=case,
                cause=f"kfm_auto_failed:{run_date.isoformat()}",
                kind="kfm_proposal",
                text=f"Automatiskt beslut kunde inte genomföras: {exc.message}",
                on=run_date,
            )
            counts["kfm_auto_failed"] += 1
    counts["kfm_enforcement_renewals"] += enforcement_renewals(day=run_date, now=now)
    return +counts


def _act(case: Case, proposal: KfmProposal, *, run_date: date, now: datetime) -> str:
    reason = " ".join(proposal.reasons)[:250]
    if proposal.action == "kfm":
        kfm_apply(case=case, day=run_date, now=now, actor=ACTOR)
        return "kfm_applied"
    if proposal.action == "surveillance":
        kfm_surveillance(case=case, day=run_date, actor=ACTOR, reason=reason)
        return "kfm_surveillance"
    if proposal.action == "bankruptcy_warning":
        kfm_bankruptcy_warning(case=case, day=run_date, actor=ACTOR)
        return "letters"
    kfm_return(case=case, day=run_date, actor=ACTOR, reason=reason)
    return "kfm_returned"
