"""Print channel: a day's letters as one PDF for a print-and-mail service, plus a manifest.

``PrintChannel(out_dir).send(items, day=D)`` merges the items' PDFs (``pdf_path``, rendered
elsewhere), in order, into ``out_dir/print-D.pdf`` and writes the manifest
``out_dir/print-D.csv`` beside it (UTF-8, comma-separated, a header row)::

    letter_id,case_ref,name,address,pages,first_page
    101,K-2026-000101,Tolvan Tolvansson,Storgatan 1 / 111 22 Stockholm,1,1
    102,K-2026-000102,Exempelbolaget AB,Box 12 / 222 33 Lund,2,2

``address`` is the address lines joined with ``" / "``; ``first_page`` counts from 1 in the
merged PDF, so the service can split it back into letters.

A batch already handed over is never overwritten: when ``print-D.pdf`` or ``print-D.csv``
exists, the next free ``print-D-2``, ``print-D-3``, … is used. Each file is written to a temporary
name and linked into place (an atomic, exclusive create), the manifest first, so a service that
picks up PDFs never sees half a file or a PDF without its manifest. More than
``PRINT_BATCH_LETTERS_MAX`` items in one call become several numbered batches.

An item whose PDF is missing, unreadable or empty is ``"failed"`` and left out of the batch;
so is an item whose recipient has no address or has a protected identity (those go through
``protected_forwarding``, DOMAIN.md §10). If the batch cannot be written, every item in it is
``"failed"`` with the reason. ``external_id`` is ``<file name>#<first page>``.

``PdfBatchChannel`` holds the mechanics; ``ProtectedForwardingChannel`` reuses them with its own
file prefix and manifest.
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pypdf import PdfReader, PdfWriter

from fordra.formats.spreadsheet import spreadsheet_text
from fordra.letters.channels import (
    Delivery,
    OutboxItem,
    Recipient,
    describe_error,
    failed,
    read_letter_pdf,
)

__all__ = [
    "ADDRESS_SEPARATOR",
    "BATCHES_PER_DAY_MAX",
    "PRINT_BATCH_LETTERS_MAX",
    "PdfBatchChannel",
    "PrintChannel",
]

ADDRESS_SEPARATOR = " / "
# A print service's files stay a manageable size; more letters in one call → several batches.
PRINT_BATCH_LETTERS_MAX = 5_000
# print-D.pdf, print-D-2.pdf, … print-D-999.pdf; beyond that something is looping.
BATCHES_PER_DAY_MAX = 999


@dataclass(frozen=True)
class _Letter:
    """One item accepted into a batch: its position in the items, its pages."""

    index: int
    item: OutboxItem
    reader: PdfReader


class PdfBatchChannel:
    """Merge letters into one PDF per day with a manifest; subclasses say who and what."""

    name: str = "pdf_batch"
    file_prefix: str = "batch"

    def __init__(self, out_dir: Path, *, letters_per_batch_max: int = PRINT_BATCH_LETTERS_MAX):
        if letters_per_batch_max < 1:
            raise ValueError("letters_per_batch_max must be at least 1")
        self.out_dir = Path(out_dir)
        self.letters_per_batch_max = letters_per_batch_max

    # What subclasses decide.

    def can_reach(self, recipient: Recipient) -> bool:
        raise NotImplementedError

    def manifest_header(self) -> tuple[str, ...]:
        raise NotImplementedError

    def manifest_row(self, item: OutboxItem, *, pages: int, first_page: int) -> tuple[str, ...]:
        raise NotImplementedError

    def unreachable_detail(self, recipient: Recipient) -> str:
        return f"{self.name} cannot reach this recipient"

    def check_letter(self, item: OutboxItem, reader: PdfReader) -> str:
        """A problem with this letter's PDF that keeps it out of the batch, or ``""``."""
        return ""

    # The mechanics.

    def send(self, items: Sequence[OutboxItem], *, day: date) -> list[Delivery]:
        deliveries: list[Delivery | None] = [None] * len(items)
        accepted: list[_Letter] = []
        seen: set[int] = set()
        for index, item in enumerate(items):
            problem = self._problem(item, seen)
            if problem:
                deliveries[index] = failed(item, self.name, problem)
                continue
            seen.add(item.letter_id)
            try:
                reader = PdfReader(io.BytesIO(read_letter_pdf(item.pdf_path)))
                if len(reader.pages) == 0:
                    raise ValueError("letter PDF has no pages")
                problem = self.check_letter(item, reader)
            except Exception as exc:  # one bad PDF must not stop the others
                problem = f"cannot read letter PDF: {describe_error(exc)}"
            if problem:
                deliveries[index] = failed(item, self.name, problem)
                continue
            accepted.append(_Letter(index=index, item=item, reader=reader))

        step = self.letters_per_batch_max
        for start in range(0, len(accepted), step):
            for index, delivery in self._write_batch(accepted[start : start + step], day=day):
                deliveries[index] = delivery
        return [delivery for delivery in deliveries if delivery is not None]

    def _problem(self, item: OutboxItem, seen: set[int]) -> str:
        if item.letter_id in seen:
            return f"letter {item.letter_id} is already in this batch"
        if not self.can_reach(item.recipient):
            return self.unreachable_detail(item.recipient)
        return ""

    def _write_batch(self, letters: list[_Letter], *, day: date) -> list[tuple[int, Delivery]]:
        results: list[tuple[int, Delivery]] = []
        try:
            pdf = _merge(letters)
        except Exception:
            # pypdf reads lazily: a broken object may only show when the batch is written.
            # Find the letters that cannot be written alone, fail them, merge the rest.
            good: list[_Letter] = []
            for letter in letters:
                try:
                    _merge([letter])
                except Exception as exc:
                    detail = f"cannot read letter PDF: {describe_error(exc)}"
                    results.append((letter.index, failed(letter.item, self.name, detail)))
                else:
                    good.append(letter)
            letters = good
            pdf = b""
        if not letters:
            return results
        first_pages = _first_pages(letters)
        rows = [
            self.manifest_row(letter.item, pages=len(letter.reader.pages), first_page=first)
            for letter, first in zip(letters, first_pages, strict=True)
        ]
        try:
            pdf = pdf or _merge(letters)
            pdf_name = self._place(pdf, _manifest_bytes(self.manifest_header(), rows), day=day)
        except Exception as exc:  # the batch is lost, not the run: every letter in it failed
            detail = f"cannot write the {self.name} batch: {describe_error(exc)}"
            results += [(letter.index, failed(letter.item, self.name, detail))
                        for letter in letters]
            return results
        results += [
            (
                letter.index,
                Delivery(
                    letter_id=letter.item.letter_id,
                    channel=self.name,
                    status="sent",
                    detail=f"in {pdf_name} from page {first_page}",
                    external_id=f"{pdf_name}#{first_page}",
                ),
            )
            for letter, first_page in zip(letters, first_pages, strict=True)
        ]
        return results

    def _place(self, pdf: bytes, manifest: bytes, *, day: date) -> str:
        """Write the batch under the first free name of the day; the PDF's file name."""
        self.out_dir.mkdir(parents=True, exist_ok=True)
        pdf_tmp = _temporary(self.out_dir, pdf)
        csv_tmp = _temporary(self.out_dir, manifest)
        try:
            for number in range(1, BATCHES_PER_DAY_MAX + 1):
                stem = batch_stem(self.file_prefix, day, number)
                pdf_path = self.out_dir / f"{stem}.pdf"
                csv_path = self.out_dir / f"{stem}.csv"
                if pdf_path.exists():
                    continue
                try:
                    os.link(csv_tmp, csv_path)
                except FileExistsError:
                    continue
                try:
                    os.link(pdf_tmp, pdf_path)
                except FileExistsError:
                    csv_path.unlink()
                    continue
                return pdf_path.name
        finally:
            pdf_tmp.unlink(missing_ok=True)
            csv_tmp.unlink(missing_ok=True)
        raise RuntimeError(f"more than {BATCHES_PER_DAY_MAX} {self.file_prefix} batches on {day}")


class PrintChannel(PdfBatchChannel):
    """Paper through a print-and-mail service, to the recipient's address."""

    name: str = "print"
    file_prefix: str = "print"

    def can_reach(self, recipient: Recipient) -> bool:
        return has_address(recipient) and not recipient.protected_identity

    def unreachable_detail(self, recipient: Recipient) -> str:
        if recipient.protected_identity:
            return "protected identity: never printed with an address (use protected_forwarding)"
        return "recipient has no postal address"

    def manifest_header(self) -> tuple[str, ...]:
        return ("letter_id", "case_ref", "name", "address", "pages", "first_page")

    def manifest_row(self, item: OutboxItem, *, pages: int, first_page: int) -> tuple[str, ...]:
        recipient = item.recipient
        address = ADDRESS_SEPARATOR.join(line.strip() for line in recipient.address_lines
                                         if line.strip())
        return (str(item.letter_id), item.case_ref, spreadsheet_text(recipient.name),
                spreadsheet_text(address), str(pages), str(first_page))


def has_address(recipient: Recipient) -> bool:
    """At least one non-blank address line."""
    return any(line.strip() for line in recipient.address_lines)


def batch_stem(prefix: str, day: date, number: int) -> str:
    """``("print", 2026-11-23, 1)`` → ``"print-2026-11-23"``; number 2 → ``"…-2"``."""
    stem = f"{prefix}-{day.isoformat()}"
    return stem if number == 1 else f"{stem}-{number}"


def _merge(letters: list[_Letter]) -> bytes:
    writer = PdfWriter()
    for letter in letters:
        for page in letter.reader.pages:
            writer.add_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _first_pages(letters: list[_Letter]) -> list[int]:
    firsts: list[int] = []
    next_page = 1
    for letter in letters:
        firsts.append(next_page)
        next_page += len(letter.reader.pages)
    return firsts


def _manifest_bytes(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> bytes:
    text = io.StringIO()
    out = csv.writer(text, lineterminator="\n")
    out.writerow(header)
    out.writerows(rows)
    return text.getvalue().encode("utf-8")


def _temporary(directory: Path, data: bytes) -> Path:
    fd, name = tempfile.mkstemp(dir=directory, prefix=".batch-", suffix=".tmp")
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    return Path(name)
