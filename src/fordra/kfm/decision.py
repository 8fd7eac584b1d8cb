"""The decision after the demand (Kronofogden, efterbevakning or return), and two of its outcomes.

- :func:`kfm_propose` / :func:`proposals_create` — the decision after the demand
  (``fordra.domain.stage_decision``), stored as a ``KfmProposal`` with its forecast and a task.
- :func:`kfm_surveillance`, :func:`kfm_return` — efterbevakning, or back to the creditor.

The third and fourth decisions are :func:`fordra.kfm.application.kfm_apply` (betalningsföreläggande)
and :func:`fordra.kfm.bankruptcy.kfm_bankruptcy_warning` (konkursanmaning).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from django.db import transaction

from fordra.claims.models import (
    CLOSED_STATES,
    Case,
    CaseEvent,
    CaseState,
    Invoice,
    Task,
)
from fordra.claims.scheduling import case_check_on
from fordra.claims.selectors import CaseBalance, case_balances
from fordra.claims.tasks import task_open
from fordra.core.errors import ApplicationError
from fordra.domain.fees import DebtorType, FeeKind, FeeSchedule
from fordra.domain.money import format_amount
from fordra.domain.stage_decision import (
    CaseFacts,
    KfmFees,
    KfmRules,
    Proposal,
    parse_rules,
    propose,
)
from fordra.kfm.models import BankruptcyWarning, KfmOutcome, KfmProposal
from fordra.letters.unsent import letters_cancel_unsent
from fordra.rules import load_fee_schedule

# States a case may be in when the decision after the demand is taken.
DECIDABLE_STATES = (CaseState.OPEN, CaseState.REMINDER, CaseState.DEMAND)


def kfm_rules(case: Case) -> tuple[KfmRules, tuple[str, ...]]:
    """The creditor's ``stage_rules["kfm"]`` (defaults where missing or bad) and its problems."""
    raw = (case.creditor.stage_rules or {}).get("kfm")
    return parse_rules(raw if isinstance(raw, dict) else None)


def kfm_fees(*, on: date, schedule: FeeSchedule | None = None) -> KfmFees:
    schedule = schedule or load_fee_schedule()
    return KfmFees(
        application_ore=schedule.rate_on(FeeKind.KFM_APPLICATION, on).amount_ore,
        ombud_ore=schedule.rate_on(FeeKind.KFM_OMBUD, on).amount_ore,
        enforcement_ore=schedule.rate_on(FeeKind.ENFORCEMENT, on).amount_ore,
    )


def case_facts(
    cases: Sequence[Case], *, today: date, balances: dict[int, CaseBalance] | None = None
) -> dict[int, CaseFacts]:
    """What the decision weighs for each case, with one query per table (set-based)."""
    if not cases:
        return {}
    ids = [c.id for c in cases]
    balances = balances or case_balances(cases=cases, as_of=today)
    disputed_at_kfm: set[int] = set()
    withdrawn_at_kfm: set[int] = set()
    for case_id, kind in KfmOutcome.objects.filter(
        case_id__in=ids, kind__in=["disputed", "withdrawn"]
    ).values_list("case_id", "kind"):
        (disputed_at_kfm if kind == "disputed" else withdrawn_at_kfm).add(case_id)
    warned = set(
        BankruptcyWarning.objects.filter(case_id__in=ids).values_list("case_id", flat=True)
    )
    oldest: dict[int, date] = {}
    for case_id, due in Invoice.objects.filter(
        case_id__in=ids, kind="invoice", written_off_on__isnull=True
    ).values_list("case_id", "due_date"):
        oldest[case_id] = min(due, oldest.get(case_id, due))
    out = {}
    for case in cases:
        balance = balances[case.id]
        debtor = case.debtor
        out[case.id] = CaseFacts(
            today=today,
            debtor_type=DebtorType(debtor.debtor_type),
            balance_ore=balance.balance_ore,
            paid_ore=balance.paid_ore,
            oldest_due_date=oldest.get(case.id, today),
            disputed=case.state == CaseState.DISPUTED,
            disputed_at_kfm=case.id in disputed_at_kfm,
            withdrawn_at_kfm=case.id in withdrawn_at_kfm,
            time_barred=case.limitation_date is not None and case.limitation_date <= today,
            limitation_review=case.limitation_review,
            debt_relief=debtor.debt_relief,
            deceased=debtor.deceased,
            foreign_partner=bool(case.foreign_partner),
            bankruptcy_warning_sent=case.id in warned,
        )
    return out


def kfm_propose(*, case: Case, today: date) -> Proposal:
    """The decision after the demand for one case, computed now (nothing stored)."""
    facts = case_facts([case], today=today)[case.id]
    rules, problems = kfm_rules(case)
    proposal = propose(facts=facts, rules=rules, fees=kfm_fees(on=today))
    return _with_rule_problems(proposal, problems)


def _with_rule_problems(proposal: Proposal, problems: Sequence[str]) -> Proposal:
    if not problems:
        return proposal
    from dataclasses import replace

    # Bad creditor rules fall back to the defaults, and a person looks before anything happens.
    return replace(
        proposal,
        approval_required=True,
        notes=(*proposal.notes, *(f"Borgenärens regler: {p}" for p in problems)),
    )


def proposals_create(*, cases: Sequence[Case], day: date, now: datetime) -> list[KfmProposal]:
    """Store a proposal, an event and a staff task for each case; returns the new proposals."""
    if not cases:
        return []
    facts = case_facts(cases, today=day)
    fees = kfm_fees(on=day)
    stored = []
    with transaction.atomic():
        for case in cases:
            rules, problems = kfm_rules(case)
            proposal = _with_rule_problems(
                propose(facts=facts[case.id], rules=rules, fees=fees), problems
            )
            row, created = KfmProposal.objects.get_or_create(
                key=f"kfm-proposal:{case.id}:{day.isoformat()}",
                defaults={
                    "case": case,
                    "created_on": day,
                    "action": proposal.action.value,
                    "approval_required": proposal.approval_required,
                    "score": proposal.score,
                    "reasons": list(proposal.reasons),
                    "forecast": proposal.forecast.as_json(),
                    "detail": proposal.as_json(),
                },
            )
            if not created:
                continue
            stored.append(row)
            text = proposal_text(proposal)
            CaseEvent.objects.create(
                case=case, date=day, kind="kfm_proposal", detail=text[:1000], actor="system"
            )
            if proposal.approval_required:
                task_open(
                    case=case,
                    cause=f"kfm_proposal:{day.isoformat()}",
                    kind="kfm_proposal",
                    text=f"Beslut efter inkassokravet: {text}",
                    on=day,
                )
    return stored


ACTION_LABELS = {
    "kfm": "ansök om betalningsföreläggande",
    "bankruptcy_warning": "skicka konkursanmaning",
    "surveillance": "efterbevakning",
    "return": "återlämna till borgenären",
}


def proposal_text(proposal: Proposal) -> str:
    f = proposal.forecast
    return (
        f"Förslag: {ACTION_LABELS[proposal.action.value]}. {' '.join(proposal.reasons)} "
        f"Prognos: skuld {format_amount(f.balance_ore)}, Kronofogdens avgifter "
        f"{format_amount(f.upfront_ore)} i förskott, förväntat indrivet "
        f"{format_amount(f.expected_recovery_ore)}, förväntat netto "
        f"{format_amount(f.expected_net_ore)} (betalningsförmåga {proposal.score}/100)."
    )


def open_proposal(case: Case) -> KfmProposal | None:
    return KfmProposal.objects.filter(case=case, decision="").order_by("-id").first()


def _decide_proposal(case: Case, *, decision: str, day: date, actor: str) -> None:
    KfmProposal.objects.filter(case=case, decision="").update(
        decision=decision, decided_on=day, decided_by=actor[:150]
    )
    Task.objects.filter(case=case, kind="kfm_proposal", done_at__isnull=True).update(
        done_at=_aware(day)
    )


def _aware(day: date) -> datetime:
    from datetime import UTC

    return datetime.combine(day, datetime.min.time(), tzinfo=UTC)


def kfm_surveillance(*, case: Case, day: date, actor: str, reason: str = "") -> Case:
    """Efterbevakning: the claim is kept alive and watched (the surveillance app takes over)."""
    _must_be_open(case)
    if case.state not in (*DECIDABLE_STATES, CaseState.JUDGMENT, CaseState.ENFORCEMENT):
        raise ApplicationError(f"case {case.ref} cannot go to efterbevakning from {case.state}")
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.SURVEILLANCE, awaiting_decision=False
        )
        case_check_on(case_id=case.pk)
        _decide_proposal(case, decision="surveillance", day=day, actor=actor)
        CaseEvent.objects.create(
            case=case,
            date=day,
            kind="surveillance_started",
            detail=("Efterbevakning" + (f": {reason}" if reason else ""))[:1000],
            actor=actor,
        )
    case.refresh_from_db()
    return case


def kfm_return(*, case: Case, day: date, actor: str, reason: str = "") -> Case:
    """Återlämna: the case goes back to the creditor, closed as recalled (closed_recalled)."""
    _must_be_open(case)
    if case.state not in (*DECIDABLE_STATES, CaseState.SURVEILLANCE):
        raise ApplicationError(f"case {case.ref} cannot be returned from {case.state}")
    why = reason or "beslut efter inkassokravet"
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.CLOSED_RECALLED,
            closed_on=day,
            close_reason=f"Återlämnat till borgenären: {why}"[:300],
            awaiting_decision=False,
        )
        case_check_on(case_id=case.pk)
        _decide_proposal(case, decision="return", day=day, actor=actor)
        letters_cancel_unsent(case_ids=[case.pk])
        CaseEvent.objects.create(
            case=case,
            date=day,
            kind="returned_to_creditor",
            detail=f"Återlämnat till borgenären: {why}"[:1000],
            actor=actor,
        )
    case.refresh_from_db()
    return case


def _must_be_open(case: Case) -> None:
    if case.state in CLOSED_STATES:
        raise ApplicationError(f"case {case.ref} is closed ({case.state})")
