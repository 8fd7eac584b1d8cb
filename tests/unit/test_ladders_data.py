"""The ladder files in fordra/rules/ladders and their loader."""

from __future__ import annotations

import tomllib
from datetime import date
from importlib import resources
from pathlib import Path

import pytest

from fordra.domain.fees import FeeKind
from fordra.domain.ladder import INKASSOKRAV_LETTERS, Ladder, Step, StepKind
from fordra.rules import (
    RuleNotInForceError,
    ladder_from_toml,
    ladder_templates,
    ladder_valid_on,
    ladders_from_directory,
    load_ladder,
)

TEMPLATES = ("b2b", "consumer", "energy", "housing", "public_sector")
ON = date(2026, 6, 1)


def ladder_text(template: str) -> str:
    return resources.files("fordra.rules").joinpath(f"ladders/{template}.toml").read_text("utf-8")


def test_the_five_built_in_templates_are_there() -> None:
    assert ladder_templates() == TEMPLATES


def test_the_ladder_files_are_package_data_readable_through_importlib_resources() -> None:
    assert resources.files("fordra.rules").joinpath("ladders/consumer.toml").is_file()
    # a package of its own, so setuptools' package-data "*.toml" ships the files in a wheel
    assert resources.files("fordra.rules.ladders").joinpath("consumer.toml").is_file()


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_has_a_version_a_valid_from_date_and_a_source(template: str) -> None:
    ladder = load_ladder(template, on=ON)
    assert ladder.template == template
    assert ladder.version == f"{template}-2026-11-01"
    # Today's fee amounts hold from 2013-03-16 (SFS 2013:56, DOMAIN.md §2): so does the ladder.
    assert ladder.valid_from == date(2013, 3, 16)
    assert "(1974:182)" in ladder.source or "(1981:739)" in ladder.source
    assert ladder.source == ladder.source.strip()


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_reminds_then_demands_then_hands_over(template: str) -> None:
    ladder = load_ladder(template, on=ON)
    first, last = ladder.steps[0], ladder.steps[-1]
    assert (first.name, first.kind, first.letter, first.anchor) == (
        "reminder",
        StepKind.LETTER,
        "reminder",
        "due_date",
    )
    assert first.state == "reminder"
    demand = ladder.step("demand")
    assert (demand.letter, demand.fee, demand.state) == ("demand", FeeKind.DEMAND, "demand")
    assert (last.name, last.kind, last.flag) == (
        "hand_over",
        StepKind.DECISION,
        "awaiting_decision",
    )
    assert last.task
    assert last.anchor.endswith(".pay_by") and last.days == 1


@pytest.mark.parametrize("template", TEMPLATES)
def test_only_the_reminder_and_the_demand_add_a_fee(template: str) -> None:
    ladder = load_ladder(template, on=ON)
    with_fee = [step.name for step in ladder.steps if step.fee is not None]
    assert with_fee == ["reminder", "demand"]
    for step in ladder.steps:
        if step.kind is StepKind.LETTER:
            assert step.pay_days >= 7
            if step.letter in INKASSOKRAV_LETTERS:
                assert step.pay_days >= 8  # inkassolagen 5 §; decide() raises it further


def test_the_consumer_ladder_is_as_the_issue_describes() -> None:
    steps = load_ladder("consumer", on=ON).steps
    assert steps == (
        Step(
            name="reminder",
            kind=StepKind.LETTER,
            anchor="due_date",
            days=7,
            letter="reminder",
            pay_days=10,
            fee=FeeKind.REMINDER,
            state="reminder",
            channels=("digital_mailbox", "email", "print"),
        ),
        Step(
            name="demand",
            kind=StepKind.LETTER,
            anchor="reminder.pay_by",
            days=10,
            letter="demand",
            pay_days=10,
            fee=FeeKind.DEMAND,
            state="demand",
        ),
        Step(
            name="demand_follow_up",
            kind=StepKind.LETTER,
            anchor="demand.pay_by",
            days=7,
            letter="demand_reminder",
            pay_days=10,
        ),
        Step(
            name="hand_over",
            kind=StepKind.DECISION,
            anchor="demand_follow_up.pay_by",
            days=1,
            flag="awaiting_decision",
            task="Välj nästa steg: avbetalningsplan, betalningsföreläggande eller efterbevakning",
        ),
    )


def test_the_b2b_ladder_is_shorter_and_charges_forseningsersattning_at_the_reminder() -> None:
    b2b, consumer = load_ladder("b2b", on=ON), load_ladder("consumer", on=ON)
    assert [s.name for s in b2b.steps] == [s.name for s in consumer.steps]
    assert b2b.step("reminder").days == 5
    assert all(b.days <= c.days for b, c in zip(b2b.steps, consumer.steps, strict=True))
    assert b2b.step("reminder").fee is FeeKind.LATE_PAYMENT_COMPENSATION
    assert b2b.step("demand").fee is FeeKind.DEMAND
    assert "konkursanmaning" in b2b.source


def test_the_public_sector_ladder_assesses_ability_to_pay_24_days_after_the_reminder() -> None:
    ladder = load_ladder("public_sector", on=ON)
    assert [s.name for s in ladder.steps] == [
        "reminder",
        "ability_assessment",
        "demand",
        "demand_follow_up",
        "hand_over",
    ]
    task = ladder.step("ability_assessment")
    assert (task.kind, task.anchor, task.days, task.flag) == (
        StepKind.TASK,
        "reminder.done",
        24,
        "ability_assessment",
    )
    assert task.task == "Bedöm betalningsförmåga (dag 24 efter påminnelsen)"
    assert ladder.step("demand").anchor == "ability_assessment.done"


def test_the_energy_ladder_warns_of_disconnection_before_the_hand_over() -> None:
    ladder = load_ladder("energy", on=ON)
    assert [s.name for s in ladder.steps] == ["reminder", "demand", "notice", "hand_over"]
    notice = ladder.step("notice")
    assert (notice.kind, notice.letter, notice.text, notice.state, notice.fee) == (
        StepKind.LETTER,
        "notice",
        "disconnection_warning",
        None,  # the case stays in demand
        None,
    )
    assert notice.pay_days >= 21  # at least three weeks after service
    assert "ellagen (1997:857) 11 kap. 5 §" in ladder.source


def test_the_housing_ladder_reminds_within_the_week_and_notifies_socialnamnden() -> None:
    ladder = load_ladder("housing", on=ON)
    assert [s.name for s in ladder.steps] == ["reminder", "demand", "notice", "hand_over"]
    reminder = ladder.step("reminder")
    assert reminder.days == 3  # before the rent is more than a week late (JB 12:42)
    notice = ladder.step("notice")
    assert (notice.letter, notice.text, notice.state, notice.fee) == (
        "notice",
        "rent_forfeiture_notice",
        None,
        None,
    )
    assert notice.pay_days >= 21  # three weeks to keep the lease (JB 12:44)
    assert notice.task is not None and "socialnämnden" in notice.task
    assert "12 kap. 42 §" in ladder.source and "12 kap. 44 §" in ladder.source


def test_the_rule_files_are_read_once() -> None:
    assert load_ladder("consumer", on=ON) is load_ladder("consumer", on=date(2030, 1, 1))


# --- versions -----------------------------------------------------------------------------

NEXT_CONSUMER = (
    ladder_text("consumer")
    .replace('version = "consumer-2026-11-01"', 'version = "consumer-2027-01-01"')
    .replace("valid_from = 2013-03-16", "valid_from = 2027-01-01")
    .replace('days = 7\nletter = "reminder"', 'days = 10\nletter = "reminder"')
)


def test_a_second_version_takes_over_from_its_valid_from_date(tmp_path: Path) -> None:
    (tmp_path / "consumer.toml").write_text(ladder_text("consumer"), "utf-8")
    (tmp_path / "consumer-2027-01-01.toml").write_text(NEXT_CONSUMER, "utf-8")
    (tmp_path / "b2b.toml").write_text(ladder_text("b2b"), "utf-8")
    (tmp_path / "README.txt").write_text("not a ladder", "utf-8")
    found = ladders_from_directory(tmp_path)
    assert sorted(found) == ["b2b", "consumer"]
    versions = found["consumer"]
    assert [v.version for v in versions] == ["consumer-2026-11-01", "consumer-2027-01-01"]

    assert ladder_valid_on(versions, on=date(2026, 12, 31)).version == "consumer-2026-11-01"
    newer = ladder_valid_on(versions, on=date(2027, 1, 1))
    assert newer.version == "consumer-2027-01-01"
    assert newer.step("reminder").days == 10
    assert ladder_valid_on(reversed(versions), on=date(2028, 6, 1)) is newer
    assert ladder_valid_on(versions, on=date(2013, 3, 16)).version == "consumer-2026-11-01"
    with pytest.raises(RuleNotInForceError, match="no consumer ladder is valid on 2013-03-15"):
        ladder_valid_on(versions, on=date(2013, 3, 15))


def test_every_first_version_holds_from_2013_03_16_and_later_versions_keep_their_own_day() -> None:
    # The energy ladder's second version keeps its own valid_from (2026-12-01).
    assert load_ladder("energy", on=date(2026, 11, 30)).version == "energy-2026-11-01"
    assert load_ladder("energy", on=date(2026, 12, 1)).version == "energy-2026-12-01"
    for template in TEMPLATES:
        assert load_ladder(template, on=date(2025, 11, 1)).version == f"{template}-2026-11-01"


def test_a_date_before_the_first_version_names_the_template_and_its_first_valid_day() -> None:
    with pytest.raises(RuleNotInForceError) as caught:
        load_ladder("b2b", on=date(2013, 3, 15))
    assert str(caught.value) == (
        "no b2b ladder is valid on 2013-03-15: its first version (b2b-2026-11-01) is valid "
        "from 2013-03-16"
    )
    assert (caught.value.template, caught.value.first_valid) == ("b2b", date(2013, 3, 16))
    assert isinstance(caught.value, ValueError)


def test_an_unknown_template_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown ladder template 'rent'"):
        load_ladder("rent", on=ON)


def test_two_versions_from_the_same_day_are_refused(tmp_path: Path) -> None:
    (tmp_path / "consumer.toml").write_text(ladder_text("consumer"), "utf-8")
    (tmp_path / "consumer-copy.toml").write_text(
        ladder_text("consumer").replace("consumer-2026-11-01", "consumer-copy"), "utf-8"
    )
    with pytest.raises(ValueError, match="consumer: two entries from 2013-03-16"):
        ladders_from_directory(tmp_path)


def test_a_file_must_hold_the_template_its_name_says(tmp_path: Path) -> None:
    (tmp_path / "energy-2027.toml").write_text(ladder_text("consumer"), "utf-8")
    with pytest.raises(ValueError, match=r"energy-2027\.toml: template 'consumer' does not match"):
        ladders_from_directory(tmp_path)


def test_versions_of_different_templates_cannot_be_mixed() -> None:
    with pytest.raises(ValueError, match="different ladder templates"):
        ladder_valid_on([load_ladder("consumer", on=ON), load_ladder("b2b", on=ON)], on=ON)


# --- malformed files ----------------------------------------------------------------------

GOOD = """
template = "t"
version = "t-1"
valid_from = 2026-01-01
source = "why"

[[steps]]
name = "reminder"
kind = "letter"
anchor = "due_date"
days = 7
letter = "reminder"
pay_days = 10
"""


def test_a_minimal_file_loads_with_the_default_channels() -> None:
    ladder = ladder_from_toml(GOOD, where="t.toml")
    assert isinstance(ladder, Ladder)
    assert ladder.step("reminder").channels == ("digital_mailbox", "print")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("template = ", "t.toml: "),
        (GOOD.replace('source = "why"', ""), r"t.toml: missing \['source'\]"),
        (GOOD + 'owner = "x"\n', r"unknown keys \['owner'\]"),
        (GOOD.replace('source = "why"', 'source = " "'), "source must be a non-empty string"),
        (GOOD.replace('template = "t"', 'template = "T t"'), "template must be"),
        (GOOD.replace('version = "t-1"', 'version = ""'), "version must be a non-empty string"),
        (GOOD.replace("valid_from = 2026-01-01", 'valid_from = "soon"'), "'soon' is not a date"),
        (GOOD.split("[[steps]]")[0] + "steps = []\n", r"no \[\[steps\]\] entries"),
        (GOOD.replace("days = 7", ""), r"steps entry 1 \(reminder\): missing \['days'\]"),
        (GOOD + 'colour = "red"\n', r"steps entry 1 \(reminder\): unknown keys \['colour'\]"),
        (GOOD.replace('kind = "letter"', 'kind = "email"'), r"\(reminder\): kind 'email'"),
        (GOOD.replace("days = 7", 'days = "7"'), r"\(reminder\): days must be a whole number"),
        (GOOD.replace("days = 7", "days = 7.5"), r"\(reminder\): days must be a whole number"),
        (GOOD + 'fee = "gift"\n', r"\(reminder\): fee 'gift'"),
        (GOOD + 'fee = "demand"\n', "fee demand cannot go with a 'reminder' letter"),
        (GOOD + 'channels = "print"\n', r"\(reminder\): channels must be a list"),
        (GOOD + 'channels = ["fax"]\n', "unknown channel 'fax'"),
        (GOOD + 'task = ""\n', r"\(reminder\): task must be a non-empty string"),
        (GOOD.replace('anchor = "due_date"', 'anchor = "demand.pay_by"'), "names no earlier step"),
        (GOOD.replace("days = 7", "days = 400"), "days must be a whole number from 0 to 366"),
    ],
)
def test_a_malformed_ladder_file_is_refused_naming_the_entry(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ladder_from_toml(text, where="t.toml")


@pytest.mark.parametrize("template", TEMPLATES)
def test_each_file_uses_only_known_keys_and_explains_its_days(template: str) -> None:
    data = tomllib.loads(ladder_text(template))
    assert set(data) == {"template", "version", "valid_from", "source", "steps"}
    assert len(data["source"].split()) >= 40
