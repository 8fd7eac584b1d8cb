"""Limitation (preskription) and efterbevakning: the writes.

- ``limitation_apply`` stores each case's limitation date, writes off the claims whose bar date
  is reached (``Invoice.written_off_on``, a ledger write-off, an event) and closes a case with no
  open claim left (``closed_time_barred``, pending letters cancelled: never a letter after), or
  flags the case for review (``Case.limitation_review`` + a staff task) when the evidence is
  unclear. Called by the daily refresh and right after a claims import.
- ``interrupting_letters_schedule`` creates the efterbevakning letter (kind ``surveillance``)
  that interrupts limitation well before a case's limitation date, once per period.
- ``surveillance_rescore`` rescores cases under efterbevakning and proposes a new demand or plan
  when the score improves; ``surveillance_start`` moves a case there by hand.
- ``limitation_review_decide``: a person's decision on a claim flagged for review.

Each is idempotent (unique keys: a rerun of the same day adds nothing) and set-based.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction

from fordra.claims.models import CLOSED_STATES, Case, CaseEvent, CaseState, Invoice, Task
from fordra.claims.queries import (
    case_limitation_dates_set,
    limitation_window_cases,
    score_cases,
    score_event_kinds,
    score_invoices,
    score_payments,
)
from fordra.claims.scheduling import case_check_on, cases_check_on
from fordra.claims.selectors import ClaimOutstanding, case_balances
from fordra.claims.writeoff import claim_write_off
from fordra.core.bulk import adapt, gc_paused, query_in
from fordra.core.errors import ApplicationError
from fordra.domain.calendar import add_bank_days, bank_day_on_or_after, is_bank_day
from fordra.domain.ledger import Transaction
from fordra.domain.letters import channels_for
from fordra.domain.money import format_amount
from fordra.ledger.services import ledger_post
from fordra.letters.models import Letter, LetterStatus
from fordra.letters.queries import cases_with_letters_in_flight, letter_counts_of_debtors
from fordra.letters.unsent import letters_cancel_unsent
from fordra.parties.queries import creditor_stage_rules
from fordra.surveillance.models import LimitationReview, ReviewDecision, Score
from fordra.surveillance.queries import cases_last_scored, cases_last_scored_of
from fordra.surveillance.scoring import (
    CreditInfo,
    CreditScorer,
    RuleBasedScorer,
    ScoreFacts,
    credit_info_adapter,
    with_credit_info,
)
from fordra.surveillance.selectors import (
    OPEN,
    REVIEW,
    TIME_BARRED,
    Assessment,
    CaseFacts,
    assess,
    load_facts,
    time_barred_explanation,
)

_CLOSED = tuple(s.value for s in CLOSED_STATES)
IN_CHUNK = 900

# --- the creditor's rules (docs/stages.md, "surveillance") --------------------------------

SURVEILLANCE_DEFAULTS: dict[str, Any] = {
    "interrupt_letters": True,
    "interrupt_days_before": 120,
    "pay_days": 30,
    "channels": ["digital_mailbox", "print"],
    "rescore_months": 3,
    "improve_threshold": 20,
    "auto_demand": False,
}
_LIMITS = {  # name: (min, max) — a limit on everything
    "interrupt_days_before": (30, 365),
    "pay_days": (30, 90),
    "rescore_months": (1, 24),
    "improve_threshold": (1, 100),
}
INTERRUPT_DAYS_BEFORE_MAX = _LIMITS["interrupt_days_before"][1]
# States in which an interrupting letter may go out: not while a dispute, a plan or a pending
# Kronofogden application governs the case (those interrupt by themselves or must not be
# disturbed), never on a closed case.
INTERRUPT_STATES = (
    CaseState.OPEN, CaseState.REMINDER, CaseState.DEMAND, CaseState.JUDGMENT,
    CaseState.ENFORCEMENT, CaseState.SURVEILLANCE,
)  # fmt: skip
START_STATES = (
    CaseState.OPEN, CaseState.REMINDER, CaseState.DEMAND, CaseState.KFM, CaseState.JUDGMENT,
    CaseState.ENFORCEMENT,
)  # fmt: skip
IMPROVED_TEXT = "Förbättrad betalningsförmåga: föreslå nytt krav eller avbetalningsplan"


def surveillance_rules(stage_rules: Any) -> dict[str, Any]:
    """The creditor's ``stage_rules["surveillance"]`` over the defaults, clamped to the limits."""
    rules = dict(SURVEILLANCE_DEFAULTS)
    section = stage_rules.get("surveillance") if isinstance(stage_rules, dict) else None
    if isinstance(section, dict):
        for key, default in SURVEILLANCE_DEFAULTS.items():
            value = section.get(key)
            if value is None or type(value) is not type(default):
                continue
            if key in _LIMITS:
                lo, hi = _LIMITS[key]
                value = min(max(value, lo), hi)
            rules[key] = value
    return rules


def _creditor_rules() -> dict[int, dict[str, Any]]:
    out = {}
    for cid, _template, raw in creditor_stage_rules():
        out[cid] = surveillance_rules(json.loads(raw or "{}") if isinstance(raw, str) else raw)
    return out


# --- limitation: dates, write-offs, reviews ------------------------------------------------


def limitation_apply(*, case_ids: Iterable[int], today: date, now: datetime) -> Counter[str]:
    """Recompute the limitation of ``case_ids`` and act on it (see the module docstring)."""
    counts: Counter[str] = Counter()
    ids = sorted(set(case_ids))
    new_dates: dict[date | None, list[int]] = defaultdict(list)
    for start in range(0, len(ids), 5_000):
        part = ids[start : start + 5_000]
        with gc_paused(), transaction.atomic():
            facts = load_facts(case_ids=part, as_of=today)
            counts += _apply(facts, new_dates=new_dates, today=today, now=now)
    # The dates last, grouped: one UPDATE per date and 900 cases (a first refresh over a large
    # portfolio sets them all; a steady day only a few).
    with transaction.atomic():
        case_limitation_dates_set(dates=new_dates)
    counts["limitation_dates"] += sum(len(g) for g in new_dates.values())
    return counts


def _apply(
    facts: dict[int, CaseFacts],
    *,
    new_dates: dict[date | None, list[int]],
    today: date,
    now: datetime,
) -> Counter[str]:
    counts: Counter[str] = Counter()
    barred: list[tuple[CaseFacts, list[Assessment], bool]] = []
    reviews: list[tuple[CaseFacts, list[Assessment]]] = []
    unflag: list[int] = []
    for cf in facts.values():
        if cf.state in _CLOSED:
            continue
        assessments = [assess(cf, claim, today=today) for claim in cf.claims]
        gone = [a for a in assessments if a.status == TIME_BARRED]
        review = [a for a in assessments if a.status == REVIEW]
        left = [a for a in assessments if a.status in (OPEN, REVIEW)]
        if left:
            new_date: date | None = min(a.bar for a in left)
        elif gone:
            new_date = min(a.bar for a in gone)  # when the case became time-barred
        else:
            new_date = None  # nothing outstanding: no date to watch
        if new_date != cf.limitation_date:
            new_dates[new_date].append(cf.case_id)
        if gone:
            barred.append((cf, gone, not left))
        if review:
            reviews.append((cf, review))
        elif cf.limitation_review:
            unflag.append(cf.case_id)
    if barred:
        counts += _write_off(barred, today=today, now=now)
    if reviews:
        counts += _flag_for_review(reviews, today=today, now=now)
    for start in range(0, len(unflag), IN_CHUNK):
        Case.objects.filter(id__in=unflag[start : start + IN_CHUNK]).update(
            limitation_review=False
        )
    cases_check_on(case_ids=unflag)
    return counts


def _write_off(
    barred: Sequence[tuple[CaseFacts, list[Assessment], bool]], *, today: date, now: datetime
) -> Counter[str]:
    """Write off each time-barred claim (preskriberad: 8 §, never demanded again) for what was
    outstanding on it — capital, interest and fees — and close the cases left with nothing."""
    counts: Counter[str] = Counter()
    cases = {c.id: c for c in Case.objects.filter(id__in=[cf.case_id for cf, _, _ in barred])}
    balances = case_balances(cases=list(cases.values()), as_of=today)
    transactions, events = [], []
    closing: list[tuple[int, str]] = []
    for cf, gone, close in barred:
        case = cases[cf.case_id]
        outstanding = {c.invoice_id: c for c in balances[cf.case_id].claims}
        reasons = []
        for a in gone:
            written = _write_off_claim(
                case, cf, a, outstanding.get(a.claim.invoice_id), today=today
            )
            if written is None:
                continue
            event, given_up = written
            transactions.extend(given_up)
            events.append(event)
            reasons.append(f"{a.claim.invoice_number} från {a.bar.isoformat()}")
            counts["time_barred"] += 1
        if close and reasons:
            closing.append((case.id, "Preskriberad: " + ", ".join(reasons)))
    if transactions:
        ledger_post(transactions, now=now)
    counts.update(_close_time_barred(closing, today=today, events=events))
    partial = [cf.case_id for cf, _, close in barred if not close]
    cases_check_on(case_ids=partial)
    CaseEvent.objects.bulk_create(events)
    return counts


def _write_off_claim(
    case: Case,
    cf: CaseFacts,
    a: Assessment,
    o: ClaimOutstanding | None,
    *,
    today: date,
) -> tuple[CaseEvent, Sequence[Transaction]] | None:
    """One time-barred claim written off (its invoice marked, what was outstanding given up):
    the event to record and the ledger transactions; ``None`` when it was written off before."""
    claim = a.claim
    explanation = time_barred_explanation(cf, a, today=today)
    reason = (
        f"Preskriberad från {a.bar.isoformat()} ({a.claim_type_used.value}, "
        f"{a.period_years} år, preskriptionslagen (1981:130))"
    )
    changed = Invoice.objects.filter(
        id=claim.invoice_id, written_off_on__isnull=True
    ).update(written_off_on=today, write_off_reason=reason[:300])
    if not changed:
        return None
    transactions: Sequence[Transaction] = ()
    capital = interest = fees = 0
    if o is not None:
        given_up = claim_write_off(
            claim=o,
            case_id=case.id,
            creditor_id=case.creditor_id,
            cause="limitation",
            day=today,
            memo=f"Preskriberad fordran {claim.invoice_number}: ärende {case.ref}",
        )
        capital, interest, fees = (
            given_up.capital_ore, given_up.interest_ore, given_up.fees_ore
        )
        transactions = given_up.transactions
    amounts = (
        f"Avskrivet: kapital {format_amount(capital)}, ränta {format_amount(interest)}, "
        f"avgifter {format_amount(fees)}."
    )
    event = CaseEvent(
        case_id=case.id,
        date=today,
        kind="time_barred",
        detail=f"Faktura {claim.invoice_number}: {explanation} {amounts}"[:1000],
    )
    return event, transactions


def _close_time_barred(
    closing: Sequence[tuple[int, str]], *, today: date, events: list[CaseEvent]
) -> Counter[str]:
    """Close the cases left with nothing (``closed_time_barred``) and cancel their letters not
    yet handed to a channel; their events are added to ``events``."""
    counts: Counter[str] = Counter()
    closed_now = []
    for case_id, reason in closing:
        if Case.objects.filter(id=case_id).exclude(state__in=_CLOSED).update(
            state=CaseState.CLOSED_TIME_BARRED,
            closed_on=today,
            close_reason=reason[:300],
            limitation_review=False,
            awaiting_decision=False,
        ):
            closed_now.append(case_id)
        events.append(
            CaseEvent(
                case_id=case_id,
                date=today,
                kind="closed_time_barred",
                detail=f"Ärendet avslutat: {reason}. Inget mer krav skickas."[:1000],
            )
        )
        counts["closed_time_barred"] += 1
    closed_ids = [case_id for case_id, _ in closing]
    # Never a letter after: whatever was queued and not yet handed to a channel is cancelled.
    counts["letters_cancelled"] += letters_cancel_unsent(case_ids=closed_ids)
    cases_check_on(case_ids=closed_now)
    return counts


def _flag_for_review(
    reviews: Sequence[tuple[CaseFacts, list[Assessment]]], *, today: date, now: datetime
) -> Counter[str]:
    """Unclear evidence or a guessed claim type at the bar date: a person decides; nothing is
    written off and nothing demanded meanwhile (the ladder stops at the limitation date)."""
    counts: Counter[str] = Counter()
    wanted = {
        f"task:{cf.case_id}:limitation_review:{a.claim.invoice_id}:{a.bar.isoformat()}": (cf, a)
        for cf, items in reviews
        for a in items
    }
    known = set(Task.objects.filter(key__in=list(wanted)).values_list("key", flat=True))
    tasks, events = [], []
    for key, (cf, a) in wanted.items():
        if key in known:
            continue
        text = (
            f"Preskription: avgör om faktura {a.claim.invoice_number} är preskriberad "
            f"(från {a.bar.isoformat()} enligt säkra bevis; {a.bar_if_unclear_counted.isoformat()} "
            f"om allt räknas) — {a.why_review}"
        )
        tasks.append(
            Task(case_id=cf.case_id, kind="limitation_review", text=text[:500], created_on=today,
                 key=key)
        )
        events.append(
            CaseEvent(case_id=cf.case_id, date=today, kind="limitation_review", detail=text[:1000])
        )
        counts["limitation_review"] += 1
    Task.objects.bulk_create(tasks)
    CaseEvent.objects.bulk_create(events)
    flagged = [cf.case_id for cf, _ in reviews if not cf.limitation_review]
    for start in range(0, len(flagged), IN_CHUNK):
        Case.objects.filter(id__in=flagged[start : start + IN_CHUNK]).update(
            limitation_review=True
        )
    cases_check_on(case_ids=flagged)
    return counts


def limitation_review_decide(
    *, case: Case, decision: str, reason: str, day: date, now: datetime, actor: str
) -> Counter[str]:
    """A person decides the claims of ``case`` under review: ``time_barred`` writes them off
    (closing the case when nothing is left), ``not_time_barred`` counts the unclear evidence and
    the longer period for them from now on."""
    if decision not in ReviewDecision.values:
        raise ApplicationError(
            f"unknown decision {decision!r}; one of: {', '.join(ReviewDecision.values)}"
        )
    if not reason.strip():
        raise ApplicationError("a reason is required for a limitation decision")
    facts = load_facts(case_ids=[case.id], as_of=day).get(case.id)
    pending = [
        a for a in (assess(facts, c, today=day) for c in facts.claims) if a.status == REVIEW
    ] if facts else []
    if not pending:
        raise ApplicationError(f"{case.ref} has no claim waiting for a limitation decision")
    with transaction.atomic():
        LimitationReview.objects.bulk_create(
            [
                LimitationReview(
                    invoice_id=a.claim.invoice_id, case=case, decision=decision, decided_on=day,
                    reason=reason[:500], actor=actor[:150],
                )
                for a in pending
            ]
        )
        numbers = ", ".join(a.claim.invoice_number for a in pending)
        label = ReviewDecision(decision).label.lower()
        CaseEvent.objects.create(
            case=case, date=day, kind="limitation_decision", actor=actor[:150],
            detail=f"Preskription avgjord för {numbers}: {label} — {reason}"[:1000],
        )
        Task.objects.filter(case=case, kind="limitation_review", done_at__isnull=True).update(
            done_at=now
        )
        counts = limitation_apply(case_ids=[case.id], today=day, now=now)
    counts["decided"] += len(pending)
    return counts


# --- the interrupting letter ---------------------------------------------------------------


def last_send_day(limitation_date: date) -> date:
    """The last bank day a letter can be sent and still be presumed received before the bar."""
    day = limitation_date - timedelta(days=1)
    while not is_bank_day(day):
        day -= timedelta(days=1)
    return add_bank_days(day, -2)


def interrupting_letters_schedule(*, run_date: date, now: datetime) -> Counter[str]:
    """For open cases whose limitation date is within the creditor's window
    (``interrupt_days_before``, default 120 days): an efterbevakning letter today (a bank day),
    once per limitation date (key ``surveillance:<case>:<date>``). Received, it interrupts
    limitation (5 § 2) and the next refresh moves the date three (or ten) years on."""
    counts: Counter[str] = Counter()
    if not is_bank_day(run_date):
        return counts  # quiet day: nothing is sent on weekends and holidays
    candidates = _interrupt_candidates(run_date=run_date)
    if not candidates:
        return counts
    keys = {f"surveillance:{c[0]}:{c[3].isoformat()}": c for c in candidates}
    known = set()
    for part in _chunks(list(keys)):
        known.update(Letter.objects.filter(key__in=part).values_list("key", flat=True))
    case_ids = [c[0] for c in candidates]
    busy = cases_with_letters_in_flight(case_ids=case_ids)
    per_debtor = _letters_today_per_debtor(
        sorted({c[2] for c in candidates}), run_date=run_date
    )
    cap = settings.LETTERS_PER_DEBTOR_PER_DAY_MAX
    letters, events, tasks = [], [], []
    for key, (case_id, _creditor_id, debtor_id, lim, protected, rule) in keys.items():
        if key in known or case_id in busy:
            continue  # once per period; a letter already on its way interrupts by itself
        if run_date > last_send_day(lim):
            tasks.append(_too_late_task(case_id=case_id, lim=lim, run_date=run_date))
            continue
        if per_debtor[debtor_id] >= cap:
            counts["deferred_by_debtor_cap"] += 1
            continue  # tomorrow
        per_debtor[debtor_id] += 1
        letters.append(
            _surveillance_letter(
                case_id=case_id, key=key, run_date=run_date, rule=rule, protected=protected,
                extra={"purpose": "interrupt_limitation", "limitation_date": lim.isoformat()},
            )
        )
        events.append(
            CaseEvent(
                case_id=case_id, date=run_date, kind="letter_created",
                detail=f"Efterbevakningsbrev som avbryter preskriptionen före {lim.isoformat()}",
            )
        )
    Letter.objects.bulk_create(letters)
    CaseEvent.objects.bulk_create(events)
    known_tasks = set(
        Task.objects.filter(key__in=[t.key for t in tasks]).values_list("key", flat=True)
    )
    Task.objects.bulk_create([t for t in tasks if t.key not in known_tasks])
    counts["letters"] += len(letters)
    counts["limitation_late"] += len(tasks) - len(known_tasks)
    return counts


def _interrupt_candidates(
    *, run_date: date
) -> list[tuple[int, int, int, date, bool, dict[str, Any]]]:
    """Open cases whose limitation date falls within their creditor's window and whose
    creditor wants interrupting letters: (case, creditor, debtor, limitation date, protected
    identity, the creditor's rules)."""
    rules = _creditor_rules()
    window = max((r["interrupt_days_before"] for r in rules.values()), default=0)
    states = [s.value for s in INTERRUPT_STATES]
    rows = limitation_window_cases(
        states=states, after=run_date, until=run_date + timedelta(days=window), today=run_date
    )
    candidates = []
    for case_id, creditor_id, debtor_id, lim_text, protected, relief in rows:
        rule = rules[creditor_id]
        lim = date.fromisoformat(lim_text[:10])
        if not rule["interrupt_letters"] or relief:
            continue  # the creditor's rules say no; skuldsanering stops every demand
        if lim > run_date + timedelta(days=rule["interrupt_days_before"]):
            continue
        candidates.append((case_id, creditor_id, debtor_id, lim, bool(protected), rule))
    return candidates


def _letters_today_per_debtor(debtor_ids: list[int], *, run_date: date) -> Counter[int]:
    """Letters already dated ``run_date`` per debtor (the per-debtor daily cap counts them)."""
    per_debtor: Counter[int] = Counter()
    for debtor_id, n in letter_counts_of_debtors(debtor_ids=debtor_ids, day=run_date):
        per_debtor[debtor_id] = n
    return per_debtor


def _too_late_task(*, case_id: int, lim: date, run_date: date) -> Task:
    """No letter can reach the debtor before the bar: a person interrupts another way or not."""
    task_key = f"task:{case_id}:limitation_late:{lim.isoformat()}"
    return Task(
        case_id=case_id, kind="limitation_late", created_on=run_date, key=task_key,
        text=f"Preskription {lim.isoformat()}: för sent för ett brev att nå fram — "
        "avbryt på annat sätt (erkännande, ansökan) eller låt fordran preskriberas",
    )


def _surveillance_letter(
    *, case_id: int, key: str, run_date: date, rule: dict[str, Any], protected: bool,
    extra: dict[str, Any],
) -> Letter:
    return Letter(
        case_id=case_id,
        kind="surveillance",
        text="surveillance",
        step="surveillance",
        letter_date=run_date,
        pay_by=bank_day_on_or_after(run_date + timedelta(days=rule["pay_days"])),
        channels=channels_for(protected_identity=protected, wanted=rule["channels"]),
        status=LetterStatus.PENDING,
        key=key,
        extra=extra,
    )


def _chunks(items: list[Any]) -> Iterable[list[Any]]:
    for start in range(0, len(items), IN_CHUNK):
        yield items[start : start + IN_CHUNK]


# --- efterbevakning: scores ----------------------------------------------------------------


def months_before(day: date, months: int) -> date:
    month = day.month - 1 - months
    year = day.year + month // 12
    month = month % 12 + 1
    for d in (day.day, 30, 29, 28):
        try:
            return date(year, month, d)
        except ValueError:
            continue
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class RescoreResult:
    rescored: int
    improved: int
    letters: int


def surveillance_rescore(
    *,
    run_date: date,
    now: datetime,
    case_ids: Sequence[int] | None = None,
    scorer: CreditScorer | None = None,
) -> Counter[str]:
    """Score the cases under efterbevakning that are due (none yet, or the last one at least
    ``rescore_months`` old); ``case_ids`` forces those cases. An improvement of at least
    ``improve_threshold`` points over the previous score proposes a new demand or plan (task +
    event); with ``auto_demand`` an efterbevakning letter goes out (no new fee)."""
    counts: Counter[str] = Counter()
    rules = _creditor_rules()
    scorer = scorer or RuleBasedScorer()
    if case_ids is None:
        rows = cases_last_scored(state=CaseState.SURVEILLANCE.value)
    else:
        rows = cases_last_scored_of(case_ids=list(case_ids))
    due = []
    for case_id, creditor_id, last in rows:
        last_day = date.fromisoformat(last[:10]) if last else None
        if last_day == run_date:
            continue  # scored today already
        months = rules[creditor_id]["rescore_months"]
        if case_ids is None and last_day is not None and last_day > months_before(run_date, months):
            continue
        due.append(case_id)
    for part in _chunks(due):
        with transaction.atomic():
            counts += _rescore(part, run_date=run_date, rules=rules, scorer=scorer)
    return counts


def _rescore(
    case_ids: list[int], *, run_date: date, rules: dict[int, dict[str, Any]], scorer: CreditScorer
) -> Counter[str]:
    counts: Counter[str] = Counter()
    facts, creditor_of, national_id, previous = _score_facts(case_ids, run_date=run_date)
    adapter = credit_info_adapter()
    info: dict[str, CreditInfo] = {}
    if adapter is not None:
        info = dict(adapter.lookup(national_ids=sorted(set(national_id.values())), on=run_date))
    scores, tasks, events, letters = [], [], [], []
    for case_id in case_ids:
        f = with_credit_info(facts[case_id], info.get(national_id[case_id]))
        result = scorer.score(f)
        scores.append(
            Score(
                case_id=case_id, scored_on=run_date, value=result.value,
                reasons=list(result.reasons), scorer=result.scorer, facts=f.as_json(),
                key=f"score:{case_id}:{run_date.isoformat()}",
            )
        )
        counts["rescored"] += 1
        before = previous.get(case_id)
        rule = rules[creditor_of[case_id]]
        if before is not None and result.value - before >= rule["improve_threshold"]:
            text = f"{IMPROVED_TEXT} (poäng {before} → {result.value})"
            tasks.append(
                Task(case_id=case_id, kind="surveillance_improved", text=text[:500],
                     created_on=run_date, key=f"task:{case_id}:surveillance_improved:{run_date}")
            )
            events.append(
                CaseEvent(case_id=case_id, date=run_date, kind="surveillance_improved",
                          detail=text[:1000])
            )
            counts["surveillance_improved"] += 1
            if rule["auto_demand"] and is_bank_day(run_date):
                letters.append(
                    _surveillance_letter(
                        case_id=case_id, key=f"surveillance:{case_id}:rescore:{run_date}",
                        run_date=run_date, rule=rule, protected=f.protected_identity,
                        extra={"purpose": "improved_score", "score": result.value},
                    )
                )
    Score.objects.bulk_create(scores, ignore_conflicts=True)
    Task.objects.bulk_create(tasks, ignore_conflicts=True)
    CaseEvent.objects.bulk_create(events)
    known = set(
        Letter.objects.filter(key__in=[lt.key for lt in letters]).values_list("key", flat=True)
    )
    new_letters = [lt for lt in letters if lt.key not in known]
    Letter.objects.bulk_create(new_letters)
    counts["letters"] += len(new_letters)
    return counts


def _score_facts(
    case_ids: list[int], *, run_date: date
) -> tuple[dict[int, ScoreFacts], dict[int, int], dict[int, str], dict[int, int]]:
    """What the scorer may know, set-based: outstanding amount, age, payments, known events."""
    base = {}
    creditor_of, national_id = {}, {}
    for case_id, creditor_id, nid, dtype, protected, deceased, relief, opened in score_cases(
        case_ids=case_ids
    ):
        creditor_of[case_id], national_id[case_id] = creditor_id, nid
        base[case_id] = (dtype, bool(protected), bool(deceased), bool(relief),
                         date.fromisoformat(opened[:10]))
    capital: dict[int, int] = defaultdict(int)
    oldest_due: dict[int, date] = {}
    for case_id, amount, due in score_invoices(case_ids=case_ids, as_of=run_date):
        capital[case_id] += amount
        d = date.fromisoformat(due[:10])
        oldest_due[case_id] = min(oldest_due.get(case_id, d), d)
    paid: dict[int, int] = defaultdict(int)
    payments: dict[int, list[date]] = defaultdict(list)
    for case_id, component, day, amount in score_payments(case_ids=case_ids, as_of=run_date):
        if component == "capital":
            capital[case_id] -= int(amount)
        paid[case_id] += int(amount)
        if int(amount) > 0:
            payments[case_id].append(date.fromisoformat(day[:10]))
    events = _known_events(case_ids)
    previous = _previous_scores(case_ids, run_date=run_date)
    facts = {}
    for case_id in case_ids:
        dtype, protected, deceased, relief, opened = base[case_id]
        pays = sorted(set(payments.get(case_id, [])))
        facts[case_id] = ScoreFacts(
            as_of=run_date,
            debtor_type=dtype,
            outstanding_ore=max(capital.get(case_id, 0), 0),
            oldest_due_date=oldest_due.get(case_id, opened),
            paid_ore=paid.get(case_id, 0),
            payment_days=tuple(pays),
            known_events=frozenset(events.get(case_id, set())),
            deceased=deceased,
            debt_relief=relief,
            protected_identity=protected,
        )
    return facts, creditor_of, national_id, previous


def _known_events(case_ids: list[int]) -> dict[int, set[str]]:
    """The events the scorer weighs, per case (any kind of no_assets counts as one)."""
    events: dict[int, set[str]] = defaultdict(set)
    for case_id, kind in score_event_kinds(case_ids=case_ids):
        events[case_id].add("no_assets" if "no_assets" in kind else kind)
    return events


def _previous_scores(case_ids: list[int], *, run_date: date) -> dict[int, int]:
    """Each case's latest score before ``run_date``."""
    previous: dict[int, int] = {}
    for case_id, value, _day in query_in(
        "SELECT case_id, value, CAST(scored_on AS TEXT) FROM surveillance_score "
        "WHERE case_id IN ({in}) AND scored_on < %s ORDER BY scored_on, id",
        values=case_ids,
        after=[adapt(run_date)],
    ):
        previous[case_id] = value  # ordered: the last one wins
    return previous


def surveillance_start(*, case: Case, day: date, now: datetime, actor: str) -> dict[str, Any]:
    """Move ``case`` to efterbevakning (state ``surveillance``) and score it at once."""
    if case.state == CaseState.SURVEILLANCE:
        return {"ref": case.ref, "state": case.state, "already": True}
    if case.state not in START_STATES:
        raise ApplicationError(
            f"{case.ref} is {case.state}: efterbevakning starts only from "
            f"{', '.join(s.value for s in START_STATES)}"
        )
    with transaction.atomic():
        Case.objects.filter(pk=case.pk).update(
            state=CaseState.SURVEILLANCE, awaiting_decision=False
        )
        case_check_on(case_id=case.pk)
        CaseEvent.objects.create(
            case=case, date=day, kind="surveillance_started", actor=actor[:150],
            detail="Efterbevakning: ärendet bevakas, poängsätts regelbundet och hålls vid liv "
            "mot preskription",
        )
        Task.objects.filter(case=case, kind="hand_over", done_at__isnull=True).update(done_at=now)
        surveillance_rescore(run_date=day, now=now, case_ids=[case.id])
    case.refresh_from_db()
    latest = Score.objects.filter(case=case).order_by("-scored_on", "-id").first()
    return {
        "ref": case.ref,
        "state": case.state,
        "already": False,
        "started_on": day.isoformat(),
        "limitation_date": case.limitation_date.isoformat() if case.limitation_date else None,
        "score": None if latest is None else {"value": latest.value, "reasons": latest.reasons},
    }
