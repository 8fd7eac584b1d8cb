"""Set-based reads that turn a shard of cases into the domain's CaseSnapshot values.

One query per table per shard (chunked IN lists), never one per case: the daily run reads a
million cases this way (DESIGN.md §3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from fordra.claims.models import CLOSED_STATES, CaseState, covered_invoice_ids
from fordra.claims.queries import open_cases, shard_fees, shard_invoices, shard_paid
from fordra.core.bulk import query_in
from fordra.domain.fees import DebtorType, FeeKind
from fordra.domain.ladder import CaseSnapshot, ClaimSnapshot, StepRecord
from fordra.parties.queries import debtor_flags

SHARD_CASES_MAX = 20_000
_CLOSED = tuple(s.value for s in CLOSED_STATES)
_FEE_KINDS = {k.value: k for k in FeeKind}


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    number: int
    state: str
    creditor_id: int
    debtor_id: int
    paused_until: date | None
    limitation_date: date | None = None
    foreign_partner: bool = False


def open_case_shards(
    *, today: date, shard_size: int = SHARD_CASES_MAX, full: bool = False
) -> list[list[CaseRow]]:
    """Open cases due for a look today (all open cases when ``full``), by id, in shards."""
    day_of = DateParser()
    rows = [
        CaseRow(
            i, n, st, cid, did, day_of(p) if p else None, day_of(lim) if lim else None,
            bool(partner),
        )
        for i, n, st, cid, did, p, lim, partner in open_cases(
            closed=_CLOSED, due_by=None if full else today
        )
    ]
    return [rows[i : i + shard_size] for i in range(0, len(rows), shard_size)]


@dataclass(frozen=True)
class ShardData:
    snapshots: dict[int, CaseSnapshot]
    steps_today: set[int]
    # The full balance (with interest) of the cases whose remainder is near their creditor's
    # trifle threshold: what the ladder's trifle guard decided on (``_with_trifles``).
    balances: dict[int, Any] = field(default_factory=dict)


def load_snapshots(
    *,
    cases: Sequence[CaseRow],
    reminder_fee_agreed_by_creditor: dict[int, bool],
    today: date,
    trifle_ore_by_creditor: dict[int, int] | None = None,
) -> ShardData:
    # A shard is a contiguous run of case ids: each table is read with one range scan over its
    # case index (rows of closed cases in the range are simply not looked at).
    lo, hi = cases[0].case_id, cases[-1].case_id
    ids = [c.case_id for c in cases]
    dense = len(ids) * 2 >= hi - lo + 1

    def _range(sql: str, *params: Any) -> list[tuple[Any, ...]]:
        # Dense shards (most cases in the id range) read by range; sparse ones by IN lists.
        if dense:
            return _by_range(sql, *params, lo=lo, hi=hi)
        return query_in(sql.replace("BETWEEN %s AND %s", "IN ({in})"), values=ids, after=params)

    invoices: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    day_of = DateParser()
    written_off: set[int] = set()
    for case_id, invoice_id, number, kind, due, amount, agreed, off in shard_invoices(
        case_ids=ids
    ):
        if off is not None and day_of(off) <= today:
            # A claim given up (time-barred, withdrawn) is never demanded again.
            written_off.add(invoice_id)
            continue
        invoices[case_id].append((case_id, invoice_id, number, kind, day_of(due), amount, agreed))
    fees_by_invoice: dict[int, set[FeeKind]] = defaultdict(set)
    fees_ore: dict[int, int] = defaultdict(int)
    for case_id, invoice_id, kind, amount, covers in shard_fees(case_ids=ids):
        # A letter's fee was charged for every invoice it covers: none of them is charged that
        # kind again, even when the invoice holding the fee was written off since.
        fee_kind = _FEE_KINDS[kind]
        for covered in covered_invoice_ids(covers, holder=invoice_id) if covers else ():
            fees_by_invoice[covered].add(fee_kind)
        if invoice_id in written_off:
            continue
        fees_by_invoice[invoice_id].add(fee_kind)
        fees_ore[case_id] += amount
    paid: dict[tuple[int, str], int] = defaultdict(int)
    for invoice_id, component, amount in shard_paid(case_ids=ids, as_of=today):
        paid[(invoice_id, component)] = int(amount)
    capital_paid = {invoice_id: v for (invoice_id, part), v in paid.items() if part == "capital"}
    steps: dict[int, dict[str, StepRecord]] = defaultdict(dict)
    steps_today: set[int] = set()
    for case_id, step, done_text, pay_text in _range(
        "SELECT case_id, step, CAST(done_on AS TEXT), CAST(pay_by AS TEXT) "
        "FROM collection_casestep WHERE case_id BETWEEN %s AND %s",
    ):
        done_on = day_of(done_text)
        steps[case_id][step] = StepRecord(
            done_on=done_on, pay_by=day_of(pay_text) if pay_text else None
        )
        if done_on == today:
            steps_today.add(case_id)
    debtors: dict[int, tuple[Any, ...]] = {}
    for rec in debtor_flags(debtor_ids=sorted({c.debtor_id for c in cases})):
        debtors[rec[0]] = rec

    snapshots = {}
    debtor_types = {t.value: t for t in DebtorType}
    disputed_state, plan_state = CaseState.DISPUTED.value, CaseState.PLAN.value
    for c in cases:
        claims = claim_snapshots(
            invoices[c.case_id],
            fees_by_invoice=fees_by_invoice,
            creditor_agreed=reminder_fee_agreed_by_creditor[c.creditor_id],
            capital_paid=capital_paid,
        )
        capital = 0
        costs_paid = 0
        for cl in claims:
            capital += cl.capital_ore
            if paid:
                costs_paid += paid.get((cl.invoice_id, "costs"), 0)
        _, debtor_type, protected, deceased, relief = debtors[c.debtor_id]
        snapshots[c.case_id] = CaseSnapshot(
            case_id=c.case_id,
            state=c.state,
            debtor_type=debtor_types[debtor_type],
            claims=claims,
            steps_done=steps[c.case_id],
            balance_ore=capital + fees_ore[c.case_id] - costs_paid,
            disputed=c.state == disputed_state,
            paused_until=c.paused_until,
            plan_active=c.state == plan_state,
            debt_relief=bool(relief),
            deceased=bool(deceased),
            protected_identity=bool(protected),
            limitation_date=c.limitation_date,
            foreign_partner=c.foreign_partner,
            trifle_ore=(trifle_ore_by_creditor or {}).get(c.creditor_id, 0),
        )
    balances = _with_trifles(snapshots, today=today)
    return ShardData(snapshots=snapshots, steps_today=steps_today, balances=balances)


def _with_trifles(snapshots: dict[int, CaseSnapshot], *, today: date) -> dict[int, Any]:
    """Put interest into ``balance_ore`` where it decides the trifle guard (DOMAIN.md §3).

    ``balance_ore`` above is capital + fees outstanding, without interest: enough to know a case
    is no trifle when it already reaches the threshold (interest only adds). For the few cases
    below it, the whole remainder — capital + interest + fees as ``case_balances`` computes it,
    the one author of a case's balance — replaces it. Returns those balances by case id.
    """
    near = [
        cid for cid, snap in snapshots.items() if 0 < snap.balance_ore < snap.trifle_ore
    ]
    if not near:
        return {}
    from fordra.claims.models import Case
    from fordra.claims.selectors import case_balances

    cases = [
        case
        for start in range(0, len(near), 800)
        for case in Case.objects.filter(id__in=near[start : start + 800]).only("id")
    ]
    balances = case_balances(cases=cases, as_of=today)
    for cid, balance in balances.items():
        snapshots[cid] = replace(snapshots[cid], balance_ore=balance.balance_ore)
    return balances


class DateParser:
    """Dates read as ISO text (CAST … AS TEXT), parsed once per distinct value.

    Django's SQLite converter parses every date cell in Python (≈ 0.6 µs each); a portfolio has
    a few hundred distinct dates, so memoising the C ``fromisoformat`` is ~10× cheaper.
    PostgreSQL returns the text the same way.
    """

    def __init__(self) -> None:
        self.seen: dict[str, date] = {}

    def __call__(self, text: str) -> date:
        day = self.seen.get(text)
        if day is None:
            day = self.seen[text] = date.fromisoformat(text[:10])
        return day


def _by_range(sql: str, *after: Any, lo: int, hi: int) -> list[tuple[Any, ...]]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, [lo, hi, *after])
        return cursor.fetchall()


def claim_snapshots(
    rows: Sequence[tuple[Any, ...]],
    *,
    fees_by_invoice: dict[int, set[FeeKind]],
    creditor_agreed: bool,
    capital_paid: dict[int, int] | None = None,
) -> tuple[ClaimSnapshot, ...]:
    """Invoices of one case → claims with outstanding capital (credit notes reduce the oldest)."""
    debts = sorted((r for r in rows if r[3] == "invoice"), key=lambda r: (r[4], r[1]))
    credit = -sum(r[5] for r in rows if r[3] == "credit_note")
    out = []
    for _, invoice_id, number, _, due_date, amount, agreed in debts:
        used = min(credit, amount)
        credit -= used
        out.append(
            ClaimSnapshot(
                invoice_id=invoice_id,
                invoice_number=number,
                due_date=due_date,
                capital_ore=amount - used - (capital_paid or {}).get(invoice_id, 0),
                reminder_fee_agreed=creditor_agreed if agreed is None else bool(agreed),
                fees_charged=frozenset(fees_by_invoice.get(invoice_id, ())),
            )
        )
    return tuple(out)
