"""Letter content and the compliance lint (brevinnehåll och regelkontroll).

A letter is a plain value, ``LetterContent``: who writes for whom to whom, the invoices it is
about, the interest and fees with the rule behind each, the totals, the pay-by date and the
payment reference. ``fordra.letters.rendering`` turns it into PDF and HTML; this module only
says whether it may be sent. ``lint_letter`` returns every problem at once (errors are values),
each with a stable ``code`` and an English ``message`` naming the value; a letter with any
problem is not sent.

Every letter:

- the OCR reference is valid (Luhn check digit and length digit) and so is the bankgiro;
- the totals add up: ``capital_ore`` is the sum of the invoices' capital, ``interest_ore`` of the
  interest lines, ``fees_ore`` of the fee lines, and ``total_ore = capital + interest + fees −
  paid``;
- the creditor's name and identity, the agency's name, address and phone or e-mail, the
  debtor's name, and the debtor's address — unless the identity is protected (skyddade
  personuppgifter), when the letter must carry **no** address lines at all;
- at least one invoice, each with a number (its dates are typed values, so always present);
- each fee at most the schedule's amount on the letter date for its kind (lag (1981:739) 4 §:
  the amounts are maxima), a reminder fee only when it was agreed (2 §), no fee on or before its
  invoice's due date (1 §: only for a debt that has fallen due), every fee tied to an invoice of
  the letter (or ``""`` for a case-level fee);
- a reminder charges at most one påminnelseavgift and an inkassokrav at most one inkassoavgift
  of its own, however many invoices it lists (2 §, 3 § 1; DOMAIN.md §2; RH 2022:7) — fees
  charged by earlier letters may still be shown as outstanding;
- the pay-by date after the letter date.

An inkassokrav (``INKASSOKRAV_KINDS``: inkassolagen (1974:182) 5 §) also needs each interest line
with its rate, period (start, end, days) and the capital it is computed on, and time to pay or
object: at least ``DEMAND_PAY_DAYS_MIN`` days from sending and at least
``DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN`` bank days from presumed receipt
(``PRESUMED_RECEIPT_BANK_DAYS`` after sending), moved to a bank day (``min_demand_pay_by``)::

    >>> from datetime import date
    >>> min_demand_pay_by(date(2026, 3, 2))      # an ordinary Monday: 8 days decide
    datetime.date(2026, 3, 10)
    >>> min_demand_pay_by(date(2026, 12, 18))    # received 22 Dec; 23, 28, 29, 30 Dec
    datetime.date(2026, 12, 30)
    >>> min_demand_pay_by(date(2026, 12, 22))    # received 28 Dec; 29, 30 Dec, 4, 5 Jan
    datetime.date(2027, 1, 5)

The remaining 5 § items — how and by when to object, and what happens if the debtor neither pays
nor objects — live in the letter texts (files); ``fordra.letters.rendering.lint_texts`` checks
them and ``lint_all`` runs both.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from fordra.domain.calendar import add_bank_days, bank_day_on_or_after
from fordra.domain.fees import DebtorType, FeeKind, FeeRateMissingError, FeeSchedule
from fordra.domain.identifiers import IdentifierError, validate_bankgiro
from fordra.domain.money import format_amount
from fordra.domain.ocr import OcrError, validate_ocr

__all__ = [
    "DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN",
    "DEMAND_PAY_DAYS_MIN",
    "INKASSOKRAV_KINDS",
    "LETTER_KINDS",
    "OUT_STATUSES",
    "PRESUMED_RECEIPT_BANK_DAYS",
    "PROTECTED_CHANNELS",
    "UNSENT_STATUSES",
    "LetterContent",
    "LetterFee",
    "LetterInterest",
    "LetterInvoice",
    "LetterParty",
    "LintProblem",
    "ScheduleLine",
    "channels_for",
    "lint_letter",
    "min_demand_pay_by",
]

PRESUMED_RECEIPT_BANK_DAYS = 2  # post: presumed received 2 bank days after sending (IMY guidance)
DEMAND_PAY_DAYS_MIN = 8  # inkassolagen 5 §, god inkassosed: ≥ 8 days from sending ...
DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN = 4  # ... and ≥ 4 bank days from presumed receipt

# After the demand (issue 6): a plan's confirmation or breach ("plan"), Kronofogden notices
# ("kfm_notice"), konkursanmaning ("bankruptcy_warning", konkurslagen (1987:672) 2 kap. 9 §),
# the efterbevakning letter that interrupts limitation ("surveillance"), and answers to an
# objection ("dispute").
LETTER_KINDS = frozenset(
    {
        "reminder",
        "demand",
        "demand_reminder",
        "notice",
        "plan",
        "kfm_notice",
        "bankruptcy_warning",
        "surveillance",
        "dispute",
    }
)
INKASSOKRAV_KINDS = frozenset({"demand", "demand_reminder"})

# Which letters count as not yet sent (issue 12: one definition): waiting to be rendered,
# rendered and waiting for a channel, stopped by the compliance check, or failed and awaiting a
# retry. A state change that stops writing to the debtor cancels exactly these
# (``fordra.letters.unsent.letters_cancel_unsent``). A letter handed to a channel or sent
# (``OUT_STATUSES``) went out: it is never cancelled, only voided (DESIGN.md §4.2).
UNSENT_STATUSES = frozenset({"pending", "rendered", "blocked", "failed"})
OUT_STATUSES = frozenset({"handed_over", "sent"})

# A protected identity (skyddade personuppgifter, DOMAIN.md §10) is written to only through
# Skatteverket's forwarding: never a mailbox, e-mail, SMS or a printed address.
PROTECTED_CHANNELS = ("protected_forwarding",)


def channels_for(*, protected_identity: bool, wanted: Sequence[str]) -> list[str]:
    """The channels a letter to this debtor goes by: ``wanted``, or only protected forwarding
    for a protected identity (the one author of that rule).

    >>> channels_for(protected_identity=False, wanted=("digital_mailbox", "print"))
    ['digital_mailbox', 'print']
    >>> channels_for(protected_identity=True, wanted=("digital_mailbox", "print"))
    ['protected_forwarding']
    """
    return list(PROTECTED_CHANNELS if protected_identity else wanted)

_INKASSOLAGEN_5 = "inkassolagen 5 §"
_FEE_LAW = "lag (1981:739)"


def min_demand_pay_by(sent_on: date) -> date:
    """The earliest pay-by date an inkassokrav sent on ``sent_on`` may state.

    ``max(sent_on + 8 days, 4 bank days after presumed receipt 2 bank days after sending)``,
    moved forward to a bank day.
    """
    by_days = sent_on + timedelta(days=DEMAND_PAY_DAYS_MIN)
    received = add_bank_days(sent_on, PRESUMED_RECEIPT_BANK_DAYS)
    by_bank_days = add_bank_days(received, DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN)
    return bank_day_on_or_after(max(by_days, by_bank_days))


def retried_pay_by(*, first_sent: date, first_pay_by: date, retry_on: date, demand: bool) -> date:
    """The pay-by date of a letter made again on ``retry_on`` after the first one (dated
    ``first_sent``) could not be sent: the same time to pay as the first gave, from the new
    date, moved to a bank day — and for an inkassokrav never less than inkassolagen's minimum
    (``min_demand_pay_by``). A letter is never sent with its first, stale dates (issue 11).

    >>> retried_pay_by(first_sent=date(2026, 11, 23), first_pay_by=date(2026, 12, 7),
    ...                retry_on=date(2026, 11, 24), demand=True)
    datetime.date(2026, 12, 8)
    """
    pay_by = bank_day_on_or_after(retry_on + (first_pay_by - first_sent))
    return max(pay_by, min_demand_pay_by(retry_on)) if demand else pay_by


@dataclass(frozen=True)
class LetterParty:
    """A creditor, agency or debtor as the letter shows them."""

    name: str
    identity: str  # orgnr / personnummer display, "" if not to be shown
    address_lines: tuple[str, ...]  # empty for protected identity
    phone: str = ""
    email: str = ""


@dataclass(frozen=True)
class LetterInvoice:
    """One invoice (faktura) the letter is about: the basis of the claim."""

    invoice_number: str
    invoice_date: date
    due_date: date
    description: str
    capital_ore: int


@dataclass(frozen=True)
class LetterInterest:
    """One interest period (``start``–``end`` inclusive) on one invoice's capital."""

    invoice_number: str
    start: date
    end: date
    days: int
    capital_ore: int
    rate_percent: Decimal
    amount_ore: int
    provisional: bool


@dataclass(frozen=True)
class LetterFee:
    """One cost shown on the letter, with the rule that allowed it.

    ``invoice_number`` is ``""`` for a case-level fee. ``charged_on`` is the day the fee was
    added (an extension of the contract: ``None`` means "by this letter", i.e. its date).
    ``covers`` are the invoice numbers a letter's one påminnelseavgift or inkassoavgift was
    charged for (DOMAIN.md §2: one fee per letter, however many invoices it lists); empty means
    ``invoice_number`` alone.
    """

    kind: FeeKind
    amount_ore: int
    rule: str
    invoice_number: str
    charged_on: date | None = None
    covers: tuple[str, ...] = ()


@dataclass(frozen=True)
class ScheduleLine:
    """One installment of a payment plan (avbetalningsplan) the letter confirms: pay
    ``amount_ore`` by ``due_date`` with the installment's own OCR reference."""

    number: int
    due_date: date
    amount_ore: int
    ocr: str


@dataclass(frozen=True)
class LetterContent:
    """Everything a letter says, ready to lint and to render."""

    kind: str  # "reminder" | "demand" | "demand_reminder" | "notice"
    text: str  # texts file to use (default = kind)
    letter_date: date
    case_ref: str
    ocr: str
    bankgiro: str  # bankgiro digits of the agency (FORDRA_AGENCY_BANKGIRO)
    creditor: LetterParty
    agency: LetterParty
    debtor: LetterParty
    invoices: tuple[LetterInvoice, ...]
    interest: tuple[LetterInterest, ...]
    fees: tuple[LetterFee, ...]  # the fees this letter adds AND earlier fees still outstanding
    capital_ore: int
    interest_ore: int
    fees_ore: int
    paid_ore: int
    total_ore: int
    pay_by: date
    reminder_fee_agreed: bool
    protected_identity: bool = False
    # Who the debtor is decides some wording: for a company (a juridisk person, or an enskild
    # näringsidkare pursued as a business) the application for betalningsföreläggande itself is
    # registered by the credit-reporting firms, for a consumer only an utslag (DOMAIN.md §7).
    debtor_type: DebtorType = DebtorType.PERSON
    # A plan's confirmation: its installments (drawn as the table "Betalningsplan"; the payment
    # block then shows the first one) and a note under the table. Empty for other letters.
    schedule: tuple[ScheduleLine, ...] = ()
    schedule_note: str = ""

    @property
    def is_inkassokrav(self) -> bool:
        return self.kind in INKASSOKRAV_KINDS


@dataclass(frozen=True)
class LintProblem:
    """One reason a letter must not be sent. ``str()`` is ``"code: message"``."""

    code: str  # e.g. "missing_creditor", "pay_by_too_short", "fee_over_cap"
    message: str  # English, names the value

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def lint_letter(content: LetterContent, *, schedule: FeeSchedule) -> tuple[LintProblem, ...]:
    """Every problem that stops ``content`` from being sent; empty when it may be sent."""
    problems = [
        *_lint_kind(content),
        *_lint_references(content),
        *_lint_totals(content),
        *_lint_parties(content),
        *_lint_invoices(content),
        *_lint_fees(content, schedule=schedule),
        *_lint_one_fee_per_letter(content),
        *_lint_pay_by(content),
    ]
    if content.is_inkassokrav:
        problems.extend(_lint_interest_lines(content))
    return tuple(problems)


# --- the checks ----------------------------------------------------------------------------


def _lint_kind(content: LetterContent) -> Iterator[LintProblem]:
    if content.kind not in LETTER_KINDS:
        yield LintProblem(
            "unknown_kind",
            f"letter kind {content.kind!r} is not one of {sorted(LETTER_KINDS)}",
        )


def _lint_references(content: LetterContent) -> Iterator[LintProblem]:
    try:
        validate_ocr(content.ocr)
    except OcrError as exc:
        yield LintProblem("ocr_invalid", f"OCR reference {content.ocr!r} is not valid: {exc}")
    try:
        validate_bankgiro(content.bankgiro)
    except IdentifierError as exc:
        yield LintProblem("bankgiro_invalid", f"bankgiro {content.bankgiro!r} is not valid: {exc}")
    for line in content.schedule:
        try:
            validate_ocr(line.ocr)
        except OcrError as exc:
            yield LintProblem(
                "ocr_invalid", f"installment {line.number}: OCR {line.ocr!r} is not valid: {exc}"
            )
        if line.amount_ore <= 0:
            yield LintProblem(
                "schedule_invalid",
                f"installment {line.number}: amount {format_amount(line.amount_ore)} is not "
                "positive",
            )


def _lint_totals(content: LetterContent) -> Iterator[LintProblem]:
    sums = (
        ("capital", content.capital_ore, sum(i.capital_ore for i in content.invoices), "invoices"),
        ("interest", content.interest_ore, sum(i.amount_ore for i in content.interest),
         "interest lines"),
        ("fees", content.fees_ore, sum(f.amount_ore for f in content.fees), "fee lines"),
    )
    for name, stated, lines, what in sums:
        if stated != lines:
            yield LintProblem(
                f"{name}_mismatch",
                f"{name} {format_amount(stated)} is not the sum of the {what} "
                f"{format_amount(lines)}",
            )
    expected = content.capital_ore + content.interest_ore + content.fees_ore - content.paid_ore
    if content.total_ore != expected:
        yield LintProblem(
            "total_mismatch",
            f"total {format_amount(content.total_ore)} is not capital + interest + fees − paid "
            f"= {format_amount(expected)}",
        )


def _lint_parties(content: LetterContent) -> Iterator[LintProblem]:
    creditor, agency, debtor = content.creditor, content.agency, content.debtor
    if not creditor.name.strip():
        yield LintProblem("missing_creditor", "the creditor's name is missing")
    if not creditor.identity.strip():
        yield LintProblem(
            "missing_creditor_identity",
            f"the creditor {creditor.name!r} has no organisationsnummer or other identity",
        )
    if not agency.name.strip():
        yield LintProblem("missing_agency", "the collecting agency's name is missing")
    if not _has_lines(agency.address_lines):
        yield LintProblem(
            "missing_agency_address", f"the agency {agency.name!r} has no postal address"
        )
    if not (agency.phone.strip() or agency.email.strip()):
        yield LintProblem(
            "missing_agency_contact", f"the agency {agency.name!r} has neither phone nor e-mail"
        )
    if not debtor.name.strip():
        yield LintProblem("missing_debtor", "the debtor's name is missing")
    if content.protected_identity:
        if debtor.address_lines:
            yield LintProblem(
                "address_on_protected_identity",
                f"the debtor {debtor.name!r} has a protected identity but the letter carries "
                f"{len(debtor.address_lines)} address line(s); it must carry none",
            )
    elif not _has_lines(debtor.address_lines):
        yield LintProblem(
            "missing_debtor_address", f"the debtor {debtor.name!r} has no postal address"
        )


def _lint_invoices(content: LetterContent) -> Iterator[LintProblem]:
    if not content.invoices:
        yield LintProblem("missing_invoice", "the letter lists no invoice")
    for index, invoice in enumerate(content.invoices, start=1):
        if not invoice.invoice_number.strip():
            yield LintProblem(
                "invoice_incomplete",
                f"invoice {index} (dated {invoice.invoice_date}, due {invoice.due_date}) "
                "has no invoice number",
            )


def _lint_fees(content: LetterContent, *, schedule: FeeSchedule) -> Iterator[LintProblem]:
    due_dates = {i.invoice_number: i.due_date for i in content.invoices}
    earliest_due = min(due_dates.values(), default=None)
    for fee in content.fees:
        label = _fee_label(fee)
        try:
            cap = schedule.rate_on(fee.kind, content.letter_date)
        except FeeRateMissingError:
            yield LintProblem(
                "fee_cap_unknown",
                f"{label}: fee schedule {schedule.version} has no {fee.kind} amount on "
                f"{content.letter_date}, so {format_amount(fee.amount_ore)} cannot be checked",
            )
        else:
            if fee.amount_ore > cap.amount_ore:
                yield LintProblem(
                    "fee_over_cap",
                    f"{label}: {format_amount(fee.amount_ore)} is more than the legal maximum "
                    f"{format_amount(cap.amount_ore)} on {content.letter_date} ({cap.source})",
                )
        if fee.amount_ore < 0:
            yield LintProblem(
                "fee_negative", f"{label}: amount {format_amount(fee.amount_ore)} is negative"
            )
        if fee.kind is FeeKind.REMINDER and not content.reminder_fee_agreed:
            yield LintProblem(
                "reminder_fee_not_agreed",
                f"{label}: {format_amount(fee.amount_ore)} charged but no reminder fee was "
                f"agreed ({_FEE_LAW} 2 §: only if agreed when the debt arose)",
            )
        if fee.invoice_number and fee.invoice_number not in due_dates:
            yield LintProblem(
                "fee_invoice_unknown",
                f"{label}: invoice {fee.invoice_number!r} is not among the letter's invoices",
            )
            continue
        due = due_dates[fee.invoice_number] if fee.invoice_number else earliest_due
        charged_on = fee.charged_on or content.letter_date
        if due is not None and charged_on <= due:
            yield LintProblem(
                "fee_before_due",
                f"{label}: dated {charged_on}, not after the due date {due} "
                f"({_FEE_LAW} 1 §: no fee before the debt has fallen due)",
            )


# The letters that may carry each per-letter fee (lag (1981:739) 2 § and 3 § 1).
_LETTERS_OF_FEE = {
    FeeKind.REMINDER: frozenset({"reminder"}),
    FeeKind.DEMAND: INKASSOKRAV_KINDS,
}


def _lint_one_fee_per_letter(content: LetterContent) -> Iterator[LintProblem]:
    """A letter's own påminnelseavgift / inkassoavgift at most once (DOMAIN.md §2).

    A fee is the letter's own when it is charged on the letter date by a letter that may carry
    it; earlier letters' fees are shown as outstanding and are not counted.
    """
    for kind, letters in _LETTERS_OF_FEE.items():
        if content.kind not in letters:
            continue
        own = [
            fee
            for fee in content.fees
            if fee.kind == kind and (fee.charged_on or content.letter_date) == content.letter_date
        ]
        if len(own) > 1:
            yield LintProblem(
                "fee_per_letter_exceeded",
                f"{len(own)} {kind} fees ({format_amount(sum(f.amount_ore for f in own))}) are "
                f"charged by this {content.kind} letter; {_FEE_LAW} allows one per letter, "
                "however many invoices it lists",
            )


def _lint_pay_by(content: LetterContent) -> Iterator[LintProblem]:
    if content.pay_by <= content.letter_date:
        yield LintProblem(
            "pay_by_not_after_letter_date",
            f"pay-by {content.pay_by} is not after the letter date {content.letter_date}",
        )
    if content.is_inkassokrav:
        minimum = min_demand_pay_by(content.letter_date)
        if content.pay_by < minimum:
            yield LintProblem(
                "pay_by_too_short",
                f"pay-by {content.pay_by} is before the legal minimum {minimum} "
                f"({_INKASSOLAGEN_5}: {DEMAND_PAY_DAYS_MIN} days from sending, "
                f"{DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN} bank days from presumed receipt)",
            )


def _lint_interest_lines(content: LetterContent) -> Iterator[LintProblem]:
    numbers = {i.invoice_number for i in content.invoices}
    for index, line in enumerate(content.interest, start=1):
        where = f"interest line {index} (invoice {line.invoice_number!r}, {line.start}–{line.end})"
        missing = []
        if line.invoice_number not in numbers:
            missing.append("an invoice of the letter")
        if not line.rate_percent.is_finite() or line.rate_percent <= 0:
            missing.append(f"a rate (got {line.rate_percent})")
        if line.end < line.start or line.days != (line.end - line.start).days + 1:
            missing.append(f"a consistent period (got {line.days} days)")
        if line.capital_ore <= 0:
            missing.append(f"the capital it is computed on (got {format_amount(line.capital_ore)})")
        if missing:
            yield LintProblem(
                "interest_incomplete",
                f"{where} lacks {', '.join(missing)} ({_INKASSOLAGEN_5}: amount, rate, period "
                "and capital)",
            )


# --- helpers -------------------------------------------------------------------------------


def _has_lines(lines: tuple[str, ...]) -> bool:
    return any(line.strip() for line in lines)


def _fee_label(fee: LetterFee) -> str:
    where = f" on invoice {fee.invoice_number!r}" if fee.invoice_number else " on the case"
    return f"{fee.kind} fee{where}"
