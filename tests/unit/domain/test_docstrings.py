"""The module docstrings are the spec: their examples must run."""

import doctest
from types import ModuleType

import pytest

from fordra.domain import allocation, calendar, identifiers, interest, money, ocr

MODULES = [allocation, calendar, identifiers, interest, money, ocr]


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__ for m in MODULES])
def test_the_examples_in_the_module_docstring_hold(module: ModuleType) -> None:
    failures, _ = doctest.testmod(module, verbose=False, report=True)
    assert failures == 0
