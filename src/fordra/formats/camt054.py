"""camt.054: ISO 20022 BankToCustomerDebitCreditNotification, incoming payments (DOMAIN.md §14).

Versions camt.054.001.02 to .14 (every published version with this message name; Swedish banks
deliver .02 to .08) are read alike: elements are matched by their local name, with or without a
prefix. The namespace must be one of those versions' (``urn:iso:std:iso:20022:tech:xsd:
camt.054.001.NN``), and every element (but what a ``SplmtryData/Envlp`` carries) must be in it:
a camt.053, a foreign namespace (``urn:evil:ns``) or none at all is refused — a file we do not
know is never read as if we did. The file is UTF-8 (or what its XML declaration says); a DTD
(``<!DOCTYPE``), entity declarations and external references are refused (defusedxml), so are
files over :data:`FILE_BYTES_MAX`.

What is read
------------
``Document/BkToCstmrDbtCdtNtfctn``: ``GrpHdr/MsgId`` and ``GrpHdr/CreDtTm`` (as text, and its
date as ``created_on``), then each ``Ntfctn`` — its account (:class:`CamtAccount`): ``Acct/Id/IBAN``
(spaces removed, upper case); ``Acct/Id/Othr/Id`` with ``SchmeNm`` ``BGNR`` (a bankgiro number, as
Swedish banks name a bankgiro account; its digits); an ``Othr/Id`` that is an IBAN with a valid
check (seen in the wild: genkgo/camt's camt054.v2 sample puts an IBAN there); else any other
``Othr/Id`` as written — and each of its ``Ntry``.

Debit entries (``CdtDbtInd`` ``DBIT``: payouts, bank charges) are not incoming payments: they
are skipped — their payment fields (status, dates, transactions, references) are not read, so a
debit entry without ``BookgDt`` or with transactions that lack amounts does not cost the file its
credits — and counted in ``skipped_debits``; they still count in ``TxsSummry``. For each credit
entry:

==================  ==========================================================================
entry               ``Amt`` (``@Ccy``), ``CdtDbtInd`` (``CRDT`` +, ``DBIT`` −), ``Sts``
                    (``BOOK``; text up to .06, ``Sts/Cd`` from .07), ``BookgDt/Dt`` or
                    ``/DtTm`` (required), ``ValDt/Dt`` or ``/DtTm``, ``AcctSvcrRef`` (else
                    ``NtryRef``) = ``entry_ref``
transaction         every ``NtryDtls/TxDtls``; an entry without any is one transaction
amount              ``TxDtls/Amt`` (from .03), else ``TxDtls/AmtDtls/TxAmt/Amt`` (.02), else —
                    only when the entry has one transaction — the entry's; the sign from
                    ``TxDtls/CdtDbtInd``, else the entry's
tx_ref              ``TxDtls/Refs/AcctSvcrRef``; else ``<entry_ref>/<EndToEndId>`` (an
                    EndToEndId is the payer's and only unique together with the bank's entry
                    reference; ``NOTPROVIDED`` does not count); else ``<entry_ref>#<n>``, n the
                    transaction's 1-based place in its entry
debtor_name         ``RltdPties/Dbtr/Nm`` (.02–.06) or ``RltdPties/Dbtr/Pty/Nm`` (.07, .08)
reference           the first ``RmtInf/Strd/CdtrRefInf/Ref`` whose type is ``SCOR`` (or not
                    given); further structured references are added to ``free_text``
free_text           every ``RmtInf/Ustrd``, joined by one blank
==================  ==========================================================================

Amounts are decimal kronor (``1234.5`` → 123450 öre) read with ``Decimal``, never a float; more
than two decimals, a sign, an exponent or a zero amount are refused.

Currency and dates are read as written, not judged: a credit in another currency than SEK, or
booked after the file was created, is the importer's to decide (payments.intake queues it).

Refusals
--------
Every problem refuses the whole file with a :class:`Camt054Error` (a ``ValueError``) naming where
(``Ntfctn 1 Ntry 2 TxDtls 3: Amt: …``): not well-formed XML, a DTD or entity, not a
``BkToCstmrDbtCdtNtfctn``, a namespace that is not a camt.054 version, a missing required element, an entry not booked (``Sts`` other than
``BOOK``), a bad amount or date, a transaction in another currency than its entry, transaction
amounts that do not sum to their entry's (signed) amount, a ``Btch`` count or total or a
``TxsSummry`` count or sum (``TtlNtries/NbOfNtries``, ``TtlCdtNtries``, ``TtlDbtNtries``) that
does not match the entries, no reference to key a transaction on, the same key twice, and the
limits :data:`FILE_BYTES_MAX` and :data:`PAYMENTS_MAX`.

>>> from datetime import date, datetime
>>> p = CamtPayment(entry_ref="E1", tx_ref="T1", amount_ore=123450, currency="SEK",
...                 booking_date=date(2026, 1, 15), value_date=None, reference="10000081",
...                 reference_structured=True, free_text="", debtor_name="Tolvan Tolvansson",
...                 account="SE4550000000058398257466")
>>> data = write_camt054(account=p.account, payments=[p], created=datetime(2026, 1, 15, 18),
...                      message_id="MSG-1")
>>> f = parse_camt054(data)
>>> f.payments == (p,), f.payments[0].key, f.version, f.created_on, f.skipped_debits
(True, 'camt054:SE4550000000058398257466:T1', 8, datetime.date(2026, 1, 15), 0)
>>> f.accounts
(CamtAccount(kind='iban', id='SE4550000000058398257466', where='Ntfctn 1'),)
>>> looks_like_camt054(data)
True
"""

from __future__ import annotations

import codecs
import hashlib
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Final
from xml.etree.ElementTree import Element, ParseError, SubElement, indent, tostring

from defusedxml import DefusedXmlException, DTDForbidden, EntitiesForbidden  # type: ignore[import-untyped]
from defusedxml.ElementTree import fromstring  # type: ignore[import-untyped]

__all__ = [
    "FILE_BYTES_MAX",
    "PAYMENTS_MAX",
    "Camt054Error",
    "Camt054File",
    "CamtAccount",
    "CamtPayment",
    "looks_like_camt054",
    "parse_camt054",
    "write_camt054",
]

FILE_BYTES_MAX: Final = 200 * 1024 * 1024
PAYMENTS_MAX: Final = 2_000_000
AMOUNT_DIGITS_MAX: Final = 18
SNIFF_BYTES: Final = 4096
NOT_PROVIDED: Final = "NOTPROVIDED"
VERSIONS: Final = (2, 3, 4, 5, 6, 7, 8)  # written by write_camt054
VERSIONS_READ: Final = tuple(range(2, 15))  # .02 to .14; .01 named its message differently
NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:camt.054.001.{version:02d}"
BANKGIRO_SCHEME: Final = "BGNR"

_MESSAGE: Final = "BkToCstmrDbtCdtNtfctn"
_AMOUNT: Final = re.compile(r"[0-9]+(?:\.[0-9]+)?")
# A date, or the date part of a date-time or a date with a time zone (2026-01-15T09:30:00+01:00).
_DATE: Final = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})(?:[TZ+-].*)?", re.DOTALL)
_CURRENCY: Final = re.compile(r"[A-Z]{3}")
_IBAN: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_SIGNS: Final = {"CRDT": 1, "DBIT": -1}
_MESSAGE_TAG: Final = re.compile(r"<(?:[A-Za-z_][\w.-]*:)?BkToCstmrDbtCdtNtfctn[\s>/]")
_NAMESPACE: Final = re.compile(r"urn:iso:std:iso:20022:tech:xsd:camt\.054\.001\.([0-9]{2})")
_BANKGIRO: Final = re.compile(r"[0-9]{7,8}")


class Camt054Error(ValueError):
    """The file is refused as a whole; the message names the element."""


@dataclass(frozen=True)
class CamtPayment:
    """One transaction (``TxDtls``) of a booked entry; credits positive, debits negative."""

    entry_ref: str
    tx_ref: str
    amount_ore: int
    currency: str
    booking_date: date
    value_date: date | None
    reference: str
    reference_structured: bool
    free_text: str
    debtor_name: str
    account: str

    @property
    def key(self) -> str:
        """The idempotency key: the receiving account and the transaction reference."""
        return f"camt054:{self.account}:{self.tx_ref}"


@dataclass(frozen=True)
class CamtAccount:
    """The account a ``Ntfctn`` reports on: ``kind`` is ``iban``, ``bankgiro`` or ``other``."""

    kind: str
    id: str
    where: str


@dataclass(frozen=True)
class Camt054File:
    message_id: str
    created: str
    payments: tuple[CamtPayment, ...]
    sha256: str
    version: int
    created_on: date
    accounts: tuple[CamtAccount, ...]
    skipped_debits: int


# --- namespace-agnostic element access -------------------------------------------------------


def _local(tag: object) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def _children(element: Element, name: str) -> Iterator[Element]:
    return (child for child in element if _local(child.tag) == name)


def _child(element: Element | None, *path: str) -> Element | None:
    """The first element at ``path`` below ``element`` (local names), or None."""
    for name in path:
        if element is None:
            return None
        element = next(_children(element, name), None)
    return element


def _text(element: Element | None, *path: str) -> str:
    found = _child(element, *path)
    return (found.text or "").strip() if found is not None else ""


# --- parsing ------------------------------------------------------------------------------


def looks_like_camt054(data: bytes) -> bool:
    """True when ``data`` starts like XML and names a BkToCstmrDbtCdtNtfctn early on."""
    head = data[:SNIFF_BYTES]
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    else:
        text = head.removeprefix(codecs.BOM_UTF8).decode("utf-8", errors="ignore")
    return text.lstrip().startswith("<") and _MESSAGE_TAG.search(text) is not None


def parse_camt054(data: bytes) -> Camt054File:
    """Parse and check a camt.054 notification; any problem raises ``Camt054Error``."""
    if len(data) > FILE_BYTES_MAX:
        raise Camt054Error(f"the file is larger than {FILE_BYTES_MAX // 2**20} MiB")
    sha256 = hashlib.sha256(data).hexdigest()
    root = _xml(data)
    if _local(root.tag) != "Document":
        raise Camt054Error(f"the root element is {_local(root.tag)!r}, not Document")
    message = _child(root, _MESSAGE)
    if message is None:
        found = ", ".join(_local(child.tag) for child in root) or "nothing"
        raise Camt054Error(f"Document holds {found}, not a camt.054 {_MESSAGE}")
    version = _version(root)
    message_id = _required_text(message, "GrpHdr", "MsgId", where="GrpHdr")
    created = _required_text(message, "GrpHdr", "CreDtTm", where="GrpHdr")
    created_on = _date_text(created, "GrpHdr: CreDtTm")
    payments: list[CamtPayment] = []
    accounts: list[CamtAccount] = []
    keys: dict[str, str] = {}
    notifications = list(_children(message, "Ntfctn"))
    if not notifications:
        raise Camt054Error(f"{_MESSAGE} has no Ntfctn")
    skipped = 0
    for number, notification in enumerate(notifications, 1):
        where = f"Ntfctn {number}"
        account = _account(notification, where)
        accounts.append(account)
        skipped += _read_notification(notification, where, account.id, payments, keys)
    return Camt054File(
        message_id=message_id,
        created=created,
        payments=tuple(payments),
        sha256=sha256,
        version=version,
        created_on=created_on,
        accounts=tuple(accounts),
        skipped_debits=skipped,
    )


def _namespace(tag: object) -> str:
    return tag[1:].partition("}")[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _version(root: Element) -> int:
    """The camt.054 version the Document's namespace names; every element must be in it."""
    namespace = _namespace(root.tag)
    match = _NAMESPACE.fullmatch(namespace)
    if match is None or int(match[1]) not in VERSIONS_READ:
        shown = f"the namespace {namespace!r}" if namespace else "no namespace"
        raise Camt054Error(
            f"the Document has {shown}, not an ISO 20022 camt.054 version"
            f" ({NAMESPACE.format(version=VERSIONS_READ[0])} to"
            f" .{VERSIONS_READ[-1]:02d})"
        )
    stack = [root]
    while stack:
        element = stack.pop()
        if _namespace(element.tag) != namespace:
            raise Camt054Error(
                f"the element {_local(element.tag)} is in the namespace"
                f" {_namespace(element.tag)!r}, not the Document's {namespace!r}"
            )
        if _local(element.tag) != "Envlp":  # SplmtryData/Envlp may carry any namespace
            stack.extend(element)
    return int(match[1])


def _account(notification: Element, where: str) -> CamtAccount:
    """The notification's account; see the module docstring for the kinds."""
    iban = _text(notification, "Acct", "Id", "IBAN")
    if iban:
        return CamtAccount(kind="iban", id=normalise_iban(iban), where=where)
    other = _child(notification, "Acct", "Id", "Othr")
    identifier = _text(other, "Id")
    if not identifier:
        raise Camt054Error(f"{where}: Acct/Id: no IBAN or Othr/Id")
    scheme = _text(other, "SchmeNm", "Prtry") or _text(other, "SchmeNm", "Cd")
    if scheme.upper() == BANKGIRO_SCHEME:
        digits = re.sub(r"[\s-]", "", identifier)
        if not _BANKGIRO.fullmatch(digits):
            raise Camt054Error(
                f"{where}: Acct/Id/Othr/Id: {identifier!r} is not a bankgiro number (BGNR)"
            )
        return CamtAccount(kind="bankgiro", id=digits, where=where)
    if is_iban(identifier):
        return CamtAccount(kind="iban", id=normalise_iban(identifier), where=where)
    return CamtAccount(kind="other", id=identifier, where=where)


def normalise_iban(text: str) -> str:
    """An IBAN as compared: no blanks, upper case (``se45 5000 …`` → ``SE455000…``)."""
    return "".join(text.split()).upper()


def is_iban(text: str) -> bool:
    """True for an IBAN with a valid ISO 13616 check (mod 97 = 1), blanks and case aside.

    >>> is_iban("SE45 5000 0000 0583 9825 7466"), is_iban("SE4650000000058398257466")
    (True, False)
    """
    compact = normalise_iban(text)
    if not _IBAN.fullmatch(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(c, 36)) for c in rearranged)) % 97 == 1


def _xml(data: bytes) -> Element:
    try:
        root: Element = fromstring(data, forbid_dtd=True)
    except DTDForbidden:
        raise Camt054Error("the file has a DTD (<!DOCTYPE …>): refused") from None
    except EntitiesForbidden:
        raise Camt054Error("the file declares entities: refused") from None
    except DefusedXmlException as exc:
        raise Camt054Error(f"the file refers to external resources: refused ({exc})") from None
    except ParseError as exc:
        raise Camt054Error(f"not well-formed XML: {exc}") from None
    except (ValueError, LookupError) as exc:  # e.g. an unknown encoding in the declaration
        raise Camt054Error(f"cannot read the XML: {exc}") from None
    return root


def _read_notification(
    notification: Element,
    where: str,
    account: str,
    payments: list[CamtPayment],
    keys: dict[str, str],
) -> int:
    """Read the credit entries into ``payments``; the number of debit entries skipped."""
    entries = list(_children(notification, "Ntry"))
    credit_totals: list[int] = []
    debit_amounts: list[Decimal | None] = []
    for number, entry in enumerate(entries, 1):
        entry_where = f"{where} Ntry {number}"
        sign = _sign(entry, entry_where)
        if sign < 0:
            # Money out (payouts, charges), not a payment to match: not read further.
            debit_amounts.append(_lenient_amount(entry))
            continue
        entry_payments = _read_entry(entry, entry_where, account, sign)
        credit_totals.append(sum(p.amount_ore for p in entry_payments))
        for payment in entry_payments:
            first = keys.get(payment.key)
            if first is not None:
                raise Camt054Error(
                    f"{entry_where}: the transaction reference {payment.tx_ref!r} was already"
                    f" used in {first} (the payment key must be unique)"
                )
            keys[payment.key] = entry_where
            payments.append(payment)
            if len(payments) > PAYMENTS_MAX:
                raise Camt054Error(f"{entry_where}: more than {PAYMENTS_MAX} transactions")
    _check_summary(notification, where, credit_totals, debit_amounts)
    return len(debit_amounts)


def _lenient_amount(entry: Element) -> Decimal | None:
    """A debit entry's amount for the TxsSummry check (any decimals), or None if unreadable."""
    text = _text(entry, "Amt")
    if not _AMOUNT.fullmatch(text) or len(text.partition(".")[0]) > AMOUNT_DIGITS_MAX:
        return None
    return Decimal(text)


def _read_entry(entry: Element, where: str, account: str, sign: int) -> list[CamtPayment]:
    amount, currency = _amount(entry, where)
    status = _text(entry, "Sts") or _text(entry, "Sts", "Cd") or _text(entry, "Sts", "Prtry")
    if status != "BOOK":
        raise Camt054Error(f"{where}: Sts: {status or 'missing'}; only booked entries (BOOK)")
    booking = _date_of(entry, "BookgDt", where)
    if booking is None:
        raise Camt054Error(f"{where}: BookgDt: missing")
    value = _date_of(entry, "ValDt", where)
    entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
    signed = sign * amount

    groups = [list(_children(details, "TxDtls")) for details in _children(entry, "NtryDtls")]
    transactions = [tx for group in groups for tx in group]
    if not transactions:
        return [
            CamtPayment(
                entry_ref=entry_ref,
                tx_ref=_fallback_ref(entry_ref, 1, where),
                amount_ore=signed,
                currency=currency,
                booking_date=booking,
                value_date=value,
                reference="",
                reference_structured=False,
                free_text="",
                debtor_name="",
                account=account,
            )
        ]
    payments = []
    for number, tx in enumerate(transactions, 1):
        tx_where = f"{where} TxDtls {number}"
        tx_amount = _transaction_amount(tx, tx_where, currency, sign)
        if tx_amount is None:
            if len(transactions) > 1:
                raise Camt054Error(f"{tx_where}: Amt: missing (the entry has several TxDtls)")
            tx_amount = signed
        reference, free_text = _remittance(tx)
        payments.append(
            CamtPayment(
                entry_ref=entry_ref,
                tx_ref=_tx_ref(tx, entry_ref, number, tx_where),
                amount_ore=tx_amount,
                currency=currency,
                booking_date=booking,
                value_date=value,
                reference=reference,
                reference_structured=bool(reference),
                free_text=free_text,
                debtor_name=_text(tx, "RltdPties", "Dbtr", "Nm")
                or _text(tx, "RltdPties", "Dbtr", "Pty", "Nm"),
                account=account,
            )
        )
    total = sum(p.amount_ore for p in payments)
    if total != signed:
        raise Camt054Error(
            f"{where}: Amt: the entry is {_kronor(signed)} but its transactions sum to"
            f" {_kronor(total)}"
        )
    start = 0
    for number, (details, group) in enumerate(
        zip(_children(entry, "NtryDtls"), groups, strict=True), 1
    ):
        amounts = [p.amount_ore for p in payments[start : start + len(group)]]
        start += len(group)
        _check_batch(details, amounts, f"{where} NtryDtls {number}", currency)
    return payments


def _transaction_amount(tx: Element, where: str, currency: str, entry_sign: int) -> int | None:
    if _child(tx, "Amt") is not None:
        amount, tx_currency = _amount(tx, where)
    elif _child(tx, "AmtDtls", "TxAmt", "Amt") is not None:
        amount, tx_currency = _amount(_child(tx, "AmtDtls", "TxAmt"), f"{where} AmtDtls/TxAmt")
    else:
        return None
    if tx_currency != currency:
        raise Camt054Error(
            f"{where}: Amt: currency {tx_currency} differs from the entry's {currency}"
        )
    sign = _sign(tx, where) if _child(tx, "CdtDbtInd") is not None else entry_sign
    return sign * amount


def _tx_ref(tx: Element, entry_ref: str, number: int, where: str) -> str:
    own = _text(tx, "Refs", "AcctSvcrRef")
    if own:
        return own
    end_to_end = _text(tx, "Refs", "EndToEndId")
    if end_to_end and end_to_end != NOT_PROVIDED:
        if not entry_ref:
            raise Camt054Error(f"{where}: Refs: no AcctSvcrRef, and the entry has no reference")
        return f"{entry_ref}/{end_to_end}"
    return _fallback_ref(entry_ref, number, where)


def _fallback_ref(entry_ref: str, number: int, where: str) -> str:
    if not entry_ref:
        raise Camt054Error(
            f"{where}: no AcctSvcrRef or NtryRef on the entry and no reference of its own:"
            " nothing to key the payment on"
        )
    return f"{entry_ref}#{number}"


def _remittance(tx: Element) -> tuple[str, str]:
    """(the SCOR reference or "", the free text) of a transaction's RmtInf."""
    information = _child(tx, "RmtInf")
    if information is None:
        return "", ""
    texts = [(u.text or "").strip() for u in _children(information, "Ustrd")]
    reference = ""
    for structured in _children(information, "Strd"):
        for creditor_ref in _children(structured, "CdtrRefInf"):
            ref = _text(creditor_ref, "Ref")
            kind = _text(creditor_ref, "Tp", "CdOrPrtry", "Cd") or _text(
                creditor_ref, "Tp", "CdOrPrtry", "Prtry"
            )
            if not ref:
                continue
            if not reference and kind in ("", "SCOR"):
                reference = ref
            else:
                texts.append(ref)
    return reference, " ".join(t for t in texts if t)


def _check_batch(details: Element, amounts: list[int], where: str, currency: str) -> None:
    """``NtryDtls/Btch``, when given, must agree with its TxDtls: count, total and sign."""
    info = _child(details, "Btch")
    if info is None:
        return
    stated = _text(info, "NbOfTxs")
    if stated and stated != str(len(amounts)):
        raise Camt054Error(
            f"{where}: Btch/NbOfTxs: says {stated} but there are {len(amounts)} TxDtls"
        )
    if _child(info, "TtlAmt") is None:
        return
    total, total_currency = _amount(info, f"{where} Btch", name="TtlAmt")
    net = sum(amounts)
    if _child(info, "CdtDbtInd") is not None:
        total *= _sign(info, f"{where} Btch")
    elif net < 0:
        total = -total
    if total_currency != currency or total != net:
        raise Camt054Error(
            f"{where}: Btch/TtlAmt: says {_kronor(total)} {total_currency} but its TxDtls sum"
            f" to {_kronor(net)} {currency}"
        )


def _check_summary(
    notification: Element,
    where: str,
    credit_totals: list[int],
    debit_amounts: list[Decimal | None],
) -> None:
    summary = _child(notification, "TxsSummry")
    if summary is None:
        return
    readable = [d for d in debit_amounts if d is not None]
    debit_sum = sum(readable, Decimal(0)) if len(readable) == len(debit_amounts) else None
    checks: tuple[tuple[str, int, Decimal | None], ...] = (
        ("TtlNtries", len(credit_totals) + len(debit_amounts), None),
        ("TtlCdtNtries", len(credit_totals), Decimal(sum(credit_totals)) / 100),
        ("TtlDbtNtries", len(debit_amounts), debit_sum),
    )
    for name, count, total in checks:
        part = _child(summary, name)
        if part is None:
            continue
        stated = _text(part, "NbOfNtries")
        if stated and stated != str(count):
            raise Camt054Error(
                f"{where}: TxsSummry/{name}/NbOfNtries: says {stated} but there are {count}"
            )
        stated_sum = _text(part, "Sum")
        if (
            total is not None
            and stated_sum
            and _decimal(stated_sum, f"{where}: TxsSummry/{name}/Sum") != total
        ):
            raise Camt054Error(
                f"{where}: TxsSummry/{name}/Sum: says {stated_sum} but the entries sum to"
                f" {total:.2f}"
            )


def _required_text(element: Element, *path: str, where: str) -> str:
    value = _text(element, *path)
    if not value:
        raise Camt054Error(f"{where}: {path[-1]}: missing")
    return value


def _amount(element: Element | None, where: str, name: str = "Amt") -> tuple[int, str]:
    """(öre, currency) of ``element/<name>``: ``1234.5`` → 123450, exactly."""
    found = _child(element, name)
    if found is None:
        raise Camt054Error(f"{where}: {name}: missing")
    currency = found.get("Ccy", "")
    if not _CURRENCY.fullmatch(currency):
        raise Camt054Error(f"{where}: {name}: Ccy {currency!r} is not a currency code")
    text = (found.text or "").strip()
    value = _decimal(text, f"{where}: {name}")
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        raise Camt054Error(f"{where}: {name}: {text} has more than 2 decimals")
    ore = int(value * 100)
    if ore == 0:
        raise Camt054Error(f"{where}: {name}: the amount is zero")
    return ore, currency


def _decimal(text: str, where: str) -> Decimal:
    if not _AMOUNT.fullmatch(text) or len(text.partition(".")[0]) > AMOUNT_DIGITS_MAX:
        raise Camt054Error(f"{where}: {text!r} is not an amount like 1234.50")
    try:
        return Decimal(text)
    except InvalidOperation:  # pragma: no cover — the pattern lets only decimals through
        raise Camt054Error(f"{where}: {text!r} is not an amount like 1234.50") from None


def _sign(element: Element, where: str) -> int:
    indicator = _text(element, "CdtDbtInd")
    sign = _SIGNS.get(indicator)
    if sign is None:
        raise Camt054Error(f"{where}: CdtDbtInd: {indicator or 'missing'}, not CRDT or DBIT")
    return sign


def _date_of(entry: Element, name: str, where: str) -> date | None:
    holder = _child(entry, name)
    if holder is None:
        return None
    return _date_text(_text(holder, "Dt") or _text(holder, "DtTm"), f"{where}: {name}")


def _date_text(text: str, where: str) -> date:
    """The date of a date or date-time as written (its own time zone's day)."""
    match = _DATE.fullmatch(text)
    if match is None:
        raise Camt054Error(f"{where}: {text!r} is not a date")
    try:
        return date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        raise Camt054Error(f"{where}: {text!r} is not a date") from None


def _kronor(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    return f"{sign}{abs(ore) // 100}.{abs(ore) % 100:02d}"


# --- writing ------------------------------------------------------------------------------


def write_camt054(
    *,
    account: str,
    payments: Sequence[CamtPayment],
    created: datetime,
    message_id: str,
    version: int = 8,
) -> bytes:
    """A camt.054 notification of ``payments`` to ``account`` (for tests and the demo).

    Consecutive payments with the same ``entry_ref`` become one booked entry of their net
    amount (they must share booking date, value date and currency, and in version 2, which has
    no sign per transaction, the sign); each payment is a ``TxDtls`` whose
    ``Refs/AcctSvcrRef`` is its ``tx_ref``. ``account`` is written as an IBAN when it looks like
    one, else as ``Othr/Id`` (with ``SchmeNm/Prtry`` ``BGNR`` when it is 7–8 digits, a bankgiro
    number); the payments' own ``account`` is not used. Debit entries (payments netting
    negative) are written as they are, and skipped by the parser. ``version`` is 2–8
    (``Dbtr/Nm`` up to .06, ``Dbtr/Pty/Nm`` and ``Sts/Cd`` from .07; ``TxDtls/Amt`` from .03,
    ``AmtDtls/TxAmt/Amt`` in .02). Deterministic: the same input gives the same bytes. Raises
    ``ValueError`` for what the parser would refuse.
    """
    if version not in VERSIONS:
        raise ValueError(f"version must be one of {VERSIONS}")
    if not account or not message_id or len(message_id) > 35:
        raise ValueError("account and message_id (at most 35 characters) are required")
    stamp = created.isoformat(timespec="seconds")
    document = Element("Document", {"xmlns": NAMESPACE.format(version=version)})
    message = SubElement(document, _MESSAGE)
    header = SubElement(message, "GrpHdr")
    _leaf(header, "MsgId", message_id)
    _leaf(header, "CreDtTm", stamp)
    notification = SubElement(message, "Ntfctn")
    _leaf(notification, "Id", message_id)
    _leaf(notification, "CreDtTm", stamp)
    account_id = SubElement(SubElement(notification, "Acct"), "Id")
    if _IBAN.fullmatch(account):
        _leaf(account_id, "IBAN", account)
    else:
        other = SubElement(account_id, "Othr")
        _leaf(other, "Id", account)
        if _BANKGIRO.fullmatch(account):
            _leaf(SubElement(other, "SchmeNm"), "Prtry", BANKGIRO_SCHEME)

    groups = _entry_groups(payments, version)
    entry_totals = [sum(p.amount_ore for p in group) for group in groups]
    summary = SubElement(notification, "TxsSummry")
    _leaf(SubElement(summary, "TtlNtries"), "NbOfNtries", str(len(groups)))
    for name, totals in (
        ("TtlCdtNtries", [t for t in entry_totals if t > 0]),
        ("TtlDbtNtries", [-t for t in entry_totals if t < 0]),
    ):
        part = SubElement(summary, name)
        _leaf(part, "NbOfNtries", str(len(totals)))
        _leaf(part, "Sum", _kronor(sum(totals)))
    for group, total in zip(groups, entry_totals, strict=True):
        _write_entry(notification, group, total, version)
    indent(document)
    data: bytes = tostring(document, encoding="UTF-8", xml_declaration=True)
    return data + b"\n"


def _entry_groups(payments: Sequence[CamtPayment], version: int) -> list[list[CamtPayment]]:
    groups: list[list[CamtPayment]] = []
    tx_refs: set[str] = set()
    for p in payments:
        if not p.entry_ref or not p.tx_ref or len(p.entry_ref) > 35 or len(p.tx_ref) > 35:
            raise ValueError(f"{p.tx_ref!r}: entry_ref and tx_ref are 1 to 35 characters")
        if p.tx_ref in tx_refs:
            raise ValueError(f"tx_ref {p.tx_ref!r} is used twice")
        tx_refs.add(p.tx_ref)
        if p.amount_ore == 0 or abs(p.amount_ore) >= 10**AMOUNT_DIGITS_MAX:
            raise ValueError(f"{p.tx_ref}: the amount must be non-zero and fit 18 digits")
        if not _CURRENCY.fullmatch(p.currency):
            raise ValueError(f"{p.tx_ref}: {p.currency!r} is not a currency code")
        if p.reference_structured != bool(p.reference) or len(p.reference) > 35:
            raise ValueError(f"{p.tx_ref}: a reference (≤ 35) is exactly a structured one")
        if len(p.free_text) > 140 or len(p.debtor_name) > 140:
            raise ValueError(f"{p.tx_ref}: free text and debtor name are at most 140 characters")
        if p.free_text != p.free_text.strip() or p.debtor_name != p.debtor_name.strip():
            raise ValueError(f"{p.tx_ref}: free text and debtor name have no outer blanks")
        last = groups[-1][-1] if groups else None
        if last is not None and last.entry_ref == p.entry_ref:
            if (last.booking_date, last.value_date, last.currency) != (
                p.booking_date,
                p.value_date,
                p.currency,
            ):
                raise ValueError(f"entry {p.entry_ref}: its payments differ in date or currency")
            if version < 3 and (last.amount_ore > 0) != (p.amount_ore > 0):
                raise ValueError(
                    f"entry {p.entry_ref}: version 2 has no sign per transaction; one sign"
                    " per entry"
                )
            groups[-1].append(p)
        else:
            groups.append([p])
    if not groups:
        raise ValueError("no payments")
    for group in groups:
        if sum(p.amount_ore for p in group) == 0:
            raise ValueError(f"entry {group[0].entry_ref}: its payments sum to zero")
    return groups


def _write_entry(parent: Element, group: list[CamtPayment], total: int, version: int) -> None:
    first = group[0]
    indicator = "CRDT" if total > 0 else "DBIT"
    entry = SubElement(parent, "Ntry")
    _leaf(entry, "Amt", _kronor(abs(total)), Ccy=first.currency)
    _leaf(entry, "CdtDbtInd", indicator)
    if version >= 7:
        _leaf(SubElement(entry, "Sts"), "Cd", "BOOK")
    else:
        _leaf(entry, "Sts", "BOOK")
    _leaf(SubElement(entry, "BookgDt"), "Dt", first.booking_date.isoformat())
    if first.value_date is not None:
        _leaf(SubElement(entry, "ValDt"), "Dt", first.value_date.isoformat())
    _leaf(entry, "AcctSvcrRef", first.entry_ref)
    domain = SubElement(SubElement(entry, "BkTxCd"), "Domn")
    _leaf(domain, "Cd", "PMNT")
    family = SubElement(domain, "Fmly")
    _leaf(family, "Cd", "RCDT" if total > 0 else "ICDT")
    _leaf(family, "SubFmlyCd", "DMCT")
    details = SubElement(entry, "NtryDtls")
    batch = SubElement(details, "Btch")
    _leaf(batch, "NbOfTxs", str(len(group)))
    _leaf(batch, "TtlAmt", _kronor(abs(total)), Ccy=first.currency)
    _leaf(batch, "CdtDbtInd", indicator)
    for p in group:
        tx = SubElement(details, "TxDtls")
        _leaf(SubElement(tx, "Refs"), "AcctSvcrRef", p.tx_ref)
        if version >= 3:
            _leaf(tx, "Amt", _kronor(abs(p.amount_ore)), Ccy=p.currency)
            _leaf(tx, "CdtDbtInd", "CRDT" if p.amount_ore > 0 else "DBIT")
        else:
            amount_details = SubElement(SubElement(tx, "AmtDtls"), "TxAmt")
            _leaf(amount_details, "Amt", _kronor(abs(p.amount_ore)), Ccy=p.currency)
        if p.debtor_name:
            debtor = SubElement(SubElement(tx, "RltdPties"), "Dbtr")
            _leaf(SubElement(debtor, "Pty") if version >= 7 else debtor, "Nm", p.debtor_name)
        if p.reference or p.free_text:
            information = SubElement(tx, "RmtInf")
            if p.free_text:
                _leaf(information, "Ustrd", p.free_text)
            if p.reference:
                creditor_ref = SubElement(SubElement(information, "Strd"), "CdtrRefInf")
                _leaf(SubElement(SubElement(creditor_ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
                _leaf(creditor_ref, "Ref", p.reference)


def _leaf(parent: Element, name: str, text: str, **attributes: str) -> Element:
    element = SubElement(parent, name, attributes)
    element.text = text
    return element
