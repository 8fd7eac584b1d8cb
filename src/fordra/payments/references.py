"""References other apps issue for a case, so that payments can match them (the seam upward).

A payment's reference is a case's OCR (``claims``) or an OCR issued by an app above payments —
today a plan's installment (``fordra.plans``). Payments may not import those apps (they sit above
it in the layers), so each registers a resolver here at start-up (``PlansConfig.ready``), as the
surveillance app does for ``fordra.claims.limitation``. The resolver reads its own tables through
its own ``queries.py``; payments never names them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

__all__ = ["ReferenceResolver", "issued_reference_cases", "reference_resolver_register"]


class ReferenceResolver(Protocol):
    def __call__(self, *, references: Sequence[str]) -> Iterable[tuple[str, int, str, int]]:
        """(reference, case id, case state, creditor id) for each reference it issued."""
        ...


_resolvers: list[ReferenceResolver] = []


def reference_resolver_register(resolver: ReferenceResolver) -> None:
    """Register a resolver of issued references (once per process)."""
    if resolver not in _resolvers:
        _resolvers.append(resolver)


def issued_reference_cases(*, references: Sequence[str]) -> list[tuple[str, int, str, int]]:
    """(reference, case id, state, creditor id) for every reference a registered app issued."""
    if not references:
        return []
    return [row for resolver in _resolvers for row in resolver(references=references)]
