"""Set-based reads that turn a shard of cases into the domain's CaseSnapshot values.

One query per table per shard (a range scan, or chunked IN lists), never one per case: the
daily run reads a million cases this way (DESIGN.md §3). The claims and parties tables are read
through their apps' ``queries.py`` (the SQL seam, docs/architecture.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from fordra.claims.models import CLOSED_STATES, CaseState, covered_invoice_ids
from fordra.claims.queries import open_cases, shard_fees, shard_invoices, shard_paid
from fordra.core.bulk import query_ids
from fordra.domain.balance import (
    CaseRows,
    PlainAllocation,
    PlainFee,
    PlainInvoice,
    case_balances,
)
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
    # A shard is a contiguous run of case ids, in order: dense shards (most cases in the id
    # range) are read with one range scan over each table's case index (rows of other cases in
    # the range are simply not looked at); sparse ones by IN lists (``query_ids``).
    ids = [c.case_id for c in cases]
    day_of = DateParser()
    invoices, agreed, written_off = _read_invoices(ids, today=today, day_of=day_of)
    fee_kinds, fees = _read_fees(ids, written_off=written_off, day_of=day_of)
    paid = _read_paid(ids, today=today)
    steps, steps_today = _read_steps(ids, today=today, day_of=day_of)
    debtors = _read_debtors(cases)
    # The one balance (fordra.domain.balance) without interest: the ladder only needs capital
    # and fees outstanding to know a case is paid or no trifle (interest only adds); the few
    # cases near their trifle threshold get the balance with interest in ``_with_trifles``.
    balances = case_balances(
        {c.case_id: CaseRows(invoices[c.case_id], fees[c.case_id], paid[c.case_id]) for c in cases},
        as_of=today,
        rates=None,
        interest=False,
    )
    snapshots = {}
    for c in cases:
        balance = balances[c.case_id]
        claims = tuple(
            ClaimSnapshot(
                invoice_id=claim.invoice_id,
                invoice_number=claim.invoice_number,
                due_date=claim.due_date,
                capital_ore=claim.capital_ore,
                reminder_fee_agreed=_agreed(
                    agreed[claim.invoice_id], reminder_fee_agreed_by_creditor[c.creditor_id]
                ),
                fees_charged=frozenset(fee_kinds.get(claim.invoice_id, ())),
            )
            for claim in balance.claims
        )
        snapshots[c.case_id] = _snapshot(
            c, claims=claims, balance_ore=balance.balance_ore, steps=steps[c.case_id],
            debtor=debtors[c.debtor_id], trifle_ore=(trifle_ore_by_creditor or {}).get(c.creditor_id, 0),
        )
    balances_near = _with_trifles(snapshots, today=today)
    return ShardData(snapshots=snapshots, steps_today=steps_today, balances=balances_near)


def _agreed(invoice_agreed: bool | None, creditor_agreed: bool) -> bool:
    return creditor_agreed if invoice_agreed is None else bool(invoice_agreed)


def _read_invoices(
    ids: Sequence[int], *, today: date, day_of: DateParser
) -> tuple[dict[int, list[PlainInvoice]], dict[int, bool | None], set[int]]:
    """Invoices by case (written-off ones too: a credit note is applied to the oldest invoice
    whether or not it was given up since), each invoice's own reminder-fee agreement, and the
    invoices given up by ``today``."""
    invoices: dict[int, list[PlainInvoice]] = defaultdict(list)
    agreed: dict[int, bool | None] = {}
    written_off: set[int] = set()
    for case_id, invoice_id, number, kind, due, amount, fee_agreed, off in shard_invoices(
        case_ids=ids
    ):
        off_on = None if off is None else day_of(off)
        if off_on is not None and off_on <= today:
            # A claim given up (time-barred, withdrawn) is never demanded again.
            written_off.add(invoice_id)
        invoices[case_id].append(
            PlainInvoice(invoice_id, number, kind, day_of(due), amount, None, off_on)
        )
        agreed[invoice_id] = fee_agreed
    return invoices, agreed, written_off


def _read_fees(
    ids: Sequence[int], *, written_off: set[int], day_of: DateParser
) -> tuple[dict[int, set[FeeKind]], dict[int, list[PlainFee]]]:
    """Fee kinds already charged per invoice, and the fee rows by case."""
    kinds: dict[int, set[FeeKind]] = defaultdict(set)
    fees: dict[int, list[PlainFee]] = defaultdict(list)
    for case_id, invoice_id, kind, amount, covers, day in shard_fees(case_ids=ids):
        # A letter's fee was charged for every invoice it covers: none of them is charged that
        # kind again, even when the invoice holding the fee was written off since.
        fee_kind = _FEE_KINDS[kind]
        for covered in covered_invoice_ids(covers, holder=invoice_id) if covers else ():
            kinds[covered].add(fee_kind)
        if invoice_id in written_off:
            continue
        kinds[invoice_id].add(fee_kind)
        fees[case_id].append(PlainFee(invoice_id, amount, day_of(day)))
    return kinds, fees


def _read_paid(ids: Sequence[int], *, today: date) -> dict[int, list[PlainAllocation]]:
    """What was allocated up to ``today``, summed per invoice and component, by case (dated
    ``today``: without interest the balance needs only the sums)."""
    paid: dict[int, list[PlainAllocation]] = defaultdict(list)
    for case_id, invoice_id, component, amount in shard_paid(case_ids=ids, as_of=today):
        paid[case_id].append(PlainAllocation(invoice_id, component, int(amount), today))
    return paid


def _read_steps(
    ids: Sequence[int], *, today: date, day_of: DateParser
) -> tuple[dict[int, dict[str, StepRecord]], set[int]]:
    """The ladder steps done per case, and the cases that took a step today."""
    steps: dict[int, dict[str, StepRecord]] = defaultdict(dict)
    steps_today: set[int] = set()
    for case_id, step, done_text, pay_text in query_ids(
        "SELECT case_id, step, CAST(done_on AS TEXT), CAST(pay_by AS TEXT) "
        "FROM collection_casestep WHERE case_id {where}",
        ids=ids,
        exact=False,
    ):
        done_on = day_of(done_text)
        steps[case_id][step] = StepRecord(
            done_on=done_on, pay_by=day_of(pay_text) if pay_text else None
        )
        if done_on == today:
            steps_today.add(case_id)
    return steps, steps_today


def _read_debtors(cases: Sequence[CaseRow]) -> dict[int, tuple[Any, ...]]:
    return {rec[0]: rec for rec in debtor_flags(debtor_ids=sorted({c.debtor_id for c in cases}))}


_DEBTOR_TYPES = {t.value: t for t in DebtorType}


def _snapshot(
    c: CaseRow,
    *,
    claims: tuple[ClaimSnapshot, ...],
    balance_ore: int,
    steps: dict[str, StepRecord],
    debtor: tuple[Any, ...],
    trifle_ore: int,
) -> CaseSnapshot:
    _, debtor_type, protected, deceased, relief = debtor
    return CaseSnapshot(
        case_id=c.case_id,
        state=c.state,
        debtor_type=_DEBTOR_TYPES[debtor_type],
        claims=claims,
        steps_done=steps,
        balance_ore=balance_ore,
        disputed=c.state == CaseState.DISPUTED.value,
        paused_until=c.paused_until,
        plan_active=c.state == CaseState.PLAN.value,
        debt_relief=bool(relief),
        deceased=bool(deceased),
        protected_identity=bool(protected),
        limitation_date=c.limitation_date,
        foreign_partner=c.foreign_partner,
        trifle_ore=trifle_ore,
    )


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
