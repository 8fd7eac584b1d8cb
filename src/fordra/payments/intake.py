"""``fordra import payments FILE``: BgMax or camt.054, detected; matched by OCR; booked.

All or nothing, like every import: a file that fails its own checks (totals, counts, structure)
is refused whole with the line that is wrong. A file imported before (same content hash) is a
reported no-op (``payments`` 0, ``duplicate`` true); within a new file, a payment already
recorded (same bank serial/reference) is counted as a duplicate and never booked twice, and a
file whose every payment was recorded before is a duplicate too (a bank sending a notification
again with a new message id).

A payment the file reports but that cannot be booked as it stands is never dropped and never
costs the file its other payments: it goes to the unmatched queue with its ``reason`` (a credit
in another currency than SEK, held outside the SEK ledger; a booking date after the file's own
creation date). camt.054 debit entries (money out) are not payments: skipped and counted
(``skipped_debits``). The receiving account is checked like BgMax's bankgiro: a camt.054
``Acct/Id/Othr`` of scheme ``BGNR`` against ``FORDRA_AGENCY_BANKGIRO``, an IBAN against
``FORDRA_AGENCY_IBAN`` when that is set (DESIGN.md §4.1, DOMAIN.md §14).

Matching (DOMAIN.md §14): the reference is an OCR number with a valid check digit that names a
case → matched (BgMax reference code 2, and codes 0/1/3/4/5 after our own Luhn check and lookup;
a camt.054 structured SCOR reference, or a free text that is such a number). Everything else goes
to the unmatched queue with suggestions — never dropped: an invoice number found in the
reference or free text, or an open case of a debtor with the payer's name and that balance.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db import transaction

from fordra.core.bulk import gc_paused, query_in
from fordra.core.errors import ApplicationError
from fordra.domain.identifiers import validate_bankgiro
from fordra.domain.money import format_amount
from fordra.domain.ocr import is_valid_ocr
from fordra.domain.plans import case_number_from_installment_ocr
from fordra.formats.camt054 import is_iban, normalise_iban
from fordra.payments.models import PaymentFile
from fordra.payments.services import BOOKED_CURRENCY, Incoming, RecordResult, payments_record

if TYPE_CHECKING:
    from fordra.formats.camt054 import CamtAccount, CamtPayment

PAYMENT_FILE_BYTES_MAX = 256 * 1024 * 1024
_DIGITS = re.compile(r"\d{2,25}")
_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/]{1,40}")


class FilePayment(NamedTuple):
    """One payment as read from a file (a named tuple: a file holds up to hundreds of thousands)."""

    key: str
    amount_ore: int
    paid_on: date
    reference: str
    free_text: str
    payer_name: str
    source: str
    reason: str = ""  # why it goes to the unmatched queue whatever its reference says
    currency: str = "SEK"


@dataclass(frozen=True)
class ImportPaymentsResult:
    payments: int
    matched: int
    unmatched: int
    amount_ore: int
    duplicate: bool
    duplicates: int
    format: str
    closed: int
    skipped_debits: int = 0

    def as_json(self) -> dict[str, Any]:
        return {
            "payments": self.payments,
            "matched": self.matched,
            "unmatched": self.unmatched,
            "amount_ore": self.amount_ore,
            "duplicate": self.duplicate,
            "duplicates": self.duplicates,
            "format": self.format,
            "cases_closed": self.closed,
            "skipped_debits": self.skipped_debits,
        }


def read_payment_file(
    data: bytes, *, allow_test_file: bool, report: dict[str, int] | None = None
) -> tuple[str, list[FilePayment]]:
    """Detect the format and parse; the whole file or an ApplicationError.

    ``report``, when given, receives counts a format reports beside its payments (camt.054:
    ``skipped_debits``); ``payments_import`` puts them in its result.
    """
    from fordra.formats.bgmax import BgmaxError, looks_like_bgmax, parse_bgmax
    from fordra.formats.camt054 import Camt054Error, looks_like_camt054, parse_camt054

    agency_bankgiro = validate_bankgiro(settings.AGENCY["bankgiro"])
    if looks_like_bgmax(data):
        try:
            parsed = parse_bgmax(data)
        except BgmaxError as exc:
            raise ApplicationError(f"the BgMax file was refused: {exc}") from exc
        if parsed.test and not allow_test_file:
            raise ApplicationError(
                "this is a test file (TK01 marker T): refused (use --allow-test-file to import it)"
            )
        payments = []
        agency = agency_bankgiro.lstrip("0")
        # The key is the receiving bankgiro and payment date, then the BGC serial (BgmaxPayment.key):
        # made once per deposit day, then only the serial appended.
        prefixes: dict[tuple[str, date], str] = {}
        for p in parsed.payments:
            if p.receiving_bankgiro.lstrip("0") != agency:
                raise ApplicationError(
                    f"line {p.line}: the payment was made to bankgiro {p.receiving_bankgiro}, "
                    f"not to the agency's klientmedel bankgiro {agency_bankgiro}"
                )
            reference = p.reference
            if p.extra_references:
                references = [p.reference, *(r.reference for r in p.extra_references)]
                reference = " ".join(r for r in references if r)
            prefix = prefixes.get((p.receiving_bankgiro, p.payment_date))
            if prefix is None:
                key = p.key
                serial = p.bgc_serial
                prefix = key[: len(key) - len(serial)] if serial and key.endswith(serial) else ""
                prefixes[(p.receiving_bankgiro, p.payment_date)] = prefix
            payments.append(
                FilePayment(
                    prefix + p.bgc_serial if prefix else p.key,
                    p.amount_ore,
                    p.payment_date,
                    reference,
                    " ".join(p.information) if p.information else "",
                    p.payer_name,
                    "bgmax",
                )
            )
        return "bgmax", payments
    if looks_like_camt054(data):
        try:
            camt = parse_camt054(data)
        except Camt054Error as exc:
            raise ApplicationError(f"the camt.054 file was refused: {exc}") from exc
        _check_camt_accounts(camt.accounts, agency_bankgiro=agency_bankgiro)
        if report is not None:
            report["skipped_debits"] = camt.skipped_debits
        return "camt054", [
            FilePayment(
                key=p.key,
                amount_ore=p.amount_ore,
                paid_on=p.booking_date,
                reference=p.reference,
                free_text=p.free_text,
                payer_name=p.debtor_name,
                source="camt054",
                reason=_camt_reason(p, created_on=camt.created_on),
                currency=p.currency,
            )
            for p in camt.payments
        ]
    raise ApplicationError(
        "not a payment file this version reads: expected BgMax (Bankgirot) or ISO 20022 camt.054"
    )


def _check_camt_accounts(accounts: Sequence[CamtAccount], *, agency_bankgiro: str) -> None:
    """Each notification must be for the agency's klientmedel account (DESIGN.md §4.1).

    A bankgiro (``Othr`` with scheme ``BGNR``, as Swedish banks name one) is compared with
    ``FORDRA_AGENCY_BANKGIRO``, always, as BgMax's receiving bankgiro is. An IBAN is compared
    with ``FORDRA_AGENCY_IBAN`` when that is set (no blanks, upper case); then an account of
    another kind cannot be checked and is refused too.
    """
    setting = settings.AGENCY.get("iban", "")
    agency_iban = normalise_iban(setting) if setting else ""
    if agency_iban and not is_iban(agency_iban):
        raise ApplicationError(f"FORDRA_AGENCY_IBAN {setting!r} is not an IBAN")
    for account in accounts:
        if account.kind == "bankgiro":
            if account.id.lstrip("0") != agency_bankgiro.lstrip("0"):
                raise ApplicationError(
                    f"the camt.054 file was refused: {account.where} is for bankgiro "
                    f"{account.id}, not the agency's klientmedel bankgiro {agency_bankgiro} "
                    "(FORDRA_AGENCY_BANKGIRO)"
                )
        elif agency_iban and account.id != agency_iban:
            kind = "account" if account.kind == "iban" else "account (Acct/Id/Othr)"
            raise ApplicationError(
                f"the camt.054 file was refused: {account.where} is for {kind} {account.id}, "
                f"not the agency's klientmedel account {agency_iban} (FORDRA_AGENCY_IBAN)"
            )


def _camt_reason(payment: CamtPayment, *, created_on: date) -> str:
    """Why a camt.054 credit is queued for staff instead of being matched; "" if it is not."""
    if payment.currency != BOOKED_CURRENCY:
        amount = format_amount(payment.amount_ore).removesuffix(" kr")
        return (
            f"Betalningen är i {payment.currency} ({amount} {payment.currency}), inte "
            f"{BOOKED_CURRENCY}: bokförs inte, hanteras manuellt"
        )
    if payment.booking_date > created_on:
        # DESIGN.md §4.2 and issue 10 item 5: no value date in the future; a bank file cannot
        # report a booking after it was made.
        return (
            f"Bokföringsdagen {payment.booking_date.isoformat()} är efter filens "
            f"skapandedag {created_on.isoformat()}"
        )
    return ""


def _match_installment_references(
    references: set[str], *, case_of: dict[str, int], seen: dict[int, tuple[str, int]]
) -> None:
    """References issued for a plan's installments (each has its own OCR) → their case.

    Only a reference that was actually issued counts: it is looked up in the plans' schedule
    table by its exact OCR (read by name — the plans app sits above payments), never guessed
    from the digits alone, so a stray valid OCR cannot land on a case by accident.
    """
    issued = [r for r in references if case_number_from_installment_ocr(r) is not None]
    if not issued:
        return
    for ocr, case_id, state, creditor_id in query_in(
        "SELECT i.ocr, c.id, c.state, c.creditor_id FROM plans_planinstallment i "
        "JOIN plans_plan p ON p.id = i.plan_id JOIN claims_case c ON c.id = p.case_id "
        "WHERE i.ocr IN ({in})",
        values=sorted(issued),
    ):
        case_of[ocr] = case_id
        seen[case_id] = (state, creditor_id)


def match_references(
    payments: list[FilePayment], *, cases_read: dict[int, tuple[str, int]] | None = None
) -> list[Incoming]:
    """OCR → case, set-based; the rest unmatched with suggestions.

    ``cases_read``, when given, receives (state, creditor id) of every case found, for
    ``payments_record`` to use instead of reading them again.
    """
    candidates: list[str | list[str]] = []
    wanted: set[str] = set()
    for p in payments:
        if p.reference.isdigit() and not p.free_text:
            # The common case (BgMax reference code 2): the reference is the whole OCR. It is
            # looked up as it stands: every case's OCR was made with valid check and length
            # digits, so a reference equal to one is valid, and any other matches nothing.
            candidates.append(p.reference)
            wanted.add(p.reference)
            continue
        found = [d for d in _DIGITS.findall(f"{p.reference} {p.free_text}") if is_valid_ocr(d)]
        candidates.append(found)
        wanted.update(found)
    case_of = {}
    seen = {} if cases_read is None else cases_read
    for ocr, case_id, state, creditor_id in query_in(
        "SELECT ocr, id, state, creditor_id FROM claims_case WHERE ocr IN ({in})",
        values=sorted(wanted),
    ):
        case_of[ocr] = case_id
        seen[case_id] = (state, creditor_id)
    _match_installment_references(wanted - case_of.keys(), case_of=case_of, seen=seen)
    out = []
    unmatched = []
    held: dict[str, int] = {}
    for p, found in zip(payments, candidates, strict=True):
        if isinstance(found, str):
            case_id = case_of.get(found)
        else:
            case_id = next((case_of[d] for d in found if d in case_of), None)
        amount = p.amount_ore
        if p.reason:
            # Queued whatever it names: the case it would have matched is a suggestion.
            if case_id is not None:
                held[p.key] = case_id
            case_id = None
        if case_id is None or amount < 0:
            unmatched.append(p)
        reference = p.reference or p.free_text
        out.append(
            Incoming(
                p.key, p.source, amount, p.paid_on,
                reference if len(reference) <= 140 else reference[:140], p.payer_name,
                case_id if amount > 0 else None, reason=p.reason, currency=p.currency,
            )
        )
    if not unmatched:
        return out
    suggestions = _suggestions(unmatched, held=held)
    return [
        i if i.case_id is not None else i._replace(suggestions=suggestions.get(i.key, ()))
        for i in out
    ]


def _suggestions(
    payments: list[FilePayment], *, held: dict[str, int] | None = None
) -> dict[str, tuple[dict[str, str], ...]]:
    """Invoice numbers named in the text; open cases of a debtor with the payer's exact name;
    for a payment held with a reason, the case its OCR names (``held``: key → case id)."""
    if not payments:
        return {}
    named: dict[int, int] = {}
    if held:
        named = dict(query_in("SELECT id, number FROM claims_case WHERE id IN ({in})",
                              values=sorted(set(held.values()))))
    tokens = {p.key: set(_TOKENS.findall(f"{p.reference} {p.free_text}")) for p in payments}
    numbers = sorted({t for ts in tokens.values() for t in ts})
    by_invoice: dict[str, list[int]] = {}
    for number, case_number in query_in(
        "SELECT i.invoice_number, c.number FROM claims_invoice i JOIN claims_case c "
        "ON c.id = i.case_id WHERE i.invoice_number IN ({in})",
        values=numbers,
    ):
        by_invoice.setdefault(number, []).append(case_number)
    names = sorted({p.payer_name.strip().lower() for p in payments if p.payer_name.strip()})
    by_name: dict[str, list[int]] = {}
    for name, case_number in query_in(
        "SELECT LOWER(d.name), c.number FROM parties_debtor d JOIN claims_case c "
        "ON c.debtor_id = d.id WHERE LOWER(d.name) IN ({in}) AND c.state NOT LIKE 'closed%%'",
        values=names,
    ):
        by_name.setdefault(name, []).append(case_number)
    out: dict[str, tuple[dict[str, str], ...]] = {}
    for p in payments:
        found: list[dict[str, str]] = []
        if held and p.key in held:
            found.append({"ref": f"FD-{named[held[p.key]]}", "why": "OCR i referensen"})
        for token in sorted(tokens[p.key]):
            for number in by_invoice.get(token, []):
                found.append({"ref": f"FD-{number}", "why": f"fakturanummer {token} i referensen"})
        for number in by_name.get(p.payer_name.strip().lower(), []):
            found.append({"ref": f"FD-{number}", "why": f"betalarens namn {p.payer_name}"})
        out[p.key] = tuple(found[:10])
    return out


def _import(
    data: bytes,
    *,
    sha: str,
    filename: str,
    now: datetime,
    allow_test_file: bool,
    report: dict[str, int],
) -> tuple[str, RecordResult]:
    fmt, payments = read_payment_file(data, allow_test_file=allow_test_file, report=report)
    with transaction.atomic():
        record = PaymentFile.objects.create(sha256=sha, filename=filename[:255], format=fmt)
        # Matched inside the transaction: the cases' states are read once, for both.
        cases_read: dict[int, tuple[str, int]] = {}
        incoming = match_references(payments, cases_read=cases_read)
        result = payments_record(items=incoming, now=now, file_id=record.id,
                                 cases_read=cases_read)
        PaymentFile.objects.filter(pk=record.pk).update(
            payments=result.payments, matched=result.matched, unmatched=result.unmatched,
            amount_ore=result.amount_ore,
        )
    return fmt, result


def payments_import(
    *, data: bytes, filename: str, now: datetime, allow_test_file: bool = False
) -> ImportPaymentsResult:
    if len(data) > PAYMENT_FILE_BYTES_MAX:
        raise ApplicationError(f"the file is larger than {PAYMENT_FILE_BYTES_MAX} bytes")
    sha = hashlib.sha256(data).hexdigest()
    known = PaymentFile.objects.filter(sha256=sha).first()
    if known is not None:
        # Nothing new: 0 payments, every one of the file's a duplicate (issue 11: a camt.054
        # sent again reported its payments as new).
        return ImportPaymentsResult(
            payments=0, matched=0, unmatched=0, amount_ore=0,
            duplicate=True, duplicates=known.payments, format=known.format, closed=0,
        )
    # The collector is paused for the whole import: a bank file makes a few hundred thousand
    # small objects and no cycles. They all die inside _import, before it runs again.
    report: dict[str, int] = {}
    with gc_paused():
        fmt, result = _import(data, sha=sha, filename=filename, now=now,
                              allow_test_file=allow_test_file, report=report)
    return ImportPaymentsResult(
        payments=result.payments,
        matched=result.matched,
        unmatched=result.unmatched,
        amount_ore=result.amount_ore,
        # Every payment recorded before: the same file again under another name or header.
        duplicate=result.payments == 0 and result.duplicates > 0,
        duplicates=result.duplicates,
        format=fmt,
        closed=len(result.closed),
        skipped_debits=report.get("skipped_debits", 0),
    )
