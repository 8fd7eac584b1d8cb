"""Claims CSV: the file in which a creditor hands over its unpaid invoices (DESIGN.md §4.3).

Encoding and layout
-------------------
* UTF-8, with or without a byte-order mark. Anything else is rejected with one error on line 1.
* The separator is ``,`` or ``;``, detected from the header line (the one that splits the header
  into more known column names wins). Fields may be quoted with ``"`` (``""`` inside quotes is a
  quote), so ``"1 234,50"`` works in a comma-separated file.
* Line 1 is the header. Names are case-insensitive and stripped; order is free; unknown columns
  are ignored (so are header cells left empty at the end of the line).
* Blank lines (also lines of nothing but separators and spaces) are skipped.
* Every value is stripped of surrounding spaces before it is checked.

Columns
-------
Required (a missing column stops the check; an empty value is an error):

==================  ==========================================================================
creditor_orgnr      the creditor's organisationsnummer, any common form → 10 digits
invoice_number      the creditor's invoice number; unique per creditor within the file
invoice_date        ``YYYY-MM-DD`` (``YYYYMMDD`` accepted); not after today
due_date            same forms; not before invoice_date
amount              kronor: ``1234.50``, ``1234,50``, ``1 234,50``, ``1234``; not zero; not
                    negative on an invoice
debtor_id           personnummer, samordningsnummer or organisationsnummer in any common form
debtor_name         the debtor's name
address             street address
postal_code         for country SE a postnummer (``123 45`` → ``12345``); otherwise as given
city                post town
==================  ==========================================================================

Optional (absent column and empty value mean the default):

==========================  ==================================================================
currency                    ``SEK`` (the only currency accepted for now)
debtor_type                 ``person`` | ``company``; default from debtor_id. ``person`` with an
                            organisationsnummer is an error; ``company`` with a personnummer is
                            allowed (a sole trader's orgnr is the owner's personnummer)
country                     ISO 3166-1 alpha-2, default ``SE``
email                       must at least look like ``name@domain.tld``
phone                       kept as given
description                 kept as given
reminder_fee_agreed         ``yes``/``no`` (also ``ja``/``nej``, ``true``/``false``, ``1``/``0``);
                            empty: the creditor agreement's setting
interest_rate               agreed yearly rate in percent, ``8.5`` or ``8,5`` (a trailing ``%``
                            is allowed), 0–100; empty: the statutory rate
kind                        ``invoice`` (default) | ``credit_note``
limitation_interrupted_on   date of the last known preskriptionsavbrott; not after today
==========================  ==================================================================

Keyword values (currency, debtor_type, country, kind, reminder_fee_agreed) are case-insensitive.
A credit note's amount is stored negative whatever sign the file used.

Errors
------
The file is imported whole or not at all, so every problem is reported, never only the first:
each is a :class:`LineError` whose ``str()`` is ``line N: column: message``. ``N`` is the
physical line in the file (header = line 1; a quoted value spanning lines counts them all).
Problems with the whole file use the column name ``file``; a line with the wrong number of
fields uses ``fields`` and is not checked further (its values would be in the wrong columns).
A value with a control character (NUL, ESC, …; TAB and line breaks are allowed) is an error in
its column, and the line is not checked further.
A line with the same (creditor_orgnr, invoice_number) as an earlier one is reported on
``invoice_number``, naming the earlier line. Lines without errors are returned as
:class:`ClaimRow` even when other lines have errors; the caller decides (all or nothing).

Limits: :data:`MAX_FILE_BYTES`, :data:`MAX_ROWS`, :data:`MAX_FIELD_CHARS`,
:data:`MAX_AMOUNT_ORE`, and :data:`MAX_ERRORS` (checking stops after that many errors, the
file being rejected anyway).

>>> f = parse_claims_csv(
...     "creditor_orgnr;invoice_number;invoice_date;due_date;amount;debtor_id;debtor_name;"
...     "address;postal_code;city\\n"
...     "552033-1009;F1001;2024-03-01;2024-03-31;1 234,50;19121212-1212;Tolvan Tolvansson;"
...     "Storgatan 1;111 22;Stockholm\\n".encode(),
...     today=date(2024, 5, 1),
... )
>>> f.errors, f.rows[0].amount_ore, f.rows[0].debtor.number, f.rows[0].postal_code
((), 123450, '191212121212', '11122')
"""

from __future__ import annotations

import csv
import gc
import hashlib
import io
import re
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import partial
from operator import itemgetter
from typing import Final, Literal, NamedTuple, Protocol, TypeVar

from fordra.domain.identifiers import (
    PartyId,
    PartyKind,
    normalise_postal_code,
    parse_orgnr,
    parse_party_id,
)
from fordra.domain.money import parse_amount
from fordra.domain.text import CONTROL_CHARACTER

ClaimKind = Literal["invoice", "credit_note"]
DebtorTypeName = Literal["person", "company"]

REQUIRED_COLUMNS: Final[tuple[str, ...]] = (
    "creditor_orgnr",
    "invoice_number",
    "invoice_date",
    "due_date",
    "amount",
    "debtor_id",
    "debtor_name",
    "address",
    "postal_code",
    "city",
)
OPTIONAL_COLUMNS: Final[tuple[str, ...]] = (
    "currency",
    "debtor_type",
    "country",
    "email",
    "phone",
    "description",
    "reminder_fee_agreed",
    "interest_rate",
    "kind",
    "limitation_interrupted_on",
)
COLUMNS: Final[tuple[str, ...]] = REQUIRED_COLUMNS + OPTIONAL_COLUMNS

MAX_FILE_BYTES: Final = 512 * 1024 * 1024
MAX_ROWS: Final = 2_000_000
MAX_FIELD_CHARS: Final = 1000
# Checking stops here: the file is rejected anyway and nobody reads a longer list, while a
# garbage 2-million-line file would otherwise build tens of millions of error objects.
MAX_ERRORS: Final = 10_000
# 1 000 000 000 kr: far above any invoice, far below what a 64-bit database column holds.
MAX_AMOUNT_ORE: Final = 100_000_000_000
INTEREST_RATE_MAX_PERCENT: Final = Decimal(100)

FILE_COLUMN: Final = "file"
FIELDS_COLUMN: Final = "fields"

_MIB: Final = 1024 * 1024
_DEFAULT_CURRENCY: Final = "SEK"
_DEFAULT_COUNTRY: Final = "SE"
_YES_NO: Final[dict[str, bool | None]] = {
    "": None,
    "yes": True,
    "ja": True,
    "true": True,
    "1": True,
    "no": False,
    "nej": False,
    "false": False,
    "0": False,
}
_KINDS: Final[dict[str, ClaimKind]] = {
    "": "invoice",
    "invoice": "invoice",
    "credit_note": "credit_note",
}
_DEBTOR_TYPES: Final[dict[str, DebtorTypeName]] = {"person": "person", "company": "company"}
# ASCII only: str.isdigit() and \d would also accept Arabic-Indic and other digits.
_RATE_RE: Final = re.compile(r"[+-]?[0-9]+(?:[.,][0-9]+)?")


@dataclass(frozen=True)
class LineError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.column}: {self.message}"


class ClaimRow(NamedTuple):
    """One valid line of a claims file, values normalised (see the module docstring).

    A named tuple rather than a frozen dataclass: a file has up to millions of lines, and a
    frozen dataclass of 21 fields costs ~2 µs to build (one ``object.__setattr__`` per field),
    a tuple a tenth of that.
    """

    line: int
    creditor_orgnr: str
    invoice_number: str
    invoice_date: date
    due_date: date
    amount_ore: int
    kind: ClaimKind
    debtor: PartyId
    debtor_type: DebtorTypeName
    debtor_name: str
    address: str
    postal_code: str
    city: str
    country: str
    email: str
    phone: str
    description: str
    currency: str
    reminder_fee_agreed: bool | None
    interest_rate: Decimal | None
    limitation_interrupted_on: date | None


@dataclass(frozen=True)
class ClaimsFile:
    rows: tuple[ClaimRow, ...]
    errors: tuple[LineError, ...]
    sha256: str

    @property
    def ok(self) -> bool:
        """True when the file can be imported: at least one claim and no errors."""
        return bool(self.rows) and not self.errors


def parse_claims_csv(data: bytes, *, today: date) -> ClaimsFile:
    """Parse and validate a claims file; never raises on bad input, returns its errors."""
    sha256 = hashlib.sha256(data).hexdigest()

    def fail(message: str, line: int = 1) -> ClaimsFile:
        return ClaimsFile(rows=(), errors=(LineError(line, FILE_COLUMN, message),), sha256=sha256)

    if len(data) > MAX_FILE_BYTES:
        return fail(f"the file is larger than {MAX_FILE_BYTES // _MIB} MiB; split it")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bad_line = data.count(b"\n", 0, exc.start) + 1
        return fail(f"the file is not UTF-8 (first invalid byte on line {bad_line})")
    if not text.strip():
        return fail("the file is empty")

    delimiter = _detect_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except csv.Error as exc:
        return fail(f"cannot read the header ({exc})")
    header_errors, layout = _read_header(header)
    if layout is None:
        return ClaimsFile(rows=(), errors=tuple(header_errors), sha256=sha256)

    validator = _RowValidator(layout=layout, today=today)
    with _gc_paused():
        rows, errors = _check_lines(reader, validator=validator, width=layout.width)
    return ClaimsFile(rows=tuple(rows), errors=tuple(errors), sha256=sha256)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while a file is checked.

    A big file creates millions of small objects and none of them form cycles; the collector's
    passes over them cost about 15 % of the parse for nothing. Reference counting still frees
    everything; the collector is restored (if it was on) even when checking fails.
    """
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


class _CsvReader(Protocol):
    """What ``csv.reader`` returns: records, and the number of physical lines read so far."""

    line_num: int

    def __next__(self) -> list[str]: ...


def _check_lines(
    reader: _CsvReader, *, validator: _RowValidator, width: int
) -> tuple[list[ClaimRow], list[LineError]]:
    """Every data line after the header: the valid rows and the errors of the others."""
    rows: list[ClaimRow] = []
    errors: list[LineError] = []
    first_line_of: dict[tuple[str, str], int] = {}
    records = 0
    # csv counts the physical lines it has consumed: a record starts on the line after the
    # previous record ended, also when a quoted value spans lines.
    line_done = reader.line_num
    # Bound once: this loop runs once per line of files of millions of lines.
    validate, claimed = validator.validate, first_line_of.setdefault
    append_row, rows_max, errors_max = rows.append, MAX_ROWS, MAX_ERRORS
    field_chars_max = MAX_FIELD_CHARS
    while True:
        line = line_done + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            line_done = reader.line_num
            errors.append(LineError(line, FIELDS_COLUMN, f"cannot read the line ({exc})"))
            continue
        line_done = reader.line_num
        joined = "".join(record)
        if not joined.strip():
            continue
        records += 1
        if CONTROL_CHARACTER.search(joined):
            errors.extend(validator.control_characters(record, line))
            continue
        if records > rows_max:
            errors.append(_file_error(line, f"more than {MAX_ROWS} claims; split the file"))
            break
        if len(record) != width and not _fits(record, width):
            errors.append(_wrong_width(line, width, len(record)))
        else:
            # No field can be too long when the whole line is not: most lines skip that check.
            result = validate(record, line, len(joined) > field_chars_max)
            if isinstance(result, ClaimRow):
                # (creditor_orgnr, invoice_number): fields 1 and 2.
                first = claimed(result[1:3], line)
                if first == line:
                    append_row(result)
                else:
                    errors.append(_duplicate(line, first))
            else:
                row_errors, key_or_none = result
                errors.extend(row_errors)
                # A line with other errors still claims its invoice number, so that a later
                # line repeating it is reported too.
                if key_or_none is not None:
                    first = claimed(key_or_none, line)
                    if first != line:
                        errors.append(_duplicate(line, first))
        if len(errors) > errors_max:
            errors.append(_file_error(line, f"more than {MAX_ERRORS} errors; checking stopped"))
            break
    if records == 0 and not errors:
        errors.append(LineError(1, FILE_COLUMN, "the file has no claims"))
    return rows, errors


def _file_error(line: int, message: str) -> LineError:
    return LineError(line, FILE_COLUMN, message)


def _wrong_width(line: int, width: int, found: int) -> LineError:
    message = f"expected {width} fields as in the header, found {found}"
    return LineError(line, FIELDS_COLUMN, message)


def _duplicate(line: int, first: int) -> LineError:
    return LineError(
        line,
        "invoice_number",
        f"duplicate of line {first} (same creditor_orgnr and invoice_number)",
    )


def _fits(record: Sequence[str], width: int) -> bool:
    # Spreadsheets often end data lines with extra separators; empty trailing cells are harmless.
    return len(record) > width and not "".join(record[width:]).strip()


def _detect_delimiter(text: str) -> str:
    first_line = io.StringIO(text, newline="").readline()
    known = set(COLUMNS)

    def score(delimiter: str) -> tuple[int, int]:
        names = {cell.strip().strip('"').strip().lower() for cell in first_line.split(delimiter)}
        return len(names & known), first_line.count(delimiter)

    return ";" if score(";") > score(",") else ","


@dataclass(frozen=True)
class _Layout:
    """Where each known column is in the file; -1 for an absent optional column."""

    width: int
    index: dict[str, int]


def _read_header(header: Sequence[str]) -> tuple[list[LineError], _Layout | None]:
    names = [cell.strip().lower() for cell in header]
    while names and not names[-1]:
        names.pop()
    errors: list[LineError] = []
    index: dict[str, int] = {}
    if not set(names) & set(COLUMNS):
        # Not one known column: most likely another kind of file (a payment file, a report).
        return [
            LineError(
                1,
                FILE_COLUMN,
                "this is not a claims file: the first line names none of the claims columns "
                f"({', '.join(REQUIRED_COLUMNS)})",
            )
        ], None
    for position, name in enumerate(names):
        if name not in COLUMNS:
            continue
        if name in index:
            if all(e.column != name for e in errors):
                errors.append(LineError(1, name, "column appears more than once in the header"))
            continue
        index[name] = position
    for name in REQUIRED_COLUMNS:
        if name not in index:
            errors.append(LineError(1, name, "required column is missing"))
    if errors:
        return errors, None
    for name in OPTIONAL_COLUMNS:
        index.setdefault(name, -1)
    return errors, _Layout(width=len(names), index=index)


_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class _Invalid:
    """A remembered parse failure and its reason (the domain's short message)."""

    reason: str


def _remember(
    cache: dict[str, _T | _Invalid], text: str, parse: Callable[[str], _T]
) -> _T | _Invalid:
    """``parse(text)`` stored in ``cache``; a ValueError is stored as ``_Invalid``.

    Callers look the text up with ``cache.get(text)`` first and call this only on a miss: a
    hit then costs one dict lookup and no Python call.
    """
    value: _T | _Invalid
    try:
        value = parse(text)
    except ValueError as exc:
        value = _Invalid(str(exc))
    cache[text] = value
    return value


def _parse_date(text: str) -> date:
    # date.fromisoformat would also take week dates (2024-W01-1); only these two forms are ours.
    if len(text) == 10 and text[4] == "-" and text[7] == "-":
        digits = text[:4] + text[5:7] + text[8:]
    elif len(text) == 8:
        digits = text
    else:
        raise ValueError("not a date")
    if not (digits.isascii() and digits.isdigit()):
        raise ValueError("not a date")
    return date(int(digits[:4]), int(digits[4:6]), int(digits[6:]))


def _parse_amount(text: str) -> int:
    """``parse_amount``, the one amount parser (its fast path for plain forms lives there)."""
    return parse_amount(text)


def _parse_rate(text: str) -> Decimal:
    number = text[:-1].rstrip() if text.endswith("%") else text
    if not _RATE_RE.fullmatch(number):
        raise ValueError("not a number")
    return Decimal(number.replace(",", "."))


def _valid_email(text: str) -> bool:
    local, at, domain = text.rpartition("@")
    return bool(at and local) and "." in domain.strip(".") and len(text.split()) == 1


_NO_COLUMNS: Final[frozenset[str]] = frozenset()
_ORGANISATION: Final = PartyKind.ORGANISATION
_DATE_MESSAGE: Final = "not a valid date (expected YYYY-MM-DD)"
_LIMITATION: Final = "limitation_interrupted_on"
_REQUIRED_COUNT: Final = len(REQUIRED_COLUMNS)  # they come first in the getter's order


class _RowValidator:
    """Checks one record; remembers everything it parses per distinct input text.

    Many invoices share a debtor, a creditor, a postal code and a date, so the caches turn most
    identifier and date parsing into one dict lookup. They live as long as one file (a parse
    depends on ``today``, so nothing is shared between calls). The code is written flat, with
    one C-level getter for all columns, because it runs once per line of files of millions of
    lines.
    """

    def __init__(self, *, layout: _Layout, today: date) -> None:
        self.today = today
        self.position = {
            name: pos if pos >= 0 else layout.width for name, pos in layout.index.items()
        }
        self.known: list[tuple[str, int]] = sorted(
            ((name, pos) for name, pos in layout.index.items() if pos >= 0),
            key=lambda item: item[1],
        )
        # An absent optional column reads position ``width``: validate() appends an empty
        # field there (or it is one of the blank extra fields a line may end with).
        self.getter = itemgetter(
            *(layout.index[name] if layout.index[name] >= 0 else layout.width for name in COLUMNS)
        )
        self.orgnrs: dict[str, str | _Invalid] = {}
        self.parties: dict[str, PartyId | _Invalid] = {}
        self.dates: dict[str, date | _Invalid] = {}
        self.amounts: dict[str, int | _Invalid] = {}
        self.postal_codes: dict[str, str | _Invalid] = {}
        self.rates: dict[str, Decimal | _Invalid] = {}
        self.parse_party: Callable[[str], PartyId] = partial(parse_party_id, today=today)


    def validate(
        self, record: list[str], line: int, long: bool = True
    ) -> ClaimRow | tuple[list[LineError], tuple[str, str] | None]:
        """A ClaimRow, or the line's errors and its (creditor_orgnr, invoice_number) if valid.

        ``record`` has at least the header's number of fields; it is modified. ``long`` False
        promises that no field is longer than MAX_FIELD_CHARS. One step per column, called for
        a value that is not empty; each appends at most one error, on its own column.
        """
        errors: list[LineError] = []
        too_long: frozenset[str] | set[str] = _NO_COLUMNS
        if long and max(map(len, record)) > MAX_FIELD_CHARS:
            too_long = self._blank_too_long(record, line, errors)
        record.append("")
        texts = tuple(map(str.strip, self.getter(record)))
        if not all(texts[:_REQUIRED_COUNT]):
            _report_empty_required(texts, line, too_long, errors)
        (
            orgnr_text, number, invoice_date_text, due_date_text, amount_text, debtor_id_text,
            name, address, postal_text, city,
            currency_text, debtor_type_text, country_text, email, phone, description,
            reminder_text, rate_text, kind_text, limitation_text,
        ) = texts  # fmt: skip

        creditor_orgnr = self._creditor_orgnr(orgnr_text, line, errors) if orgnr_text else None
        invoice_date = (
            self._date(invoice_date_text, "invoice_date", line, errors, future="in the future")
            if invoice_date_text
            else None
        )
        due_date = (
            self._due_date(due_date_text, invoice_date, line, errors) if due_date_text else None
        )
        kind = _KINDS.get(kind_text) or _KINDS.get(kind_text.lower())
        if kind is None:
            errors.append(LineError(line, "kind", "must be invoice or credit_note"))
        amount_ore = self._amount(amount_text, kind, line, errors) if amount_text else None
        debtor = self._debtor(debtor_id_text, line, errors) if debtor_id_text else None
        debtor_type = _debtor_type(debtor_type_text, debtor, line, errors)
        currency = currency_text.upper() or _DEFAULT_CURRENCY
        if currency != _DEFAULT_CURRENCY:
            errors.append(LineError(line, "currency", "only SEK is accepted"))
        country = _country(country_text, line, errors) if country_text else _DEFAULT_COUNTRY
        postal_code = self._postal_code(postal_text, country, line, errors) if postal_text else None
        if email and not _valid_email(email):
            errors.append(LineError(line, "email", "not an e-mail address"))
        reminder_fee_agreed = _yes_no(reminder_text, line, errors) if reminder_text else None
        interest_rate = self._interest_rate(rate_text, line, errors) if rate_text else None
        limitation_interrupted_on = (
            self._date(limitation_text, _LIMITATION, line, errors, future="after today")
            if limitation_text
            else None
        )

        if errors:
            # In the order of the file's columns, as the creditor sees them in a spreadsheet.
            errors.sort(key=lambda error: self.position[error.column])
            key = (creditor_orgnr, number) if creditor_orgnr is not None and number else None
            return errors, key
        # Every value is set when there are no errors; the asserts tell mypy so.
        assert creditor_orgnr is not None and invoice_date is not None and due_date is not None
        assert amount_ore is not None and kind is not None and debtor is not None
        assert debtor_type is not None and country is not None and postal_code is not None
        # Positional, in field order (keywords cost 4 µs a row for 21 fields; tests compare
        # whole rows built with keywords, so a mix-up cannot pass unseen).
        return ClaimRow(
            line, creditor_orgnr, number, invoice_date, due_date, amount_ore, kind, debtor,
            debtor_type, name, address, postal_code, city, country, email, phone, description,
            currency, reminder_fee_agreed, interest_rate, limitation_interrupted_on,
        )  # fmt: skip

    # The steps of validate(), one per column (two for the columns another one's value decides).

    def _creditor_orgnr(self, text: str, line: int, errors: list[LineError]) -> str | None:
        orgnr = self.orgnrs.get(text)
        if orgnr is None:
            orgnr = _remember(self.orgnrs, text, parse_orgnr)
        if isinstance(orgnr, _Invalid):
            message = f"not a valid organisationsnummer ({orgnr.reason})"
            errors.append(LineError(line, "creditor_orgnr", message))
            return None
        return orgnr

    def _date(
        self, text: str, column: str, line: int, errors: list[LineError], *, future: str
    ) -> date | None:
        """A date not after today; ``future`` is the message when it is."""
        parsed = self.dates.get(text)
        if parsed is None:
            parsed = _remember(self.dates, text, _parse_date)
        if isinstance(parsed, _Invalid):
            errors.append(LineError(line, column, _DATE_MESSAGE))
            return None
        if parsed > self.today:
            errors.append(LineError(line, column, future))
            return None
        return parsed

    def _due_date(
        self, text: str, invoice_date: date | None, line: int, errors: list[LineError]
    ) -> date | None:
        parsed = self.dates.get(text)
        if parsed is None:
            parsed = _remember(self.dates, text, _parse_date)
        if isinstance(parsed, _Invalid):
            errors.append(LineError(line, "due_date", _DATE_MESSAGE))
            return None
        if invoice_date is not None and parsed < invoice_date:
            errors.append(LineError(line, "due_date", "before invoice_date"))
        return parsed

    def _amount(
        self, text: str, kind: ClaimKind | None, line: int, errors: list[LineError]
    ) -> int | None:
        amount = self.amounts.get(text)
        if amount is None:
            amount = _remember(self.amounts, text, _parse_amount)
        if isinstance(amount, _Invalid):
            message = f"not an amount in kronor ({amount.reason})"
        elif amount == 0:
            message = "must not be zero"
        elif abs(amount) > MAX_AMOUNT_ORE:
            message = f"larger than {MAX_AMOUNT_ORE // 100} kronor"
        elif amount < 0 and kind == "invoice":
            message = "negative on an invoice (use kind credit_note)"
        else:
            # Credit notes are stored negative whichever sign the creditor's system wrote.
            return -abs(amount) if kind == "credit_note" else amount
        errors.append(LineError(line, "amount", message))
        return None

    def _debtor(self, text: str, line: int, errors: list[LineError]) -> PartyId | None:
        debtor = self.parties.get(text)
        if debtor is None:
            debtor = _remember(self.parties, text, self.parse_party)
        if isinstance(debtor, _Invalid):
            message = (
                "not a valid personnummer, samordningsnummer or organisationsnummer "
                f"({debtor.reason})"
            )
            errors.append(LineError(line, "debtor_id", message))
            return None
        return debtor

    def _postal_code(
        self, text: str, country: str | None, line: int, errors: list[LineError]
    ) -> str | None:
        """A Swedish postnummer normalised; another country's code as given."""
        if country != _DEFAULT_COUNTRY:
            return text if country is not None else None
        postal_code = self.postal_codes.get(text)
        if postal_code is None:
            postal_code = _remember(self.postal_codes, text, normalise_postal_code)
        if isinstance(postal_code, _Invalid):
            message = f"not a Swedish postal code ({postal_code.reason})"
            errors.append(LineError(line, "postal_code", message))
            return None
        return postal_code

    def _interest_rate(self, text: str, line: int, errors: list[LineError]) -> Decimal | None:
        rate = self.rates.get(text)
        if rate is None:
            rate = _remember(self.rates, text, _parse_rate)
        if isinstance(rate, _Invalid):
            errors.append(LineError(line, "interest_rate", "not a number (e.g. 8,5)"))
            return None
        if not 0 <= rate <= INTEREST_RATE_MAX_PERCENT:
            message = "must be between 0 and 100 (percent a year)"
            errors.append(LineError(line, "interest_rate", message))
            return None
        return rate

    def control_characters(self, record: Sequence[str], line: int) -> list[LineError]:
        """One error per value holding a control character, named by its column."""
        names = {pos: name for name, pos in self.known}
        return [
            LineError(
                line,
                names.get(pos, f"column {pos + 1}"),
                f"contains a control character (U+{ord(found.group()):04X})",
            )
            for pos, value in enumerate(record)
            if (found := CONTROL_CHARACTER.search(value))
        ]

    def _blank_too_long(self, record: list[str], line: int, errors: list[LineError]) -> set[str]:
        """Report over-long values and blank them, so they are not checked further."""
        too_long: set[str] = set()
        for name, pos in self.known:
            if len(record[pos]) > MAX_FIELD_CHARS:
                errors.append(LineError(line, name, f"longer than {MAX_FIELD_CHARS} characters"))
                too_long.add(name)
                record[pos] = ""
        return too_long


def _report_empty_required(
    texts: Sequence[str], line: int, too_long: frozenset[str] | set[str], errors: list[LineError]
) -> None:
    """An error for each required value left empty (one blanked as too long has its error)."""
    for column, value in zip(REQUIRED_COLUMNS, texts[:_REQUIRED_COUNT], strict=True):
        if not value and column not in too_long:
            errors.append(LineError(line, column, "required value is empty"))


def _debtor_type(
    text: str, debtor: PartyId | None, line: int, errors: list[LineError]
) -> DebtorTypeName | None:
    """As written, or else from the debtor_id; a person with an organisationsnummer is wrong."""
    if not text:
        if debtor is None:
            return None
        return "company" if debtor.kind is _ORGANISATION else "person"
    debtor_type = _DEBTOR_TYPES.get(text.lower())
    if debtor_type is None:
        errors.append(LineError(line, "debtor_type", "must be person or company"))
    elif debtor_type == "person" and debtor is not None and debtor.kind is _ORGANISATION:
        message = "person, but debtor_id is an organisationsnummer"
        errors.append(LineError(line, "debtor_type", message))
    return debtor_type


def _country(text: str, line: int, errors: list[LineError]) -> str | None:
    country = text.upper() or _DEFAULT_COUNTRY
    if country != _DEFAULT_COUNTRY and not (len(text) == 2 and text.isascii() and text.isalpha()):
        errors.append(LineError(line, "country", "not a two-letter country code (ISO 3166-1)"))
        return None
    return country


def _yes_no(text: str, line: int, errors: list[LineError]) -> bool | None:
    reminder_fee_agreed = _YES_NO.get(text.lower())
    if reminder_fee_agreed is None:
        errors.append(LineError(line, "reminder_fee_agreed", "must be yes or no"))
    return reminder_fee_agreed
