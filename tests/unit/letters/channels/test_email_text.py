"""The e-mail's words, without sending (sending: tests/integration/test_email_channel.py)."""

from pathlib import Path

import pytest

from fordra.letters.channels.email import EmailChannel, email_body, email_subject
from tests.unit.letters.channels.factories import (
    PORTAL_URL,
    outbox_item,
    person,
    protected_person,
)


@pytest.mark.parametrize(
    ("kind", "subject"),
    [
        ("reminder", "Betalningspåminnelse från Fordra Inkasso"),
        ("demand", "Inkassokrav från Fordra Inkasso"),
        ("demand_reminder", "Påminnelse om inkassokrav från Fordra Inkasso"),
        ("notice", "Meddelande från Fordra Inkasso"),
        ("a kind added later", "Meddelande från Fordra Inkasso"),
    ],
)
def test_the_subject_is_short_swedish_and_names_only_the_kind_and_sender(
    kind: str, subject: str
) -> None:
    assert email_subject(kind) == subject


def test_the_body_has_amount_pay_by_bankgiro_ocr_and_the_portal_link(tmp_path: Path) -> None:
    body = email_body(outbox_item(tmp_path / "unused.pdf"), portal_url=f"{PORTAL_URL}/p/1")

    assert "Du har fått ett inkassokrav från Fordra Inkasso." in body
    assert "Belopp att betala: 1 234,50 kr\n" in body
    assert "Betala senast: 2026-12-07\n" in body
    assert "Bankgiro: 5050-1055\n" in body
    assert "OCR-nummer: 1234567897\n" in body
    assert "\nhttps://portal.fordra.example/p/1\n" in body


def test_the_body_keeps_the_debtor_the_case_and_the_invoices_out(tmp_path: Path) -> None:
    item = outbox_item(tmp_path / "unused.pdf")

    body = email_body(item, portal_url=PORTAL_URL)

    for secret in ("Tolvan", "Storgatan", "Stockholm", "191212", item.case_ref, "F-2026-0042",
                   "faktura", "Faktura", item.subject):
        assert secret not in body


def test_email_reaches_recipients_with_an_address_but_never_a_protected_identity() -> None:
    channel = EmailChannel(from_email="noreply@fordra.example", portal_url=PORTAL_URL)

    assert channel.can_reach(person())
    assert not channel.can_reach(person(email=""))
    assert not channel.can_reach(protected_person(email="tolvan@example.com"))
