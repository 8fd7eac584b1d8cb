from datetime import date
from pathlib import Path

import pytest

from fordra.letters.channels import Recipient
from fordra.letters.channels.digital_mailbox import (
    DigitalMailboxChannel,
    RecordingDigitalMailbox,
    mailbox_recipient_id,
)
from tests.unit.letters.channels.factories import (
    DAY,
    PAY_BY,
    PNR,
    PNR_OTHER,
    company,
    outbox_item,
    person,
    protected_person,
    write_pdf,
)

COMPANY_VAT = "SE556036079301"


class RefusingMailbox(RecordingDigitalMailbox):
    """Has everyone, delivers nothing: the provider's API is down."""

    def deliver(
        self, *, pdf: bytes, recipient: Recipient, subject: str, ocr: str, amount_ore: int,
        due_date: date, bankgiro: str,
    ) -> str:
        raise TimeoutError("mailbox API timed out")


def test_the_letter_pdf_and_its_payment_metadata_are_delivered(tmp_path: Path) -> None:
    mailbox = RecordingDigitalMailbox({PNR})
    pdf = write_pdf(tmp_path / "1.pdf", ["Inkassokrav"])
    item = outbox_item(pdf, letter_id=9, bankgiro="5050-1055")

    deliveries = DigitalMailboxChannel(mailbox).send([item], day=DAY)

    assert deliveries[0].status == "sent"
    [received] = mailbox.deliveries
    assert deliveries[0].external_id == received.delivery_id
    assert received.pdf == pdf.read_bytes()
    assert received.recipient_id == PNR
    assert received.recipient == item.recipient
    assert received.subject == "Inkassokrav för faktura F-2026-0042"
    assert (received.ocr, received.amount_ore, received.due_date, received.bankgiro) == (
        "1234567897", 123450, PAY_BY, "50501055")


def test_a_company_is_addressed_by_its_vat_number(tmp_path: Path) -> None:
    mailbox = RecordingDigitalMailbox({COMPANY_VAT})
    channel = DigitalMailboxChannel(mailbox)

    deliveries = channel.send([outbox_item(write_pdf(tmp_path / "1.pdf"), recipient=company())],
                              day=DAY)

    assert channel.can_reach(company())
    assert deliveries[0].status == "sent"
    assert mailbox.deliveries[0].recipient_id == COMPANY_VAT


@pytest.mark.parametrize(
    ("national_id", "is_company", "mailbox_id"),
    [
        ("191212121212", False, "191212121212"),
        ("19121212-1212", False, "191212121212"),
        ("556036-0793", True, "SE556036079301"),
        ("16 556036-0793", True, "SE556036079301"),
        ("165560360793", True, "SE556036079301"),
        ("196408233234", True, "SE640823323401"),  # a sole trader's personnummer
    ],
)
def test_mailbox_ids_are_personnummer_for_people_and_vat_numbers_for_companies(
    national_id: str, is_company: bool, mailbox_id: str
) -> None:
    recipient = Recipient(name="X", national_id=national_id, is_company=is_company,
                          address_lines=())

    assert mailbox_recipient_id(recipient) == mailbox_id


@pytest.mark.parametrize(("national_id", "is_company"),
                         [("121212-1212", False), ("55603607", True), ("SE5560360793", True), ("", False)])
def test_ids_a_mailbox_cannot_know_are_refused(national_id: str, is_company: bool) -> None:
    recipient = Recipient(name="X", national_id=national_id, is_company=is_company,
                          address_lines=())

    with pytest.raises(ValueError):
        mailbox_recipient_id(recipient)


def test_the_mailbox_reaches_only_its_recipients_and_never_a_protected_identity() -> None:
    channel = DigitalMailboxChannel(RecordingDigitalMailbox({PNR, PNR_OTHER}))

    assert channel.can_reach(person())
    assert not channel.can_reach(person(national_id="200001052380"))
    assert not channel.can_reach(person(national_id="121212-1212"))
    assert not channel.can_reach(protected_person(national_id=PNR_OTHER))


def test_a_missing_pdf_or_an_unknown_recipient_fails_only_that_letter(tmp_path: Path) -> None:
    mailbox = RecordingDigitalMailbox({PNR})
    items = [
        outbox_item(tmp_path / "missing.pdf", letter_id=1),
        outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=2,
                    recipient=person(national_id=PNR_OTHER)),
        outbox_item(write_pdf(tmp_path / "3.pdf"), letter_id=3,
                    recipient=protected_person(national_id=PNR)),
        outbox_item(write_pdf(tmp_path / "4.pdf"), letter_id=4),
    ]

    deliveries = DigitalMailboxChannel(mailbox).send(items, day=date(2026, 11, 23))

    assert [(d.letter_id, d.status) for d in deliveries] == [
        (1, "failed"), (2, "failed"), (3, "failed"), (4, "sent")]
    assert deliveries[0].detail.startswith("cannot send:")
    assert deliveries[1].detail == "recipient has no digital mailbox"
    assert deliveries[2].detail == "protected identity: no digital mailbox"
    assert [d.recipient_id for d in mailbox.deliveries] == [PNR]


def test_a_provider_error_is_a_failed_delivery_not_an_exception(tmp_path: Path) -> None:
    items = [outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=1),
             outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=2)]

    deliveries = DigitalMailboxChannel(RefusingMailbox({PNR})).send(items, day=DAY)

    assert [d.status for d in deliveries] == ["failed", "failed"]
    assert deliveries[0].detail == "digital mailbox refused: TimeoutError: mailbox API timed out"


def test_the_recording_mailbox_refuses_someone_without_a_mailbox(tmp_path: Path) -> None:
    mailbox = RecordingDigitalMailbox(set())

    with pytest.raises(LookupError):
        mailbox.deliver(pdf=b"%PDF-", recipient=person(), subject="s", ocr="1234567897",
                        amount_ore=1, due_date=PAY_BY, bankgiro="50501055")
