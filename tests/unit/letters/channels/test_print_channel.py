import csv
from pathlib import Path

from pypdf import PdfReader

from fordra.letters.channels.print_batch import PrintChannel
from tests.unit.letters.channels.factories import (
    DAY,
    company,
    outbox_item,
    person,
    protected_person,
    write_pdf,
)


def manifest(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def widths(path: Path) -> list[int]:
    return [int(page.mediabox.width) for page in PdfReader(path).pages]


def test_a_days_letters_are_merged_in_order_into_one_pdf_named_by_the_day(tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = outbox_item(write_pdf(tmp_path / "1.pdf", width=301), letter_id=1)
    second = outbox_item(write_pdf(tmp_path / "2.pdf", pages=2, width=302), letter_id=2,
                         recipient=company())

    deliveries = PrintChannel(out).send([first, second], day=DAY)

    assert [d.status for d in deliveries] == ["sent", "sent"]
    assert widths(out / "print-2026-11-23.pdf") == [301, 302, 302]
    assert [d.external_id for d in deliveries] == ["print-2026-11-23.pdf#1",
                                                   "print-2026-11-23.pdf#2"]
    assert sorted(p.name for p in out.iterdir()) == ["print-2026-11-23.csv", "print-2026-11-23.pdf"]


def test_the_manifest_lists_each_letter_with_address_pages_and_first_page(tmp_path: Path) -> None:
    out = tmp_path / "out"
    items = [
        outbox_item(write_pdf(tmp_path / "1.pdf", pages=2), letter_id=7),
        outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=8, recipient=company()),
    ]

    PrintChannel(out).send(items, day=DAY)

    assert manifest(out / "print-2026-11-23.csv") == [
        {"letter_id": "7", "case_ref": "K-2026-000007", "name": "Tolvan Tolvansson",
         "address": "Storgatan 1 / 111 22 Stockholm", "pages": "2", "first_page": "1"},
        {"letter_id": "8", "case_ref": "K-2026-000008", "name": "Exempelbolaget AB",
         "address": "Box 12 / 222 33 Lund", "pages": "1", "first_page": "3"},
    ]


def test_a_second_batch_on_the_same_day_never_overwrites_the_first(tmp_path: Path) -> None:
    out = tmp_path / "out"
    channel = PrintChannel(out)
    channel.send([outbox_item(write_pdf(tmp_path / "1.pdf", width=301), letter_id=1)], day=DAY)
    handed_over = (out / "print-2026-11-23.pdf").read_bytes()

    second = channel.send([outbox_item(write_pdf(tmp_path / "2.pdf", width=302), letter_id=2)],
                          day=DAY)
    third = channel.send([outbox_item(write_pdf(tmp_path / "3.pdf", width=303), letter_id=3)],
                         day=DAY)

    assert (out / "print-2026-11-23.pdf").read_bytes() == handed_over
    assert second[0].external_id == "print-2026-11-23-2.pdf#1"
    assert third[0].external_id == "print-2026-11-23-3.pdf#1"
    assert widths(out / "print-2026-11-23-3.pdf") == [303]
    assert manifest(out / "print-2026-11-23-2.csv")[0]["letter_id"] == "2"


def test_a_manifest_left_without_its_pdf_also_keeps_its_name(tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / "print-2026-11-23.csv").write_text("left by someone\n", encoding="utf-8")

    deliveries = PrintChannel(out).send([outbox_item(write_pdf(tmp_path / "1.pdf"))], day=DAY)

    assert deliveries[0].external_id == "print-2026-11-23-2.pdf#1"
    assert (out / "print-2026-11-23.csv").read_text(encoding="utf-8") == "left by someone\n"
    assert not (out / "print-2026-11-23.pdf").exists()


def test_a_missing_or_broken_pdf_fails_that_letter_and_the_others_still_go(tmp_path: Path) -> None:
    out = tmp_path / "out"
    (tmp_path / "not-a-pdf.pdf").write_text("hello", encoding="utf-8")
    (tmp_path / "truncated.pdf").write_bytes(b"%PDF-1.4\n1 0 obj\n<<")
    items = [
        outbox_item(tmp_path / "missing.pdf", letter_id=1),
        outbox_item(write_pdf(tmp_path / "2.pdf", width=302), letter_id=2),
        outbox_item(tmp_path / "not-a-pdf.pdf", letter_id=3),
        outbox_item(tmp_path / "truncated.pdf", letter_id=4),
        outbox_item(write_pdf(tmp_path / "5.pdf", width=305), letter_id=5),
    ]

    deliveries = PrintChannel(out).send(items, day=DAY)

    assert [(d.letter_id, d.status) for d in deliveries] == [
        (1, "failed"), (2, "sent"), (3, "failed"), (4, "failed"), (5, "sent")]
    assert "cannot read letter PDF" in deliveries[0].detail
    assert "not a PDF" in deliveries[2].detail
    assert widths(out / "print-2026-11-23.pdf") == [302, 305]
    assert [row["letter_id"] for row in manifest(out / "print-2026-11-23.csv")] == ["2", "5"]


def test_a_protected_identity_is_refused_and_its_address_written_nowhere(tmp_path: Path) -> None:
    out = tmp_path / "out"
    hidden = protected_person(address_lines=("Hemliga vägen 9", "999 99 Ingenstans"))
    items = [
        outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=1, recipient=hidden),
        outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=2),
    ]

    deliveries = PrintChannel(out).send(items, day=DAY)

    assert [d.status for d in deliveries] == ["failed", "sent"]
    assert "protected_forwarding" in deliveries[0].detail
    written = (out / "print-2026-11-23.csv").read_text(encoding="utf-8")
    assert "Hemliga" not in written
    assert len(PdfReader(out / "print-2026-11-23.pdf").pages) == 1


def test_a_recipient_without_an_address_cannot_be_printed(tmp_path: Path) -> None:
    channel = PrintChannel(tmp_path)
    nowhere = person(address_lines=("", "  "))

    deliveries = channel.send([outbox_item(write_pdf(tmp_path / "1.pdf"), recipient=nowhere)],
                              day=DAY)

    assert not channel.can_reach(nowhere)
    assert deliveries[0].status == "failed"
    assert deliveries[0].detail == "recipient has no postal address"


def test_print_reaches_people_and_companies_with_an_address_but_no_protected_identity(
    tmp_path: Path,
) -> None:
    channel = PrintChannel(tmp_path)

    assert channel.can_reach(person())
    assert channel.can_reach(company())
    assert not channel.can_reach(protected_person())
    assert not channel.can_reach(person(protected_identity=True))


def test_when_every_letter_fails_no_batch_file_is_written(tmp_path: Path) -> None:
    out = tmp_path / "out"

    deliveries = PrintChannel(out).send([outbox_item(tmp_path / "missing.pdf")], day=DAY)

    assert deliveries[0].status == "failed"
    assert not out.exists() or list(out.iterdir()) == []


def test_nothing_to_send_writes_nothing(tmp_path: Path) -> None:
    out = tmp_path / "out"

    assert PrintChannel(out).send([], day=DAY) == []
    assert not out.exists()


def test_more_letters_than_a_batch_holds_become_numbered_batches(tmp_path: Path) -> None:
    out = tmp_path / "out"
    items = [outbox_item(write_pdf(tmp_path / f"{n}.pdf", width=300 + n), letter_id=n)
             for n in range(1, 6)]

    deliveries = PrintChannel(out, letters_per_batch_max=2).send(items, day=DAY)

    assert [d.external_id for d in deliveries] == [
        "print-2026-11-23.pdf#1", "print-2026-11-23.pdf#2",
        "print-2026-11-23-2.pdf#1", "print-2026-11-23-2.pdf#2",
        "print-2026-11-23-3.pdf#1",
    ]
    assert widths(out / "print-2026-11-23-3.pdf") == [305]


def test_the_same_letter_twice_in_one_call_is_printed_once(tmp_path: Path) -> None:
    out = tmp_path / "out"
    pdf = write_pdf(tmp_path / "1.pdf")

    deliveries = PrintChannel(out).send([outbox_item(pdf, letter_id=4),
                                         outbox_item(pdf, letter_id=4)], day=DAY)

    assert [d.status for d in deliveries] == ["sent", "failed"]
    assert deliveries[1].detail == "letter 4 is already in this batch"
    assert len(PdfReader(out / "print-2026-11-23.pdf").pages) == 1


def test_an_unwritable_output_directory_fails_the_letters_without_raising(
    tmp_path: Path,
) -> None:
    blocked = tmp_path / "a-file"
    blocked.write_text("not a directory", encoding="utf-8")

    deliveries = PrintChannel(blocked / "out").send(
        [outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=1),
         outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=2)],
        day=DAY,
    )

    assert [d.status for d in deliveries] == ["failed", "failed"]
    assert deliveries[0].detail.startswith("cannot write the print batch:")
    assert deliveries[0].channel == "print"


def test_no_temporary_files_are_left_beside_the_batch(tmp_path: Path) -> None:
    out = tmp_path / "out"
    channel = PrintChannel(out)

    channel.send([outbox_item(write_pdf(tmp_path / "1.pdf"))], day=DAY)
    channel.send([outbox_item(write_pdf(tmp_path / "2.pdf"), letter_id=2)], day=DAY)

    assert sorted(p.name for p in out.iterdir()) == [
        "print-2026-11-23-2.csv", "print-2026-11-23-2.pdf",
        "print-2026-11-23.csv", "print-2026-11-23.pdf",
    ]


def test_a_name_or_address_shaped_like_a_formula_is_neutralised_in_the_manifest(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    hostile = person(name='=HYPERLINK("http://evil.example")', address_lines=("@SUM(A1)", "111 22 Stockholm"))
    PrintChannel(out).send([outbox_item(write_pdf(tmp_path / "1.pdf"), letter_id=1, recipient=hostile)], day=DAY)

    row = manifest(out / "print-2026-11-23.csv")[0]
    assert row["name"] == '\'=HYPERLINK("http://evil.example")'
    assert row["address"] == "'@SUM(A1) / 111 22 Stockholm"
