"""Collection costs (inkassokostnader) — lag (1981:739) om ersättning för inkassokostnader m.m.

What a debtor (gäldenär) may be charged, each answer a ``FeeOutcome`` that says whether the fee
is allowed, how much, the paragraph it rests on, the fee schedule's version and one sentence in
Swedish the debtor may read.

- No fee before the debt has fallen due (1 §: costs for getting the debtor to pay "en förfallen
  skuld"): a fee on or before the due date (förfallodag) is never allowed — nor, when the due
  date is a non-bank day, up to the next bank day, on which a payment still counts as in time
  (DOMAIN.md §3; ``fordra.domain.calendar.is_overdue``).
- Reminder fee (påminnelseavgift, 2 § and 4 § 1): only if agreed at the latest when the debt
  arose; 60 kr since 2013-03-16 (before: 50 kr). **One per written reminder letter**, however
  many invoices it lists (DOMAIN.md §2): two invoices on one reminder are 60 kr, not 2 × 60 kr.
- Collection fee (inkassoavgift, 3 § 1 and 4 § 2): for a demand (inkassokrav) meeting
  inkassolagen (1974:182) 5 §; 180 kr (before: 160 kr). **One per inkassokrav letter**, however
  many invoices it covers: a creditor's claims against one debtor are merged into one
  inkassokrav (Datainspektionen's allmänna råd; RH 2022:7 awarded one fee where two were
  claimed). An invoice handed over later and demanded in a later letter of its own may carry
  that letter's fee. ``PER_LETTER_FEES`` names these two kinds; ``letter_fee`` turns the answer
  for the claims a letter is charged for into the letter's one fee.
- Payment plan fee (amorteringsplan, 3 § 2 and 4 § 3): for a complete written plan for the whole
  remaining debt made with the debtor; 170 kr (before: 150 kr). One per plan (Fordra charges it
  at most once per case: the safe side).
- Late payment compensation (förseningsersättning, 4 a §): 450 kr when the debtor is a business
  (or a public body buying goods or services: ``DebtorType.COMPANY``) and the creditor is
  entitled to late interest — never a consumer. Only for claims falling due from 2013-03-16
  (SFS 2013:56, transitional provisions): the amount is looked up on the due date.
  It stays **per claim** (per fordran), unlike the reminder and collection fees.
- When förseningsersättning is charged, the reminder and collection fees are absorbed by it
  (5 §: they are owed only to the extent they exceed it — in practice never).
- Kronofogden's fees: the application fee for a payment order (betalningsföreläggande) 300 kr
  and the basic enforcement fee (grundavgift för verkställighet) 600 kr, förordning (1992:1094)
  om avgifter vid Kronofogdemyndigheten; the agency's cost for drafting the application (ombud)
  380 kr — an industry amount whose basis after 2014 is unconfirmed (confidence L).

The amounts are maxima ("med högst"); they live in ``fordra/rules/fees.toml`` with their
valid-from dates. A fee's amount is the one in force on the day of the action (``on``): the 2013
amendment kept the old amounts for actions taken before 2013-03-16.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from enum import StrEnum
from itertools import pairwise

from fordra.domain.calendar import is_overdue
from fordra.domain.money import format_amount

__all__ = [
    "PER_LETTER_FEES",
    "DebtorType",
    "FeeKind",
    "FeeOutcome",
    "FeeRate",
    "FeeRateMissingError",
    "FeeSchedule",
    "collection_fee",
    "enforcement_fee",
    "kfm_application_fee",
    "kfm_ombud_fee",
    "late_payment_compensation",
    "letter_fee",
    "plan_fee",
    "reminder_fee",
]

LAW = "lag (1981:739) om ersättning för inkassokostnader m.m."
KFM_FEES = "förordning (1992:1094) om avgifter vid Kronofogdemyndigheten"
BF_LAW = "lag (1990:746) om betalningsföreläggande och handräckning"


class FeeKind(StrEnum):
    REMINDER = "reminder"
    DEMAND = "demand"
    PLAN = "plan"
    LATE_PAYMENT_COMPENSATION = "late_payment_compensation"
    KFM_APPLICATION = "kfm_application"
    KFM_OMBUD = "kfm_ombud"
    ENFORCEMENT = "enforcement"


# Fees charged once per letter, however many invoices the letter lists (lag (1981:739) 2 § and
# 3 § 1; DOMAIN.md §2); every other kind is per claim (förseningsersättning), per plan or per
# application to Kronofogden.
PER_LETTER_FEES = frozenset({FeeKind.REMINDER, FeeKind.DEMAND})
# How many invoice numbers a letter fee's explanation names before it only counts the rest.
LETTER_FEE_NUMBERS_SHOWN_MAX = 12


class DebtorType(StrEnum):
    PERSON = "person"
    COMPANY = "company"


class FeeRateMissingError(LookupError):
    """The schedule has no amount for a fee kind on a day (before its first entry)."""


@dataclass(frozen=True)
class FeeRate:
    """The (maximum) amount of one fee kind from ``valid_from``."""

    kind: FeeKind
    valid_from: date
    amount_ore: int
    source: str


@dataclass(frozen=True)
class FeeSchedule:
    """All fee amounts over time; rates are kept sorted by (kind, valid_from).

    Raises ``ValueError`` for a negative amount or two rates of one kind from the same day.
    """

    rates: tuple[FeeRate, ...]
    version: str

    def __post_init__(self) -> None:
        rates = tuple(sorted(self.rates, key=lambda r: (r.kind.value, r.valid_from)))
        for rate in rates:
            if rate.amount_ore < 0:
                raise ValueError(f"{rate.kind} fee from {rate.valid_from}: negative amount")
        for earlier, later in pairwise(rates):
            if (earlier.kind, earlier.valid_from) == (later.kind, later.valid_from):
                raise ValueError(f"two {later.kind} fees from {later.valid_from}")
        object.__setattr__(self, "rates", rates)

    def rate_on(self, kind: FeeKind, day: date) -> FeeRate:
        """The rate of ``kind`` in force on ``day``; ``FeeRateMissingError`` if none."""
        found: FeeRate | None = None
        for rate in self.rates:
            if rate.kind == kind and rate.valid_from <= day:
                found = rate
        if found is None:
            firsts = [rate.valid_from for rate in self.rates if rate.kind == kind]
            since = f" (the fee schedule has it from {min(firsts)})" if firsts else ""
            raise FeeRateMissingError(f"no {kind} fee on {day}{since}")
        return found

    def has_rate_on(self, kind: FeeKind, day: date) -> bool:
        return any(rate.kind == kind and rate.valid_from <= day for rate in self.rates)


@dataclass(frozen=True)
class FeeOutcome:
    """Whether a fee may be charged, how much (0 when not allowed) and why."""

    kind: FeeKind
    allowed: bool
    amount_ore: int
    rule: str
    version: str
    explanation: str


def reminder_fee(
    *,
    on: date,
    due_date: date,
    agreed: bool,
    debtor_type: DebtorType,
    late_payment_compensation_charged: bool,
    already_charged: bool,
    schedule: FeeSchedule,
) -> FeeOutcome:
    """Påminnelseavgift for a written reminder sent ``on`` (lag 1981:739 2 § and 4 § 1).

    ``debtor_type`` does not change the answer today (the fee is the same for consumers and
    businesses); ``late_payment_compensation_charged`` absorbs the fee whoever the debtor is.
    """
    kind = FeeKind.REMINDER
    del debtor_type
    if not is_overdue(due_date, on=on):
        return _not_before_due(kind, schedule)
    if not agreed:
        return _refused(
            kind,
            schedule,
            rule=f"{LAW} 2 §",
            explanation="Påminnelseavgift får bara tas ut om den avtalades senast när skulden "
            "uppkom.",
        )
    if already_charged:
        return _refused(
            kind,
            schedule,
            rule=f"{LAW} 2 och 4 §§; fordran har redan ingått i en avgiftsbelagd påminnelse",
            explanation="Påminnelseavgift har redan tagits ut för den här fordran.",
        )
    if late_payment_compensation_charged:
        return _absorbed(kind, schedule, name="Påminnelseavgiften")
    rate = schedule.rate_on(kind, on)
    return _allowed(
        rate,
        schedule,
        rule=f"{LAW} 2 § och 4 § andra stycket 1",
        explanation=f"Påminnelseavgift {format_amount(rate.amount_ore)} enligt avtal för en "
        "skriftlig betalningspåminnelse efter förfallodagen.",
    )


def collection_fee(
    *,
    on: date,
    due_date: date,
    debtor_type: DebtorType,
    late_payment_compensation_charged: bool,
    already_charged: bool,
    schedule: FeeSchedule,
) -> FeeOutcome:
    """Inkassoavgift for an inkassokrav sent ``on`` (lag 1981:739 3 § 1 and 4 § 2).

    The caller vouches that the demand meets inkassolagen (1974:182) 5 §.
    """
    kind = FeeKind.DEMAND
    del debtor_type
    if not is_overdue(due_date, on=on):
        return _not_before_due(kind, schedule)
    if already_charged:
        return _refused(
            kind,
            schedule,
            rule=f"{LAW} 3 § 1 och 4 §; fordran har redan ingått i ett avgiftsbelagt inkassokrav",
            explanation="Inkassoavgift har redan tagits ut för den här fordran.",
        )
    if late_payment_compensation_charged:
        return _absorbed(kind, schedule, name="Inkassoavgiften")
    rate = schedule.rate_on(kind, on)
    return _allowed(
        rate,
        schedule,
        rule=f"{LAW} 3 § 1 och 4 § andra stycket 2",
        explanation=f"Inkassoavgift {format_amount(rate.amount_ore)} för ett inkassokrav enligt "
        "inkassolagen (1974:182) 5 §.",
    )


def letter_fee(outcome: FeeOutcome, *, invoice_numbers: Sequence[str]) -> FeeOutcome:
    """The one fee a letter carries for the claims ``invoice_numbers`` (DOMAIN.md §2).

    ``outcome`` is the answer for one of those claims (``reminder_fee`` or ``collection_fee``);
    the amount stays that one cap — never one per invoice — and the rule and the explanation
    say so and name the invoices the letter covered, so the case page, the letter and the
    ledger's cause all show what the fee was for:

        >>> schedule = FeeSchedule(rates=(FeeRate(FeeKind.DEMAND, date(2013, 3, 16), 18000,
        ...     "lag (1981:739) 4 §"),), version="exempel")
        >>> one = collection_fee(on=date(2026, 7, 9), due_date=date(2026, 6, 10),
        ...     debtor_type=DebtorType.PERSON, late_payment_compensation_charged=False,
        ...     already_charged=False, schedule=schedule)
        >>> fee = letter_fee(one, invoice_numbers=["F-1", "F-2"])
        >>> fee.amount_ore
        18000
        >>> fee.explanation.split(". ")[-1]
        'En avgift för brevet, som avser fakturorna F-1, F-2.'

    A refused outcome, or a kind that is not charged per letter, comes back unchanged.
    """
    if not outcome.allowed or outcome.kind not in PER_LETTER_FEES or not invoice_numbers:
        return outcome
    per = (
        "en påminnelseavgift per skriftlig påminnelse"
        if outcome.kind is FeeKind.REMINDER
        else "en inkassoavgift per inkassokrav (RH 2022:7)"
    )
    return replace(
        outcome,
        rule=f"{outcome.rule}; {per}",
        explanation=f"{outcome.explanation} En avgift för brevet, som avser "
        f"{_invoice_list(invoice_numbers)}.",
    )


def _invoice_list(numbers: Sequence[str]) -> str:
    if len(numbers) == 1:
        return f"faktura {numbers[0]}"
    shown = ", ".join(numbers[:LETTER_FEE_NUMBERS_SHOWN_MAX])
    rest = len(numbers) - LETTER_FEE_NUMBERS_SHOWN_MAX
    return f"fakturorna {shown}" + (f" och {rest} till" if rest > 0 else "")


def plan_fee(*, on: date, already_charged: bool, schedule: FeeSchedule) -> FeeOutcome:
    """Avgift för amorteringsplan, for a complete written plan made ``on`` (3 § 2, 4 § 3)."""
    kind = FeeKind.PLAN
    if already_charged:
        return _refused(
            kind,
            schedule,
            rule=f"{LAW} 3 § 2 och 4 §; praxis: en avgift för amorteringsplan per fordran",
            explanation="Avgift för amorteringsplan har redan tagits ut för den här fordran.",
        )
    rate = schedule.rate_on(kind, on)
    return _allowed(
        rate,
        schedule,
        rule=f"{LAW} 3 § 2 och 4 § andra stycket 3",
        explanation=f"Avgift {format_amount(rate.amount_ore)} för en skriftlig amorteringsplan "
        "för hela den återstående skulden, upprättad tillsammans med gäldenären.",
    )


def late_payment_compensation(
    *,
    on: date,
    due_date: date,
    debtor_type: DebtorType,
    creditor_entitled_to_interest: bool,
    already_charged: bool,
    schedule: FeeSchedule,
) -> FeeOutcome:
    """Förseningsersättning (lag 1981:739 4 a §): 450 kr, business debtors only."""
    kind = FeeKind.LATE_PAYMENT_COMPENSATION
    rule = f"{LAW} 4 a §"
    if not is_overdue(due_date, on=on):
        return _not_before_due(kind, schedule)
    if debtor_type is not DebtorType.COMPANY:
        return _refused(
            kind,
            schedule,
            rule=rule,
            explanation="Förseningsersättning får inte tas ut av en konsument.",
        )
    if not creditor_entitled_to_interest:
        return _refused(
            kind,
            schedule,
            rule=rule,
            explanation="Förseningsersättning förutsätter att borgenären har rätt till "
            "dröjsmålsränta.",
        )
    if already_charged:
        return _refused(
            kind,
            schedule,
            rule=rule,
            explanation="Förseningsersättning har redan tagits ut för den här fordran.",
        )
    if not schedule.has_rate_on(kind, due_date):
        return _refused(
            kind,
            schedule,
            rule=f"{rule}; övergångsbestämmelser SFS 2013:56",
            explanation="Förseningsersättning gäller bara fordringar som förfaller från och med "
            "den 16 mars 2013.",
        )
    rate = schedule.rate_on(kind, due_date)
    return _allowed(
        rate,
        schedule,
        rule=rule,
        explanation=f"Förseningsersättning {format_amount(rate.amount_ore)} eftersom betalningen "
        "är försenad mellan näringsidkare och borgenären har rätt till dröjsmålsränta.",
    )


def kfm_application_fee(*, on: date, schedule: FeeSchedule) -> FeeOutcome:
    """Kronofogden's application fee for a betalningsföreläggande, recoverable from the debtor."""
    rate = schedule.rate_on(FeeKind.KFM_APPLICATION, on)
    return _allowed(
        rate,
        schedule,
        rule=f"{KFM_FEES}; {BF_LAW}",
        explanation=f"Ansökningsavgift {format_amount(rate.amount_ore)} till Kronofogden för "
        "betalningsföreläggande.",
    )


def kfm_ombud_fee(*, on: date, schedule: FeeSchedule) -> FeeOutcome:
    """The agency's cost for drafting the application (ombudsarvode; confidence L)."""
    rate = schedule.rate_on(FeeKind.KFM_OMBUD, on)
    return _allowed(
        rate,
        schedule,
        rule=f"{BF_LAW} (ersättning för ombudets kostnad); branschpraxis, osäker grund",
        explanation=f"Ersättning {format_amount(rate.amount_ore)} för att upprätta ansökan om "
        "betalningsföreläggande.",
    )


def enforcement_fee(*, on: date, schedule: FeeSchedule) -> FeeOutcome:
    """Kronofogden's basic enforcement fee (grundavgift), per exekutionstitel and year."""
    rate = schedule.rate_on(FeeKind.ENFORCEMENT, on)
    return _allowed(
        rate,
        schedule,
        rule=f"{KFM_FEES} (grundavgift)",
        explanation=f"Grundavgift {format_amount(rate.amount_ore)} till Kronofogden för "
        "verkställighet.",
    )


# --- outcomes ------------------------------------------------------------------------------


def _allowed(rate: FeeRate, schedule: FeeSchedule, *, rule: str, explanation: str) -> FeeOutcome:
    return FeeOutcome(
        kind=rate.kind,
        allowed=True,
        amount_ore=rate.amount_ore,
        rule=rule,
        version=schedule.version,
        explanation=explanation,
    )


def _refused(kind: FeeKind, schedule: FeeSchedule, *, rule: str, explanation: str) -> FeeOutcome:
    return FeeOutcome(
        kind=kind,
        allowed=False,
        amount_ore=0,
        rule=rule,
        version=schedule.version,
        explanation=explanation,
    )


def _not_before_due(kind: FeeKind, schedule: FeeSchedule) -> FeeOutcome:
    return _refused(
        kind,
        schedule,
        rule=f"{LAW} 1 §",
        explanation="Ingen avgift får tas ut förrän förfallodagen har passerat.",
    )


def _absorbed(kind: FeeKind, schedule: FeeSchedule, *, name: str) -> FeeOutcome:
    return _refused(
        kind,
        schedule,
        rule=f"{LAW} 5 §",
        explanation=f"{name} ingår i förseningsersättningen och tas inte ut separat.",
    )
