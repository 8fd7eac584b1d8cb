"""Scoring a debtor's ability to pay under efterbevakning (surveillance) — pure, no Django.

A ``CreditScorer`` turns what is known about a case (``ScoreFacts``) into a ``Score``: a value
from 0 (no ability to pay in sight) to 100 (pays readily) with the reasons, in Swedish, each with
its points. ``RuleBasedScorer`` is the default: payment history, the debt's age, the amount and
known events (skuldsanering, dödsbo, Kronofogden found no assets). A credit-information adapter
(``FORDRA_CREDIT_INFO_ADAPTER``, a dotted path to a class with ``lookup``; none by default) may
add a credit bureau's rating and payment remarks; the scorer weighs them in.

    >>> from datetime import date
    >>> facts = ScoreFacts(as_of=date(2027, 3, 1), debtor_type="person", outstanding_ore=250_000,
    ...                    oldest_due_date=date(2026, 6, 12), paid_ore=50_000,
    ...                    payment_days=(date(2027, 1, 25),))
    >>> score = RuleBasedScorer().score(facts)
    >>> score.value, score.reasons[0]
    (90, 'Utgångsläge 50')
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

__all__ = [
    "CreditInfo",
    "CreditInfoAdapter",
    "CreditScorer",
    "RecordingCreditInfo",
    "RuleBasedScorer",
    "Score",
    "ScoreFacts",
    "credit_info_adapter",
    "with_credit_info",
]

SCORE_MIN, SCORE_MAX = 0, 100


@dataclass(frozen=True)
class CreditInfo:
    """What a credit-information service says about a debtor (kreditupplysning).

    ``rating`` 0..100 (None: no rating), ``payment_remarks``: betalningsanmärkningar on file.
    """

    rating: int | None = None
    payment_remarks: int = 0
    source: str = ""


@dataclass(frozen=True)
class ScoreFacts:
    """What is known about a case under efterbevakning on ``as_of`` (amounts in öre)."""

    as_of: date
    debtor_type: str
    outstanding_ore: int
    oldest_due_date: date
    paid_ore: int = 0
    payment_days: tuple[date, ...] = ()
    known_events: frozenset[str] = frozenset()
    deceased: bool = False
    debt_relief: bool = False
    protected_identity: bool = False
    credit_info: CreditInfo | None = None

    def as_json(self) -> dict[str, Any]:
        return {
            "as_of": self.as_of.isoformat(),
            "debtor_type": self.debtor_type,
            "outstanding_ore": self.outstanding_ore,
            "oldest_due_date": self.oldest_due_date.isoformat(),
            "paid_ore": self.paid_ore,
            "payment_days": [d.isoformat() for d in self.payment_days],
            "known_events": sorted(self.known_events),
            "deceased": self.deceased,
            "debt_relief": self.debt_relief,
            "credit_info": None
            if self.credit_info is None
            else {
                "rating": self.credit_info.rating,
                "payment_remarks": self.credit_info.payment_remarks,
                "source": self.credit_info.source,
            },
        }


@dataclass(frozen=True)
class Score:
    value: int
    reasons: tuple[str, ...]
    scorer: str = ""

    def __post_init__(self) -> None:
        if not SCORE_MIN <= self.value <= SCORE_MAX:
            raise ValueError(f"score {self.value} outside {SCORE_MIN}..{SCORE_MAX}")


class CreditScorer(Protocol):
    def score(self, facts: ScoreFacts) -> Score: ...


class CreditInfoAdapter(Protocol):
    def lookup(self, *, national_ids: Sequence[str], on: date) -> Mapping[str, CreditInfo]: ...


@dataclass
class RuleBasedScorer:
    """Points from a start of 50, each rule with its reason; clamped to 0..100."""

    name: str = "rules-2026-11"

    def score(self, facts: ScoreFacts) -> Score:
        reasons = ["Utgångsläge 50"]
        value = 50

        def add(points: int, why: str) -> None:
            nonlocal value
            value += points
            reasons.append(f"{why}: {points:+d}")

        if facts.debt_relief:
            return Score(0, ("Skuldsanering: ingen indrivning är möjlig",), self.name)
        recent = [d for d in facts.payment_days if (facts.as_of - d).days <= 365]
        latest = [d for d in facts.payment_days if (facts.as_of - d).days <= 90]
        if latest:
            add(30, "Betalning de senaste 3 månaderna")
        elif recent:
            add(20, "Betalning det senaste året")
        elif not facts.payment_days:
            add(-10, "Aldrig någon betalning")
        age_days = (facts.as_of - facts.oldest_due_date).days
        if age_days > 5 * 365:
            add(-25, "Skulden är äldre än fem år")
        elif age_days > 2 * 365:
            add(-15, "Skulden är äldre än två år")
        if facts.outstanding_ore <= 500_000:
            add(10, "Litet belopp (högst 5 000 kr)")
        elif facts.outstanding_ore > 5_000_000:
            add(-10, "Stort belopp (över 50 000 kr)")
        if facts.deceased:
            add(-30, "Dödsbo")
        if "no_assets" in facts.known_events:
            add(-20, "Kronofogden har inte hittat några tillgångar")
        info = facts.credit_info
        if info is not None:
            if info.payment_remarks:
                add(-min(5 * info.payment_remarks, 25), "Betalningsanmärkningar")
            if info.rating is not None:
                rating = min(max(info.rating, SCORE_MIN), SCORE_MAX)
                blended = (value + rating) // 2
                add(blended - value, f"Kreditupplysning ({info.source or 'extern'}): {rating}")
        return Score(min(max(value, SCORE_MIN), SCORE_MAX), tuple(reasons), self.name)


def with_credit_info(facts: ScoreFacts, info: CreditInfo | None) -> ScoreFacts:
    return facts if info is None else replace(facts, credit_info=info)


@dataclass
class RecordingCreditInfo:
    """A test double and demo adapter: answers from ``answers`` and records every lookup."""

    answers: dict[str, CreditInfo] = field(default_factory=dict)
    calls: list[tuple[tuple[str, ...], date]] = field(default_factory=list)

    def lookup(self, *, national_ids: Sequence[str], on: date) -> Mapping[str, CreditInfo]:
        self.calls.append((tuple(national_ids), on))
        return {n: self.answers[n] for n in national_ids if n in self.answers}


_adapters: dict[str, Any] = {}


def credit_info_adapter(path: str | None = None) -> CreditInfoAdapter | None:
    """The configured adapter (``settings.FORDRA_CREDIT_INFO_ADAPTER``), one instance per path;
    None when none is configured."""
    if path is None:
        from django.conf import settings

        path = getattr(settings, "FORDRA_CREDIT_INFO_ADAPTER", "") or ""
    if not path:
        return None
    if path not in _adapters:
        module, _, name = path.rpartition(".")
        target = getattr(importlib.import_module(module), name)
        _adapters[path] = target() if isinstance(target, type) else target
    adapter: CreditInfoAdapter = _adapters[path]
    return adapter
