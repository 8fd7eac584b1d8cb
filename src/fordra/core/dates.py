"""The effective date of a staff action (DESIGN.md §4.2, ``[--date D]``).

Every command and form that changes a case takes the day the action took effect — an objection
that arrived by post last week is registered with last week's date — defaulting to today and
never later than today: a future date would book something that has not happened.
"""

from __future__ import annotations

from datetime import date

from fordra.core.errors import ApplicationError


def effective_date(given: date | None, *, today: date, what: str = "--date") -> date:
    """``given`` (default ``today``); a day after ``today`` is refused (code ``future_date``)."""
    if given is None:
        return today
    if given > today:
        raise ApplicationError(
            f"{what} {given.isoformat()} is in the future (today is {today.isoformat()})",
            code="future_date",
        )
    return given
