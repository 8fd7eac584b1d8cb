"""Kronofogden (KFM): deciding after the demand, applying for betalningsföreläggande, outcomes.

Each service is one transaction that takes the acting user, writes its events, and is idempotent
under a key derived from its cause (case + what + date):

- :func:`kfm_propose` / :func:`proposals_create` — the decision after the demand
  (``fordra.domain.stage_decision``), stored as a ``KfmProposal`` with its forecast and a task.
- :func:`kfm_apply` — ansökan om betalningsföreläggande (lag (1990:746)): eligibility, the
  application fee (300 kr) and, by the creditor's rules, the ombud's fee (380 kr, confidence L)
  as fee records and one ledger transaction, the application built and validated
  (``fordra.formats.kfm``), state ``kfm``, the event ``kfm_applied`` (a preskriptionsavbrott by
  legal action, preskriptionslagen 5 § 3).
- :func:`kfm_surveillance`, :func:`kfm_return` — the other two decisions.
- :func:`kfm_bankruptcy_warning` — a konkursanmaning to a company debtor (konkurslagen
  (1987:672) 2 kap. 9 §).
- :func:`kfm_record` / :func:`kfm_import_outcomes` — delgiven, bestridd, utslag, återkallad,
  verkställighet (grundavgift 600 kr), hinder/ingen tillgång.
- :func:`kfm_export` — the day's applications as a numbered batch (JSON + CSV) and one PDF each.

No notice letter is sent when the application is made: Kronofogden itself serves the
betalningsföreläggande on the debtor (delgivning), and the inkassokrav already said that an
application would follow — a letter of our own would add nothing the debtor must act on.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from fordra.claims.limitation import limitation_follow
from fordra.claims.models import (
    CLOSED_STATES,
    Case,
    CaseEvent,
    CaseState,
    FeeRecord,
    Invoice,
    Task,
)
from fordra.claims.scheduling import case_check_on
from fordra.claims.selectors import CaseBalance, case_balances, case_get
from fordra.claims.tasks import task_open
from fordra.core.errors import ApplicationError
from fordra.domain.calendar import add_bank_days, bank_day_on_or_after
from fordra.domain.fees import (
    DebtorType,
    FeeKind,
    FeeOutcome,
    FeeSchedule,
    kfm_application_fee,
    kfm_ombud_fee,
)
from fordra.domain.fees import enforcement_fee as enforcement_fee_rule
from fordra.domain.ledger import Posting, Transaction
from fordra.domain.letters import PRESUMED_RECEIPT_BANK_DAYS, channels_for
from fordra.domain.money import format_amount
from fordra.domain.stage_decision import (
    CaseFacts,
    KfmFees,
    KfmRules,
    Proposal,
    kfm_refusals,
    parse_rules,
    propose,
)
from fordra.formats import kfm as kfm_format
from fordra.kfm.models import (
    ApplicationState,
    BankruptcyWarning,
    KfmApplication,
    KfmBatch,
    KfmOutcome,
    KfmProposal,
)
from fordra.kfm.transport import Batch, kfm_transport
from fordra.ledger.services import ledger_post
from fordra.letters.models import Letter
from fordra.letters.services import agency_party, debtor_address_lines
from fordra.letters.unsent import letters_cancel_unsent
from fordra.rules import load_fee_schedule

# States a case may be in when the decision after the demand is taken.
DECIDABLE_STATES = (CaseState.OPEN, CaseState.REMINDER, CaseState.DEMAND)
# States from which a betalningsföreläggande may be applied for (efterbevakning: a better score).
APPLICABLE_STATES = (*DECIDABLE_STATES, CaseState.SURVEILLANCE)
# konkurslagen 2 kap. 9 §: pay within one week of service; petition within three weeks after.
BANKRUPTCY_PAY_DAYS = 7
BANKRUPTCY_PETITION_DAYS = 21
# DOMAIN.md §2: no new grundavgift when less than 100 kr remains.
ENFORCEMENT_RENEWAL_MIN_ORE = 10_000
OMBUDSKOD_DEFAULT = "DEMO-OMBUD"
OUTCOMES = ("served", "disputed", "judgment", "withdrawn", "no_assets", "enforcement")
IMPORT_ONLY_OUTCOMES = ("receipt_ok", "receipt_error")
OUTCOME_FILE_BYTES_MAX = kfm_format.OUTCOME_FILE_BYTES_MAX

OUTCOME_LABELS = {
    "served": "Delgiven",
    "disputed": "Bestridd",
    "judgment": "Utslag",
    "withdrawn": "Återkallad",
    "no_assets": "Hinder – ingen tillgång",
    "enforcement": "Verkställighet",
    "receipt_ok": "Kvittens",
    "receipt_error": "Kvittens med fel",
}
_FROM_FORMAT = {
    kfm_format.OutcomeKind.RECEIPT_OK: "receipt_ok",
    kfm_format.OutcomeKind.RECEIPT_ERROR: "receipt_error",
    kfm_format.OutcomeKind.SERVED: "served",
    kfm_format.OutcomeKind.DISPUTED: "disputed",
    kfm_format.OutcomeKind.JUDGMENT: "judgment",
    kfm_format.OutcomeKind.WITHDRAWN: "withdrawn",
    kfm_format.OutcomeKind.NO_ASSETS: "no_assets",
}
_FEE_PARTS = {
    FeeKind.REMINDER.value: kfm_format.ClaimPartKind.REMINDER_FEE,
    FeeKind.DEMAND.value: kfm_format.ClaimPartKind.COLLECTION_FEE,
    FeeKind.LATE_PAYMENT_COMPENSATION.value: kfm_format.ClaimPartKind.LATE_PAYMENT_COMPENSATION,
    FeeKind.PLAN.value: kfm_format.ClaimPartKind.PLAN_FEE,
    FeeKind.KFM_APPLICATION.value: kfm_format.ClaimPartKind.APPLICATION_FEE,
    FeeKind.KFM_OMBUD.value: kfm_format.ClaimPartKind.AGENT_FEE,
}


# --- facts and proposals ---------------------------------------------------------------------


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


# --- the other decisions ---------------------------------------------------------------------


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


# --- konkursanmaning -------------------------------------------------------------------------


def bankruptcy_deadlines(day: date) -> tuple[date, date, date, date]:
    """(letter date, presumed service, pay-by, petition-by) for a konkursanmaning sent ``day``.

    Presumed served two bank days after sending (as any letter, DOMAIN.md §4); the debtor has one
    week from service to pay; a petition within three weeks after that keeps the presumption of
    insolvency (konkurslagen 2 kap. 9 §).
    """
    letter_date = bank_day_on_or_after(day)
    served = add_bank_days(letter_date, PRESUMED_RECEIPT_BANK_DAYS)
    pay_by = bank_day_on_or_after(served + timedelta(days=BANKRUPTCY_PAY_DAYS))
    petition_by = pay_by + timedelta(days=BANKRUPTCY_PETITION_DAYS)
    return letter_date, served, pay_by, petition_by


def kfm_bankruptcy_warning(*, case: Case, day: date, actor: str) -> BankruptcyWarning:
    """Send a konkursanmaning to a company debtor (letter kind ``bankruptcy_warning``)."""
    existing = BankruptcyWarning.objects.filter(key=f"bankruptcy-warning:{case.id}").first()
    if existing is not None:
        return existing
    _must_be_open(case)
    if case.debtor.debtor_type != DebtorType.COMPANY:
        raise ApplicationError(
            f"case {case.ref}: a konkursanmaning is only for a company debtor "
            "(konkurslagen 2 kap. 9 §)"
        )
    facts = case_facts([case], today=day)[case.id]
    refusals = kfm_refusals(facts)
    if refusals or case.state not in DECIDABLE_STATES:
        raise ApplicationError(
            f"case {case.ref}: no konkursanmaning — the debt must be clear and due",
            details=list(refusals) or [f"state {case.state}"],
        )
    letter_date, served, pay_by, petition_by = bankruptcy_deadlines(day)
    channels = channels_for(
        protected_identity=case.debtor.protected_identity, wanted=("digital_mailbox", "print")
    )
    with transaction.atomic():
        warning = BankruptcyWarning.objects.create(
            case=case,
            sent_on=letter_date,
            served_on=served,
            pay_by=pay_by,
            petition_by=petition_by,
            key=f"bankruptcy-warning:{case.id}",
        )
        Letter.objects.get_or_create(
            key=f"letter:{case.id}:bankruptcy_warning",
            defaults={
                "case": case,
                "kind": "bankruptcy_warning",
                "text": "bankruptcy_warning",
                "step": "bankruptcy_warning",
                "letter_date": letter_date,
                "pay_by": pay_by,
                "channels": channels,
                "extra": {
                    "served_on": served.isoformat(),
                    "pay_by": pay_by.isoformat(),
                    "petition_by": petition_by.isoformat(),
                },
            },
        )
        Case.objects.filter(pk=case.pk).update(awaiting_decision=False)
        case_check_on(case_id=case.pk)
        _decide_proposal(case, decision="bankruptcy_warning", day=day, actor=actor)
        CaseEvent.objects.create(
            case=case,
            date=day,
            kind="bankruptcy_warning",
            detail=f"Konkursanmaning skickas {letter_date}: betala senast {pay_by} (en vecka "
            f"från antagen delgivning {served}); konkursansökan senast {petition_by} "
            "(konkurslagen 2 kap. 9 §)",
            actor=actor,
        )
    return warning


def bankruptcy_warnings_lapse(*, day: date) -> int:
    """Warnings whose deadline passed: a task (petition within three weeks) if still unpaid."""
    lapsed = list(
        BankruptcyWarning.objects.filter(lapsed_on__isnull=True, pay_by__lt=day).select_related(
            "case"
        )
    )
    tasks = 0
    for warning in lapsed:
        case = warning.case
        with transaction.atomic():
            BankruptcyWarning.objects.filter(pk=warning.pk).update(lapsed_on=day)
            if case.state in CLOSED_STATES:
                continue
            task_open(
                case=case,
                cause="bankruptcy_petition",
                kind="bankruptcy_petition",
                text=f"Konkursanmaningen är obetald sedan {warning.pay_by}: ansök om "
                f"konkurs senast {warning.petition_by} (konkurslagen 2 kap. 9 §) eller välj "
                "betalningsföreläggande.",
                on=day,
            )
            CaseEvent.objects.create(
                case=case,
                date=day,
                kind="bankruptcy_warning_lapsed",
                detail=f"Konkursanmaningen obetald efter {warning.pay_by}; konkursansökan "
                f"senast {warning.petition_by}",
            )
            # Back to the decision: BF is now proposed (the warning is on record).
            if case.state in DECIDABLE_STATES:
                Case.objects.filter(pk=case.pk).update(awaiting_decision=True)
                case_check_on(case_id=case.pk)
            tasks += 1
    return tasks


# --- the application -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplyResult:
    application: KfmApplication
    created: bool


def kfm_apply(*, case: Case, day: date, now: datetime, actor: str) -> ApplyResult:
    """Apply for a betalningsföreläggande for ``case`` on ``day`` (see the module docstring)."""
    key = f"kfm-application:{case.id}:{day.isoformat()}"
    existing = KfmApplication.objects.filter(key=key).first()
    if existing is not None:
        return ApplyResult(existing, False)
    _must_be_open(case)
    if case.state not in APPLICABLE_STATES:
        raise ApplicationError(
            f"case {case.ref} is in state {case.state}: a betalningsföreläggande is applied for "
            "only after the demand (or from efterbevakning)"
        )
    if case.paused_until is not None and case.paused_until >= day:
        raise ApplicationError(f"case {case.ref} is paused until {case.paused_until}")
    schedule = load_fee_schedule()
    facts = case_facts([case], today=day)[case.id]
    refusals = kfm_refusals(facts)
    if refusals:
        raise ApplicationError(
            f"case {case.ref} may not go to Kronofogden", details=list(refusals), code="refused"
        )
    rules, _ = kfm_rules(case)
    outcomes: list[FeeOutcome] = [kfm_application_fee(on=day, schedule=schedule)]
    if rules.ombud_fee:
        outcomes.append(kfm_ombud_fee(on=day, schedule=schedule))
    with transaction.atomic():
        first = _first_open_invoice(case)
        fees = [
            FeeRecord.objects.create(
                case=case,
                invoice=first,
                kind=o.kind.value,
                amount_ore=o.amount_ore,
                date=day,
                rule=o.rule[:300],
                version=o.version[:60],
                explanation=_explanation(o)[:500],
                step="kfm_apply",
                key=f"kfm:{case.id}:{day.isoformat()}:{o.kind.value}",
            )
            for o in outcomes
        ]
        _post_fees(case, fees, key=f"kfm-fees:{case.id}:{day.isoformat()}", day=day, now=now)
        application = build_application(case=case, day=day, schedule=schedule, rules=rules)
        problems = kfm_format.validate_application(application, fees=schedule)
        if problems:
            raise ApplicationError(
                f"case {case.ref}: the application is not valid", details=list(problems)
            )
        payload = _application_json(application)
        row = KfmApplication.objects.create(
            case=case,
            applied_on=day,
            total_ore=application.total_ore,
            payload=payload,
            text=kfm_format.application_text(application),
            actor=actor[:150],
            key=key,
        )
        Case.objects.filter(pk=case.pk).update(state=CaseState.KFM, awaiting_decision=False)
        case_check_on(case_id=case.pk)
        _decide_proposal(case, decision="kfm", day=day, actor=actor)
        for fee in fees:
            CaseEvent.objects.create(
                case=case,
                date=day,
                kind="fee_added",
                detail=f"{fee.explanation} ({fee.rule}; {fee.version})"[:1000],
                actor=actor,
            )
        CaseEvent.objects.create(
            case=case,
            date=day,
            kind="kfm_applied",
            detail=f"Ansökan om betalningsföreläggande, {format_amount(application.total_ore)} "
            "jämte ränta (preskriptionsavbrott: rättslig åtgärd, preskriptionslagen 5 §)",
            actor=actor,
        )
    limitation_follow(case_ids=[case.id], day=day, now=now)
    case.refresh_from_db()
    return ApplyResult(row, True)


def _explanation(outcome: FeeOutcome) -> str:
    if outcome.kind == FeeKind.KFM_OMBUD:
        # DOMAIN.md §2: an industry amount; its legal basis after 2014 is not confirmed.
        return (
            f"{outcome.explanation} Branschpraxis; den rättsliga grunden efter 2014 är inte "
            "bekräftad (konfidens L)."
        )
    return outcome.explanation


def _first_open_invoice(case: Case) -> Invoice:
    invoice = (
        case.invoices.filter(kind="invoice", written_off_on__isnull=True)
        .order_by("due_date", "id")
        .first()
    )
    if invoice is None:
        raise ApplicationError(f"case {case.ref} has no open invoice")
    return invoice


def _post_fees(
    case: Case, fees: Sequence[FeeRecord], *, key: str, day: date, now: datetime
) -> None:
    """Dr case:<id>:fees / Cr claims:<creditor> — the same accounts as the daily run's fees."""
    total = sum(f.amount_ore for f in fees)
    if total <= 0:
        return
    ledger_post(
        [
            Transaction(
                key=key,
                date=day,
                kind="fee_charged",
                memo=f"Kronofogden {case.ref}: {', '.join(f.kind for f in fees)}",
                postings=(
                    Posting(account=f"case:{case.id}:fees", amount_ore=total),
                    Posting(account=f"claims:{case.creditor_id}", amount_ore=-total),
                ),
            )
        ],
        now=now,
    )


def _agent() -> kfm_format.Agent:
    agency = agency_party()
    return kfm_format.Agent(
        name=agency.name,
        orgnr=settings.AGENCY["orgnr"],
        ombudskod=str(settings.AGENCY.get("ombudskod") or OMBUDSKOD_DEFAULT),
        address_lines=agency.address_lines,
        phone=agency.phone,
        email=agency.email,
        bankgiro=settings.AGENCY["bankgiro"],
    )


def _applicant(case: Case, rules: KfmRules) -> kfm_format.Applicant:
    lines = tuple(line.strip() for line in rules.applicant_address.split(",") if line.strip())
    if not lines:
        # The ombud represents the sökande before Kronofogden: without the creditor's own
        # address (stage_rules.kfm.applicant_address), its post goes care of the agency.
        agency = agency_party()
        lines = (f"c/o {agency.name}", *agency.address_lines)
    return kfm_format.Applicant(
        name=case.creditor.name, orgnr=case.creditor.orgnr, address_lines=lines
    )


def build_application(
    *, case: Case, day: date, schedule: FeeSchedule, rules: KfmRules
) -> kfm_format.Application:
    """The application for ``case`` as of ``day``: one capital part per open invoice with its
    interest, each collection cost still owed, and Kronofogden's and the ombud's fees."""
    balance = case_balances(cases=[case], as_of=day)[case.id]
    invoices = {i.id: i for i in case.invoices.all()}
    fee_rows = list(FeeRecord.objects.filter(case=case, date__lte=day).order_by("date", "id"))
    parts: list[kfm_format.ClaimPart] = []
    # Invoices whose capital or interest payments touched: their interest is not a plain
    # "from the due date" any more.
    touched = set(
        case.allocations.filter(component__in=["interest", "capital"]).values_list(
            "invoice_id", flat=True
        )
    )
    grounds = []
    once: list[kfm_format.ClaimPart] = []
    for claim in balance.claims:
        invoice = invoices[claim.invoice_id]
        if claim.capital_ore <= 0 and claim.costs_ore <= 0 and claim.interest_ore <= 0:
            continue
        grounds.append(
            f"Faktura {invoice.invoice_number} daterad {invoice.invoice_date.isoformat()}, "
            f"förfallen {invoice.due_date.isoformat()}"
            + (f": {invoice.description.strip()}" if invoice.description.strip() else "")
        )
        rate = invoice.interest_rate
        if claim.capital_ore > 0:
            if claim.invoice_id in touched:
                # Payments changed the capital or paid interest: the interest owed up to today
                # as an amount, and interest on what is left from tomorrow.
                start = day + timedelta(days=1)
                if claim.interest_ore > 0:
                    parts.append(
                        kfm_format.ClaimPart(
                            kind=kfm_format.ClaimPartKind.OTHER,
                            amount_ore=claim.interest_ore,
                            due_date=day,
                            description=f"Upplupen dröjsmålsränta t.o.m. {day.isoformat()} "
                            f"(faktura {invoice.invoice_number})",
                        )
                    )
            else:
                start = invoice.due_date + timedelta(days=1)
            parts.append(
                kfm_format.ClaimPart(
                    kind=kfm_format.ClaimPartKind.CAPITAL,
                    amount_ore=claim.capital_ore,
                    due_date=invoice.due_date,
                    interest=kfm_format.InterestClaim(from_date=start, rate_percent=rate),
                    description=f"Faktura {invoice.invoice_number}",
                )
            )
        # Costs still owed on this invoice, oldest first, after what payments covered.
        paid_costs = (
            sum(f.amount_ore for f in fee_rows if f.invoice_id == claim.invoice_id)
            - claim.costs_ore
        )
        for fee in (f for f in fee_rows if f.invoice_id == claim.invoice_id):
            amount = fee.amount_ore - min(paid_costs, fee.amount_ore)
            paid_costs -= fee.amount_ore - amount
            kind = _FEE_PARTS.get(fee.kind)
            if amount <= 0 or kind is None:
                continue
            part = kfm_format.ClaimPart(
                kind=kind,
                amount_ore=amount,
                due_date=fee.date,
                description=f"{fee.explanation[:150]}",
            )
            if kind in (
                kfm_format.ClaimPartKind.APPLICATION_FEE,
                kfm_format.ClaimPartKind.AGENT_FEE,
            ):
                if fee.date == day:
                    once.append(part)
            else:
                parts.append(part)
    debtor = case.debtor
    name = f"Dödsbo efter {debtor.name}" if debtor.deceased else debtor.name
    respondent = kfm_format.Respondent(
        name=name,
        identity=debtor.national_id,
        address_lines=debtor_address_lines(debtor),
        protected_identity=debtor.protected_identity,
        phone=debtor.phone if not debtor.protected_identity else "",
        email=debtor.email if not debtor.protected_identity else "",
    )
    return kfm_format.Application(
        reference=case.ref,
        applicant=_applicant(case, rules),
        agent=_agent(),
        respondents=(respondent,),
        parts=(*parts, *once),
        grounds=f"Obetalda fakturor från {case.creditor.name}.\n" + "\n".join(grounds),
        created_on=day,
        with_eviction=_eviction_due(case, day=day),
        disputed=case.state == CaseState.DISPUTED,
    )


EVICTION_KEEP_LEASE_DAYS = 21  # jordabalken 12 kap. 44 §: three weeks to pay and keep the lease


def _eviction_due(case: Case, *, day: date) -> bool:
    """Housing: ask for handräckning (avhysning) with the BF when the lease is forfeited.

    Rent more than a week late forfeits a residential lease (jordabalken 12 kap. 42 §), but the
    tenant keeps it by paying within three weeks of being told of that right — and for a home,
    only after socialnämnden was notified (44 §; DOMAIN.md §9). So: a housing creditor, the
    notice of the right sent, and (for a person's home) socialnämnden notified at least three
    weeks ago.
    """
    from fordra.claims.models import CaseEvent
    from fordra.letters.models import Letter, LetterStatus

    if case.creditor.template != "housing":
        return False
    noticed = Letter.objects.filter(
        case=case, text="rent_forfeiture_notice",
        status__in=[LetterStatus.SENT, LetterStatus.HANDED_OVER],
    ).exists()
    if not noticed:
        return False
    if case.debtor.debtor_type != "person":
        return True
    latest = day - timedelta(days=EVICTION_KEEP_LEASE_DAYS)
    return CaseEvent.objects.filter(
        case=case, kind="social_welfare_notified", date__lte=latest
    ).exists()


def _application_json(application: kfm_format.Application) -> dict[str, Any]:
    data = kfm_format.export_batch_json(
        [application], batch_id="single", sequence=1, created=_aware(application.created_on)
    )
    loaded: dict[str, Any] = json.loads(data)["applications"][0]
    return loaded


# --- outcomes --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordResult:
    outcome: KfmOutcome
    created: bool
    case: Case


# outcome → (case states it may follow, application states it may follow)
_TRANSITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "served": ((CaseState.KFM,), (ApplicationState.APPLIED,)),
    "disputed": ((CaseState.KFM,), (ApplicationState.APPLIED, ApplicationState.SERVED)),
    "judgment": ((CaseState.KFM,), (ApplicationState.APPLIED, ApplicationState.SERVED)),
    "withdrawn": (
        (CaseState.KFM, CaseState.DISPUTED),
        (ApplicationState.APPLIED, ApplicationState.SERVED, ApplicationState.DISPUTED),
    ),
    "enforcement": (
        (CaseState.JUDGMENT, CaseState.SURVEILLANCE),
        (ApplicationState.JUDGMENT, ApplicationState.NO_ASSETS),
    ),
    "no_assets": (
        (CaseState.JUDGMENT, CaseState.ENFORCEMENT),
        (ApplicationState.JUDGMENT, ApplicationState.ENFORCEMENT),
    ),
    "receipt_ok": ((CaseState.KFM,), (ApplicationState.APPLIED,)),
    "receipt_error": ((CaseState.KFM,), (ApplicationState.APPLIED,)),
}


def kfm_record(
    *,
    case: Case,
    outcome: str,
    day: date,
    now: datetime,
    actor: str,
    kfm_case_number: str = "",
    detail: str = "",
) -> RecordResult:
    """Record what Kronofogden decided for the case's latest application.

    - ``served`` (delgiven): an event; the case stays ``kfm``.
    - ``disputed`` (bestridd): state ``disputed`` with ``dispute_outcome`` open and a task to
      choose tingsrätten or withdrawal — the claim is never pursued as undisputed again.
    - ``judgment`` (utslag): state ``judgment``; the event ``judgment`` restarts limitation
      (preskriptionslagen 7 §).
    - ``withdrawn`` (återkallad): a case at ``kfm`` goes back to ``demand`` awaiting a new
      decision (a person decides: the proposal then always needs approval); a disputed case
      stays disputed.
    - ``enforcement`` (verkställighet): the grundavgift (600 kr) booked, state ``enforcement``.
    - ``no_assets`` (hinder/ingen tillgång): state ``surveillance`` (efterbevakning).
    - ``receipt_ok`` / ``receipt_error`` (kvittens, from the import): an event; an error also a task.
    """
    if outcome not in _TRANSITIONS:
        raise ApplicationError(
            f"unknown outcome {outcome!r}: use one of {', '.join(OUTCOMES)}", code="invalid"
        )
    application = case.kfm_applications.order_by("-applied_on", "-id").first()
    if application is None:
        raise ApplicationError(f"case {case.ref} has no application at Kronofogden")
    key = f"kfm-outcome:{application.id}:{outcome}:{day.isoformat()}"
    existing = KfmOutcome.objects.filter(key=key).first()
    if existing is not None:
        return RecordResult(existing, False, case)
    case_states, application_states = _TRANSITIONS[outcome]
    if case.state not in case_states or application.state not in application_states:
        raise ApplicationError(
            f"case {case.ref}: cannot record {OUTCOME_LABELS[outcome].lower()} now "
            f"(case {case.state}, application {application.state})",
            code="conflict",
        )
    if day < application.applied_on:
        raise ApplicationError(
            f"case {case.ref}: the outcome date {day} is before the application "
            f"({application.applied_on})"
        )
    number = kfm_case_number.strip()[:40] or application.kfm_case_number
    detail = detail.strip()[:1000]
    with transaction.atomic():
        row = KfmOutcome.objects.create(
            application=application,
            case=case,
            kind=outcome,
            date=day,
            kfm_case_number=number,
            detail=detail,
            actor=actor[:150],
            key=key,
        )
        KfmApplication.objects.filter(pk=application.pk).update(kfm_case_number=number)
        _apply_outcome(
            case, application, outcome, day=day, now=now, actor=actor, detail=detail, number=number
        )
    # An utslag starts a new period (preskriptionslagen 7 §): the case date follows at once.
    limitation_follow(case_ids=[case.id], day=day, now=now)
    case.refresh_from_db()
    return RecordResult(row, True, case)


def _apply_outcome(
    case: Case,
    application: KfmApplication,
    outcome: str,
    *,
    day: date,
    now: datetime,
    actor: str,
    detail: str,
    number: str,
) -> None:
    mål = f" (målnr {number})" if number else ""
    note = f": {detail}" if detail else ""
    app_state: str | None = None
    case_update: dict[str, Any] = {}
    event_kind, text = f"kfm_{outcome}", ""
    if outcome == "served":
        app_state = ApplicationState.SERVED
        text = f"Betalningsföreläggandet delgivet gäldenären{mål}"
    elif outcome == "disputed":
        app_state = ApplicationState.DISPUTED
        case_update.update(
            state=CaseState.DISPUTED,
            dispute_reason=f"Bestridd hos Kronofogden{mål}{note}"[:1000],
            dispute_outcome="",
            awaiting_decision=False,
        )
        letters_cancel_unsent(case_ids=[case.pk])
        task_open(
            case=case,
            cause=f"kfm_disputed:{application.id}",
            kind="kfm_disputed",
            text="Bestridd hos Kronofogden: begär överlämnande till tingsrätten eller "
            "återkalla ansökan (aldrig vidare som ostridig).",
            on=day,
        )
        text = f"Gäldenären bestred betalningsföreläggandet{mål}{note}"
    elif outcome == "judgment":
        app_state = ApplicationState.JUDGMENT
        case_update.update(state=CaseState.JUDGMENT)
        event_kind = "judgment"
        text = (
            f"Utslag från Kronofogden{mål}: verkställbart; ny preskriptionstid från {day} "
            "(preskriptionslagen 7 §)"
        )
    elif outcome == "withdrawn":
        app_state = ApplicationState.WITHDRAWN
        if case.state == CaseState.KFM:
            case_update.update(state=CaseState.DEMAND, awaiting_decision=True)
            text = f"Ansökan återkallad{mål}{note}; nytt beslut om nästa steg"
        else:
            text = f"Ansökan återkallad{mål}{note}; kravet är fortsatt bestritt"
    elif outcome == "enforcement":
        app_state = ApplicationState.ENFORCEMENT
        case_update.update(state=CaseState.ENFORCEMENT)
        _enforcement_fee(case, day=day, now=now, actor=actor)
        text = f"Verkställighet begärd hos Kronofogden{mål}"
    elif outcome == "no_assets":
        app_state = ApplicationState.NO_ASSETS
        case_update.update(state=CaseState.SURVEILLANCE, awaiting_decision=False)
        text = f"Hinder: inga tillgångar hittades{mål}{note}; efterbevakning"
    elif outcome == "receipt_ok":
        text = f"Kvittens från Kronofogden: ansökan mottagen{mål}"
    elif outcome == "receipt_error":
        app_state = ApplicationState.REFUSED
        task_open(
            case=case,
            cause=f"kfm_receipt_error:{application.id}",
            kind="kfm_receipt_error",
            text=f"Kronofogden avvisade ansökan{note}: rätta och ansök igen.",
            on=day,
        )
        text = f"Kvittens med fel från Kronofogden{note}"
    if app_state is not None:
        KfmApplication.objects.filter(pk=application.pk).update(state=app_state)
    if case_update:
        Case.objects.filter(pk=case.pk).update(**case_update)
    case_check_on(case_id=case.pk)
    CaseEvent.objects.create(case=case, date=day, kind=event_kind, detail=text[:1000], actor=actor)


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
    CaseEvent.objects.create(
        case=case,
        date=day,
        kind="fee_added",
        detail=f"{fee.explanation} ({fee.rule}; {fee.version})"[:1000],
        actor=actor,
    )
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


@dataclass(frozen=True)
class ImportResult:
    outcomes: int
    recorded: int
    duplicates: int

    def as_json(self) -> dict[str, int]:
        return {"outcomes": self.outcomes, "recorded": self.recorded, "duplicates": self.duplicates}


def kfm_import_outcomes(*, data: bytes, now: datetime, actor: str) -> ImportResult:
    """An outcomes file (``formats.kfm.parse_outcomes_csv``): all outcomes or none."""
    outcomes, errors = kfm_format.parse_outcomes_csv(data)
    if errors:
        raise ApplicationError(
            "the outcomes file has errors; nothing was recorded", details=list(errors)
        )
    problems: list[str] = []
    recorded = duplicates = 0
    with transaction.atomic():
        for number, item in enumerate(outcomes, start=1):
            where = f"outcome {number} ({item.reference} {item.kind.value} {item.date})"
            try:
                case = case_get(ref=item.reference)
                result = kfm_record(
                    case=case,
                    outcome=_FROM_FORMAT[item.kind],
                    day=item.date,
                    now=now,
                    actor=actor,
                    kfm_case_number=item.kfm_case_number,
                    detail=item.detail,
                )
            except ApplicationError as exc:
                problems.append(f"{where}: {exc.message}")
                continue
            if result.created:
                recorded += 1
            else:
                duplicates += 1
        if problems:
            # Raising inside the transaction undoes every outcome already recorded.
            raise ApplicationError(
                "the outcomes file has errors; nothing was recorded", details=problems
            )
    return ImportResult(len(outcomes), recorded, duplicates)


# --- export ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ExportResult:
    batches: list[KfmBatch]
    new: int

    def as_json(self) -> dict[str, Any]:
        return {
            "new_batches": self.new,
            "batches": [
                {
                    "batch_id": b.batch_id,
                    "sequence": b.sequence,
                    "applications": b.applications,
                    "total_ore": b.total_ore,
                    "json": b.json_path,
                    "csv": b.csv_path,
                }
                for b in self.batches
            ],
        }


def kfm_export(*, day: date, now: datetime) -> ExportResult:
    """Write the day's applications not yet in a batch as one numbered batch + a PDF each.

    Idempotent: a re-run with nothing new writes nothing and lists the day's batches.
    """
    pending = list(
        KfmApplication.objects.filter(applied_on=day, batch_id="").select_related("case")
    )
    new = 0
    if pending:
        applications = []
        for row in pending:
            applications.append(_rebuild(row))
        with transaction.atomic():
            last = KfmBatch.objects.order_by("-sequence").first()
            sequence = (last.sequence if last else 0) + 1
            batch_id = f"BF-{day.isoformat()}-{sequence}"
            folder = Path(settings.MEDIA_ROOT) / "kfm" / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
            folder.mkdir(parents=True, exist_ok=True)
            try:
                json_bytes = kfm_format.export_batch_json(
                    applications, batch_id=batch_id, sequence=sequence, created=now
                )
                csv_bytes = kfm_format.export_batch_csv(
                    applications, batch_id=batch_id, sequence=sequence, created=now
                )
            except kfm_format.KfmError as exc:
                raise ApplicationError(
                    "the batch cannot be written", details=list(exc.problems)
                ) from exc
            json_path = folder / f"{batch_id}.json"
            csv_path = folder / f"{batch_id}.csv"
            json_path.write_bytes(json_bytes)
            csv_path.write_bytes(csv_bytes)
            for row in pending:
                pdf = folder / f"{batch_id}-{row.case.ref}.pdf"
                pdf.write_bytes(application_pdf(row.text))
                KfmApplication.objects.filter(pk=row.pk).update(
                    batch_id=batch_id, pdf_path=str(pdf)
                )
            KfmBatch.objects.create(
                batch_id=batch_id,
                day=day,
                sequence=sequence,
                applications=len(pending),
                total_ore=sum(a.total_ore for a in applications),
                json_path=str(json_path),
                csv_path=str(csv_path),
            )
            # Handed over last: a transport that refuses rolls the batch back whole.
            receipt = kfm_transport().submit(
                Batch(batch_id=batch_id, sequence=sequence, json_bytes=json_bytes,
                      csv_bytes=csv_bytes)
            )
            for row in pending:
                CaseEvent.objects.create(
                    case=row.case, date=day, kind="kfm_submitted",
                    detail=f"Ansökan i sats {batch_id} överlämnad ({receipt})", actor="system",
                )
            new = 1
    return ExportResult(list(KfmBatch.objects.filter(day=day).order_by("sequence")), new)


def _rebuild(row: KfmApplication) -> kfm_format.Application:
    """The application as stored when it was made (its JSON), back as the format's model."""
    from decimal import Decimal

    p = row.payload

    def interest(data: dict[str, Any] | None) -> kfm_format.InterestClaim | None:
        if data is None:
            return None
        return kfm_format.InterestClaim(
            from_date=date.fromisoformat(data["from_date"]),
            rate_percent=Decimal(data["rate_percent"]) if data["rate_percent"] else None,
            reference_rate_margin_pp=Decimal(data["reference_rate_margin_pp"])
            if data["reference_rate_margin_pp"]
            else None,
        )

    return kfm_format.Application(
        reference=p["reference"],
        applicant=kfm_format.Applicant(
            name=p["applicant"]["name"],
            orgnr=p["applicant"]["orgnr"],
            address_lines=tuple(p["applicant"]["address_lines"]),
        ),
        agent=kfm_format.Agent(
            **{**p["agent"], "address_lines": tuple(p["agent"]["address_lines"])}
        ),
        respondents=tuple(
            kfm_format.Respondent(
                name=r["name"],
                identity=r["identity"],
                address_lines=tuple(r["address_lines"]),
                protected_identity=r["protected_identity"],
                phone=r["phone"],
                email=r["email"],
            )
            for r in p["respondents"]
        ),
        parts=tuple(
            kfm_format.ClaimPart(
                kind=kfm_format.ClaimPartKind(part["kind"]),
                amount_ore=part["amount_ore"],
                due_date=date.fromisoformat(part["due_date"]),
                interest=interest(part["interest"]),
                description=part["description"],
            )
            for part in p["parts"]
        ),
        grounds=p["grounds"],
        created_on=date.fromisoformat(p["created_on"]),
        with_eviction=p["with_eviction"],
        disputed=p["disputed"],
    )


def application_pdf(text: str) -> bytes:
    """The application text as a plain A4 PDF (Helvetica: the text stays extractable)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    _width, height = A4
    margin, leading = 56, 13
    y = height - margin
    for raw in text.splitlines():
        for line in _wrap(raw, 95):
            if y < margin:
                canvas.showPage()
                y = height - margin
            bold = raw.isupper() and bool(raw.strip())
            canvas.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
            canvas.drawString(margin, y, line)
            y -= leading
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrap(line: str, width: int) -> Iterable[str]:
    if len(line) <= width:
        yield line
        return
    words, current = line.split(" "), ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            yield current
            current = word
        else:
            current = f"{current} {word}" if current else word
    yield current
