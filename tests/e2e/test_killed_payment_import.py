"""A payment import killed with SIGKILL and started again books every payment exactly once: the
same payments, allocations and ledger as one clean import (issue 11)."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fordra.formats.bgmax import write_bgmax
from fordra.synthetic.portfolio import generate_claim_rows, generate_creditors, write_claims_csv
from tests.e2e.test_killed_run import fordra, ok

PAY_DAY = date(2026, 11, 20)
KILL_AFTER_SECONDS = (0.6, 1.2, 2.0)
PAYMENTS = 6000


def _outcome(db: Path) -> dict[str, object]:
    con = sqlite3.connect(db)
    q = lambda sql: sorted(con.execute(sql).fetchall())  # noqa: E731
    result = {
        "payments": q("SELECT key, status, case_id, amount_ore, allocated_ore FROM payments_payment"),
        "allocations": q("SELECT case_id, invoice_id, component, amount_ore, key FROM claims_allocation"),
        "ledger": q("SELECT t.key, p.account, p.amount_ore FROM ledger_posting p "
                    "JOIN ledger_ledgertransaction t ON t.id = p.transaction_id"),
        "files": q("SELECT sha256, payments FROM payments_paymentfile"),
        "states": q("SELECT id, state FROM claims_case"),
    }
    con.close()
    return result


@pytest.fixture(scope="module")
def portfolio(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("payments-base")
    db, media = base / "fordra.sqlite3", base / "media"
    ok(fordra("migrate", db=db, media=media))
    creditors = generate_creditors(count=2, seed=9)
    for c in creditors:
        ok(fordra("creditor", "add", "--name", c.name, "--orgnr", c.orgnr, "--bankgiro",
                  c.bankgiro, db=db, media=media))
    claims = base / "claims.csv"
    rows = generate_claim_rows(creditors=creditors, invoices=PAYMENTS, seed=9,
                               today=PAY_DAY - timedelta(days=30))
    with claims.open("w", encoding="utf-8", newline="") as f:
        write_claims_csv(rows, f)
    ok(fordra("import", "claims", str(claims), db=db, media=media))
    con = sqlite3.connect(db)
    ocrs = [r[0] for r in con.execute("SELECT ocr FROM claims_case ORDER BY id")]
    con.close()
    data = write_bgmax(
        receiving_bankgiro="50501055",
        created=datetime(2026, 11, 20, 18, 0, tzinfo=UTC),
        payments=[(PAY_DAY, ocr, 10_000 + n, str(n + 1)) for n, ocr in enumerate(ocrs)],
    )
    bank_file = base / "bgmax.txt"
    bank_file.write_bytes(data)
    return db, bank_file


def test_a_payment_import_killed_at_any_point_and_run_again_equals_one_clean_import(
    portfolio: tuple[Path, Path], tmp_path: Path
) -> None:
    base, bank_file = portfolio
    reference = tmp_path / "reference.sqlite3"
    shutil.copy(base, reference)
    first = json.loads(ok(fordra("--json", "import", "payments", str(bank_file), db=reference,
                                 media=tmp_path / "media")))
    assert first["payments"] > 1000
    expected = _outcome(reference)

    interrupted = []
    for n, delay in enumerate(KILL_AFTER_SECONDS):
        db = tmp_path / f"killed-{n}.sqlite3"
        shutil.copy(base, db)
        proc = fordra("import", "payments", str(bank_file), db=db, media=tmp_path / "media")
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=60)
        con = sqlite3.connect(db)
        interrupted.append(con.execute("SELECT COUNT(*) FROM payments_payment").fetchone()[0] == 0)
        con.close()
        again = json.loads(ok(fordra("--json", "import", "payments", str(bank_file), db=db,
                                     media=tmp_path / "media")))
        twice = json.loads(ok(fordra("--json", "import", "payments", str(bank_file), db=db,
                                     media=tmp_path / "media")))
        assert twice["payments"] == 0 and twice["duplicate"]
        assert again["payments"] in (first["payments"], 0)
        assert _outcome(db) == expected, f"killed after {delay}s"
        ok(fordra("ledger", "verify", db=db, media=tmp_path / "media"))
    assert any(interrupted), "every kill came after the import had committed: lower the delays"
