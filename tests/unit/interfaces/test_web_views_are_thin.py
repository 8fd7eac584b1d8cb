"""The staff web views write nothing themselves (issue 12): every write, and the record of who
looked at a debtor's data, happens inside a service the view calls, so another interface
calling the same service cannot skip it."""

from __future__ import annotations

import ast
from pathlib import Path

import fordra.web

WEB_DIR = Path(fordra.web.__file__).parent
VIEW_MODULES = ["views.py", "views_kfm.py", "views_plans.py", "views_surveillance.py"]
WRITES = {"create", "bulk_create", "update", "save", "delete", "get_or_create", "update_or_create"}
AUDIT = {"person_access_record"}


def _offences(path: Path) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        call = isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        if call and node.func.attr in WRITES:  # type: ignore[attr-defined]
            found.append(f"{path.name}:{node.lineno} .{node.func.attr}()")
        if isinstance(node, ast.Name) and node.id in AUDIT:
            found.append(f"{path.name}:{node.lineno} {node.id}")
    return found


def test_web_views_leave_writes_and_audit_to_the_services() -> None:
    assert [o for name in VIEW_MODULES for o in _offences(WEB_DIR / name)] == []
