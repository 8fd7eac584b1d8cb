"""Raw reads of the plans tables that other apps need (the SQL seam, docs/architecture.md).

Plain functions over plain rows, set-based, keyword-only; the other apps call these instead of
naming ``plans_*`` tables in their own SQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from fordra.core.bulk import query_in
from fordra.domain.plans import case_number_from_installment_ocr


def installment_reference_cases(*, references: Sequence[str]) -> list[tuple[str, int, str, int]]:
    """(OCR, case id, case state, creditor id) of the plan installments issued with these OCRs.

    Only a reference that was actually issued counts: it is looked up in the schedule by its
    exact OCR, never guessed from the digits alone, so a stray valid OCR cannot land on a case
    by accident. Registered with ``fordra.payments.references`` (``PlansConfig.ready``).
    """
    issued = [r for r in references if case_number_from_installment_ocr(r) is not None]
    if not issued:
        return []
    return query_in(
        "SELECT i.ocr, c.id, c.state, c.creditor_id FROM plans_planinstallment i "
        "JOIN plans_plan p ON p.id = i.plan_id JOIN claims_case c ON c.id = p.case_id "
        "WHERE i.ocr IN ({in})",
        values=sorted(issued),
    )
