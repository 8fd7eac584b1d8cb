"""Cancelling a case's letters not yet sent: the one action that does it (issue 12).

Which letters count as not yet sent is the domain's rule (``fordra.domain.letters.UNSENT_STATUSES``:
waiting, rendered, stopped by the compliance check, or failed and awaiting a retry — never a
letter handed to a channel or sent). Every state change that stops writing to the debtor (closed
paid, written off, time-barred, returned to the creditor, handed to a partner abroad, skuldsanering
or dödsbo marked, disputed at Kronofogden) calls :func:`letters_cancel_unsent` instead of writing
its own UPDATE.

Set-based: one UPDATE per chunk of cases, so the payments engine and the limitation run can call
it for thousands of cases at once. It writes no event and reverses no fee: the caller's state
change writes the event, and a fee that stands for a cancelled letter is the caller's to reverse
where the law wants it (``fordra.collection.services.case_as_of`` for a dispute; a letter that
failed or was blocked on a case still collected is withdrawn with its fee by
``fordra.collection.letter_faults``). Call it inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from fordra.core.bulk import IN_CHUNK_PARAMS_MAX, chunks
from fordra.domain.letters import UNSENT_STATUSES
from fordra.letters.models import Letter, LetterStatus

UNSENT = tuple(LetterStatus(status) for status in sorted(UNSENT_STATUSES))


def letters_unsent(*, case_ids: Iterable[int]) -> QuerySet[Letter]:
    """The cases' letters not yet sent (a query; for reads and tests)."""
    return Letter.objects.filter(case_id__in=list(case_ids), status__in=UNSENT)


def letters_cancel_unsent(*, case_ids: Iterable[int], except_kinds: Iterable[str] = ()) -> int:
    """Cancel every letter not yet sent of the cases ``case_ids`` (but not those of
    ``except_kinds``, e.g. ``("dispute",)``: an answer to an objection still goes out).

    Returns how many letters were cancelled. Idempotent: a cancelled letter is not unsent.
    """
    ids = sorted(set(case_ids))
    kept = list(except_kinds)
    cancelled = 0
    for part in chunks(ids, IN_CHUNK_PARAMS_MAX):
        query = Letter.objects.filter(case_id__in=part, status__in=UNSENT)
        if kept:
            query = query.exclude(kind__in=kept)
        cancelled += query.update(status=LetterStatus.CANCELLED)
    return cancelled
