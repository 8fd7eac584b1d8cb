"""What Kronofogden decided: delgiven, bestridd, utslag, återkallad, verkställighet (grundavgift
600 kr), hinder/ingen tillgång, and the kvittens of an application.

- :func:`kfm_record` — one outcome for a case's latest application, applied to the case.
- :func:`kfm_import_outcomes` — an outcomes file (``formats.kfm``): all outcomes or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from fordra.claims.limitation import limitation_follow
from fordra.claims.models import Case, CaseEvent, CaseState
from fordra.claims.scheduling import case_check_on
from fordra.claims.selectors import case_get
from fordra.claims.tasks import task_open
from fordra.core.errors import ApplicationError
from fordra.formats import kfm as kfm_format
from fordra.kfm.enforcement import _enforcement_fee
from fordra.kfm.models import ApplicationState, KfmApplication, KfmOutcome
from fordra.letters.unsent import letters_cancel_unsent

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
        _disputed_at_kfm(case, application, day=day)
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
        _refused_task(case, application, day=day, note=note)
        text = f"Kvittens med fel från Kronofogden{note}"
    if app_state is not None:
        KfmApplication.objects.filter(pk=application.pk).update(state=app_state)
    if case_update:
        Case.objects.filter(pk=case.pk).update(**case_update)
    case_check_on(case_id=case.pk)
    CaseEvent.objects.create(case=case, date=day, kind=event_kind, detail=text[:1000], actor=actor)


def _disputed_at_kfm(case: Case, application: KfmApplication, *, day: date) -> None:
    """Bestridd: unsent letters cancelled, and a person chooses tingsrätten or withdrawal."""
    letters_cancel_unsent(case_ids=[case.pk])
    task_open(
        case=case,
        cause=f"kfm_disputed:{application.id}",
        kind="kfm_disputed",
        text="Bestridd hos Kronofogden: begär överlämnande till tingsrätten eller "
        "återkalla ansökan (aldrig vidare som ostridig).",
        on=day,
    )


def _refused_task(case: Case, application: KfmApplication, *, day: date, note: str) -> None:
    """Kvittens med fel: the application was refused; a person corrects it and applies again."""
    task_open(
        case=case,
        cause=f"kfm_receipt_error:{application.id}",
        kind="kfm_receipt_error",
        text=f"Kronofogden avvisade ansökan{note}: rätta och ansök igen.",
        on=day,
    )


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
