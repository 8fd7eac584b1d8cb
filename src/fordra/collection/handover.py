"""Hand-over of claims to collection (överlämnande): the one service every intake path calls.

``claims_hand_over`` imports a claims file (``fordra.claims.intake.claims_import``, all or
nothing) and, in the same transaction, applies the limitation rules to every case the file
touched: a claim already time-barred when it is handed over is written off and its case closed
before any letter is written, and every touched case gets its limitation date
(preskriptionslagen (1981:130) 2 §; DOMAIN.md §6). The CLI, and any later interface (a REST
API, a creditor portal, e-mail intake), call this function — never the intake alone — so none
of them can skip the limitation check.

It lives in ``collection`` because the limitation rules live in ``surveillance``, a layer above
``claims``: the hook ``claims.limitation.limitation_follow`` would let the intake reach them,
but it returns nothing (the hand-over must report how many claims it wrote off) and it uses the
last daily refresh's day rather than the hand-over day.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import transaction

from fordra.claims.intake import ImportResult, Progress, claims_import
from fordra.claims.models import Invoice
from fordra.surveillance.daily import limitation_refresh

__all__ = ["HandOverResult", "claims_hand_over"]


def _noop(stage: str, fraction: float) -> None:
    return None


@dataclass(frozen=True)
class HandOverResult:
    """The import's result and, when the file brought new invoices, how many claims were
    already time-barred (written off, no letter); ``None`` when nothing new was imported."""

    imported: ImportResult
    time_barred: int | None

    def as_json(self) -> dict[str, Any]:
        out = self.imported.as_json()
        if self.time_barred is not None:
            out["time_barred"] = self.time_barred
        return out


def claims_hand_over(
    *,
    data: bytes,
    filename: str,
    today: date,
    now: datetime,
    source: str = "cli",
    progress: Progress = _noop,
) -> HandOverResult:
    """Import the claims file ``data`` and check limitation at hand-over, in one transaction.

    Raises ``ImportRejected`` (nothing written) when a line is bad.
    """
    with transaction.atomic():
        imported = claims_import(
            data=data, filename=filename, today=today, now=now, source=source, progress=progress
        )
        if not imported.invoices or imported.batch_id is None:
            return HandOverResult(imported=imported, time_barred=None)
        touched = set(
            Invoice.objects.filter(batch_id=imported.batch_id).values_list("case_id", flat=True)
        )
        barred = limitation_refresh(today=today, now=now, case_ids=touched)
    return HandOverResult(imported=imported, time_barred=barred["time_barred"])
