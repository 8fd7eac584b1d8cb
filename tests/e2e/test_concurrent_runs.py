"""Two daily runs at once — started together or staggered — send each letter once and book each
fee once: exactly what one run does (issue 11). On SQLite, and on PostgreSQL when the suite runs
there (`make test-pg`)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest

from fordra.synthetic.portfolio import generate_claim_rows, generate_creditors, write_claims_csv

RUN_DAY = date(2026, 11, 23)  # a Monday
INVOICES = 400


def _postgres() -> str | None:
    url = os.environ.get("DATABASE_URL", "")
    return url if url.startswith(("postgres://", "postgresql://")) else None


@pytest.fixture
def database(tmp_path: Path) -> Iterator[str]:
    """A database of its own for the processes: a SQLite file, or a new PostgreSQL database."""
    server = _postgres()
    if server is None:
        yield f"sqlite:///{tmp_path}/fordra.sqlite3"
        return
    import psycopg

    base, _, _ = server.rpartition("/")
    name = f"fordra_concurrent_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(f"{base}/postgres", autocommit=True) as con:
            con.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _start(*args: str, url: str, media: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "FORDRA_MEDIA_DIR": str(media),
        "FORDRA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "fordra.cli", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def _ok(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def _prepare(url: str, media: Path, tmp: Path) -> None:
    _ok(_start("migrate", url=url, media=media))
    creditors = generate_creditors(count=2, seed=11)
    for c in creditors:
        _ok(_start("creditor", "add", "--name", c.name, "--orgnr", c.orgnr, "--bankgiro",
                   c.bankgiro, "--reminder-fee-agreed", url=url, media=media))
    rows = generate_claim_rows(creditors=creditors, invoices=INVOICES, seed=11,
                               today=RUN_DAY - timedelta(days=20))
    claims = tmp / "claims.csv"
    with claims.open("w", encoding="utf-8", newline="") as f:
        write_claims_csv(rows, f)
    _ok(_start("import", "claims", str(claims), url=url, media=media))


def _outcome(url: str) -> dict[str, object]:
    if url.startswith("sqlite:///"):
        import sqlite3

        con: object = sqlite3.connect(url.removeprefix("sqlite:///"))
    else:
        import psycopg

        con = psycopg.connect(url)
    try:
        def q(sql: str) -> list[tuple[object, ...]]:
            return sorted(con.execute(sql).fetchall())  # type: ignore[attr-defined]

        return {
            "letters": q("SELECT case_id, kind, status FROM letters_letter"),
            "deliveries_per_letter": q(
                "SELECT letter_id, COUNT(*) FROM letters_delivery GROUP BY letter_id "
                "HAVING COUNT(*) > 1"
            ),
            "deliveries": q("SELECT COUNT(*) FROM letters_delivery"),
            "fees": q("SELECT case_id, kind, amount_ore FROM claims_feerecord"),
            "ledger": q("SELECT t.key, p.account, p.amount_ore FROM ledger_posting p "
                        "JOIN ledger_ledgertransaction t ON t.id = p.transaction_id"),
            "steps": q("SELECT case_id, step FROM collection_casestep"),
            "locks": q("SELECT COUNT(*) FROM collection_runlock"),
        }
    finally:
        con.close()  # type: ignore[attr-defined]


def _printed(media: Path) -> list[str]:
    import csv

    ids: list[str] = []
    for manifest in sorted((media / "outbox").glob("print-*.csv")):
        with manifest.open(newline="", encoding="utf-8") as f:
            ids += [row["letter_id"] for row in csv.DictReader(f)]
    return ids


@pytest.mark.parametrize("stagger_seconds", [0.0, 1.5])
def test_two_runs_at_once_deliver_each_letter_once_and_book_each_fee_once(
    database: str, tmp_path: Path, stagger_seconds: float
) -> None:
    media = tmp_path / "media"
    _prepare(database, media, tmp_path)

    first = _start("--json", "run", "--date", RUN_DAY.isoformat(), url=database, media=media)
    time.sleep(stagger_seconds)
    second = _start("--json", "run", "--date", RUN_DAY.isoformat(), url=database, media=media)
    results = [(p, *p.communicate(timeout=300)) for p in (first, second)]

    codes = sorted(p.returncode for p, _, _ in results)
    assert codes in ([0, 0], [0, 1]), [err for _, _, err in results]
    for proc, _, err in results:
        if proc.returncode == 1:
            assert "another daily run" in err and "Traceback" not in err
    outcome = _outcome(database)
    assert outcome["deliveries_per_letter"] == []
    assert outcome["locks"] == [(0,)]
    letters = len(outcome["letters"])  # type: ignore[arg-type]
    assert letters > 0 and outcome["deliveries"] == [(letters,)]
    printed = _printed(media)
    assert len(printed) == len(set(printed))

    # The same as one run on the same portfolio.
    reference_dir = tmp_path / "reference"
    reference_dir.mkdir()
    if _postgres() is None:
        reference = f"sqlite:///{reference_dir}/fordra.sqlite3"
        _prepare(reference, reference_dir / "media", reference_dir)
        _ok(_start("--json", "run", "--date", RUN_DAY.isoformat(), url=reference,
                   media=reference_dir / "media"))
        expected = _outcome(reference)
        for key in ("letters", "fees", "ledger", "steps", "deliveries"):
            assert outcome[key] == expected[key], key


def test_a_run_killed_with_its_lock_held_does_not_block_the_next(database: str, tmp_path: Path) -> None:
    media = tmp_path / "media"
    _prepare(database, media, tmp_path)
    run = _start("--json", "run", "--date", RUN_DAY.isoformat(), url=database, media=media)
    time.sleep(1.0)
    run.kill()
    run.communicate()
    _ok(_start("--json", "run", "--date", RUN_DAY.isoformat(), url=database, media=media))
    outcome = _outcome(database)
    assert outcome["deliveries_per_letter"] == [] and outcome["locks"] == [(0,)]
