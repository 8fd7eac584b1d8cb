"""Posting to the ledger, idempotently, extending the hash chain; verifying the chain; balances.

``ledger_post`` takes built ``Transaction`` values (``fordra.domain.ledger``), skips those whose
key is already stored with the same content, refuses a key stored with other content (naming
what differs), and appends the rest to the chain in one transaction with multi-row inserts. The chain
tip is a locked row, so concurrent posters queue instead of forking the chain. A transaction may
come prepared (``ledger_prepare``: plain values and its canonical text, made where it was built,
e.g. in a worker process), which posts exactly as the transaction itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from django.db import connection, transaction

from fordra.core.bulk import adapt, date_adapter, insert_values, query_in
from fordra.core.errors import ApplicationError
from fordra.domain.ledger import (
    GENESIS_HASH,
    RawTransaction,
    Transaction,
    canonical_body,
    chain_hash_of_body,
    raw_transaction,
    verify_chain,
)
from fordra.ledger.models import LedgerHead, LedgerTransaction, Posting

VERIFY_CHUNK_ROWS = 20_000


def _head_for_update() -> LedgerHead:
    head = LedgerHead.objects.select_for_update().filter(pk=1).first()
    if head is None:
        LedgerHead.objects.create(pk=1, sequence=0, hash=GENESIS_HASH)
        head = LedgerHead.objects.select_for_update().get(pk=1)
    return head


class PreparedTransaction(NamedTuple):
    """A checked ``Transaction`` as plain values, cheap to send between processes.

    ``text`` is its ``fordra.domain.ledger.canonical_body``: the canonical text without the
    previous hash and the sequence, which only posting decides.
    """

    key: str
    date: date
    kind: str
    memo: str
    postings: tuple[tuple[str, int], ...]
    text: str


def ledger_prepare(tx: Transaction) -> PreparedTransaction:
    """``tx`` (checked when it was built) for ``ledger_post``, e.g. from a worker process."""
    return PreparedTransaction(
        tx.key, tx.date, tx.kind, tx.memo,
        tuple((p.account, p.amount_ore) for p in tx.postings), canonical_body(tx),
    )


def _content(tx: PreparedTransaction) -> tuple[object, ...]:
    return (tx.date, tx.kind, tx.postings)


def ledger_post(
    transactions: Sequence[Transaction | PreparedTransaction],
    *,
    now: datetime,
    assume_new: bool = False,
) -> int:
    """Append ``transactions`` (in order) unless already posted; returns how many were new.

    ``assume_new``: the caller derived every key from a cause first recorded in this same
    database transaction, so none can be stored yet; the unique key still refuses a mistake.
    """
    if not transactions:
        return 0
    prepared = [
        tx if isinstance(tx, PreparedTransaction) else ledger_prepare(tx) for tx in transactions
    ]
    keys = [tx.key for tx in prepared]
    if len(set(keys)) != len(keys):
        raise ApplicationError("two transactions with the same key in one posting")
    with transaction.atomic():
        stored = {} if assume_new else _stored(keys)
        new = []
        for tx in prepared:
            old = stored.get(tx.key)
            if old is None:
                new.append(tx)
            elif old != _content(tx):
                raise ApplicationError(
                    f"ledger transaction {tx.key} is already posted with other content",
                    details=[f"stored {old}", f"given {_content(tx)}"],
                    code="conflict",
                )
        if not new:
            return 0
        head = _head_for_update()
        sequence, previous = head.sequence, head.hash
        tx_rows, hashes = [], []
        stamp = adapt(now)
        for tx in new:
            sequence += 1
            previous = chain_hash_of_body(previous=previous, sequence=sequence, body=tx.text)
            tx_rows.append(
                (sequence, tx.key, adapt(tx.date), tx.kind, tx.memo[:500], previous, stamp)
            )
            hashes.append(sequence)
        insert_values(
            LedgerTransaction,
            ["sequence", "key", "date", "kind", "memo", "hash", "created_at"],
            tx_rows,
        )
        ids = dict(
            query_in(
                "SELECT sequence, id FROM ledger_ledgertransaction WHERE sequence IN ({in})",
                values=hashes,
            )
        )
        day_of = date_adapter()
        posting_rows = []
        for seq, tx in zip(hashes, new, strict=True):
            tx_id, day = ids[seq], day_of(tx.date)
            posting_rows.extend(
                (tx_id, i, account, amount, day) for i, (account, amount) in enumerate(tx.postings)
            )
        insert_values(
            Posting, ["transaction_id", "position", "account", "amount_ore", "date"], posting_rows
        )
        LedgerHead.objects.filter(pk=1).update(sequence=sequence, hash=previous)
    return len(new)


def _stored(keys: Sequence[str]) -> dict[str, tuple[object, ...]]:
    rows = query_in(
        "SELECT t.key, t.date, t.kind, p.account, p.amount_ore FROM ledger_ledgertransaction t "
        "JOIN ledger_posting p ON p.transaction_id = t.id WHERE t.key IN ({in}) "
        "ORDER BY t.id, p.position",
        values=list(keys),
    )
    grouped: dict[str, list[tuple[object, ...]]] = {}
    meta: dict[str, tuple[object, object]] = {}
    for key, day, kind, account, amount in rows:
        grouped.setdefault(key, []).append((account, amount))
        meta[key] = (day if isinstance(day, date) else date.fromisoformat(str(day)), kind)
    return {k: (meta[k][0], meta[k][1], tuple(v)) for k, v in grouped.items()}


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    transactions: int
    first_break: int | None

    def as_json(self) -> dict[str, object]:
        return {"ok": self.ok, "transactions": self.transactions, "first_break": self.first_break}


def ledger_verify() -> VerifyResult:
    """Recompute the hash chain over every stored transaction; report the first break."""
    def rows() -> Iterable[tuple[int, str, RawTransaction]]:
        last = 0
        while True:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT t.sequence, t.hash, t.key, CAST(t.date AS TEXT), t.kind, t.memo, "
                    "p.account, p.amount_ore FROM ledger_ledgertransaction t "
                    "JOIN ledger_posting p ON p.transaction_id = t.id "
                    "WHERE t.sequence > %s AND t.sequence <= %s ORDER BY t.sequence, p.position",
                    [last, last + VERIFY_CHUNK_ROWS],
                )
                fetched = cursor.fetchall()
            if not fetched:
                return
            current: list[tuple[object, ...]] = []
            for row in fetched:
                if current and current[0][0] != row[0]:
                    yield _tx_of(current)
                    current = []
                current.append(row)
            if current:
                yield _tx_of(current)
            last += VERIFY_CHUNK_ROWS

    count = LedgerTransaction.objects.count()
    first_break = verify_chain(rows())
    return VerifyResult(ok=first_break is None, transactions=count, first_break=first_break)


def _tx_of(rows: list[tuple[object, ...]]) -> tuple[int, str, RawTransaction]:
    sequence, stored, key, day, kind, memo = rows[0][:6]
    # A tampered row may no longer balance: read it back unchecked, only to hash it.
    tx = raw_transaction(
        key=str(key),
        day=date.fromisoformat(str(day)[:10]),
        kind=str(kind),
        memo=str(memo),
        postings=((str(r[6]), int(str(r[7]))) for r in rows),
    )
    return int(str(sequence)), str(stored), tx


def account_balances(*, prefix: str = "", as_of: date | None = None) -> dict[str, int]:
    """Balances per account (debit > 0) from postings, optionally as of a date."""
    sql = "SELECT account, SUM(amount_ore) FROM ledger_posting WHERE account LIKE %s"
    params: list[object] = [prefix + "%"]
    if as_of is not None:
        sql += " AND date <= %s"
        params.append(adapt(as_of))
    sql += " GROUP BY account"
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {account: int(total) for account, total in cursor.fetchall()}
