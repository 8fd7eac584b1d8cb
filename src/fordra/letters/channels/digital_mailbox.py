"""Digital mailbox channel (Kivra-style): the letter's PDF plus payment metadata.

A digital mailbox (DOMAIN.md §15) takes a PDF, a recipient, a subject and optional payment
metadata (OCR, amount, due date, bankgiro), and tells whether someone has a mailbox at all — a
debtor without one gets paper. ``DigitalMailbox`` is the adapter interface; a provider's API
(OAuth2 client credentials, base64 PDF, a sender agreement) is one implementation, and
``RecordingDigitalMailbox`` is the test double that records every delivery.

Recipients are addressed by ``mailbox_recipient_id``: a person by the 12-digit personnummer, a
company by its VAT number, ``SE`` + the ten-digit orgnr + ``01`` (Kivra's form). A sole trader's
orgnr is the owner's personnummer, so the VAT number is ``SE`` + its ten digits + ``01``::

    >>> person = Recipient(name="Tolvan Tolvansson", national_id="19121212-1212",
    ...                    is_company=False, address_lines=())
    >>> company = Recipient(name="Exempelbolaget AB", national_id="556036-0793",
    ...                     is_company=True, address_lines=())
    >>> mailbox_recipient_id(person), mailbox_recipient_id(company)
    ('191212121212', 'SE556036079301')

``is_recipient`` is asked with that id. The channel reads the PDF from ``pdf_path`` and sends it
with ``item.subject`` and the item's OCR, amount, pay-by date (as the due date) and bankgiro.
Protected identities are never delivered to a mailbox (policy: ``protected_forwarding`` only).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol

from fordra.letters.channels import (
    Delivery,
    OutboxItem,
    Recipient,
    failed,
    read_letter_pdf,
)

__all__ = [
    "DigitalMailbox",
    "DigitalMailboxChannel",
    "MailboxDelivery",
    "RecordingDigitalMailbox",
    "mailbox_recipient_id",
]

_ID_NOISE = " -+\u00a0\u202f"


class DigitalMailbox(Protocol):
    def is_recipient(self, national_id: str) -> bool:
        """Whether ``national_id`` (``mailbox_recipient_id``'s form) has a mailbox."""
        ...

    def deliver(
        self, *, pdf: bytes, recipient: Recipient, subject: str, ocr: str, amount_ore: int,
        due_date: date, bankgiro: str,
    ) -> str:
        """Deliver one letter; the mailbox's id for it. Raises on failure."""
        ...


@dataclass(frozen=True)
class MailboxDelivery:
    """What ``RecordingDigitalMailbox`` received for one letter."""

    delivery_id: str
    recipient_id: str
    pdf: bytes
    recipient: Recipient
    subject: str
    ocr: str
    amount_ore: int
    due_date: date
    bankgiro: str


@dataclass
class RecordingDigitalMailbox:
    """Test double: ``recipients`` (ids in ``mailbox_recipient_id``'s form) have a mailbox."""

    recipients: set[str]
    deliveries: list[MailboxDelivery] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1), repr=False)

    def is_recipient(self, national_id: str) -> bool:
        return national_id in self.recipients

    def deliver(
        self, *, pdf: bytes, recipient: Recipient, subject: str, ocr: str, amount_ore: int,
        due_date: date, bankgiro: str,
    ) -> str:
        recipient_id = mailbox_recipient_id(recipient)
        if not self.is_recipient(recipient_id):
            raise LookupError("recipient has no digital mailbox")
        delivery_id = f"mailbox-{next(self._ids)}"
        self.deliveries.append(
            MailboxDelivery(
                delivery_id=delivery_id, recipient_id=recipient_id, pdf=pdf,
                recipient=recipient, subject=subject, ocr=ocr, amount_ore=amount_ore,
                due_date=due_date, bankgiro=bankgiro,
            )
        )
        return delivery_id


class DigitalMailboxChannel:
    """Letters to the recipient's digital mailbox."""

    name: str = "digital_mailbox"

    def __init__(self, mailbox: DigitalMailbox):
        self.mailbox = mailbox

    def can_reach(self, recipient: Recipient) -> bool:
        if recipient.protected_identity:
            return False
        try:
            recipient_id = mailbox_recipient_id(recipient)
        except ValueError:
            return False
        return self.mailbox.is_recipient(recipient_id)

    def send(self, items: Sequence[OutboxItem], *, day: date) -> list[Delivery]:
        return [self._send_one(item) for item in items]

    def _send_one(self, item: OutboxItem) -> Delivery:
        recipient = item.recipient
        if recipient.protected_identity:
            return failed(item, self.name, "protected identity: no digital mailbox")
        try:
            if not self.mailbox.is_recipient(mailbox_recipient_id(recipient)):
                return failed(item, self.name, "recipient has no digital mailbox")
            pdf = read_letter_pdf(item.pdf_path)
        except (OSError, ValueError) as exc:
            return failed(item, self.name, f"cannot send: {exc}")
        except Exception as exc:  # the mailbox's own lookup error
            return failed(item, self.name, f"digital mailbox lookup failed: "
                                           f"{type(exc).__name__}: {exc}")
        try:
            delivery_id = self.mailbox.deliver(
                pdf=pdf, recipient=recipient, subject=item.subject, ocr=item.ocr,
                amount_ore=item.amount_ore, due_date=item.pay_by,
                bankgiro="".join(char for char in item.bankgiro if char.isdigit()),
            )
        except Exception as exc:  # a provider error fails this letter, not the others
            return failed(item, self.name, f"digital mailbox refused: "
                                           f"{type(exc).__name__}: {exc}")
        return Delivery(letter_id=item.letter_id, channel=self.name, status="sent",
                        detail="delivered to the digital mailbox", external_id=delivery_id)


def mailbox_recipient_id(recipient: Recipient) -> str:
    """The id a digital mailbox knows the recipient by; ``ValueError`` if there is none.

    A person: the 12-digit personnummer (the 10-digit form is refused: its century is not
    known here). A company: ``SE`` + ten-digit orgnr + ``01`` (the 12-digit ``16…`` form and a
    sole trader's 12-digit personnummer are shortened to ten digits).
    """
    digits = "".join(char for char in recipient.national_id if char not in _ID_NOISE)
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("national id has characters other than digits")
    if recipient.is_company:
        if len(digits) == 12:
            digits = digits[2:]
        if len(digits) != 10:
            raise ValueError("organisation number must be 10 or 12 digits")
        return f"SE{digits}01"
    if len(digits) != 12:
        raise ValueError("personnummer must be in the 12-digit form")
    return digits
