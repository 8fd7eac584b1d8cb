"""Ansökan om betalningsföreläggande (lag (1990:746)): the application, its fees and its text.

:func:`kfm_apply` — eligibility, the application fee (300 kr) and, by the creditor's rules, the
ombud's fee (380 kr, confidence L) as fee records and one ledger transaction, the application
built and validated (``fordra.formats.kfm``), state ``kfm``, the event ``kfm_applied`` (a
preskriptionsavbrott by legal action, preskriptionslagen 5 § 3). One transaction, idempotent
under a key of case and date.

No notice letter is sent when the application is made: Kronofogden itself serves the
betalningsföreläggande on the debtor (delgivning), and the inkassokrav already said that an
application would follow — a letter of our own would add nothing the debtor must act on.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from fordra.claims.limitation import limitation_follow
from fordra.claims.models import Case, CaseEvent, CaseState, FeeRecord, Invoice
from fordra.claims.scheduling import case_check_on
from fordra.claims.selectors import ClaimOutstanding, case_balances
from fordra.core.errors import ApplicationError
from fordra.domain.fees import (
    FeeKind,
    FeeOutcome,
    FeeSchedule,
    kfm_application_fee,
    kfm_ombud_fee,
)
from fordra.domain.ledger import tx_fee_charged
from fordra.domain.money import format_amount
from fordra.domain.stage_decision import KfmRules, kfm_refusals
from fordra.formats import kfm as kfm_format
from fordra.kfm.decision import (
    DECIDABLE_STATES,
    _aware,
    _decide_proposal,
    _must_be_open,
    case_facts,
    kfm_rules,
)
from fordra.kfm.models import KfmApplication
from fordra.ledger.services import ledger_post
from fordra.letters.services import agency_party, debtor_address_lines
from fordra.parties.models import Debtor
from fordra.rules import load_fee_schedule

# States from which a betalningsföreläggande may be applied for (efterbevakning: a better score).
APPLICABLE_STATES = (*DECIDABLE_STATES, CaseState.SURVEILLANCE)
OMBUDSKOD_DEFAULT = "DEMO-OMBUD"
_FEE_PARTS = {
    FeeKind.REMINDER.value: kfm_format.ClaimPartKind.REMINDER_FEE,
    FeeKind.DEMAND.value: kfm_format.ClaimPartKind.COLLECTION_FEE,
    FeeKind.LATE_PAYMENT_COMPENSATION.value: kfm_format.ClaimPartKind.LATE_PAYMENT_COMPENSATION,
    FeeKind.PLAN.value: kfm_format.ClaimPartKind.PLAN_FEE,
    FeeKind.KFM_APPLICATION.value: kfm_format.ClaimPartKind.APPLICATION_FEE,
    FeeKind.KFM_OMBUD.value: kfm_format.ClaimPartKind.AGENT_FEE,
}


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
    _must_be_applicable(case, day=day)
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
        fees = _fee_records(case, outcomes, day=day)
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
        _applied_events(case, fees, application, day=day, actor=actor)
    limitation_follow(case_ids=[case.id], day=day, now=now)
    case.refresh_from_db()
    return ApplyResult(row, True)


def _must_be_applicable(case: Case, *, day: date) -> None:
    """Open, after the demand (or in efterbevakning), and not paused on ``day``."""
    _must_be_open(case)
    if case.state not in APPLICABLE_STATES:
        raise ApplicationError(
            f"case {case.ref} is in state {case.state}: a betalningsföreläggande is applied for "
            "only after the demand (or from efterbevakning)"
        )
    if case.paused_until is not None and case.paused_until >= day:
        raise ApplicationError(f"case {case.ref} is paused until {case.paused_until}")


def _fee_records(case: Case, outcomes: Sequence[FeeOutcome], *, day: date) -> list[FeeRecord]:
    """The application's fees as fee records on the case's first open invoice."""
    first = _first_open_invoice(case)
    return [
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


def _applied_events(
    case: Case,
    fees: Sequence[FeeRecord],
    application: kfm_format.Application,
    *,
    day: date,
    actor: str,
) -> None:
    """One event per fee, then ``kfm_applied`` (a preskriptionsavbrott by legal action)."""
    _fee_added_events(case, fees, day=day, actor=actor)
    CaseEvent.objects.create(
        case=case,
        date=day,
        kind="kfm_applied",
        detail=f"Ansökan om betalningsföreläggande, {format_amount(application.total_ore)} "
        "jämte ränta (preskriptionsavbrott: rättslig åtgärd, preskriptionslagen 5 §)",
        actor=actor,
    )


def _fee_added_events(
    case: Case, fees: Sequence[FeeRecord], *, day: date, actor: str
) -> None:
    """The case's timeline shows each Kronofogden fee with its rule and version."""
    for fee in fees:
        CaseEvent.objects.create(
            case=case,
            date=day,
            kind="fee_added",
            detail=f"{fee.explanation} ({fee.rule}; {fee.version})"[:1000],
            actor=actor,
        )


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
            tx_fee_charged(
                key=key,
                day=day,
                case_id=case.id,
                creditor_id=case.creditor_id,
                amount_ore=total,
                memo=f"Kronofogden {case.ref}: {', '.join(f.kind for f in fees)}",
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
        grounds.append(_ground(invoice))
        if claim.capital_ore > 0:
            parts += _capital_parts(claim, invoice, day=day, touched=claim.invoice_id in touched)
        costs, fees_today = _cost_parts(claim, fee_rows, day=day)
        parts += costs
        once += fees_today
    return kfm_format.Application(
        reference=case.ref,
        applicant=_applicant(case, rules),
        agent=_agent(),
        respondents=(_respondent(case.debtor),),
        parts=(*parts, *once),
        grounds=f"Obetalda fakturor från {case.creditor.name}.\n" + "\n".join(grounds),
        created_on=day,
        with_eviction=_eviction_due(case, day=day),
        disputed=case.state == CaseState.DISPUTED,
    )


def _ground(invoice: Invoice) -> str:
    """One line of the grounds (grunder): the invoice, its dates and what it was for."""
    return (
        f"Faktura {invoice.invoice_number} daterad {invoice.invoice_date.isoformat()}, "
        f"förfallen {invoice.due_date.isoformat()}"
        + (f": {invoice.description.strip()}" if invoice.description.strip() else "")
    )


def _capital_parts(
    claim: ClaimOutstanding, invoice: Invoice, *, day: date, touched: bool
) -> list[kfm_format.ClaimPart]:
    """The invoice's capital with interest from its due date, or — when payments touched it —
    the interest owed up to ``day`` as an amount and interest on the rest from tomorrow."""
    parts: list[kfm_format.ClaimPart] = []
    rate = invoice.interest_rate
    if touched:
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
    return parts


def _cost_parts(
    claim: ClaimOutstanding, fee_rows: Sequence[FeeRecord], *, day: date
) -> tuple[list[kfm_format.ClaimPart], list[kfm_format.ClaimPart]]:
    """The invoice's collection costs still owed, and (apart, to come last) Kronofogden's and
    the ombud's fees of this application (those made on ``day``)."""
    parts: list[kfm_format.ClaimPart] = []
    once: list[kfm_format.ClaimPart] = []
    # Costs still owed on this invoice, oldest first, after what payments covered.
    paid_costs = (
        sum(f.amount_ore for f in fee_rows if f.invoice_id == claim.invoice_id) - claim.costs_ore
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
    return parts, once


def _respondent(debtor: Debtor) -> kfm_format.Respondent:
    """The svarande; a protected identity's phone and e-mail stay out of the application."""
    name = f"Dödsbo efter {debtor.name}" if debtor.deceased else debtor.name
    return kfm_format.Respondent(
        name=name,
        identity=debtor.national_id,
        address_lines=debtor_address_lines(debtor),
        protected_identity=debtor.protected_identity,
        phone=debtor.phone if not debtor.protected_identity else "",
        email=debtor.email if not debtor.protected_identity else "",
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
