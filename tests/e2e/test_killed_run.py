"""A daily run killed with SIGKILL at any point and re-run ends exactly like one clean run."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest

from fordra.synthetic.portfolio import generate_claim_rows, generate_creditors, write_claims_csv

RUN_DAY = date(2026, 11, 23)  # a Monday
KILL_AFTER_SECONDS = (0.8, 1.6, 2.6)


def fordra(*args: str, db: Path, media: Path) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{db}",
        "FORDRA_MEDIA_DIR": str(media),
        "FORDRA_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.Popen(
        [sys.executable, "-m", "fordra.cli", *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )


def ok(proc: subprocess.Popen[str]) -> str:
    out, err = proc.communicate(timeout=300)
    assert proc.returncode == 0, err
    return out


def outcome(db: Path, media: Path) -> dict[str, object]:
    con = sqlite3.connect(db)
    q = lambda sql: sorted(con.execute(sql).fetchall())  # noqa: E731
    result = {
        "steps": q("SELECT case_id, step, done_on FROM collection_casestep"),
        "fees": q("SELECT case_id, invoice_id, kind, amount_ore FROM claims_feerecord"),
        "letters": q("SELECT case_id, kind, status FROM letters_letter"),
        "deliveries": q("SELECT letter_id, channel, status FROM letters_delivery"),
        "events": q("SELECT case_id, kind, detail FROM claims_caseevent"),
        "states": q("SELECT id, state FROM claims_case"),
        "ledger": q("SELECT t.key, p.account, p.amount_ore FROM ledger_posting p "
                    "JOIN ledger_ledgertransaction t ON t.id = p.transaction_id"),
    }
    con.close()
    printed: list[str] = []
    for manifest in sorted((media / "outbox").glob("print-*.csv")):
        with manifest.open(newline="", encoding="utf-8") as f:
            printed += [row["letter_id"] for row in csv.DictReader(f)]
    result["printed"] = sorted(printed)
    return result


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("base")
    db, media = base / "fordra.sqlite3", base / "media"
    ok(fordra("migrate", db=db, media=media))
    creditors = generate_creditors(count=2, seed=5)
    for c in creditors:
        ok(fordra("creditor", "add", "--name", c.name, "--orgnr", c.orgnr, "--bankgiro",
                  c.bankgiro, "--reminder-fee-agreed", db=db, media=media))
    claims = base / "claims.csv"
    rows = generate_claim_rows(creditors=creditors, invoices=1500, seed=5,
                               today=RUN_DAY - timedelta(days=20))
    with claims.open("w", encoding="utf-8", newline="") as f:
        write_claims_csv(rows, f)
    ok(fordra("import", "claims", str(claims), db=db, media=media))
    return db


def copy_of(base: Path, where: Path) -> tuple[Path, Path]:
    where.mkdir()
    db = where / "fordra.sqlite3"
    shutil.copy(base, db)
    return db, where / "media"


def test_a_run_killed_at_any_point_and_rerun_equals_one_clean_run(portfolio: Path, tmp_path: Path):
    ref_db, ref_media = copy_of(portfolio, tmp_path / "reference")
    summary = json.loads(ok(fordra("--json", "run", "--date", RUN_DAY.isoformat(),
                                   db=ref_db, media=ref_media)))
    expected = outcome(ref_db, ref_media)
    assert summary["letters"] > 500 and summary["letters_sent"] == summary["letters"]
    con = sqlite3.connect(ref_db)
    by_print = sorted(str(r[0]) for r in con.execute(
        "SELECT id FROM letters_letter WHERE channel = 'print' AND status = 'sent'"))
    con.close()
    assert len(by_print) > 300
    assert expected["printed"] == by_print  # each printed letter in exactly one batch

    interrupted = []
    for n, delay in enumerate(KILL_AFTER_SECONDS):
        db, media = copy_of(portfolio, tmp_path / f"killed-{n}")
        proc = fordra("run", "--date", RUN_DAY.isoformat(), db=db, media=media)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        con = sqlite3.connect(db)
        unfinished = con.execute(
            "SELECT COUNT(*) FROM collection_dailyrun WHERE finished_at IS NOT NULL"
        ).fetchone()[0] == 0
        interrupted.append(unfinished)
        con.close()
        ok(fordra("run", "--date", RUN_DAY.isoformat(), db=db, media=media))
        ok(fordra("run", "--date", RUN_DAY.isoformat(), db=db, media=media))  # and once more

        got = outcome(db, media)
        for key in ("steps", "fees", "letters", "deliveries", "states", "events", "ledger"):
            assert got[key] == expected[key], f"killed after {delay}s: {key} differs"
        # Every letter is in exactly one print batch: none lost, none printed twice.
        assert got["printed"] == expected["printed"], f"killed after {delay}s: print batches"

    # The kills must really have landed mid-run for the test to prove anything.
    assert any(interrupted), "every kill came after the run had finished: lower the delays"
