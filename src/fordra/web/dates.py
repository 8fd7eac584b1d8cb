"""The effective date a staff form posts (DESIGN.md §4.2): the ``date`` field, default today.

One rule for every form that changes a case: an empty field is today; a day after today is
refused with a message in Swedish — the action has not happened yet.
"""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone

from fordra.core.dates import effective_date
from fordra.core.errors import ApplicationError


def posted_date(request: HttpRequest, field: str = "date") -> date:
    """The form's effective date; ``ApplicationError`` (Swedish) for a bad or future day."""
    today = timezone.localdate()
    text = request.POST.get(field, "").strip()
    if not text:
        return today
    try:
        given = date.fromisoformat(text)
    except ValueError as exc:
        raise ApplicationError(f"datumet {text!r} är inte ett datum (ÅÅÅÅ-MM-DD)") from exc
    try:
        return effective_date(given, today=today)
    except ApplicationError as exc:
        raise ApplicationError(
            f"datumet {given.isoformat()} ligger i framtiden (i dag är det {today.isoformat()})",
            code=exc.code,
        ) from exc
