"""The outbox: one typed interface, one adapter per channel (docs/collection-api.md §5).

A letter is rendered to a PDF elsewhere (``fordra.letters.rendering``); the outbox hands it to a
channel as an ``OutboxItem`` and records the ``Delivery`` the channel returns, one per item.

Channels (each its own module, each with its own tests):

- ``print`` (``print_batch.PrintChannel``): all of a day's letters merged into one PDF for a
  print-and-mail service, ``print-YYYY-MM-DD[-N].pdf``, with a manifest CSV beside it.
- ``protected_forwarding`` (``protected_forwarding.ProtectedForwardingChannel``): the same batch
  mechanics for debtors with protected identity (skyddade personuppgifter, DOMAIN.md §10), sent
  through Skatteverket's forwarding; no address is ever printed or written to a manifest.
- ``email`` (``email.EmailChannel``, the only module that imports Django): a short Swedish
  notice — amount, OCR, bankgiro, pay-by date and the portal link; never the letter, never
  invoice detail (DOMAIN.md §15).
- ``sms`` (``sms.SmsChannel`` over an ``SmsBackend``): the same minimal content in one SMS.
- ``digital_mailbox`` (``digital_mailbox.DigitalMailboxChannel`` over a ``DigitalMailbox``,
  Kivra-style): the PDF plus payment metadata to the recipient's mailbox.

The rules every channel keeps:

- ``send`` never raises for one bad item: that item's ``Delivery`` has status ``"failed"`` and a
  detail in English saying why, and the other items still go. Deliveries come back in the order
  of the items.
- ``send`` refuses (``"failed"``) an item whose recipient the channel cannot reach, so a protected
  identity can never be printed with its address, e-mailed or texted even if a caller skips
  ``choose_channel``.
- Protected identities are reached only by ``protected_forwarding`` (policy: no e-mail, SMS or
  digital mailbox either).
- Time is an argument: ``send(items, day=…)``; no channel reads the clock for a decision. When an
  SMS may be sent (08–20) is the caller's concern.

``choose_channel`` picks the first preferred channel that exists and can reach the recipient,
then falls back to paper: ``print``, or ``protected_forwarding`` for a protected identity::

    >>> from pathlib import Path
    >>> from fordra.letters.channels.print_batch import PrintChannel
    >>> from fordra.letters.channels.protected_forwarding import ProtectedForwardingChannel
    >>> channels = {"print": PrintChannel(Path("out")),
    ...             "protected_forwarding": ProtectedForwardingChannel(Path("out"))}
    >>> someone = Recipient(name="Tolvan Tolvansson", national_id="191212121212",
    ...                     is_company=False, address_lines=("Storgatan 1", "111 22 Stockholm"))
    >>> choose_channel(["email"], someone, channels)
    'print'
    >>> hidden = Recipient(name="Tolvan Tolvansson", national_id="191212121212",
    ...                    is_company=False, address_lines=(), protected_identity=True)
    >>> choose_channel(["print"], hidden, channels)
    'protected_forwarding'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from fordra.domain.identifiers import format_bankgiro

if TYPE_CHECKING:
    from fordra.letters.channels.digital_mailbox import DigitalMailbox
    from fordra.letters.channels.sms import SmsBackend

__all__ = [
    "DELIVERY_STATUSES",
    "LETTER_PDF_BYTES_MAX",
    "SENDER_NAME_DEFAULT",
    "Channel",
    "Delivery",
    "OutboxItem",
    "Recipient",
    "bankgiro_display",
    "build_channels",
    "choose_channel",
    "describe_error",
    "failed",
    "kind_title",
    "portal_link",
    "read_letter_pdf",
]

# Larger letter PDFs are refused before they are read ("put a limit on everything"); a letter
# of a few pages is well under 1 MB.
LETTER_PDF_BYTES_MAX = 20 * 1024 * 1024
SENDER_NAME_DEFAULT = "Fordra Inkasso"
DELIVERY_STATUSES = frozenset({"sent", "failed", "skipped"})

_PDF_MAGIC = b"%PDF-"
# Swedish names of the letter kinds (LetterContent.kind), for subjects and SMS; an unknown kind
# is a plain "Meddelande" (message) so no channel fails on a new kind.
_KIND_TITLES = {
    "reminder": "Betalningspåminnelse",
    "demand": "Inkassokrav",
    "demand_reminder": "Påminnelse om inkassokrav",
    "notice": "Meddelande",
    "plan": "Avbetalningsplan",
    "kfm_notice": "Meddelande om Kronofogden",
    "bankruptcy_warning": "Anmaning – konkursvarning",
    "surveillance": "Påminnelse om skuld",
    "dispute": "Angående ditt bestridande",
}


@dataclass(frozen=True)
class Recipient:
    name: str
    national_id: str  # personnummer (12 digits) or orgnr; sole traders: the owner's personnummer
    is_company: bool
    address_lines: tuple[str, ...]  # empty for a protected identity
    email: str = ""
    phone: str = ""
    protected_identity: bool = False


@dataclass(frozen=True)
class OutboxItem:
    letter_id: int
    kind: str  # "reminder" | "demand" | "demand_reminder" | "notice"
    case_ref: str
    ocr: str
    letter_date: date
    pay_by: date
    amount_ore: int
    bankgiro: str  # the agency's bankgiro, digits (a dash is tolerated)
    subject: str  # for the digital mailbox; e-mail and SMS use a fixed subject per kind
    pdf_path: Path
    recipient: Recipient
    portal_url: str = ""  # this letter's portal link; "" = the channel's configured link


@dataclass(frozen=True)
class Delivery:
    letter_id: int
    channel: str
    status: str  # "sent" | "failed" | "skipped"
    detail: str
    external_id: str = ""


class Channel(Protocol):
    name: str

    def can_reach(self, recipient: Recipient) -> bool: ...

    def send(self, items: Sequence[OutboxItem], *, day: date) -> list[Delivery]: ...


def choose_channel(
    preferred: Sequence[str], recipient: Recipient, channels: Mapping[str, Channel]
) -> str:
    """The first of ``preferred`` that exists and can reach ``recipient``; else paper.

    Paper is ``print`` when it can reach the recipient, else ``protected_forwarding`` for a
    protected identity. When nothing can reach the recipient: ``ValueError("no channel can
    reach …")`` naming the channels tried — never the recipient's name, id or address.
    """
    for name in preferred:
        channel = channels.get(name)
        if channel is not None and channel.can_reach(recipient):
            return name
    paper = ["print"]
    if recipient.protected_identity:
        paper.append("protected_forwarding")
    for name in paper:
        channel = channels.get(name)
        if channel is not None and channel.can_reach(recipient):
            return name
    tried = ", ".join(dict.fromkeys([*preferred, *paper]))
    what = "a protected identity" if recipient.protected_identity else "the recipient"
    raise ValueError(f"no channel can reach {what} (tried: {tried})")


def build_channels(
    *,
    out_dir: Path,
    sms_backend: SmsBackend,
    mailbox: DigitalMailbox,
    portal_url: str,
    from_email: str | None = None,
    sender_name: str = SENDER_NAME_DEFAULT,
) -> dict[str, Channel]:
    """Every channel, by name. ``out_dir`` receives the print and forwarding batches.

    ``from_email`` is the e-mail From address (``None``: Django's ``DEFAULT_FROM_EMAIL``, read
    when sending). Django is imported only when the e-mail channel sends.
    """
    from fordra.letters.channels.digital_mailbox import DigitalMailboxChannel
    from fordra.letters.channels.email import EmailChannel
    from fordra.letters.channels.print_batch import PrintChannel
    from fordra.letters.channels.protected_forwarding import ProtectedForwardingChannel
    from fordra.letters.channels.sms import SmsChannel

    channels: list[Channel] = [
        PrintChannel(out_dir),
        ProtectedForwardingChannel(out_dir),
        EmailChannel(from_email=from_email, portal_url=portal_url, sender_name=sender_name),
        SmsChannel(sms_backend, portal_url=portal_url, sender_name=sender_name),
        DigitalMailboxChannel(mailbox),
    ]
    return {channel.name: channel for channel in channels}


# Helpers shared by the adapters.


def bankgiro_display(text: str) -> str:
    """``"50501055"`` → ``"5050-1055"``; a text that is not 7–8 digits is shown as given."""
    digits = "".join(char for char in text if char.isdigit())
    return format_bankgiro(digits) if 7 <= len(digits) <= 8 else text


def describe_error(exc: BaseException) -> str:
    """An exception as one line for a delivery or letter record: its type and its text."""
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def failed(item: OutboxItem, channel: str, detail: str) -> Delivery:
    """A ``"failed"`` delivery of ``item`` on ``channel``."""
    return Delivery(letter_id=item.letter_id, channel=channel, status="failed", detail=detail)


def kind_title(kind: str) -> str:
    """The Swedish name of a letter kind: ``"demand"`` → ``"Inkassokrav"``.

    >>> kind_title("reminder"), kind_title("something new")
    ('Betalningspåminnelse', 'Meddelande')
    """
    return _KIND_TITLES.get(kind, "Meddelande")


def portal_link(item: OutboxItem, default: str) -> str:
    """The item's own portal link, else the channel's; ``ValueError`` when there is none."""
    link = (item.portal_url or default).strip()
    if not link:
        raise ValueError("no portal link: set the item's portal_url or the channel's portal_url")
    return link


def read_letter_pdf(path: Path, *, bytes_max: int = LETTER_PDF_BYTES_MAX) -> bytes:
    """The bytes of a rendered letter; ``ValueError`` (or ``OSError``) saying what is wrong."""
    size = path.stat().st_size
    if size > bytes_max:
        raise ValueError(f"letter PDF is {size} bytes, over the limit of {bytes_max}")
    data = path.read_bytes()
    if not data.startswith(_PDF_MAGIC):
        raise ValueError("letter file is not a PDF (no %PDF- header)")
    return data
