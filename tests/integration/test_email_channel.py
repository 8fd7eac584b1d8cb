"""The e-mail channel against a real SMTP server (aiosmtpd on 127.0.0.1) through Django's SMTP
backend. No database."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from django.core.mail import get_connection

from fordra.letters.channels.email import EmailChannel
from tests.unit.letters.channels.factories import (
    DAY,
    PORTAL_URL,
    company,
    outbox_item,
    person,
    protected_person,
)

SMTP_HOST = "127.0.0.1"
FROM = "Fordra Inkasso <noreply@fordra.example>"
REFUSED = "nobody@refused.example"


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it receives and refuses one recipient."""

    messages: list[tuple[str, list[str], bytes]] = field(default_factory=list)
    sessions: set[int] = field(default_factory=set)

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str,
                          rcpt_options: list[str]) -> str:
        if address == REFUSED:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.sessions.add(id(session))
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos),
                              envelope.original_content))
        return "250 Message accepted for delivery"

    def parsed(self) -> list[EmailMessage]:
        return [message_from_bytes(raw, policy=policy.default) for _, _, raw in self.messages]


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((SMTP_HOST, 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp(settings: Any) -> Iterator[Mailbox]:
    mailbox = Mailbox()
    port = free_port()
    controller = Controller(mailbox, hostname=SMTP_HOST, port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = SMTP_HOST
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = FROM
    try:
        yield mailbox
    finally:
        controller.stop()


def test_the_notice_reaches_the_smtp_server_with_swedish_headers_and_body(
    smtp: Mailbox, tmp_path: Path
) -> None:
    item = outbox_item(tmp_path / "letter.pdf", letter_id=42,
                       portal_url=f"{PORTAL_URL}/p/AbC123")

    deliveries = EmailChannel(portal_url=PORTAL_URL).send([item], day=DAY)

    assert [(d.letter_id, d.channel, d.status) for d in deliveries] == [(42, "email", "sent")]
    [(mail_from, rcpt_tos, _)] = smtp.messages
    assert mail_from == "noreply@fordra.example"
    assert rcpt_tos == ["tolvan@example.com"]
    [message] = smtp.parsed()
    assert message["From"] == FROM
    assert message["To"] == "tolvan@example.com"
    assert message["Subject"] == "Inkassokrav från Fordra Inkasso"
    assert message["Message-ID"].strip() == deliveries[0].external_id
    assert deliveries[0].external_id.startswith("<fordra-letter-42.")
    assert deliveries[0].external_id.endswith("@fordra.example>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert not message.is_multipart()
    assert message.get_content_type() == "text/plain"
    body = message.get_content()
    assert "Belopp att betala: 1 234,50 kr" in body
    assert "Betala senast: 2026-12-07" in body
    assert "Bankgiro: 5050-1055" in body
    assert "OCR-nummer: 1234567897" in body
    assert "https://portal.fordra.example/p/AbC123" in body


def test_the_notice_carries_no_invoice_number_no_letter_and_nothing_about_the_debtor(
    smtp: Mailbox, tmp_path: Path
) -> None:
    item = outbox_item(tmp_path / "letter.pdf", subject="Inkassokrav för faktura F-2026-0042")

    EmailChannel(portal_url=PORTAL_URL).send([item], day=DAY)

    [(_, _, raw)] = smtp.messages
    [message] = smtp.parsed()
    assert not any(part.get_filename() for part in message.walk())
    assert b"%PDF" not in raw
    everything = message.get_content() + str(message["Subject"])
    for secret in ("F-2026-0042", "faktura", item.case_ref, "Tolvan", "Storgatan", "191212"):
        assert secret not in everything


def test_a_reminder_has_its_own_subject_and_the_configured_sender(
    smtp: Mailbox, tmp_path: Path
) -> None:
    channel = EmailChannel(from_email="kundtjanst@fordra.example", portal_url=PORTAL_URL)

    channel.send([outbox_item(tmp_path / "l.pdf", kind="reminder")], day=DAY)

    [message] = smtp.parsed()
    assert message["From"] == "kundtjanst@fordra.example"
    assert message["Subject"] == "Betalningspåminnelse från Fordra Inkasso"
    assert "Du har fått en betalningspåminnelse från Fordra Inkasso." in message.get_content()


def test_one_refused_or_unreachable_recipient_fails_alone_and_the_others_go(
    smtp: Mailbox, tmp_path: Path
) -> None:
    items = [
        outbox_item(tmp_path / "l.pdf", letter_id=1),
        outbox_item(tmp_path / "l.pdf", letter_id=2, recipient=person(email=REFUSED)),
        outbox_item(tmp_path / "l.pdf", letter_id=3, recipient=person(email="not an address")),
        outbox_item(tmp_path / "l.pdf", letter_id=4,
                    recipient=protected_person(email="hidden@example.com")),
        outbox_item(tmp_path / "l.pdf", letter_id=5, recipient=company()),
    ]

    deliveries = EmailChannel(portal_url=PORTAL_URL).send(items, day=DAY)

    assert [(d.letter_id, d.status) for d in deliveries] == [
        (1, "sent"), (2, "failed"), (3, "failed"), (4, "failed"), (5, "sent")]
    assert deliveries[1].detail.startswith("mail server refused: SMTPRecipientsRefused")
    assert deliveries[2].detail == "invalid e-mail address"
    assert deliveries[3].detail == "protected identity: no e-mail"
    assert [rcpt for _, rcpt, _ in smtp.messages] == [["tolvan@example.com"],
                                                      ["ekonomi@exempelbolaget.example"]]
    assert len(smtp.sessions) == 1  # one SMTP connection for the whole send


def test_a_connection_handed_in_is_used_and_left_as_it_was(smtp: Mailbox, tmp_path: Path,
                                                          settings: Any) -> None:
    connection = get_connection("django.core.mail.backends.smtp.EmailBackend",
                                host=SMTP_HOST, port=settings.EMAIL_PORT)
    connection.open()
    try:
        channel = EmailChannel(connection=connection, portal_url=PORTAL_URL)
        first = channel.send([outbox_item(tmp_path / "l.pdf", letter_id=1)], day=DAY)
        second = channel.send([outbox_item(tmp_path / "l.pdf", letter_id=2)], day=DAY)
        assert connection.connection is not None  # still open: the caller closes it
    finally:
        connection.close()

    assert [first[0].status, second[0].status] == ["sent", "sent"]
    assert len(smtp.messages) == 2


def test_a_mail_server_that_cannot_be_reached_fails_every_item_without_raising(
    settings: Any, tmp_path: Path
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = SMTP_HOST
    settings.EMAIL_PORT = free_port()  # nothing listens there
    settings.EMAIL_TIMEOUT = 2

    deliveries = EmailChannel(from_email="noreply@fordra.example", portal_url=PORTAL_URL).send(
        [outbox_item(tmp_path / "l.pdf", letter_id=1),
         outbox_item(tmp_path / "l.pdf", letter_id=2)],
        day=DAY,
    )

    assert [d.status for d in deliveries] == ["failed", "failed"]
    assert deliveries[0].detail.startswith("cannot connect to the mail server: ConnectionRefused")


def test_without_a_portal_link_no_e_mail_is_sent(smtp: Mailbox, tmp_path: Path) -> None:
    deliveries = EmailChannel().send([outbox_item(tmp_path / "l.pdf")], day=DAY)

    assert deliveries[0].status == "failed"
    assert deliveries[0].detail.startswith("no portal link")
    assert smtp.messages == []
