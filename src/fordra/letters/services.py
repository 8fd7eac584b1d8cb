"""Letters: build each letter's content from the case, lint it, render it, hand it to a channel.

``letters_render`` turns pending letters into PDFs, or blocks them when the compliance lint
finds a problem (the case gets a ``letter_blocked`` event and a staff task; nothing is sent).
``letters_dispatch`` chooses each letter's channel, marks the letters handed over (committed
before the channel is called, so a killed run never hands a letter over twice), then records
what the channel said. A re-run picks up what is left: pending letters, and letters handed over
with no delivery recorded (for the print batch that file is simply written again under the
name already recorded).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from fordra.claims.models import Case, CaseEvent, Invoice, covered_invoice_ids
from fordra.claims.selectors import case_balance, invoice_capitals
from fordra.claims.tasks import task_open
from fordra.domain.fees import DebtorType, FeeKind
from fordra.domain.identifiers import validate_bankgiro
from fordra.domain.letters import (
    LetterContent,
    LetterFee,
    LetterInterest,
    LetterInvoice,
    LetterParty,
    ScheduleLine,
)
from fordra.letters.channels import (
    Channel,
    OutboxItem,
    Recipient,
    build_channels,
    choose_channel,
    describe_error,
)
from fordra.letters.channels.digital_mailbox import DigitalMailbox
from fordra.letters.channels.sms import FileSmsBackend
from fordra.letters.models import Delivery, Letter, LetterStatus
from fordra.letters.rendering import lint_all, render_pdf
from fordra.reference.services import reference_rate_table
from fordra.rules import load_fee_schedule

RENDER_CHUNK_LETTERS = 500
SUBJECTS = {
    "reminder": "Betalningspåminnelse",
    "demand": "Inkassokrav",
    "demand_reminder": "Påminnelse om inkassokrav",
    "notice": "Meddelande",
}
# Letters carry at most this many öre without a second look from staff (a limit on everything).
LETTER_TOTAL_ORE_MAX = 100_000_000_00


@dataclass(frozen=True)
class RenderResult:
    rendered: int
    blocked: int
    failed: int = 0


@dataclass(frozen=True)
class DispatchResult:
    sent: int
    failed: int


class NoDigitalMailbox:
    """Until a digital-mailbox sender agreement is configured, nobody is reachable there."""

    def is_recipient(self, national_id: str) -> bool:
        return False

    def deliver(self, **kwargs: Any) -> str:  # pragma: no cover - never reachable
        raise RuntimeError("no digital mailbox is configured")


ChannelFactory = Callable[[], dict[str, Channel]]


def default_channels(*, mailbox: DigitalMailbox | None = None) -> dict[str, Channel]:
    # Each channel makes its folder when it writes: an outbox that cannot be written fails that
    # channel's letters (made again or withdrawn by the next run), never the whole run.
    outbox = Path(settings.MEDIA_ROOT) / "outbox"
    return build_channels(
        out_dir=outbox,
        sms_backend=FileSmsBackend(outbox / "sms.jsonl"),
        mailbox=mailbox or NoDigitalMailbox(),
        portal_url=settings.PORTAL_URL,
    )


def agency_party() -> LetterParty:
    agency = settings.AGENCY
    orgnr = agency["orgnr"]
    return LetterParty(
        name=agency["name"],
        identity=f"{orgnr[:6]}-{orgnr[6:]}" if len(orgnr) == 10 else orgnr,
        address_lines=tuple(line.strip() for line in agency["address"].split(",") if line.strip()),
        phone=agency["phone"],
        email=agency["email"],
    )


def agency_bankgiro() -> str:
    return validate_bankgiro(settings.AGENCY["bankgiro"])


def debtor_address_lines(debtor: Any) -> tuple[str, ...]:
    if debtor.protected_identity:
        return ()
    postal = debtor.postal_code
    if debtor.country == "SE" and len(postal) == 5:
        postal = f"{postal[:3]} {postal[3:]}"
    lines = [debtor.address, f"{postal} {debtor.city}".strip()]
    if debtor.country != "SE":
        lines.append(debtor.country)
    return tuple(line for line in lines if line)


def letter_content(letter: Letter, case: Case, *, rates: Any) -> LetterContent:
    """What ``letter`` says: the case as of the letter date, every amount explained."""
    day = letter.letter_date
    # A claim written off (time-barred, withdrawn) is never demanded again: the letter leaves
    # out the claim, its fees and what was paid on it, so its sums still add up.
    invoices = [
        inv for inv in case.invoices.all() if inv.written_off_on is None or inv.written_off_on > day
    ]
    kept = {inv.id for inv in invoices}
    fees = [f for f in case.fees.all() if f.date <= day and f.invoice_id in kept]
    allocations = [a for a in case.allocations.all() if a.invoice_id in kept]
    balance = case_balance(
        invoices=invoices, as_of=day, rates=rates, fees=fees, allocations=allocations
    )
    # The letter shows gross amounts and what has been paid: capital + interest + fees − paid.
    capitals = {inv.invoice_number: capital for inv, capital in invoice_capitals(invoices)}
    interest_accrued = sum(i.result.amount_ore for i in balance.interest)
    fees_charged = sum(f.amount_ore for f in fees)
    listed = {
        inv.id: inv.invoice_number
        for inv in invoices
        if inv.kind == "invoice" and capitals.get(inv.invoice_number, 0) > 0
    }
    creditor = case.creditor
    debtor = case.debtor
    name = f"Dödsbo efter {debtor.name}" if debtor.deceased else debtor.name
    return LetterContent(
        kind=letter.kind,
        text=letter.text,
        letter_date=day,
        case_ref=case.ref,
        ocr=case.ocr,
        bankgiro=agency_bankgiro(),
        creditor=LetterParty(
            name=creditor.name,
            identity=f"{creditor.orgnr[:6]}-{creditor.orgnr[6:]}",
            address_lines=(),
        ),
        agency=agency_party(),
        debtor=LetterParty(
            name=name, identity="", address_lines=debtor_address_lines(debtor)
        ),
        invoices=tuple(
            LetterInvoice(
                invoice_number=inv.invoice_number,
                invoice_date=inv.invoice_date,
                due_date=inv.due_date,
                description=inv.description,
                capital_ore=capitals[inv.invoice_number],
            )
            for inv in sorted(invoices, key=lambda i: (i.due_date, i.id))
            if inv.kind == "invoice" and capitals.get(inv.invoice_number, 0) > 0
        ),
        interest=_interest_lines(balance.interest),
        fees=_fee_lines(fees, invoices=invoices, listed=listed),
        capital_ore=sum(capitals.values()),
        interest_ore=interest_accrued,
        fees_ore=fees_charged,
        paid_ore=balance.paid_ore,
        total_ore=balance.balance_ore,
        pay_by=letter.pay_by or day,
        reminder_fee_agreed=_reminder_fee_agreed(case, invoices, fees),
        protected_identity=debtor.protected_identity,
        debtor_type=DebtorType(debtor.debtor_type),
        **_schedule(letter.extra),
    )


def _interest_lines(interest: Any) -> tuple[LetterInterest, ...]:
    """One line per invoice and period of one rate (the balance's interest, as computed)."""
    return tuple(
        LetterInterest(
            invoice_number=item.invoice_number,
            start=p.start,
            end=p.end,
            days=p.days,
            capital_ore=p.capital_ore,
            rate_percent=p.rate_percent,
            amount_ore=p.amount_ore,
            provisional=p.provisional,
        )
        for item in interest
        for p in item.result.periods
    )


def _fee_lines(
    fees: Sequence[Any], *, invoices: Sequence[Any], listed: dict[int, str]
) -> tuple[LetterFee, ...]:
    """Each fee charged, with the invoice holding it and the listed invoices it covers."""
    numbers = {f.invoice_id: inv.invoice_number for inv in invoices for f in fees if f.invoice_id == inv.id}
    return tuple(
        LetterFee(
            kind=FeeKind(f.kind),
            amount_ore=f.amount_ore,
            rule=f.rule,
            invoice_number=numbers.get(f.invoice_id, ""),
            charged_on=f.date,
            covers=_covers(f, listed),
        )
        for f in fees
    )


def _covers(fee: Any, listed: dict[int, str]) -> tuple[str, ...]:
    """The invoices of the letter a letter's fee was charged for (empty: a per-claim fee or a
    row from before the per-letter rule; invoices written off or credited since are left out,
    as the letter leaves them out)."""
    if not fee.covers:
        return ()
    return tuple(listed[i] for i in covered_invoice_ids(fee.covers, holder=fee.invoice_id)
                 if i in listed)


def _schedule(extra: dict[str, Any] | None) -> dict[str, Any]:
    """A plan letter's installments from ``Letter.extra`` (written by fordra.plans)."""
    if not extra or not extra.get("schedule"):
        return {}
    return {
        "schedule": tuple(
            ScheduleLine(
                number=int(line["number"]),
                due_date=date.fromisoformat(line["due_date"]),
                amount_ore=int(line["amount_ore"]),
                ocr=str(line["ocr"]),
            )
            for line in extra["schedule"]
        ),
        "schedule_note": str(extra.get("schedule_note", "")),
    }


def _reminder_fee_agreed(case: Case, invoices: Sequence[Invoice], fees: Sequence[Any]) -> bool:
    """Whether every reminder fee on the letter was agreed for its own invoice.

    The agreement is per claim (the claims file may say yes or no per invoice; empty means the
    creditor agreement's setting), so the lint's single flag is true only when each charged
    reminder fee rests on an agreed invoice.
    """
    default = case.creditor.reminder_fee_agreed
    agreed = {
        i.id: default if i.reminder_fee_agreed is None else i.reminder_fee_agreed for i in invoices
    }
    charged = [f.invoice_id for f in fees if f.kind == FeeKind.REMINDER.value]
    if charged:
        return all(agreed.get(invoice_id, False) for invoice_id in charged)
    return all(agreed.values()) if agreed else default


def content_json(content: LetterContent) -> dict[str, Any]:
    def plain(value: Any) -> Any:
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        if isinstance(value, list | tuple):
            return [plain(v) for v in value]
        return value

    return plain(dataclasses.asdict(content))  # type: ignore[no-any-return]


def letter_pdf_path(letter: Letter) -> Path:
    d = letter.letter_date
    return Path(settings.MEDIA_ROOT) / "letters" / f"{d:%Y}" / f"{d:%m}" / f"{d:%d}" / f"{letter.id}.pdf"


def letters_render(*, day: date, now: datetime) -> RenderResult:
    """Render every pending letter dated on or before ``day``."""
    schedule = load_fee_schedule()
    rates = reference_rate_table()
    rendered = blocked = failed = 0
    while True:
        batch = list(
            Letter.objects.filter(status=LetterStatus.PENDING, letter_date__lte=day)
            .order_by("id")[:RENDER_CHUNK_LETTERS]
        )
        if not batch:
            break
        cases = {
            c.id: c
            for c in Case.objects.filter(id__in={letter.case_id for letter in batch})
            .select_related("creditor", "debtor")
            .prefetch_related("invoices", "fees", "allocations")
        }
        for letter in batch:
            case = cases[letter.case_id]
            content = letter_content(letter, case, rates=rates)
            problems = [str(p) for p in lint_all(content, schedule=schedule)]
            if content.total_ore > LETTER_TOTAL_ORE_MAX:
                problems.append(f"total_over_limit: {content.total_ore} öre needs a staff review")
            with transaction.atomic():
                if problems:
                    _block(letter, case, content=content, problems=problems, now=now)
                    blocked += 1
                    continue
                path = letter_pdf_path(letter)
                try:
                    path.parent.mkdir(parents=True, exist_ok=True)
                    path.write_bytes(render_pdf(content))
                except Exception as exc:  # a full disk, an unwritable folder: this letter only
                    _render_failed(letter, case, detail=describe_error(exc))
                    failed += 1
                    continue
                Letter.objects.filter(pk=letter.pk).update(
                    status=LetterStatus.RENDERED,
                    content=content_json(content),
                    total_ore=content.total_ore,
                    pdf_path=str(path),
                    rendered_at=now,
                )
                rendered += 1
    return RenderResult(rendered=rendered, blocked=blocked, failed=failed)


def _render_failed(letter: Letter, case: Case, *, detail: str) -> None:
    """The PDF could not be written: the letter failed (made again by the next run with new
    dates, or withdrawn with its fee — fordra.collection.letter_faults)."""
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.FAILED, problems=[f"PDF kunde inte skapas: {detail}"[:300]]
    )
    CaseEvent.objects.create(
        case=case, date=letter.letter_date, kind="letter_failed",
        detail=f"Brevet ({letter.kind}) kunde inte skapas: {detail}"[:1000],
    )



def _block(
    letter: Letter, case: Case, *, content: LetterContent, problems: list[str], now: datetime
) -> None:
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.BLOCKED,
        content=content_json(content),
        total_ore=content.total_ore,
        problems=problems,
    )
    CaseEvent.objects.create(
        case=case,
        date=letter.letter_date,
        kind="letter_blocked",
        detail=f"Brevet ({letter.kind}) stoppades av kontrollen: " + "; ".join(problems)[:900],
    )
    task_open(
        case=case,
        cause=f"letter_blocked:{letter.id}",
        kind="letter_blocked",
        text="Brev stoppat av kontrollen — rätta ärendet och skapa brevet igen",
        on=letter.letter_date,
    )


def recipient_for(case: Case) -> Recipient:
    debtor = case.debtor
    return Recipient(
        name=f"Dödsbo efter {debtor.name}" if debtor.deceased else debtor.name,
        national_id=debtor.national_id,
        is_company=debtor.debtor_type == "company",
        address_lines=debtor_address_lines(debtor),
        email=debtor.email,
        phone=debtor.phone,
        protected_identity=debtor.protected_identity,
    )


def letters_dispatch(
    *, day: date, now: datetime, channels: dict[str, Channel] | None = None
) -> DispatchResult:
    """Hand every rendered letter dated on or before ``day`` to its channel."""
    channels = channels if channels is not None else default_channels()
    sent = failed = 0
    letters = list(
        Letter.objects.filter(letter_date__lte=day, status=LetterStatus.RENDERED)
        .select_related("case__debtor", "case__creditor")
        .order_by("id")
    ) + [
        letter
        for letter in Letter.objects.filter(letter_date__lte=day, status=LetterStatus.HANDED_OVER)
        .select_related("case__debtor", "case__creditor")
        .order_by("id")
        if not letter.deliveries.exists()
    ]
    groups: dict[str, list[tuple[Letter, OutboxItem]]] = defaultdict(list)
    for letter in letters:
        recipient = recipient_for(letter.case)
        channel = letter.channel
        if not channel:
            try:
                channel = choose_channel(letter.channels or ["print"], recipient, channels)
            except ValueError as exc:
                _fail(letter, detail=str(exc), now=now)
                failed += 1
                continue
        groups[channel].append((letter, _outbox_item(letter, recipient)))

    for name, pairs in groups.items():
        with transaction.atomic():
            for letter, _ in pairs:
                Letter.objects.filter(pk=letter.pk).update(
                    status=LetterStatus.HANDED_OVER, channel=name
                )
        deliveries = channels[name].send([item for _, item in pairs], day=day)
        by_letter = {d.letter_id: d for d in deliveries}
        with transaction.atomic():
            for letter, item in pairs:
                d = by_letter.get(item.letter_id)
                if d is None:
                    continue
                if _record_delivery(letter, d, name=name, day=day, now=now):
                    sent += 1
                else:
                    failed += 1
    return DispatchResult(sent=sent, failed=failed)


def _outbox_item(letter: Letter, recipient: Recipient) -> OutboxItem:
    """What a channel needs to send ``letter`` to ``recipient``."""
    return OutboxItem(
        letter_id=letter.id,
        kind=letter.kind,
        case_ref=letter.case.ref,
        ocr=letter.case.ocr,
        letter_date=letter.letter_date,
        pay_by=letter.pay_by or letter.letter_date,
        amount_ore=letter.total_ore or 0,
        bankgiro=agency_bankgiro(),
        subject=f"{SUBJECTS.get(letter.kind, 'Meddelande')} {letter.case.ref}",
        pdf_path=Path(letter.pdf_path),
        recipient=recipient,
    )


def _record_delivery(
    letter: Letter, d: Any, *, name: str, day: date, now: datetime
) -> bool:
    """Channel ``name``'s answer ``d`` for ``letter``: its delivery, status and case event.

    True if sent.
    """
    Delivery.objects.create(
        letter=letter,
        channel=d.channel,
        status=d.status,
        detail=d.detail[:500],
        external_id=d.external_id[:200],
        sent_on=day,
    )
    ok: bool = d.status == "sent"
    Letter.objects.filter(pk=letter.pk).update(
        status=LetterStatus.SENT if ok else LetterStatus.FAILED,
        sent_at=now if ok else None,
        batch=d.external_id[:200] if name in ("print", "protected_forwarding") else "",
    )
    CaseEvent.objects.create(
        case_id=letter.case_id,
        date=letter.letter_date,
        kind="letter_sent" if ok else "letter_blocked",
        detail=(
            f"Brev ({letter.kind}) skickat via {name}"
            if ok
            else f"Brev ({letter.kind}) kunde inte skickas via {name}: {d.detail}"
        )[:1000],
    )
    return ok


def _fail(letter: Letter, *, detail: str, now: datetime) -> None:
    Letter.objects.filter(pk=letter.pk).update(status=LetterStatus.FAILED, problems=[detail])
    CaseEvent.objects.create(
        case_id=letter.case_id,
        date=letter.letter_date,
        kind="letter_blocked",
        detail=f"Ingen kanal når gäldenären: {detail}"[:1000],
    )


def content_from_json(data: dict[str, Any]) -> LetterContent:
    """The stored content of a rendered letter back as a LetterContent (the evidence)."""

    def day(text: str | None) -> date | None:
        return date.fromisoformat(text) if text else None

    def party(d: dict[str, Any]) -> LetterParty:
        return LetterParty(**{**d, "address_lines": tuple(d["address_lines"])})

    return LetterContent(
        **{
            **data,
            "letter_date": day(data["letter_date"]),
            "pay_by": day(data["pay_by"]),
            "creditor": party(data["creditor"]),
            "agency": party(data["agency"]),
            "debtor": party(data["debtor"]),
            # Letters rendered before the wording per debtor type were all in the consumer's.
            "debtor_type": DebtorType(data.get("debtor_type", DebtorType.PERSON.value)),
            "invoices": tuple(
                LetterInvoice(
                    **{**i, "invoice_date": day(i["invoice_date"]), "due_date": day(i["due_date"])}
                )
                for i in data["invoices"]
            ),
            "interest": tuple(
                LetterInterest(
                    **{
                        **i,
                        "start": day(i["start"]),
                        "end": day(i["end"]),
                        "rate_percent": Decimal(i["rate_percent"]),
                    }
                )
                for i in data["interest"]
            ),
            "fees": tuple(
                LetterFee(
                    **{
                        **f,
                        "kind": FeeKind(f["kind"]),
                        "charged_on": day(f["charged_on"]),
                        "covers": tuple(f.get("covers", ())),
                    }
                )
                for f in data["fees"]
            ),
            "schedule": tuple(
                ScheduleLine(**{**line, "due_date": day(line["due_date"])})
                for line in data.get("schedule", ())
            ),
        }
    )


def letter_html(letter: Letter) -> str:
    """The letter as HTML, from the content stored when it was rendered (what was sent)."""
    from fordra.letters.rendering import render_html

    return render_html(content_from_json(letter.content))


