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
to the unmatched queue with suggestions and a reason (``Payment.reason``) — never dropped: an
invoice number found in the reference or free text, or an open case of a debtor with the payer's
name and that balance.

BgMax specifics (DOMAIN.md §14):

- Duplicates: a payment's key is ``BgmaxPayment.key`` (bankgiro, day, BGC serial, occurrence,
  amount, reference), so a file sent again — even with a new TK01 timestamp, i.e. another
  content hash — records nothing new and is reported ``duplicate``. Payments recorded before
  that key (``bgmax:<bankgiro>:<day>:<serial>``) are still recognised (``_legacy_duplicates``).
- Extra references (TK22/TK23). With amounts (extended form registration): the payment is split
  into one part per extra reference (key ``…:<occurrence>/<n>:…``, TK23 parts negative), each
  matched on its own reference — a part that matches no case, and every negative part, goes to
  the queue; when the parts do not add up to the payment, the whole payment goes to the queue
  with the reason. Without amounts (all 0, the basic form): when every reference is one of our
  cases' OCRs, the payment is spread over those cases oldest due claim first (DOMAIN.md §11),
  each case getting what it owes on the payment day and the last the rest; otherwise the whole
  payment goes to the queue with the reason. A TK21 deduction is never split.
- What the file says that stops nothing — a payer bankgiro that is not 10 digits, a record with
  TAB characters, the part a row is of — is kept as the payment's ``warnings`` and listed in the
  result; a record of unknown type is listed in the result (``unknown_records``: line, type) and
  becomes a staff task on the file (``FileTask``); the payments around it are imported.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from django.conf import settings
from django.db import transaction

from fordra.claims.queries import (
    case_numbers,
    case_numbers_by_invoice_number,
    cases_by_ocr,
    open_case_numbers_by_debtor_name,
)
from fordra.core.bulk import adapt, as_date, gc_paused, query_in
from fordra.core.errors import ApplicationError
from fordra.domain.identifiers import validate_bankgiro
from fordra.domain.money import format_amount
from fordra.domain.ocr import is_valid_ocr
from fordra.formats.camt054 import is_iban, normalise_iban
from fordra.payments.engine import payments_record
from fordra.payments.incoming import BOOKED_CURRENCY, Incoming, RecordResult, value_date_problem
from fordra.payments.models import FileTask, PaymentFile
from fordra.payments.owing import cases_owing
from fordra.payments.references import issued_reference_cases

if TYPE_CHECKING:
    from fordra.formats.bgmax import BgmaxFile, BgmaxPayment
    from fordra.formats.camt054 import CamtAccount, CamtPayment

PAYMENT_FILE_BYTES_MAX = 256 * 1024 * 1024
WARNINGS_LISTED_MAX = 1000  # in the import result; each payment keeps its own
_DIGITS = re.compile(r"\d{2,25}")
_TOKENS = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-/]{1,40}")
_LIST_SEPARATORS = re.compile(r"[\s,;]+")
_PART = "Del "  # how the note on each part of a split payment begins


class FilePayment(NamedTuple):
    """One payment as read from a file (a named tuple: a file holds up to hundreds of thousands).

    ``reason``: when set, the payment goes to the unmatched queue with it, whatever its reference
    says. ``warnings``: noted on the payment, matched or not. ``references``: several references
    without amounts (BgMax basic form), spread over their cases when the file is booked.
    """

    key: str
    amount_ore: int
    paid_on: date
    reference: str
    free_text: str
    payer_name: str
    source: str
    reason: str = ""  # why it goes to the unmatched queue whatever its reference says
    warnings: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    currency: str = "SEK"  # anything else is queued unbooked (the ledger is in SEK)


class FileNote(NamedTuple):
    """Something in a file that is no payment but must not pass silently: a staff task."""

    kind: str  # "unknown_record"
    line: int
    record_type: str
    text: str


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
    unknown_records: tuple[FileNote, ...] = ()
    warnings: tuple[str, ...] = ()

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
            "unknown_records": [
                {"line": n.line, "type": n.record_type} for n in self.unknown_records
            ],
            "warnings": list(self.warnings),
        }


def read_payment_file(
    data: bytes,
    *,
    allow_test_file: bool,
    report: dict[str, int] | None = None,
    notes: list[FileNote] | None = None,
) -> tuple[str, list[FilePayment]]:
    """Detect the format and parse; the whole file or an ApplicationError.

    ``report``, when given, receives counts a format reports beside its payments (camt.054:
    ``skipped_debits``); ``notes`` receives what the file holds besides payments (BgMax records
    of unknown type). ``payments_import`` puts both in its result.
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
        if notes is not None:
            notes.extend(
                FileNote("unknown_record", r.line, r.tk, r.text) for r in parsed.unknown_records
            )
        return "bgmax", _not_after_creation(
            _bgmax_payments(parsed, agency_bankgiro=agency_bankgiro),
            created_on=date(int(parsed.created[:4]), int(parsed.created[4:6]),
                            int(parsed.created[6:8])),
        )
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


def _not_after_creation(payments: list[FilePayment], *, created_on: date) -> list[FilePayment]:
    """A payment dated after the file was made (its TK01 timestamp) has not happened yet:
    queued for staff with the reason (issue 10 item 5; ``value_date_problem``)."""
    out = []
    for p in payments:
        problem = None if p.reason else value_date_problem(paid_on=p.paid_on, latest=created_on)
        out.append(p._replace(reason=problem) if problem else p)
    return out


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


def _bgmax_payments(parsed: BgmaxFile, *, agency_bankgiro: str) -> list[FilePayment]:
    """The file's payments as FilePayments (module docstring: keys, extra references)."""
    payments: list[FilePayment] = []
    agency = agency_bankgiro.lstrip("0")
    # The key is BgmaxPayment.key; its head (bankgiro and day) made once per deposit day.
    prefixes: dict[tuple[str, date], str] = {}
    for p in parsed.payments:
        if p.receiving_bankgiro.lstrip("0") != agency:
            raise ApplicationError(
                f"line {p.line}: the payment was made to bankgiro {p.receiving_bankgiro}, "
                f"not to the agency's klientmedel bankgiro {agency_bankgiro}"
            )
        prefix = prefixes.get((p.receiving_bankgiro, p.payment_date))
        if prefix is None:
            prefix = prefixes[(p.receiving_bankgiro, p.payment_date)] = (
                f"bgmax:{p.receiving_bankgiro}:{p.payment_date:%Y%m%d}:"
            )
        key = f"{prefix}{p.bgc_serial}:{p.occurrence}:{p.amount_ore}:{p.reference}"
        if p.extra_references:
            payments.extend(_with_extra_references(p, key))
            continue
        payments.append(
            FilePayment(
                key, p.amount_ore, p.payment_date, p.reference,
                " ".join(p.information) if p.information else "", p.payer_name, "bgmax", "",
                p.flagged,
            )
        )
    return payments


def _part_key(key: str, part: int) -> str:
    """The key of part ``part`` of the BgMax payment ``key``: ``/<part>`` after occurrence."""
    head = key.split(":", 5)
    head[4] = f"{head[4]}/{part}"
    return ":".join(head)


def _origin_key(key: str) -> str:
    """The BgMax payment a (part) key belongs to."""
    head = key.split(":", 5)
    head[4] = head[4].split("/", 1)[0]
    return ":".join(head)


def _distinct(references: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(r for r in references if r))


def _with_extra_references(p: BgmaxPayment, key: str) -> list[FilePayment]:
    """A payment with TK22/TK23 extra references: split, to be spread, or queued whole."""
    extras = p.extra_references
    # The owning reference of a code-3 payment often lists the others ("a,b,c"): its tokens.
    listed = _LIST_SEPARATORS.split(p.reference) if p.reference_code == "3" else [p.reference]
    references = _distinct([*listed, *(r.reference for r in extras)])
    text = " ".join(p.information) if p.information else ""
    whole = format_amount(p.amount_ore)
    if p.amount_ore < 0:
        reason = (
            f"Avdrag {whole} med flera referenser ({', '.join(references)}) på rad {p.line}"
        )
        return [FilePayment(key, p.amount_ore, p.payment_date, " ".join(references), text,
                            p.payer_name, "bgmax", reason, p.flagged)]
    amounts = [r.amount_ore for r in extras]
    if not any(amounts):
        # Basic form: several references, no amounts; _spread_over_cases decides.
        return [FilePayment(key, p.amount_ore, p.payment_date, " ".join(references), "",
                            p.payer_name, "bgmax", "", p.flagged, tuple(references))]
    total = sum(amounts)
    if total != p.amount_ore or not all(amounts):
        reason = (
            f"De extra referensernas belopp ({format_amount(total)}) stämmer inte med "
            f"betalningens {whole} på rad {p.line}: fördela för hand"
        )
        return [FilePayment(key, p.amount_ore, p.payment_date, " ".join(references), text,
                            p.payer_name, "bgmax", reason, p.flagged)]
    count = len(extras)
    parts = []
    for number, extra in enumerate(extras, 1):
        where = f"{_PART}{number} av {count} av betalningen {whole} på rad {p.line}"
        reason = ""
        if extra.amount_ore < 0:
            reason = (
                f"{where}: avdrag {format_amount(extra.amount_ore)} för referensen "
                f"{extra.reference or '(ingen)'} (TK23)"
            )
        parts.append(
            FilePayment(
                _part_key(key, number), extra.amount_ore, p.payment_date, extra.reference, "",
                p.payer_name, "bgmax", reason, (*p.flagged, where),
            )
        )
    return parts


def _legacy_duplicates(payments: list[FilePayment]) -> list[FilePayment]:
    """BgMax payments recorded under the key used before DOMAIN.md §14's
    (``bgmax:<bankgiro>:<day>:<serial>``, the whole payment) stay duplicates: such a payment
    is given back as it was recorded, so that ``payments_record`` skips it."""
    bgmax_days = sorted(adapt(d) for d in {p.paid_on for p in payments if p.source == "bgmax"})
    if not bgmax_days or not query_in(
        "SELECT 1 FROM payments_payment WHERE source = 'bgmax' AND paid_on IN ({in}) "
        "AND key NOT LIKE %s LIMIT 1",
        values=bgmax_days,
        after=["bgmax:%:%:%:%"],
    ):
        return payments  # none on these days: the common case, one query
    origins: dict[str, list[FilePayment]] = {}
    for p in payments:
        if p.source == "bgmax":
            origins.setdefault(_origin_key(p.key), []).append(p)
    # A serial may repeat in the file (the old key refused such a file, so at most one of
    # them can have been recorded under it: the one with the same amount and day).
    legacy: dict[str, list[str]] = {}
    for key in origins:
        bankgiro, day, serial, occurrence = key.split(":", 5)[1:5]
        if occurrence == "0":
            legacy.setdefault(f"bgmax:{bankgiro}:{day}:{serial}", []).append(key)
    stored = {
        origin: (key, amount, as_date(paid_on))
        for key, amount, paid_on in query_in(
            "SELECT key, amount_ore, CAST(paid_on AS TEXT) FROM payments_payment "
            "WHERE key IN ({in})",
            values=sorted(legacy),
        )
        for origin in legacy[key]
    }
    out = []
    done: set[str] = set()
    claimed: dict[str, str] = {}  # a recorded payment is the duplicate of one origin only
    for p in payments:
        origin = _origin_key(p.key) if p.source == "bgmax" else ""
        old = stored.get(origin)
        whole = sum(q.amount_ore for q in origins.get(origin, ()))
        if (
            old is None
            or old[1:] != (whole, p.paid_on)
            or claimed.setdefault(old[0], origin) != origin
        ):
            out.append(p)
        elif origin not in done:
            done.add(origin)
            out.append(p._replace(key=old[0], amount_ore=whole, references=(), reason=""))
    return out


def _spread_over_cases(payments: list[FilePayment]) -> list[FilePayment]:
    """Payments with several references and no amounts (``references``): when every reference
    names one of our cases, one part per case, oldest due claim first, each what its case owes
    on the payment day and the last the rest (DOMAIN.md §11, §14); else to the queue whole.

    A payment recorded before (whole, or in parts) is given back as recorded: the split depends
    on the balances of the day it was booked, so it is never made again.
    """
    several = [p for p in payments if p.references]
    if not several:
        return payments
    wanted = {p.key: [_part_key(p.key, n) for n in range(1, len(p.references) + 1)]
              for p in several}
    stored: dict[str, list[tuple[str, int]]] = {}
    for key, amount in query_in(
        "SELECT key, amount_ore FROM payments_payment WHERE key IN ({in})",
        values=sorted({k for p in several for k in (p.key, *wanted[p.key])}),
    ):
        stored.setdefault(_origin_key(key), []).append((key, amount))
    case_of = _cases_of_references({r for p in several for r in p.references})
    owing: dict[date, dict[int, tuple[date | None, int]]] = {}
    out = []
    for p in payments:
        if not p.references:
            out.append(p)
            continue
        if p.key in stored:
            out.extend(p._replace(key=k, amount_ore=a, references=()) for k, a in stored[p.key])
            continue
        theirs = [r for r in p.references if r not in case_of]
        if theirs:
            # The references themselves are in the payment's reference: named here only
            # when some of them are ours (which ones are not).
            which = (
                "ingen av dem är vår" if len(theirs) == len(p.references)
                else f"{', '.join(theirs)} är inte {'vår' if len(theirs) == 1 else 'våra'}"
            )
            reason = (
                f"Betalningen {format_amount(p.amount_ore)} gäller flera referenser utan "
                f"delbelopp och {which}: fördela för hand"
            )
            out.append(p._replace(reason=reason, references=()))
            continue
        cases = _distinct_ints(case_of[r] for r in p.references)
        if p.paid_on not in owing:
            owing[p.paid_on] = cases_owing(
                case_ids=sorted({case_of[r] for q in several for r in q.references
                                 if r in case_of}),
                as_of=p.paid_on,
            )
        parts = _parts_over_cases(p, cases, case_of, owing[p.paid_on])
        for part in parts:  # a second such payment the same day sees what this one took
            case_id = case_of[part.reference]
            due, left = owing[p.paid_on][case_id]
            owing[p.paid_on][case_id] = (due, max(left - part.amount_ore, 0))
        out.extend(parts)
    return out


def _distinct_ints(values: Iterable[int]) -> list[int]:
    return list(dict.fromkeys(values))


def _parts_over_cases(
    p: FilePayment,
    cases: list[int],
    case_of: dict[str, int],
    owing: dict[int, tuple[date | None, int]],
) -> list[FilePayment]:
    reference_of: dict[int, str] = {}
    for reference in p.references:
        reference_of.setdefault(case_of[reference], reference)
    ordered = sorted(cases, key=lambda c: (owing[c][0] is None, owing[c][0] or date.max, c))
    left = p.amount_ore
    shares = []
    for index, case_id in enumerate(ordered):
        share = left if index == len(ordered) - 1 else min(left, owing[case_id][1])
        if share > 0:
            shares.append((case_id, share))
            left -= share
        if left == 0:
            break
    whole = format_amount(p.amount_ore)
    return [
        p._replace(
            key=_part_key(p.key, number),
            amount_ore=share,
            reference=reference_of[case_id],
            references=(),
            warnings=(
                *p.warnings,
                f"{_PART}{number} av {len(shares)} av betalningen {whole} med flera referenser "
                f"utan delbelopp ({', '.join(p.references)}), äldsta fordran först",
            ),
        )
        for number, (case_id, share) in enumerate(shares, 1)
    ]


def _cases_of_references(
    references: set[str], *, seen: dict[int, tuple[str, int]] | None = None
) -> dict[str, int]:
    """Reference → case id, for references that are a case's OCR or a plan installment's;
    ``seen`` receives (state, creditor id) of every case found."""
    case_of: dict[str, int] = {}
    seen = {} if seen is None else seen
    for ocr, case_id, state, creditor_id in cases_by_ocr(ocrs=sorted(references)):
        case_of[ocr] = case_id
        seen[case_id] = (state, creditor_id)
    _match_installment_references(references - case_of.keys(), case_of=case_of, seen=seen)
    return case_of


def _match_installment_references(
    references: set[str], *, case_of: dict[str, int], seen: dict[int, tuple[str, int]]
) -> None:
    """References issued by an app above payments (a plan's installments, each with its own
    OCR) → their case; the issuing app resolves them (``fordra.payments.references``)."""
    for ocr, case_id, state, creditor_id in issued_reference_cases(references=sorted(references)):
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
        # A payment with a reason goes to staff whatever its reference says; the case its
        # reference names is still looked up, to be offered as a suggestion.
        if p.reference.isdigit() and not p.free_text:
            # The common case (BgMax reference code 2): the reference is the whole OCR. It is
            # looked up as it stands: every case's OCR was made with valid check and length
            # digits, so a reference equal to one is valid, and any other matches nothing.
            candidates.append(p.reference)
            wanted.add(p.reference)
            continue
        digits = [d for d in _DIGITS.findall(f"{p.reference} {p.free_text}") if is_valid_ocr(d)]
        candidates.append(digits)
        wanted.update(digits)
    case_of = _cases_of_references(wanted, seen={} if cases_read is None else cases_read)
    out = []
    unmatched = []
    held: dict[str, int] = {}
    for p, found in zip(payments, candidates, strict=True):
        if isinstance(found, str):
            case_id = case_of.get(found)
        else:
            case_id = next((case_of[d] for d in found if d in case_of), None)
        amount = p.amount_ore
        reason = ""
        if p.reason:
            # Queued whatever it names: the case it would have matched is a suggestion.
            if case_id is not None:
                held[p.key] = case_id
            case_id = None
        if case_id is None or amount < 0:
            unmatched.append(p)
            reason = p.reason or _unmatched_reason(p)
        reference = p.reference or p.free_text
        out.append(
            Incoming(
                p.key, p.source, amount, p.paid_on,
                reference if len(reference) <= 140 else reference[:140], p.payer_name,
                case_id if amount > 0 else None, (), reason=reason, currency=p.currency,
                warnings=p.warnings,
            )
        )
    if not unmatched:
        return out
    suggestions = _suggestions(unmatched, held=held)
    return [
        i if i.case_id is not None else i._replace(suggestions=suggestions.get(i.key, ()))
        for i in out
    ]


def _unmatched_reason(p: FilePayment) -> str:
    """Why ``p`` waits for staff; a part of a split payment says which part it is."""
    if p.amount_ore < 0:
        reason = "avdrag (negativt belopp): hanteras för hand"
    elif not (p.reference or p.free_text):
        reason = "betalningen saknar referens"
    else:
        reason = f"referensen {p.reference or p.free_text} matchar inget ärende"
    part = next((w for w in p.warnings if w.startswith(_PART)), "")
    return (f"{part}: {reason}" if part else reason[:1].upper() + reason[1:])[:500]


def _suggestions(
    payments: list[FilePayment], *, held: dict[str, int] | None = None
) -> dict[str, tuple[dict[str, str], ...]]:
    """Invoice numbers named in the text; open cases of a debtor with the payer's exact name;
    for a payment held with a reason, the case its OCR names (``held``: key → case id)."""
    if not payments:
        return {}
    named: dict[int, int] = {}
    if held:
        named = dict(case_numbers(case_ids=sorted(set(held.values()))))
    tokens = {p.key: set(_TOKENS.findall(f"{p.reference} {p.free_text}")) for p in payments}
    numbers = sorted({t for ts in tokens.values() for t in ts})
    by_invoice: dict[str, list[int]] = {}
    for number, case_number in case_numbers_by_invoice_number(invoice_numbers=numbers):
        by_invoice.setdefault(number, []).append(case_number)
    names = sorted({p.payer_name.strip().lower() for p in payments if p.payer_name.strip()})
    by_name: dict[str, list[int]] = {}
    for name, case_number in open_case_numbers_by_debtor_name(names=names):
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
) -> tuple[str, RecordResult, list[FileNote], tuple[str, ...]]:
    notes: list[FileNote] = []
    fmt, payments = read_payment_file(
        data, allow_test_file=allow_test_file, report=report, notes=notes
    )
    with transaction.atomic():
        record = PaymentFile.objects.create(sha256=sha, filename=filename[:255], format=fmt)
        payments = _spread_over_cases(_legacy_duplicates(payments))
        # Matched inside the transaction: the cases' states are read once, for both.
        cases_read: dict[int, tuple[str, int]] = {}
        incoming = match_references(payments, cases_read=cases_read)
        result = payments_record(items=incoming, now=now, file_id=record.id,
                                 cases_read=cases_read)
        PaymentFile.objects.filter(pk=record.pk).update(
            payments=result.payments, matched=result.matched, unmatched=result.unmatched,
            amount_ore=result.amount_ore,
        )
        if result.payments or not result.duplicates:  # a file sent again makes no new tasks
            _file_tasks(notes, file=record, filename=filename, now=now)
    # The file's problems, once each (a part's own note says only which part it is); every
    # one is also on its payment, so the result lists at most WARNINGS_LISTED_MAX.
    found = list(dict.fromkeys(w for p in payments for w in p.warnings if not w.startswith(_PART)))
    if len(found) > WARNINGS_LISTED_MAX:
        more = len(found) - WARNINGS_LISTED_MAX
        found[WARNINGS_LISTED_MAX:] = [f"… and {more} more (see the payments' warnings)"]
    warnings = tuple(found)
    return fmt, result, notes, warnings


def _file_tasks(
    notes: list[FileNote], *, file: PaymentFile, filename: str, now: datetime
) -> None:
    """A staff task per record of unknown type: read past, never silent (DOMAIN.md §14)."""
    FileTask.objects.bulk_create(
        [
            FileTask(
                file=file, kind=note.kind, line=note.line, created_on=now.date(),
                key=f"file:{file.sha256}:{note.kind}:{note.line}",
                text=(
                    f"Okänd posttyp {note.record_type!r} på rad {note.line} i {filename}: "
                    f"{note.text}"
                )[:500],
            )
            for note in notes
        ],
        ignore_conflicts=True,
    )


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
        fmt, result, notes, warnings = _import(
            data, sha=sha, filename=filename, now=now, allow_test_file=allow_test_file,
            report=report,
        )
    return ImportPaymentsResult(
        payments=result.payments,
        matched=result.matched,
        unmatched=result.unmatched,
        amount_ore=result.amount_ore,
        # Every payment known already (the same file sent again, say with a new timestamp).
        duplicate=result.payments == 0 and result.duplicates > 0,
        duplicates=result.duplicates,
        format=fmt,
        closed=len(result.closed),
        skipped_debits=report.get("skipped_debits", 0),
        unknown_records=tuple(notes),
        warnings=warnings,
    )
