"""No module reads or writes another app's tables by name (issue 12, "SQL behind a seam").

Import-linter sees imports, not table names in SQL text: a raw statement naming another app's
table is a dependency nobody can see. So every string literal in ``src/fordra`` that holds SQL is
scanned for table names (from Django's model registry), and a table must belong to the module's
own app (its Django app label). Another app's tables are read through that app's ``queries.py``.

One exception keeps the fast paths set-based: an app's ``queries.py`` may JOIN the tables of the
apps its own app already depends on (down the layers of pyproject.toml), so a join stays one
statement and the dependency it expresses is one import-linter already allows.
"""

from __future__ import annotations

import ast
import re
from functools import cache
from pathlib import Path

import grimp
from django.apps import apps

SRC = Path(__file__).resolve().parents[2] / "src" / "fordra"

# Modules that may name any table, and why.
ALLOWED = {
    # Generic helpers: they take a model or a caller's SQL as an argument and name no table.
    "core/bulk.py": "generic set-based helpers; the table comes from the caller",
    # The benchmarks build and measure a demo portfolio across every app; they are an interface
    # (beside cli and web), not an app, and nothing imports them.
    "bench/": "benchmarks build demo data across all apps",
    "synthetic/": "pure synthetic portfolios (no SQL today; listed for the data they may build)",
}

_SQL = re.compile(r"\b(SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|FROM|JOIN)\b")


@cache
def _owners() -> dict[str, str]:
    return {m._meta.db_table: m._meta.app_label for m in apps.get_models()}


@cache
def _graph() -> grimp.ImportGraph:
    return grimp.build_graph("fordra")


def _depends(app: str, on: str) -> bool:
    return bool(_graph().chain_exists(f"fordra.{app}", f"fordra.{on}", as_packages=True))


def _sql_literals(tree: ast.AST) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and _SQL.search(
            node.value
        ):
            out.append((node.lineno, node.value))
    return out


def _tables(text: str) -> set[str]:
    words = set(re.findall(r"\b[a-z][a-z0-9_]*\b", text))
    return {w for w in words if w in _owners()}


def _violations() -> list[str]:
    owners = _owners()
    out = []
    for path in sorted(SRC.rglob("*.py")):
        rel = path.relative_to(SRC).as_posix()
        if "/migrations/" in rel or any(rel.startswith(a) for a in ALLOWED):
            continue
        own = rel.split("/")[0]
        seam = rel.endswith("/queries.py")
        for line, text in _sql_literals(ast.parse(path.read_text(encoding="utf-8"))):
            for table in sorted(_tables(text)):
                label = owners[table]
                if label == own or (seam and _depends(own, label)):
                    continue
                out.append(f"src/fordra/{rel}:{line} names {table} (app {label})")
    return out


def test_every_sql_literal_names_only_its_own_apps_tables() -> None:
    found = _violations()
    assert not found, "read these through the owning app's queries.py:\n" + "\n".join(found)


def test_the_scan_sees_sql_and_tables() -> None:
    tree = ast.parse('x = "SELECT id FROM claims_case WHERE id IN ({in})"')
    [(_, text)] = _sql_literals(tree)
    assert _tables(text) == {"claims_case"}
    assert _owners()["plans_planinstallment"] == "plans"
