"""E-mail channel: a short Swedish notice through Django's mail API (the only Django module here).

The e-mail tells that a letter is waiting and how to pay; the letter itself is read in the
portal. Kept out on purpose (DOMAIN.md §15): the PDF (no attachment), invoice numbers and
descriptions, the creditor, the debtor's name, address and personnummer — a mailbox may be read
by someone else. The subject is fixed per letter kind, ``"<kind> från <sender>"``::

    Subject: Inkassokrav från Fordra Inkasso

    Hej,

    Du har fått ett inkassokrav från Fordra Inkasso.

    Belopp att betala: 1 234,50 kr
    Betala senast: 2026-12-07
    Bankgiro: 5050-1055
    OCR-nummer: 123456789012

    Läs brevet och se hur du kan betala eller invända:
    https://portal.fordra.example/p/AbC123

    Har du redan betalat kan du bortse från det här meddelandet.

    Med vänliga hälsningar
    Fordra Inkasso

``EmailChannel(from_email=…, connection=…)``: ``from_email`` ``None`` means Django's
``DEFAULT_FROM_EMAIL``; ``connection`` ``None`` means Django's configured backend (SMTP in
production). One connection is opened for all items of a ``send``; a refused recipient fails
that item only, a server that cannot be reached fails them all with the reason. The
``Message-ID`` (set here, ``<fordra-letter-<id>.<random>@<from domain>>``) is the ``external_id``.

Protected identities get no e-mail (policy: ``protected_forwarding`` only).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import date
from email.utils import parseaddr
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.core.validators import validate_email

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

__all__ = ["EmailChannel", "email_body", "email_subject"]

# Phrases for "Du har fått <phrase> från …", per letter kind.
_KIND_PHRASES = {
    "reminder": "en betalningspåminnelse",
    "demand": "ett inkassokrav",
    "demand_reminder": "en påminnelse om ett inkassokrav",
}
_KIND_PHRASE_DEFAULT = "ett meddelande"


class EmailChannel:
    """Notices by e-mail, through Django's mail API."""

    name: str = "email"

    def __init__(
        self, *, from_email: str | None = None, connection: Any = None, portal_url: str = "",
        sender_name: str = SENDER_NAME_DEFAULT,
    ):
        self.from_email = from_email
        self.connection = connection
        self.portal_url = portal_url
        self.sender_name = sender_name

    def can_reach(self, recipient: Recipient) -> bool:
        return bool(recipient.email.strip()) and not recipient.protected_identity

    def send(self, items: Sequence[OutboxItem], *, day: date) -> list[Delivery]:
        if not items:
            return []
        from_email = self.from_email or settings.DEFAULT_FROM_EMAIL
        try:
            connection = self.connection or get_connection()
            opened = connection.open()
        except Exception as exc:  # no server: every item failed, with the reason
            detail = f"cannot connect to the mail server: {type(exc).__name__}: {exc}"
            return [failed(item, self.name, detail) for item in items]
        try:
            return [self._send_one(item, from_email=from_email, connection=connection)
                    for item in items]
        finally:
            if opened:
                connection.close()

    def _send_one(self, item: OutboxItem, *, from_email: str, connection: Any) -> Delivery:
        recipient = item.recipient
        if not self.can_reach(recipient):
            if recipient.protected_identity:
                return failed(item, self.name, "protected identity: no e-mail")
            return failed(item, self.name, "recipient has no e-mail address")
        to = recipient.email.strip()
        try:
            validate_email(to)
        except ValidationError:
            return failed(item, self.name, "invalid e-mail address")
        try:
            body = email_body(item, portal_url=portal_link(item, self.portal_url),
                              sender_name=self.sender_name)
        except ValueError as exc:
            return failed(item, self.name, str(exc))
        domain = parseaddr(from_email)[1].rpartition("@")[2] or "fordra.invalid"
        message_id = f"<fordra-letter-{item.letter_id}.{uuid.uuid4().hex[:16]}@{domain}>"
        message = EmailMessage(
            subject=email_subject(item.kind, sender_name=self.sender_name),
            body=body,
            from_email=from_email,
            to=[to],
            connection=connection,
            headers={"Message-ID": message_id, "Auto-Submitted": "auto-generated"},
        )
        try:
            sent = message.send(fail_silently=False)
        except Exception as exc:  # a refused recipient fails this item, not the others
            return failed(item, self.name, f"mail server refused: {type(exc).__name__}: {exc}")
        if sent != 1:
            return failed(item, self.name, "mail backend did not send the message")
        return Delivery(letter_id=item.letter_id, channel=self.name, status="sent",
                        detail="e-mail notice sent", external_id=message_id)


def email_subject(kind: str, *, sender_name: str = SENDER_NAME_DEFAULT) -> str:
    """``"Inkassokrav från Fordra Inkasso"``: the kind's Swedish name and the sender, nothing else."""
    return f"{kind_title(kind)} från {sender_name}"


def email_body(item: OutboxItem, *, portal_url: str, sender_name: str = SENDER_NAME_DEFAULT) -> str:
    """The plain-text notice: amount, pay-by date, bankgiro, OCR and the portal link."""
    phrase = _KIND_PHRASES.get(item.kind, _KIND_PHRASE_DEFAULT)
    lines = [
        "Hej,",
        "",
        f"Du har fått {phrase} från {sender_name}.",
        "",
        f"Belopp att betala: {format_amount(item.amount_ore)}",
        f"Betala senast: {item.pay_by.isoformat()}",
        f"Bankgiro: {bankgiro_display(item.bankgiro)}",
        f"OCR-nummer: {item.ocr}",
        "",
        "Läs brevet och se hur du kan betala eller invända:",
        portal_url,
        "",
        "Har du redan betalat kan du bortse från det här meddelandet.",
        "",
        "Med vänliga hälsningar",
        sender_name,
    ]
    return "\n".join(lines) + "\n"
