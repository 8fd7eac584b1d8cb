"""No function in src/fordra is longer than 70 lines (issue 12: name the steps instead).

The allow-lists name the functions other work is still shortening; they only shrink. An entry
that is no longer too long fails too, so the list cannot outlive its reason.
"""

from __future__ import annotations

import ast
from pathlib import Path

MAX_LINES = 70
SRC = Path(__file__).resolve().parents[2] / "src" / "fordra"

# (path relative to src/fordra, function name): still over the limit, being shortened.
# Empty since issue 12: a new entry needs a reason next to it.
ALLOWED: frozenset[tuple[str, str]] = frozenset()
# Whole packages being split into new modules (their functions may move and rename).
ALLOWED_PACKAGES: frozenset[str] = frozenset()


def _allowed(key: tuple[str, str]) -> bool:
    return key in ALLOWED or key[0].split("/")[0] in ALLOWED_PACKAGES


def _long_functions() -> dict[tuple[str, str], int]:
    found: dict[tuple[str, str], int] = {}
    for path in sorted(SRC.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                assert node.end_lineno is not None
                length = node.end_lineno - node.lineno + 1
                if length > MAX_LINES:
                    found[(path.relative_to(SRC).as_posix(), node.name)] = length
    return found


def test_no_function_is_longer_than_70_lines() -> None:
    offenders = {key: n for key, n in _long_functions().items() if not _allowed(key)}
    assert not offenders, "functions over 70 lines (name their steps): " + ", ".join(
        f"{path} {name} ({n} lines)" for (path, name), n in sorted(offenders.items())
    )


def test_allow_list_names_only_functions_still_too_long() -> None:
    long = _long_functions().keys()
    stale = ALLOWED - long
    stale |= {
        (package, "*")
        for package in ALLOWED_PACKAGES
        if all(path.split("/")[0] != package for path, _ in long)
    }
    assert not stale, "no longer over 70 lines, remove from ALLOWED: " + ", ".join(
        f"{path} {name}" for path, name in sorted(stale)
    )
