"""Staff tasks (uppgifter) on a case, created once per cause."""

from __future__ import annotations

from datetime import date

from fordra.claims.models import Case, Task

TASK_TEXT_CHARS_MAX = 500  # Task.text


def task_open(*, case: Case, cause: str, kind: str, text: str, on: date) -> Task:
    """The task for ``cause`` on ``case`` (key ``task:<case id>:<cause>``), created on ``on`` if
    it does not exist yet: a re-run of the same cause never doubles it. Long texts are cut."""
    task, _ = Task.objects.get_or_create(
        key=f"task:{case.id}:{cause}",
        defaults={
            "case": case,
            "kind": kind,
            "text": text[:TASK_TEXT_CHARS_MAX],
            "created_on": on,
        },
    )
    return task
