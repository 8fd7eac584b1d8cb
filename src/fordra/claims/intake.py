"""Claims intake: a creditor's claims file → debtors, cases and invoices, all or nothing.

The steps (each set-based; no query per row):
1. The file's SHA-256 is looked up: a file imported before is a reported no-op.
2. ``formats.claims_csv`` validates every line; unknown creditors and invoices already known with
   different content are added as line errors. Any error rejects the whole file.
3. Invoices already known with the same content are counted as duplicates, never doubled.
4. New invoices join the debtor's open case at that creditor while it is before the Kronofogden
   stage (``MERGEABLE_STATES``); otherwise a new case with a new OCR reference is opened.
5. Debtors, cases, invoices and timeline events are written with executemany in one transaction.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import IntegrityError, transaction

from fordra.claims.models import (
    MERGEABLE_STATES,
    Case,
    CaseEvent,
    CaseState,
    ImportBatch,
    Invoice,
    InvoiceKind,
)
from fordra.claims.numbering import case_numbers_allocate, case_ocr, case_ref
from fordra.core.bulk import (
    adapt,
    date_adapter,
    decimal_adapter,
    gc_paused,
    insert_rows,
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
    numbers_by_creditor: dict[int, set[str]] = defaultdict(set)
    for r in rows:
        cid = creditor_ids.get(r.creditor_orgnr)
        if cid is not None:
            numbers_by_creditor[cid].add(r.invoice_number)
    existing: dict[tuple[int, str], tuple[Any, ...]] = {}
    for cid, numbers in numbers_by_creditor.items():
        for rec in query_in(
            "SELECT i.creditor_id, i.invoice_number, i.amount_ore, i.invoice_date, i.due_date, "
            "d.national_id, c.number FROM claims_invoice i "
            "JOIN claims_case c ON c.id = i.case_id JOIN parties_debtor d ON d.id = c.debtor_id "
            "WHERE i.creditor_id = %s AND i.invoice_number IN ({in})",
            values=sorted(numbers),
            params=[cid],
        ):
            existing[(rec[0], rec[1])] = rec
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
    batch = ImportBatch.objects.create(
        sha256=sha256,
        filename=filename[:255],
        source=source,
        business_date=today,
        invoices=len(rows),
        duplicates=duplicates,
    )
    progress("Sparar gäldenärer", 0.5)
    debtor_ids = _upsert_debtors(rows, now=now)

    progress("Samlar fakturor i ärenden", 0.65)
    pair_of = {id(r): (creditor_ids[r.creditor_orgnr], debtor_ids[r.debtor.number]) for r in rows}
    case_ids = _open_cases(list(dict.fromkeys(pair_of.values())))
    pairs_with_invoices = {pair_of[id(r)] for r in rows if r.kind == INVOICE}
    errors = [
        LineError(
            line=r.line,
            column="kind",
            message="credit note for a debtor with no open case at this creditor: nothing to credit",
        )
        for r in rows
        if r.kind == CREDIT_NOTE
        and pair_of[id(r)] not in case_ids
        and pair_of[id(r)] not in pairs_with_invoices
    ]
    if errors:
        raise ImportRejected(errors)

    # Cases that got new invoices need a fresh look by the next daily run.
    touched = sorted({case_ids[p] for p in pair_of.values() if p in case_ids})
    for start in range(0, len(touched), 900):
        Case.objects.filter(id__in=touched[start : start + 900]).update(next_check_on=None)

    new_pairs = [p for p in dict.fromkeys(pair_of.values()) if p not in case_ids]
    numbers = case_numbers_allocate(count=len(new_pairs))
    stamp = adapt(now)
    day = adapt(today)
    adapt_date, adapt_decimal = date_adapter(), decimal_adapter()
    state_open = CaseState.OPEN.value
    case_rows = [
        (number, case_ocr(number), cid, did, state_open, day, stamp)
        for number, (cid, did) in zip(numbers, new_pairs, strict=True)
    ]
    insert_rows(
        Case,
        ["number", "ocr", "creditor_id", "debtor_id", "state", "opened_on", "created_at"],
        case_rows,
    )
    for case_id, cid, did in select_in(
        Case, columns=["id", "creditor_id", "debtor_id"], key="number", values=list(numbers)
    ):
        case_ids[(cid, did)] = case_id

    progress("Sparar fakturor", 0.8)
    invoice_rows = []
    added: dict[int, list[str]] = defaultdict(list)
    for r in rows:
        case_id = case_ids[pair_of[id(r)]]
        invoice_rows.append(
            (
                case_id,
                creditor_ids[r.creditor_orgnr],
                r.invoice_number,
                r.kind,
                adapt_date(r.invoice_date),
                adapt_date(r.due_date),
                r.amount_ore,
                r.currency,
                r.description,
                r.reminder_fee_agreed,
                adapt_decimal(r.interest_rate) if r.interest_rate is not None else None,
                adapt_date(r.limitation_interrupted_on) if r.limitation_interrupted_on else None,
                batch.id,
                r.line,
                stamp,
            )
        )
        noun = "kreditnota" if r.kind == CREDIT_NOTE else "faktura"
        added[case_id].append(
            f"{noun} {r.invoice_number} ({format_amount(r.amount_ore)}, förfaller "
            f"{r.due_date.isoformat()}, rad {r.line})"
        )
    new_case_ids = {case_ids[p] for p in new_pairs}
    # One timeline event per case and file keeps the timeline readable and the write small;
    # each invoice row keeps its own batch and line for the evidence.
    event_rows = [
        (
            case_id,
            day,
            "case_opened" if case_id in new_case_ids else "invoices_added",
            _clip(
                ("Ärendet öppnades med " if case_id in new_case_ids else "Tillagt: ")
                + "; ".join(items)
                + f" — från {filename}",
                EVENT_DETAIL_CHARS_MAX,
            ),
            stamp,
        )
        for case_id, items in added.items()
    ]
    insert_rows(
        Invoice,
        [
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
        ],
        invoice_rows,
    )
    insert_rows(CaseEvent, ["case_id", "date", "kind", "detail", "created_at"], event_rows)
    ImportBatch.objects.filter(pk=batch.pk).update(cases_created=len(new_pairs))
    progress("Bokför", 0.95)
    _book_handover(rows, case_ids=case_ids, pair_of=pair_of, batch_id=batch.id, today=today, now=now)
    progress("Klart", 1.0)
    return ImportResult(
        invoices=len(rows),
        cases=len({case_ids[p] for p in pair_of.values()}),
        cases_created=len(new_pairs),
        duplicates=duplicates,
        duplicate_file=False,
        batch_id=batch.id,
    )


HANDOVER_CASES_PER_TRANSACTION = 199  # + the contra posting: the ledger's 200-posting limit


def _book_handover(
    rows: Sequence[ClaimRow],
    *,
    case_ids: dict[tuple[int, int], int],
    pair_of: dict[int, tuple[int, int]],
    batch_id: int,
    today: date,
    now: datetime,
) -> None:
    """Memo side of the ledger: the capital handed over, per case (Dr case:capital, Cr claims).

    Grouped per creditor into transactions of up to 199 cases: one file of 100 000 invoices is
    a few hundred balanced transactions, not one per case (each case still has its own posting).
    """
    from fordra.domain.ledger import Posting, Transaction
    from fordra.ledger.services import ledger_post

    capital: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        creditor_id, _ = pair = pair_of[id(r)]
        capital[creditor_id][case_ids[pair]] += r.amount_ore
    txs = []
    for creditor_id, per_case in sorted(capital.items()):
        items = sorted((cid, amount) for cid, amount in per_case.items() if amount)
        for n, start in enumerate(range(0, len(items), HANDOVER_CASES_PER_TRANSACTION)):
            part = items[start : start + HANDOVER_CASES_PER_TRANSACTION]
            postings = [Posting(account=f"case:{cid}:capital", amount_ore=a) for cid, a in part]
            postings.append(
                Posting(account=f"claims:{creditor_id}", amount_ore=-sum(a for _, a in part))
            )
            if len(postings) == 2 and postings[1].amount_ore == 0:
                continue
            txs.append(
                Transaction(
                    key=f"handover:{batch_id}:{creditor_id}:{n}",
                    date=today,
                    kind="claim_handed_over",
                    memo=f"Fordringar överlämnade, fil {batch_id}",
                    postings=tuple(p for p in postings if p.amount_ore),
                )
            )
    ledger_post(txs, now=now)


def _clip(text: str, chars_max: int) -> str:
    return text if len(text) <= chars_max else text[: chars_max - 1] + "…"


def _upsert_debtors(rows: Sequence[ClaimRow], *, now: datetime) -> dict[str, int]:
    """Create unknown debtors; refresh contact details from the file (the last line wins)."""
    latest: dict[str, ClaimRow] = {}
    for r in rows:
        latest[r.debtor.number] = r
    ids: dict[str, int] = {}
    current: dict[str, tuple[Any, ...]] = {}
    for rec in select_in(
        Debtor, columns=["id", "national_id", *DEBTOR_FIELDS], key="national_id", values=list(latest)
    ):
        ids[rec[1]] = rec[0]
        current[rec[1]] = rec[2:]
    stamp = adapt(now)
    inserts = []
    updates = []
    for number, r in latest.items():
        values = (r.debtor_name, r.address, r.postal_code, r.city, r.country, r.email, r.phone)
        if number not in ids:
            inserts.append((number, str(r.debtor.kind), r.debtor_type, *values, stamp, stamp))
            continue
        old = current[number]
        # Empty e-mail/phone in a later file means "not given", not "erase".
        merged = tuple(
            new if (new or i < 5) else prev for i, (new, prev) in enumerate(zip(values, old, strict=True))
        )
        if merged != tuple(old):
            updates.append((*merged, stamp, ids[number]))
    insert_rows(
        Debtor,
        ["national_id", "id_kind", "debtor_type", *DEBTOR_FIELDS, "created_at", "updated_at"],
        inserts,
    )
    if updates:
        from django.db import connection

        table = connection.ops.quote_name(Debtor._meta.db_table)
        assignments = ", ".join(f"{connection.ops.quote_name(f)} = %s" for f in DEBTOR_FIELDS)
        with connection.cursor() as cursor:
            cursor.executemany(
                f"UPDATE {table} SET {assignments}, updated_at = %s WHERE id = %s", updates
            )
    if inserts:
        for rec in select_in(
            Debtor, columns=["id", "national_id"], key="national_id", values=[i[0] for i in inserts]
        ):
            ids[rec[1]] = rec[0]
    return ids


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
