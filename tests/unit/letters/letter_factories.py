"""Letter content for the rendering tests, built where it is used (no fixture files)."""

from __future__ import annotations

import html
import io
import re
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pypdf import PdfReader

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

LETTER_DATE = date(2026, 11, 23)
RATE = Decimal("10.00")
CREDITOR = LetterParty("Exempelbolaget AB", "556036-0793", ("Storgatan 1, 111 22 Stockholm",))
AGENCY = LetterParty(
    "Fordra Inkasso AB",
    "559000-0005",
    ("Box 1234", "111 22 Stockholm"),
    phone="08-123 456 70",
    email="kundtjanst@fordra.example",
)
DEBTOR = LetterParty("Tolvan Tolvansson", "19121212-1212", ("Lilla Gränd 7", "753 20 UPPSALA"))
REMINDER_RULE = "lag (1981:739) 2 § och 4 § andra stycket 1"
DEMAND_RULE = "lag (1981:739) 3 § 1 och 4 § andra stycket 2"


def an_invoice(n: int, *, capital_ore: int = 125_000, description: str = "") -> LetterInvoice:
    invoice_date = date(2026, 8, 1) + timedelta(days=n)
    return LetterInvoice(
        invoice_number=f"INV-{1000 + n}",
        invoice_date=invoice_date,
        due_date=invoice_date + timedelta(days=30),
        description=description or f"Elförbrukning period {n + 1}",
        capital_ore=capital_ore,
    )


def interest_on(invoice: LetterInvoice, *, end: date = LETTER_DATE) -> LetterInterest:
    start = invoice.due_date + timedelta(days=1)
    days = (end - start).days + 1
    return LetterInterest(
        invoice_number=invoice.invoice_number,
        start=start,
        end=end,
        days=days,
        capital_ore=invoice.capital_ore,
        rate_percent=RATE,
        amount_ore=round_half_up(Decimal(invoice.capital_ore) * RATE * days / 36_500),
        provisional=False,
    )


def a_demand(count: int = 2, /, **changes: Any) -> LetterContent:
    """An inkassokrav over ``count`` invoices: interest on each, a reminder fee on the first, and
    the letter's one collection fee for all of them (DOMAIN.md §2). Totals follow the lines
    unless given in ``changes``."""
    items = tuple(an_invoice(n) for n in range(count))
    numbers = tuple(i.invoice_number for i in items)
    fees = [
        LetterFee(FeeKind.REMINDER, 6000, REMINDER_RULE, items[0].invoice_number,
                  charged_on=items[0].due_date + timedelta(days=7)),
        LetterFee(FeeKind.DEMAND, 18000, DEMAND_RULE, items[0].invoice_number, covers=numbers),
    ]
    fields: dict[str, Any] = {
        "kind": "demand",
        "text": "demand",
        "letter_date": LETTER_DATE,
        "case_ref": "F-2026-0042",
        "ocr": ocr_from_number(42_000),
        "bankgiro": "50501055",
        "creditor": CREDITOR,
        "agency": AGENCY,
        "debtor": DEBTOR,
        "invoices": items,
        "interest": tuple(interest_on(i) for i in items),
        "fees": tuple(fees),
        "paid_ore": 0,
        "pay_by": min_demand_pay_by(LETTER_DATE),
        "reminder_fee_agreed": True,
    }
    fields.update(changes)
    return with_totals(fields)


def a_reminder(count: int = 1, /, **changes: Any) -> LetterContent:
    """A reminder over ``count`` invoices, with its one agreed reminder fee for all of them."""
    items = tuple(an_invoice(n) for n in range(count))
    fees = (
        LetterFee(FeeKind.REMINDER, 6000, REMINDER_RULE, items[0].invoice_number,
                  covers=tuple(i.invoice_number for i in items)),
    )
    return a_demand(
        count,
        **{"kind": "reminder", "text": "reminder", "invoices": items, "interest": (),
           "fees": fees, "pay_by": LETTER_DATE + timedelta(days=10), **changes},
    )


def with_totals(fields: dict[str, Any]) -> LetterContent:
    fields.setdefault("capital_ore", sum(i.capital_ore for i in fields["invoices"]))
    fields.setdefault("interest_ore", sum(i.amount_ore for i in fields["interest"]))
    fields.setdefault("fees_ore", sum(f.amount_ore for f in fields["fees"]))
    fields.setdefault(
        "total_ore",
        fields["capital_ore"] + fields["interest_ore"] + fields["fees_ore"] - fields["paid_ore"],
    )
    return LetterContent(**fields)


def retotal(content: LetterContent, **changes: Any) -> LetterContent:
    """``content`` with ``changes`` and its totals recomputed."""
    fields = {f: getattr(content, f) for f in content.__dataclass_fields__}
    for total in ("capital_ore", "interest_ore", "fees_ore", "total_ore"):
        fields.pop(total)
    fields.update(changes)
    return with_totals(fields)


def pdf_pages(pdf: bytes) -> list[str]:
    """Each page's text as pypdf extracts it, whitespace collapsed to single spaces."""
    reader = PdfReader(io.BytesIO(pdf))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def pdf_text(pdf: bytes) -> str:
    return " ".join(pdf_pages(pdf))


def html_text(document: str) -> str:
    """The visible text of an HTML document, whitespace collapsed."""
    body = re.sub(r"(?s)<(style|title)>.*?</\1>", " ", document)
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", body)).split())

