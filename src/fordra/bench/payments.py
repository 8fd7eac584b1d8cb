"""Payment-import benchmark: one BgMax file of N payments against a large open portfolio.

Setup (not timed): the daily-run benchmark's portfolio of open cases, and a BgMax file paying
part of N random cases by OCR. Timed: ``payments_import`` — parse, match every OCR, allocate
costs → interest → capital, write payments, allocations, events and ledger transactions with
their hash chain. Baseline in the same run: parse the same file, look each OCR up in the indexed
case table with sqlite3, and executemany the same number of postings.
"""

from __future__ import annotations

import random
import sqlite3
import time
from datetime import date, datetime
from typing import Any

from django.conf import settings
from django.db import connection

from fordra.bench.daily_run import load_portfolio
from fordra.domain.identifiers import validate_bankgiro
from fordra.formats.bgmax import parse_bgmax, write_bgmax
from fordra.ledger.models import Posting
from fordra.payments.intake import payments_import

PAYMENT_ORE = 10_000  # 100 kr: a part payment on every case


def bench_payments(*, payments: int, cases: int, day: date, now: datetime, seed: int) -> dict[str, Any]:
    load_portfolio(cases=cases, day=day, now=now)
    with connection.cursor() as cursor:
        cursor.execute("SELECT ocr FROM claims_case")
        ocrs = [r[0] for r in cursor.fetchall()]
    rng = random.Random(seed)
    chosen = rng.sample(ocrs, min(payments, len(ocrs)))
    bankgiro = validate_bankgiro(settings.AGENCY["bankgiro"])
    data = write_bgmax(
        receiving_bankgiro=bankgiro,
        payments=[(day, ocr, PAYMENT_ORE, str(i + 1)) for i, ocr in enumerate(chosen)],
        created=now,
    )
    db_path = str(settings.DATABASES["default"]["NAME"])
    connection.close()
    started = time.perf_counter()
    result = payments_import(data=data, filename="bench.txt", now=now)
    seconds = time.perf_counter() - started
    assert result.matched == len(chosen), result
    postings = Posting.objects.count()
    baseline_seconds = _baseline(db_path=db_path, data=data, postings=postings)
    return {
        "seconds": seconds,
        "baseline_seconds": baseline_seconds,
        "n": len(chosen),
        "detail": {"open_cases": cases, "matched": result.matched, "postings": postings},
    }


def _baseline(*, db_path: str, data: bytes, postings: int) -> float:
    db = sqlite3.connect(db_path)
    db.execute("CREATE TEMP TABLE bench_postings (tx INTEGER, account TEXT, amount INTEGER)")
    started = time.perf_counter()
    parsed = parse_bgmax(data)
    found = []
    for p in parsed.payments:
        row = db.execute("SELECT id FROM claims_case WHERE ocr = ?", (p.reference,)).fetchone()
        found.append((row[0], p.amount_ore))
    per_payment = max(postings // max(len(found), 1), 1)
    rows = (
        (i, f"case:{case_id}:capital", amount)
        for i, (case_id, amount) in enumerate(found)
        for _ in range(per_payment)
    )
    with db:
        db.executemany("INSERT INTO bench_postings VALUES (?, ?, ?)", rows)
    seconds = time.perf_counter() - started
    db.close()
    return seconds
