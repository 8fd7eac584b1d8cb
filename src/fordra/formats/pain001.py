"""pain.001: ISO 20022 CustomerCreditTransferInitiation V03, payouts to creditors (DOMAIN.md §14).

Version pain.001.001.03, the one most Swedish banks take. One message, one payment information
block (one debtor account, one execution date), one ``CdtTrfTxInf`` per :class:`Transfer`::

    Document/CstmrCdtTrfInitn
      GrpHdr     MsgId, CreDtTm, NbOfTxs, CtrlSum,
                 InitgPty (Nm; Id/OrgId/Othr/Id = the agency's orgnr, SchmeNm/Cd BANK)
      PmtInf     PmtInfId (= MsgId), PmtMtd TRF, NbOfTxs, CtrlSum, ReqdExctnDt,
                 Dbtr/Nm (the agency),
                 DbtrAcct/Id/Othr (the klientmedel bankgiro, SchmeNm/Prtry BGNR), Ccy SEK,
                 DbtrAgt/FinInstnId: BIC when ``debtor_bic`` is given, else ClrSysMmbId
                 SESBA / 9900 (the bankgiro system)
        CdtTrfTxInf  PmtId/EndToEndId, Amt/InstdAmt@Ccy="SEK", CdtrAgt, Cdtr/Nm, CdtrAcct,
                     RmtInf

The payee's account decides ``CdtrAgt`` and ``CdtrAcct``:

==========  ===================================================  ===========================
account     CdtrAgt/FinInstnId                                   CdtrAcct/Id
==========  ===================================================  ===========================
bankgiro    ClrSysMmbId/ClrSysId/Cd ``SESBA``, MmbId ``9900``    Othr/Id digits, SchmeNm/Prtry
                                                                 ``BGNR``
plusgiro    ClrSysMmbId/ClrSysId/Cd ``SESBA``, MmbId ``9960``    Othr/Id digits, SchmeNm/Cd
                                                                 ``BBAN``
iban        BIC when given (else no CdtrAgt)                     IBAN
==========  ===================================================  ===========================

The remittance: a reference that is a valid OCR (digits, blanks ignored, Luhn check digit —
``fordra.domain.ocr.is_valid_ocr`` without the length digit, which only some payees use) goes
as ``RmtInf/Strd/CdtrRefInf`` with ``Tp/CdOrPrtry/Cd`` ``SCOR``; any other text as
``RmtInf/Ustrd`` (at most 140 characters); an empty reference writes no ``RmtInf``. No SEPA
service level (domestic SEK). Amounts are kronor with two decimals (``1234.50``); ``CtrlSum`` is
their exact sum and ``NbOfTxs`` their number, in both blocks. The same input always gives the
same bytes (UTF-8, no clock, no random ids).

Bad input is a :class:`Pain001Error` (a ``ValueError``) naming the transfer: an invalid bankgiro,
plusgiro or IBAN (mod 97), a BIC of the wrong shape, a zero or negative amount, an EndToEndId
used twice or longer than 35 characters, a name over :data:`NAME_CHARS_MAX`, control
characters, more than :data:`TRANSFERS_MAX` transfers.

>>> from datetime import date, datetime
>>> xml = write_pain001(
...     message_id="FORDRA-2026-02-01", created=datetime(2026, 2, 1, 7, 0),
...     execution_date=date(2026, 2, 2), debtor_name="Fordra Inkasso AB",
...     debtor_orgnr="556036-0793", debtor_bankgiro="991-2346",
...     transfers=[Transfer(end_to_end_id="R-1", amount_ore=123450, reference="10000081",
...                         payee=Payee(name="Kalles Plåt AB", account_type="bankgiro",
...                                     account="5050-1055"))],
... ).decode()
>>> "<CtrlSum>1234.50</CtrlSum>" in xml, "<Cd>SCOR</Cd>" in xml, "<MmbId>9900</MmbId>" in xml
(True, True, True)
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from xml.etree.ElementTree import Element, SubElement, indent, tostring

from fordra.domain.identifiers import (
    IdentifierError,
    parse_orgnr,
    validate_bankgiro,
    validate_plusgiro,
)
from fordra.domain.ocr import is_valid_ocr

__all__ = [
    "ACCOUNT_TYPES",
    "NAMESPACE",
    "NAME_CHARS_MAX",
    "TRANSFERS_MAX",
    "Pain001Error",
    "Payee",
    "Transfer",
    "write_pain001",
]

NAMESPACE: Final = "urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"
ACCOUNT_TYPES: Final = ("bankgiro", "plusgiro", "iban")
TRANSFERS_MAX: Final = 100_000
NAME_CHARS_MAX: Final = 70
ID_CHARS_MAX: Final = 35
USTRD_CHARS_MAX: Final = 140
AMOUNT_ORE_MAX: Final = 10**17  # InstdAmt has 18 digits in all, two of them decimals
CURRENCY: Final = "SEK"
CLEARING_SYSTEM: Final = "SESBA"
BANKGIRO_MEMBER: Final = "9900"
PLUSGIRO_MEMBER: Final = "9960"

_BIC: Final = re.compile(r"[A-Z]{6}[A-Z2-9][A-NP-Z0-9](?:[A-Z0-9]{3})?")
_IBAN: Final = re.compile(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{1,30}")
_SPACES: Final = str.maketrans("", "", " \u00a0\u202f")


class Pain001Error(ValueError):
    """The payout file cannot be written; the message names the transfer and field."""


@dataclass(frozen=True)
class Payee:
    """Whom a transfer pays: ``account_type`` is ``bankgiro``, ``plusgiro`` or ``iban``."""

    name: str
    account_type: str
    account: str
    bic: str = ""


@dataclass(frozen=True)
class Transfer:
    """One payout: an OCR ``reference`` goes structured (SCOR), other text unstructured."""

    end_to_end_id: str
    payee: Payee
    amount_ore: int
    reference: str


def write_pain001(
    *,
    message_id: str,
    created: datetime,
    execution_date: date,
    debtor_name: str,
    debtor_orgnr: str,
    debtor_bankgiro: str,
    transfers: Sequence[Transfer],
    debtor_bic: str = "",
) -> bytes:
    """The pain.001.001.03 file paying ``transfers`` from the klientmedel bankgiro."""
    _check_id(message_id, "message_id")
    _check_name(debtor_name, "debtor_name")
    try:
        orgnr = parse_orgnr(debtor_orgnr)
    except IdentifierError as exc:
        raise Pain001Error(f"debtor_orgnr: {exc}") from None
    try:
        bankgiro = validate_bankgiro(debtor_bankgiro)
    except IdentifierError as exc:
        raise Pain001Error(f"debtor_bankgiro: {exc}") from None
    if debtor_bic and not _BIC.fullmatch(debtor_bic):
        raise Pain001Error(f"debtor_bic: {debtor_bic!r} is not a BIC")
    if not transfers:
        raise Pain001Error("transfers: none to pay")
    if len(transfers) > TRANSFERS_MAX:
        raise Pain001Error(f"transfers: more than {TRANSFERS_MAX} in one file")
    seen: set[str] = set()
    for transfer in transfers:
        _check_transfer(transfer, seen)

    count = str(len(transfers))
    control_sum = _kronor(sum(t.amount_ore for t in transfers))
    document = Element("Document", {"xmlns": NAMESPACE})
    initiation = SubElement(document, "CstmrCdtTrfInitn")
    header = SubElement(initiation, "GrpHdr")
    _leaf(header, "MsgId", message_id)
    _leaf(header, "CreDtTm", created.isoformat(timespec="seconds"))
    _leaf(header, "NbOfTxs", count)
    _leaf(header, "CtrlSum", control_sum)
    party = SubElement(header, "InitgPty")
    _leaf(party, "Nm", debtor_name)
    other = SubElement(SubElement(SubElement(party, "Id"), "OrgId"), "Othr")
    _leaf(other, "Id", orgnr)
    _leaf(SubElement(other, "SchmeNm"), "Cd", "BANK")

    payment = SubElement(initiation, "PmtInf")
    _leaf(payment, "PmtInfId", message_id)
    _leaf(payment, "PmtMtd", "TRF")
    _leaf(payment, "NbOfTxs", count)
    _leaf(payment, "CtrlSum", control_sum)
    _leaf(payment, "ReqdExctnDt", execution_date.isoformat())
    _leaf(SubElement(payment, "Dbtr"), "Nm", debtor_name)
    debtor_account = SubElement(payment, "DbtrAcct")
    _other_account(SubElement(debtor_account, "Id"), bankgiro, proprietary="BGNR")
    _leaf(debtor_account, "Ccy", CURRENCY)
    debtor_agent = SubElement(SubElement(payment, "DbtrAgt"), "FinInstnId")
    if debtor_bic:
        _leaf(debtor_agent, "BIC", debtor_bic)
    else:
        _clearing_member(debtor_agent, BANKGIRO_MEMBER)
    for transfer in transfers:
        _write_transfer(payment, transfer)
    indent(document)
    data: bytes = tostring(document, encoding="UTF-8", xml_declaration=True)
    return data + b"\n"


def _check_transfer(transfer: Transfer, seen: set[str]) -> None:
    where = f"transfer {transfer.end_to_end_id!r}"
    _check_id(transfer.end_to_end_id, f"{where}: end_to_end_id")
    if transfer.end_to_end_id in seen:
        raise Pain001Error(f"{where}: end_to_end_id is used twice")
    seen.add(transfer.end_to_end_id)
    if not 0 < transfer.amount_ore < AMOUNT_ORE_MAX:
        raise Pain001Error(f"{where}: amount_ore {transfer.amount_ore} must be positive")
    payee = transfer.payee
    _check_name(payee.name, f"{where}: payee name")
    if payee.account_type not in ACCOUNT_TYPES:
        raise Pain001Error(
            f"{where}: account_type {payee.account_type!r} is not one of {ACCOUNT_TYPES}"
        )
    _account_digits(payee, where)
    if payee.bic and not _BIC.fullmatch(payee.bic):
        raise Pain001Error(f"{where}: bic {payee.bic!r} is not a BIC")
    reference = transfer.reference
    if len(reference) > USTRD_CHARS_MAX or not reference.isprintable():
        raise Pain001Error(
            f"{where}: reference must be at most {USTRD_CHARS_MAX} printable characters"
        )


def _account_digits(payee: Payee, where: str) -> str:
    """The payee's account as written: giro digits, or the IBAN without blanks."""
    try:
        if payee.account_type == "bankgiro":
            return validate_bankgiro(payee.account)
        if payee.account_type == "plusgiro":
            return validate_plusgiro(payee.account)
    except IdentifierError as exc:
        raise Pain001Error(f"{where}: {payee.account_type} {payee.account!r}: {exc}") from None
    iban = payee.account.translate(_SPACES).upper()
    if not (_IBAN.fullmatch(iban) and _iban_checksum_ok(iban)):
        raise Pain001Error(f"{where}: iban {payee.account!r} is not a valid IBAN")
    return iban


def _iban_checksum_ok(iban: str) -> bool:
    """ISO 13616: move the first four characters to the end, letters → 10…35, mod 97 == 1."""
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def _write_transfer(payment: Element, transfer: Transfer) -> None:
    payee = transfer.payee
    account = _account_digits(payee, "")
    tx = SubElement(payment, "CdtTrfTxInf")
    _leaf(SubElement(tx, "PmtId"), "EndToEndId", transfer.end_to_end_id)
    _leaf(SubElement(tx, "Amt"), "InstdAmt", _kronor(transfer.amount_ore), Ccy=CURRENCY)
    if payee.account_type == "bankgiro":
        _clearing_member(SubElement(SubElement(tx, "CdtrAgt"), "FinInstnId"), BANKGIRO_MEMBER)
    elif payee.account_type == "plusgiro":
        _clearing_member(SubElement(SubElement(tx, "CdtrAgt"), "FinInstnId"), PLUSGIRO_MEMBER)
    elif payee.bic:
        _leaf(SubElement(SubElement(tx, "CdtrAgt"), "FinInstnId"), "BIC", payee.bic)
    _leaf(SubElement(tx, "Cdtr"), "Nm", payee.name)
    account_id = SubElement(SubElement(tx, "CdtrAcct"), "Id")
    if payee.account_type == "bankgiro":
        _other_account(account_id, account, proprietary="BGNR")
    elif payee.account_type == "plusgiro":
        _other_account(account_id, account, code="BBAN")
    else:
        _leaf(account_id, "IBAN", account)
    reference = transfer.reference
    if not reference:
        return
    information = SubElement(tx, "RmtInf")
    ocr = reference.translate(_SPACES)
    if is_valid_ocr(ocr, length_digit=False):
        creditor_ref = SubElement(SubElement(information, "Strd"), "CdtrRefInf")
        _leaf(SubElement(SubElement(creditor_ref, "Tp"), "CdOrPrtry"), "Cd", "SCOR")
        _leaf(creditor_ref, "Ref", ocr)
    else:
        _leaf(information, "Ustrd", reference)


def _clearing_member(institution: Element, member: str) -> None:
    clearing = SubElement(institution, "ClrSysMmbId")
    _leaf(SubElement(clearing, "ClrSysId"), "Cd", CLEARING_SYSTEM)
    _leaf(clearing, "MmbId", member)


def _other_account(
    account_id: Element, number: str, *, proprietary: str = "", code: str = ""
) -> None:
    other = SubElement(account_id, "Othr")
    _leaf(other, "Id", number)
    scheme = SubElement(other, "SchmeNm")
    if code:
        _leaf(scheme, "Cd", code)
    else:
        _leaf(scheme, "Prtry", proprietary)


def _check_id(value: str, name: str) -> None:
    if not 1 <= len(value) <= ID_CHARS_MAX or not value.isprintable() or value != value.strip():
        raise Pain001Error(f"{name}: 1 to {ID_CHARS_MAX} printable characters, no outer blanks")


def _check_name(value: str, name: str) -> None:
    if not value.strip() or len(value) > NAME_CHARS_MAX or not value.isprintable():
        raise Pain001Error(f"{name}: 1 to {NAME_CHARS_MAX} printable characters")


def _kronor(ore: int) -> str:
    return f"{ore // 100}.{ore % 100:02d}"


def _leaf(parent: Element, name: str, text: str, **attributes: str) -> Element:
    element = SubElement(parent, name, attributes)
    element.text = text
    return element
