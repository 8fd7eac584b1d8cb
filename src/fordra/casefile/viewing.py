"""A person looks at a case file: the file, and the record that they looked (GDPR art. 30).

``case_view`` is the one service a staff interface calls to show a case: it assembles the case
file (``case_detail_json``), its letters and open tasks, and records who viewed the debtor's
personal data, in one transaction — so a new interface (a REST API, a portal) cannot show a
case without leaving that trace.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from fordra.casefile import case_detail_json
from fordra.claims.models import Case, Task
from fordra.claims.selectors import case_get
from fordra.letters.models import Letter
from fordra.privacy.models import AccessAction
from fordra.privacy.services import person_access_record

__all__ = ["CaseView", "case_view"]


@dataclass(frozen=True)
class CaseView:
    case: Case
    detail: dict[str, Any]
    letters: list[Letter]
    tasks: list[Task]


def case_view(*, ref: str, as_of: date, actor: str, now: datetime) -> CaseView:
    """The case ``ref`` (reference or OCR) as of ``as_of``, its access logged for ``actor``.

    Raises ``NotFound`` for an unknown reference (nothing logged)."""
    case = case_get(ref=ref)
    with transaction.atomic():
        detail = case_detail_json(case, as_of=as_of)
        person_access_record(
            debtor=case.debtor, action=AccessAction.VIEWED, actor=actor,
            where=f"ärende {case.ref}", now=now,
        )
        letters = list(Letter.objects.filter(case=case).order_by("letter_date", "id"))
        tasks = list(case.tasks.filter(done_at__isnull=True))
    return CaseView(case=case, detail=detail, letters=letters, tasks=tasks)
