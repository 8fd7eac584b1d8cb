"""Issue 12: one author per state change. ``next_check_on`` is written only by
``fordra.claims.scheduling``; letter statuses are cancelled only by ``fordra.letters.unsent``
(and ``letters.voiding`` / ``collection.letter_faults`` for their own transitions); a protected
identity's channels come only from ``domain.letters.channels_for``."""

from __future__ import annotations

import re
from pathlib import Path

from fordra.domain.letters import OUT_STATUSES, UNSENT_STATUSES, channels_for

SRC = Path(__file__).resolve().parents[2] / "src" / "fordra"
# A write of the column: a keyword or dict key in an update/create, or SQL that sets or inserts it.
_NEXT_CHECK_WRITE = re.compile(
    r"next_check_on\s*=(?!=)|[\"']next_check_on[\"']\s*:|SET\s+next_check_on|[\"']next_check_on[\"']\s*[,\]]"
)
_NEXT_CHECK_AUTHOR = "claims/scheduling.py"
# Creating the benchmark's synthetic cases inserts each with the day its last run would have
# left: data set-up, not a state change.
_NEXT_CHECK_ALLOWED = {"bench/daily_run.py"}
_NEXT_CHECK_FIELD = "claims/models.py"  # the field's declaration, ``next_check_on = models…``
_PROTECTED_LITERAL = re.compile(r"\[\s*[\"']protected_forwarding[\"']\s*\]")


def _sources() -> list[tuple[str, str]]:
    return [
        (path.relative_to(SRC).as_posix(), path.read_text(encoding="utf-8"))
        for path in sorted(SRC.rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_next_check_on_is_written_only_by_the_scheduling_module() -> None:
    offenders = [
        f"src/fordra/{name}:{text.count(chr(10), 0, m.start()) + 1}"
        for name, text in _sources()
        if name != _NEXT_CHECK_AUTHOR and name not in _NEXT_CHECK_ALLOWED
        and not name.startswith("domain/")
        for m in _NEXT_CHECK_WRITE.finditer(text)
        if not (name == _NEXT_CHECK_FIELD and text.startswith("models.", m.end() + 1))
    ]
    assert offenders == [], "write next_check_on through fordra.claims.scheduling: " + ", ".join(
        offenders
    )


def test_the_scan_sees_the_ways_a_column_is_written() -> None:
    for line in (
        "Case.objects.update(next_check_on=None)",
        'update = {"next_check_on": None}',
        'cursor.execute("UPDATE claims_case SET next_check_on = %s")',
        'insert_rows(Case, ["id", "next_check_on"], rows)',
    ):
        assert _NEXT_CHECK_WRITE.search(line), line
    assert not _NEXT_CHECK_WRITE.search('" AND (next_check_on IS NULL OR next_check_on <= %s)"')


def test_letters_are_cancelled_by_status_only_in_the_letters_actions() -> None:
    allowed = {"letters/unsent.py", "letters/voiding.py", "collection/letter_faults.py"}
    offenders = [
        name for name, text in _sources()
        if name not in allowed and re.search(r"status\s*=\s*LetterStatus\.CANCELLED", text)
    ]
    assert offenders == []


def test_protected_forwarding_is_chosen_only_by_channels_for() -> None:
    offenders = [
        name for name, text in _sources()
        if name != "domain/letters.py" and _PROTECTED_LITERAL.search(text)
    ]
    assert offenders == []


def test_a_protected_identity_is_served_by_protected_forwarding_only() -> None:
    assert channels_for(protected_identity=True, wanted=["email", "sms", "print"]) == [
        "protected_forwarding"
    ]
    assert channels_for(protected_identity=False, wanted=("email", "print")) == ["email", "print"]


def test_unsent_letters_include_failed_and_blocked_and_never_one_that_went_out() -> None:
    assert {"pending", "rendered", "blocked", "failed"} == UNSENT_STATUSES
    assert not UNSENT_STATUSES & OUT_STATUSES
    assert {"handed_over", "sent"} == OUT_STATUSES
