#!/usr/bin/env python3
"""A small mutation check of the money and date rules in ``fordra.domain``.

Usage (from the repository root, with the dev requirements installed)::

    python scripts/mutate_domain.py money calendar fees interest
    python scripts/mutate_domain.py interest --tests tests/unit/domain/test_interest.py

For each module it makes one mutant per place where a mutation applies, one at a time:

- a comparison flipped at its boundary: ``<`` ↔ ``<=``, ``>`` ↔ ``>=``, ``==`` ↔ ``!=``;
- an integer constant moved by one: ``n`` → ``n + 1`` and ``n`` → ``n - 1``;
- ``+`` ↔ ``-`` (also ``+=`` ↔ ``-=`` and a unary minus dropped to plus).

Each mutant is written into a copy of ``src/``, ``tests/`` and ``pyproject.toml`` in a
temporary directory (the working tree is never changed; pytest puts the ``src`` next to its
``pyproject.toml`` first on the path) and the tests are run there with ``pytest -x``, in a
child forked from this process, so that pytest, hypothesis and the other heavy imports are paid
once (Linux and macOS: it needs ``os.fork``), with hypothesis deadlines off, so that a busy
machine kills no mutant. A mutant is killed when the tests fail or time out. By default the tests are the files under ``tests/unit/domain`` that
import the module, plus the doctests (``test_docstrings.py``): the other files cannot notice.
Survivors are listed with their line so a person can judge each: add a test, or accept it as
equivalent (a change that cannot alter any result). It is a check to run by hand, not in CI:
it runs the tests once per mutant and takes minutes.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import io
import os
import re
import shutil
import signal
import sys
import tempfile
import time
import tokenize
from dataclasses import dataclass
from pathlib import Path

import hypothesis  # noqa: F401  (imported once here, before the children fork)
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOMAIN = ROOT / "src" / "fordra" / "domain"
TESTS = ROOT / "tests" / "unit" / "domain"
# A mutant may loop for ever: it is stopped (and counted killed) after this many times the
# unmutated run's duration, and never sooner than the floor.
TIMEOUT_FACTOR = 5
TIMEOUT_SECONDS_MIN = 30

_FLIPS = {
    "<": "<=",
    "<=": "<",
    ">": ">=",
    ">=": ">",
    "==": "!=",
    "!=": "==",
    "+": "-",
    "-": "+",
    "+=": "-=",
    "-=": "+=",
}


_NO_DEADLINES = """from hypothesis import settings

settings.register_profile("mutation", deadline=None)
settings.load_profile("mutation")
"""


@dataclass(frozen=True)
class Mutant:
    line: int
    column: int
    original: str
    replacement: str

    def apply(self, source: str) -> str:
        lines = source.splitlines(keepends=True)
        text = lines[self.line - 1]
        end = self.column + len(self.original)
        assert text[self.column : end] == self.original
        lines[self.line - 1] = text[: self.column] + self.replacement + text[end:]
        return "".join(lines)

    def describe(self) -> str:
        return f"line {self.line}: {self.original} → {self.replacement}"


def mutants_of(source: str) -> list[Mutant]:
    found: list[Mutant] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        line, column = token.start
        if token.type == tokenize.OP and token.string in _FLIPS:
            found.append(Mutant(line, column, token.string, _FLIPS[token.string]))
        elif token.type == tokenize.NUMBER and re.fullmatch(r"[0-9_]+", token.string):
            value = int(token.string)
            found.append(Mutant(line, column, token.string, str(value + 1)))
            if value > 0:
                found.append(Mutant(line, column, token.string, str(value - 1)))
    return [m for m in found if _compiles(m.apply(source))]


def _compiles(source: str) -> bool:
    try:
        compile(source, "<mutant>", "exec")
    except SyntaxError:
        return False
    return True


def tests_for(module: str) -> list[str]:
    """The test files (relative to the root) that import ``module``, its own first."""
    pattern = re.compile(rf"fordra\.domain\.{module}\b|from fordra\.domain import .*\b{module}\b")
    files = [
        str(path.relative_to(ROOT))
        for path in sorted(TESTS.glob("test_*.py"))
        if pattern.search(path.read_text(encoding="utf-8"))
    ]
    own = str((TESTS / f"test_{module}.py").relative_to(ROOT))
    files.sort(key=lambda name: name != own)  # the module's own tests first: killed sooner
    return [*files, str((TESTS / "test_docstrings.py").relative_to(ROOT))]


def killed(copy: Path, tests: list[str], *, timeout_seconds: float) -> bool:
    """Run ``tests`` in ``copy`` in a forked child: the parent has imported pytest, hypothesis
    and the other heavy libraries once (never ``fordra``), so each mutant costs only its tests.
    """
    child = os.fork()
    if child == 0:  # the child: run pytest quietly and exit with its status
        try:
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, 1)
            os.dup2(devnull, 2)
            os.chdir(copy)
            sys.path.insert(0, str(copy / "src"))
            arguments = ["-x", "-q", "-p", "no:cacheprovider", "--hypothesis-seed=0"]
            status = int(pytest.main([*arguments, *dict.fromkeys(tests)]))
        except BaseException:
            status = 99
        os._exit(status)
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        finished, status = os.waitpid(child, os.WNOHANG)
        if finished:
            return os.waitstatus_to_exitcode(status) != 0
        time.sleep(0.05)
    os.kill(child, signal.SIGKILL)  # an endless loop is a killed mutant
    os.waitpid(child, 0)
    return True


def check(module: str, tests: list[str], *, start: int = 1) -> tuple[int, list[Mutant]]:
    path = DOMAIN / f"{module}.py"
    source = path.read_text(encoding="utf-8")
    mutants = mutants_of(source)
    survivors: list[Mutant] = []
    with tempfile.TemporaryDirectory() as temporary:
        copy = Path(temporary)
        for tree in ("src", "tests"):
            shutil.copytree(ROOT / tree, copy / tree, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
        # A busy machine must not kill a mutant by a hypothesis deadline: no deadlines here.
        (copy / "conftest.py").write_text(_NO_DEADLINES, encoding="utf-8")
        target = copy / "src" / "fordra" / "domain" / f"{module}.py"
        started = time.monotonic()
        if killed(copy, tests, timeout_seconds=3600):
            raise SystemExit(f"mutate_domain: the tests fail without a mutant: {tests}")
        timeout = max(TIMEOUT_FACTOR * (time.monotonic() - started), TIMEOUT_SECONDS_MIN)
        for number, mutant in enumerate(mutants, 1):
            if number < start:
                continue
            target.write_text(mutant.apply(source), encoding="utf-8")
            if not killed(copy, tests, timeout_seconds=timeout):
                survivors.append(mutant)
            print(
                f"{module}: {number}/{len(mutants)} {mutant.describe()}"
                f"{'  SURVIVED' if survivors and survivors[-1] is mutant else ''}",
                flush=True,
            )
    return len(mutants), survivors


_PRELOADED = ("holidays", "django", "pytest_django", "tomllib", "decimal")


def main() -> int:
    for name in _PRELOADED:  # heavy imports paid once, not once per mutant (never fordra)
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="+", help="module names under fordra/domain")
    parser.add_argument("--tests", nargs="*", help="test files (default: those importing it)")
    parser.add_argument(
        "--start", type=int, default=1, help="resume a run of one module at this mutant number"
    )
    arguments = parser.parse_args()
    report = []
    for module in arguments.modules:
        if not (DOMAIN / f"{module}.py").is_file():
            print(f"mutate_domain: no module fordra/domain/{module}.py", file=sys.stderr)
            return 1
        total, survivors = check(
            module, arguments.tests or tests_for(module), start=arguments.start
        )
        tried = max(total - (arguments.start - 1), 0)
        rate = 100 * (tried - len(survivors)) / tried if tried else 100.0
        report.append(
            f"{module}: {tried - len(survivors)}/{tried} killed ({rate:.0f} %)"
            + (f", mutants {arguments.start}–{total}" if arguments.start > 1 else "")
        )
        report.extend(f"  survived {m.describe()}" for m in survivors)
    print("\n".join(report))
    return 0


if __name__ == "__main__":
    sys.exit(main())
