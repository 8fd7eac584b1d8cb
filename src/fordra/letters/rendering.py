"""Letters to PDF and HTML, from text files (brev som PDF och HTML).

The words are data, not code:

- ``texts/<text>.toml`` — one file per letter text (``reminder``, ``demand``, ``demand_reminder``,
  ``disconnection_warning``, ``rent_forfeiture_notice``, ``case_letter``), Swedish, plain
  language, with the blocks ``title``, ``intro``, ``payment``, ``objection``, ``consequence``,
  ``closing`` (required) and ``subject`` (optional, for e-mail and digital mailboxes). A block is
  one or more paragraphs, one per line, with ``{placeholders}`` from ``PLACEHOLDERS``. A block
  ``<block>_company`` (optional) replaces ``<block>`` when the debtor is a company
  (``LetterContent.debtor_type``): an inkassokrav's consequences differ — for a company the
  application for betalningsföreläggande itself is registered by the credit-reporting firms, for
  a consumer only an utslag gives a betalningsanmärkning (DOMAIN.md §7), so every inkassokrav
  text needs ``consequence_company``.
  ``LetterContent.text`` names the file; the kind ``notice`` defaults to ``case_letter``.
- ``texts/_labels.toml`` — headings, table columns and the Swedish names of the fees, shared by
  both layouts.
- ``templates/letters/letter.html`` — the HTML layout, rendered by a standalone
  ``django.template.Engine`` (autoescape on, no Django settings needed: every value handed to the
  template is already a string).

The PDF is drawn with reportlab's canvas (not platypus: the canvas is several times faster) in
the standard Helvetica font, so the text is extractable and needs no font embedding; Helvetica
covers Windows-1252 (åäö, é, ü, §, –, …), and other characters are replaced by their closest
Latin letter. A4, the agency's sender block top left, the debtor's address in the window of a
C5/E65 right-window envelope (none at all for a protected identity), the invoices, interest lines
and fees as tables that continue on further pages when long (heading and columns repeated), the
summary, the texts, and the payment block (bankgiro, OCR, amount, pay-by date) at the bottom of
the last page. Each page has a footer with the agency's details and "Sida n (m)".

``lint_texts`` checks what only the texts can show (inkassolagen (1974:182) 5 §: how to object and
what happens if the debtor neither pays nor objects); ``lint_all`` adds it to
``fordra.domain.letters.lint_letter``. A letter with any problem must not be sent.

Rendering is deterministic (``invariant`` PDFs: the same letter gives the same bytes).
"""

from __future__ import annotations

import io
import re
import tomllib
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Final

from django.template import Context, Engine
from reportlab import rl_config
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from fordra.domain.fees import DebtorType, FeeSchedule
from fordra.domain.identifiers import IdentifierError, format_bankgiro
from fordra.domain.letters import (
    INKASSOKRAV_KINDS,
    LetterContent,
    LetterParty,
    LintProblem,
    lint_letter,
)
from fordra.domain.money import format_amount

__all__ = [
    "COMPANY_SUFFIX",
    "DEFAULT_TEXTS",
    "OPTIONAL_TEXT_KEYS",
    "PLACEHOLDERS",
    "REQUIRED_TEXT_KEYS",
    "LetterTextError",
    "binary_streams",
    "letter_texts",
    "lint_all",
    "lint_texts",
    "load_labels",
    "load_texts",
    "page_ops",
    "render_html",
    "render_pdf",
    "render_pdf_batch",
    "text_names",
]

REQUIRED_TEXT_KEYS: Final = ("title", "intro", "payment", "objection", "consequence", "closing")
COMPANY_SUFFIX: Final = "_company"  # "<block>_company": that block's wording for a company debtor
OPTIONAL_TEXT_KEYS: Final = (
    "subject",
    *(f"{key}{COMPANY_SUFFIX}" for key in (*REQUIRED_TEXT_KEYS, "subject")),
)
# The texts file a kind uses when LetterContent.text is empty or names no file of its own.
DEFAULT_TEXTS: Final[Mapping[str, str]] = {"notice": "case_letter"}
PLACEHOLDERS: Final = (
    "creditor",  # creditor name
    "creditor_identity",  # its organisationsnummer (display form)
    "agency",  # the collecting agency's name
    "agency_identity",
    "agency_address",  # its postal address on one line
    "agency_phone",
    "agency_email",
    "agency_contact",  # "per e-post till … eller per telefon …" (what the agency has)
    "debtor",
    "case_ref",
    "ocr",
    "bankgiro",  # formatted NNN-NNNN / NNNN-NNNN
    "total",  # amounts formatted "1 234,50 kr"
    "capital",
    "interest",
    "fees",
    "paid",
    "pay_by",  # dates ISO YYYY-MM-DD
    "letter_date",
    "invoice_numbers",  # "1001, 1002"
    "invoice_count",
)
TEXTS_PACKAGE: Final = "fordra.letters"
TEMPLATE_NAME: Final = "letters/letter.html"
LABELS_FILE: Final = "_labels"
TEXT_FILE_BYTES_MAX: Final = 64_000


class LetterTextError(ValueError):
    """A letter text is missing or malformed; ``code`` is the lint code it maps to."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


# --- texts ---------------------------------------------------------------------------------


def _texts_dir() -> Path:
    return Path(str(resources.files(TEXTS_PACKAGE).joinpath("texts")))


@cache
def text_names() -> tuple[str, ...]:
    """The letter texts shipped: file names without ``.toml`` (``_labels`` excluded)."""
    return tuple(
        sorted(p.stem for p in _texts_dir().glob("*.toml") if not p.stem.startswith("_"))
    )


def _read_toml(name: str) -> dict[str, Any]:
    path = _texts_dir() / f"{name}.toml"
    if not path.is_file():
        raise LetterTextError("unknown_text", f"no letter text {name!r} (texts/{name}.toml)")
    data = path.read_bytes()
    if len(data) > TEXT_FILE_BYTES_MAX:
        raise LetterTextError("text_invalid", f"texts/{name}.toml is over {TEXT_FILE_BYTES_MAX} bytes")
    try:
        return tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise LetterTextError("text_invalid", f"texts/{name}.toml does not parse: {exc}") from exc


@cache
def load_texts(name: str) -> Mapping[str, str]:
    """The blocks of ``texts/<name>.toml``, checked (required keys, strings, known keys)."""
    data = _read_toml(name)
    unknown = set(data) - set(REQUIRED_TEXT_KEYS) - set(OPTIONAL_TEXT_KEYS)
    if unknown:
        raise LetterTextError("text_invalid", f"texts/{name}.toml: unknown keys {sorted(unknown)}")
    missing = [key for key in REQUIRED_TEXT_KEYS if key not in data]
    if missing:
        raise LetterTextError("text_invalid", f"texts/{name}.toml: missing keys {missing}")
    blocks: dict[str, str] = {}
    for key, value in data.items():
        if not isinstance(value, str):
            raise LetterTextError("text_invalid", f"texts/{name}.toml: {key} is not a string")
        blocks[key] = value.strip()
    blocks.setdefault("subject", blocks["title"])
    return blocks


@cache
def load_labels() -> Mapping[str, Mapping[str, str]]:
    """``_labels.toml``: ``{"labels": {...}, "fees": {...}}``."""
    data = _read_toml(LABELS_FILE)
    return {section: dict(values) for section, values in data.items()}


def _text_name(content: LetterContent) -> str:
    name = content.text or content.kind
    if name in DEFAULT_TEXTS and name not in text_names():
        return DEFAULT_TEXTS[name]
    return name


def _placeholders(content: LetterContent) -> dict[str, str]:
    agency = content.agency
    return {
        "creditor": content.creditor.name,
        "creditor_identity": content.creditor.identity,
        "agency": agency.name,
        "agency_identity": agency.identity,
        "agency_address": ", ".join(line for line in agency.address_lines if line.strip()),
        "agency_phone": agency.phone,
        "agency_email": agency.email,
        "agency_contact": _contact_phrase(agency),
        "debtor": content.debtor.name,
        "case_ref": content.case_ref,
        "ocr": content.ocr,
        "bankgiro": _bankgiro(content.bankgiro),
        "total": format_amount(content.total_ore),
        "capital": format_amount(content.capital_ore),
        "interest": format_amount(content.interest_ore),
        "fees": format_amount(content.fees_ore),
        "paid": format_amount(content.paid_ore),
        "pay_by": content.pay_by.isoformat(),
        "letter_date": content.letter_date.isoformat(),
        "invoice_numbers": ", ".join(i.invoice_number for i in content.invoices),
        "invoice_count": str(len(content.invoices)),
    }


def _contact_phrase(party: LetterParty) -> str:
    labels = load_labels()["labels"]
    phone, email = party.phone.strip(), party.email.strip()
    if phone and email:
        return labels["contact_both"].format(email=email, phone=phone)
    if email:
        return labels["contact_email"].format(email=email)
    if phone:
        return labels["contact_phone"].format(phone=phone)
    return ""


def _bankgiro(digits: str) -> str:
    try:
        return format_bankgiro(digits)
    except IdentifierError:
        return digits


def letter_texts(content: LetterContent) -> dict[str, str]:
    """The text blocks of ``content``'s texts file with the placeholders filled in.

    Raises ``LetterTextError`` for an unknown or malformed texts file or placeholder.
    """
    name = _text_name(content)
    blocks = _for_debtor(load_texts(name), company=content.debtor_type == DebtorType.COMPANY)
    values = _placeholders(content)
    filled: dict[str, str] = {}
    for key, block in blocks.items():
        try:
            filled[key] = block.format_map(values)
        except (KeyError, IndexError, ValueError) as exc:
            raise LetterTextError(
                "text_invalid", f"texts/{name}.toml: {key} has a bad placeholder ({exc})"
            ) from exc
    return filled


def _for_debtor(blocks: Mapping[str, str], *, company: bool) -> dict[str, str]:
    """The blocks a debtor reads: ``<block>_company`` instead of ``<block>`` for a company."""
    chosen = {key: block for key, block in blocks.items() if not key.endswith(COMPANY_SUFFIX)}
    if company:
        for key in list(chosen):
            variant = blocks.get(f"{key}{COMPANY_SUFFIX}")
            if variant:
                chosen[key] = variant
    return chosen


def lint_texts(content: LetterContent) -> tuple[LintProblem, ...]:
    """What only the texts can show: they exist, fill in, and (inkassokrav) say how to object
    and what happens if the debtor neither pays nor objects (inkassolagen 5 §)."""
    try:
        texts = letter_texts(content)
    except LetterTextError as exc:
        return (LintProblem(exc.code, str(exc)),)
    problems: list[LintProblem] = []
    if content.kind in INKASSOKRAV_KINDS:
        name = _text_name(content)
        if not texts.get("objection", "").strip():
            problems.append(
                LintProblem(
                    "missing_objection_text",
                    f"texts/{name}.toml has no objection text: an inkassokrav must say how and "
                    f"by when ({content.pay_by}) to object (inkassolagen 5 §)",
                )
            )
        if not texts.get("consequence", "").strip():
            problems.append(
                LintProblem(
                    "missing_consequence_text",
                    f"texts/{name}.toml has no consequence text: an inkassokrav must say what "
                    "happens if the debtor neither pays nor objects (inkassolagen 5 §)",
                )
            )
        elif content.debtor_type == DebtorType.COMPANY and not load_texts(name).get(
            f"consequence{COMPANY_SUFFIX}", ""
        ):
            # The consumer's wording ("only an utslag gives a betalningsanmärkning") misstates
            # the consequences for a company, whose BF application is itself registered.
            problems.append(
                LintProblem(
                    "missing_company_consequence_text",
                    f"texts/{name}.toml has no consequence_company text: an inkassokrav to a "
                    "company must say that the application for betalningsföreläggande itself is "
                    "registered by credit-reporting firms (inkassolagen 5 §; DOMAIN.md §7)",
                )
            )
    return tuple(problems)


def lint_all(content: LetterContent, *, schedule: FeeSchedule) -> tuple[LintProblem, ...]:
    """``lint_letter`` (content) and ``lint_texts`` (texts) together."""
    return lint_letter(content, schedule=schedule) + lint_texts(content)


# --- the view: every value the layouts show, as text ----------------------------------------


@dataclass(frozen=True)
class _View:
    texts: dict[str, str]
    paragraphs: dict[str, list[str]]
    labels: Mapping[str, str]
    invoices: list[dict[str, str]]
    interest: list[dict[str, str]]
    interest_note: str
    provisional: bool
    fees: list[dict[str, str]]
    fee_rules: str
    summary: list[dict[str, Any]]
    debtor_lines: tuple[str, ...]
    footer: str
    values: dict[str, str]
    # A plan letter's installments; the payment block then shows the first one.
    schedule: list[dict[str, str]]
    payment: dict[str, str]


def _view(content: LetterContent) -> _View:
    labels = load_labels()["labels"]
    fee_names = load_labels()["fees"]
    texts = letter_texts(content)
    values = _placeholders(content)
    invoices = [
        {
            "number": i.invoice_number,
            "invoice_date": i.invoice_date.isoformat(),
            "due_date": i.due_date.isoformat(),
            "description": i.description.strip() or labels["no_description"],
            "capital": format_amount(i.capital_ore),
        }
        for i in content.invoices
    ]
    mark = labels["provisional_mark"]
    interest = [
        {
            "invoice": line.invoice_number,
            "period": f"{line.start.isoformat()} – {line.end.isoformat()}",
            "days": str(line.days),
            "capital": format_amount(line.capital_ore),
            "rate": _percent(line.rate_percent) + (mark if line.provisional else ""),
            "amount": format_amount(line.amount_ore),
        }
        for line in content.interest
    ]
    interest_to = max((line.end for line in content.interest), default=content.letter_date)
    fees = _fee_rows(content, labels=labels, fee_names=fee_names)
    rules = list(dict.fromkeys(fee.rule for fee in content.fees if fee.rule.strip()))
    summary = _summary(content, labels, values)
    footer_parts = _footer_parts(content.agency, labels)
    return _View(
        texts=texts,
        paragraphs={key: _paragraphs(block) for key, block in texts.items()},
        labels=labels,
        invoices=invoices,
        interest=interest,
        interest_note=labels["interest_note"].format(interest_to=interest_to.isoformat()),
        provisional=any(line.provisional for line in content.interest),
        fees=fees,
        fee_rules=labels["fee_rules"].format(rules="; ".join(rules)) if rules else "",
        summary=summary,
        # Protected identity (skyddade personuppgifter): never an address, whatever we were given.
        debtor_lines=() if content.protected_identity else tuple(
            line for line in content.debtor.address_lines if line.strip()
        ),
        footer=" · ".join(part for part in footer_parts if part.strip()),
        values=values,
        schedule=[
            {"number": str(line.number), "due_date": line.due_date.isoformat(),
             "amount": format_amount(line.amount_ore), "ocr": line.ocr}
            for line in content.schedule
        ],
        payment=_payment_fields(content, labels, values),
    )


def _summary(
    content: LetterContent, labels: Mapping[str, str], values: Mapping[str, str]
) -> list[dict[str, Any]]:
    """The summary table's rows: capital, interest, fees, paid (if any), and the total."""
    summary: list[dict[str, Any]] = [
        {"label": labels["summary_capital"], "amount": values["capital"], "total": False},
        {"label": labels["summary_interest"], "amount": values["interest"], "total": False},
        {"label": labels["summary_fees"], "amount": values["fees"], "total": False},
    ]
    if content.paid_ore:
        summary.append(
            {"label": labels["summary_paid"], "amount": format_amount(-content.paid_ore),
             "total": False}
        )
    summary.append({"label": labels["summary_total"], "amount": values["total"], "total": True})
    return summary


def _footer_parts(agency: LetterParty, labels: Mapping[str, str]) -> list[str]:
    footer_parts = [agency.name, *agency.address_lines]
    if agency.phone:
        footer_parts.append(f"{labels['phone']} {agency.phone}")
    if agency.email:
        footer_parts.append(f"{labels['email']} {agency.email}")
    if agency.identity:
        footer_parts.append(f"{labels['identity']} {agency.identity}")
    return footer_parts


def _payment_fields(content: LetterContent, labels: Mapping[str, str],
                    values: Mapping[str, str]) -> dict[str, str]:
    """What the payment block asks for: the whole amount, or a plan's first installment."""
    if content.schedule:
        first = content.schedule[0]
        return {"ocr": first.ocr, "amount_label": labels["schedule_first"],
                "amount": format_amount(first.amount_ore), "pay_by": first.due_date.isoformat()}
    return {"ocr": content.ocr, "amount_label": labels["pay_amount"], "amount": values["total"],
            "pay_by": values["pay_by"]}


def _fee_rows(content: LetterContent, *, labels: Mapping[str, str],
              fee_names: Mapping[str, str]) -> list[dict[str, str]]:
    """One row per kind and amount: "Inkassoavgift" or "Förseningsersättning, 2 × 450,00 kr",
    with the invoices it was charged on and the row's sum (each cost stays separate by kind).

    A letter's one påminnelseavgift or inkassoavgift (DOMAIN.md §2) is its own row naming every
    invoice it was charged for (``LetterFee.covers``): one fee, never "n × 180,00 kr"."""
    groups: dict[tuple[str, int, tuple[str, ...]], list[str]] = {}
    for fee in content.fees:
        groups.setdefault((fee.kind.value, fee.amount_ore, fee.covers), []).append(
            fee.invoice_number or labels["fee_case"]
        )
    all_invoices = {i.invoice_number for i in content.invoices}
    rows = []
    for (kind, amount, covers), invoices in groups.items():
        label = fee_names.get(kind, kind)
        if len(invoices) > 1:
            label = f"{label}, {len(invoices)} × {format_amount(amount)}"
        shown = list(covers) or invoices
        covers_all = len(shown) > 2 and set(shown) == all_invoices
        rows.append(
            {
                "label": label,
                "invoice": labels["fee_all_invoices"] if covers_all else ", ".join(shown),
                "amount": format_amount(amount * len(invoices)),
            }
        )
    return rows


def _paragraphs(block: str) -> list[str]:
    return [_glue(line.strip()) for line in block.splitlines() if line.strip()]


_GLUED_SPACE = re.compile(r"(?<=\d) (?=\d|kr\b|%|§)")


def _glue(text: str) -> str:
    """No line break inside an amount, a phone number or a postal code ("1 234,50 kr",
    "08-123 456 70", "111 22", "10,00 %", "44 §"): those spaces become no-break spaces."""
    return _GLUED_SPACE.sub("\u00a0", text)


def _percent(value: Decimal) -> str:
    return f"{value:.2f}".replace(".", ",") + " %"


# --- HTML ----------------------------------------------------------------------------------


@cache
def _engine() -> Engine:
    templates = Path(str(resources.files(TEXTS_PACKAGE).joinpath("templates")))
    return Engine(dirs=[str(templates)], autoescape=True)


def render_html(content: LetterContent) -> str:
    """The letter as one HTML document (UTF-8, self-contained, autoescaped)."""
    view = _view(content)
    debtor = content.debtor
    context = {
        "kind": content.kind,
        "texts": view.texts,
        "paragraphs": view.paragraphs,
        "labels": view.labels,
        "letter_date": view.values["letter_date"],
        "case_ref": content.case_ref,
        "ocr": content.ocr,
        "bankgiro": view.values["bankgiro"],
        "total": view.values["total"],
        "pay_by": view.values["pay_by"],
        "agency": _party(content.agency, content.agency.address_lines),
        "creditor": _party(content.creditor, content.creditor.address_lines),
        "debtor": _party(debtor, view.debtor_lines),
        "invoices": view.invoices,
        "interest": view.interest,
        "interest_note": view.interest_note,
        "provisional": view.provisional,
        "fees": view.fees,
        "fee_rules": view.fee_rules,
        "summary": view.summary,
        "footer": view.footer,
        "schedule": view.schedule,
        "schedule_note": content.schedule_note,
        "payment": view.payment,
    }
    template = _engine().get_template(TEMPLATE_NAME)
    return str(template.render(Context(context, autoescape=True)))


def _party(party: LetterParty, lines: Sequence[str]) -> dict[str, Any]:
    return {
        "name": party.name,
        "identity": party.identity,
        "address_lines": [line for line in lines if line.strip()],
        "phone": party.phone,
        "email": party.email,
    }


# --- PDF: layout -----------------------------------------------------------------------------
#
# The layout produces, per page, a list of drawing operations (plain tuples); ``_draw`` replays
# them on a reportlab canvas. Keeping the two apart lets the benchmark replay exactly the same
# calls on a bare canvas (fordra.letters.bench) and lets the page count be known before the
# footers ("Sida n (m)") are drawn.
#   ("s", font, size, x, y, text)   drawString          ("r", ...) drawRightString
#   ("l", x1, y1, x2, y2, width)    line                ("b", x, y, w, h, width) rectangle
#   ("g", gray)                     fill gray (0 = black)

Op = tuple[Any, ...]

MM: Final = 72 / 25.4
PAGE_W: Final = float(A4[0])
PAGE_H: Final = float(A4[1])
LEFT: Final = 20 * MM
RIGHT: Final = PAGE_W - 18 * MM
WIDTH: Final = RIGHT - LEFT
# The address field for a C5/E65 envelope with a right window (Swedish "H2" placement).
ADDRESS_X: Final = 108 * MM
ADDRESS_TOP: Final = PAGE_H - 47 * MM
ADDRESS_LINES_MAX: Final = 6
CREDITOR_TOP: Final = PAGE_H - 50 * MM
# The body starts below the window, so nothing but the address shows through the envelope.
BODY_TOP_FIRST: Final = PAGE_H - 86 * MM
BODY_TOP_NEXT: Final = PAGE_H - 26 * MM
BODY_BOTTOM: Final = 17 * MM
PAYMENT_BLOCK_Y: Final = 17 * MM
PAYMENT_BLOCK_H: Final = 19 * MM
BODY_BOTTOM_LAST: Final = PAYMENT_BLOCK_Y + PAYMENT_BLOCK_H + 2 * MM
FOOTER_Y: Final = 9 * MM

FONT: Final = "Helvetica"
BOLD: Final = "Helvetica-Bold"
TEXT_SIZE: Final = 8.8
TEXT_LEADING: Final = 10.4
PARAGRAPH_GAP: Final = 3.2
HEADING_SIZE: Final = 9.2
HEADING_H: Final = 13.0
TABLE_SIZE: Final = 8.3
TABLE_HEAD_SIZE: Final = 7.2
ROW_H: Final = 10.2
NOTE_SIZE: Final = 7.2
NOTE_LEADING: Final = 8.6
TITLE_SIZE: Final = 14.0
GRAY: Final = 0.35


class _Layout:
    """Flows blocks of text down pages; ``pages`` holds each page's operations."""

    def __init__(self, *, continuation: Sequence[Op]) -> None:
        self.pages: list[list[Op]] = [[]]
        self.ops = self.pages[0]
        self.y: float = BODY_TOP_FIRST
        self._continuation = continuation

    def new_page(self) -> None:
        self.ops = list(self._continuation)
        self.pages.append(self.ops)
        self.y = BODY_TOP_NEXT

    def fits(self, height: float) -> bool:
        return self.y - height >= BODY_BOTTOM

    def ensure(self, height: float) -> bool:
        """Start a new page unless ``height`` fits; True if a page was started."""
        if self.fits(height):
            return False
        self.new_page()
        return True

    def line_of_text(self, text: str, *, font: str = FONT, size: float = TEXT_SIZE,
                     leading: float = TEXT_LEADING, x: float = LEFT) -> None:
        self.ensure(leading)
        self.y -= leading
        self.ops.append(("s", font, size, x, self.y + 0.22 * leading, _safe(text)))

    def paragraph(self, text: str, *, font: str = FONT, size: float = TEXT_SIZE,
                  leading: float = TEXT_LEADING, gap: float = PARAGRAPH_GAP) -> None:
        for line in _wrap(_safe(text), font, size, WIDTH):
            self.line_of_text(line, font=font, size=size, leading=leading)
        self.y -= gap


@dataclass(frozen=True)
class _Column:
    x: float  # left edge, or right edge when right-aligned
    width: float
    right: bool = False
    wrap: bool = False  # long text continues on more lines (else it is cut with "…")


CELL_LINES_MAX: Final = 4


def _table(layout: _Layout, *, heading: str, continued: str, columns: Sequence[_Column],
           header: Sequence[str] | None, rows: Sequence[Sequence[str]],
           bold_last: bool = False) -> None:
    """A heading, a column header and rows; continues on the next page with both repeated."""

    def head(title: str) -> None:
        layout.y -= HEADING_H
        layout.ops.append(("s", BOLD, HEADING_SIZE, LEFT, layout.y + 3.5, _safe(title)))
        if header is None:
            layout.y -= 2
        else:
            layout.y -= ROW_H
            layout.ops.append(("g", GRAY))
            for column, text in zip(columns, header, strict=True):
                layout.ops.append(_cell(column, text, TABLE_HEAD_SIZE, FONT, layout.y + 2.6))
            layout.ops.append(("g", 0))
        layout.ops.append(("l", LEFT, layout.y + 0.5, RIGHT, layout.y + 0.5, 0.4))

    layout.ensure(HEADING_H + 2 * ROW_H)
    head(heading)
    for index, row in enumerate(rows):
        font = BOLD if bold_last and index == len(rows) - 1 else FONT
        cells = [_cell_lines(column, text, font) for column, text in zip(columns, row, strict=True)]
        height = ROW_H * max(len(lines) for lines in cells)
        if layout.ensure(height):
            head(f"{heading} ({continued})")
        for column, lines in zip(columns, cells, strict=True):
            for number, line in enumerate(lines, start=1):
                layout.ops.append(
                    ("r" if column.right else "s", font, TABLE_SIZE, column.x,
                     layout.y - number * ROW_H + 2.6, line)
                )
        layout.y -= height


def _cell_lines(column: _Column, text: str, font: str) -> list[str]:
    text = _safe(text)
    if column.wrap and _width(text, font, TABLE_SIZE) > column.width:
        lines = _wrap(text, font, TABLE_SIZE, column.width)[:CELL_LINES_MAX]
        return [_fit(line, font, TABLE_SIZE, column.width) for line in lines]
    return [_fit(text, font, TABLE_SIZE, column.width)]


def _cell(column: _Column, text: str, size: float, font: str, y: float) -> Op:
    text = _fit(_safe(text), font, size, column.width)
    return ("r" if column.right else "s", font, size, column.x, y, text)


@lru_cache(maxsize=65_536)
def _width(text: str, font: str, size: float) -> float:
    """``stringWidth``, remembered: the same words, dates and amounts recur in every batch."""
    return float(stringWidth(text, font, size))


@lru_cache(maxsize=8_192)
def _wrap(text: str, font: str, size: float, width: float) -> tuple[str, ...]:
    """``text`` broken at spaces into lines at most ``width`` points wide (a longer word keeps
    a line of its own). Helvetica's widths add up, so words are measured once each."""
    space = _width(" ", font, size)
    lines: list[str] = []
    words: list[str] = []
    used = 0.0
    for word in text.split(" "):  # at plain spaces only: no-break spaces hold
        if not word:
            continue
        word_width = _width(word, font, size)
        if words and used + space + word_width > width:
            lines.append(" ".join(words))
            words, used = [word], word_width
        else:
            used = used + space + word_width if words else word_width
            words.append(word)
    if words:
        lines.append(" ".join(words))
    return tuple(lines)


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` cut with "…" to ``width`` points (rarely needed: columns are sized for data)."""
    full = _width(text, font, size)
    if full <= width:
        return text
    cut = max(1, int(len(text) * width / full))  # about right; then step back to fit
    while cut > 1 and stringWidth(text[:cut] + "…", font, size) > width:
        cut -= 1
    return text[:cut].rstrip() + "…"


_FALLBACK = str.maketrans({"Ł": "L", "ł": "l", "Đ": "D", "đ": "d", "ı": "i", "Ħ": "H", "ħ": "h",
                           "\u2212": "-", "\u202f": "\u00a0"})


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]+")


def _safe(text: str) -> str:
    """Text Helvetica (WinAnsi) can show on one line: control characters (tabs, line breaks)
    become a space, characters outside Windows-1252 their base letter or "?"."""
    if _CONTROL.search(text):
        text = _CONTROL.sub(" ", text)
    if text.isascii():
        return text
    try:
        text.encode("cp1252")
    except UnicodeEncodeError:
        return "".join(_safe_char(ch) for ch in text.translate(_FALLBACK))
    return text


def _safe_char(ch: str) -> str:
    try:
        ch.encode("cp1252")
    except UnicodeEncodeError:
        base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
        try:
            base.encode("cp1252")
        except UnicodeEncodeError:
            return "?"
        return base or "?"
    return ch


def page_ops(content: LetterContent) -> list[list[Op]]:
    """The drawing operations of each page of ``content`` (the PDF layout, without drawing)."""
    view = _view(content)
    labels = view.labels
    values = view.values
    title = view.texts["title"]

    continuation: list[Op] = [
        ("s", BOLD, 9, LEFT, PAGE_H - 16 * MM, _safe(content.agency.name)),
        ("r", FONT, 8.5, RIGHT, PAGE_H - 16 * MM,
         _safe(f"{title} · {labels['case_ref']} {content.case_ref}")),
        ("l", LEFT, PAGE_H - 18 * MM, RIGHT, PAGE_H - 18 * MM, 0.4),
    ]
    layout = _Layout(continuation=continuation)
    first = layout.ops
    _sender_block(first, content, labels)
    _meta_block(first, content, labels)
    _address_block(first, content.debtor.name, view.debtor_lines)
    _creditor_block(first, content.creditor, labels)

    layout.y -= TITLE_SIZE + 4
    first.append(("s", BOLD, TITLE_SIZE, LEFT, layout.y, _safe(title)))
    layout.y -= 6
    for paragraph in view.paragraphs["intro"]:
        layout.paragraph(paragraph)

    _claim_tables(layout, view)
    _summary_tables(layout, view, content.schedule_note)
    layout.y -= 4
    for key in ("payment", "objection", "consequence"):
        for paragraph in view.paragraphs[key]:
            layout.paragraph(paragraph)
    # The closing stays with the payment block, so that no page holds the payment block alone.
    closing = view.paragraphs["closing"]
    closing_height = sum(
        len(_wrap(_safe(p), FONT, TEXT_SIZE, WIDTH)) * TEXT_LEADING + PARAGRAPH_GAP
        for p in closing
    )
    if layout.y - closing_height < BODY_BOTTOM_LAST:
        layout.new_page()
    for paragraph in closing:
        layout.paragraph(paragraph)
    _payment_block(layout.ops, labels, values, view.payment)

    pages = layout.pages
    for number, ops in enumerate(pages, start=1):
        ops.extend(_footer(view.footer, labels["page"].format(page=number, pages=len(pages))))
    return pages



def _claim_tables(layout: _Layout, view: _View) -> None:
    """The invoices, the interest on them (with its notes) and the fees (with their rules)."""
    labels = view.labels
    _table(
        layout,
        heading=labels["invoices"],
        continued=labels["continued"],
        columns=_INVOICE_COLUMNS,
        header=[labels["invoice_number"], labels["invoice_date"], labels["due_date"],
                labels["description"], labels["amount"]],
        rows=[[i["number"], i["invoice_date"], i["due_date"], i["description"], i["capital"]]
              for i in view.invoices],
    )
    if view.interest:
        _table(
            layout,
            heading=labels["interest"],
            continued=labels["continued"],
            columns=_INTEREST_COLUMNS,
            header=[labels["interest_invoice"], labels["period"], labels["days"],
                    labels["capital"], labels["rate"], labels["interest_amount"]],
            rows=[[line["invoice"], line["period"], line["days"], line["capital"], line["rate"],
                   line["amount"]] for line in view.interest],
        )
        _note(layout, view.interest_note)
        if view.provisional:
            _note(layout, labels["provisional_note"])
    if view.fees:
        _table(
            layout,
            heading=labels["fees"],
            continued=labels["continued"],
            columns=_FEE_COLUMNS,
            header=[labels["fee"], labels["fee_invoice"], labels["amount"]],
            rows=[[fee["label"], fee["invoice"], fee["amount"]] for fee in view.fees],
        )
        if view.fee_rules:
            _note(layout, view.fee_rules)


def _summary_tables(layout: _Layout, view: _View, schedule_note: str) -> None:
    """What is owed in all, then a plan's installments (with the plan's note)."""
    labels = view.labels
    _table(
        layout,
        heading=labels["summary"],
        continued=labels["continued"],
        columns=_SUMMARY_COLUMNS,
        header=None,
        rows=[[row["label"], row["amount"]] for row in view.summary],
        bold_last=True,
    )
    if view.schedule:
        _table(
            layout,
            heading=labels["schedule"],
            continued=labels["continued"],
            columns=_SCHEDULE_COLUMNS,
            header=[labels["schedule_number"], labels["due_date"], labels["ocr"],
                    labels["amount"]],
            rows=[[line["number"], line["due_date"], line["ocr"], line["amount"]]
                  for line in view.schedule],
        )
        if schedule_note:
            _note(layout, schedule_note)

_INVOICE_COLUMNS: Final = (
    _Column(LEFT, 78),
    _Column(LEFT + 82, 58),
    _Column(LEFT + 144, 58),
    _Column(LEFT + 206, WIDTH - 206 - 74, wrap=True),
    _Column(RIGHT, 70, right=True),
)
_INTEREST_COLUMNS: Final = (
    _Column(LEFT, 78),
    _Column(LEFT + 82, 112),
    _Column(LEFT + 232, 34, right=True),
    _Column(LEFT + 320, 80, right=True),
    _Column(LEFT + 388, 60, right=True),
    _Column(RIGHT, 70, right=True),
)
_FEE_COLUMNS: Final = (
    _Column(LEFT, 200),
    _Column(LEFT + 206, WIDTH - 206 - 74, wrap=True),
    _Column(RIGHT, 70, right=True),
)
_SCHEDULE_COLUMNS: Final = (
    _Column(LEFT, 70),
    _Column(LEFT + 82, 70),
    _Column(LEFT + 164, 120),
    _Column(RIGHT, 90, right=True),
)
_SUMMARY_COLUMNS: Final = (
    _Column(LEFT, 200),
    _Column(RIGHT, 90, right=True),
)


def _sender_block(ops: list[Op], content: LetterContent, labels: Mapping[str, str]) -> None:
    agency = content.agency
    y = PAGE_H - 17 * MM
    ops.append(("s", BOLD, 12, LEFT, y, _safe(agency.name)))
    y -= 4
    lines = [*agency.address_lines]
    if agency.phone:
        lines.append(f"{labels['phone']} {agency.phone}")
    if agency.email:
        lines.append(f"{labels['email']} {agency.email}")
    if agency.identity:
        lines.append(f"{labels['identity']} {agency.identity}")
    for line in lines[:7]:
        y -= 10
        ops.append(("s", FONT, 8.3, LEFT, y, _fit(_safe(line), FONT, 8.3, ADDRESS_X - LEFT - 8)))


def _meta_block(ops: list[Op], content: LetterContent, labels: Mapping[str, str]) -> None:
    rows = [
        (labels["letter_date"], content.letter_date.isoformat()),
        (labels["case_ref"], content.case_ref),
        (labels["ocr"], content.ocr),
    ]
    if content.debtor.identity:
        rows.append((labels["debtor_identity"], content.debtor.identity))
    y = PAGE_H - 17 * MM
    for label, value in rows:
        ops.append(("s", FONT, 8.3, ADDRESS_X, y, _safe(label)))
        ops.append(("s", BOLD, 8.3, ADDRESS_X + 72, y, _safe(value)))
        y -= 10.5


def _address_block(ops: list[Op], name: str, lines: Sequence[str]) -> None:
    y = ADDRESS_TOP
    for line in [name, *lines][:ADDRESS_LINES_MAX]:
        y -= 12
        ops.append(("s", FONT, 10, ADDRESS_X, y, _fit(_safe(line), FONT, 10, RIGHT - ADDRESS_X)))


def _creditor_block(ops: list[Op], creditor: LetterParty, labels: Mapping[str, str]) -> None:
    """Who the claim belongs to, left of the address window (outside it)."""
    y = CREDITOR_TOP
    ops.append(("g", GRAY))
    ops.append(("s", FONT, 7.2, LEFT, y, _safe(labels["creditor"])))
    ops.append(("g", 0))
    lines = [(BOLD, creditor.name)]
    if creditor.identity:
        lines.append((FONT, f"{labels['identity']} {creditor.identity}"))
    lines.extend((FONT, line) for line in creditor.address_lines if line.strip())
    if creditor.phone:
        lines.append((FONT, f"{labels['phone']} {creditor.phone}"))
    if creditor.email:
        lines.append((FONT, f"{labels['email']} {creditor.email}"))
    width = ADDRESS_X - LEFT - 8
    for font, line in lines[:6]:
        y -= 10
        ops.append(("s", font, 8.3, LEFT, y, _fit(_safe(line), font, 8.3, width)))


def _note(layout: _Layout, text: str) -> None:
    layout.y -= 1.5
    layout.ops.append(("g", GRAY))
    for line in _wrap(_safe(_glue(text)), FONT, NOTE_SIZE, WIDTH):
        layout.ensure(NOTE_LEADING)
        layout.y -= NOTE_LEADING
        layout.ops.append(("s", FONT, NOTE_SIZE, LEFT, layout.y + 2, line))
    layout.ops.append(("g", 0))


def _payment_block(ops: list[Op], labels: Mapping[str, str], values: Mapping[str, str],
                   payment: Mapping[str, str]) -> None:
    top = PAYMENT_BLOCK_Y + PAYMENT_BLOCK_H
    ops.append(("b", LEFT, PAYMENT_BLOCK_Y, WIDTH, PAYMENT_BLOCK_H, 1.2))
    ops.append(("s", BOLD, 8, LEFT + 6, top - 11, _safe(labels["payment_block"])))
    fields = (
        (labels["bankgiro"], values["bankgiro"]),
        (labels["ocr"], payment["ocr"]),
        (payment["amount_label"], payment["amount"]),
        (labels["pay_by"], payment["pay_by"]),
    )
    column = (WIDTH - 12) / len(fields)
    for index, (label, value) in enumerate(fields):
        x = LEFT + 6 + index * column
        ops.append(("g", GRAY))
        ops.append(("s", FONT, 7.2, x, top - 25, _safe(label)))
        ops.append(("g", 0))
        ops.append(("s", BOLD, 11.5, x, top - 40, _fit(_safe(value), BOLD, 11.5, column - 6)))


def _footer(text: str, page: str) -> Iterator[Op]:
    yield ("l", LEFT, FOOTER_Y + 9, RIGHT, FOOTER_Y + 9, 0.3)
    yield ("g", GRAY)
    yield ("s", FONT, 6.8, LEFT, FOOTER_Y, _fit(_safe(text), FONT, 6.8, WIDTH - 60))
    yield ("r", FONT, 6.8, RIGHT, FOOTER_Y, _safe(page))
    yield ("g", 0)


# --- PDF: drawing --------------------------------------------------------------------------


def _draw(canvas: Canvas, ops: Sequence[Op]) -> None:
    font: tuple[str, float] | None = None
    for op in ops:
        kind = op[0]
        if kind == "s" or kind == "r":
            if font != (op[1], op[2]):
                font = (op[1], op[2])
                canvas.setFont(op[1], op[2])
            if kind == "s":
                canvas.drawString(op[3], op[4], op[5])
            else:
                canvas.drawRightString(op[3], op[4], op[5])
        elif kind == "g":
            canvas.setFillGray(op[1])
        elif kind == "l":
            canvas.setLineWidth(op[5])
            canvas.line(op[1], op[2], op[3], op[4])
        elif kind == "b":
            canvas.setLineWidth(op[5])
            canvas.rect(op[1], op[2], op[3], op[4], stroke=1, fill=0)
        else:  # pragma: no cover - the layout makes only the kinds above
            raise ValueError(f"unknown drawing operation {kind!r}")


def render_pdf(content: LetterContent) -> bytes:
    """One letter as a PDF."""
    return render_pdf_batch([content])


def render_pdf_batch(contents: Sequence[LetterContent]) -> bytes:
    """One PDF with the letters in order, each starting on a new page (a print batch)."""
    if not contents:
        raise ValueError("no letters to render")
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True, pageCompression=1)
    first = contents[0]
    canvas.setTitle(_safe(f"{first.agency.name}: {len(contents)} brev"))
    canvas.setAuthor(_safe(first.agency.name))
    canvas.setCreator("Fordra")
    for content in contents:
        for ops in page_ops(content):
            _draw(canvas, ops)
            canvas.showPage()
    with binary_streams():
        canvas.save()
    return buffer.getvalue()


@contextmanager
def binary_streams() -> Iterator[None]:
    """Save PDF streams Flate-compressed without reportlab's extra ASCII85 layer.

    ASCII85 keeps a PDF 7-bit clean, which no printer, viewer or mailbox needs; without it the
    files are about 20 % smaller and saving a batch is about a quarter faster (reportlab's
    encoder is pure Python). ``rl_config.useA85`` is global, so it is set only while saving and
    restored after; a PDF saved meanwhile on another thread is valid either way.
    """
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved
