"""Voiding a case's letters after a date: the one place that does it (DESIGN.md §4.2).

An action with an earlier effective date than letters already written — a dispute received on
D, a pause from D, a payment on D that paid the case in full — means the letters dated after D
should never have been written. Letters not yet handed to a channel are cancelled; letters
already handed over or sent are marked void (the letter stays on record, so the file still shows
what the debtor received). Each gets an event on the case timeline with the reason. Their fees
are the caller's to reverse (``fordra.claims.corrections.fee_reverse``): a voided letter's fee
is matched by its ladder step.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from fordra.claims.models import CaseEvent
from fordra.domain.letters import OUT_STATUSES
from fordra.letters.models import Letter, LetterStatus
from fordra.letters.unsent import UNSENT as _NOT_YET_OUT

_OUT = tuple(LetterStatus(status) for status in sorted(OUT_STATUSES))
# A dispute's own letters answer the debtor; voiding never touches them.
_KEPT_KINDS = ("dispute",)

LETTER_KIND_LABELS = {
    "reminder": "påminnelse",
    "demand": "inkassokrav",
    "demand_reminder": "inkassopåminnelse",
    "plan": "avbetalningsplan",
    "kfm_notice": "underrättelse om Kronofogden",
    "bankruptcy_warning": "konkursanmaning",
}


def letters_void_after(
    *,
    case_id: int,
    after: date,
    reason: str,
    actor: str,
    through: date | None = None,
    unsent_only: bool = False,
) -> list[Letter]:
    """Cancel or void the case's letters dated after ``after`` (through ``through`` if given);
    ``unsent_only``: only those not yet handed to a channel.

    Returns the letters changed, so the caller can reverse their fees. Idempotent: letters
    already cancelled or void are left alone.
    """
    statuses = [*_NOT_YET_OUT] if unsent_only else [*_NOT_YET_OUT, *_OUT]
    query = Letter.objects.filter(case_id=case_id, letter_date__gt=after).exclude(
        kind__in=_KEPT_KINDS
    ).filter(status__in=statuses)
    if through is not None:
        query = query.filter(letter_date__lte=through)
    letters = list(query.order_by("letter_date", "id"))
    if not letters:
        return []
    cancel = [x.id for x in letters if x.status in _NOT_YET_OUT]
    void = [x.id for x in letters if x.status in _OUT]
    if cancel:
        Letter.objects.filter(id__in=cancel).update(status=LetterStatus.CANCELLED)
    if void:
        Letter.objects.filter(id__in=void).update(status=LetterStatus.VOID)
    CaseEvent.objects.bulk_create(_events(letters, reason=reason, actor=actor))
    for letter in letters:
        letter.status = LetterStatus.CANCELLED if letter.id in cancel else LetterStatus.VOID
    return letters


def _events(letters: Sequence[Letter], *, reason: str, actor: str) -> list[Any]:
    out = []
    for letter in letters:
        label = LETTER_KIND_LABELS.get(letter.kind, letter.kind).capitalize()
        what = "makulerat" if letter.status in _NOT_YET_OUT else "ogiltigförklarat (redan skickat)"
        out.append(
            CaseEvent(
                case_id=letter.case_id,
                date=letter.letter_date,
                kind="letter_void",
                detail=f"{label} daterat {letter.letter_date.isoformat()} {what}: {reason}"[:1000],
                actor=actor,
            )
        )
    return out
