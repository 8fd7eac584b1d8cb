"""Installment plans (avbetalningsplaner): propose, approve, reject.

``plan_propose`` computes a plan for the **whole remaining debt** of a case with
``fordra.domain.plans.propose_plan`` under the creditor's rules (``Creditor.stage_rules["plan"]``,
``plan_rules_of``). Within the rules the plan starts at once (``approved_by="rules"``); beyond
them it waits as *proposed* with a staff task until ``plan_approve`` or ``plan_reject``.

A plan that starts (one transaction):

- the case goes to state ``plan`` — the ladder stops ("plan in force") — and ``prior_state``
  keeps where it was, so that a broken plan hands it back to the ladder there;
- the plan fee (avgift för amorteringsplan, lag (1981:739) 3 § 2 och 4 § andra stycket 3:
  170 kr for a complete written plan for the whole remaining debt, made with the debtor and
  sent to them) is booked once per case — a FeeRecord and its ledger transaction — unless
  ``plan_fee_outcome`` refuses it (charged before, absorbed by förseningsersättning, a dödsbo,
  nothing yet due);
- a confirmation letter (kind ``plan``, text ``plan_confirmation``) with the schedule: each
  installment's due date, amount and its own OCR reference;
- events on the timeline.

The debtor's request for a plan acknowledges the debt: it interrupts limitation
(preskriptionsavbrott, preskriptionslagen (1981:130) 5 § 1), recorded as a CaseEvent of kind
``acknowledgement`` on the day of the request, whatever is decided.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Sum
from django.utils.dateparse import parse_date

from fordra.claims.limitation import limitation_follow
from fordra.claims.models import (
    CLOSED_STATES,
    Allocation,
    Case,
    CaseEvent,
    CaseState,
    FeeRecord,
    Invoice,
    Task,
)
from fordra.claims.scheduling import case_check_on
from fordra.claims.selectors import CaseBalance, case_balance_of
from fordra.core.errors import ApplicationError
from fordra.domain.fees import FeeKind
from fordra.domain.interest import RateMissingError
from fordra.domain.ledger import tx_fee_charged
from fordra.domain.letters import channels_for
from fordra.domain.money import format_amount
from fordra.domain.plans import (
    INSTALLMENTS_MAX,
    PlanProposal,
    PlanRules,
    plan_fee_outcome,
    propose_plan,
)
from fordra.ledger.services import ledger_post
from fordra.letters.models import Letter
from fordra.plans.models import OPEN_PLAN_STATES, Plan, PlanInstallment, PlanState
from fordra.reference.services import reference_rate_table
from fordra.rules import load_fee_schedule

# The states a plan can be made from: before Kronofogden, and from efterbevakning (a debtor
# under watch who offers to pay). Disputed, Kronofogden-stage and closed cases are refused.
PLAN_FROM_STATES = (
    CaseState.OPEN,
    CaseState.REMINDER,
    CaseState.DEMAND,
    CaseState.SURVEILLANCE,
)
KFM_STATES = (CaseState.KFM, CaseState.JUDGMENT, CaseState.ENFORCEMENT)
PLAN_RULE_KEYS = ("months_max", "installment_min_ore", "amount_max_ore", "grace_days")
PLAN_LETTER_CHANNELS = ["digital_mailbox", "print"]
REASON_CHARS_MAX = 300


def plan_rules_of(creditor: Any) -> PlanRules:
    """The creditor's plan rules: ``stage_rules["plan"]`` over the defaults of ``PlanRules``
    (12 months, 200 kr per installment, 50 000 kr in all, 10 days' grace; docs/stages.md)."""
    raw = (creditor.stage_rules or {}).get("plan") or {}
    where = f"creditor {creditor.orgnr}: stage_rules.plan"
    if not isinstance(raw, dict):
        raise ApplicationError(f"{where} must be a table of {', '.join(PLAN_RULE_KEYS)}")
    unknown = sorted(set(raw) - set(PLAN_RULE_KEYS))
    if unknown:
        raise ApplicationError(
            f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(PLAN_RULE_KEYS)})"
        )
    for key, value in raw.items():
        if not isinstance(value, int) or isinstance(value, bool):
            raise ApplicationError(f"{where}.{key} must be a whole number, not {value!r}")
    try:
        return PlanRules(**raw)
    except ValueError as exc:
        raise ApplicationError(f"{where}: {exc}") from exc


def plan_check_eligible(case: Case, *, today: date, deciding: Plan | None = None) -> None:
    """Refuse, with the reason, a plan on a case that may not have one (``deciding``: the
    proposed plan being approved, which does not count as another plan)."""
    ref = case.ref
    if case.state in CLOSED_STATES:
        raise ApplicationError(f"case {ref} is closed ({case.state}): no plan can be made")
    if case.state == CaseState.DISPUTED:
        raise ApplicationError(
            f"case {ref} is disputed: collection is stopped until the objection is decided, "
            "so no plan can be made"
        )
    if case.state in KFM_STATES:
        raise ApplicationError(
            f"case {ref} is at Kronofogden (state {case.state}): a plan is agreed there, not here"
        )
    if case.limitation_date is not None and case.limitation_date <= today:
        raise ApplicationError(
            f"the claim of case {ref} is time-barred since {case.limitation_date} "
            "(preskriptionslagen): it may not be demanded, nor put on a plan"
        )
    if case.debtor.debt_relief:
        raise ApplicationError(
            f"the debtor of case {ref} has skuldsanering: collection must stop, no plan"
        )
    if case.foreign_partner:
        raise ApplicationError(f"case {ref} is handled by the partner {case.foreign_partner}")
    others = Plan.objects.filter(case=case, state__in=OPEN_PLAN_STATES)
    if deciding is not None:
        others = others.exclude(pk=deciding.pk)
    open_plan = others.first()
    if open_plan is not None or case.state == CaseState.PLAN:
        what = open_plan.state if open_plan else "active"
        raise ApplicationError(f"case {ref} already has a plan ({what})")
    if case.state not in PLAN_FROM_STATES:
        raise ApplicationError(f"case {ref} is in state {case.state}: no plan can be made")


@dataclass(frozen=True)
class _Computed:
    proposal: PlanProposal
    balance: CaseBalance
    fee_invoice_id: int


def _compute(
    case: Case, *, installments: int, first_due: date, today: date, rules: PlanRules,
    first_number: int,
) -> _Computed:
    rates = reference_rate_table()
    balance = case_balance_of(case, as_of=today, rates=rates)
    open_claims = [c for c in balance.claims if c.capital_ore > 0] or list(balance.claims)
    if not open_claims:
        raise ApplicationError(f"case {case.ref} has no claim to put on a plan")
    oldest = open_claims[0]
    kinds = set(FeeRecord.objects.filter(case=case).values_list("kind", flat=True))
    schedule = load_fee_schedule()
    fee = plan_fee_outcome(
        on=today,
        due_date=oldest.due_date,
        already_charged=FeeKind.PLAN.value in kinds,
        late_payment_compensation_charged=FeeKind.LATE_PAYMENT_COMPENSATION.value in kinds,
        deceased=case.debtor.deceased,
        schedule=schedule,
    )
    rate = (
        Invoice.objects.filter(pk=oldest.invoice_id).values_list("interest_rate", flat=True).first()
    )
    try:
        proposal = propose_plan(
            case_number=case.number,
            capital_ore=max(balance.capital_ore, 0),
            interest_ore=max(balance.interest_ore, 0),
            costs_ore=max(balance.fees_ore, 0),
            installments=installments,
            first_due=first_due,
            today=today,
            rates=rates,
            agreed_rate_percent=Decimal(rate) if rate is not None else None,
            schedule=schedule,
            fee_already_charged=FeeKind.PLAN.value in kinds,
            rules=rules,
            fee=fee,
            first_number=first_number,
        )
    except RateMissingError as exc:
        # A plan's interest forecast needs a reference rate for each day it runs; the table
        # starts 2015-01-01 (DOMAIN.md §3): a plan before then is refused, not guessed.
        raise ApplicationError(
            f"case {case.ref}: the plan's interest cannot be computed: {exc}",
            code="rules_not_in_force",
        ) from exc
    except ValueError as exc:
        raise ApplicationError(f"case {case.ref}: {exc}") from exc
    return _Computed(proposal=proposal, balance=balance, fee_invoice_id=oldest.invoice_id)


def _next_number(case: Case) -> int:
    last = PlanInstallment.objects.filter(plan__case=case).aggregate(n=Max("number"))["n"]
    return (last or 0) + 1


def _write_schedule(plan: Plan, proposal: PlanProposal) -> None:
    PlanInstallment.objects.filter(plan=plan).delete()  # a proposal replaced at approval
    PlanInstallment.objects.bulk_create(
        PlanInstallment(
            plan=plan,
            number=item.number,
            due_date=item.due_date,
            amount_ore=item.amount_ore,
            capital_ore=item.capital_ore,
            interest_ore=item.interest_ore,
            costs_ore=item.costs_ore,
            ocr=item.ocr,
        )
        for item in proposal.schedule
    )


def _terms(plan: Plan, proposal: PlanProposal, rules: PlanRules | None) -> None:
    plan.fee_ore = proposal.fee.amount_ore if proposal.fee.allowed else 0
    plan.total_ore = proposal.total_ore
    plan.interest_forecast_ore = proposal.interest_ore
    plan.explanation = {
        **(plan.explanation or {}),
        "text": proposal.explanation,
        "reasons": list(proposal.reasons),
        "provisional": proposal.forecast.provisional,
        "fee": {
            "allowed": proposal.fee.allowed,
            "amount_ore": proposal.fee.amount_ore,
            "rule": proposal.fee.rule,
            "version": proposal.fee.version,
            "explanation": proposal.fee.explanation,
        },
        **(
            {"rules": {key: getattr(rules, key) for key in PLAN_RULE_KEYS}}
            if rules is not None
            else {}
        ),
    }


def plan_propose(
    *, case: Case, installments: int, first_due: date, today: date, now: datetime, actor: str
) -> Plan:
    """The debtor asks for a plan of ``installments`` monthly installments from ``first_due``.

    Within the creditor's rules the plan is in force at once; beyond them it is proposed and
    a staff task asks for a decision. Either way the request is an acknowledgement of the debt.
    """
    with transaction.atomic():
        case = Case.objects.select_for_update().select_related("creditor", "debtor").get(
            pk=case.pk
        )
        plan_check_eligible(case, today=today)
        rules = plan_rules_of(case.creditor)
        first_number = _next_number(case)
        computed = _compute(
            case, installments=installments, first_due=first_due, today=today, rules=rules,
            first_number=first_number,
        )
        proposal = computed.proposal
        plan = Plan(
            case=case,
            state=PlanState.PROPOSED,
            installments=installments,
            first_due=first_due,
            grace_days=rules.grace_days,
            created_on=today,
            created_by=actor[:150],
            prior_state=case.state,
            key=f"plan:{case.id}:{first_number}",
        )
        _terms(plan, proposal, rules)
        plan.save()
        _write_schedule(plan, proposal)
        CaseEvent.objects.create(
            case=case, date=today, kind="acknowledgement", actor=actor,
            detail="Gäldenären begärde en avbetalningsplan och erkände därmed skulden "
            "(preskriptionsavbrott, preskriptionslagen (1981:130) 5 § 1)",
        )
        if proposal.approved:
            _activate(plan, case, computed, approved_by="rules", today=today, now=now,
                      actor=actor)
        else:
            reasons = "; ".join(proposal.reasons)
            CaseEvent.objects.create(
                case=case, date=today, kind="plan_proposed", actor=actor,
                detail=f"Avbetalningsplan föreslagen ({installments} delbetalningar från "
                f"{first_due}), inväntar godkännande: {reasons}"[:1000],
            )
            Task.objects.create(
                case=case, kind="plan_approval", created_on=today,
                key=f"task:plan:{plan.id}:approval",
                text=f"Godkänn eller avslå avbetalningsplanen: {reasons}"[:500],
            )
            case_check_on(case_id=case.pk)
    # Asking for a plan acknowledged the debt (5 § 1): the case date follows at once.
    limitation_follow(case_ids=[case.id], day=today, now=now)
    plan.refresh_from_db()
    return plan


def _activate(
    plan: Plan, case: Case, computed: _Computed, *, approved_by: str, today: date,
    now: datetime, actor: str,
) -> None:
    proposal = computed.proposal
    paid_before = Allocation.objects.filter(case=case).aggregate(s=Sum("amount_ore"))["s"] or 0
    Plan.objects.filter(pk=plan.pk).update(
        state=PlanState.ACTIVE,
        approved=True,
        approved_by=approved_by[:150],
        decided_on=today,
        prior_state=case.state,
        paid_before_ore=paid_before,
    )
    Case.objects.filter(pk=case.pk).update(state=CaseState.PLAN)
    case_check_on(case_id=case.pk)
    fee = proposal.fee
    if fee.allowed and fee.amount_ore > 0:
        _book_fee(case, computed, today=today, now=now, actor=actor)
    first, last = proposal.schedule[0], proposal.schedule[-1]
    who = "enligt borgenärens regler" if approved_by == "rules" else f"godkänd av {approved_by}"
    CaseEvent.objects.create(
        case=case, date=today, kind="plan_active", actor=actor,
        detail=f"Avbetalningsplan gäller ({who}): {len(proposal.schedule)} delbetalningar "
        f"{first.due_date}–{last.due_date}, {format_amount(first.amount_ore)} per månad, "
        f"totalt {format_amount(proposal.total_ore)}"[:1000],
    )
    channels = channels_for(
        protected_identity=case.debtor.protected_identity, wanted=PLAN_LETTER_CHANNELS
    )
    Letter.objects.create(
        case=case,
        kind="plan",
        text="plan_confirmation",
        step="plan_confirmation",
        letter_date=today,
        pay_by=first.due_date,
        channels=channels,
        key=f"letter:{case.id}:plan:{plan.id}:confirmation",
        extra={
            "plan_id": plan.id,
            "schedule": [
                {"number": item.number, "due_date": item.due_date.isoformat(),
                 "amount_ore": item.amount_ore, "ocr": item.ocr}
                for item in proposal.schedule
            ],
            "schedule_note": _schedule_note(proposal, grace_days=plan.grace_days),
        },
    )
    CaseEvent.objects.create(
        case=case, date=today, kind="letter_created", actor=actor,
        detail="Bekräftelse av avbetalningsplan med betalningsplan och OCR-nummer per delbetalning",
    )


def _schedule_note(proposal: PlanProposal, *, grace_days: int) -> str:
    """Under the letter's table: the total, the interest in it, and when the plan ends."""
    note = (
        f"Totalt {format_amount(proposal.total_ore)} om varje delbetalning betalas senast på "
        f"förfallodagen, varav beräknad ränta under planen {format_amount(proposal.interest_ore)}."
    )
    if proposal.forecast.provisional:
        note += " Räntan är beräknad med den senast kända referensräntan."
    return (
        f"{note} Betalningarna går först till kostnader, sedan till ränta och sist till "
        f"kapital. Är en delbetalning inte betald inom {grace_days} dagar efter förfallodagen "
        "upphör planen att gälla."
    )


def _book_fee(case: Case, computed: _Computed, *, today: date, now: datetime, actor: str) -> None:
    """The plan fee: its record (once per case: the key) and the ledger transaction."""
    fee = computed.proposal.fee
    key = f"fee:case:{case.id}:plan"
    record, created = FeeRecord.objects.get_or_create(
        key=key,
        defaults={
            "case": case,
            "invoice_id": computed.fee_invoice_id,
            "kind": FeeKind.PLAN.value,
            "amount_ore": fee.amount_ore,
            "date": today,
            "rule": fee.rule[:300],
            "version": fee.version[:60],
            "explanation": fee.explanation[:500],
            "step": "plan",
        },
    )
    if not created:
        return
    ledger_post(
        [
            tx_fee_charged(
                key=f"plan-fee:{case.id}",
                day=today,
                case_id=case.id,
                creditor_id=case.creditor_id,
                amount_ore=record.amount_ore,
                memo=f"Avgift för avbetalningsplan {case.ref}",
            )
        ],
        now=now,
    )
    CaseEvent.objects.create(
        case=case, date=today, kind="fee_added", actor=actor,
        detail=f"Avgift för avbetalningsplan {format_amount(record.amount_ore)} "
        f"({record.rule}; {record.version})"[:1000],
    )


def _proposed(plan: Plan) -> Plan:
    fresh = Plan.objects.select_for_update().select_related("case").get(pk=plan.pk)
    if fresh.state != PlanState.PROPOSED:
        raise ApplicationError(
            f"the plan of case {fresh.case.ref} is {fresh.state}, not waiting for a decision"
        )
    return fresh


def _close_task(plan: Plan, *, now: datetime) -> None:
    Task.objects.filter(key=f"task:plan:{plan.id}:approval", done_at__isnull=True).update(
        done_at=now
    )


def plan_approve(*, plan: Plan, actor: str, today: date, now: datetime) -> Plan:
    """Staff (or the creditor) approve a plan beyond the rules: it starts today.

    The schedule is computed again as of ``today`` with the same installments and first due
    date, so that it still covers the whole remaining debt (fees or payments may have come
    since the proposal); the installments keep their numbers and OCR references. The
    creditor's limits are lifted by the approval; the grace period stays.
    """
    with transaction.atomic():
        plan = _proposed(plan)
        case = Case.objects.select_for_update().select_related("creditor", "debtor").get(
            pk=plan.case_id
        )
        plan_check_eligible(case, today=today, deciding=plan)
        first_number = PlanInstallment.objects.filter(plan=plan).aggregate(n=Min("number"))["n"]
        rules = PlanRules(
            months_max=INSTALLMENTS_MAX, installment_min_ore=0, amount_max_ore=10**15,
            grace_days=plan.grace_days,
        )
        computed = _compute(
            case, installments=plan.installments, first_due=plan.first_due, today=today,
            rules=rules, first_number=first_number or _next_number(case),
        )
        _terms(plan, computed.proposal, None)
        plan.save(update_fields=["fee_ore", "total_ore", "interest_forecast_ore", "explanation"])
        _write_schedule(plan, computed.proposal)
        _activate(plan, case, computed, approved_by=actor, today=today, now=now, actor=actor)
        _close_task(plan, now=now)
    plan.refresh_from_db()
    return plan


def plan_reject(*, plan: Plan, actor: str, today: date, now: datetime, reason: str = "") -> Plan:
    """Staff (or the creditor) say no to a plan beyond the rules; collection goes on."""
    reason = reason.strip()[:REASON_CHARS_MAX]
    with transaction.atomic():
        plan = _proposed(plan)
        Plan.objects.filter(pk=plan.pk).update(
            state=PlanState.CANCELLED,
            decided_on=today,
            ended_on=today,
            explanation={**(plan.explanation or {}), "rejected": reason or "avslagen"},
        )
        CaseEvent.objects.create(
            case_id=plan.case_id, date=today, kind="plan_rejected", actor=actor,
            detail=f"Avbetalningsplanen avslogs{': ' + reason if reason else ''}"[:1000],
        )
        _close_task(plan, now=now)
        case_check_on(case_id=plan.case_id)
    plan.refresh_from_db()
    return plan


def plan_for_case(case: Case, *, states: tuple[str, ...] = OPEN_PLAN_STATES) -> Plan:
    """The case's plan in one of ``states`` (default: proposed or in force)."""
    plan = Plan.objects.filter(case=case, state__in=states).order_by("-id").first()
    if plan is None:
        raise ApplicationError(f"case {case.ref} has no plan that is {' or '.join(states)}")
    return plan


def parse_day(text: str) -> date:
    """A date typed by a person (web form): ISO ``YYYY-MM-DD`` or an ApplicationError."""
    day = parse_date(text.strip()) if text else None
    if day is None:
        raise ApplicationError(f"not a date (YYYY-MM-DD): {text!r}")
    return day
