import json
from datetime import date
from pathlib import Path

import pytest

from fordra.letters.channels.sms import (
    SMS_GSM_CHARS_SINGLE,
    FileSmsBackend,
    SmsChannel,
    gsm_length,
    normalise_phone,
    sms_text,
)
from tests.unit.letters.channels.factories import (
    DAY,
    PORTAL_URL,
    company,
    outbox_item,
    person,
    protected_person,
)


class RecordingSmsBackend:
    """Records messages; numbers in ``refuse`` make it raise like a provider would."""

    def __init__(self, refuse: frozenset[str] = frozenset()):
        self.sent: list[tuple[str, str]] = []
        self.refuse = refuse

    def send(self, *, to: str, text: str) -> str:
        if to in self.refuse:
            raise ConnectionError("provider said no")
        self.sent.append((to, text))
        return f"id-{len(self.sent)}"


def read_lines(path: Path) -> list[dict[str, str]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_the_file_backend_appends_one_json_line_per_message(tmp_path: Path) -> None:
    path = tmp_path / "sms" / "outbox.jsonl"
    backend = FileSmsBackend(path)

    first = backend.send(to="+46701234567", text="Hej å ä ö")
    second = backend.send(to="+46731234567", text="Två")

    assert read_lines(path) == [
        {"to": "+46701234567", "text": "Hej å ä ö", "id": first},
        {"to": "+46731234567", "text": "Två", "id": second},
    ]
    assert first != second


def test_the_sms_has_amount_ocr_pay_by_and_portal_link_in_one_message(tmp_path: Path) -> None:
    item = outbox_item(tmp_path / "unused.pdf", portal_url=f"{PORTAL_URL}/p/AbC123")

    text = sms_text(item, portal_url=item.portal_url)

    assert text == (
        "Fordra Inkasso: Inkassokrav. Betala 1 234,50 kr senast 2026-12-07 till bg 5050-1055, "
        "OCR 1234567897. Läs mer: https://portal.fordra.example/p/AbC123"
    )
    assert (gsm_length(text) or 999) <= SMS_GSM_CHARS_SINGLE


def test_the_sms_says_nothing_about_the_debtor_the_case_or_the_invoices(tmp_path: Path) -> None:
    item = outbox_item(tmp_path / "unused.pdf")

    text = sms_text(item, portal_url=PORTAL_URL)

    for secret in ("Tolvan", "Storgatan", "K-2026", "F-2026-0042", "faktura", "191212"):
        assert secret not in text


def test_a_long_portal_link_costs_the_bankgiro_before_a_second_message(tmp_path: Path) -> None:
    item = outbox_item(tmp_path / "unused.pdf")
    link = PORTAL_URL + "/p/" + "x" * 34

    text = sms_text(item, portal_url=link)

    assert "bg 5050-1055" not in text
    assert text.endswith(link)
    assert gsm_length(text) == SMS_GSM_CHARS_SINGLE - 2


def test_a_link_too_long_even_for_that_goes_as_two_concatenated_parts(tmp_path: Path) -> None:
    backend = RecordingSmsBackend()
    link = PORTAL_URL + "/p/" + "x" * 60

    deliveries = SmsChannel(backend, portal_url=link).send([outbox_item(tmp_path / "u.pdf")],
                                                           day=DAY)

    assert deliveries[0].detail.endswith("2 part(s)")
    assert backend.sent[0][1].endswith(link)


def test_a_text_that_cannot_be_an_sms_is_refused(tmp_path: Path) -> None:
    item = outbox_item(tmp_path / "unused.pdf")

    with pytest.raises(ValueError, match="over the limit of 306"):
        sms_text(item, portal_url=PORTAL_URL + "/" + "x" * 300)
    with pytest.raises(ValueError, match="outside the GSM alphabet"):
        sms_text(item, portal_url=PORTAL_URL + "/🙂")


def test_gsm_length_counts_the_extension_characters_twice() -> None:
    assert gsm_length("ÅÄÖåäö é") == 8
    assert gsm_length("[€]") == 6
    assert gsm_length("ł") is None


@pytest.mark.parametrize(
    ("written", "e164"),
    [
        ("0701234567", "+46701234567"),
        ("070-123 45 67", "+46701234567"),
        ("070.123.45.67", "+46701234567"),
        ("+46 70 123 45 67", "+46701234567"),
        ("+46 (0)70-123 45 67", "+46701234567"),
        ("0046 73 123 45 67", "+46731234567"),
        ("076\u00a0123\u00a045\u00a067", "+46761234567"),
        ("+47 412 34 567", "+4741234567"),
        ("+358 40 123 4567", "+358401234567"),
    ],
)
def test_phone_numbers_are_normalised_to_e164(written: str, e164: str) -> None:
    assert normalise_phone(written) == e164


@pytest.mark.parametrize(
    "written",
    [
        "",
        "701234567",  # no leading 0 or country code
        "08-123 456 70",  # a Stockholm landline cannot receive SMS
        "071-123 45 67",  # machine-to-machine numbers
        "070-123 45 6",  # too short
        "070-123 45 678",  # too long
        "+0 123 456 789",
        "+1 234",
        "070-123 45 6x",
        "０７０１２３４５６７",  # full-width digits
        "0" * 50,
    ],
)
def test_what_cannot_receive_an_sms_is_not_a_phone_number(written: str) -> None:
    with pytest.raises(ValueError):
        normalise_phone(written)


def test_the_channel_sends_each_item_and_an_invalid_phone_fails_only_its_own(
    tmp_path: Path,
) -> None:
    path = tmp_path / "sms.jsonl"
    channel = SmsChannel(FileSmsBackend(path), portal_url=PORTAL_URL)
    items = [
        outbox_item(tmp_path / "unused.pdf", letter_id=1),
        outbox_item(tmp_path / "unused.pdf", letter_id=2, recipient=person(phone="08-123 456 70")),
        outbox_item(tmp_path / "unused.pdf", letter_id=3, recipient=company()),
    ]

    deliveries = channel.send(items, day=DAY)

    assert [(d.letter_id, d.status) for d in deliveries] == [(1, "sent"), (2, "failed"),
                                                            (3, "sent")]
    assert deliveries[1].detail == "not a Swedish mobile number (07X XXX XX XX)"
    lines = read_lines(path)
    assert [line["to"] for line in lines] == ["+46701234567", "+46731234567"]
    assert [d.external_id for d in deliveries if d.status == "sent"] == [
        line["id"] for line in lines]
    assert deliveries[0].detail == "SMS to +46…4567, 1 part(s)"


def test_a_backend_error_fails_that_message_and_the_others_still_go(tmp_path: Path) -> None:
    backend = RecordingSmsBackend(refuse=frozenset({"+46701234567"}))
    channel = SmsChannel(backend, portal_url=PORTAL_URL)
    items = [
        outbox_item(tmp_path / "unused.pdf", letter_id=1),
        outbox_item(tmp_path / "unused.pdf", letter_id=2, recipient=company()),
    ]

    deliveries = channel.send(items, day=DAY)

    assert [d.status for d in deliveries] == ["failed", "sent"]
    assert deliveries[0].detail == "SMS backend refused: ConnectionError: provider said no"
    assert [to for to, _ in backend.sent] == ["+46731234567"]


def test_the_items_own_portal_link_wins_over_the_channels(tmp_path: Path) -> None:
    backend = RecordingSmsBackend()
    channel = SmsChannel(backend, portal_url=PORTAL_URL)

    channel.send([outbox_item(tmp_path / "unused.pdf", portal_url="https://p.example/x")],
                 day=date(2026, 11, 23))

    assert backend.sent[0][1].endswith("Läs mer: https://p.example/x")


def test_without_a_portal_link_no_sms_is_sent(tmp_path: Path) -> None:
    backend = RecordingSmsBackend()

    deliveries = SmsChannel(backend).send([outbox_item(tmp_path / "unused.pdf")], day=DAY)

    assert deliveries[0].status == "failed"
    assert deliveries[0].detail.startswith("no portal link")
    assert backend.sent == []


def test_sms_reaches_recipients_with_a_phone_but_never_a_protected_identity(
    tmp_path: Path,
) -> None:
    backend = RecordingSmsBackend()
    channel = SmsChannel(backend, portal_url=PORTAL_URL)
    hidden = protected_person(phone="0701234567")

    deliveries = channel.send([outbox_item(tmp_path / "unused.pdf", recipient=hidden)], day=DAY)

    assert channel.can_reach(person())
    assert not channel.can_reach(person(phone=" "))
    assert not channel.can_reach(hidden)
    assert deliveries[0].detail == "protected identity: no SMS"
    assert backend.sent == []
