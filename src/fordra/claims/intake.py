"""Claims intake: a creditor's claims file → debtors, cases and invoices, all or nothing.

The steps (each set-based; no query per row):
1. The file's SHA-256 is looked up: a file imported before is a reported no-op.
2. ``formats.claims_csv`` validates every line; unknown creditors and invoices already known with
   different content are added as line errors. Any error rejects the whole file.
3. Invoices already known with the same content are counted as duplicates, never doubled.
4. New invoices join the debtor's open case at that creditor while it is before the Kronofogden
   stage (``MERGEABLE_STATES``); otherwise a new case with a new OCR reference is opened.
5. Debtors, cases, invoices and timeline events are written in one transaction with multi-row
   INSERT statements (``_insert``), and the hand-over is booked in the ledger.

Speed (docs/performance.md): per row, the work is done by C loops where it can be (``map``,
``zip``, getters), each distinct value (date, amount, identifier) is parsed or formatted once,
and the ids of new rows are known without reading the rows back where the database allows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter, itemgetter
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import Model

from fordra.claims.models import (
    MERGEABLE_STATES,
    Case,
    CaseEvent,
    CaseState,
    ImportBatch,
    Invoice,
    InvoiceKind,
)
from fordra.claims.numbering import case_numbers_allocate, case_ocrs, case_ref
from fordra.claims.queries import invoices_by_number
from fordra.claims.scheduling import cases_check_on
from fordra.core.bulk import (
    adapt,
    date_adapter,
    decimal_adapter,
    gc_paused,
    insert_values,
    query_in,
    select_in,
)
from fordra.core.errors import ApplicationError
from fordra.domain.money import format_amount
from fordra.formats.claims_csv import ClaimRow, LineError, parse_claims_csv
from fordra.parties.models import Creditor, Debtor

Progress = Callable[[str, float], None]
"""Called with a stage description and the fraction of the work done (0.0–1.0)."""

ERRORS_SHOWN_MAX = 1000
EVENT_DETAIL_CHARS_MAX = 1000
CREDIT_NOTE = InvoiceKind.CREDIT_NOTE.value
INVOICE = InvoiceKind.INVOICE.value

DEBTOR_FIELDS = ("name", "address", "postal_code", "city", "country", "email", "phone")

# Getters for passes over all rows as C loops (map, zip): the intake goes over 100 000s of rows
# several times, and a Python loop or comprehension per pass costs several times as much.
_CREDITOR_ORGNR = attrgetter("creditor_orgnr")
_ORGNR_AND_NUMBER = attrgetter("creditor_orgnr", "invoice_number")
_DEBTOR_NUMBER = attrgetter("debtor.number")
_AMOUNT = attrgetter("amount_ore")
_INVOICE_DATE = attrgetter("invoice_date")
_DUE_DATE = attrgetter("due_date")
_LIMITATION = attrgetter("limitation_interrupted_on")
_RATE = attrgetter("interest_rate")
_FIRST = itemgetter(0)


@dataclass(frozen=True)
class ImportResult:
    invoices: int
    cases: int
    cases_created: int
    duplicates: int
    duplicate_file: bool
    batch_id: int | None

    def as_json(self) -> dict[str, Any]:
        return {
            "invoices": self.invoices,
            "cases": self.cases,
            "cases_created": self.cases_created,
            "duplicates": self.duplicates,
            "duplicate_file": self.duplicate_file,
            "batch_id": self.batch_id,
        }


class ImportRejected(ApplicationError):
    def __init__(self, errors: Sequence[LineError]):
        shown = [str(e) for e in errors[:ERRORS_SHOWN_MAX]]
        if len(errors) > ERRORS_SHOWN_MAX:
            shown.append(f"… and {len(errors) - ERRORS_SHOWN_MAX} more errors")
        super().__init__(
            f"the file was rejected: {len(errors)} error(s); nothing was imported",
            details=shown,
            code="rejected",
        )
        self.errors = list(errors)


def _noop(stage: str, fraction: float) -> None:
    return None


def claims_import(
    *,
    data: bytes,
    filename: str,
    today: date,
    now: datetime,
    source: str = "cli",
    progress: Progress = _noop,
) -> ImportResult:
    """Import a claims file (DESIGN.md §4.3). Raises ImportRejected listing every bad line."""
    with gc_paused():
        return _import(
            data=data, filename=filename, today=today, now=now, source=source, progress=progress
        )


def _import(
    *,
    data: bytes,
    filename: str,
    today: date,
    now: datetime,
    source: str,
    progress: Progress,
) -> ImportResult:
    progress("Läser filen", 0.0)
    parsed = parse_claims_csv(data, today=today)
    known = ImportBatch.objects.filter(sha256=parsed.sha256).first()
    if known is not None:
        return ImportResult(
            invoices=0,
            cases=0,
            cases_created=0,
            duplicates=known.invoices + known.duplicates,
            duplicate_file=True,
            batch_id=known.id,
        )
    errors = list(parsed.errors)
    progress("Kontrollerar mot registret", 0.35)
    rows = [r for r in parsed.rows]
    creditor_ids = _creditor_ids(rows, errors)
    new_rows, duplicates = _split_known_invoices(rows, creditor_ids, errors)
    if errors:
        raise ImportRejected(sorted(errors, key=lambda e: (e.line, e.column)))

    try:
        with transaction.atomic():
            return _write(
                rows=new_rows,
                duplicates=duplicates,
                creditor_ids=creditor_ids,
                filename=filename,
                sha256=parsed.sha256,
                today=today,
                now=now,
                source=source,
                progress=progress,
            )
    except IntegrityError as exc:
        if "unique" not in str(exc).lower():
            raise
        # Another import of the same file or the same invoices committed first.
        raise ApplicationError(
            "the file conflicts with an import that finished meanwhile; nothing was imported — "
            "import it again to see what remains",
            code="conflict",
        ) from exc


def _creditor_ids(rows: Sequence[ClaimRow], errors: list[LineError]) -> dict[str, int]:
    wanted = sorted({r.creditor_orgnr for r in rows})
    found = dict(Creditor.objects.filter(orgnr__in=wanted).values_list("orgnr", "id"))
    for row in rows:
        if row.creditor_orgnr not in found:
            errors.append(
                LineError(
                    line=row.line,
                    column="creditor_orgnr",
                    message=f"no creditor with organisationsnummer {row.creditor_orgnr} "
                    "(add it first with `fordra creditor add`)",
                )
            )
    return found


def _split_known_invoices(
    rows: Sequence[ClaimRow], creditor_ids: dict[str, int], errors: list[LineError]
) -> tuple[list[ClaimRow], int]:
    """Separate invoices already imported (same content → duplicate; different → error)."""
    # The parser has refused repeated (creditor, invoice number) pairs: each number once.
    numbers_by_orgnr: dict[str, list[str]] = defaultdict(list)
    for orgnr, number in map(_ORGNR_AND_NUMBER, rows):
        numbers_by_orgnr[orgnr].append(number)
    existing: dict[tuple[int, str], tuple[Any, ...]] = {}
    for orgnr, numbers in numbers_by_orgnr.items():
        cid = creditor_ids.get(orgnr)
        if cid is None:
            continue
        for rec in invoices_by_number(creditor_id=cid, invoice_numbers=numbers):
            existing[(rec[0], rec[1])] = rec
    if not existing:
        return list(rows), 0
    new_rows: list[ClaimRow] = []
    duplicates = 0
    for row in rows:
        cid = creditor_ids.get(row.creditor_orgnr)
        rec = existing.get((cid, row.invoice_number)) if cid is not None else None
        if rec is None:
            new_rows.append(row)
            continue
        differences = []
        if rec[2] != row.amount_ore:
            differences.append(
                f"amount {format_amount(rec[2])} (this line: {format_amount(row.amount_ore)})"
            )
        if rec[3] != row.invoice_date:
            differences.append(f"invoice_date {rec[3]} (this line: {row.invoice_date})")
        if rec[4] != row.due_date:
            differences.append(f"due_date {rec[4]} (this line: {row.due_date})")
        if rec[5] != row.debtor.number:
            differences.append(f"another debtor (this line: {row.debtor.display})")
        if differences:
            errors.append(
                LineError(
                    line=row.line,
                    column="invoice_number",
                    message=f"invoice {row.invoice_number} was already imported in case {case_ref(rec[6])} "
                    f"with {'; '.join(differences)}",
                )
            )
        else:
            duplicates += 1
    return new_rows, duplicates


def _write(
    *,
    rows: list[ClaimRow],
    duplicates: int,
    creditor_ids: dict[str, int],
    filename: str,
    sha256: str,
    today: date,
    now: datetime,
    source: str,
    progress: Progress,
) -> ImportResult:
    progress("Sparar gäldenärer", 0.5)
    debtor_ids, known_debtors = _upsert_debtors(rows, now=now)

    progress("Samlar fakturor i ärenden", 0.65)
    pairs, distinct_pairs = _case_pairs(rows, creditor_ids, debtor_ids)
    # A debtor created just now has no case yet: only known debtors are looked up.
    case_ids = _open_cases([p for p in distinct_pairs if p[1] in known_debtors])
    if any(r.kind == CREDIT_NOTE for r in rows):
        _check_credit_notes(rows, pairs, case_ids)

    # Cases that got new invoices need a fresh look by the next daily run.
    touched = sorted({case_ids[p] for p in distinct_pairs if p in case_ids})
    cases_check_on(case_ids=touched)

    new_pairs = [p for p in distinct_pairs if p not in case_ids]
    batch = ImportBatch.objects.create(
        sha256=sha256,
        filename=filename[:255],
        source=source,
        business_date=today,
        invoices=len(rows),
        duplicates=duplicates,
        cases_created=len(new_pairs),
    )
    stamp = adapt(now)
    day = adapt(today)
    case_ids.update(_insert_cases(new_pairs, day=day, stamp=stamp))

    progress("Sparar fakturor", 0.8)
    row_case_ids = list(map(case_ids.__getitem__, pairs))
    _insert_invoices(rows, pairs, row_case_ids, batch_id=batch.id, stamp=stamp)
    new_case_ids = {case_ids[p] for p in new_pairs}
    _insert_events(
        rows, row_case_ids, new_case_ids, filename=filename, day=day, stamp=stamp
    )
    progress("Bokför", 0.95)
    _book_handover(rows, pairs, row_case_ids, batch_id=batch.id, today=today, now=now)
    progress("Klart", 1.0)
    return ImportResult(
        invoices=len(rows),
        cases=len(distinct_pairs),
        cases_created=len(new_pairs),
        duplicates=duplicates,
        duplicate_file=False,
        batch_id=batch.id,
    )


def _case_pairs(
    rows: Sequence[ClaimRow], creditor_ids: dict[str, int], debtor_ids: dict[str, int]
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """(creditor id, debtor id) per row, in row order; the distinct pairs in order of
    appearance."""
    pairs = list(
        zip(
            map(creditor_ids.__getitem__, map(_CREDITOR_ORGNR, rows)),
            map(debtor_ids.__getitem__, map(_DEBTOR_NUMBER, rows)),
            strict=True,
        )
    )
    return pairs, list(dict.fromkeys(pairs))


def _insert_cases(
    new_pairs: Sequence[tuple[int, int]], *, day: Any, stamp: Any
) -> dict[tuple[int, int], int]:
    """Open a case per (creditor id, debtor id) pair, numbered from one reserved range;
    returns the new case id per pair."""
    numbers = case_numbers_allocate(count=len(new_pairs))
    state_open = CaseState.OPEN.value
    cases_before = _max_id(Case)
    insert_values(
        Case,
        ["number", "ocr", "creditor_id", "debtor_id", "state", "opened_on", "created_at"],
        [
            (number, ocr, cid, did, state_open, day, stamp)
            for number, ocr, (cid, did) in zip(
                numbers, case_ocrs(numbers), new_pairs, strict=True
            )
        ],
    )
    inserted = _ids_inserted(Case, after=cases_before, count=len(new_pairs))
    if inserted is not None:
        return dict(zip(new_pairs, inserted, strict=True))
    case_ids: dict[tuple[int, int], int] = {}
    if new_pairs:
        # The numbers are one reserved range: one range query finds the new ids.
        pair_of_number = dict(zip(numbers, new_pairs, strict=True))
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id, number FROM claims_case WHERE number BETWEEN %s AND %s",
                [numbers[0], numbers[-1]],
            )
            for case_id, number in cursor.fetchall():
                case_ids[pair_of_number[number]] = case_id
    return case_ids


def _check_credit_notes(
    rows: Sequence[ClaimRow],
    pairs: Sequence[tuple[int, int]],
    case_ids: dict[tuple[int, int], int],
) -> None:
    """A credit note needs an open case, or an invoice in this file, for its debtor."""
    pairs_with_invoices = {p for r, p in zip(rows, pairs, strict=True) if r.kind == INVOICE}
    errors = [
        LineError(
            line=r.line,
            column="kind",
            message="credit note for a debtor with no open case at this creditor: nothing to credit",
        )
        for r, p in zip(rows, pairs, strict=True)
        if r.kind == CREDIT_NOTE and p not in case_ids and p not in pairs_with_invoices
    ]
    if errors:
        raise ImportRejected(errors)


INVOICE_COLUMNS = (
    "case_id",
    "creditor_id",
    "invoice_number",
    "kind",
    "invoice_date",
    "due_date",
    "amount_ore",
    "currency",
    "description",
    "reminder_fee_agreed",
    "interest_rate",
    "limitation_interrupted_on",
    "batch_id",
    "line",
    "created_at",
)


def _insert_invoices(
    rows: Sequence[ClaimRow],
    pairs: Sequence[tuple[int, int]],
    row_case_ids: Sequence[int],
    *,
    batch_id: int,
    stamp: Any,
) -> None:
    # A file has a few hundred distinct dates and rates: each is adapted once.
    adapt_date, adapt_decimal = date_adapter(), decimal_adapter()
    days: dict[date | None, Any] = {None: None}
    for value in {*map(_INVOICE_DATE, rows), *map(_DUE_DATE, rows), *map(_LIMITATION, rows)}:
        if value is not None:
            days[value] = adapt_date(value)
    rates: dict[Decimal | None, Any] = {None: None}
    for rate in set(map(_RATE, rows)):
        if rate is not None:
            rates[rate] = adapt_decimal(rate)
    insert_values(
        Invoice,
        INVOICE_COLUMNS,
        [
            (
                case_id,
                pair[0],
                r.invoice_number,
                r.kind,
                days[r.invoice_date],
                days[r.due_date],
                r.amount_ore,
                r.currency,
                r.description,
                r.reminder_fee_agreed,
                rates[r.interest_rate],
                days[r.limitation_interrupted_on],
                batch_id,
                r.line,
                stamp,
            )
            for r, pair, case_id in zip(rows, pairs, row_case_ids, strict=True)
        ],
    )


def _insert_events(
    rows: Sequence[ClaimRow],
    row_case_ids: Sequence[int],
    new_case_ids: set[int],
    *,
    filename: str,
    day: Any,
    stamp: Any,
) -> None:
    """One timeline event per case and file keeps the timeline readable and the write small;
    each invoice row keeps its own batch and line for the evidence."""
    # A few hundred distinct due dates, and amounts repeat: each is formatted once.
    amounts = {amount: format_amount(amount) for amount in set(map(_AMOUNT, rows))}
    due_dates = {due: due.isoformat() for due in set(map(_DUE_DATE, rows))}
    items = [
        f"{_NOUNS[r.kind]} {r.invoice_number} ({amounts[r.amount_ore]}, "
        f"förfaller {due_dates[r.due_date]}, rad {r.line})"
        for r in rows
    ]
    # Most cases get one invoice from a file: a list only for those that get more.
    first_item: dict[int, str] = {}
    more: dict[int, list[str]] = {}
    for case_id, item in zip(row_case_ids, items, strict=True):
        if case_id in first_item:
            more.setdefault(case_id, [first_item[case_id]]).append(item)
        else:
            first_item[case_id] = item
    for case_id, parts in more.items():
        first_item[case_id] = "; ".join(parts)
    source = f" — från {filename}"
    insert_values(
        CaseEvent,
        ["case_id", "date", "kind", "detail", "created_at"],
        [
            (
                case_id,
                day,
                "case_opened" if case_id in new_case_ids else "invoices_added",
                _clip(
                    ("Ärendet öppnades med " if case_id in new_case_ids else "Tillagt: ")
                    + text
                    + source,
                    EVENT_DETAIL_CHARS_MAX,
                ),
                stamp,
            )
            for case_id, text in first_item.items()
        ],
    )


_NOUNS = {INVOICE: "faktura", CREDIT_NOTE: "kreditnota"}
HANDOVER_CASES_PER_TRANSACTION = 199  # + the contra posting: the ledger's 200-posting limit


def _book_handover(
    rows: Sequence[ClaimRow],
    pairs: Sequence[tuple[int, int]],
    row_case_ids: Sequence[int],
    *,
    batch_id: int,
    today: date,
    now: datetime,
) -> None:
    """Memo side of the ledger: the capital handed over, per case (Dr case:capital, Cr claims).

    Grouped per creditor into transactions of up to 199 cases: one file of 100 000 invoices is
    a few hundred balanced transactions, not one per case (each case still has its own posting).
    """
    from fordra.domain.ledger import tx_claims_handed_over
    from fordra.ledger.services import ledger_post

    capital: dict[tuple[int, int], int] = {}
    get = capital.get
    keys = zip(map(_FIRST, pairs), row_case_ids, strict=True)
    for key, amount in zip(keys, map(_AMOUNT, rows), strict=True):
        capital[key] = get(key, 0) + amount
    per_creditor: dict[int, list[tuple[int, int]]] = defaultdict(list)
    for (creditor_id, case_id), amount in sorted(capital.items()):
        if amount:
            per_creditor[creditor_id].append((case_id, amount))
    txs = []
    for creditor_id, items in per_creditor.items():
        for n, start in enumerate(range(0, len(items), HANDOVER_CASES_PER_TRANSACTION)):
            txs.append(
                tx_claims_handed_over(
                    key=f"handover:{batch_id}:{creditor_id}:{n}",
                    day=today,
                    creditor_id=creditor_id,
                    capital=items[start : start + HANDOVER_CASES_PER_TRANSACTION],
                    memo=f"Fordringar överlämnade, fil {batch_id}",
                )
            )
    # The keys name this batch, created in this same database transaction: none can be stored.
    ledger_post(txs, now=now, assume_new=True)


# Rows per multi-row INSERT: SQLite binds at most 999 parameters per statement (Django's
# features.max_query_params); other backends get the same statement shapes.
def _clip(text: str, chars_max: int) -> str:
    return text if len(text) <= chars_max else text[: chars_max - 1] + "…"


def _upsert_debtors(
    rows: Sequence[ClaimRow], *, now: datetime
) -> tuple[dict[str, int], set[int]]:
    """Create unknown debtors; refresh contact details from the file (the last line wins).

    Returns the id per national id, and the ids of the debtors that existed before.
    """
    latest: dict[str, ClaimRow] = dict(zip(map(_DEBTOR_NUMBER, rows), rows, strict=True))
    ids: dict[str, int] = {}
    current: dict[str, tuple[Any, ...]] = {}
    for rec in select_in(
        Debtor, columns=["id", "national_id", *DEBTOR_FIELDS], key="national_id", values=list(latest)
    ):
        ids[rec[1]] = rec[0]
        current[rec[1]] = rec[2:]
    known = set(ids.values())
    stamp = adapt(now)
    inserts = [
        (
            number,
            str(r.debtor.kind),
            r.debtor_type,
            r.debtor_name,
            r.address,
            r.postal_code,
            r.city,
            r.country,
            r.email,
            r.phone,
            stamp,
            stamp,
        )
        for number, r in latest.items()
        if number not in ids
    ]
    _refresh_debtors(latest, current, ids, stamp=stamp)
    if inserts:
        _insert_debtors(inserts, latest, ids)
    return ids, known


def _refresh_debtors(
    latest: dict[str, ClaimRow],
    current: dict[str, tuple[Any, ...]],
    ids: dict[str, int],
    *,
    stamp: Any,
) -> None:
    """Update the contact details of known debtors where the file's latest line differs."""
    updates = []
    for number, old in current.items():
        r = latest[number]
        values = (r.debtor_name, r.address, r.postal_code, r.city, r.country, r.email, r.phone)
        # Empty e-mail/phone in a later file means "not given", not "erase".
        merged = tuple(
            new if (new or i < 5) else prev for i, (new, prev) in enumerate(zip(values, old, strict=True))
        )
        if merged != tuple(old):
            updates.append((*merged, stamp, ids[number]))
    if updates:
        table = connection.ops.quote_name(Debtor._meta.db_table)
        assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in DEBTOR_FIELDS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments}, updated_at = %s WHERE id = %s", updates
            )


def _insert_debtors(
    inserts: list[tuple[Any, ...]], latest: dict[str, ClaimRow], ids: dict[str, int]
) -> None:
    """Insert the new debtors' rows; add their ids to ``ids`` (per national id)."""
    before = _max_id(Debtor)
    insert_values(
        Debtor,
        ["national_id", "id_kind", "debtor_type", *DEBTOR_FIELDS, "created_at", "updated_at"],
        inserts,
    )
    inserted = _ids_inserted(Debtor, after=before, count=len(inserts))
    if inserted is not None:
        ids.update(zip(map(_FIRST, inserts), inserted, strict=True))
        return
    # Every id given out now is above the highest id seen before (a sequence only grows). Rows
    # of concurrent imports that show up in the range are told apart by national id, which is
    # unique.
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, national_id FROM {_table(Debtor)} WHERE id > %s", [before])
        for debtor_id, national_id in cursor.fetchall():
            if national_id in latest and national_id not in ids:
                ids[national_id] = debtor_id


def _table(model: type[Model]) -> str:
    return str(connection.ops.quote_name(model._meta.db_table))


def _max_id(model: type[Model]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX(id) FROM {_table(model)}")
        (highest,) = cursor.fetchone()
    return int(highest or 0)


def _ids_inserted(model: type[Model], *, after: int, count: int) -> range | None:
    """On SQLite, the ids of the ``count`` rows just inserted above id ``after``, in order.

    SQLite gives each new row of an AUTOINCREMENT table an id above every id the table ever
    had, so ids grow in insertion order; this write transaction holds the database's write
    lock, so every row above ``after`` is ours. When exactly ``count`` rows lie above it, on
    consecutive ids, they are the rows inserted, in that order: one aggregate query instead
    of reading them all back. None elsewhere (PostgreSQL: concurrent transactions draw from
    the same sequence) or when the check fails; the caller then reads the ids back.
    """
    if connection.vendor != "sqlite" or count == 0:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT MIN(id), MAX(id), COUNT(*) FROM {_table(model)} WHERE id > %s", [after]
        )
        lowest, highest, found = cursor.fetchone()
    if found != count or highest - lowest + 1 != count:
        return None
    return range(lowest, highest + 1)


def _open_cases(pairs: Sequence[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """The open, mergeable case per (creditor id, debtor id), where there is one."""
    by_debtor: dict[int, set[int]] = defaultdict(set)
    for cid, did in pairs:
        by_debtor[did].add(cid)
    found: dict[tuple[int, int], tuple[int, int]] = {}
    states = {s.value for s in MERGEABLE_STATES}
    # Filter on state and order in Python: given a state filter or ORDER BY, SQLite's planner
    # walks the state or number index instead of looking up the few rows per debtor. The lowest
    # case number wins, should a pair ever have two mergeable cases.
    for case_id, number, cid, did, state in query_in(
        "SELECT id, number, creditor_id, debtor_id, state FROM claims_case "
        "WHERE debtor_id IN ({in})",
        values=sorted(by_debtor),
    ):
        if state in states and cid in by_debtor[did]:
            known = found.get((cid, did))
            if known is None or number < known[0]:
                found[(cid, did)] = (number, case_id)
    return {pair: case_id for pair, (_, case_id) in found.items()}
