"""Reading limitation (preskription) and efterbevakning for the refresh, the case file and the web.

Every limitation date is derived again from what is on record — never typed in:

- the claim's origin (tillkomst): its invoice date (the claims file has no contract date, see
  ``domain.limitation.is_time_barred_at_handover``);
- the claim type (preskriptionslagen 2 §): ``claim_type_for`` below;
- the interruptions (5 §), each with its evidence:
  ``HANDOVER`` — ``Invoice.limitation_interrupted_on`` from the creditor's claims file;
  ``DEMAND_RECEIVED`` — a letter of an interrupting kind that a channel reported as sent
  (``Letter.status`` sent + a ``Delivery`` row with status sent). It is dated from the letter's
  own date — or the later business day the channel took it (``Delivery.sent_on``, the run's
  date) — never from the moment a program ran, so a catch-up or simulated run gives the dates a
  run on the day would have (DOMAIN.md §6). It takes effect on the presumed day of receipt:
  post (``print``, ``protected_forwarding``) 2 bank days later (docs/stages.md); a digital
  channel (e-mail, digital mailbox, sms) on the day its delivery record says it was delivered; ``ACKNOWLEDGEMENT`` — a payment allocated to
  the claim (``claims.Allocation``, net of corrections, on its payment day) and the timeline
  event ``acknowledgement`` (e.g. the debtor asked for a plan); ``LEGAL_ACTION`` — the timeline
  events ``kfm_applied`` (the filing day: pending, it only moves the bar earlier) and
  ``judgment`` (the utslag: a new period of the same length runs from it, 7 §).

Evidence that is *unclear* — a letter handed to a channel that never reported back, or one
"sent" by SMS (not a written demand) — is not counted. When it alone would keep a claim alive,
the claim goes to staff review (``Case.limitation_review``) instead of being written off; the
same when the claim type is a guess (a person debtor of a business or public-sector creditor:
treated as ten years, but reviewed when three would have run out). A staff decision
(``LimitationReview``) settles it either way.

All reads are set-based (one query per table per chunk of cases, DESIGN.md §3).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from fordra.claims.models import CLOSED_STATES, Case
from fordra.claims.queries import (
    case_events_of_kinds,
    limitation_cases,
    limitation_invoices,
    limitation_payments,
)
from fordra.claims.selectors import invoice_capitals
from fordra.core.bulk import query_ids
from fordra.domain.calendar import add_bank_days
from fordra.domain.fees import DebtorType
from fordra.domain.letters import PRESUMED_RECEIPT_BANK_DAYS
from fordra.domain.limitation import (
    ClaimType,
    Interruption,
    InterruptionKind,
    LimitationStatus,
    add_years,
    bar_date,
    is_time_barred_at_handover,
    limitation_period_years,
    limitation_status,
)
from fordra.letters.queries import interrupting_letters
from fordra.parties.queries import creditor_stage_rules

# Letters that demand or remind of the debt in writing (5 § 2): every kind Fordra sends except
# the answer to an objection ("dispute"), which demands nothing.
INTERRUPTING_LETTER_KINDS = (
    "reminder", "demand", "demand_reminder", "plan", "surveillance", "kfm_notice",
    "bankruptcy_warning", "notice",
)  # fmt: skip
# A text message is no written demand with the claim's content: recorded, never counted alone.
UNCLEAR_CHANNELS = frozenset({"sms"})
EVENT_INTERRUPTIONS = {
    "acknowledgement": InterruptionKind.ACKNOWLEDGEMENT,
    "kfm_applied": InterruptionKind.LEGAL_ACTION,
    "judgment": InterruptionKind.LEGAL_ACTION,
}
# DOMAIN.md §6 / inkassolagen: a posted letter is presumed received 2 bank days after sending.
RECEIPT_BANK_DAYS = PRESUMED_RECEIPT_BANK_DAYS
# Channels that deliver on paper: presumed received RECEIPT_BANK_DAYS after sending. Every other
# channel delivers electronically on the day of its delivery record (``Delivery.sent_on``).
POSTAL_CHANNELS = frozenset({"print", "protected_forwarding"})
# Templates whose person debtors buy for private use (2 § andra stycket: three years).
CONSUMER_TEMPLATES = frozenset({"consumer", "energy", "housing"})
CLAIM_TYPE_OVERRIDES = frozenset({"consumer", "general"})
CHUNK_CASES_MAX = 5_000
_CLOSED = tuple(s.value for s in CLOSED_STATES)


@lru_cache(maxsize=8192)
def _day(text: str) -> date:
    return date.fromisoformat(text[:10])


@lru_cache(maxsize=8192)
def _received(on: date, bank_days: int = RECEIPT_BANK_DAYS) -> date:
    return add_bank_days(on, bank_days)


def receipt_bank_days(channel: str) -> int:
    """The presumed delivery time of a letter sent by ``channel``: post 2 bank days, a digital
    channel none (an unknown channel is taken as post)."""
    return RECEIPT_BANK_DAYS if channel in POSTAL_CHANNELS or not channel else 0


# --- the claim type ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ClaimTypeChoice:
    """The claim type used, whether it is certain, and the other reading when it is a guess;
    ``years`` / ``long_years``: the periods of the two readings for this debtor type."""

    claim_type: ClaimType
    certain: bool
    why: str
    alternative: ClaimType | None = None
    years: int = 0
    long_years: int = 0


@lru_cache(maxsize=256)
def claim_type_for(*, debtor_type: str, template: str, override: str | None) -> ClaimTypeChoice:
    """``_claim_type_for`` with both periods filled in (cached: a handful of combinations)."""
    choice = _claim_type_for(debtor_type=debtor_type, template=template, override=override)
    debtor = DebtorType(debtor_type)
    long_type = choice.alternative if choice.alternative is not None else choice.claim_type
    return ClaimTypeChoice(
        choice.claim_type,
        choice.certain,
        choice.why,
        choice.alternative,
        limitation_period_years(claim_type=choice.claim_type, debtor_type=debtor),
        limitation_period_years(claim_type=long_type, debtor_type=debtor),
    )


def _claim_type_for(*, debtor_type: str, template: str, override: str | None) -> ClaimTypeChoice:
    """Preskriptionslagen 2 §: three years for a consumer's debt to a business for private use,
    otherwise ten. A company debtor is never a consumer. The creditor's rule
    (``stage_rules["limitation"]["claim_type"]``: consumer | general) settles it for persons;
    without it the template decides — consumer, energy and housing are consumer claims, b2b and
    public_sector are general — but for a person that is a guess: the three years are used (the
    reading that never demands a barred claim) and, when they run out before the ten, a person
    decides (``alternative`` is the longer reading)."""
    if debtor_type == DebtorType.COMPANY.value:
        return ClaimTypeChoice(ClaimType.GENERAL, True, "gäldenären är ett företag")
    if override in CLAIM_TYPE_OVERRIDES:
        return ClaimTypeChoice(ClaimType(override), True, "enligt uppdragsgivarens regler")
    if template in CONSUMER_TEMPLATES:
        return ClaimTypeChoice(
            ClaimType.CONSUMER, True, f"konsumentfordran (mall {template}, privatperson)"
        )
    return ClaimTypeChoice(
        ClaimType.CONSUMER,
        False,
        f"mall {template} med en privatperson som gäldenär: kanske en allmän fordran (tio år), "
        "men de tre åren för en konsumentfordran gäller tills en handläggare har avgjort det",
        alternative=ClaimType.GENERAL,
    )


def creditor_claim_rules(stage_rules: Any) -> str | None:
    """The creditor's claim type override, or None (invalid values are ignored)."""
    if not isinstance(stage_rules, dict):
        return None
    section = stage_rules.get("limitation")
    value = section.get("claim_type") if isinstance(section, dict) else None
    return value if value in CLAIM_TYPE_OVERRIDES else None


# --- facts ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Evidence:
    """One interrupting event on record and what proves it."""

    kind: InterruptionKind
    on: date
    text: str
    clear: bool
    receipt_bank_days: int = RECEIPT_BANK_DAYS  # a demand's delivery time (its channel's)

    @property
    def effective(self) -> date:
        if self.kind is InterruptionKind.DEMAND_RECEIVED:
            return _received(self.on, self.receipt_bank_days)
        return self.on

    def interruption(self) -> Interruption:
        receipt = self.receipt_bank_days if self.kind is InterruptionKind.DEMAND_RECEIVED else None
        return Interruption(
            on=self.on, kind=self.kind, evidence=self.text, receipt_bank_days=receipt
        )


@dataclass(slots=True)
class ClaimFacts:
    invoice_id: int
    case_id: int
    invoice_number: str
    invoice_date: date
    due_date: date
    amount_ore: int
    handed_over_on: date
    interrupted_on: date | None
    written_off_on: date | None
    write_off_reason: str
    capital_open_ore: int = 0


@dataclass(slots=True)
class CaseFacts:
    case_id: int
    number: int
    creditor_id: int
    state: str
    debtor_type: str
    limitation_date: date | None
    limitation_review: bool
    choice: ClaimTypeChoice
    claims: list[ClaimFacts] = field(default_factory=list)
    evidence: list[Evidence] = field(default_factory=list)  # letters and events: whole case
    claim_evidence: dict[int, list[Evidence]] = field(default_factory=dict)  # payments
    reviews: dict[int, str] = field(default_factory=dict)  # invoice id → latest decision


@dataclass(frozen=True, slots=True)
class _LightInvoice:
    id: int
    kind: str
    due_date: date
    amount_ore: int


def _rows(sql: str, ids: Sequence[int], *after: Any) -> list[tuple[Any, ...]]:
    """``sql`` with ``{where}`` standing for the case-id condition: a range scan when the ids
    are dense (most of a contiguous id range), IN lists otherwise."""
    return query_ids(sql, ids=ids, after=after)


def load_facts(*, case_ids: Iterable[int], as_of: date) -> dict[int, CaseFacts]:
    """Everything the limitation of ``case_ids`` depends on, as recorded up to ``as_of``."""
    ids = sorted(set(case_ids))
    out: dict[int, CaseFacts] = {}
    for start in range(0, len(ids), CHUNK_CASES_MAX):
        out.update(_load_chunk(ids[start : start + CHUNK_CASES_MAX], as_of=as_of))
    return out


def _load_chunk(ids: list[int], *, as_of: date) -> dict[int, CaseFacts]:
    if not ids:
        return {}
    facts, opened = _load_cases(ids, rules=_creditor_rules())
    light, credited = _load_claims(ids, facts, opened)
    paid_capital, payments = _load_allocations(ids, as_of=as_of)
    _set_capital_open(facts, light, credited, paid_capital)
    _add_payment_evidence(facts, payments)
    _add_letter_evidence(ids, facts, as_of=as_of)
    _add_event_evidence(ids, facts, as_of=as_of)
    _add_reviews(ids, facts)
    return facts


def _creditor_rules() -> dict[int, tuple[str, str | None]]:
    """Each creditor's template and claim type override (a handful of rows: all of them)."""
    rules: dict[int, tuple[str, str | None]] = {}
    for cid, template, stage_rules in creditor_stage_rules():
        if isinstance(stage_rules, str):
            import json

            stage_rules = json.loads(stage_rules or "{}")
        rules[cid] = (template, creditor_claim_rules(stage_rules))
    return rules


def _load_cases(
    ids: list[int], *, rules: dict[int, tuple[str, str | None]]
) -> tuple[dict[int, CaseFacts], dict[int, date]]:
    """The cases with their debtor type and claim type, and the day each was opened."""
    facts: dict[int, CaseFacts] = {}
    opened: dict[int, date] = {}
    for case_id, number, creditor_id, state, debtor_type, lim, review, opened_on in (
        limitation_cases(case_ids=ids)
    ):
        template, override = rules[creditor_id]
        facts[case_id] = CaseFacts(
            case_id=case_id,
            number=number,
            creditor_id=creditor_id,
            state=state,
            debtor_type=debtor_type,
            limitation_date=_day(lim) if lim else None,
            limitation_review=bool(review),
            choice=claim_type_for(debtor_type=debtor_type, template=template, override=override),
        )
        opened[case_id] = _day(opened_on)
    return facts, opened


def _load_claims(
    ids: list[int], facts: dict[int, CaseFacts], opened: dict[int, date]
) -> tuple[dict[int, list[tuple[int, str, str, int]]], set[int]]:
    """Each case's invoices as claims (credit notes aside); returns every invoice row in brief
    (for the credit notes) and the cases that have a credit note."""
    light: dict[int, list[tuple[int, str, str, int]]] = defaultdict(list)
    credited: set[int] = set()
    for (case_id, invoice_id, number, kind, inv_date, due, amount, interrupted, off, reason,
         handed) in limitation_invoices(case_ids=ids):  # fmt: skip
        light[case_id].append((invoice_id, kind, due, amount))
        if kind != "invoice":
            credited.add(case_id)
            continue
        facts[case_id].claims.append(
            ClaimFacts(
                invoice_id,
                case_id,
                number,
                _day(inv_date),
                _day(due),
                amount,
                _day(handed) if handed else opened[case_id],
                _day(interrupted) if interrupted else None,
                _day(off) if off else None,
                reason or "",
                amount,
            )
        )
    return light, credited


def _load_allocations(
    ids: list[int], *, as_of: date
) -> tuple[dict[int, int], dict[tuple[int, str, date], int]]:
    """Capital paid per invoice, and the amount of each payment per (invoice, reference, day)."""
    paid_capital: dict[int, int] = defaultdict(int)
    payments: dict[tuple[int, str, date], int] = defaultdict(int)
    for _case_id, invoice_id, ref, day_text, component, amount in limitation_payments(
        case_ids=ids, as_of=as_of
    ):
        payments[(invoice_id, ref, _day(day_text))] += int(amount)
        if component == "capital":
            paid_capital[invoice_id] += int(amount)
    return paid_capital, payments


def _set_capital_open(
    facts: dict[int, CaseFacts],
    light: dict[int, list[tuple[int, str, str, int]]],
    credited: set[int],
    paid_capital: dict[int, int],
) -> None:
    """Each claim's capital still open: after credit notes (the oldest invoice first) and
    capital paid."""
    for cf in facts.values():
        capitals = None
        if cf.case_id in credited:  # a credit note reduces the oldest invoice's capital
            capitals = {
                inv.id: capital
                for inv, capital in invoice_capitals(
                    [_LightInvoice(i, k, _day(d), a) for i, k, d, a in light[cf.case_id]]  # type: ignore[misc]
                )
            }
        for claim in cf.claims:
            capital = claim.amount_ore if capitals is None else capitals.get(claim.invoice_id, 0)
            claim.capital_open_ore = capital - paid_capital.get(claim.invoice_id, 0)


def _add_payment_evidence(
    facts: dict[int, CaseFacts], payments: dict[tuple[int, str, date], int]
) -> None:
    """A payment acknowledges the claim it was allocated to (5 § 1), on its payment day."""
    by_invoice: dict[int, list[Evidence]] = defaultdict(list)
    for (invoice_id, ref, day), amount in payments.items():
        if amount > 0:  # a payment later reversed in full acknowledged nothing
            by_invoice[invoice_id].append(
                Evidence(
                    InterruptionKind.ACKNOWLEDGEMENT,
                    day,
                    f"betalning {ref} den {day.isoformat()}, {amount / 100:.2f} kr".replace(".", ","),
                    True,
                )
            )
    for cf in facts.values():
        for c in cf.claims:
            if c.invoice_id in by_invoice:
                cf.claim_evidence[c.invoice_id] = by_invoice[c.invoice_id]


def _add_letter_evidence(ids: list[int], facts: dict[int, CaseFacts], *, as_of: date) -> None:
    """Interrupting letters sent (5 § 2), with their delivery proof or the lack of it."""
    letters: dict[int, tuple[int, str, date, str, str, list[tuple[Any, ...]]]] = {}
    for (case_id, letter_id, kind, day_text, status, channel, d_id, d_status, d_channel, ext,
         sent_on) in interrupting_letters(
        case_ids=ids, kinds=list(INTERRUPTING_LETTER_KINDS), as_of=as_of
    ):
        entry = letters.setdefault(letter_id, (case_id, kind, _day(day_text), status, channel, []))
        if d_id is not None:
            entry[5].append((d_id, d_status, d_channel, ext, sent_on))
    for letter_id, (case_id, kind, letter_day, _status, channel, deliveries) in letters.items():
        # Dated from the letter's own date, or the later business day the channel took it (a
        # letter left over from a stopped run goes with the next run) — never the wall clock.
        sent = [d for d in deliveries if d[1] == "sent"]
        day = letter_day
        if sent:
            d_id, _, d_channel, ext, sent_on = sent[0]
            if sent_on:
                day = max(day, _day(sent_on))
            receipt = receipt_bank_days(d_channel)
            proof = f"leveranskvitto {d_id}" + (f" ({ext})" if ext else "")
            clear = d_channel not in UNCLEAR_CHANNELS
            how = "levererat" if receipt == 0 else "skickat"
            text = f"brev {letter_id} ({kind}) {how} {day.isoformat()} via {d_channel}, {proof}"
            if not clear:
                text += " — sms är inget skriftligt krav"
        else:
            clear = False
            receipt = receipt_bank_days(channel)
            text = (
                f"brev {letter_id} ({kind}) lämnat till {channel or 'kanal'} {day.isoformat()} "
                "utan leveranskvitto"
            )
        facts[case_id].evidence.append(
            Evidence(InterruptionKind.DEMAND_RECEIVED, day, text, clear, receipt)
        )


def _add_event_evidence(ids: list[int], facts: dict[int, CaseFacts], *, as_of: date) -> None:
    """Timeline events that interrupt: acknowledgement, the application, the utslag."""
    for case_id, event_id, kind, day_text, detail in case_events_of_kinds(
        case_ids=ids, kinds=list(EVENT_INTERRUPTIONS), as_of=as_of
    ):
        facts[case_id].evidence.append(
            Evidence(
                EVENT_INTERRUPTIONS[kind],
                _day(day_text),
                f"händelse {event_id} ({kind}): {detail[:120]}",
                True,
            )
        )


def _add_reviews(ids: list[int], facts: dict[int, CaseFacts]) -> None:
    """The latest staff decision (LimitationReview) per claim."""
    for case_id, invoice_id, decision in _rows(
        "SELECT case_id, invoice_id, decision FROM surveillance_limitationreview "
        "WHERE case_id {where} ORDER BY id",
        ids,
    ):
        facts[case_id].reviews[invoice_id] = decision


# --- assessing one claim -------------------------------------------------------------------

OPEN, TIME_BARRED, REVIEW, WRITTEN_OFF, PAID = "open", "time_barred", "review", "written_off", "paid"


@dataclass(frozen=True, slots=True)
class Assessment:
    """A claim's limitation on a day. ``bar`` is the date used (the case's limitation date is
    the earliest of its open claims'); ``status``: open, time_barred (write it off), review
    (a person decides), written_off, paid (nothing outstanding)."""

    claim: ClaimFacts
    choice: ClaimTypeChoice
    period_years: int
    bar: date
    bar_if_unclear_counted: date
    status: str
    evidence: tuple[Evidence, ...]
    claim_type_used: ClaimType
    accepted: bool = False  # a person accepted the unclear evidence and the longer period
    why_review: str = ""


def claim_evidence(case: CaseFacts, claim: ClaimFacts) -> list[Evidence]:
    """Every interruption on record for ``claim``: the hand-over date, the case's letters and
    events from the day it was handed over (a letter before then did not concern it), and the
    payments allocated to it."""
    if claim.interrupted_on is None and not case.evidence and not case.claim_evidence:
        return []  # the common case on a large portfolio: nothing on record yet
    out = []
    if claim.interrupted_on is not None:
        out.append(
            Evidence(
                InterruptionKind.HANDOVER,
                claim.interrupted_on,
                "uppdragsgivarens fordringsfil (limitation_interrupted_on)",
                True,
            )
        )
    out.extend(e for e in case.evidence if e.on >= claim.handed_over_on)
    out.extend(case.claim_evidence.get(claim.invoice_id, ()))
    return sorted(out, key=lambda e: (e.effective, e.on, e.text))


def assess(case: CaseFacts, claim: ClaimFacts, *, today: date) -> Assessment:
    choice = case.choice
    evidence = claim_evidence(case, claim)
    years, long_years = choice.years, choice.long_years
    long_type = choice.alternative if choice.alternative is not None else choice.claim_type
    decided = case.reviews.get(claim.invoice_id)
    accepted = decided == "not_time_barred"
    if not evidence:  # the common case on a large portfolio: the period from the origin
        safe = add_years(claim.invoice_date, years)
        generous = safe if long_years == years else add_years(claim.invoice_date, long_years)
    else:
        # The reading that never demands a barred claim: clear evidence and the claim type
        # used (the shorter period when the type is a guess) …
        safe = bar_date(
            origin=claim.invoice_date,
            period_years=years,
            effective_days=[e.effective for e in evidence if e.clear],
        )
        # … and the most generous one: every piece of evidence, the longer period.
        generous = bar_date(
            origin=claim.invoice_date,
            period_years=long_years,
            effective_days=[e.effective for e in evidence],
        )
    bar = generous if accepted else safe
    if claim.written_off_on is not None and claim.written_off_on <= today:
        status = WRITTEN_OFF
    elif claim.capital_open_ore <= 0:
        status = PAID
    elif bar > today:
        status = OPEN
    elif decided == "time_barred" or generous <= today:
        status = TIME_BARRED
    else:
        status = REVIEW
    why = ""
    if status == REVIEW:
        reasons = []
        unclear = [e.text for e in evidence if not e.clear]
        if unclear:
            reasons.append("oklara bevis om preskriptionsavbrott: " + "; ".join(unclear[:3]))
        if not choice.certain:
            reasons.append(f"fordringens art är osäker ({choice.why})")
        why = " och ".join(reasons)
    return Assessment(
        claim=claim,
        choice=choice,
        period_years=long_years if accepted else years,
        bar=bar,
        bar_if_unclear_counted=generous,
        status=status,
        evidence=tuple(evidence) if evidence else (),
        claim_type_used=long_type if accepted else choice.claim_type,
        accepted=accepted,
        why_review=why,
    )


def full_status(case: CaseFacts, a: Assessment, *, today: date) -> LimitationStatus:
    """The domain's full status for the reading ``a`` used (with its explanation)."""
    counted = a.evidence if a.accepted else [e for e in a.evidence if e.clear]
    return limitation_status(
        origin=a.claim.invoice_date,
        claim_type=a.claim_type_used,
        debtor_type=DebtorType(case.debtor_type),
        interruptions=[e.interruption() for e in counted],
        today=today,
        receipt_bank_days=RECEIPT_BANK_DAYS,
    )


def time_barred_explanation(case: CaseFacts, a: Assessment, *, today: date) -> str:
    """Why the claim is written off (Swedish): at hand-over, or on its bar date."""
    claim = a.claim
    if a.bar <= claim.handed_over_on and (
        claim.interrupted_on is None or claim.interrupted_on <= claim.handed_over_on
    ):
        barred, text = is_time_barred_at_handover(
            invoice_date=claim.invoice_date,
            due_date=max(claim.due_date, claim.invoice_date),
            claim_type=a.claim_type_used,
            debtor_type=DebtorType(case.debtor_type),
            limitation_interrupted_on=claim.interrupted_on,
            handover_on=claim.handed_over_on,
        )
        if barred:
            return text
    status = full_status(case, a, today=today)
    return f"Fordran är preskriberad från och med den {a.bar.isoformat()}. {status.explanation}"


def case_limitation_date(assessments: Iterable[Assessment]) -> date | None:
    """The case's limitation date: the earliest bar among claims still open or under review."""
    bars = [a.bar for a in assessments if a.status in (OPEN, REVIEW, TIME_BARRED)]
    return min(bars) if bars else None


# --- the case file -------------------------------------------------------------------------


def limitation_json(case: Case, *, as_of: date) -> dict[str, Any] | None:
    """Per claim: period, interruptions with evidence, the day it becomes time-barred."""
    facts = load_facts(case_ids=[case.id], as_of=as_of).get(case.id)
    if facts is None or not facts.claims:
        return None
    claims = []
    for claim in sorted(facts.claims, key=lambda c: (c.due_date, c.invoice_id)):
        a = assess(facts, claim, today=as_of)
        status = full_status(facts, a, today=as_of)
        counted = {(i.kind, i.on, i.evidence) for i in status.effective_interruptions}
        claims.append(
            {
                "invoice_number": claim.invoice_number,
                "claim_type": a.claim_type_used.value,
                "claim_type_certain": a.choice.certain,
                "claim_type_basis": a.choice.why,
                "period_years": a.period_years,
                "start": claim.invoice_date.isoformat(),
                "period_started_on": status.started_on.isoformat(),
                "handed_over_on": claim.handed_over_on.isoformat(),
                "interruptions": [
                    {
                        "kind": e.kind.value,
                        "on": e.on.isoformat(),
                        "effective": e.effective.isoformat(),
                        "evidence": e.text,
                        "clear": e.clear,
                        "counted": (e.kind, e.on, e.text) in counted,
                    }
                    for e in a.evidence
                ],
                "time_barred_on": a.bar.isoformat(),
                "last_day_to_interrupt": status.last_day_to_interrupt.isoformat(),
                "next_interruption_due": (
                    status.next_interruption_due.isoformat()
                    if status.next_interruption_due and a.status == OPEN
                    else None
                ),
                "time_barred": a.status == TIME_BARRED
                or (a.status == WRITTEN_OFF and claim.write_off_reason.startswith("Preskriberad")),
                "status": a.status,
                "review": a.why_review,
                "written_off_on": claim.written_off_on.isoformat() if claim.written_off_on else None,
                "write_off_reason": claim.write_off_reason,
                "explanation": status.explanation,
            }
        )
    return {
        "limitation_date": case.limitation_date.isoformat() if case.limitation_date else None,
        "review": case.limitation_review,
        "claims": claims,
    }


def score_history(case: Case) -> list[dict[str, Any]]:
    from fordra.surveillance.models import Score

    return [
        {
            "scored_on": s.scored_on.isoformat(),
            "value": s.value,
            "scorer": s.scorer,
            "reasons": s.reasons,
        }
        for s in Score.objects.filter(case=case).order_by("scored_on", "id")
    ]


def limitation_watchlist(*, today: date, days: int = 180, limit: int = 1000) -> list[Case]:
    """Open cases whose limitation date is within ``days`` (or passed), or flagged for review."""
    from datetime import timedelta

    from django.db.models import Q

    return list(
        Case.objects.exclude(state__in=_CLOSED)
        .filter(
            Q(limitation_review=True)
            | Q(limitation_date__isnull=False, limitation_date__lte=today + timedelta(days=days))
        )
        .select_related("creditor", "debtor")
        .order_by("-limitation_review", "limitation_date", "id")[:limit]
    )
