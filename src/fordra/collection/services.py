"""Case guards set by people (the claims app holds the fields, the engine obeys them): pause, resume, dispute (bestridande). Each writes its event.

Every change is one transaction that records who did it (``actor``: the staff user, or
``cli:<os user>``) on the case timeline — the audit trail for staff actions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from django.db import transaction

from fordra.claims.models import CLOSED_STATES, Case, CaseEvent, CaseState
from fordra.claims.scheduling import case_check_on, cases_check_on
from fordra.claims.tasks import task_open
from fordra.core.errors import ApplicationError
from fordra.core.text import text_checked
from fordra.domain.letters import channels_for
from fordra.domain.money import format_amount
from fordra.letters.models import Letter, LetterStatus
from fordra.letters.unsent import letters_cancel_unsent

if TYPE_CHECKING:
    from fordra.claims.selectors import CaseBalance

REASON_CHARS_MAX = 300
PAUSE_DAYS_MAX = 366


def _reason(reason: str) -> str:
    reason = reason.strip()
    if not reason:
        raise ApplicationError("a reason is required")
    if len(reason) > REASON_CHARS_MAX:
        raise ApplicationError(f"the reason is longer than {REASON_CHARS_MAX} characters")
    return text_checked(reason, what="the reason")


def _open(case: Case) -> None:
    if case.state in CLOSED_STATES:
        raise ApplicationError(f"case {case.ref} is closed ({case.state})")


def case_as_of(
    *,
    case: Case,
    day: date,
    why: str,
    actor: str,
    now: datetime,
    through: date | None = None,
    unsent_only: bool = False,
) -> int:
    """Apply an action effective on ``day`` to what happened after it (DESIGN.md §4.2).

    The letters dated after ``day`` (through ``through``; ``unsent_only``: those not yet handed
    to a channel) should never have been written: they are cancelled or voided
    (``letters_void_after``), their fees reversed (``fee_reverse``: a reminder or collection fee
    needs its letter sent, lag (1981:739) 2 §, 4 §), and the case's payments replayed from the
    first reversed fee (``case_reallocate``) so a fee already paid is re-allocated instead of
    leaving the costs negative. Returns how many fees were reversed. Call inside the action's
    transaction: a refusal (money already remitted) undoes it all.
    """
    from fordra.claims.corrections import fee_reverse, fees_standing
    from fordra.letters.voiding import letters_void_after
    from fordra.payments.reallocation import case_reallocate

    voided = letters_void_after(
        case_id=case.id, after=day, through=through, reason=why, actor=actor,
        unsent_only=unsent_only,
    )
    if not voided:
        return 0
    dates = {letter.step: letter.letter_date for letter in voided}
    fees = [
        f for f in fees_standing(case_id=case.id, after=day, steps=dates)
        if f.date == dates[f.step]
    ]
    for fee in fees:
        fee_reverse(fee=fee, reason=why, creditor_id=case.creditor_id, actor=actor, now=now)
    if fees:
        case_reallocate(case_id=case.id, since=min(f.date for f in fees), cause=why, now=now,
                        actor=actor)
    return len(fees)


def case_pause(
    *, case: Case, until: date, reason: str, actor: str, today: date, now: datetime | None = None
) -> Case:
    """Pause all collection steps from ``today`` (the effective date) through ``until``
    (inclusive); the run resumes the day after. Letters written in the pause are voided and
    their fees reversed (``case_as_of``)."""
    reason = _reason(reason)
    _open(case)
    if until < today:
        raise ApplicationError(f"--until {until} is in the past")
    if (until - today).days > PAUSE_DAYS_MAX:
        raise ApplicationError(f"a pause may last at most {PAUSE_DAYS_MAX} days")
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(paused_until=until, pause_reason=reason)
        case_check_on(case_id=case.pk)
        CaseEvent.objects.create(
            case=case, date=today, kind="paused", detail=f"Pausat t.o.m. {until}: {reason}",
            actor=actor,
        )
        case_as_of(case=case, day=today, through=until, actor=actor, now=_now(now, today),
                   why=f"ärendet pausades {today.isoformat()} t.o.m. {until.isoformat()}")
    case.refresh_from_db()
    return case


def _now(now: datetime | None, today: date) -> datetime:
    """The audit timestamp: the caller's ``now``; for callers that give none, the effective
    day at midnight UTC (audit only — no rule reads it)."""
    if now is not None:
        return now
    from datetime import UTC, time

    return datetime.combine(today, time(), tzinfo=UTC)


def case_resume(*, case: Case, actor: str, today: date) -> Case:
    _open(case)
    if case.paused_until is None:
        raise ApplicationError(f"case {case.ref} is not paused")
    paused_on = (
        CaseEvent.objects.filter(case=case, kind="paused").order_by("-date", "-id")
        .values_list("date", flat=True).first()
    )
    if paused_on is not None and today < paused_on:
        raise ApplicationError(
            f"--date {today.isoformat()} is before the pause began ({paused_on})"
        )
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(paused_until=None, pause_reason="")
        case_check_on(case_id=case.pk)
        CaseEvent.objects.create(
            case=case, date=today, kind="resumed", detail="Pausen hävdes", actor=actor
        )
    case.refresh_from_db()
    return case


def case_dispute(
    *, case: Case, reason: str, actor: str, today: date, now: datetime | None = None
) -> Case:
    """Register the debtor's objection received on ``today`` (the effective date): every
    collection step stops at once (inkassolagen 4 §). Letters dated after it are voided and
    their fees reversed (``case_as_of``, DESIGN.md §4.2)."""
    reason = _reason(reason)
    _open(case)
    if case.state == CaseState.DISPUTED:
        raise ApplicationError(f"case {case.ref} is already disputed")
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(state=CaseState.DISPUTED, dispute_reason=reason)
        case_check_on(case_id=case.pk)
        CaseEvent.objects.create(
            case=case, date=today, kind="disputed", detail=f"Bestridande: {reason}", actor=actor
        )
        case_as_of(case=case, day=today, actor=actor, now=_now(now, today),
                   why=f"bestridande mottaget {today.isoformat()}")
        # Letters not yet handed to a channel are stopped with the case, and a fee for a letter
        # that is never sent is never owed.
        case_as_of(case=case, day=date.min, through=today, unsent_only=True, actor=actor,
                   now=_now(now, today),
                   why=f"bestridande mottaget {today.isoformat()}; brevet skickades aldrig")
        dispute_acknowledge(case=case, today=today)
    case.refresh_from_db()
    return case


# --- deciding a dispute (bestridande) ---------------------------------------------------------

DISPUTE_OUTCOMES = ("withdrawn", "corrected", "court")
DISPUTE_LETTER_PAY_DAYS = 30
_DISPUTE_TEXTS = {
    "received": "dispute_received",
    "withdrawn": "dispute_withdrawn",
    "corrected": "dispute_corrected",
    "court": "dispute_court",
}


def _dispute_letter(*, case: Case, what: str, today: date, channels: list[str]) -> None:
    """Tell the debtor in writing (god inkassosed: an objection gets an answer)."""
    from datetime import timedelta

    from fordra.domain.calendar import bank_day_on_or_after

    Letter.objects.get_or_create(
        key=f"letter:{case.id}:dispute_{what}:{today.isoformat()}",
        defaults={
            "case": case,
            "kind": "dispute",
            "text": _DISPUTE_TEXTS[what],
            "step": f"dispute_{what}",
            "letter_date": bank_day_on_or_after(today),
            "pay_by": bank_day_on_or_after(today + timedelta(days=DISPUTE_LETTER_PAY_DAYS)),
            "channels": channels,
        },
    )


def _channels(case: Case) -> list[str]:
    return channels_for(
        protected_identity=case.debtor.protected_identity, wanted=("digital_mailbox", "print")
    )


def dispute_acknowledge(*, case: Case, today: date) -> None:
    """The letter that confirms an objection was received and collection is stopped."""
    _dispute_letter(case=case, what="received", today=today, channels=_channels(case))


def _state_before_dispute(case: Case) -> str:
    # The ladder's letters tell how far the case had come; collection resumes from there
    # (a letter voided by the dispute's date never counted).
    kinds = set(
        Letter.objects.filter(case=case)
        .exclude(status=LetterStatus.VOID)
        .values_list("kind", flat=True)
    )
    if kinds & {"demand", "demand_reminder"}:
        return CaseState.DEMAND
    if "reminder" in kinds:
        return CaseState.REMINDER
    return CaseState.OPEN


def case_dispute_decide(
    *,
    case: Case,
    outcome: str,
    actor: str,
    today: date,
    now: datetime,
    note: str = "",
    credit_ore: int = 0,
    credit_invoice: str = "",
) -> Case:
    """Decide an objection: the creditor withdraws the claim, corrects it, or pursues it in court.

    - ``withdrawn``: every open claim is written off (avskrivet) and the case closed as recalled.
    - ``corrected``: a credit note of ``credit_ore`` against ``credit_invoice`` lowers the claim
      and collection resumes where it stopped (the ladder's next step).
    - ``court``: the claim stays disputed — it is never sent to Kronofogden as undisputed
      (lag (1990:746) om betalningsföreläggande 2 §: BF is for claims the debtor is not expected
      to contest) — and is handed to an ombud for tingsrätten with the whole case file.

    Each is one transaction with an event naming the actor and a letter telling the debtor.
    """
    _dispute_decidable(case=case, outcome=outcome, today=today)
    note = note.strip()[:REASON_CHARS_MAX]
    with transaction.atomic():
        if outcome == "withdrawn":
            detail = _dispute_withdraw(case=case, note=note, today=today, now=now)
        elif outcome == "corrected":
            detail = _dispute_correct(
                case=case, credit_ore=credit_ore, credit_invoice=credit_invoice, today=today,
                now=now,
            )
        else:
            detail = _dispute_to_court(case=case, today=today)
        case_check_on(case_id=case.pk)
        CaseEvent.objects.create(
            case=case,
            date=today,
            kind=f"dispute_{outcome}",
            detail=detail + (f" ({note})" if note and outcome != "withdrawn" else ""),
            actor=actor,
        )
        _dispute_letter(case=case, what=outcome, today=today, channels=_channels(case))
    case.refresh_from_db()
    return case


def _dispute_decidable(*, case: Case, outcome: str, today: date) -> None:
    """Refuse a decision the case cannot take: a closed or undisputed case, a second court
    hand-over, or a decision dated before the objection was received."""
    if outcome not in DISPUTE_OUTCOMES:
        raise ApplicationError(f"outcome must be one of {', '.join(DISPUTE_OUTCOMES)}")
    _open(case)
    if case.state != CaseState.DISPUTED:
        raise ApplicationError(f"case {case.ref} is not disputed ({case.state})")
    if case.dispute_outcome == "court" and outcome == "court":
        raise ApplicationError(f"case {case.ref} is already with the court")
    disputed_on = (
        CaseEvent.objects.filter(case=case, kind="disputed").order_by("-date", "-id")
        .values_list("date", flat=True).first()
    )
    if disputed_on is not None and today < disputed_on:
        raise ApplicationError(
            f"--date {today.isoformat()} is before the dispute was received ({disputed_on})"
        )


def _dispute_withdraw(*, case: Case, note: str, today: date, now: datetime) -> str:
    """The creditor withdraws: every open claim is written off, the case closed as recalled."""
    _write_off_all(case=case, today=today, now=now, reason="Återkallat efter bestridande")
    Case.objects.filter(pk=case.pk).update(
        state=CaseState.CLOSED_RECALLED,
        closed_on=today,
        close_reason=f"Kravet återkallades efter bestridande{': ' + note if note else ''}",
        dispute_outcome="withdrawn",
    )
    return "Bestridandet ledde till att kravet återkallades"


def _dispute_correct(
    *, case: Case, credit_ore: int, credit_invoice: str, today: date, now: datetime
) -> str:
    """The creditor corrects the claim by a credit note; collection resumes where it stopped."""
    from fordra.claims.models import Invoice, InvoiceKind

    invoice = _credited_invoice(case, credit_invoice)
    if credit_ore <= 0:
        raise ApplicationError("--credit must be an amount above 0 kr")
    outstanding = _capital_outstanding(case, invoice, today)
    if credit_ore > outstanding:
        raise ApplicationError(
            f"the credit {format_amount(credit_ore)} is more than the capital left on "
            f"invoice {invoice.invoice_number} ({format_amount(outstanding)})"
        )
    number = f"{invoice.invoice_number}-K{today:%Y%m%d}"
    if Invoice.objects.filter(creditor=case.creditor, invoice_number=number).exists():
        raise ApplicationError(f"invoice {invoice.invoice_number} was already corrected today")
    Invoice.objects.create(
        case=case,
        creditor=case.creditor,
        invoice_number=number,
        kind=InvoiceKind.CREDIT_NOTE,
        invoice_date=today,
        due_date=today,
        amount_ore=-credit_ore,
        description=f"Rättelse efter bestridande av {invoice.invoice_number}",
    )
    _post_credit(case=case, number=number, credit_ore=credit_ore, today=today, now=now)
    Case.objects.filter(pk=case.pk).update(
        state=_state_before_dispute(case), dispute_outcome="corrected", dispute_reason=""
    )
    return (
        f"Kravet rättades efter bestridande: kreditnota {number} på "
        f"{format_amount(credit_ore)}; indrivningen fortsätter"
    )


def _dispute_to_court(*, case: Case, today: date) -> str:
    """The creditor goes to court: the case stays disputed and an ombud gets the case file."""
    Case.objects.filter(pk=case.pk).update(dispute_outcome="court")
    bundle = case_file_bundle(case=case, today=today)
    task_open(
        case=case,
        cause="dispute_court",
        kind="dispute_court",
        text="Överlämna det bestridda kravet till ombud för talan i tingsrätten "
        f"(akten: {bundle})",
        on=today,
    )
    return f"Borgenären driver det bestridda kravet vidare i domstol; akten: {bundle}"


def _credited_invoice(case: Case, number: str) -> Any:
    invoices = list(case.invoices.filter(kind="invoice", written_off_on__isnull=True))
    if not number:
        if len(invoices) == 1:
            return invoices[0]
        raise ApplicationError("--invoice is required: the case has several invoices")
    for invoice in invoices:
        if invoice.invoice_number == number:
            return invoice
    raise ApplicationError(f"case {case.ref} has no open invoice {number!r}")


def _capital_outstanding(case: Case, invoice: Any, today: date) -> int:
    from fordra.claims.selectors import case_balance_of

    balance = case_balance_of(case, as_of=today)
    return next((c.capital_ore for c in balance.claims if c.invoice_id == invoice.id), 0)


def _post_credit(*, case: Case, number: str, credit_ore: int, today: date, now: datetime) -> None:
    from fordra.domain.ledger import tx_claim_handed_over
    from fordra.ledger.services import ledger_post

    ledger_post(
        [
            tx_claim_handed_over(
                key=f"credit:{case.id}:{number}",
                day=today,
                case_id=str(case.id),
                creditor_id=str(case.creditor_id),
                capital_ore=-credit_ore,
                memo=f"Kreditnota {number} efter bestridande",
            )
        ],
        now=now,
    )


def _write_off_all(
    *,
    case: Case,
    today: date,
    now: datetime,
    reason: str,
    cause: str = "dispute",
    balance: CaseBalance | None = None,
) -> tuple[int, int, int]:
    """Give up every open claim of the case: ``Invoice.written_off_on`` and, per claim, the
    ledger's write-off (``fordra.claims.writeoff``, the same as for a time-barred claim).

    ``balance`` is the case's balance on ``today`` when the caller has it. Returns the capital,
    interest and fees given up.
    """
    from fordra.claims.selectors import case_balance_of
    from fordra.claims.writeoff import claim_write_off
    from fordra.ledger.services import ledger_post

    if balance is None:
        balance = case_balance_of(case, as_of=today)
    case.invoices.filter(written_off_on__isnull=True).update(
        written_off_on=today, write_off_reason=reason[:300]
    )
    given_up = [
        claim_write_off(
            claim=claim,
            case_id=case.id,
            creditor_id=case.creditor_id,
            cause=cause,
            day=today,
            memo=f"{reason}: faktura {claim.invoice_number}, ärende {case.ref}",
        )
        for claim in balance.claims
    ]
    ledger_post([tx for w in given_up for tx in w.transactions], now=now)
    return (
        sum(w.capital_ore for w in given_up),
        sum(w.interest_ore for w in given_up),
        sum(w.fees_ore for w in given_up),
    )


# --- trifles (småbelopp, DOMAIN.md §3) ----------------------------------------------------------

TRIFLE_WRITE_OFF = "write_off"
TRIFLE_RETURN = "return"
TRIFLE_RULE = "lag (1981:739) 1 § (skäligen påkallad kostnad); god inkassosed"


def case_trifle_close(
    *,
    case: Case,
    balance: CaseBalance,
    policy: str,
    threshold_ore: int,
    today: date,
    now: datetime,
    actor: str = "system",
) -> str:
    """Close a case whose whole remainder is below the creditor's trifle threshold, as the
    agreement says, instead of a fee-bearing letter (the ladder's "trifle" decision).

    - ``write_off``: every open claim is written off (capital, interest and fees, through the
      ledger's write-off like a time-barred claim) and the case is closed as written off.
    - ``return``: the case goes back to the creditor (closed as recalled) with the remainder
      named on its timeline — the claim stays the creditor's, nothing is written off.

    Letters not yet handed to a channel are cancelled. Returns the event kind written
    (``trifle_written_off`` or ``returned_to_creditor``). The caller holds the transaction.
    """
    remainder = balance.balance_ore
    parts = (
        f"kapital {format_amount(balance.capital_ore)}, ränta {format_amount(balance.interest_ore)}"
        f", avgifter {format_amount(balance.fees_ore)}"
    )
    below = (
        f"Småbelopp: kvar att betala {format_amount(remainder)} ({parts}), under borgenärens "
        f"gräns {format_amount(threshold_ore)}; ingen ny avgiftsbelagd åtgärd ({TRIFLE_RULE})"
    )
    if policy == TRIFLE_WRITE_OFF:
        capital, interest, fees = _write_off_all(
            case=case, today=today, now=now, reason="Småbelopp under borgenärens gräns",
            cause="trifle", balance=balance,
        )
        state, kind = CaseState.CLOSED_WRITTEN_OFF, "trifle_written_off"
        close_reason = f"Småbelopp {format_amount(remainder)} avskrivet"
        detail = (
            f"{below}. Avskrivet enligt uppdragsavtalet: kapital {format_amount(capital)}, "
            f"ränta {format_amount(interest)}, avgifter {format_amount(fees)}."
        )
    elif policy == TRIFLE_RETURN:
        state, kind = CaseState.CLOSED_RECALLED, "returned_to_creditor"
        close_reason = f"Småbelopp: återlämnat till borgenären med {format_amount(remainder)} kvar"
        detail = f"{below}. Återlämnat till borgenären enligt uppdragsavtalet med {parts} kvar."
    else:
        raise ValueError(f"unknown trifle policy {policy!r}")
    Case.objects.filter(pk=case.pk).update(
        state=state, closed_on=today, close_reason=close_reason[:300], awaiting_decision=False,
    )
    case_check_on(case_id=case.pk)
    letters_cancel_unsent(case_ids=[case.pk])
    CaseEvent.objects.create(case=case, date=today, kind=kind, detail=detail[:1000], actor=actor)
    return kind


def case_file_bundle(*, case: Case, today: date) -> str:
    """The whole case file (akten) as one ZIP for an ombud: the case JSON and every letter PDF."""
    import json
    import zipfile
    from pathlib import Path

    from django.conf import settings

    from fordra.claims.selectors import case_balance_of

    folder = Path(settings.MEDIA_ROOT) / "case_files"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{case.ref}-{today.isoformat()}.zip"
    balance = case_balance_of(case, as_of=today)
    summary = {
        "ref": case.ref,
        "ocr": case.ocr,
        "creditor": {"name": case.creditor.name, "orgnr": case.creditor.orgnr},
        "debtor": {"name": case.debtor.name, "id": case.debtor.national_id},
        "dispute_reason": case.dispute_reason,
        "as_of": today.isoformat(),
        "capital_ore": balance.capital_ore,
        "interest_ore": balance.interest_ore,
        "fees_ore": balance.fees_ore,
        "paid_ore": balance.paid_ore,
        "invoices": [
            {"invoice_number": i.invoice_number, "kind": i.kind, "invoice_date": str(i.invoice_date),
             "due_date": str(i.due_date), "amount_ore": i.amount_ore, "description": i.description}
            for i in case.invoices.order_by("due_date", "id")
        ],
        "events": [
            {"date": str(e.date), "kind": e.kind, "detail": e.detail, "actor": e.actor}
            for e in CaseEvent.objects.filter(case=case).order_by("date", "id")
        ],
    }
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as bundle:
        bundle.writestr("arende.json", json.dumps(summary, ensure_ascii=False, indent=2))
        for letter in Letter.objects.filter(case=case).exclude(pdf_path="").order_by("id"):
            pdf = Path(letter.pdf_path)
            if pdf.is_file():
                bundle.write(pdf, f"brev/{letter.letter_date}-{letter.kind}-{letter.id}.pdf")
    return str(path)


# --- special debtors (DOMAIN.md §10) ------------------------------------------------------------

_MARK_TEXTS = {
    "debt_relief": ("skuldsanering", "Skuldsanering beslutad: all indrivning stoppad (lag (2016:675))"),
    "deceased": ("dödsbo", "Gäldenären har avlidit: inga fler krav eller avgifter; brev till dödsboet"),
    "protected_identity": (
        "skyddade personuppgifter",
        "Skyddade personuppgifter: adressen visas aldrig, brev via Skatteverkets förmedling",
    ),
}


def debtor_mark(
    *, national_id: str, marks: dict[str, bool], actor: str, today: date
) -> dict[str, Any]:
    """Record skuldsanering, dödsbo or a protected identity on a debtor, on every open case.

    Each takes effect in the next run (the ladder's guards); letters not yet handed to a channel
    are cancelled for skuldsanering and dödsbo (no dunning once known) — a protected identity
    instead re-routes them, so those are cancelled too and the next run writes them again.
    """
    from fordra.domain.identifiers import IdentifierError, parse_party_id
    from fordra.parties.models import Debtor

    if not marks:
        raise ApplicationError("name at least one of --debt-relief, --deceased, --protected-identity")
    try:
        number = parse_party_id(national_id, today=today).number
    except IdentifierError as exc:
        raise ApplicationError(f"debtor: {exc}") from exc
    debtor = Debtor.objects.filter(national_id=number).first()
    if debtor is None:
        raise ApplicationError(f"no debtor {national_id}")
    with transaction.atomic():
        Debtor.objects.filter(pk=debtor.pk).update(**marks)
        cases = list(Case.objects.filter(debtor=debtor).exclude(state__in=CLOSED_STATES))
        cases_check_on(case_ids=[c.id for c in cases])
        if any(marks.values()):
            letters_cancel_unsent(case_ids=[c.id for c in cases], except_kinds=("dispute",))
        text = "; ".join(
            _MARK_TEXTS[k][1] if on else f"Inte längre {_MARK_TEXTS[k][0]}" for k, on in marks.items()
        )
        CaseEvent.objects.bulk_create(
            [
                CaseEvent(case=c, date=today, kind="debtor_marked", detail=text, actor=actor)
                for c in cases
            ]
        )
    return {"debtor_id": debtor.national_id, "marks": marks, "cases": len(cases)}


def case_to_partner(*, case: Case, partner: str, actor: str, today: date) -> Case:
    """Hand a foreign debtor's case to a partner agency abroad: Fordra sends nothing more."""
    partner = _reason(partner)
    _open(case)
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(foreign_partner=partner)
        case_check_on(case_id=case.pk)
        letters_cancel_unsent(case_ids=[case.pk])
        CaseEvent.objects.create(
            case=case, date=today, kind="foreign_partner",
            detail=f"Överlämnat till partner utomlands: {partner}", actor=actor,
        )
    case.refresh_from_db()
    return case
