import doctest
from datetime import date

import pytest

from fordra.domain import fees as fees_module
from fordra.domain.fees import (
    PER_LETTER_FEES,
    DebtorType,
    FeeKind,
    FeeOutcome,
    FeeRate,
    FeeRateMissingError,
    FeeSchedule,
    collection_fee,
    enforcement_fee,
    kfm_application_fee,
    kfm_ombud_fee,
    late_payment_compensation,
    letter_fee,
    plan_fee,
    reminder_fee,
)
from fordra.rules import load_fee_schedule

DUE = date(2024, 3, 15)
AFTER_DUE = date(2024, 3, 25)
OLD_DUE = date(2013, 2, 28)
OLD_ACTION = date(2013, 3, 15)  # the day before SFS 2013:56 took effect


@pytest.fixture
def schedule() -> FeeSchedule:
    return load_fee_schedule()


def reminder(schedule: FeeSchedule, **overrides: object) -> FeeOutcome:
    arguments: dict[str, object] = {
        "on": AFTER_DUE,
        "due_date": DUE,
        "agreed": True,
        "debtor_type": DebtorType.PERSON,
        "late_payment_compensation_charged": False,
        "already_charged": False,
        "schedule": schedule,
    }
    arguments.update(overrides)
    return reminder_fee(**arguments)  # type: ignore[arg-type]


def demand(schedule: FeeSchedule, **overrides: object) -> FeeOutcome:
    arguments: dict[str, object] = {
        "on": AFTER_DUE,
        "due_date": DUE,
        "debtor_type": DebtorType.PERSON,
        "late_payment_compensation_charged": False,
        "already_charged": False,
        "schedule": schedule,
    }
    arguments.update(overrides)
    return collection_fee(**arguments)  # type: ignore[arg-type]


def compensation(schedule: FeeSchedule, **overrides: object) -> FeeOutcome:
    arguments: dict[str, object] = {
        "on": AFTER_DUE,
        "due_date": DUE,
        "debtor_type": DebtorType.COMPANY,
        "creditor_entitled_to_interest": True,
        "already_charged": False,
        "schedule": schedule,
    }
    arguments.update(overrides)
    return late_payment_compensation(**arguments)  # type: ignore[arg-type]


def assert_refused(outcome: FeeOutcome, *, rule: str, explanation: str) -> None:
    assert not outcome.allowed
    assert outcome.amount_ore == 0
    assert rule in outcome.rule
    assert explanation in outcome.explanation


# --- påminnelseavgift --------------------------------------------------------------------


def test_an_agreed_reminder_fee_is_60_kronor_after_the_due_date(schedule: FeeSchedule) -> None:
    outcome = reminder(schedule)
    assert outcome.allowed
    assert outcome.amount_ore == 6000
    assert outcome.kind is FeeKind.REMINDER
    assert "lag (1981:739)" in outcome.rule and "2 §" in outcome.rule
    assert outcome.version == schedule.version
    assert "60,00 kr" in outcome.explanation


def test_a_reminder_sent_before_16_march_2013_costs_50_kronor(schedule: FeeSchedule) -> None:
    assert reminder(schedule, on=OLD_ACTION, due_date=OLD_DUE).amount_ore == 5000
    assert reminder(schedule, on=date(2013, 3, 16), due_date=OLD_DUE).amount_ore == 6000


@pytest.mark.parametrize("on", [DUE, date(2024, 3, 1)])
def test_no_reminder_fee_on_or_before_the_due_date(schedule: FeeSchedule, on: date) -> None:
    assert_refused(reminder(schedule, on=on), rule="1 §", explanation="förfallodagen")


def test_no_reminder_fee_unless_agreed_when_the_debt_arose(schedule: FeeSchedule) -> None:
    assert_refused(reminder(schedule, agreed=False), rule="2 §", explanation="avtalades")


def test_a_claim_an_earlier_reminder_was_charged_for_gets_no_second_reminder_fee(
    schedule: FeeSchedule,
) -> None:
    assert_refused(
        reminder(schedule, already_charged=True),
        rule="redan ingått i en avgiftsbelagd påminnelse",
        explanation="redan",
    )


def test_the_reminder_fee_is_absorbed_by_late_payment_compensation(
    schedule: FeeSchedule,
) -> None:
    outcome = reminder(
        schedule, debtor_type=DebtorType.COMPANY, late_payment_compensation_charged=True
    )
    assert_refused(
        outcome,
        rule="lag (1981:739) om ersättning för inkassokostnader m.m. 5 §",
        explanation="förseningsersättningen",
    )


# --- inkassoavgift -----------------------------------------------------------------------


def test_a_collection_fee_is_180_kronor_after_the_due_date(schedule: FeeSchedule) -> None:
    outcome = demand(schedule)
    assert outcome.allowed
    assert outcome.amount_ore == 18000
    assert outcome.kind is FeeKind.DEMAND
    assert "3 § 1" in outcome.rule
    assert "inkassolagen (1974:182) 5 §" in outcome.explanation


def test_a_demand_sent_before_16_march_2013_costs_160_kronor(schedule: FeeSchedule) -> None:
    assert demand(schedule, on=OLD_ACTION, due_date=OLD_DUE).amount_ore == 16000


def test_no_collection_fee_on_the_due_date(schedule: FeeSchedule) -> None:
    assert_refused(demand(schedule, on=DUE), rule="1 §", explanation="förfallodagen")


def test_a_claim_an_earlier_inkassokrav_was_charged_for_gets_no_second_collection_fee(
    schedule: FeeSchedule,
) -> None:
    assert_refused(
        demand(schedule, already_charged=True),
        rule="redan ingått i ett avgiftsbelagt inkassokrav",
        explanation="redan",
    )


def test_the_collection_fee_is_absorbed_by_late_payment_compensation(
    schedule: FeeSchedule,
) -> None:
    outcome = demand(
        schedule, debtor_type=DebtorType.COMPANY, late_payment_compensation_charged=True
    )
    assert_refused(outcome, rule="5 §", explanation="ingår i förseningsersättningen")


# --- amorteringsplan ---------------------------------------------------------------------


def test_a_payment_plan_fee_is_170_kronor(schedule: FeeSchedule) -> None:
    outcome = plan_fee(on=AFTER_DUE, already_charged=False, schedule=schedule)
    assert outcome.allowed
    assert outcome.amount_ore == 17000
    assert "3 § 2" in outcome.rule


def test_a_payment_plan_made_before_16_march_2013_costs_150_kronor(
    schedule: FeeSchedule,
) -> None:
    assert plan_fee(on=OLD_ACTION, already_charged=False, schedule=schedule).amount_ore == 15000


def test_only_one_payment_plan_fee_per_claim(schedule: FeeSchedule) -> None:
    outcome = plan_fee(on=AFTER_DUE, already_charged=True, schedule=schedule)
    assert_refused(outcome, rule="3 § 2", explanation="redan")


# --- förseningsersättning ----------------------------------------------------------------


def test_late_payment_compensation_is_450_kronor_for_a_company(schedule: FeeSchedule) -> None:
    outcome = compensation(schedule)
    assert outcome.allowed
    assert outcome.amount_ore == 45000
    assert outcome.kind is FeeKind.LATE_PAYMENT_COMPENSATION
    assert "4 a §" in outcome.rule


def test_no_late_payment_compensation_from_a_consumer(schedule: FeeSchedule) -> None:
    assert_refused(
        compensation(schedule, debtor_type=DebtorType.PERSON),
        rule="4 a §",
        explanation="konsument",
    )


def test_no_late_payment_compensation_without_a_right_to_late_interest(
    schedule: FeeSchedule,
) -> None:
    assert_refused(
        compensation(schedule, creditor_entitled_to_interest=False),
        rule="4 a §",
        explanation="dröjsmålsränta",
    )


def test_only_one_late_payment_compensation_per_claim(schedule: FeeSchedule) -> None:
    assert_refused(compensation(schedule, already_charged=True), rule="4 a §", explanation="redan")


def test_no_late_payment_compensation_on_the_due_date(schedule: FeeSchedule) -> None:
    assert_refused(compensation(schedule, on=DUE), rule="1 §", explanation="förfallodagen")


def test_no_late_payment_compensation_for_claims_due_before_16_march_2013(
    schedule: FeeSchedule,
) -> None:
    outcome = compensation(schedule, on=date(2013, 4, 1), due_date=OLD_DUE)
    assert_refused(outcome, rule="SFS 2013:56", explanation="16 mars 2013")
    assert compensation(schedule, on=date(2013, 4, 1), due_date=date(2013, 3, 16)).allowed


# --- Kronofogden -------------------------------------------------------------------------


def test_kronofogden_fees_come_from_the_schedule(schedule: FeeSchedule) -> None:
    application = kfm_application_fee(on=AFTER_DUE, schedule=schedule)
    ombud = kfm_ombud_fee(on=AFTER_DUE, schedule=schedule)
    enforcement = enforcement_fee(on=AFTER_DUE, schedule=schedule)
    assert (application.amount_ore, ombud.amount_ore, enforcement.amount_ore) == (
        30000,
        38000,
        60000,
    )
    assert all(o.allowed for o in (application, ombud, enforcement))
    assert "1992:1094" in application.rule
    assert "1990:746" in ombud.rule
    assert "grundavgift" in enforcement.rule


def test_a_fee_with_no_amount_for_the_day_is_an_error(schedule: FeeSchedule) -> None:
    with pytest.raises(FeeRateMissingError, match="kfm_application"):
        kfm_application_fee(on=date(2010, 1, 1), schedule=schedule)


def test_every_outcome_names_its_rule_version_and_reason(schedule: FeeSchedule) -> None:
    outcomes = [
        reminder(schedule),
        reminder(schedule, agreed=False),
        reminder(schedule, late_payment_compensation_charged=True),
        demand(schedule),
        demand(schedule, on=DUE),
        plan_fee(on=AFTER_DUE, already_charged=False, schedule=schedule),
        compensation(schedule),
        compensation(schedule, debtor_type=DebtorType.PERSON),
        kfm_application_fee(on=AFTER_DUE, schedule=schedule),
        kfm_ombud_fee(on=AFTER_DUE, schedule=schedule),
        enforcement_fee(on=AFTER_DUE, schedule=schedule),
    ]
    for outcome in outcomes:
        assert outcome.rule.strip()
        assert outcome.version == schedule.version
        assert outcome.explanation.endswith(".")
        assert outcome.amount_ore >= 0
        assert outcome.allowed or outcome.amount_ore == 0


# --- the schedule ------------------------------------------------------------------------


def test_rate_on_picks_the_latest_rate_in_force() -> None:
    old = FeeRate(kind=FeeKind.REMINDER, valid_from=date(2000, 1, 1), amount_ore=1, source="a")
    new = FeeRate(kind=FeeKind.REMINDER, valid_from=date(2020, 1, 1), amount_ore=2, source="b")
    schedule = FeeSchedule(rates=(new, old), version="t")
    assert schedule.rate_on(FeeKind.REMINDER, date(2019, 12, 31)) is old
    assert schedule.rate_on(FeeKind.REMINDER, date(2020, 1, 1)) is new
    with pytest.raises(FeeRateMissingError):
        schedule.rate_on(FeeKind.DEMAND, date(2020, 1, 1))


def test_a_schedule_with_two_rates_of_a_kind_from_one_day_is_refused() -> None:
    rate = FeeRate(kind=FeeKind.REMINDER, valid_from=date(2000, 1, 1), amount_ore=1, source="a")
    with pytest.raises(ValueError, match="two reminder fees"):
        FeeSchedule(rates=(rate, rate), version="t")


def test_a_fee_of_zero_kronor_in_a_schedule_is_allowed_and_charges_nothing() -> None:
    # A creditor may waive a fee by agreement: 0 kr is a valid amount, only negative is not.
    free = FeeRate(kind=FeeKind.REMINDER, valid_from=date(2013, 3, 16), amount_ore=0, source="a")
    schedule = FeeSchedule(rates=(free,), version="t")
    outcome = reminder(schedule)
    assert outcome.allowed
    assert outcome.amount_ore == 0
    assert "0,00 kr" in outcome.explanation


def test_a_schedule_with_a_negative_amount_is_refused() -> None:
    rate = FeeRate(kind=FeeKind.REMINDER, valid_from=date(2000, 1, 1), amount_ore=-1, source="a")
    with pytest.raises(ValueError, match="negative"):
        FeeSchedule(rates=(rate,), version="t")


# --- one fee per letter (DOMAIN.md §2; RH 2022:7) -------------------------------------------


def test_the_module_docstring_examples_hold() -> None:
    failures, tried = doctest.testmod(fees_module, verbose=False, report=True)
    assert tried > 0
    assert failures == 0


def test_the_reminder_and_collection_fees_are_per_letter_the_others_are_not() -> None:
    assert frozenset({FeeKind.REMINDER, FeeKind.DEMAND}) == PER_LETTER_FEES


def test_a_letter_over_two_invoices_carries_one_60_kr_reminder_fee_naming_both(
    schedule: FeeSchedule,
) -> None:
    fee = letter_fee(reminder(schedule), invoice_numbers=["F-1", "F-2"])
    assert (fee.kind, fee.allowed, fee.amount_ore) == (FeeKind.REMINDER, True, 6000)
    assert fee.explanation.endswith("En avgift för brevet, som avser fakturorna F-1, F-2.")
    assert fee.rule.endswith("en påminnelseavgift per skriftlig påminnelse")


def test_a_letter_over_one_invoice_names_it_and_keeps_the_180_kr_cap(
    schedule: FeeSchedule,
) -> None:
    fee = letter_fee(demand(schedule), invoice_numbers=["F-9"])
    assert (fee.amount_ore, fee.explanation[-30:]) == (18000, "brevet, som avser faktura F-9.")
    assert "RH 2022:7" in fee.rule


def test_a_letter_over_many_invoices_names_twelve_and_counts_the_rest(
    schedule: FeeSchedule,
) -> None:
    numbers = [f"F-{n}" for n in range(1, 41)]
    fee = letter_fee(demand(schedule), invoice_numbers=numbers)
    assert fee.amount_ore == 18000
    assert fee.explanation.endswith("fakturorna F-1, F-2, F-3, F-4, F-5, F-6, F-7, F-8, F-9, "
                                    "F-10, F-11, F-12 och 28 till.")
    assert len(fee.explanation) <= 500


def test_a_refused_fee_or_a_per_claim_fee_is_not_turned_into_a_letter_fee(
    schedule: FeeSchedule,
) -> None:
    refused = reminder(schedule, agreed=False)
    assert letter_fee(refused, invoice_numbers=["F-1", "F-2"]) == refused
    compensation = late_payment_compensation(
        on=AFTER_DUE,
        due_date=DUE,
        debtor_type=DebtorType.COMPANY,
        creditor_entitled_to_interest=True,
        already_charged=False,
        schedule=schedule,
    )
    assert letter_fee(compensation, invoice_numbers=["F-1", "F-2"]) == compensation
