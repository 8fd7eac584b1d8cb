"""Limitation (preskription): worked Swedish examples and the properties the tracker relies on."""

import doctest
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fordra.domain import limitation
from fordra.domain.calendar import is_bank_day
from fordra.domain.fees import DebtorType
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

PERSON = DebtorType.PERSON
COMPANY = DebtorType.COMPANY
TODAY = date(2025, 1, 15)


def status(
    origin: date,
    *interruptions: Interruption,
    claim_type: ClaimType = ClaimType.CONSUMER,
    debtor_type: DebtorType = PERSON,
    today: date = TODAY,
    **options: object,
) -> LimitationStatus:
    return limitation_status(
        origin=origin,
        claim_type=claim_type,
        debtor_type=debtor_type,
        interruptions=interruptions,
        today=today,
        **options,  # type: ignore[arg-type]
    )


def payment(on: date) -> Interruption:
    return Interruption(on=on, kind=InterruptionKind.ACKNOWLEDGEMENT, evidence=f"BgMax {on}")


def demand(sent: date) -> Interruption:
    return Interruption(on=sent, kind=InterruptionKind.DEMAND_RECEIVED, evidence=f"letter {sent}")


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, _ = doctest.testmod(limitation, verbose=False, report=True)
    assert failures == 0


# --- periods -------------------------------------------------------------------------------


def test_a_consumer_claim_has_three_years_and_a_general_claim_ten() -> None:
    assert limitation_period_years(claim_type=ClaimType.CONSUMER, debtor_type=PERSON) == 3
    assert limitation_period_years(claim_type=ClaimType.GENERAL, debtor_type=PERSON) == 10


def test_a_company_debtors_claim_is_never_of_the_three_year_kind() -> None:
    assert limitation_period_years(claim_type=ClaimType.CONSUMER, debtor_type=COMPANY) == 10
    assert limitation_period_years(claim_type=ClaimType.JUDGMENT, debtor_type=COMPANY) == 10


def test_a_judgment_on_a_consumer_claim_keeps_three_years_and_costs_awarded_have_ten() -> None:
    def judged(**options: object) -> int:
        return limitation_period_years(
            claim_type=ClaimType.JUDGMENT,
            debtor_type=PERSON,
            **options,  # type: ignore[arg-type]
        )

    assert judged(judged_claim_type=ClaimType.CONSUMER) == 3
    assert judged(judged_claim_type=ClaimType.GENERAL) == 10
    assert judged(litigation_costs=True) == 10
    assert judged() == 3  # unknown kind: the shorter, safe period


def test_judgment_options_on_a_claim_that_is_not_a_judgment_are_refused() -> None:
    with pytest.raises(ValueError, match="judgment only"):
        limitation_period_years(
            claim_type=ClaimType.CONSUMER, debtor_type=PERSON, litigation_costs=True
        )
    with pytest.raises(ValueError, match="consumer or general"):
        limitation_period_years(
            claim_type=ClaimType.JUDGMENT,
            debtor_type=PERSON,
            judged_claim_type=ClaimType.JUDGMENT,
        )


# --- day counting --------------------------------------------------------------------------


def test_a_consumer_invoice_of_10_january_2023_is_barred_from_the_anniversary_10_january_2026() -> (
    None
):
    result = status(date(2023, 1, 10))

    # lag 1930:173 1 §: slutdag 2026-01-10. The debtor-unfavourable reading bars the claim from
    # 2026-01-11; Fordra treats it as barred one day earlier, on the slutdag itself.
    assert result.last_day_to_interrupt == date(2026, 1, 9)
    assert result.time_barred_on == date(2026, 1, 10)
    assert not result.is_time_barred(as_of=date(2026, 1, 9))
    assert result.is_time_barred(as_of=date(2026, 1, 10))
    assert result.started_on == date(2023, 1, 10)
    assert "2 § andra stycket" in result.explanation
    assert "från och med den 10 januari 2026" in result.explanation


def test_the_bar_is_not_moved_to_the_next_weekday_when_the_anniversary_is_a_sunday() -> None:
    # 2027-01-10 is a Sunday; the söndagsregeln (1930:173 2 §) is not applied.
    assert status(date(2024, 1, 10)).time_barred_on == date(2027, 1, 10)


def test_a_claim_arising_on_29_february_is_barred_on_28_february_in_a_year_without_one() -> None:
    consumer = status(date(2024, 2, 29))
    general = status(date(2024, 2, 29), claim_type=ClaimType.GENERAL)

    assert consumer.time_barred_on == date(2027, 2, 28)
    assert consumer.last_day_to_interrupt == date(2027, 2, 27)
    assert general.time_barred_on == date(2034, 2, 28)
    assert add_years(date(2024, 2, 29), 4) == date(2028, 2, 29)


def test_a_payment_on_29_february_restarts_to_28_february_three_years_later() -> None:
    assert status(date(2026, 1, 5), payment(date(2028, 2, 29))).time_barred_on == date(2031, 2, 28)


# --- interruptions -------------------------------------------------------------------------


def test_a_payment_on_1_june_2025_restarts_three_years_from_that_day() -> None:
    result = status(date(2023, 1, 10), payment(date(2025, 6, 1)))

    assert result.started_on == date(2025, 6, 1)
    assert result.time_barred_on == date(2028, 6, 1)
    assert result.effective_interruptions == (payment(date(2025, 6, 1)),)
    assert "5 § 1" in result.explanation
    assert "(6 §)" in result.explanation


def test_a_demand_sent_on_friday_19_december_counts_from_its_receipt_on_tuesday_23_december() -> (
    None
):
    # Two bank days after Friday: Monday 22 and Tuesday 23 December 2025.
    result = status(date(2023, 1, 10), demand(date(2025, 12, 19)))

    assert result.started_on == date(2025, 12, 23)
    assert result.time_barred_on == date(2028, 12, 23)
    assert "5 § 2" in result.explanation


def test_a_demand_sent_on_23_december_is_received_only_after_christmas_on_30_december() -> None:
    # Julafton, juldagen, annandag jul and the weekend are not bank days: 29 and 30 December.
    result = status(date(2023, 1, 10), demand(date(2025, 12, 23)))

    assert result.started_on == date(2025, 12, 30)
    assert result.time_barred_on == date(2028, 12, 30)


def test_the_receipt_delay_is_a_parameter() -> None:
    result = status(date(2023, 1, 10), demand(date(2025, 12, 19)), receipt_bank_days=0)

    assert result.started_on == date(2025, 12, 19)


def test_a_demand_sent_two_days_before_the_bar_arrives_too_late() -> None:
    # Bar 2026-01-10 (Saturday); sent Thursday 8 January, presumed received Monday 12 January.
    result = status(date(2023, 1, 10), demand(date(2026, 1, 8)))

    assert result.time_barred_on == date(2026, 1, 10)
    assert result.effective_interruptions == ()
    assert result.ignored_interruptions == (demand(date(2026, 1, 8)),)


def test_an_interruption_on_the_last_day_counts_and_one_on_the_anniversary_does_not() -> None:
    in_time = status(date(2023, 1, 10), payment(date(2026, 1, 9)))
    too_late = status(date(2023, 1, 10), payment(date(2026, 1, 10)))

    assert in_time.time_barred_on == date(2029, 1, 9)
    assert too_late.time_barred_on == date(2026, 1, 10)


def test_an_interruption_after_the_bar_does_not_revive_the_claim() -> None:
    late_payment = payment(date(2024, 5, 2))
    late_demand = demand(date(2024, 3, 1))
    result = status(date(2020, 1, 10), late_demand, late_payment, today=date(2024, 6, 1))

    assert result.time_barred_on == date(2023, 1, 10)
    assert result.is_time_barred(as_of=date(2024, 6, 1))
    assert result.effective_interruptions == ()
    assert result.ignored_interruptions == (late_demand, late_payment)
    assert result.next_interruption_due is None
    assert "8 §" in result.explanation
    assert "NJA 2018 s. 805" in result.explanation


def test_interruptions_are_taken_in_date_order_whatever_order_they_are_given_in() -> None:
    first, second = payment(date(2024, 1, 5)), payment(date(2026, 11, 2))
    result = status(date(2023, 1, 10), second, first)

    assert result.effective_interruptions == (first, second)
    assert result.time_barred_on == date(2029, 11, 2)


def test_an_interruption_before_the_claim_arose_is_ignored() -> None:
    early = payment(date(2022, 12, 1))
    result = status(date(2023, 1, 10), early)

    assert result.time_barred_on == date(2026, 1, 10)
    assert result.ignored_interruptions == (early,)
    assert "före fordringens tillkomst" in result.explanation


def test_an_interruption_without_evidence_is_refused() -> None:
    with pytest.raises(ValueError, match="evidence"):
        Interruption(on=date(2025, 1, 2), kind=InterruptionKind.ACKNOWLEDGEMENT, evidence="  ")


def test_out_of_range_parameters_are_refused() -> None:
    with pytest.raises(ValueError, match="receipt_bank_days"):
        status(date(2023, 1, 10), receipt_bank_days=-1)
    with pytest.raises(ValueError, match="margin_days"):
        status(date(2023, 1, 10), margin_days=400)


# --- judgments and companies ---------------------------------------------------------------


def test_an_utslag_on_a_consumer_claim_restarts_three_years_and_on_a_loan_ten() -> None:
    utslag = date(2025, 3, 14)
    consumer = status(utslag, claim_type=ClaimType.JUDGMENT, judged_claim_type=ClaimType.CONSUMER)
    loan = status(utslag, claim_type=ClaimType.JUDGMENT, judged_claim_type=ClaimType.GENERAL)
    costs = status(utslag, claim_type=ClaimType.JUDGMENT, litigation_costs=True)

    assert consumer.time_barred_on == date(2028, 3, 14)
    assert loan.time_barred_on == date(2035, 3, 14)
    assert costs.time_barred_on == date(2035, 3, 14)
    assert "utslaget eller domen den 14 mars 2025" in consumer.explanation
    assert "7 §" in consumer.explanation
    assert "rättegångskostnader" in costs.explanation


def test_a_demand_after_an_utslag_on_a_consumer_claim_restarts_three_years_again() -> None:
    result = status(
        date(2025, 3, 14),
        demand(date(2027, 9, 1)),
        claim_type=ClaimType.JUDGMENT,
        judged_claim_type=ClaimType.CONSUMER,
    )

    assert result.time_barred_on == date(2030, 9, 3)


def test_an_utslag_recorded_as_legal_action_restarts_a_consumer_claim_from_the_judgment() -> None:
    utslag = Interruption(
        on=date(2025, 3, 14), kind=InterruptionKind.LEGAL_ACTION, evidence="KFM mål 12-345678-25"
    )
    result = status(date(2023, 1, 10), utslag)

    assert result.time_barred_on == date(2028, 3, 14)
    assert "5 § 3" in result.explanation


def test_a_company_debtor_has_ten_years_even_for_a_claim_tagged_consumer() -> None:
    result = status(date(2023, 1, 10), debtor_type=COMPANY)

    assert result.period_years == 10
    assert result.time_barred_on == date(2033, 1, 10)
    assert "inte är konsument" in result.explanation
    assert "2 § första stycket" in result.explanation


# --- the next interrupting letter ----------------------------------------------------------


def test_the_next_interrupting_letter_is_due_90_days_before_the_bar_on_a_bank_day() -> None:
    result = status(date(2023, 1, 10))

    # 2026-01-10 − 90 days = Sunday 12 October 2025 → back to Friday 10 October.
    assert result.next_interruption_due == date(2025, 10, 10)
    assert is_bank_day(date(2025, 10, 10))
    assert result.time_barred_on - result.next_interruption_due >= timedelta(days=90)


def test_the_margin_is_a_parameter() -> None:
    result = status(date(2023, 1, 10), margin_days=30)

    # 2026-01-10 − 30 days = Thursday 11 December 2025, a bank day.
    assert result.next_interruption_due == date(2025, 12, 11)


def test_the_next_letter_is_never_due_before_today() -> None:
    on_a_tuesday = status(date(2023, 1, 10), today=date(2025, 11, 4))
    on_a_saturday = status(date(2023, 1, 10), today=date(2025, 11, 8))

    assert on_a_tuesday.next_interruption_due == date(2025, 11, 4)
    assert on_a_saturday.next_interruption_due == date(2025, 11, 10)


def test_no_letter_is_due_when_none_sent_from_today_can_arrive_before_the_bar() -> None:
    # Bar Saturday 2026-01-10: the last bank day is Friday 9 January; a letter must be sent by
    # Wednesday 7 January to be presumed received on the 9th.
    in_time = status(date(2023, 1, 10), today=date(2026, 1, 7))
    too_late = status(date(2023, 1, 10), today=date(2026, 1, 8))

    assert in_time.last_demand_send_on == date(2026, 1, 7)
    assert in_time.next_interruption_due == date(2026, 1, 7)
    assert too_late.next_interruption_due is None
    assert not too_late.is_time_barred(as_of=date(2026, 1, 8))


# --- hand-over -----------------------------------------------------------------------------


def handover(**overrides: object) -> tuple[bool, str]:
    arguments: dict[str, object] = {
        "invoice_date": date(2022, 3, 1),
        "due_date": date(2022, 3, 31),
        "claim_type": ClaimType.CONSUMER,
        "debtor_type": PERSON,
        "limitation_interrupted_on": None,
        "handover_on": date(2025, 3, 3),
    }
    arguments.update(overrides)
    return is_time_barred_at_handover(**arguments)  # type: ignore[arg-type]


def test_a_consumer_claim_handed_over_after_three_years_from_the_invoice_is_refused() -> None:
    barred, reason = handover()

    assert barred
    assert reason.startswith("Fordran var preskriberad när den överlämnades den 3 mars 2025")
    assert "1 mars 2025" in reason


def test_the_bar_counts_from_the_invoice_date_not_the_due_date() -> None:
    barred, _ = handover(handover_on=date(2025, 3, 1))
    before, reason = handover(handover_on=date(2025, 2, 28))

    assert barred
    assert not before
    assert reason.startswith("Fordran var inte preskriberad")


def test_the_creditors_known_interruption_keeps_the_claim_alive_at_hand_over() -> None:
    barred, reason = handover(limitation_interrupted_on=date(2024, 6, 1))

    assert not barred
    assert "1 juni 2024" in reason
    assert "uppdragsgivaren" in reason


def test_a_company_claim_is_not_barred_at_hand_over_after_three_years() -> None:
    barred, _ = handover(debtor_type=COMPANY)

    assert not barred


def test_inconsistent_hand_over_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="due date"):
        handover(due_date=date(2022, 2, 1))
    with pytest.raises(ValueError, match="after handover"):
        handover(limitation_interrupted_on=date(2025, 3, 4))
    with pytest.raises(ValueError, match="judgment day"):
        handover(claim_type=ClaimType.JUDGMENT)


def test_a_claim_judged_before_hand_over_counts_from_the_judgment() -> None:
    alive, _ = handover(claim_type=ClaimType.JUDGMENT, limitation_interrupted_on=date(2023, 5, 2))
    barred, _ = handover(
        claim_type=ClaimType.JUDGMENT,
        limitation_interrupted_on=date(2022, 3, 2),
        handover_on=date(2025, 3, 3),
    )

    assert not alive
    assert barred


# --- properties ----------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2000, 1, 1), max_value=date(2060, 12, 31))
KINDS = st.sampled_from(list(InterruptionKind))
INTERRUPTIONS = st.builds(Interruption, on=DAYS, kind=KINDS, evidence=st.just("evidence"))
CLAIM_TYPES = st.sampled_from(list(ClaimType))
DEBTOR_TYPES = st.sampled_from(list(DebtorType))


@given(
    origin=DAYS,
    claim_type=CLAIM_TYPES,
    debtor_type=DEBTOR_TYPES,
    interruptions=st.lists(INTERRUPTIONS, max_size=6),
    extra=INTERRUPTIONS,
    today=DAYS,
)
def test_adding_an_interruption_never_moves_the_bar_earlier(
    origin: date,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    interruptions: list[Interruption],
    extra: Interruption,
    today: date,
) -> None:
    common = {"claim_type": claim_type, "debtor_type": debtor_type, "today": today}
    without = status(origin, *interruptions, **common)  # type: ignore[arg-type]
    with_extra = status(origin, *interruptions, extra, **common)  # type: ignore[arg-type]

    assert with_extra.time_barred_on >= without.time_barred_on


@given(
    origin=DAYS,
    claim_type=CLAIM_TYPES,
    debtor_type=DEBTOR_TYPES,
    interruptions=st.lists(INTERRUPTIONS, max_size=6),
    today=DAYS,
    receipt_bank_days=st.integers(min_value=0, max_value=5),
)
def test_the_bar_is_never_later_than_the_latest_interruption_plus_the_period(
    origin: date,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    interruptions: list[Interruption],
    today: date,
    receipt_bank_days: int,
) -> None:
    result = status(
        origin,
        *interruptions,
        claim_type=claim_type,
        debtor_type=debtor_type,
        today=today,
        receipt_bank_days=receipt_bank_days,
    )
    latest = max(
        [origin] + [i.effective_on(receipt_bank_days=receipt_bank_days) for i in interruptions]
    )

    assert result.time_barred_on <= add_years(latest, result.period_years)
    assert result.time_barred_on == add_years(result.started_on, result.period_years)
    assert len(result.effective_interruptions) + len(result.ignored_interruptions) == len(
        interruptions
    )


@given(
    origin=DAYS,
    interruptions=st.lists(INTERRUPTIONS, max_size=4),
    today=DAYS,
    margin_days=st.integers(min_value=0, max_value=365),
)
def test_the_next_letter_is_due_on_a_bank_day_from_today_and_in_time_to_arrive(
    origin: date, interruptions: list[Interruption], today: date, margin_days: int
) -> None:
    result = status(origin, *interruptions, today=today, margin_days=margin_days)
    due = result.next_interruption_due

    if due is None:
        assert today > result.last_demand_send_on
        return
    assert is_bank_day(due)
    assert today <= due <= result.last_demand_send_on < result.time_barred_on


@given(
    origin=DAYS,
    claim_type=CLAIM_TYPES,
    debtor_type=DEBTOR_TYPES,
    interruptions=st.lists(INTERRUPTIONS, max_size=6),
    today=DAYS,
)
def test_the_fast_bar_date_agrees_with_the_full_status(
    origin: date,
    claim_type: ClaimType,
    debtor_type: DebtorType,
    interruptions: list[Interruption],
    today: date,
) -> None:
    full = status(
        origin, *interruptions, claim_type=claim_type, debtor_type=debtor_type, today=today
    )

    fast = bar_date(
        origin=origin,
        period_years=full.period_years,
        effective_days=[i.effective_on() for i in interruptions],
    )

    assert fast == full.time_barred_on


def test_a_digital_delivery_takes_effect_on_its_recorded_day_and_post_two_bank_days_later() -> None:
    # Friday 2026-01-16: by post presumed received Tuesday 01-20; by a digital mailbox that
    # delivered the same day, on 01-16 itself (DOMAIN.md §6: the channel's presumed delivery).
    post = Interruption(on=date(2026, 1, 16), kind=InterruptionKind.DEMAND_RECEIVED,
                        evidence="brev 1 via print")
    digital = Interruption(on=date(2026, 1, 16), kind=InterruptionKind.DEMAND_RECEIVED,
                           evidence="brev 2 via digital_mailbox", receipt_bank_days=0)
    assert post.effective_on() == date(2026, 1, 20)
    assert digital.effective_on(receipt_bank_days=2) == date(2026, 1, 16)
    status = limitation_status(
        origin=date(2026, 1, 2), claim_type=ClaimType.CONSUMER, debtor_type=DebtorType.PERSON,
        interruptions=[digital], today=date(2026, 1, 20),
    )
    assert status.time_barred_on == date(2029, 1, 16)
    with pytest.raises(ValueError, match="receipt_bank_days"):
        Interruption(on=date(2026, 1, 16), kind=InterruptionKind.DEMAND_RECEIVED,
                     evidence="x", receipt_bank_days=-1)
