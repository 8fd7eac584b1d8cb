"""Every ledger posting has one author: ``fordra.domain.ledger`` builds them, and
``fordra.ledger.services`` is the one module that stores them.

A posting built by hand elsewhere (a literal account name, a sign, a forgotten contra) is how the
same money rule comes to be written twice; this test names the file and line where it happens.
Scanned with ``ast``, so an import alias (``from fordra.domain.ledger import Posting as P``,
``from fordra.domain import ledger as L`` … ``L.Posting(...)``) is seen through.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src" / "fordra"

DOMAIN_MODULE = "fordra.domain.ledger"
STORAGE_MODULE = "fordra.ledger.models"
# The one author of each kind of posting (paths relative to src/fordra).
DOMAIN_AUTHOR = "domain/ledger.py"
STORAGE_WRITER = "ledger/services.py"

_WRITES = {"create", "bulk_create", "get_or_create", "update_or_create", "update", "delete"}
_INSERT_SQL = re.compile(r"\b(insert\s+into|update|delete\s+from)\s+\"?ledger_posting\b", re.I)


def _names(tree: ast.AST, module: str, name: str) -> tuple[set[str], set[str]]:
    """(names bound to ``module.name``, names bound to ``module`` itself) in ``tree``."""
    package, _, leaf = module.rpartition(".")
    direct: set[str] = set()
    modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                if node.module == module and alias.name in (name, "*"):
                    direct.add(alias.asname or name)
                elif node.module == package and alias.name == leaf:
                    modules.add(alias.asname or leaf)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == module:
                    modules.add(alias.asname or module)
    return direct, modules


def _refers(node: ast.AST, direct: set[str], modules: set[str], name: str) -> bool:
    """Whether ``node`` is an expression naming the class: ``P`` or ``<module>.Posting``."""
    if isinstance(node, ast.Name):
        return node.id in direct
    if isinstance(node, ast.Attribute) and node.attr == name:
        return ast.unparse(node.value) in modules
    return False


def offences(source: str, relative: str) -> list[str]:
    """``file:line: what`` for each posting built or stored outside its author."""
    tree = ast.parse(source)
    found: list[str] = []
    if relative != DOMAIN_AUTHOR:
        direct, modules = _names(tree, DOMAIN_MODULE, "Posting")
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and _refers(node.func, direct, modules, "Posting"):
                found.append(
                    f"{relative}:{node.lineno}: builds a domain Posting; call a builder in "
                    f"{DOMAIN_MODULE} instead"
                )
    if relative != STORAGE_WRITER:
        direct, modules = _names(tree, STORAGE_MODULE, "Posting")
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and _INSERT_SQL.search(node.value)
            ):
                found.append(f"{relative}:{node.lineno}: writes ledger_posting in SQL")
            if not isinstance(node, ast.Call):
                continue
            func = node.func

            def model(expr: ast.AST) -> bool:
                return _refers(expr, direct, modules, "Posting")

            if model(func):
                found.append(f"{relative}:{node.lineno}: builds a ledger.models.Posting row")
            elif (
                isinstance(func, ast.Attribute)
                and func.attr in _WRITES
                and isinstance(func.value, ast.Attribute)
                and func.value.attr == "objects"
                and model(func.value.value)
            ):
                found.append(f"{relative}:{node.lineno}: Posting.objects.{func.attr}(...)")
            elif any(model(arg) for arg in node.args) and not (
                isinstance(func, ast.Name) and func.id in ("isinstance", "issubclass")
            ):
                found.append(
                    f"{relative}:{node.lineno}: passes ledger.models.Posting to "
                    f"{ast.unparse(func)}(...)"
                )
    return sorted(found, key=lambda text: int(text.split(":")[1]))


def test_no_posting_is_built_or_stored_outside_its_one_author() -> None:
    found = []
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        if "/migrations/" in f"/{relative}":
            continue
        found.extend(offences(path.read_text(encoding="utf-8"), relative))
    assert not found, "postings outside fordra.domain.ledger / fordra.ledger.services:\n" + (
        "\n".join(found)
    )


def test_the_authors_are_where_the_test_says() -> None:
    assert (SRC / DOMAIN_AUTHOR).is_file() and (SRC / STORAGE_WRITER).is_file()
    assert offences((SRC / STORAGE_WRITER).read_text(encoding="utf-8"), "elsewhere.py")


def test_an_alias_does_not_hide_a_posting() -> None:
    source = """
from fordra.domain.ledger import Posting as P
from fordra.domain import ledger as L
import fordra.domain.ledger
from fordra.ledger.models import Posting as Row
from fordra.ledger import models

P("bank:klientmedel", 1)
L.Posting("unapplied", -1)
fordra.domain.ledger.Posting("unapplied", -1)
Row.objects.bulk_create([])
models.Posting.objects.create(account="x")
insert_values(Row, ["account"], [])
Row(account="x")
Row.objects.count()
isinstance(x, Row)
cursor.execute("INSERT INTO ledger_posting (account) VALUES (%s)", ["x"])
"""
    lines = sorted(int(text.split(":")[1]) for text in offences(source, "x.py"))
    assert lines == [8, 9, 10, 11, 12, 13, 14, 17]
