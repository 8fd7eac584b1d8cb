"""``fordra bench``: throughput of the hot paths, each beside a bare baseline of the same work.

Benchmarks run on a throw-away SQLite database (the CLI points DATABASE_URL at a temporary file
before Django starts), so they never touch the real one. Each result names its baseline: the
plainest code doing the same work in the same run, so the ratio survives a faster or slower
machine. These are measurements, not tests: nothing here asserts a time.
"""

from __future__ import annotations

import csv
import io
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from django.core.management import call_command

from fordra.claims.intake import claims_import
from fordra.parties.services import creditor_add
from fordra.synthetic.portfolio import generate_claim_rows, generate_creditors, write_claims_csv

BENCH_TODAY = date(2026, 11, 23)
BENCH_NOW = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


# Default sizes per benchmark (the figures); --cases overrides them all.
DEFAULT_SIZES = {
    "intake": 100_000,
    "daily_run": 1_000_000,
    "daily_run_full": 1_000_000,
    "letters": 5_000,
    "payments": 100_000,
    "http": 100_000,
}


def bench_run(*, cases: int | None, only: list[str] | None, seed: int) -> dict[str, Any]:
    benches: dict[str, Callable[[int, int], Any]] = {
        "intake": bench_intake,
        "daily_run": bench_daily_run_result,
        "daily_run_full": bench_daily_run_full_result,
        "letters": bench_letters,
        "payments": bench_payments_result,
        "http": bench_http_result,
    }
    unknown = [name for name in only or [] if name not in benches]
    if unknown:
        from fordra.core.errors import ApplicationError

        raise ApplicationError(
            f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(benches)}"
        )
    results = []
    for name, fn in benches.items():
        if only and name not in only:
            continue
        # Each benchmark starts from an empty database.
        call_command("migrate", verbosity=0, interactive=False)
        call_command("flush", verbosity=0, interactive=False)
        measured = fn(cases or DEFAULT_SIZES[name], seed)
        results.extend(measured if isinstance(measured, list) else [measured])
    return {"date": BENCH_TODAY.isoformat(), "results": results}


def bench_daily_run_result(cases: int, seed: int, *, full: bool = False) -> dict[str, Any]:
    """One day over ``cases`` open cases in steady state (see fordra.bench.daily_run)."""
    from fordra.bench.daily_run import bench_daily_run

    measured = bench_daily_run(cases, BENCH_TODAY, BENCH_NOW, full=full)
    result = _result(
        name="daily_run_full" if full else "daily_run",
        n=cases,
        seconds=measured["seconds"],
        baseline="sqlite3 query + decide + executemany",
        baseline_seconds=measured["baseline_seconds"],
    )
    result["detail"] = measured["detail"]
    return result


def bench_daily_run_full_result(cases: int, seed: int) -> dict[str, Any]:
    """The same day with every open case re-evaluated (first run, ``fordra run --full``)."""
    return bench_daily_run_result(cases, seed, full=True)


def bench_payments_result(payments: int, seed: int) -> dict[str, Any]:
    """A BgMax file of ``payments`` payments against 1 000 000 open cases (10 × as many)."""
    from fordra.bench.payments import bench_payments

    measured = bench_payments(
        payments=payments, cases=max(payments * 10, 1000), day=BENCH_TODAY, now=BENCH_NOW,
        seed=seed,
    )
    result = _result(
        name="payments",
        n=measured["n"],
        seconds=measured["seconds"],
        baseline="parse + sqlite3 OCR lookup + executemany postings",
        baseline_seconds=measured["baseline_seconds"],
    )
    result["detail"] = measured["detail"]
    return result


def bench_http_result(cases: int, seed: int) -> list[dict[str, Any]]:
    """The staff case list and case page under 20 concurrent clients (fordra.bench.http)."""
    from fordra.bench.http import bench_http

    def portfolio(invoices: int, seed: int) -> int:
        from fordra.claims.models import Case

        claims_import(data=_claims_file(invoices, seed), filename="bench.csv",
                      today=BENCH_TODAY, now=BENCH_NOW)
        return Case.objects.count()

    return bench_http(cases, seed, import_portfolio=portfolio)


def bench_letters(letters: int, seed: int) -> dict[str, Any]:
    """One-page letters rendered to one PDF batch, beside bare reportlab drawing the same."""
    from fordra.letters.bench import measure

    measured = measure(letters=letters)
    return _result(
        name="letters",
        n=letters,
        seconds=measured["seconds"],
        baseline="bare reportlab canvas, same strings",
        baseline_seconds=measured["baseline_seconds"],
    )


def _result(
    *, name: str, n: int, seconds: float, baseline: str, baseline_seconds: float
) -> dict[str, Any]:
    rate = n / seconds if seconds else 0.0
    baseline_rate = n / baseline_seconds if baseline_seconds else 0.0
    return {
        "name": name,
        "n": n,
        "seconds": round(seconds, 3),
        "rate_per_s": round(rate, 1),
        "baseline": baseline,
        "baseline_seconds": round(baseline_seconds, 3),
        "baseline_rate_per_s": round(baseline_rate, 1),
        "ratio": round(rate / baseline_rate, 3) if baseline_rate else 0.0,
    }


def _claims_file(invoices: int, seed: int) -> bytes:
    """Five synthetic creditors registered, and a claims CSV of ``invoices`` rows for them."""
    creditors = generate_creditors(count=5, seed=seed)
    for c in creditors:
        creditor_add(name=c.name, orgnr=c.orgnr, bankgiro=c.bankgiro, template=c.template)
    rows = generate_claim_rows(creditors=creditors, invoices=invoices, seed=seed, today=BENCH_TODAY)
    buffer = io.StringIO()
    write_claims_csv(rows, buffer)
    return buffer.getvalue().encode("utf-8")


def bench_intake(invoices: int, seed: int) -> dict[str, Any]:
    """Claims intake: a CSV of ``invoices`` rows validated, merged into cases and stored."""
    data = _claims_file(invoices, seed)

    stages: list[tuple[str, float]] = []

    def progress(stage: str, fraction: float) -> None:
        stages.append((stage, time.perf_counter()))

    started = time.perf_counter()
    result = claims_import(
        data=data, filename="bench.csv", today=BENCH_TODAY, now=BENCH_NOW, progress=progress
    )
    ended = time.perf_counter()
    seconds = ended - started
    assert result.invoices == invoices, result  # the work measured must be the work claimed

    baseline_seconds = _baseline_csv_executemany(data)
    measured = _result(
        name="intake",
        n=invoices,
        seconds=seconds,
        baseline="csv + sqlite3 executemany",
        baseline_seconds=baseline_seconds,
    )
    measured["detail"] = _intake_stages(stages, ended=ended)
    return measured


# claims_import reports these stages, in this order, through its progress callback.
INTAKE_STAGES = (
    "parse_and_validate",
    "check_register",
    "debtors",
    "cases",
    "invoices_and_events",
    "ledger",
    "commit",
)


def _intake_stages(stages: list[tuple[str, float]], *, ended: float) -> dict[str, float]:
    """Seconds per intake stage (from one stage's start to the next's), for the docs."""
    names = INTAKE_STAGES if len(stages) == len(INTAKE_STAGES) else [s for s, _ in stages]
    times = [t for _, t in stages] + [ended]
    return {
        f"{name}_seconds": round(times[i + 1] - times[i], 3) for i, name in enumerate(names)
    }


def _baseline_csv_executemany(data: bytes) -> float:
    """The same rows parsed by the csv module and inserted with one executemany, nothing else."""
    with tempfile.TemporaryDirectory() as tmp:
        db = sqlite3.connect(Path(tmp) / "baseline.sqlite3")
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        reader = csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";")
        header = next(reader)
        columns = ", ".join(f'"{h}"' for h in header)
        db.execute(f"CREATE TABLE claims (id INTEGER PRIMARY KEY, {columns})")
        placeholders = ", ".join("?" for _ in header)
        with db:
            db.executemany(f"INSERT INTO claims ({columns}) VALUES ({placeholders})", reader)
        seconds = time.perf_counter() - started
        db.close()
    return seconds
