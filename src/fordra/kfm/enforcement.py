"""Verkställighet (utmätning): Kronofogden's grundavgift when enforcement is asked for, and again
each year it continues (DOMAIN.md §2)."""

from __future__ import annotations

from datetime import date, datetime

from django.db import transaction

from fordra.claims.models import Case, CaseEvent, CaseState, FeeRecord
from fordra.claims.selectors import case_balances
from fordra.domain.fees import FeeKind
from fordra.domain.fees import enforcement_fee as enforcement_fee_rule
from fordra.kfm.application import _fee_added_events, _first_open_invoice, _post_fees
from fordra.rules import load_fee_schedule

# DOMAIN.md §2: no new grundavgift when less than 100 kr remains.
ENFORCEMENT_RENEWAL_MIN_ORE = 10_000


def _enforcement_fee(case: Case, *, day: date, now: datetime, actor: str) -> FeeRecord:
    outcome = enforcement_fee_rule(on=day, schedule=load_fee_schedule())
    fee = FeeRecord.objects.create(
        case=case,
        invoice=_first_open_invoice(case),
        kind=outcome.kind.value,
        amount_ore=outcome.amount_ore,
        date=day,
        rule=outcome.rule[:300],
        version=outcome.version[:60],
        explanation=outcome.explanation[:500],
        step="kfm_enforcement",
        key=f"kfm:{case.id}:{day.isoformat()}:enforcement",
    )
    _post_fees(case, [fee], key=f"kfm-enforcement:{case.id}:{day.isoformat()}", day=day, now=now)
    _fee_added_events(case, [fee], day=day, actor=actor)
    return fee


def enforcement_renewals(*, day: date, now: datetime) -> int:
    """A new grundavgift each year the enforcement continues (not when < 100 kr remains).

    Set-based: one query for the cases in enforcement and their latest enforcement fee.
    """
    from django.db.models import Max

    latest = dict(
        FeeRecord.objects.filter(case__state=CaseState.ENFORCEMENT, kind=FeeKind.ENFORCEMENT.value)
        .values("case_id")
        .annotate(last=Max("date"))
        .values_list("case_id", "last")
    )
    due = [cid for cid, last in latest.items() if _add_year(last) <= day]
    if not due:
        return 0
    cases = list(Case.objects.filter(id__in=due).select_related("creditor", "debtor"))
    balances = case_balances(cases=cases, as_of=day)
    renewed = 0
    for case in cases:
        if balances[case.id].balance_ore < ENFORCEMENT_RENEWAL_MIN_ORE:
            continue
        if FeeRecord.objects.filter(key=f"kfm:{case.id}:{day.isoformat()}:enforcement").exists():
            continue
        with transaction.atomic():
            _enforcement_fee(case, day=day, now=now, actor="system")
            CaseEvent.objects.create(
                case=case,
                date=day,
                kind="kfm_enforcement_renewed",
                detail="Verkställigheten fortsätter ett nytt år: ny grundavgift",
            )
        renewed += 1
    return renewed


def _add_year(day: date) -> date:
    try:
        return day.replace(year=day.year + 1)
    except ValueError:  # 29 February
        return day.replace(year=day.year + 1, day=28)
