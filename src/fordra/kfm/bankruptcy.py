"""Konkursanmaning: a warning of bankruptcy to a company debtor (konkurslagen (1987:672) 2 kap. 9 §).

- :func:`kfm_bankruptcy_warning` — the warning sent (letter kind ``bankruptcy_warning``).
- :func:`bankruptcy_warnings_lapse` — the pay-by date passed unpaid: a task (petition within
  three weeks) and the case back to the decision.
"""

from __future__ import annotations

from datetime import date, timedelta

from django.db import transaction

from fordra.claims.models import CLOSED_STATES, Case, CaseEvent
from fordra.claims.scheduling import case_check_on
from fordra.claims.tasks import task_open
from fordra.core.errors import ApplicationError
from fordra.domain.calendar import add_bank_days, bank_day_on_or_after
from fordra.domain.fees import DebtorType
from fordra.domain.letters import PRESUMED_RECEIPT_BANK_DAYS, channels_for
from fordra.domain.stage_decision import kfm_refusals
from fordra.kfm.decision import DECIDABLE_STATES, _decide_proposal, _must_be_open, case_facts
from fordra.kfm.models import BankruptcyWarning
from fordra.letters.models import Letter

# konkurslagen 2 kap. 9 §: pay within one week of service; petition within three weeks after.
BANKRUPTCY_PAY_DAYS = 7
BANKRUPTCY_PETITION_DAYS = 21


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
