"""Factories for the channel tests: recipients, outbox items and tiny PDFs, built where used."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from fordra.letters.channels import OutboxItem, Recipient

DAY = date(2026, 11, 23)
PAY_BY = date(2026, 12, 7)
AGENCY_BANKGIRO = "50501055"
PORTAL_URL = "https://portal.fordra.example"
# Skatteverket's published test personnummer (never real people) and a test orgnr.
PNR = "191212121212"
PNR_OTHER = "201701012393"
ORGNR = "5560360793"


def person(**changes: Any) -> Recipient:
    base = Recipient(
        name="Tolvan Tolvansson",
        national_id=PNR,
        is_company=False,
        address_lines=("Storgatan 1", "111 22 Stockholm"),
        email="tolvan@example.com",
        phone="070-123 45 67",
    )
    return replace(base, **changes)


def company(**changes: Any) -> Recipient:
    base = Recipient(
        name="Exempelbolaget AB",
        national_id=ORGNR,
        is_company=True,
        address_lines=("Box 12", "222 33 Lund"),
        email="ekonomi@exempelbolaget.example",
        phone="+46 73 123 45 67",
    )
    return replace(base, **changes)


def protected_person(**changes: Any) -> Recipient:
    base = person(address_lines=(), email="", phone="", protected_identity=True,
                  national_id=PNR_OTHER)
    return replace(base, **changes)


def outbox_item(pdf_path: Path, *, letter_id: int = 1, **changes: Any) -> OutboxItem:
    base = OutboxItem(
        letter_id=letter_id,
        kind="demand",
        case_ref=f"K-2026-{letter_id:06d}",
        ocr="1234567897",
        letter_date=DAY,
        pay_by=PAY_BY,
        amount_ore=123450,
        bankgiro=AGENCY_BANKGIRO,
        subject="Inkassokrav för faktura F-2026-0042",
        pdf_path=pdf_path,
        recipient=person(),
    )
    return replace(base, **changes)


def pdf_bytes(lines: Sequence[str] = (), *, pages: int = 1, width: int = 595) -> bytes:
    """A small valid PDF: ``pages`` pages of ``width`` points, ``lines`` of text on each.

    Written by hand (Helvetica, WinAnsi) so the tests need neither the renderer nor reportlab;
    the page width tells letters apart after a merge.
    """
    objects: list[bytes] = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"",  # the page tree, filled in once the page numbers are known
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
    ]
    page_numbers: list[int] = []
    for _ in range(pages):
        text = b"".join(
            b"BT /F1 11 Tf 72 %d Td (%s) Tj ET\n" % (760 - 14 * row, _pdf_string(line))
            for row, line in enumerate(lines)
        )
        objects.append(b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text))
        content_number = len(objects)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d 842] "
            b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
            % (width, content_number)
        )
        page_numbers.append(len(objects))
    kids = b" ".join(b"%d 0 R" % number for number in page_numbers)
    objects[1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_numbers))

    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def write_pdf(path: Path, lines: Sequence[str] = (), *, pages: int = 1, width: int = 595) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(pdf_bytes(lines, pages=pages, width=width))
    return path


def _pdf_string(text: str) -> bytes:
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return escaped.encode("cp1252")
