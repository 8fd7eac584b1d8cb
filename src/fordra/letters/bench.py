"""Letter rendering throughput, beside a bare reportlab baseline (for ``fordra bench``).

``measure(letters=N)`` renders N synthetic one-page letters (``sample_letter``) with
``render_pdf_batch`` — texts filled, layout, wrapping, formatting, drawing, one PDF — and then has
a bare reportlab canvas draw exactly the same strings, lines and boxes at the same places on the
same A4 pages (the same number of ``drawString`` calls), with nothing of Fordra around it. The
ratio of the two rates is Fordra's overhead. A measurement, not a test: nothing here asserts a
time.

``sample_letter(i)`` makes varied, lint-clean letter content without a database: reminders,
demands and demand reminders, one to three invoices, Swedish names with åäö, interest lines, fees,
part payments, now and then a protected identity. Deterministic in ``i``; tests use it too.
"""

from __future__ import annotations

import io
import time
from datetime import date, timedelta
from decimal import Decimal
from typing import Final

from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fordra.domain.fees import FeeKind
from fordra.domain.letters import (
    LetterContent,
    LetterFee,
    LetterInterest,
    LetterInvoice,
    LetterParty,
    min_demand_pay_by,
)
from fordra.domain.money import round_half_up
from fordra.domain.ocr import ocr_from_number
from fordra.letters.rendering import Op, binary_streams, page_ops, render_pdf_batch

__all__ = ["SAMPLE_LETTER_DATE", "measure", "sample_letter"]

SAMPLE_LETTER_DATE: Final = date(2026, 11, 23)  # a Monday, a bank day
WARM_UP_LETTERS: Final = 20
LETTERS_MAX: Final = 1_000_000

_AGENCY: Final = LetterParty(
    name="Fordra Inkasso AB",
    identity="559000-0005",
    address_lines=("Box 1234", "111 22 Stockholm"),
    phone="08-123 456 70",
    email="kundtjanst@fordra.example",
)
_CREDITORS: Final = (
    ("Exempelbolaget AB", "556036-0793", "Storgatan 1, 111 22 Stockholm"),
    ("Norrlands Elhandel AB", "556677-8899", "Kraftvägen 4, 903 25 Umeå"),
    ("Bostadsbolaget Älvstaden AB", "556123-4567", "Hamngatan 12, 411 14 Göteborg"),
    ("Tandvården i Växjö AB", "556987-6543", "Södra Järnvägsgatan 3, 352 30 Växjö"),
)
_FIRST_NAMES: Final = ("Åsa", "Märta", "Örjan", "Björn", "Linnéa", "Göran", "Ängla", "Sören")
_LAST_NAMES: Final = ("Öberg", "Ängström", "Ståhl", "Nordén", "Håkansson", "Lindqvist")
_STREETS: Final = ("Storgatan", "Kyrkvägen", "Västra Ågatan", "Björkstigen", "Sjövägen")
_CITIES: Final = (("111 22", "Stockholm"), ("753 20", "Uppsala"), ("582 22", "Linköping"),
                  ("972 31", "Luleå"), ("211 45", "Malmö"))
_TEST_PNR: Final = ("19121212-1212", "20170101-2393", "19440813-9089", "19900602-2397")
_DESCRIPTIONS: Final = ("Elförbrukning oktober", "Tandvård, undersökning", "Hyra november",
                        "Abonnemang bredband", "Reparation av cykel", "")
_KINDS: Final = ("reminder", "demand", "demand_reminder", "demand")
_BANKGIRO: Final = "50501055"
_RATE: Final = Decimal("10.00")  # referensränta 2,00 % + 8 procentenheter (2026)


def sample_letter(i: int) -> LetterContent:
    """Synthetic, lint-clean letter content number ``i`` (deterministic)."""
    kind = _KINDS[i % len(_KINDS)]
    letter_date = SAMPLE_LETTER_DATE
    creditor_name, creditor_orgnr, creditor_address = _CREDITORS[i % len(_CREDITORS)]
    protected = i % 17 == 5
    debtor = _sample_debtor(i, protected=protected)
    invoices: list[LetterInvoice] = []
    interest: list[LetterInterest] = []
    for n in range(1 + i % 3):
        invoice_date = letter_date - timedelta(days=70 + 9 * n + i % 11)
        due_date = invoice_date + timedelta(days=30)
        capital = 9_900 + (i * 7_919 + n * 104_729) % 2_400_000
        number = f"{100_000 + i * 3 + n}"
        invoices.append(
            LetterInvoice(
                invoice_number=number,
                invoice_date=invoice_date,
                due_date=due_date,
                description=_DESCRIPTIONS[(i + n) % len(_DESCRIPTIONS)],
                capital_ore=capital,
            )
        )
        if kind == "reminder":
            continue
        start = due_date + timedelta(days=1)
        days = (letter_date - start).days + 1
        interest.append(
            LetterInterest(
                invoice_number=number,
                start=start,
                end=letter_date,
                days=days,
                capital_ore=capital,
                rate_percent=_RATE,
                amount_ore=round_half_up(Decimal(capital) * _RATE * days / 36_500),
                provisional=False,
            )
        )
    fees = _sample_fees(kind, invoices, letter_date)
    capital_ore = sum(i.capital_ore for i in invoices)
    interest_ore = sum(line.amount_ore for line in interest)
    fees_ore = sum(fee.amount_ore for fee in fees)
    paid_ore = 50_000 if i % 5 == 3 and capital_ore > 50_000 and len(invoices) < 3 else 0
    pay_by = (
        letter_date + timedelta(days=10) if kind == "reminder" else min_demand_pay_by(letter_date)
    )
    return LetterContent(
        kind=kind,
        text=kind,
        letter_date=letter_date,
        case_ref=f"F-{2026_000_000 + i}",
        ocr=ocr_from_number(1_000_000 + i),
        bankgiro=_BANKGIRO,
        creditor=LetterParty(creditor_name, creditor_orgnr, (creditor_address,)),
        agency=_AGENCY,
        debtor=debtor,
        invoices=tuple(invoices),
        interest=tuple(interest),
        fees=tuple(fees),
        capital_ore=capital_ore,
        interest_ore=interest_ore,
        fees_ore=fees_ore,
        paid_ore=paid_ore,
        total_ore=capital_ore + interest_ore + fees_ore - paid_ore,
        pay_by=pay_by,
        reminder_fee_agreed=True,
        protected_identity=protected,
    )


def _sample_debtor(i: int, *, protected: bool) -> LetterParty:
    postal_code, city = _CITIES[i % len(_CITIES)]
    return LetterParty(
        name=f"{_FIRST_NAMES[i % len(_FIRST_NAMES)]} {_LAST_NAMES[(i // 3) % len(_LAST_NAMES)]}",
        identity=_TEST_PNR[i % len(_TEST_PNR)],
        address_lines=() if protected else (
            f"{_STREETS[i % len(_STREETS)]} {1 + i % 97}",
            f"{postal_code} {city.upper()}",
        ),
    )


def _sample_fees(kind: str, invoices: list[LetterInvoice], letter_date: date) -> list[LetterFee]:
    """One påminnelseavgift per reminder letter and one inkassoavgift per inkassokrav, each for
    every invoice the letter lists (DOMAIN.md §2), held by the oldest invoice."""
    fees: list[LetterFee] = []
    numbers = tuple(invoice.invoice_number for invoice in invoices)
    oldest = invoices[-1]  # the invoice dates go back with n
    if kind == "reminder":
        fees.append(LetterFee(FeeKind.REMINDER, 6000, _REMINDER_RULE, oldest.invoice_number,
                              covers=numbers))
    else:
        fees.append(LetterFee(FeeKind.REMINDER, 6000, _REMINDER_RULE, oldest.invoice_number,
                              charged_on=oldest.due_date + timedelta(days=8), covers=numbers))
        fees.append(LetterFee(FeeKind.DEMAND, 18000, _DEMAND_RULE, oldest.invoice_number,
                              charged_on=letter_date if kind == "demand"
                              else letter_date - timedelta(14), covers=numbers))
    return fees


_REMINDER_RULE: Final = "lag (1981:739) 2 § och 4 § andra stycket 1"
_DEMAND_RULE: Final = "lag (1981:739) 3 § 1 och 4 § andra stycket 2"


def measure(*, letters: int) -> dict[str, float]:
    """Render ``letters`` one-page letters in one batch, and the bare baseline; seconds and rates."""
    if not 1 <= letters <= LETTERS_MAX:
        raise ValueError(f"letters must be 1 to {LETTERS_MAX}")
    contents = [sample_letter(i) for i in range(letters)]
    render_pdf_batch(contents[:WARM_UP_LETTERS])  # load texts, labels and font metrics once

    started = time.perf_counter()
    pdf = render_pdf_batch(contents)
    seconds = time.perf_counter() - started

    pages = [page_ops(content) for content in contents]  # the same drawing, prepared untimed
    # The work measured must be the work claimed: one page per letter.
    assert all(len(letter) == 1 for letter in pages), "a sample letter spilled onto a 2nd page"
    assert pdf.startswith(b"%PDF")
    _bare_reportlab(pages[:WARM_UP_LETTERS])
    started = time.perf_counter()
    _bare_reportlab(pages)
    baseline_seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "rate_per_s": letters / seconds,
        "baseline_seconds": baseline_seconds,
        "baseline_rate_per_s": letters / baseline_seconds,
    }


def _bare_reportlab(letters: list[list[list[Op]]]) -> bytes:
    """The same strings, lines and boxes, straight onto a reportlab canvas."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    for letter in letters:
        for ops in letter:
            font = None
            for op in ops:
                kind = op[0]
                if kind in ("s", "r") and font != (op[1], op[2]):
                    font = (op[1], op[2])
                    canvas.setFont(op[1], op[2])
                if kind == "s":
                    canvas.drawString(op[3], op[4], op[5])
                elif kind == "r":
                    canvas.drawRightString(op[3], op[4], op[5])
                elif kind == "g":
                    canvas.setFillGray(op[1])
                elif kind == "l":
                    canvas.setLineWidth(op[5])
                    canvas.line(op[1], op[2], op[3], op[4])
                elif kind == "b":
                    canvas.setLineWidth(op[5])
                    canvas.rect(op[1], op[2], op[3], op[4])
            canvas.showPage()
    with binary_streams():  # the same stream encoding as render_pdf_batch
        canvas.save()
    return buffer.getvalue()
