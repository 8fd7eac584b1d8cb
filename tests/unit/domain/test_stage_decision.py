"""The decision after the demand: BF, konkursanmaning, efterbevakning or back to the creditor."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from fordra.domain.fees import DebtorType
from fordra.domain.stage_decision import (
    CaseFacts,
    KfmFees,
    KfmRules,
    StageAction,
    default_score,
    kfm_refusals,
    parse_rules,
    propose,
)

TODAY = date(2026, 11, 23)
FACTS = CaseFacts(
    today=TODAY,
    debtor_type=DebtorType.PERSON,
    balance_ore=1_000_000,
    paid_ore=0,
    oldest_due_date=date(2026, 8, 31),
)


def test_an_unpaid_10_000_kr_consumer_claim_is_proposed_for_betalningsforelaggande():
    p = propose(facts=FACTS, rules=KfmRules(), fees=KfmFees())

    assert p.action is StageAction.KFM and p.kfm_eligible
    # Score 50 → 0.5 × (10 000 + 300 + 380 + 600) = 5 640 kr expected; net 0.5 × 10 900 − 900.
    assert p.forecast.expected_recovery_ore == 564_000
    assert p.forecast.expected_net_ore == 455_000
    assert p.forecast.upfront_ore == 90_000 and p.forecast.recoverable_fees_ore == 128_000
    assert p.approval_required
    assert any("konfidens L" in n for n in p.notes)


def test_without_the_ombud_fee_the_forecast_leaves_it_out():
    p = propose(facts=FACTS, rules=KfmRules(ombud_fee=False), fees=KfmFees())
    assert p.forecast.ombud_fee_ore == 0 and p.forecast.recoverable_fees_ore == 90_000
    assert not any("konfidens L" in n for n in p.notes)


@pytest.mark.parametrize(
    ("change", "refusal"),
    [
        ({"disputed": True}, "bestritt"),
        ({"disputed_at_kfm": True}, "bestritts hos Kronofogden"),
        ({"time_barred": True}, "preskriberad"),
        ({"debt_relief": True}, "skuldsanering"),
        ({"balance_ore": 0}, "Inget belopp"),
    ],
)
def test_a_claim_that_may_not_go_to_kronofogden_is_returned_with_the_reason(change, refusal):
    facts = replace(FACTS, **change)
    p = propose(facts=facts, rules=KfmRules(auto_apply=True), fees=KfmFees())
    assert p.action is StageAction.RETURN
    assert not p.kfm_eligible
    assert any(refusal in r for r in kfm_refusals(facts))


def test_a_claim_under_the_creditors_minimum_goes_to_efterbevakning():
    p = propose(facts=replace(FACTS, balance_ore=40_000), rules=KfmRules(), fees=KfmFees())
    assert p.action is StageAction.SURVEILLANCE and "under borgenärens gräns" in p.reasons[0]


def test_when_the_expected_recovery_does_not_cover_kfms_fees_efterbevakning_is_proposed():
    # Score 25: 0.25 × (1 500 + 900) = 600 kr < 900 kr of fees.
    facts = replace(FACTS, balance_ore=150_000, score=25)
    p = propose(facts=facts, rules=KfmRules(amount_min_ore=0), fees=KfmFees())
    assert p.forecast.expected_net_ore == -30_000
    assert p.action is StageAction.SURVEILLANCE


def test_a_low_score_goes_to_efterbevakning():
    p = propose(facts=replace(FACTS, score=10), rules=KfmRules(), fees=KfmFees())
    assert p.action is StageAction.SURVEILLANCE and "poäng 10" in p.reasons[0]


def test_a_company_debtor_gets_a_konkursanmaning_first_when_the_creditor_asks_for_it():
    company = replace(FACTS, debtor_type=DebtorType.COMPANY)
    rules = KfmRules(bankruptcy_warning=True)
    assert propose(facts=company, rules=rules, fees=KfmFees()).action is (
        StageAction.BANKRUPTCY_WARNING
    )
    sent = replace(company, bankruptcy_warning_sent=True)
    assert propose(facts=sent, rules=rules, fees=KfmFees()).action is StageAction.KFM
    # A person is never warned of bankruptcy.
    assert propose(facts=FACTS, rules=rules, fees=KfmFees()).action is StageAction.KFM


def test_the_creditor_not_ordering_bf_returns_the_case():
    p = propose(facts=FACTS, rules=KfmRules(enabled=False), fees=KfmFees())
    assert p.action is StageAction.RETURN


def test_auto_apply_acts_without_approval_unless_the_facts_are_unclear():
    auto = KfmRules(auto_apply=True)
    assert not propose(facts=FACTS, rules=auto, fees=KfmFees()).approval_required
    unclear = replace(FACTS, limitation_review=True)
    assert propose(facts=unclear, rules=auto, fees=KfmFees()).approval_required
    withdrawn = replace(FACTS, withdrawn_at_kfm=True)
    assert propose(facts=withdrawn, rules=auto, fees=KfmFees()).approval_required


def test_the_default_score_rewards_payments_and_marks_down_age_and_size():
    base = {"today": TODAY, "oldest_due_date": date(2026, 9, 1)}
    assert default_score(balance_ore=1_000_000, paid_ore=0, **base) == 50
    assert default_score(balance_ore=1_000_000, paid_ore=1, **base) == 70
    assert default_score(balance_ore=100_000, paid_ore=0, **base) == 55
    assert default_score(balance_ore=10_000_000, paid_ore=0, **base) == 40
    old = {"today": TODAY, "oldest_due_date": date(2025, 1, 1)}
    assert default_score(balance_ore=10_000_000, paid_ore=0, **old) == 20


def test_creditor_rules_are_read_with_every_problem_reported():
    rules, problems = parse_rules(
        {"auto_apply": "yes", "amount_min_ore": -1, "colour": "blue", "score_min": 30}
    )
    assert rules == KfmRules(score_min=30)
    assert problems == (
        "colour: unknown key",
        "auto_apply: must be true or false",
        "amount_min_ore: must be a whole number of öre from 0",
    )
    assert parse_rules(None) == (KfmRules(), ())


def test_the_forecast_probability_is_the_score_as_a_share():
    p = propose(facts=replace(FACTS, score=60), rules=KfmRules(), fees=KfmFees())
    assert p.forecast.recovery_probability == Decimal("0.6")
    assert p.as_json()["forecast"]["recovery_probability"] == "0.6"


def test_the_examples_in_the_module_docstring_hold():
    import doctest

    from fordra.domain import stage_decision

    failures, _ = doctest.testmod(stage_decision, verbose=False, report=True)
    assert failures == 0
