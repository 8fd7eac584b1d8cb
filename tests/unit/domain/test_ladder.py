"""The ladder and the daily decision (fordra.domain.ladder), with worked Swedish examples.

Dates are real: 2026-06-19 is midsommarafton, 2026-12-24/25/26/31 and 2027-01-01/06 are not
bank days, 2026-04-03 and 2026-04-06 are långfredagen and annandag påsk.
"""

from __future__ import annotations

import doctest
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import date, timedelta

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st

from fordra.domain import ladder as ladder_module
from fordra.domain.calendar import is_bank_day
from fordra.domain.fees import PER_LETTER_FEES, DebtorType, FeeKind, FeeSchedule
from fordra.domain.ladder import (
    CLOSED_STATES,
    CaseSnapshot,
    ClaimSnapshot,
    Decision,
    Ladder,
    ServiceLevel,
    Step,
    StepKind,
    StepRecord,
    apply_overrides,
    decide,
    ladder_for_service,
    min_demand_pay_by,
)
from fordra.rules import ladder_templates, load_fee_schedule, load_ladder

FEES: FeeSchedule = load_fee_schedule()
ON = date(2026, 6, 1)
CONSUMER = load_ladder("consumer", on=ON)
B2B = load_ladder("b2b", on=ON)
PUBLIC_SECTOR = load_ladder("public_sector", on=ON)
FRIDAY_DUE = date(2026, 6, 12)  # the reminder would fall on midsommarafton


def claim(**overrides: object) -> ClaimSnapshot:
    values: dict[str, object] = {
        "invoice_id": 1,
        "invoice_number": "F-1001",
        "due_date": FRIDAY_DUE,
        "capital_ore": 100_000,
        "reminder_fee_agreed": True,
        "fees_charged": frozenset(),
    }
    values.update(overrides)
    return ClaimSnapshot(**values)  # type: ignore[arg-type]


def case(**overrides: object) -> CaseSnapshot:
    values: dict[str, object] = {
        "case_id": 7,
        "state": "open",
        "debtor_type": DebtorType.PERSON,
        "claims": (claim(),),
        "steps_done": {},
        "balance_ore": 100_000,
    }
    values.update(overrides)
    return CaseSnapshot(**values)  # type: ignore[arg-type]


def run(snapshot: CaseSnapshot, today: date, ladder: Ladder = CONSUMER) -> Decision:
    return decide(case=snapshot, ladder=ladder, today=today, fees=FEES)


def done(**records: tuple[date, date | None]) -> dict[str, StepRecord]:
    return {name: StepRecord(done_on=on, pay_by=pay_by) for name, (on, pay_by) in records.items()}


# --- the legal minimum time to pay an inkassokrav ----------------------------------------


@pytest.mark.parametrize(
    ("sent_on", "pay_by"),
    [
        (date(2026, 3, 2), date(2026, 3, 10)),  # Monday: 8 days; 4 bank days after 4 Mar is 10 Mar
        (date(2026, 4, 2), date(2026, 4, 14)),  # before Easter: received 8 Apr, then 9, 10, 13, 14
        (date(2026, 12, 22), date(2027, 1, 5)),  # received 28 Dec, then 29, 30 Dec, 4, 5 Jan
        (date(2026, 6, 18), date(2026, 6, 29)),  # 8 days = Fri 26 Jun; received 23 Jun (+4: 29)
    ],
)
def test_an_inkassokrav_gives_8_days_and_4_bank_days_after_presumed_receipt(
    sent_on: date, pay_by: date
) -> None:
    assert min_demand_pay_by(sent_on) == pay_by


@given(st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31)))
def test_the_minimum_pay_by_date_is_a_bank_day_at_least_8_days_after_sending(sent: date) -> None:
    pay_by = min_demand_pay_by(sent)
    assert is_bank_day(pay_by)
    assert pay_by >= sent + timedelta(days=8)


def test_the_module_docstring_examples_hold() -> None:
    failures, tried = doctest.testmod(ladder_module, verbose=False, report=True)
    assert tried > 0
    assert failures == 0


# --- bank days: when a step is due --------------------------------------------------------


def test_a_reminder_due_on_midsommarafton_moves_to_the_monday_after() -> None:
    on_the_eve = run(case(), date(2026, 6, 19))
    assert on_the_eve.step is None
    assert on_the_eve.reason == "not due: reminder on 2026-06-22"
    assert on_the_eve.due_on == date(2026, 6, 22)
    assert on_the_eve.rule == "consumer-2026-11-01/reminder"

    monday = run(case(), date(2026, 6, 22))
    assert monday.step is CONSUMER.step("reminder")
    assert monday.reason == "step reminder"
    assert monday.pay_by == date(2026, 7, 2)
    assert monday.channels == ("digital_mailbox", "email", "print")
    assert monday.ladder_version == "consumer-2026-11-01"
    assert monday.rule == "consumer-2026-11-01/reminder"


def test_no_letter_is_sent_on_a_weekend_even_when_the_step_is_overdue() -> None:
    saturday = run(case(), date(2026, 6, 27))
    assert (saturday.step, saturday.reason, saturday.due_on) == (
        None,
        "quiet day",
        date(2026, 6, 22),
    )
    assert saturday.fees == ()
    monday = run(case(), date(2026, 6, 29))
    assert monday.step is not None
    assert monday.pay_by == date(2026, 7, 9)


def test_no_letter_is_sent_on_a_public_holiday() -> None:
    # Reminder paid by 2026-12-12 (Sat) → demand due 2026-12-22; the run is missed until juldagen.
    snapshot = case(
        state="reminder", steps_done=done(reminder=(date(2026, 12, 2), date(2026, 12, 12)))
    )
    assert run(snapshot, date(2026, 12, 25)).reason == "quiet day"
    assert run(snapshot, date(2026, 12, 31)).reason == "quiet day"  # nyårsafton
    assert run(snapshot, date(2026, 12, 28)).reason == "step demand"


def test_a_demand_sent_before_christmas_gets_the_legal_minimum_not_just_its_ten_days() -> None:
    snapshot = case(
        state="reminder", steps_done=done(reminder=(date(2026, 12, 2), date(2026, 12, 12)))
    )
    assert run(snapshot, date(2026, 12, 21)).reason == "not due: demand on 2026-12-22"
    decision = run(snapshot, date(2026, 12, 22))
    assert decision.step is CONSUMER.step("demand")
    # 10 days → 2027-01-01 (nyårsdagen) → Monday 2027-01-04; the minimum is Tuesday 2027-01-05.
    assert decision.pay_by == date(2027, 1, 5)


def test_a_demand_reminder_is_also_an_inkassokrav_with_the_minimum_time_to_pay() -> None:
    short = apply_overrides(CONSUMER, {"demand_follow_up": {"pay_days": 3}}, version="short")
    snapshot = case(
        state="demand",
        steps_done=done(
            reminder=(date(2026, 6, 22), date(2026, 7, 2)),
            demand=(date(2026, 7, 13), date(2026, 7, 23)),
        ),
    )
    decision = run(snapshot, date(2026, 7, 30), short)
    assert decision.reason == "step demand_follow_up"
    assert decision.pay_by == min_demand_pay_by(date(2026, 7, 30)) == date(2026, 8, 7)


def test_a_reminder_keeps_its_own_time_to_pay_it_is_not_an_inkassokrav() -> None:
    short = apply_overrides(CONSUMER, {"reminder": {"pay_days": 3}}, version="short")
    assert run(case(), date(2026, 6, 22), short).pay_by == date(2026, 6, 25)


def test_the_due_date_anchor_is_the_earliest_due_date_of_a_claim_with_capital_left() -> None:
    paid_first = claim(invoice_id=1, due_date=date(2026, 6, 1), capital_ore=0)
    second = claim(invoice_id=2, invoice_number="F-1002", due_date=FRIDAY_DUE)
    decision = run(case(claims=(paid_first, second)), date(2026, 6, 15))
    assert decision.reason == "not due: reminder on 2026-06-22"


# --- guards, in order ---------------------------------------------------------------------

TODAY = date(2026, 6, 22)  # the reminder's day in the cases below


@pytest.mark.parametrize(
    ("overrides", "reason"),
    [
        ({"state": "closed_paid"}, "closed"),
        ({"state": "closed_recalled"}, "closed"),
        ({"state": "closed_written_off"}, "closed"),
        ({"state": "closed_time_barred"}, "closed"),
        ({"balance_ore": 0}, "paid"),
        ({"balance_ore": -500}, "paid"),
        ({"disputed": True}, "disputed"),
        ({"paused_until": date(2026, 7, 31)}, "paused until 2026-07-31"),
        ({"paused_until": TODAY}, "paused until 2026-06-22"),
        ({"plan_active": True}, "plan in force"),
        ({"debt_relief": True}, "skuldsanering"),
        ({"deceased": True}, "dödsbo"),
        ({"claims": (claim(due_date=TODAY),)}, "not due"),
        ({"claims": (claim(due_date=date(2026, 7, 1)),)}, "not due"),
        ({"claims": (claim(capital_ore=0),)}, "not due"),
        (
            {"steps_done": done(**{s.name: (date(2026, 6, 22), None) for s in CONSUMER.steps})},
            "ladder finished",
        ),
    ],
)
def test_each_guard_stops_the_case_with_its_reason(
    overrides: dict[str, object], reason: str
) -> None:
    decision = run(case(**overrides), TODAY)
    assert decision.reason == reason
    assert decision.step is None
    assert (decision.pay_by, decision.fees, decision.channels) == (None, (), ())
    assert decision.case_id == 7
    assert decision.ladder_version == "consumer-2026-11-01"
    assert decision.rule.startswith("consumer-2026-11-01/")


def test_a_guard_decision_names_the_step_it_holds_back_and_a_finished_ladder_its_end() -> None:
    assert run(case(disputed=True), TODAY).rule == "consumer-2026-11-01/reminder"
    finished = done(**{s.name: (date(2026, 6, 22), None) for s in CONSUMER.steps})
    assert run(case(steps_done=finished), TODAY).rule == "consumer-2026-11-01/end"


def test_a_pause_ends_after_its_last_day() -> None:
    assert run(case(paused_until=date(2026, 6, 21)), TODAY).reason == "step reminder"


def test_the_guards_are_checked_in_order_and_the_first_match_wins() -> None:
    snapshot = case(
        state="closed_recalled",
        balance_ore=0,
        disputed=True,
        paused_until=date(2026, 7, 31),
        plan_active=True,
        debt_relief=True,
        deceased=True,
        claims=(claim(due_date=date(2026, 7, 1)),),
    )
    peel: list[tuple[str, dict[str, object]]] = [
        ("closed", {"state": "reminder"}),
        ("paid", {"balance_ore": 100_000}),
        ("disputed", {"disputed": False}),
        ("paused until 2026-07-31", {"paused_until": None}),
        ("plan in force", {"plan_active": False}),
        ("skuldsanering", {"debt_relief": False}),
        ("dödsbo", {"deceased": False}),
        ("not due", {"claims": (claim(),)}),
    ]
    for reason, lift in peel:
        assert run(snapshot, TODAY).reason == reason
        snapshot = replace(snapshot, **lift)  # type: ignore[arg-type]
    assert run(snapshot, date(2026, 6, 19)).reason == "not due: reminder on 2026-06-22"
    assert run(snapshot, date(2026, 6, 27)).reason == "quiet day"
    assert run(snapshot, TODAY).reason == "step reminder"


def test_a_protected_identity_still_gets_its_letter_through_the_forwarding_service() -> None:
    decision = run(case(protected_identity=True), TODAY)
    assert decision.step is CONSUMER.step("reminder")
    assert decision.channels == ("protected_forwarding",)
    assert decision.pay_by == date(2026, 7, 2)


# --- fees ---------------------------------------------------------------------------------


def test_a_reminder_fee_is_charged_only_when_it_was_agreed() -> None:
    # One letter lists both invoices: its one påminnelseavgift rests on F-1001, the invoice for
    # which it was agreed; F-1002 (not agreed) is not what the fee is charged for.
    agreed = claim(invoice_id=1, reminder_fee_agreed=True)
    not_agreed = claim(invoice_id=2, invoice_number="F-1002", reminder_fee_agreed=False)
    [fee] = run(case(claims=(agreed, not_agreed)), TODAY).fees
    assert (fee.invoice_id, fee.covers, fee.invoice_numbers) == (1, (1,), ("F-1001",))
    assert fee.outcome.kind is FeeKind.REMINDER
    assert (fee.outcome.allowed, fee.outcome.amount_ore) == (True, 6000)


def test_a_reminder_fee_that_was_agreed_for_no_invoice_is_refused_with_the_reason() -> None:
    not_agreed = claim(invoice_id=2, invoice_number="F-1002", reminder_fee_agreed=False)
    [fee] = run(case(claims=(not_agreed,)), TODAY).fees
    assert (fee.outcome.allowed, fee.outcome.amount_ore, fee.covers) == (False, 0, ())
    assert "avtalades" in fee.outcome.explanation
    assert "1981:739" in fee.outcome.rule


def test_one_reminder_letter_over_two_invoices_carries_one_60_kr_fee() -> None:
    # DOMAIN.md §2: 60 kr per written reminder, however many invoices it lists — not 2 × 60 kr.
    first = claim(invoice_id=1, due_date=date(2026, 6, 10))
    second = claim(invoice_id=2, invoice_number="F-1002", due_date=FRIDAY_DUE)
    [fee] = run(case(claims=(second, first)), TODAY).fees
    assert (fee.invoice_id, fee.outcome.amount_ore) == (1, 6000)  # held by the oldest claim
    assert (fee.covers, fee.invoice_numbers) == ((1, 2), ("F-1001", "F-1002"))
    assert fee.outcome.explanation.endswith("som avser fakturorna F-1001, F-1002.")
    assert "per skriftlig påminnelse" in fee.outcome.rule


def test_one_inkassokrav_over_three_invoices_carries_one_180_kr_fee() -> None:
    # RH 2022:7: a creditor's claims against one debtor merged into one inkassokrav, one fee.
    claims = tuple(
        claim(invoice_id=n, invoice_number=f"F-100{n}", due_date=date(2026, 6, 9 + n))
        for n in (1, 2, 3)
    )
    snapshot = case(
        state="reminder",
        claims=claims,
        steps_done=done(reminder=(date(2026, 6, 22), date(2026, 7, 2))),
    )
    decision = run(snapshot, date(2026, 7, 13))
    assert decision.reason == "step demand"
    [fee] = decision.fees
    assert (fee.outcome.kind, fee.outcome.amount_ore) == (FeeKind.DEMAND, 18000)
    assert (fee.invoice_id, fee.covers) == (1, (1, 2, 3))
    assert "RH 2022:7" in fee.outcome.rule


def test_a_claim_not_yet_due_gets_no_fee() -> None:
    overdue = claim(invoice_id=1)
    not_due = claim(invoice_id=2, invoice_number="F-1002", due_date=date(2026, 6, 30))
    due_today = claim(invoice_id=3, invoice_number="F-1003", due_date=TODAY)
    [fee] = run(case(claims=(overdue, not_due, due_today)), TODAY).fees
    assert (fee.invoice_id, fee.covers) == (1, (1,))


def test_a_settled_claim_gets_no_fee() -> None:
    settled = claim(invoice_id=2, invoice_number="F-1002", capital_ore=0)
    [fee] = run(case(claims=(claim(), settled)), TODAY).fees
    assert (fee.invoice_id, fee.covers) == (1, (1,))


def test_a_later_letter_charges_only_for_invoices_no_earlier_letter_was_charged_for() -> None:
    charged = claim(invoice_id=1, fees_charged=frozenset({FeeKind.DEMAND, FeeKind.REMINDER}))
    joined = claim(invoice_id=2, invoice_number="F-1002", due_date=date(2026, 7, 1))
    snapshot = case(
        state="reminder",
        claims=(charged, joined),
        steps_done=done(reminder=(date(2026, 6, 22), date(2026, 7, 2))),
    )
    decision = run(snapshot, date(2026, 7, 13))
    assert decision.reason == "step demand"
    assert [
        (fee.invoice_id, fee.covers, fee.outcome.kind, fee.outcome.amount_ore)
        for fee in decision.fees
    ] == [(2, (2,), FeeKind.DEMAND, 18000)]


def test_a_letter_whose_invoices_were_all_charged_for_before_adds_no_fee() -> None:
    covered = claim(invoice_id=1, fees_charged=frozenset({FeeKind.DEMAND}))
    also = claim(invoice_id=2, invoice_number="F-1002", fees_charged=frozenset({FeeKind.DEMAND}))
    snapshot = case(
        state="reminder",
        claims=(covered, also),
        steps_done=done(reminder=(date(2026, 6, 22), date(2026, 7, 2))),
    )
    decision = run(snapshot, date(2026, 7, 13))
    assert decision.reason == "step demand"
    assert decision.fees == ()


def test_a_letter_without_a_fee_adds_none() -> None:
    snapshot = case(
        state="demand",
        steps_done=done(
            reminder=(date(2026, 6, 22), date(2026, 7, 2)),
            demand=(date(2026, 7, 13), date(2026, 7, 23)),
        ),
    )
    decision = run(snapshot, date(2026, 7, 30))
    assert decision.step is CONSUMER.step("demand_follow_up")
    assert decision.fees == ()


def company_case(**overrides: object) -> CaseSnapshot:
    return case(debtor_type=DebtorType.COMPANY, **overrides)


def test_b2b_forseningsersattning_is_charged_at_the_reminder_and_absorbs_the_demand_fee() -> None:
    reminder = run(company_case(), date(2026, 6, 17), B2B)
    assert reminder.reason == "step reminder"
    [lpc] = reminder.fees
    assert lpc.outcome.kind is FeeKind.LATE_PAYMENT_COMPENSATION
    assert (lpc.outcome.allowed, lpc.outcome.amount_ore) == (True, 45000)

    after = company_case(
        state="reminder",
        claims=(claim(fees_charged=frozenset({FeeKind.LATE_PAYMENT_COMPENSATION})),),
        steps_done=done(reminder=(date(2026, 6, 17), reminder.pay_by)),
    )
    demand = run(after, date(2026, 6, 30), B2B)
    assert demand.reason == "step demand"
    [fee] = demand.fees
    assert fee.outcome.kind is FeeKind.DEMAND
    assert (fee.outcome.allowed, fee.outcome.amount_ore) == (False, 0)
    assert "5 §" in fee.outcome.rule
    assert "förseningsersättningen" in fee.outcome.explanation


def test_b2b_forseningsersattning_is_450_kr_per_claim_and_absorbs_the_one_demand_fee() -> None:
    first = claim(invoice_id=1, due_date=date(2026, 6, 10))
    second = claim(invoice_id=2, invoice_number="F-1002")
    reminder = run(company_case(claims=(first, second)), date(2026, 6, 17), B2B)
    assert [(f.invoice_id, f.covers, f.outcome.amount_ore) for f in reminder.fees] == [
        (1, (1,), 45000),
        (2, (2,), 45000),
    ]
    charged = frozenset({FeeKind.LATE_PAYMENT_COMPENSATION})
    after = company_case(
        state="reminder",
        claims=(replace(first, fees_charged=charged), replace(second, fees_charged=charged)),
        steps_done=done(reminder=(date(2026, 6, 17), reminder.pay_by)),
    )
    [fee] = run(after, date(2026, 6, 30), B2B).fees
    assert (fee.outcome.kind, fee.outcome.allowed, fee.outcome.amount_ore) == (
        FeeKind.DEMAND,
        False,
        0,
    )
    assert "förseningsersättningen" in fee.outcome.explanation


def test_b2b_forseningsersattning_is_charged_once_per_claim() -> None:
    already = claim(fees_charged=frozenset({FeeKind.LATE_PAYMENT_COMPENSATION}))
    assert run(company_case(claims=(already,)), date(2026, 6, 17), B2B).fees == ()


def test_no_forseningsersattning_from_a_consumer_even_on_the_b2b_ladder() -> None:
    [fee] = run(case(), date(2026, 6, 17), B2B).fees
    assert not fee.outcome.allowed
    assert "konsument" in fee.outcome.explanation


def test_without_a_right_to_late_interest_the_b2b_demand_fee_is_charged() -> None:
    reminder = run(company_case(creditor_entitled_to_interest=False), date(2026, 6, 17), B2B)
    assert not reminder.fees[0].outcome.allowed
    after = company_case(
        creditor_entitled_to_interest=False,
        state="reminder",
        steps_done=done(reminder=(date(2026, 6, 17), reminder.pay_by)),
    )
    [fee] = run(after, date(2026, 6, 30), B2B).fees
    assert (fee.outcome.kind, fee.outcome.allowed, fee.outcome.amount_ore) == (
        FeeKind.DEMAND,
        True,
        18000,
    )


# --- tasks and hand-over ------------------------------------------------------------------


def test_the_public_sector_assessment_is_a_task_24_days_after_the_reminder() -> None:
    snapshot = case(state="reminder", steps_done=done(reminder=(TODAY, date(2026, 7, 2))))
    assert run(snapshot, date(2026, 7, 15), PUBLIC_SECTOR).reason == (
        "not due: ability_assessment on 2026-07-16"
    )
    decision = run(snapshot, date(2026, 7, 16), PUBLIC_SECTOR)
    assert decision.step is not None
    assert decision.step.kind is StepKind.TASK
    assert decision.step.flag == "ability_assessment"
    assert decision.step.task == "Bedöm betalningsförmåga (dag 24 efter påminnelsen)"
    assert (decision.pay_by, decision.fees, decision.channels) == (None, (), ())


def test_the_hand_over_flags_the_case_for_a_decision_and_then_the_ladder_is_finished() -> None:
    steps = done(
        reminder=(date(2026, 6, 22), date(2026, 7, 2)),
        demand=(date(2026, 7, 13), date(2026, 7, 23)),
        demand_follow_up=(date(2026, 7, 30), date(2026, 8, 10)),
    )
    decision = run(case(state="demand", steps_done=steps), date(2026, 8, 11))
    assert decision.step is not None
    assert decision.step.kind is StepKind.DECISION
    assert decision.step.flag == "awaiting_decision"
    assert decision.step.task is not None and "betalningsföreläggande" in decision.step.task
    assert decision.channels == ()
    finished = {**steps, "hand_over": StepRecord(done_on=date(2026, 8, 11))}
    assert run(case(state="demand", steps_done=finished), date(2026, 8, 12)).reason == (
        "ladder finished"
    )


# --- service levels -----------------------------------------------------------------------


def test_the_whole_flow_is_the_ladder_itself() -> None:
    assert ladder_for_service(CONSUMER, ServiceLevel.FULL) is CONSUMER


def test_reminders_only_ends_with_a_return_to_the_creditor_closed_as_recalled() -> None:
    reminders = ladder_for_service(CONSUMER, ServiceLevel.REMINDERS)
    assert reminders.version == "consumer-2026-11-01+reminders"
    assert [step.name for step in reminders.steps] == ["reminder", "return_to_creditor"]
    back = reminders.step("return_to_creditor")
    assert (back.kind, back.anchor, back.days, back.state) == (
        StepKind.RETURN,
        "reminder.pay_by",
        1,
        "closed_recalled",
    )
    assert walk(reminders, due=FRIDAY_DUE) == [
        ("2026-06-22", "reminder", "2026-07-02", {FeeKind.REMINDER: 6000}),
        ("2026-07-03", "return_to_creditor", None, {}),
    ]
    snapshot = case(state="closed_recalled", steps_done=done(reminder=(TODAY, date(2026, 7, 2))))
    assert run(snapshot, date(2026, 7, 6), reminders).reason == "closed"


def test_reminders_only_needs_a_reminder_in_the_ladder() -> None:
    collection = ladder_for_service(CONSUMER, ServiceLevel.COLLECTION)
    with pytest.raises(ValueError, match="no reminder letter"):
        ladder_for_service(collection, ServiceLevel.REMINDERS)


def test_collection_only_starts_with_the_demand_anchored_at_the_due_date() -> None:
    collection = ladder_for_service(CONSUMER, ServiceLevel.COLLECTION)
    assert collection.version == "consumer-2026-11-01+collection"
    assert [step.name for step in collection.steps] == ["demand", "demand_follow_up", "hand_over"]
    assert (collection.steps[0].anchor, collection.steps[0].days) == ("due_date", 10)
    first = run(case(), date(2026, 6, 22), collection)
    assert first.reason == "step demand"
    assert first.rule == "consumer-2026-11-01+collection/demand"
    # 10 days → 2026-07-02; the legal minimum would be 2026-06-30.
    assert first.pay_by == date(2026, 7, 2)
    assert [(fee.outcome.kind, fee.outcome.amount_ore) for fee in first.fees] == [
        (FeeKind.DEMAND, 18000)
    ]


def test_collection_only_for_the_public_sector_anchors_the_assessment_at_the_due_date() -> None:
    collection = ladder_for_service(PUBLIC_SECTOR, ServiceLevel.COLLECTION)
    assert [(s.name, s.anchor) for s in collection.steps[:2]] == [
        ("ability_assessment", "due_date"),
        ("demand", "ability_assessment.done"),
    ]


@pytest.mark.parametrize("template", ladder_templates())
@pytest.mark.parametrize("level", list(ServiceLevel))
def test_every_template_works_at_every_service_level(template: str, level: ServiceLevel) -> None:
    ladder = ladder_for_service(load_ladder(template, on=ON), level)
    assert walk(ladder, due=FRIDAY_DUE)


# --- per-creditor overrides ---------------------------------------------------------------


def test_overrides_change_days_and_channels_and_get_their_own_version() -> None:
    custom = apply_overrides(
        CONSUMER,
        {"reminder": {"days": 14, "channels": ["print"]}, "demand": {"text": "demand_plain"}},
        version="acme-1",
    )
    assert custom.version == "consumer-2026-11-01+acme-1"
    assert (custom.template, custom.valid_from) == (CONSUMER.template, CONSUMER.valid_from)
    assert custom.step("reminder").days == 14
    assert custom.step("demand").letter_text == "demand_plain"
    decision = run(case(), date(2026, 6, 26), custom)
    assert (decision.reason, decision.channels) == ("step reminder", ("print",))
    assert decision.rule == "consumer-2026-11-01+acme-1/reminder"
    assert CONSUMER.step("reminder").days == 7  # the template is untouched


def test_a_dropped_step_is_skipped_and_the_next_step_takes_its_anchor() -> None:
    custom = apply_overrides(CONSUMER, {"demand_follow_up": {"enabled": False}}, version="acme-2")
    assert [step.name for step in custom.steps] == ["reminder", "demand", "hand_over"]
    assert custom.step("hand_over").anchor == "demand.pay_by"
    assert walk(custom, due=FRIDAY_DUE) == [
        ("2026-06-22", "reminder", "2026-07-02", {FeeKind.REMINDER: 6000}),
        ("2026-07-13", "demand", "2026-07-23", {FeeKind.DEMAND: 18000}),
        ("2026-07-24", "hand_over", None, {}),
    ]


def test_overrides_go_on_the_whole_template_before_the_service_level_cuts_it() -> None:
    overrides = {"reminder": {"days": 10}, "demand": {"days": 5}}
    collection = ladder_for_service(
        apply_overrides(CONSUMER, overrides, version="acme"), ServiceLevel.COLLECTION
    )
    assert collection.version == "consumer-2026-11-01+acme+collection"
    assert (collection.steps[0].name, collection.steps[0].anchor, collection.steps[0].days) == (
        "demand",
        "due_date",
        5,
    )
    reminders = ladder_for_service(
        apply_overrides(CONSUMER, overrides, version="acme"), ServiceLevel.REMINDERS
    )
    assert [(s.name, s.days) for s in reminders.steps] == [
        ("reminder", 10),
        ("return_to_creditor", 1),
    ]
    # The other way round, the cut ladder no longer has the reminder to override.
    with pytest.raises(ValueError, match="no step 'reminder'"):
        apply_overrides(
            ladder_for_service(CONSUMER, ServiceLevel.COLLECTION), overrides, version="acme"
        )


def test_dropping_the_reminder_anchors_the_demand_where_the_reminder_was() -> None:
    custom = apply_overrides(CONSUMER, {"reminder": {"enabled": False}}, version="no-reminder")
    assert (custom.steps[0].name, custom.steps[0].anchor) == ("demand", "due_date")


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"reminders": {"days": 3}}, "no step 'reminders'"),
        ({"demand": {"colour": "red"}}, "step demand: unknown field 'colour'"),
        ({"demand": {"days": "ten"}}, "step demand: days"),
        ({"demand": {"days": -1}}, "step demand: days"),
        ({"demand": {"days": True}}, "step demand: days"),
        ({"demand": {"pay_days": 1000}}, "step demand: pay_days"),
        ({"demand": {"pay_days": 0}}, "step 'demand': pay_days"),
        ({"demand": {"channels": ["fax"]}}, "step demand: channels: unknown channel 'fax'"),
        ({"demand": {"channels": "print"}}, "step demand: channels must be a list"),
        ({"demand": {"channels": []}}, "step 'demand': channels"),
        ({"demand": {"text": 5}}, "step demand: text"),
        ({"demand": {"text": "../etc/passwd"}}, "step 'demand': text"),
        ({"demand": {"enabled": "no"}}, "step demand: enabled"),
        ({"hand_over": {"pay_days": 5}}, "step hand_over: pay_days applies to letter steps"),
        ({"hand_over": {"channels": ["print"]}}, "step hand_over: channels applies to letter"),
        ({step.name: {"enabled": False} for step in CONSUMER.steps}, "no steps"),
    ],
)
def test_bad_overrides_are_refused_naming_the_step_and_field(
    overrides: Mapping[str, Mapping[str, object]], message: str
) -> None:
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        apply_overrides(CONSUMER, overrides, version="bad")


# --- the ladder is checked when built -----------------------------------------------------


def letter(name: str, anchor: str = "due_date", **fields: object) -> Step:
    values: dict[str, object] = {"letter": "reminder", "pay_days": 10}
    values.update(fields)
    return Step(name=name, kind=StepKind.LETTER, anchor=anchor, days=7, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("steps", "message"),
    [
        ((), "no steps"),
        ((letter("a"), letter("a", anchor="a.pay_by")), "step 'a': name used twice"),
        ((letter("Reminder"),), "lower_snake_case"),
        ((letter("due_date"),), "lower_snake_case"),
        ((letter("a", anchor="b.pay_by"), letter("b")), "names no earlier step"),
        ((letter("a", anchor="a.done"),), "names no earlier step"),
        ((letter("a", anchor="yesterday"),), "anchor 'yesterday'"),
        ((letter("a", anchor="a.sent"),), "anchor 'a.sent'"),
        (
            (
                Step(name="t", kind=StepKind.TASK, anchor="due_date", days=1, task="x"),
                letter("a", anchor="t.pay_by"),
            ),
            "only a letter has a pay-by date",
        ),
        ((letter("a", letter="invoice"),), "letter 'invoice'"),
        ((letter("a", letter=None),), "letter None"),
        ((letter("a", pay_days=0),), "pay_days must be at least 1"),
        ((letter("a", channels=()),), "at least one channel"),
        ((letter("a", channels=("print", "print")),), "named twice"),
        ((letter("a", fee=FeeKind.DEMAND),), "fee demand cannot go with a 'reminder' letter"),
        ((letter("a", letter="notice", fee=FeeKind.REMINDER),), "fee reminder cannot go"),
        ((letter("a", fee=FeeKind.PLAN),), "cannot be added by a ladder step"),
        ((letter("a", state="sent"),), "state 'sent'"),
        (
            (Step(name="t", kind=StepKind.TASK, anchor="due_date", days=1, fee=FeeKind.REMINDER),),
            "letter steps only",
        ),
        (
            (
                Step(name="h", kind=StepKind.DECISION, anchor="due_date", days=1),
                letter("a"),
            ),
            "must be the last step",
        ),
        ((letter(f"s{i}") for i in range(21)), "more than 20"),
    ],
)
def test_a_malformed_ladder_is_refused_naming_the_step(
    steps: tuple[Step, ...], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        Ladder(template="t", version="t-1", valid_from=ON, steps=tuple(steps))


def test_asking_a_ladder_for_a_step_it_lacks_names_it() -> None:
    with pytest.raises(KeyError, match="no step 'kfm'"):
        CONSUMER.step("kfm")
    assert CONSUMER.has_step("demand") and not CONSUMER.has_step("kfm")


# --- a case walked day by day -------------------------------------------------------------

Schedule = list[tuple[str, str, str | None, dict[FeeKind, int]]]


@dataclass
class Walk:
    """The daily run in miniature: every decision is fed back into the snapshot."""

    ladder: Ladder
    snapshot: CaseSnapshot

    def day(self, today: date) -> Decision:
        decision = run(self.snapshot, today, self.ladder)
        step = decision.step
        if step is None:
            return decision
        steps_done = {
            **self.snapshot.steps_done,
            step.name: StepRecord(done_on=today, pay_by=decision.pay_by),
        }
        allowed = {
            covered: fee.outcome.kind
            for fee in decision.fees
            if fee.outcome.allowed
            for covered in fee.covers
        }
        claims = tuple(
            replace(c, fees_charged=c.fees_charged | {allowed[c.invoice_id]})
            if c.invoice_id in allowed
            else c
            for c in self.snapshot.claims
        )
        self.snapshot = replace(
            self.snapshot,
            steps_done=steps_done,
            claims=claims,
            state=step.state or self.snapshot.state,
        )
        return decision


def walk(
    ladder: Ladder,
    *,
    due: date,
    debtor_type: DebtorType = DebtorType.PERSON,
    days: int = 120,
) -> Schedule:
    walker = Walk(ladder, case(debtor_type=debtor_type, claims=(claim(due_date=due),)))
    schedule: Schedule = []
    for offset in range(days):
        today = due + timedelta(days=offset)
        decision = walker.day(today)
        assert decision.ladder_version == ladder.version
        if decision.step is None:
            continue
        assert decision.rule == f"{ladder.version}/{decision.step.name}"
        assert is_bank_day(today)
        fees = {fee.outcome.kind: fee.outcome.amount_ore for fee in decision.fees}
        schedule.append(
            (
                today.isoformat(),
                decision.step.name,
                decision.pay_by.isoformat() if decision.pay_by else None,
                fees,
            )
        )
    after = run(walker.snapshot, due + timedelta(days=days), ladder)
    assert after.reason in {"ladder finished", "closed"}
    return schedule


def test_a_consumer_case_walks_the_whole_ladder_on_the_right_bank_days() -> None:
    # Invoice due Friday 2026-06-12, 1 000 kr, reminder fee agreed, never paid.
    #   reminder          due+7 = 06-19 midsommarafton → Mon 06-22; pays by 06-22+10 = Thu 07-02
    #   demand            07-02+10 = Sun 07-12 → Mon 07-13; pays by Thu 07-23 (minimum: 07-21)
    #   demand_follow_up  07-23+7 = Thu 07-30; pays by Sun 08-09 → Mon 08-10; no new fee
    #   hand_over         08-10+1 = Tue 08-11: awaiting_decision + staff task
    assert walk(CONSUMER, due=FRIDAY_DUE) == [
        ("2026-06-22", "reminder", "2026-07-02", {FeeKind.REMINDER: 6000}),
        ("2026-07-13", "demand", "2026-07-23", {FeeKind.DEMAND: 18000}),
        ("2026-07-30", "demand_follow_up", "2026-08-10", {}),
        ("2026-08-11", "hand_over", None, {}),
    ]


def test_a_b2b_case_walks_the_whole_ladder_with_one_forseningsersattning() -> None:
    #   reminder          due+5 = Wed 06-17; pays by 06-25; förseningsersättning 450 kr
    #   demand            06-25+5 = Tue 06-30; pays by Fri 07-10; inkassoavgift absorbed (0)
    #   demand_follow_up  07-10+5 = Wed 07-15; pays by Sat 07-25 → Mon 07-27
    #   hand_over         Tue 07-28
    assert walk(B2B, due=FRIDAY_DUE, debtor_type=DebtorType.COMPANY) == [
        ("2026-06-17", "reminder", "2026-06-25", {FeeKind.LATE_PAYMENT_COMPENSATION: 45000}),
        ("2026-06-30", "demand", "2026-07-10", {FeeKind.DEMAND: 0}),
        ("2026-07-15", "demand_follow_up", "2026-07-27", {}),
        ("2026-07-28", "hand_over", None, {}),
    ]


def test_a_public_sector_case_walks_the_whole_ladder_with_the_assessment_on_day_24() -> None:
    #   reminder            Mon 06-22 (after midsommar); pays by 07-02
    #   ability_assessment  06-22+24 = Thu 07-16 (task)
    #   demand              07-16+7 = Thu 07-23; pays by Sun 08-02 → Mon 08-03
    #   demand_follow_up    08-03+7 = Mon 08-10; pays by Thu 08-20
    #   hand_over           Fri 08-21
    assert walk(PUBLIC_SECTOR, due=FRIDAY_DUE) == [
        ("2026-06-22", "reminder", "2026-07-02", {FeeKind.REMINDER: 6000}),
        ("2026-07-16", "ability_assessment", None, {}),
        ("2026-07-23", "demand", "2026-08-03", {FeeKind.DEMAND: 18000}),
        ("2026-08-10", "demand_follow_up", "2026-08-20", {}),
        ("2026-08-21", "hand_over", None, {}),
    ]


def test_an_energy_case_walks_the_whole_ladder_with_the_disconnection_notice() -> None:
    #   reminder  Mon 06-22; pays by 07-02     demand  Mon 07-13; pays by 07-23
    #   notice    07-23+7 = Thu 07-30; 28 days to pay → Thu 08-27 (three weeks after service)
    #   hand_over Fri 08-28
    energy = load_ladder("energy", on=ON)
    assert walk(energy, due=FRIDAY_DUE) == [
        ("2026-06-22", "reminder", "2026-07-02", {FeeKind.REMINDER: 6000}),
        ("2026-07-13", "demand", "2026-07-23", {FeeKind.DEMAND: 18000}),
        ("2026-07-30", "notice", "2026-08-27", {}),
        ("2026-08-28", "hand_over", None, {}),
    ]
    assert energy.step("notice").letter_text == "disconnection_warning"


def test_a_housing_case_walks_the_whole_ladder_with_the_rent_forfeiture_notice() -> None:
    # July's rent, due Tuesday 2026-06-30 (the last weekday before the month).
    #   reminder  06-30+3 = Fri 07-03, inside the week before the lease is forfeitable;
    #             7 days to pay → Fri 07-10
    #   demand    07-10+3 = Mon 07-13; pays by Thu 07-23 (minimum 07-21)
    #   notice    07-23+3 = Sun 07-26 → Mon 07-27; 28 days → Mon 08-24; socialnämnden task
    #   hand_over Tue 08-25
    housing = load_ladder("housing", on=ON)
    assert walk(housing, due=date(2026, 6, 30)) == [
        ("2026-07-03", "reminder", "2026-07-10", {FeeKind.REMINDER: 6000}),
        ("2026-07-13", "demand", "2026-07-23", {FeeKind.DEMAND: 18000}),
        ("2026-07-27", "notice", "2026-08-24", {}),
        ("2026-08-25", "hand_over", None, {}),
    ]
    assert housing.step("notice").letter_text == "rent_forfeiture_notice"


def test_a_walk_over_christmas_waits_for_bank_days() -> None:
    # Due Friday 2026-12-11: reminder 12-18 → pays by Mon 12-28; demand 01-07 (12-28+10)
    assert walk(CONSUMER, due=date(2026, 12, 11))[:2] == [
        ("2026-12-18", "reminder", "2026-12-28", {FeeKind.REMINDER: 6000}),
        ("2027-01-07", "demand", "2027-01-18", {FeeKind.DEMAND: 18000}),
    ]


# --- robustness ---------------------------------------------------------------------------

STATES = sorted({"open", "reminder", "demand", "plan", "disputed", "kfm", *CLOSED_STATES})
LADDERS = [
    ladder_for_service(load_ladder(template, on=ON), level)
    for template in ladder_templates()
    for level in ServiceLevel
]
days_2015_2035 = st.dates(min_value=date(2015, 1, 1), max_value=date(2035, 12, 31))


def rarely(draw: st.DrawFn) -> bool:
    return draw(st.integers(min_value=0, max_value=7)) == 0


@st.composite
def snapshots(draw: st.DrawFn) -> tuple[CaseSnapshot, Ladder, date]:
    """A ladder, a case and a day: dates near the day, each guard up now and then."""
    ladder = draw(st.sampled_from(LADDERS))
    today = draw(days_2015_2035)

    def near(before: int, after: int = 40) -> date:
        return today + timedelta(days=draw(st.integers(min_value=-before, max_value=after)))

    claims = tuple(
        ClaimSnapshot(
            invoice_id=i,
            invoice_number=f"F-{i}",
            due_date=near(200, 20),
            capital_ore=draw(st.integers(min_value=-1000, max_value=10**9)),
            reminder_fee_agreed=draw(st.booleans()),
            fees_charged=frozenset(draw(st.sets(st.sampled_from(list(FeeKind))))),
        )
        for i in range(draw(st.integers(min_value=0, max_value=4)))
    )
    names = [step.name for step in ladder.steps] + ["unknown_step"]
    steps_done = {
        name: StepRecord(done_on=near(150), pay_by=None if rarely(draw) else near(150))
        for name in draw(st.sets(st.sampled_from(names)))
    }
    snapshot = CaseSnapshot(
        case_id=draw(st.integers(min_value=1, max_value=10**9)),
        state=draw(st.sampled_from(STATES)) if rarely(draw) else "reminder",
        debtor_type=draw(st.sampled_from(list(DebtorType))),
        claims=claims,
        steps_done=steps_done,
        balance_ore=draw(st.integers(min_value=-(10**6), max_value=0))
        if rarely(draw)
        else draw(st.integers(min_value=1, max_value=10**9)),
        disputed=rarely(draw),
        paused_until=near(30, 30) if rarely(draw) else None,
        plan_active=rarely(draw),
        debt_relief=rarely(draw),
        deceased=rarely(draw),
        protected_identity=draw(st.booleans()),
        creditor_entitled_to_interest=draw(st.booleans()),
    )
    return snapshot, ladder, today


@settings(max_examples=500, deadline=None)
@given(snapshots())
def test_decide_never_raises_and_never_acts_on_a_closed_paid_disputed_or_paused_case(
    drawn: tuple[CaseSnapshot, Ladder, date],
) -> None:
    snapshot, ladder, today = drawn
    decision = decide(case=snapshot, ladder=ladder, today=today, fees=FEES)
    event(re.sub(r"\d{4}-\d\d-\d\d", "D", decision.reason))
    assert decision.case_id == snapshot.case_id
    assert decision.ladder_version == ladder.version
    assert decision.rule.startswith(f"{ladder.version}/")
    stopped = (
        snapshot.state in CLOSED_STATES
        or snapshot.balance_ore <= 0
        or snapshot.disputed
        or (snapshot.paused_until is not None and snapshot.paused_until >= today)
        or snapshot.plan_active
        or snapshot.debt_relief
        or snapshot.deceased
    )
    if stopped:
        assert decision.step is None
    if decision.step is None:
        assert (decision.pay_by, decision.fees, decision.channels) == (None, (), ())
        return
    assert is_bank_day(today)
    assert decision.step.name not in snapshot.steps_done
    assert decision.rule == f"{ladder.version}/{decision.step.name}"
    if decision.step.kind is StepKind.LETTER:
        assert decision.pay_by is not None and decision.pay_by > today
        assert decision.channels
        if snapshot.protected_identity:
            assert decision.channels == ("protected_forwarding",)
        if decision.step.letter in {"demand", "demand_reminder"}:
            assert decision.pay_by >= min_demand_pay_by(today)
    for kind in PER_LETTER_FEES:
        # One påminnelseavgift / inkassoavgift per letter, however many invoices it lists.
        assert sum(fee.outcome.kind is kind for fee in decision.fees) <= 1
    for fee in decision.fees:
        charged = next(c for c in snapshot.claims if c.invoice_id == fee.invoice_id)
        assert charged.due_date < today
        assert charged.capital_ore > 0
        assert fee.outcome.kind not in charged.fees_charged
        assert (fee.invoice_id in fee.covers) is fee.outcome.allowed
        for covered in (c for c in snapshot.claims if c.invoice_id in fee.covers):
            assert covered.due_date < today and covered.capital_ore > 0
            assert fee.outcome.kind not in covered.fees_charged
        if fee.outcome.kind is FeeKind.REMINDER and fee.outcome.allowed:
            assert charged.reminder_fee_agreed
        if fee.outcome.kind is FeeKind.LATE_PAYMENT_COMPENSATION and fee.outcome.allowed:
            assert snapshot.debtor_type is DebtorType.COMPANY
