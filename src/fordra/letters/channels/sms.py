"""SMS channel: a one-message notice through an ``SmsBackend``.

The text is Swedish and minimal (DOMAIN.md §15): who sends, the letter kind, the amount, the
pay-by date, bankgiro and OCR, and the portal link where the letter itself is read. No name, no
creditor, no invoice detail: the phone may be read by someone else. For example::

    Fordra Inkasso: Inkassokrav. Betala 1 234,50 kr senast 2026-12-07 till bg 5050-1055,
    OCR 123456789012. Läs mer: https://portal.fordra.example/p/AbC123

(one line in the message). The target is one SMS: at most ``SMS_GSM_CHARS_SINGLE`` (160) GSM
03.38 characters (å, ä, ö are in the GSM alphabet; ``€ [ ] { } \\ ^ ~ |`` count twice). When the
text is longer, the bankgiro is left out; a text still longer goes as a concatenated SMS up to
``SMS_GSM_CHARS_MAX``; beyond that, or with characters outside the GSM alphabet, the item fails.

Phone numbers are normalised to E.164 (``normalise_phone``): Swedish mobile numbers in any
usual form (``070-123 45 67``, ``+46 (0)70 123 45 67``, ``0046701234567``) → ``+46701234567``;
numbers abroad need their country code (``+`` or ``00``). A Swedish landline cannot receive
SMS and is refused. An invalid number is a ``"failed"`` delivery.

When an SMS may be sent is the caller's concern: policy is 08–20 on the recipient's local
time, and the outbox holds SMS items outside that window. Protected identities get no SMS
(policy: they are reached only through ``protected_forwarding``).

``FileSmsBackend(path)`` appends one JSON line per message, ``{"to", "text", "id"}`` — for
development and tests; a provider's API is another ``SmsBackend``.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Protocol

from fordra.domain.money import format_amount
from fordra.letters.channels import (
    SENDER_NAME_DEFAULT,
    Delivery,
    OutboxItem,
    Recipient,
    bankgiro_display,
    failed,
    kind_title,
    portal_link,
)

__all__ = [
    "SMS_GSM_CHARS_MAX",
    "SMS_GSM_CHARS_SINGLE",
    "FileSmsBackend",
    "SmsBackend",
    "SmsChannel",
    "gsm_length",
    "normalise_phone",
    "sms_parts",
    "sms_text",
]

SMS_GSM_CHARS_SINGLE = 160
# Two concatenated parts (153 characters each); a longer notice is not a notice any more.
SMS_GSM_CHARS_MAX = 306
_GSM_CHARS_PER_PART = 153  # a concatenated SMS spends 7 septets of each part on its header
PHONE_TEXT_CHARS_MAX = 40
E164_DIGITS_MIN = 8
E164_DIGITS_MAX = 15

# GSM 03.38 basic character set (without the escape) and its extension table (2 septets each).
_GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
_GSM_EXTENSION = frozenset("\f^{}\\[~]|€")
_PHONE_NOISE = re.compile(r"[\s\-./()\u00a0\u202f]")
# Swedish mobile numbers: 070, 072, 073, 076, 079 + 7 digits (PTS numbering plan).
_SWEDISH_MOBILE = re.compile(r"7[02369][0-9]{7}")


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str) -> str:
        """Send ``text`` to ``to`` (E.164); the provider's message id. Raises on failure."""
        ...


class FileSmsBackend:
    """Appends each message as a JSON line ``{"to", "text", "id"}`` to ``path``."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def send(self, *, to: str, text: str) -> str:
        message_id = f"sms-{uuid.uuid4().hex}"
        line = json.dumps({"to": to, "text": text, "id": message_id}, ensure_ascii=False)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
        return message_id


class SmsChannel:
    """Notices by SMS: minimal Swedish text with the portal link."""

    name: str = "sms"

    def __init__(
        self, backend: SmsBackend, *, portal_url: str = "",
        sender_name: str = SENDER_NAME_DEFAULT,
    ):
        self.backend = backend
        self.portal_url = portal_url
        self.sender_name = sender_name

    def can_reach(self, recipient: Recipient) -> bool:
        return bool(recipient.phone.strip()) and not recipient.protected_identity

    def send(self, items: Sequence[OutboxItem], *, day: date) -> list[Delivery]:
        return [self._send_one(item) for item in items]

    def _send_one(self, item: OutboxItem) -> Delivery:
        if not self.can_reach(item.recipient):
            if item.recipient.protected_identity:
                return failed(item, self.name, "protected identity: no SMS")
            return failed(item, self.name, "recipient has no phone number")
        try:
            to = normalise_phone(item.recipient.phone)
            text = sms_text(item, portal_url=portal_link(item, self.portal_url),
                            sender_name=self.sender_name)
        except ValueError as exc:
            return failed(item, self.name, str(exc))
        try:
            message_id = self.backend.send(to=to, text=text)
        except Exception as exc:  # a provider error fails this message, not the others
            return failed(item, self.name, f"SMS backend refused: {type(exc).__name__}: {exc}")
        parts = sms_parts(gsm_length(text) or 0)
        return Delivery(letter_id=item.letter_id, channel=self.name, status="sent",
                        detail=f"SMS to {_masked(to)}, {parts} part(s)", external_id=message_id)


def sms_text(item: OutboxItem, *, portal_url: str, sender_name: str = SENDER_NAME_DEFAULT) -> str:
    """The notice for ``item``; ``ValueError`` if it cannot be a GSM SMS of allowed length."""
    amount = format_amount(item.amount_ore)
    head = f"{sender_name}: {kind_title(item.kind)}. Betala {amount} senast {item.pay_by.isoformat()}"
    ocr = f"OCR {item.ocr}."
    link = f"Läs mer: {portal_url}"
    candidates = [
        f"{head} till bg {bankgiro_display(item.bankgiro)}, {ocr} {link}",
        f"{head}, {ocr} {link}",
    ]
    for text in candidates:
        length = gsm_length(text)
        if length is None:
            raise ValueError("SMS text has characters outside the GSM alphabet")
        if length <= SMS_GSM_CHARS_SINGLE:
            return text
    shortest = candidates[-1]
    length = gsm_length(shortest) or 0
    if length > SMS_GSM_CHARS_MAX:
        raise ValueError(f"SMS text is {length} GSM characters, over the limit of "
                         f"{SMS_GSM_CHARS_MAX}")
    return shortest


def gsm_length(text: str) -> int | None:
    """Length in GSM 03.38 septets, or ``None`` if a character is outside the GSM alphabet.

    >>> gsm_length("Betala 100,00 kr på bg"), gsm_length("5 €"), gsm_length("Tack 🙂")
    (22, 4, None)
    """
    length = 0
    for char in text:
        if char in _GSM_BASIC:
            length += 1
        elif char in _GSM_EXTENSION:
            length += 2
        else:
            return None
    return length


def sms_parts(length: int) -> int:
    """How many SMS a GSM text of ``length`` septets takes (153 per part when concatenated).

    >>> sms_parts(160), sms_parts(161), sms_parts(306)
    (1, 2, 2)
    """
    if length <= SMS_GSM_CHARS_SINGLE:
        return 1
    return -(-length // _GSM_CHARS_PER_PART)


def normalise_phone(text: str) -> str:
    """A phone number → E.164; ``ValueError`` if it is not one an SMS can reach.

    >>> normalise_phone("070-123 45 67"), normalise_phone("+46 (0)70 123 45 67")
    ('+46701234567', '+46701234567')
    >>> normalise_phone("0046 70 123 45 67"), normalise_phone("+47 412 34 567")
    ('+46701234567', '+4741234567')
    """
    if len(text) > PHONE_TEXT_CHARS_MAX:
        raise ValueError(f"phone number is longer than {PHONE_TEXT_CHARS_MAX} characters")
    compact = _PHONE_NOISE.sub("", text)
    if compact.startswith("00"):
        compact = "+" + compact[2:]
    if compact.startswith("+"):
        digits = compact[1:]
    elif compact.startswith("0"):
        digits = "46" + compact[1:]
    else:
        raise ValueError("phone number needs a leading 0 or a country code (+ or 00)")
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("phone number has characters other than digits")
    if digits.startswith("46"):
        national = digits[2:]
        if national.startswith("0"):  # +46 (0)70 …
            national = national[1:]
        if not _SWEDISH_MOBILE.fullmatch(national):
            raise ValueError("not a Swedish mobile number (07X XXX XX XX)")
        return f"+46{national}"
    if digits.startswith("0") or not E164_DIGITS_MIN <= len(digits) <= E164_DIGITS_MAX:
        raise ValueError("not an international phone number (E.164: 8 to 15 digits)")
    return f"+{digits}"


def _masked(phone: str) -> str:
    """``+46701234567`` → ``+46…4567``: enough to tell numbers apart in a log."""
    return f"{phone[:3]}…{phone[-4:]}"
