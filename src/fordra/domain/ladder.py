"""Dunning ladders (betalningspåminnelse → inkassokrav → överlämning) and the daily decision.

A ladder is data: an ordered list of named steps, each due a number of calendar days after an
anchor — the case's earliest open due date (``"due_date"``), the day an earlier step was taken
(``"<step>.done"``) or the pay-by date an earlier letter printed (``"<step>.pay_by"``) — and moved
forward to a bank day (lag (1930:173) 2 §; ``fordra.domain.calendar``). Ladders carry a version
and a valid-from date; every ``Decision`` names the version and the rule (``"<version>/<step>"``)
so the case timeline can say which rule allowed each action (DESIGN.md §2, "rules as data").

``decide`` is Kill Bill's overdue evaluation made pure: a list of guards checked in order, first
match wins, then the first step not yet taken. The guards, in order (reason in quotes):

1. the case is closed — "closed";
2. nothing is outstanding (``balance_ore`` ≤ 0) — "paid";
2a. the claim is time-barred (``limitation_date`` reached) — "time-barred": it may not be
    demanded (preskriptionslagen (1981:130) 8 §; DOMAIN.md §6);
2b. the case has passed the ladder to a later stage (Kronofogden, utslag, verkställighet,
    efterbevakning) — "stage <state>": those stages act on it, not the ladder;
2c. the debtor lives abroad and the case is with a partner agency — "foreign partner";
3. the debtor objected (bestridande) — "disputed": a well-founded objection stops collection
   until it is investigated (inkassolagen (1974:182) 4 §, god inkassosed; DOMAIN.md §4);
4. paused through a date — "paused until YYYY-MM-DD";
5. a payment plan is in force — "plan in force";
6. skuldsanering opened by Kronofogden — "skuldsanering": all collection of covered claims must
   stop (skuldsaneringslagen (2016:675); DOMAIN.md §10);
7. the debtor has died — "dödsbo": no dunning of the deceased, no new fees (DOMAIN.md §10);
8. no claim with capital left is overdue — "not due": no measure and no fee before the due date
   (lag (1981:739) 1 §; räntelagen (1975:635) 2 §), nor — for a due date on a non-bank day —
   before the next bank day, on which a payment still counts as in time (DOMAIN.md §3;
   ``calendar.is_overdue``). The anchor ``"due_date"`` is that last day in time as well;
9. every step is taken — "ladder finished";
10. the next step's anchor is not there yet — "waiting for <step>";
11. the next step is not due — "not due: <step> on YYYY-MM-DD";
12. today is not a bank day — "quiet day": no letter is dated or sent on a weekend or holiday;
13. the next step may add a fee and the whole remainder (capital + interest + fees outstanding,
    ``balance_ore``) is below the creditor's threshold ``trifle_ore`` — "trifle": a fee-bearing
    letter for a few kronor is not a cost "skäligen påkallad" (lag (1981:739) 1 §) nor god
    inkassosed (DOMAIN.md §3). The daily run then does what the creditor's agreement says with
    the remainder (write it off or return it). Steps without a fee are not affected.

Otherwise the step applies ("step <name>"). A letter gets a pay-by date ``pay_days`` after its
date (moved to a bank day); an inkassokrav ("demand" and "demand_reminder" letters) gets at
least the legal minimum time to pay or object — inkassolagen 5 § (demand content, DOMAIN.md §4
item 5) and the IMY guidance: at least **8 days from the day it is sent** and at least **4 bank
days from its presumed receipt**, post being presumed received 2 bank days after sending:

    >>> from datetime import date
    >>> min_demand_pay_by(date(2026, 3, 2))       # Monday: 8 days wins
    datetime.date(2026, 3, 10)
    >>> min_demand_pay_by(date(2026, 12, 22))     # received 28 Dec; 29, 30 Dec, 4, 5 Jan
    datetime.date(2027, 1, 5)

A letter step's fee comes from ``fordra.domain.fees`` (lag (1981:739) om ersättning för
inkassokostnader m.m.): the påminnelseavgift only when agreed (2 §), the inkassoavgift only for an
inkassokrav (3 §), förseningsersättning only from a business (4 a §) and absorbing the other two
(5 §); never for a claim not yet due, and never for a claim whose ``fees_charged`` already holds
the kind (a letter charged for it before). The påminnelseavgift and the inkassoavgift are **one
per letter** however many invoices the letter lists (``PER_LETTER_FEES``; DOMAIN.md §2, RH
2022:7): the letter's one fee is held by the oldest claim it is allowed on (payments settle it
with that claim) and ``covers`` every claim it is charged for — those claims carry the kind from
then on, so a later letter charges only for invoices handed over after it. Förseningsersättning
stays per claim. A protected identity does not stop a letter, it changes the channel to
Skatteverket's forwarding.

The creditor's service level cuts the ladder (``ladder_for_service``): reminders only (after the
last reminder the case returns to the creditor, closed as recalled) or collection only (no
påminnelse: the inkassokrav is anchored at the due date). Per-creditor overrides change days,
times to pay, channels and texts, or drop steps (``apply_overrides``); the result has its own
version.

Pure: no Django, no I/O, no clock — ``today`` is an argument.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from enum import StrEnum
from functools import cached_property, lru_cache

from fordra.domain.calendar import (
    bank_day_on_or_after,
    is_bank_day,
    is_overdue,
    last_day_in_time,
)
from fordra.domain.fees import (
    PER_LETTER_FEES,
    DebtorType,
    FeeKind,
    FeeOutcome,
    FeeSchedule,
    collection_fee,
    late_payment_compensation,
    letter_fee,
    reminder_fee,
)

# The legal minimum time to pay an inkassokrav lives with the letter rules (one rule, one place).
from fordra.domain.letters import (
    DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN,
    DEMAND_PAY_DAYS_MIN,
    PRESUMED_RECEIPT_BANK_DAYS,
    channels_for,
    min_demand_pay_by,
)

__all__ = [
    "CASE_STATES",
    "CHANNELS",
    "CLOSED_STATES",
    "DEMAND_PAY_BANK_DAYS_AFTER_RECEIPT_MIN",
    "DEMAND_PAY_DAYS_MIN",
    "INKASSOKRAV_LETTERS",
    "LADDER_STEPS_MAX",
    "LETTER_KINDS",
    "OVERRIDE_FIELDS",
    "PRESUMED_RECEIPT_BANK_DAYS",
    "RETURN_STEP_NAME",
    "STAGE_STATES",
    "STEP_DAYS_MAX",
    "TRIFLE_REASON",
    "CaseSnapshot",
    "ClaimFee",
    "ClaimSnapshot",
    "Decision",
    "Ladder",
    "ServiceLevel",
    "Step",
    "StepKind",
    "StepRecord",
    "apply_overrides",
    "decide",
    "ladder_for_service",
    "min_demand_pay_by",
]

INKASSOLAGEN = "inkassolagen (1974:182)"

CLOSED_STATES = frozenset(
    {"closed_paid", "closed_recalled", "closed_written_off", "closed_time_barred"}
)
# DESIGN.md §4.5: every state a case can be in (a step may only move a case to one of these).
CASE_STATES = frozenset(
    {
        "open",
        "reminder",
        "demand",
        "plan",
        "disputed",
        "kfm",
        "judgment",
        "enforcement",
        "surveillance",
        *CLOSED_STATES,
    }
)
# After the ladder: states whose cases the stage apps (kfm, surveillance) act on, not ``decide``.
STAGE_STATES = frozenset({"kfm", "judgment", "enforcement", "surveillance"})
# docs/collection-api.md §5: the outbox channels a letter step may prefer.
CHANNELS = frozenset({"digital_mailbox", "email", "sms", "print", "protected_forwarding"})
LETTER_KINDS = frozenset({"reminder", "demand", "demand_reminder", "notice", "bankruptcy_warning"})
# Letters that are an inkassokrav (inkassolagen 5 §): they get the legal minimum time to pay.
INKASSOKRAV_LETTERS = frozenset({"demand", "demand_reminder"})


# Limits (STYLE.md: put a limit on everything).
LADDER_STEPS_MAX = 20
STEP_DAYS_MAX = 366

RETURN_STEP_NAME = "return_to_creditor"
TRIFLE_REASON = "trifle"  # Decision.reason when the remainder is below the creditor's threshold
OVERRIDE_FIELDS = frozenset({"days", "pay_days", "channels", "text", "enabled"})
_LETTER_ONLY_FIELDS = frozenset({"pay_days", "channels", "text"})
_STEP_NAME = re.compile(r"[a-z][a-z0-9_]{0,39}")
_RESERVED_NAMES = frozenset({"due_date", "end"})
_ANCHOR_ATTRIBUTES = ("done", "pay_by")
_FINISHED = "end"  # the rule's step part once every step is taken


class StepKind(StrEnum):
    LETTER = "letter"  # send a letter (and add the step's fee: one per letter or per claim)
    TASK = "task"  # create a staff task (e.g. public sector ability assessment)
    DECISION = "decision"  # hand-over point: flag awaiting_decision + staff task, stop
    RETURN = "return_to_creditor"  # close the case as closed_recalled (reminders-only service)


# The fee kinds a letter step may add, and the letters each may go with.
_STEP_FEES: Mapping[FeeKind, frozenset[str]] = {
    FeeKind.REMINDER: frozenset({"reminder"}),  # påminnelseavgift: a written reminder (2 §)
    FeeKind.DEMAND: INKASSOKRAV_LETTERS,  # inkassoavgift: only for an inkassokrav (3 § 1)
    FeeKind.LATE_PAYMENT_COMPENSATION: LETTER_KINDS,  # förseningsersättning (4 a §)
}


@dataclass(frozen=True)
class Step:
    """One rung of a ladder; due ``days`` after ``anchor``, on the first bank day on/after."""

    name: str
    kind: StepKind
    anchor: str  # "due_date" | "<step>.done" | "<step>.pay_by"
    days: int
    letter: str | None = None  # LETTER steps: "reminder" | "demand" | "demand_reminder" | "notice"
    pay_days: int = 0  # time to pay printed in the letter, days from the letter date
    fee: FeeKind | None = None  # REMINDER or DEMAND (one per letter), LATE_PAYMENT_COMPENSATION
    state: str | None = None  # case state after the step
    flag: str | None = None  # flag set on the case ("awaiting_decision", "ability_assessment")
    task: str | None = None  # staff task text (Swedish)
    channels: tuple[str, ...] = ("digital_mailbox", "print")  # preference order
    text: str | None = None  # letter text variant (a texts file name); default = the letter kind
    # Only for this kind of debtor ("person" | "company"); None = every debtor. A step that does
    # not apply is left out for that debtor, and steps anchored at it inherit its anchor.
    debtor_type: str | None = None

    @property
    def anchor_step(self) -> str | None:
        """The step the anchor points at, ``None`` for ``"due_date"``."""
        return None if self.anchor == "due_date" else self.anchor.partition(".")[0]

    @property
    def letter_text(self) -> str | None:
        """The texts file for a letter: ``text`` or else the letter kind."""
        return self.text or self.letter


@dataclass(frozen=True)
class Ladder:
    """A versioned, ordered list of steps (Kill Bill's overdue states, with versions).

    Checked when built (``ValueError`` naming the step and field): unique step names, anchors
    pointing at an earlier step (``.pay_by`` only at a letter), days within limits, letters with
    a known kind and at least one channel, a fee only on a letter it may go with, a known case
    state, decision and return steps last.
    """

    template: str  # consumer | b2b | energy | housing | public_sector
    version: str  # e.g. "consumer-2026-11-01"
    valid_from: date
    steps: tuple[Step, ...]
    source: str = ""  # why these days (from the rule file)

    def __post_init__(self) -> None:
        steps = tuple(self.steps)
        object.__setattr__(self, "steps", steps)
        if not self.version.strip():
            raise ValueError(f"ladder {self.template!r}: version must not be empty")
        if not steps:
            raise ValueError(f"ladder {self.version}: no steps")
        if len(steps) > LADDER_STEPS_MAX:
            raise ValueError(
                f"ladder {self.version}: {len(steps)} steps, more than {LADDER_STEPS_MAX}"
            )
        for position, step in enumerate(steps):
            _check_step(step, earlier=steps[:position], last=position == len(steps) - 1)

    @cached_property
    def _by_name(self) -> Mapping[str, Step]:
        return {step.name: step for step in self.steps}

    def step(self, name: str) -> Step:
        """The step called ``name``; ``KeyError`` naming it if the ladder has none."""
        found = self._by_name.get(name)
        if found is None:
            raise KeyError(f"ladder {self.version} has no step {name!r}")
        return found

    def has_step(self, name: str) -> bool:
        return name in self._by_name

    @cached_property
    def has_debtor_steps(self) -> bool:
        return any(step.debtor_type is not None for step in self.steps)


class ServiceLevel(StrEnum):
    FULL = "full"
    REMINDERS = "reminders"
    COLLECTION = "collection"


def ladder_for_service(ladder: Ladder, service_level: ServiceLevel) -> Ladder:
    """The ladder cut to the creditor's service level.

    - FULL: the ladder itself.
    - REMINDERS: the steps up to and including the last "reminder" letter, then a RETURN step
      one day after its pay-by date that closes the case as ``closed_recalled`` (it goes back to
      the creditor: no inkassokrav without an assignment to collect). Version ``+reminders``.
    - COLLECTION: no "reminder" letters (the creditor reminds, Fordra collects); anchors that
      pointed at a dropped reminder point at ``"due_date"``. Version ``+collection``.

    ``ValueError`` when the service level needs a reminder the ladder does not have.
    """
    if service_level is ServiceLevel.FULL:
        return ladder
    reminders = [i for i, step in enumerate(ladder.steps) if _is_reminder_letter(step)]
    if service_level is ServiceLevel.REMINDERS:
        if not reminders:
            raise ValueError(f"ladder {ladder.version}: no reminder letter for reminders only")
        last = ladder.steps[reminders[-1]]
        back = Step(
            name=RETURN_STEP_NAME,
            kind=StepKind.RETURN,
            anchor=f"{last.name}.pay_by",
            days=1,
            state="closed_recalled",
            channels=(),
        )
        return replace(
            ladder,
            version=f"{ladder.version}+reminders",
            steps=(*ladder.steps[: reminders[-1] + 1], back),
        )
    dropped = {ladder.steps[i].name for i in reminders}
    steps = tuple(
        replace(step, anchor="due_date") if step.anchor_step in dropped else step
        for step in ladder.steps
        if step.name not in dropped
    )
    return replace(ladder, version=f"{ladder.version}+collection", steps=steps)


def apply_overrides(
    ladder: Ladder, overrides: Mapping[str, Mapping[str, object]], *, version: str
) -> Ladder:
    """A creditor's changes to a ladder, without code: per step ``days``, ``pay_days``,
    ``channels``, ``text`` or ``enabled`` (``False`` drops the step).

    A step anchored at a dropped step is anchored where the dropped step was (its own days
    kept): dropping ``demand_follow_up`` puts ``hand_over`` one day after the demand's pay-by
    date. An unknown step or field, a value of the wrong type or out of range, or a letter-only
    field on another kind of step is a ``ValueError`` naming the step and the field. The result's
    version is ``f"{ladder.version}+{version}"``.

    Apply a creditor's overrides to the whole template, then cut it with ``ladder_for_service``:
    a collection-only ladder has no "reminder" step left to override.
    """
    if not version.strip():
        raise ValueError("overrides: version must not be empty")
    unknown_steps = sorted(set(overrides) - {step.name for step in ladder.steps})
    if unknown_steps:
        raise ValueError(f"overrides: ladder {ladder.version} has no step {unknown_steps[0]!r}")
    dropped: dict[str, str] = {}  # name → its anchor
    changed: list[Step] = []
    for step in ladder.steps:
        changes = overrides.get(step.name, {})
        unknown_fields = sorted(set(changes) - OVERRIDE_FIELDS)
        if unknown_fields:
            raise ValueError(
                f"overrides: step {step.name}: unknown field {unknown_fields[0]!r} "
                f"(allowed: {', '.join(sorted(OVERRIDE_FIELDS))})"
            )
        enabled = changes.get("enabled", True)
        if not isinstance(enabled, bool):
            raise ValueError(f"overrides: step {step.name}: enabled must be true or false")
        if not enabled:
            dropped[step.name] = step.anchor
            continue
        changed.append(_overridden(step, changes))
    steps = tuple(replace(step, anchor=_resolve_anchor(step.anchor, dropped)) for step in changed)
    try:
        return replace(ladder, version=f"{ladder.version}+{version}", steps=steps)
    except ValueError as exc:
        raise ValueError(f"overrides: {exc}") from exc


@dataclass(frozen=True)
class StepRecord:
    """A step a case has taken: when, and the pay-by date its letter printed."""

    done_on: date
    pay_by: date | None = None


@dataclass(frozen=True)
class ClaimSnapshot:
    invoice_id: int
    invoice_number: str
    due_date: date
    capital_ore: int  # outstanding capital (0 = settled)
    reminder_fee_agreed: bool  # already resolved against the creditor agreement
    # Fee kinds already charged for this claim: held by it, or a letter's fee that covered it.
    fees_charged: frozenset[FeeKind]


@dataclass(frozen=True)
class CaseSnapshot:
    case_id: int
    state: str
    debtor_type: DebtorType
    claims: tuple[ClaimSnapshot, ...]
    steps_done: Mapping[str, StepRecord]
    balance_ore: int  # everything outstanding (capital + interest + fees − paid)
    disputed: bool = False
    paused_until: date | None = None  # paused through this date inclusive
    plan_active: bool = False
    debt_relief: bool = False  # skuldsanering
    deceased: bool = False  # dödsbo
    protected_identity: bool = False
    creditor_entitled_to_interest: bool = True
    limitation_date: date | None = None  # the day the first open claim becomes time-barred
    foreign_partner: bool = False  # handed to a partner agency abroad
    # The creditor's trifle threshold (småbelopp), öre: no fee-bearing step while balance_ore is
    # below it (0: none). A loader may leave interest out of balance_ore where capital + fees
    # alone reach the threshold — interest can only add to it.
    trifle_ore: int = 0


@dataclass(frozen=True)
class ClaimFee:
    """A fee a letter step adds, held by the claim ``invoice_id`` (allocation settles it there).

    ``covers`` are the claims the fee is charged for: the holder alone for a per-claim fee
    (förseningsersättning); for a per-letter fee (``PER_LETTER_FEES``) every claim of the letter
    it is allowed on, oldest first — the one fee of the letter, never one per invoice. Empty for
    a refused fee. ``invoice_numbers`` are the covered claims' numbers, in the same order.
    """

    invoice_id: int
    outcome: FeeOutcome  # from fordra.domain.fees (allowed or not, with rule + explanation)
    covers: tuple[int, ...] = ()
    invoice_numbers: tuple[str, ...] = ()

    @property
    def per_letter(self) -> bool:
        return self.outcome.kind in PER_LETTER_FEES


@dataclass(frozen=True)
class Decision:
    """What the daily run does with one case today, and why.

    ``rule`` is ``"<ladder version>/<step>"`` for the step applied or waited for — also when a
    guard stops the case (the step it would have taken; ``"<version>/end"`` when none is left).
    ``channels`` are empty unless a letter is to be sent.
    """

    case_id: int
    step: Step | None  # None: nothing to do today
    reason: str
    due_on: date | None  # when the (next) step is due
    pay_by: date | None  # LETTER steps: pay-by date to print
    # LETTER steps with a fee: one per claim considered for a per-claim fee, at most one for a
    # per-letter fee (the letter's fee, or the refusal of the oldest claim when none is allowed)
    fees: tuple[ClaimFee, ...]
    channels: tuple[str, ...]  # the letter's channels; protected identity → protected_forwarding
    ladder_version: str
    rule: str  # e.g. "consumer-2026-11-01/demand"


def decide(*, case: CaseSnapshot, ladder: Ladder, today: date, fees: FeeSchedule) -> Decision:
    """The next action for ``case`` on ``today`` under ``ladder``, or none, with the reason.

    Guards in the module docstring's order, first match wins; then the first step not in
    ``case.steps_done``. Never reads the clock; never raises for a well-formed snapshot.
    """
    ladder = ladder_for_debtor(ladder, case.debtor_type.value)
    next_step = _next_step(ladder, case.steps_done)

    def stop(reason: str, *, due_on: date | None = None) -> Decision:
        return Decision(
            case_id=case.case_id,
            step=None,
            reason=reason,
            due_on=due_on,
            pay_by=None,
            fees=(),
            channels=(),
            ladder_version=ladder.version,
            rule=_rule(ladder, next_step),
        )

    held = _held_reason(case, today)
    if held is not None:
        return stop(held)
    open_claims = [claim for claim in case.claims if claim.capital_ore > 0]
    if not any(is_overdue(claim.due_date, on=today) for claim in open_claims):
        return stop("not due")
    if next_step is None:
        return stop("ladder finished")
    anchor = _anchor_date(next_step, case.steps_done, open_claims)
    if anchor is None:
        return stop(f"waiting for {next_step.anchor_step}")
    due_on = bank_day_on_or_after(anchor + timedelta(days=next_step.days))
    if today < due_on:
        return stop(f"not due: {next_step.name} on {due_on.isoformat()}", due_on=due_on)
    if not is_bank_day(today):
        return stop("quiet day", due_on=due_on)
    if next_step.fee is not None and case.balance_ore < case.trifle_ore:
        return stop(TRIFLE_REASON, due_on=due_on)

    pay_by: date | None = None
    claim_fees: tuple[ClaimFee, ...] = ()
    channels: tuple[str, ...] = ()
    if next_step.kind is StepKind.LETTER:
        pay_by = _pay_by(next_step, today)
        claim_fees = _claim_fees(next_step, case, open_claims, today=today, schedule=fees)
        channels = tuple(
            channels_for(protected_identity=case.protected_identity, wanted=next_step.channels)
        )
    return Decision(
        case_id=case.case_id,
        step=next_step,
        reason=f"step {next_step.name}",
        due_on=due_on,
        pay_by=pay_by,
        fees=claim_fees,
        channels=channels,
        ladder_version=ladder.version,
        rule=_rule(ladder, next_step),
    )


# --- decide helpers ------------------------------------------------------------------------

def _held_reason(case: CaseSnapshot, today: date) -> str | None:
    """Why the case takes no step today whatever its ladder says (the case-level guards)."""
    if case.state in CLOSED_STATES:
        return "closed"
    if case.balance_ore <= 0:
        return "paid"
    if case.limitation_date is not None and today >= case.limitation_date:
        return "time-barred"
    if case.state in STAGE_STATES:
        return f"stage {case.state}"
    if case.foreign_partner:
        return "foreign partner"
    if case.disputed:
        return "disputed"
    if case.paused_until is not None and case.paused_until >= today:
        return f"paused until {case.paused_until.isoformat()}"
    if case.plan_active:
        return "plan in force"
    if case.debt_relief:
        return "skuldsanering"
    if case.deceased:
        return "dödsbo"
    return None


def ladder_for_debtor(ladder: Ladder, debtor_type: str) -> Ladder:
    """The ladder without the steps meant for the other kind of debtor (``Step.debtor_type``).

    E.g. the energy ladder's avstängningsvarsel with notice to socialnämnden is for consumers
    (ellagen (1997:857) 11 kap.); a company customer goes from the demand to the hand-over.
    The version is unchanged: the rule each step names is the template's own.
    """
    if not ladder.has_debtor_steps:
        return ladder
    return _for_debtor(ladder, debtor_type)


@lru_cache(maxsize=256)
def _for_debtor(ladder: Ladder, debtor_type: str) -> Ladder:
    dropped = {
        step.name: step.anchor
        for step in ladder.steps
        if step.debtor_type is not None and step.debtor_type != debtor_type
    }
    steps = tuple(
        replace(step, anchor=_resolve_anchor(step.anchor, dropped))
        for step in ladder.steps
        if step.name not in dropped
    )
    return replace(ladder, steps=steps)


def _next_step(ladder: Ladder, steps_done: Mapping[str, StepRecord]) -> Step | None:
    for step in ladder.steps:
        if step.name not in steps_done:
            return step
    return None


def _rule(ladder: Ladder, step: Step | None) -> str:
    return f"{ladder.version}/{step.name if step is not None else _FINISHED}"


def _anchor_date(
    step: Step, steps_done: Mapping[str, StepRecord], open_claims: Sequence[ClaimSnapshot]
) -> date | None:
    if step.anchor == "due_date":
        # The last day a payment is in time: a Saturday due date counts from Monday (DOMAIN §3).
        return last_day_in_time(min(claim.due_date for claim in open_claims))
    name, _, attribute = step.anchor.partition(".")
    record = steps_done.get(name)
    if record is None:
        return None
    if attribute == "pay_by" and record.pay_by is not None:
        return record.pay_by
    return record.done_on  # ".done", or a record without a pay-by date


def _pay_by(step: Step, today: date) -> date:
    pay_by = bank_day_on_or_after(today + timedelta(days=step.pay_days))
    if step.letter in INKASSOKRAV_LETTERS:
        pay_by = max(pay_by, min_demand_pay_by(today))
    return pay_by


def _claim_fees(
    step: Step,
    case: CaseSnapshot,
    open_claims: Sequence[ClaimSnapshot],
    *,
    today: date,
    schedule: FeeSchedule,
) -> tuple[ClaimFee, ...]:
    kind = step.fee
    if kind is None:
        return ()
    considered = sorted(
        (c for c in open_claims if c.due_date < today and kind not in c.fees_charged),
        key=lambda c: (c.due_date, c.invoice_id),
    )
    answers = [
        (claim, _claim_outcome(kind, claim, case, today=today, schedule=schedule))
        for claim in considered
    ]
    if kind not in PER_LETTER_FEES:
        return tuple(
            ClaimFee(
                invoice_id=claim.invoice_id,
                outcome=outcome,
                covers=(claim.invoice_id,) if outcome.allowed else (),
                invoice_numbers=(claim.invoice_number,) if outcome.allowed else (),
            )
            for claim, outcome in answers
        )
    return _letter_fee(answers)


def _letter_fee(answers: Sequence[tuple[ClaimSnapshot, FeeOutcome]]) -> tuple[ClaimFee, ...]:
    """The letter's one påminnelseavgift or inkassoavgift (lag (1981:739) 2 §, 3 § 1; DOMAIN.md
    §2): held by the oldest claim it is allowed on, covering every claim it is allowed on."""
    if not answers:
        return ()
    allowed = [(claim, outcome) for claim, outcome in answers if outcome.allowed]
    if not allowed:
        claim, outcome = answers[0]
        return (ClaimFee(invoice_id=claim.invoice_id, outcome=outcome),)
    holder, outcome = allowed[0]
    numbers = tuple(claim.invoice_number for claim, _ in allowed)
    return (
        ClaimFee(
            invoice_id=holder.invoice_id,
            outcome=letter_fee(outcome, invoice_numbers=numbers),
            covers=tuple(claim.invoice_id for claim, _ in allowed),
            invoice_numbers=numbers,
        ),
    )


def _claim_outcome(
    kind: FeeKind, claim: ClaimSnapshot, case: CaseSnapshot, *, today: date, schedule: FeeSchedule
) -> FeeOutcome:
    compensated = FeeKind.LATE_PAYMENT_COMPENSATION in claim.fees_charged
    if kind is FeeKind.REMINDER:
        return reminder_fee(
            on=today,
            due_date=claim.due_date,
            agreed=claim.reminder_fee_agreed,
            debtor_type=case.debtor_type,
            late_payment_compensation_charged=compensated,
            already_charged=False,
            schedule=schedule,
        )
    if kind is FeeKind.DEMAND:
        return collection_fee(
            on=today,
            due_date=claim.due_date,
            debtor_type=case.debtor_type,
            late_payment_compensation_charged=compensated,
            already_charged=False,
            schedule=schedule,
        )
    # FeeKind.LATE_PAYMENT_COMPENSATION (the Ladder admits no other kind)
    return late_payment_compensation(
        on=today,
        due_date=claim.due_date,
        debtor_type=case.debtor_type,
        creditor_entitled_to_interest=case.creditor_entitled_to_interest,
        already_charged=False,
        schedule=schedule,
    )


# --- ladder helpers ------------------------------------------------------------------------


def _is_reminder_letter(step: Step) -> bool:
    return step.kind is StepKind.LETTER and step.letter == "reminder"


def _check_step(step: Step, *, earlier: Sequence[Step], last: bool) -> None:
    where = f"step {step.name!r}"
    if not _STEP_NAME.fullmatch(step.name) or step.name in _RESERVED_NAMES:
        raise ValueError(
            f"{where}: name must be lower_snake_case and not {sorted(_RESERVED_NAMES)}"
        )
    if any(other.name == step.name for other in earlier):
        raise ValueError(f"{where}: name used twice")
    if not isinstance(step.kind, StepKind):
        raise ValueError(f"{where}: kind {step.kind!r} is not one of {[k.value for k in StepKind]}")
    _check_anchor(step, earlier=earlier, where=where)
    _check_days(step.days, where=f"{where}: days")
    _check_days(step.pay_days, where=f"{where}: pay_days")
    if step.debtor_type not in (None, "person", "company"):
        raise ValueError(f"{where}: debtor_type must be 'person' or 'company'")
    if step.state is not None and step.state not in CASE_STATES:
        raise ValueError(f"{where}: state {step.state!r} is not a case state")
    if step.kind in (StepKind.DECISION, StepKind.RETURN) and not last:
        raise ValueError(f"{where}: a {step.kind.value} step must be the last step")
    if step.kind is StepKind.LETTER:
        _check_letter(step, where=where)
    elif step.letter is not None or step.fee is not None or step.text is not None:
        raise ValueError(f"{where}: letter, fee and text belong to letter steps only")


def _check_anchor(step: Step, *, earlier: Sequence[Step], where: str) -> None:
    if step.anchor == "due_date":
        return
    name, dot, attribute = step.anchor.partition(".")
    if not dot or attribute not in _ANCHOR_ATTRIBUTES:
        raise ValueError(
            f"{where}: anchor {step.anchor!r} must be 'due_date', '<step>.done' or '<step>.pay_by'"
        )
    target = next((other for other in earlier if other.name == name), None)
    if target is None:
        raise ValueError(f"{where}: anchor {step.anchor!r} names no earlier step")
    if attribute == "pay_by" and target.kind is not StepKind.LETTER:
        raise ValueError(f"{where}: anchor {step.anchor!r}: only a letter has a pay-by date")


def _check_days(days: object, *, where: str) -> None:
    if not isinstance(days, int) or isinstance(days, bool) or not 0 <= days <= STEP_DAYS_MAX:
        raise ValueError(f"{where} must be a whole number from 0 to {STEP_DAYS_MAX}")


def _check_letter(step: Step, *, where: str) -> None:
    if step.letter not in LETTER_KINDS:
        raise ValueError(f"{where}: letter {step.letter!r} is not one of {sorted(LETTER_KINDS)}")
    if step.pay_days < 1:
        raise ValueError(f"{where}: pay_days must be at least 1 (pay-by after the letter date)")
    if not step.channels:
        raise ValueError(f"{where}: channels must name at least one channel")
    unknown = [channel for channel in step.channels if channel not in CHANNELS]
    if unknown:
        raise ValueError(f"{where}: channels: unknown channel {unknown[0]!r}")
    if len(set(step.channels)) != len(step.channels):
        raise ValueError(f"{where}: channels: a channel named twice")
    if step.text is not None and not _STEP_NAME.fullmatch(step.text):
        raise ValueError(f"{where}: text {step.text!r} must be a texts file name (lower_snake)")
    if step.fee is not None:
        letters = _STEP_FEES.get(step.fee)
        if letters is None:
            raise ValueError(f"{where}: fee {step.fee!r} cannot be added by a ladder step")
        if step.letter not in letters:
            raise ValueError(
                f"{where}: fee {step.fee.value} cannot go with a {step.letter!r} letter"
            )


def _overridden(step: Step, changes: Mapping[str, object]) -> Step:
    where = f"overrides: step {step.name}"
    if step.kind is not StepKind.LETTER:
        for name in sorted(_LETTER_ONLY_FIELDS & set(changes)):
            raise ValueError(f"{where}: {name} applies to letter steps only")
    updated = step
    if "days" in changes:
        days = changes["days"]
        _check_days(days, where=f"{where}: days")
        assert isinstance(days, int)
        updated = replace(updated, days=days)
    if "pay_days" in changes:
        pay_days = changes["pay_days"]
        _check_days(pay_days, where=f"{where}: pay_days")
        assert isinstance(pay_days, int)
        updated = replace(updated, pay_days=pay_days)
    if "channels" in changes:
        channels = changes["channels"]
        if isinstance(channels, str) or not isinstance(channels, Sequence):
            raise ValueError(f"{where}: channels must be a list of channel names")
        names: list[str] = []
        for channel in channels:
            if not isinstance(channel, str) or channel not in CHANNELS:
                raise ValueError(f"{where}: channels: unknown channel {channel!r}")
            names.append(channel)
        updated = replace(updated, channels=tuple(names))
    if "text" in changes:
        text = changes["text"]
        if text is not None and not isinstance(text, str):
            raise ValueError(f"{where}: text must be a texts file name")
        updated = replace(updated, text=text or None)
    return updated


def _resolve_anchor(anchor: str, dropped: Mapping[str, str]) -> str:
    # A dropped step's anchor is inherited; dropped steps only point at earlier ones, so this ends.
    while anchor != "due_date" and anchor.partition(".")[0] in dropped:
        anchor = dropped[anchor.partition(".")[0]]
    return anchor
