"""Limitation (preskription) of claims — preskriptionslag (1981:130), PreskL.

When a claim becomes time-barred, which events restarted the clock, and by when an interrupting
letter should go out. A time-barred claim may not be demanded (8 § första stycket): Fordra closes
it and never writes to the debtor about it again.

The rules
---------
- Period (2 §): ten years from the claim's tillkomst (``ClaimType.GENERAL``); three years for a
  consumer's debt for goods, services or other utility a business supplied for mainly private use
  (``ClaimType.CONSUMER``, 2 § andra stycket; not löpande skuldebrev). A company debtor's claim is
  never of the three-year kind.
- Interruption (5 §, lydelse SFS 2022:976): 1. the debtor acknowledges the claim to the creditor
  (promises to pay, pays interest or an instalment, asks for a plan) — ``ACKNOWLEDGEMENT``;
  2. the debtor *receives* a written demand or reminder — ``DEMAND_RECEIVED``; 3. the creditor
  takes legal action (court, Kronofogden, bankruptcy, skuldsanering) — ``LEGAL_ACTION``.
  ``HANDOVER`` is the creditor's own record of an interruption before hand-over (the claims
  file's ``limitation_interrupted_on``).
- Effect (6 §): a new period *of the same length* runs from the day of the interruption. After an
  utslag or a dom (7 §: the new period runs from the judgment) a consumer claim of the three-year
  kind keeps three years; costs awarded in the judgment have ten (DOMAIN.md §6, confidence M;
  confirmed in the tingsrätt's reasons quoted in NJA 2022 s. 150: utslag 5 October 2004 on a
  consumer claim → "tidigast preskriberats den 5 oktober 2007").

Counting the days (the choice made here)
----------------------------------------
Lag (1930:173) om beräkning av lagstadgad tid 1 §: a period counted in years ends on the *slutdag*,
the day with the same number in the month as the day the count starts from; if the end month has
no such day, its last day. So three years from 2023-01-10 ends on 2026-01-10, and ten years from
29 February 2024 on 28 February 2034. The period is counted *from* (not from and including) the
start day and includes the whole slutdag (Lawline, "Ett 'juridiskt' år", 2013: a debt of
1/1 2000 with three years is "preskriberad den 1/1 2003", the last day of year three).

The sources disagree in wording whether the claim is barred *on* the slutdag or *from the day
after* it (the tingsrätt in NJA 2022 s. 150 writes "preskriberats den 5 oktober 2007", i.e. on the
anniversary). Fordra takes the reading that never demands a time-barred claim:

- ``time_barred_on`` is the slutdag itself: the claim is treated as time-barred from and including
  the anniversary. The debtor-unfavourable reading (barred from the day after) is one day later.
- An interruption counts only if it takes effect before ``time_barred_on``, i.e. on or before
  ``last_day_to_interrupt`` (the day before the anniversary).
- The söndagsregeln (1930:173 2 §: a deadline on a Saturday, Sunday, holiday, midsommar-, jul- or
  nyårsafton moves to the next weekday) is *not* applied: whether it reaches preskription is not
  settled (the Supreme Court held it does not apply to åtalspreskription, NJA 1948 s. 550), and
  applying it could only move the bar later.
- 29 February: a period from 29 February ends on 28 February in a year without one (1930:173 1 §,
  "den månadens sista dag").

Interruptions after the bar do not revive the claim. A time-barred claim "may not be demanded"
(8 § första stycket); involuntary payment (wage distraint) did not revive one in RH 2002:66, and
in NJA 2018 s. 805 payments after utmätning did not "återuppväcka" a time-barred claim because the
creditor had no reason to trust that the debtor wished to acknowledge it. That case leaves a
narrow door open for a debtor's own, informed acknowledgement after the bar; Fordra never takes
it automatically: such a claim stays time-barred here and the explanation says that only a legal
review may conclude otherwise.

Where each interruption takes effect
------------------------------------
- ``DEMAND_RECEIVED``: ``on`` is the day the letter was *sent* (its own date, or the later
  business day a channel took it — never the moment a program ran, DOMAIN.md §6); it takes effect
  on the presumed day of receipt, ``receipt_bank_days`` bank days later (default 2 for post; an
  interruption may carry its own, e.g. 0 for a digital channel whose delivery record gives the
  day it was delivered, with ``on`` set to that day). For a debtor with a förvaltare the demand must reach the förvaltare
  (NJA 2022 s. 150) — the caller records only letters that went to the right addressee.
- ``ACKNOWLEDGEMENT``: the day it reached the creditor or the agency (a payment: the day it reached
  the account, DOMAIN.md §11).
- ``LEGAL_ACTION``: the day from which the new period runs — the day the judgment or decision was
  given or the proceeding otherwise ended (7 § första stycket). While a proceeding is pending,
  pass the filing day: it only moves the bar earlier. Record it only if the debtor was served or
  otherwise told of it (7 § andra stycket); the one-year minimum of 7 § andra stycket is not
  modelled (ignoring it only moves the bar earlier).
- ``HANDOVER``: the date the creditor reports, as given.

Interruptions dated before the claim arose are ignored (they cannot interrupt it) and listed in
``ignored_interruptions`` with those after the bar.

    >>> from fordra.domain.fees import DebtorType
    >>> status = limitation_status(
    ...     origin=date(2023, 1, 10),
    ...     claim_type=ClaimType.CONSUMER,
    ...     debtor_type=DebtorType.PERSON,
    ...     interruptions=[],
    ...     today=date(2025, 1, 15),
    ... )
    >>> status.last_day_to_interrupt, status.time_barred_on
    (datetime.date(2026, 1, 9), datetime.date(2026, 1, 10))
    >>> status.next_interruption_due  # 90 days before, back to a bank day
    datetime.date(2025, 10, 10)
    >>> status.is_time_barred(as_of=date(2026, 1, 10))
    True
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Final

from fordra.domain.calendar import add_bank_days, bank_day_on_or_after, is_bank_day
from fordra.domain.fees import DebtorType

__all__ = [
    "LAW",
    "MAX_MARGIN_DAYS",
    "MAX_RECEIPT_BANK_DAYS",
    "ClaimType",
    "Interruption",
    "InterruptionKind",
    "LimitationStatus",
    "add_years",
    "bar_date",
    "is_time_barred_at_handover",
    "limitation_period_years",
    "limitation_status",
]

LAW: Final = "preskriptionslagen (1981:130)"
GENERAL_YEARS: Final = 10
CONSUMER_YEARS: Final = 3
MAX_RECEIPT_BANK_DAYS: Final = 20
MAX_MARGIN_DAYS: Final = 365

_ONE_DAY: Final = timedelta(days=1)
_MONTHS: Final = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)  # fmt: skip
_YEARS_IN_WORDS: Final = {CONSUMER_YEARS: "tre", GENERAL_YEARS: "tio"}


class ClaimType(StrEnum):
    CONSUMER = "consumer"
    GENERAL = "general"
    JUDGMENT = "judgment"


class InterruptionKind(StrEnum):
    ACKNOWLEDGEMENT = "acknowledgement"
    DEMAND_RECEIVED = "demand_received"
    LEGAL_ACTION = "legal_action"
    HANDOVER = "handover"


_KIND_TEXT: Final = {
    InterruptionKind.ACKNOWLEDGEMENT: "genom gäldenärens erkännande, t.ex. en betalning (5 § 1)",
    InterruptionKind.DEMAND_RECEIVED: "genom ett skriftligt krav som gäldenären har fått (5 § 2)",
    InterruptionKind.LEGAL_ACTION: "genom en rättslig åtgärd (5 § 3 och 7 §)",
    InterruptionKind.HANDOVER: "enligt uppdragsgivarens uppgift före överlämnandet",
}


@dataclass(frozen=True)
class Interruption:
    """One event that interrupts limitation, with what proves it.

    ``on`` is the sending day for ``DEMAND_RECEIVED`` and the effective day for every other kind
    (see the module docstring). ``evidence`` names the proof — letter id and delivery record,
    payment key, application or case number — and may not be blank.
    """

    on: date
    kind: InterruptionKind
    evidence: str
    # A demand's own delivery time in bank days (0: delivered on ``on``); None: the caller's.
    receipt_bank_days: int | None = None

    def __post_init__(self) -> None:
        if not self.evidence.strip():
            raise ValueError(f"{self.kind} interruption on {self.on}: evidence is required")
        days = self.receipt_bank_days
        if days is not None and not 0 <= days <= MAX_RECEIPT_BANK_DAYS:
            raise ValueError(f"receipt_bank_days must be 0..{MAX_RECEIPT_BANK_DAYS}")

    def effective_on(self, *, receipt_bank_days: int = 2) -> date:
        """The day the interruption takes effect (a demand: its presumed day of receipt, after
        its own ``receipt_bank_days`` when it carries them, else the ones given here)."""
        if self.kind is InterruptionKind.DEMAND_RECEIVED:
            own = self.receipt_bank_days
            return add_bank_days(self.on, receipt_bank_days if own is None else own)
        return self.on


@dataclass(frozen=True)
class LimitationStatus:
    """Where a claim stands under preskriptionslagen.

    ``time_barred_on`` is the first day the claim is treated as time-barred (the anniversary, see
    the module docstring); ``started_on`` is the origin or the last effective interruption's
    effective day. ``last_demand_send_on`` is the last bank day a demand can be sent and still be
    presumed received before the bar; ``next_interruption_due`` is the bank day by which the next
    interrupting letter should be sent (``margin_days`` before the bar, never before ``today``,
    never after ``last_demand_send_on``), ``None`` when no letter sent from ``today`` on can
    arrive in time.
    """

    claim_type: ClaimType
    period_years: int
    started_on: date
    effective_interruptions: tuple[Interruption, ...]
    ignored_interruptions: tuple[Interruption, ...]
    time_barred_on: date
    last_demand_send_on: date
    next_interruption_due: date | None
    explanation: str

    @property
    def last_day_to_interrupt(self) -> date:
        """The last day an interruption can take effect (the day before ``time_barred_on``)."""
        return self.time_barred_on - _ONE_DAY

    def is_time_barred(self, *, as_of: date) -> bool:
        return as_of >= self.time_barred_on


def add_years(day: date, years: int) -> date:
    """The slutdag ``years`` years after ``day`` (lag 1930:173 1 §): same day and month, or the
    last day of the month when it has no such day (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February into a year without one
        return date(day.year + years, 2, 28)


def bar_date(*, origin: date, period_years: int, effective_days: Sequence[date]) -> date:
    """Only ``time_barred_on``: the fast path for the daily refresh over many claims.

    The same fold as ``limitation_status`` (6 §: each interruption effective on or after the
    origin and before the current bar starts a new period of the same length) over the
    interruptions' *effective* days, without the explanation and the scheduling dates.

        >>> bar_date(origin=date(2023, 1, 10), period_years=3,
        ...          effective_days=[date(2025, 3, 4), date(2020, 1, 1)])
        datetime.date(2028, 3, 4)
    """
    bar = add_years(origin, period_years)
    for day in sorted(effective_days):
        if origin <= day < bar:
            bar = add_years(day, period_years)
    return bar


def limitation_period_years(
    *,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    judged_claim_type: ClaimType | None = None,
    litigation_costs: bool = False,
) -> int:
    """The limitation period in years (2 §; after a judgment 6–7 §§).

    For ``ClaimType.JUDGMENT``, ``judged_claim_type`` is the kind of claim the judgment is about
    (``CONSUMER`` or ``GENERAL``); unknown (``None``) for a person is taken as the consumer kind —
    the shorter period, so that a claim is never demanded after it may be barred.
    ``litigation_costs`` (only with ``JUDGMENT``): costs awarded have ten years.
    """
    if claim_type is not ClaimType.JUDGMENT and (judged_claim_type is not None or litigation_costs):
        raise ValueError("judged_claim_type and litigation_costs apply to a judgment only")
    if judged_claim_type is ClaimType.JUDGMENT:
        raise ValueError("judged_claim_type is the claim a judgment is about: consumer or general")
    if debtor_type is DebtorType.COMPANY or litigation_costs:
        return GENERAL_YEARS
    kind = judged_claim_type if claim_type is ClaimType.JUDGMENT else claim_type
    if kind is ClaimType.GENERAL:
        return GENERAL_YEARS
    return CONSUMER_YEARS


def limitation_status(
    *,
    origin: date,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    interruptions: Sequence[Interruption],
    today: date,
    receipt_bank_days: int = 2,
    margin_days: int = 90,
    judged_claim_type: ClaimType | None = None,
    litigation_costs: bool = False,
) -> LimitationStatus:
    """The claim's limitation status given every interruption known.

    ``origin`` is the claim's tillkomst (for ``JUDGMENT``: the day of the utslag or dom).
    Interruptions are taken in order of their effective day; each one effective before the
    current bar restarts the period from its effective day (6 §); the rest are ignored. ``today``
    only bounds ``next_interruption_due``; pass every interruption that has happened (a demand
    already sent counts from its presumed receipt even when that is after ``today``).
    """
    if not 0 <= receipt_bank_days <= MAX_RECEIPT_BANK_DAYS:
        raise ValueError(f"receipt_bank_days must be 0..{MAX_RECEIPT_BANK_DAYS}")
    if not 0 <= margin_days <= MAX_MARGIN_DAYS:
        raise ValueError(f"margin_days must be 0..{MAX_MARGIN_DAYS}")
    years = limitation_period_years(
        claim_type=claim_type,
        debtor_type=debtor_type,
        judged_claim_type=judged_claim_type,
        litigation_costs=litigation_costs,
    )

    started_on, time_barred_on, effective, before_origin, after_bar = _interrupt(
        origin, years, interruptions, receipt_bank_days=receipt_bank_days
    )
    last_demand_send_on = add_bank_days(
        _bank_day_on_or_before(time_barred_on - _ONE_DAY), -receipt_bank_days
    )
    next_due = _next_interruption_due(
        time_barred_on=time_barred_on,
        last_demand_send_on=last_demand_send_on,
        today=today,
        margin_days=margin_days,
    )
    explanation = _explain(
        claim_type=claim_type,
        debtor_type=debtor_type,
        years=years,
        judged_claim_type=judged_claim_type,
        litigation_costs=litigation_costs,
        origin=origin,
        started_on=started_on,
        last=effective[-1] if effective else None,
        time_barred_on=time_barred_on,
        before_origin=before_origin,
        after_bar=after_bar,
    )
    return LimitationStatus(
        claim_type=claim_type,
        period_years=years,
        started_on=started_on,
        effective_interruptions=tuple(effective),
        ignored_interruptions=tuple(before_origin + after_bar),
        time_barred_on=time_barred_on,
        last_demand_send_on=last_demand_send_on,
        next_interruption_due=next_due,
        explanation=explanation,
    )


def _interrupt(
    origin: date, years: int, interruptions: Sequence[Interruption], *, receipt_bank_days: int
) -> tuple[date, date, list[Interruption], list[Interruption], list[Interruption]]:
    """The period after every interruption (6 §): its start, its bar, and the interruptions
    that restarted it, those before ``origin`` and those after the bar (both ignored)."""
    started_on = origin
    time_barred_on = add_years(origin, years)
    effective: list[Interruption] = []
    before_origin: list[Interruption] = []
    after_bar: list[Interruption] = []
    ordered = sorted(
        interruptions, key=lambda i: i.effective_on(receipt_bank_days=receipt_bank_days)
    )
    for interruption in ordered:
        effective_on = interruption.effective_on(receipt_bank_days=receipt_bank_days)
        if effective_on < origin:
            before_origin.append(interruption)
        elif effective_on >= time_barred_on:
            after_bar.append(interruption)
        else:
            effective.append(interruption)
            started_on = effective_on
            time_barred_on = add_years(effective_on, years)
    return started_on, time_barred_on, effective, before_origin, after_bar


def is_time_barred_at_handover(
    *,
    invoice_date: date,
    due_date: date,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    limitation_interrupted_on: date | None,
    handover_on: date,
) -> tuple[bool, str]:
    """Whether a claim is already time-barred when the creditor hands it over, and why (Swedish).

    The period runs from the claim's tillkomst — when the contract was made or the goods or
    service supplied — not from the invoice or the due date (2 §). The claims file carries no
    contract date, so the invoice date stands in for it. An invoice is normally dated on or
    after the supply, so this can put the bar later than the true one: for an invoice issued long
    after the supply, staff should check. The due date only guards the input (not before the
    invoice date); it never starts the period. ``limitation_interrupted_on`` is the creditor's
    last known interruption (``InterruptionKind.HANDOVER``). For a claim already judged, pass
    ``ClaimType.JUDGMENT`` with the judgment day (or a later interruption) as
    ``limitation_interrupted_on`` (required then: the invoice date does not start a judgment's
    period).
    """
    if due_date < invoice_date:
        raise ValueError(f"due date {due_date} before invoice date {invoice_date}")
    if claim_type is ClaimType.JUDGMENT and limitation_interrupted_on is None:
        raise ValueError("a judged claim needs the judgment day as limitation_interrupted_on")
    if limitation_interrupted_on is not None and limitation_interrupted_on > handover_on:
        raise ValueError(
            f"limitation_interrupted_on {limitation_interrupted_on} after handover {handover_on}"
        )
    interruptions = (
        [
            Interruption(
                on=limitation_interrupted_on,
                kind=InterruptionKind.HANDOVER,
                evidence="uppdragsgivarens fordringsfil (limitation_interrupted_on)",
            )
        ]
        if limitation_interrupted_on is not None
        else []
    )
    status = limitation_status(
        origin=invoice_date,
        claim_type=claim_type,
        debtor_type=debtor_type,
        interruptions=interruptions,
        today=handover_on,
    )
    if status.is_time_barred(as_of=handover_on):
        return True, (
            f"Fordran var preskriberad när den överlämnades den {_day(handover_on)} och får "
            f"inte krävas (8 §). {status.explanation}"
        )
    return False, (
        f"Fordran var inte preskriberad när den överlämnades den {_day(handover_on)}. "
        f"{status.explanation}"
    )


# --- helpers -------------------------------------------------------------------------------


def _bank_day_on_or_before(day: date) -> date:
    return day if is_bank_day(day) else add_bank_days(day, -1)


def _next_interruption_due(
    *, time_barred_on: date, last_demand_send_on: date, today: date, margin_days: int
) -> date | None:
    first_possible = bank_day_on_or_after(today)
    if first_possible > last_demand_send_on:
        return None
    wanted = _bank_day_on_or_before(time_barred_on - timedelta(days=margin_days))
    return max(min(wanted, last_demand_send_on), first_possible)


def _day(day: date) -> str:
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def _period_text(
    *,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    years: int,
    judged_claim_type: ClaimType | None,
    litigation_costs: bool,
) -> str:
    words = f"{_YEARS_IN_WORDS[years]} år"
    if claim_type is ClaimType.JUDGMENT:
        if litigation_costs:
            return (
                f"Preskriptionstiden för rättegångskostnader enligt utslaget eller domen är "
                f"{words} ({LAW} 2 § första stycket och 7 §)."
            )
        if years == CONSUMER_YEARS:
            unknown = "" if judged_claim_type else " (fordringens art okänd: den kortare tiden)"
            return (
                f"Efter utslaget eller domen löper en ny preskriptionstid om {words} för en "
                f"konsumentfordran{unknown} ({LAW} 2 § andra stycket, 6 och 7 §§)."
            )
        return (
            f"Efter utslaget eller domen löper en ny preskriptionstid om {words} "
            f"({LAW} 2 § första stycket, 6 och 7 §§)."
        )
    if years == CONSUMER_YEARS:
        return f"Preskriptionstiden är {words} för en konsumentfordran ({LAW} 2 § andra stycket)."
    if claim_type is ClaimType.CONSUMER and debtor_type is DebtorType.COMPANY:
        return (
            f"Preskriptionstiden är {words} eftersom gäldenären inte är konsument "
            f"({LAW} 2 § första stycket)."
        )
    return f"Preskriptionstiden är {words} ({LAW} 2 § första stycket)."


def _explain(
    *,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    years: int,
    judged_claim_type: ClaimType | None,
    litigation_costs: bool,
    origin: date,
    started_on: date,
    last: Interruption | None,
    time_barred_on: date,
    before_origin: Sequence[Interruption],
    after_bar: Sequence[Interruption],
) -> str:
    sentences = [
        _period_text(
            claim_type=claim_type,
            debtor_type=debtor_type,
            years=years,
            judged_claim_type=judged_claim_type,
            litigation_costs=litigation_costs,
        )
    ]
    if last is None:
        judged = claim_type is ClaimType.JUDGMENT
        start = "utslaget eller domen" if judged else "fordringens tillkomst"
        sentences.append(f"Tiden räknas från {start} den {_day(origin)}.")
    else:
        sentences.append(
            f"Preskriptionen avbröts senast den {_day(started_on)} {_KIND_TEXT[last.kind]}, och "
            "en ny preskriptionstid av samma längd löper från den dagen (6 §)."
        )
    sentences.append(
        f"Sista dag för preskriptionsavbrott är den {_day(time_barred_on - _ONE_DAY)}; fordran "
        f"behandlas som preskriberad från och med den {_day(time_barred_on)} "
        "(lag (1930:173) om beräkning av lagstadgad tid 1 §)."
    )
    if before_origin:
        sentences.append("Avbrott före fordringens tillkomst har inte räknats.")
    if after_bar:
        sentences.append(
            "Åtgärder efter att fordran preskriberats avbryter inte preskriptionen: en "
            "preskriberad fordran får inte krävas ut (8 §)."
        )
        if any(i.kind is InterruptionKind.ACKNOWLEDGEMENT for i in after_bar):
            sentences.append(
                "Ett erkännande efter preskriptionen väcker inte upp fordran utan juridisk "
                "prövning (jfr NJA 2018 s. 805)."
            )
    return " ".join(sentences)
