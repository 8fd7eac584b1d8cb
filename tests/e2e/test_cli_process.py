"""A fresh user's session in real processes: migrate, add a creditor, import, look at a case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import claim_line, claims_csv


def fordra(*args: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "fordra.cli", *args],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=120,
    )


def test_a_new_user_can_import_claims_and_see_the_case(tmp_path: Path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/fordra.sqlite3"}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    claims = tmp_path / "claims.csv"
    claims.write_bytes(claims_csv(claim_line("F-1"), claim_line("F-2")))

    before = fordra("case", "list", env=env, cwd=tmp_path)
    assert before.returncode == 1
    assert "run `fordra migrate` first" in before.stderr and "Traceback" not in before.stderr

    assert fordra("migrate", env=env, cwd=tmp_path).returncode == 0
    added = fordra("--json", "creditor", "add", "--name", "Exempelbolaget AB", "--orgnr",
                   "5560360793", "--bankgiro", "50501055", env=env, cwd=tmp_path)
    imported = fordra("--json", "import", "claims", str(claims), env=env, cwd=tmp_path)
    listed = fordra("--json", "case", "list", env=env, cwd=tmp_path)

    assert added.returncode == 0, added.stderr
    assert json.loads(imported.stdout)["invoices"] == 2, imported.stderr
    cases = json.loads(listed.stdout)["cases"]
    assert len(cases) == 1
    shown = fordra("case", "show", cases[0]["ocr"], env=env, cwd=tmp_path)
    assert shown.returncode == 0
    assert "Tolvan Tolvansson" in shown.stdout

    bad = fordra("import", "claims", str(tmp_path / "missing.csv"), env=env, cwd=tmp_path)
    assert bad.returncode == 1
    assert "Traceback" not in bad.stderr
