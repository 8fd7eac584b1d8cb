"""Keep ``Case.limitation_date`` in step with its claims after every event that moves it.

A case's limitation date is the earliest bar date of its open claims (preskriptionslagen
(1981:130) 2, 5–7 §§; DOMAIN.md §6). An utslag, a payment, a letter the debtor received or an
acknowledgement (e.g. asking for a plan) changes a claim's bar date; the case date must follow
at once, not only at the next daily run — it went stale after an utslag while the claim's own
date was right (issue 10, item 3).

The limitation rules live in ``fordra.surveillance``, a layer above the apps that record those
events (kfm, plans, payments), which may not import it. So they call ``limitation_follow`` here
and the surveillance app registers the function that does the work
(``SurveillanceConfig.ready``). Without one registered nothing happens (the daily refresh still
catches up).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Protocol

__all__ = ["LimitationFollower", "limitation_follow", "limitation_follower_register"]


class LimitationFollower(Protocol):
    def __call__(self, *, case_ids: Iterable[int], day: date, now: datetime) -> object: ...


_followers: list[LimitationFollower] = []


def limitation_follower_register(follower: LimitationFollower) -> None:
    """Register the function that recomputes the cases' limitation (once per process)."""
    if follower not in _followers:
        _followers.append(follower)


def limitation_follow(*, case_ids: Iterable[int], day: date, now: datetime) -> None:
    """Something that moves the limitation of ``case_ids`` happened on ``day``: recompute their
    limitation dates now (and act on them as the daily refresh would)."""
    ids = sorted(set(case_ids))
    if not ids:
        return
    for follower in _followers:
        follower(case_ids=ids, day=day, now=now)


