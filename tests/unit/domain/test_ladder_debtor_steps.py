"""Steps for one kind of debtor only (``Step.debtor_type``)."""

from __future__ import annotations

from datetime import date

import pytest

from fordra.domain.ladder import Ladder, Step, StepKind, ladder_for_debtor

LADDER = Ladder(
    template="energy",
    version="t-1",
    valid_from=date(2026, 1, 1),
    steps=(
        Step(name="demand", kind=StepKind.LETTER, anchor="due_date", days=7, letter="demand",
             pay_days=10),
        Step(name="notice", kind=StepKind.LETTER, anchor="demand.pay_by", days=7,
             letter="notice", pay_days=28, debtor_type="person"),
        Step(name="hand_over", kind=StepKind.DECISION, anchor="notice.pay_by", days=1,
             flag="awaiting_decision", channels=()),
    ),
)


def test_a_person_keeps_every_step() -> None:
    assert ladder_for_debtor(LADDER, "person") == LADDER


def test_a_company_skips_the_consumer_step_and_the_next_step_inherits_its_anchor() -> None:
    company = ladder_for_debtor(LADDER, "company")

    assert [s.name for s in company.steps] == ["demand", "hand_over"]
    assert company.step("hand_over").anchor == "demand.pay_by"
    assert company.step("hand_over").days == 1
    assert company.version == LADDER.version


def test_an_unknown_debtor_type_is_refused_when_the_ladder_is_built() -> None:
    with pytest.raises(ValueError, match="debtor_type"):
        Ladder(template="t", version="v", valid_from=date(2026, 1, 1), steps=(
            Step(name="x", kind=StepKind.TASK, anchor="due_date", days=1, task="t",
                 debtor_type="robot", channels=()),
        ))
