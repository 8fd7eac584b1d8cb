import csv
from pathlib import Path

from pypdf import PdfReader

from fordra.letters.channels.print_batch import PrintChannel
from fordra.letters.channels.protected_forwarding import ProtectedForwardingChannel
from tests.unit.letters.channels.factories import (
    DAY,
    PNR_OTHER,
    outbox_item,
    person,
    protected_person,
    write_pdf,
)


def test_protected_letters_go_in_a_forwarding_batch_of_their_own(tmp_path: Path) -> None:
    out = tmp_path / "out"
    items = [
        outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=1, recipient=protected_person()),
        outbox_item(write_pdf(tmp_path / "2.pdf", pages=2), letter_id=2,
                    recipient=protected_person()),
    ]

    deliveries = ProtectedForwardingChannel(out).send(items, day=DAY)

    assert [d.status for d in deliveries] == ["sent", "sent"]
    assert [d.channel for d in deliveries] == ["protected_forwarding"] * 2
    assert [d.external_id for d in deliveries] == ["forwarding-2026-11-23.pdf#1",
                                                   "forwarding-2026-11-23.pdf#2"]
    assert len(PdfReader(out / "forwarding-2026-11-23.pdf").pages) == 3


def test_the_forwarding_manifest_carries_the_personnummer_and_never_a_name_or_address(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    # A recipient that wrongly still carries an address: it must not leak anywhere.
    hidden = protected_person(address_lines=("Hemliga vägen 9", "999 99 Ingenstans"))

    ProtectedForwardingChannel(out).send(
        [outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=5, recipient=hidden)], day=DAY)

    text = (out / "forwarding-2026-11-23.csv").read_text(encoding="utf-8")
    assert list(csv.DictReader(text.splitlines())) == [
        {"letter_id": "5", "case_ref": "K-2026-000005", "national_id": PNR_OTHER,
         "pages": "1", "first_page": "1"},
    ]
    assert "Tolvan" not in text
    assert "Hemliga" not in text
    assert "Ingenstans" not in text


def test_a_letter_whose_pdf_shows_the_protected_address_is_not_sent(tmp_path: Path) -> None:
    out = tmp_path / "out"
    hidden = protected_person(address_lines=("Hemliga vägen 9", "999 99 Ingenstans"))
    leaking = write_pdf(tmp_path / "leak.pdf", ["Tolvan Tolvansson", "Hemliga  vägen 9"])
    clean = write_pdf(tmp_path / "clean.pdf", ["Tolvan Tolvansson", "Inkassokrav"])

    deliveries = ProtectedForwardingChannel(out).send(
        [outbox_item(leaking, letter_id=1, recipient=hidden),
         outbox_item(clean, letter_id=2, recipient=hidden)],
        day=DAY,
    )

    assert [d.status for d in deliveries] == ["failed", "sent"]
    assert deliveries[0].detail == "letter PDF shows the protected address: not sent"
    assert "Hemliga" not in (PdfReader(out / "forwarding-2026-11-23.pdf").pages[0]
                             .extract_text())


def test_a_recipient_without_protected_identity_is_refused(tmp_path: Path) -> None:
    deliveries = ProtectedForwardingChannel(tmp_path).send(
        [outbox_item(write_pdf(tmp_path / "1.pdf"), recipient=person())], day=DAY)

    assert deliveries[0].status == "failed"
    assert deliveries[0].detail == "recipient has no protected identity (use print)"


def test_forwarding_reaches_only_protected_identities_with_a_national_id(tmp_path: Path) -> None:
    channel = ProtectedForwardingChannel(tmp_path)

    assert channel.can_reach(protected_person())
    assert not channel.can_reach(person())
    assert not channel.can_reach(protected_person(national_id=" "))


def test_print_and_forwarding_batches_of_the_same_day_live_side_by_side(tmp_path: Path) -> None:
    out = tmp_path / "out"
    ProtectedForwardingChannel(out).send(
        [outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=1, recipient=protected_person())],
        day=DAY)
    PrintChannel(out).send([outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=2)], day=DAY)
    again = ProtectedForwardingChannel(out).send(
        [outbox_item(write_pdf(tmp_path / "3.pdf"), letter_id=3, recipient=protected_person())],
        day=DAY)

    assert again[0].external_id == "forwarding-2026-11-23-2.pdf#1"
    assert sorted(p.name for p in out.iterdir()) == [
        "forwarding-2026-11-23-2.csv", "forwarding-2026-11-23-2.pdf",
        "forwarding-2026-11-23.csv", "forwarding-2026-11-23.pdf",
        "print-2026-11-23.csv", "print-2026-11-23.pdf",
    ]
