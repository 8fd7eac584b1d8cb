"""The letter texts are files: each parses, has every block, and uses only known placeholders."""

from __future__ import annotations

import string
import tomllib
from pathlib import Path

import pytest

from fordra.domain.fees import DebtorType, FeeKind
from fordra.letters import rendering
from fordra.letters.bench import measure, sample_letter
from fordra.letters.rendering import (
    OPTIONAL_TEXT_KEYS,
    PLACEHOLDERS,
    REQUIRED_TEXT_KEYS,
    letter_texts,
    load_labels,
    load_texts,
    text_names,
)
from tests.unit.letters.letter_factories import a_demand

TEXTS_DIR = Path(rendering.__file__).parent / "texts"
EXPECTED_TEXTS = {
    "case_letter",
    "demand",
    "demand_reminder",
    "disconnection_warning",
    "reminder",
    "rent_forfeiture_notice",
}



def placeholders_in(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_the_ladder_texts_are_shipped_with_the_later_stages_texts() -> None:
    shipped = set(text_names())
    assert shipped.issuperset(EXPECTED_TEXTS)
    assert shipped.issuperset(
        {"dispute_received", "dispute_withdrawn", "dispute_corrected", "dispute_court"}
    )


@pytest.mark.parametrize("name", sorted(text_names()))
def test_each_texts_file_parses_and_has_the_required_blocks(name: str) -> None:
    data = tomllib.loads((TEXTS_DIR / f"{name}.toml").read_text(encoding="utf-8"))

    assert set(data) <= set(REQUIRED_TEXT_KEYS) | set(OPTIONAL_TEXT_KEYS)
    assert all(isinstance(data[key], str) and data[key].strip() for key in REQUIRED_TEXT_KEYS)
    assert load_texts(name)["title"] == data["title"].strip()


@pytest.mark.parametrize("name", sorted(EXPECTED_TEXTS))
def test_each_text_uses_only_known_placeholders(name: str) -> None:
    used = set().union(*(placeholders_in(block) for block in load_texts(name).values()))

    assert used <= set(PLACEHOLDERS)


@pytest.mark.parametrize("name", sorted(EXPECTED_TEXTS))
def test_each_text_fills_in_completely(name: str) -> None:
    texts = letter_texts(a_demand(kind="notice" if "demand" not in name else name, text=name))

    assert all("{" not in block and "}" not in block for block in texts.values())
    assert "2026-12-01" in texts["payment"]  # the pay-by date
    assert "5050-1055" in texts["payment"]  # the bankgiro, formatted


@pytest.mark.parametrize("name", ["demand", "demand_reminder"])
def test_the_inkassokrav_texts_say_how_to_object_and_what_happens_otherwise(name: str) -> None:
    texts = letter_texts(a_demand(kind=name, text=name))

    assert "innan 2026-12-01" in texts["objection"]  # by when
    assert "skriftligt till Box 1234, 111 22 Stockholm" in texts["objection"]  # how: in writing
    assert "kundtjanst@fordra.example" in texts["objection"]  # … e-mail
    assert "08-123 456 70" in texts["objection"]  # … or phone
    assert "avbryter vi indrivningen" in texts["objection"]  # an objection stops collection
    assert "betalningsföreläggande hos Kronofogden" in texts["consequence"]
    assert "betalningsanmärkning" in texts["consequence"]


CONSUMER_RULE = "Om Kronofogden sedan beslutar att du ska betala (utslag) kan det leda till en betalningsanmärkning"
COMPANY_RULE = (
    "För ett företag, även en enskild näringsidkare, registrerar kreditupplysningsföretagen redan "
    "ansökan om betalningsföreläggande, vilket kan ge en betalningsanmärkning."
)


@pytest.mark.parametrize("name", ["demand", "demand_reminder"])
def test_a_consumer_inkassokrav_says_only_an_utslag_can_give_a_betalningsanmarkning(
    name: str,
) -> None:
    consequence = letter_texts(a_demand(kind=name, text=name))["consequence"]

    assert CONSUMER_RULE in consequence
    assert "kreditupplysningsföretagen" not in consequence


@pytest.mark.parametrize("name", ["demand", "demand_reminder"])
def test_a_company_inkassokrav_says_the_application_itself_is_registered(name: str) -> None:
    # DOMAIN.md §7: for a company the application for betalningsföreläggande is itself
    # registered by the credit-reporting firms; the consumer's wording would mislead.
    texts = letter_texts(a_demand(kind=name, text=name, debtor_type=DebtorType.COMPANY))

    assert COMPANY_RULE in texts["consequence"]
    assert CONSUMER_RULE not in texts["consequence"]
    assert "betalningsföreläggande hos Kronofogden" in texts["consequence"]
    assert "consequence_company" not in texts  # the variant replaced the block, nothing extra
    assert texts["objection"] == letter_texts(a_demand(kind=name, text=name))["objection"]


def test_the_labels_name_every_fee_kind_in_swedish() -> None:
    fees = load_labels()["fees"]

    assert set(fees) == {kind.value for kind in FeeKind}
    assert fees["reminder"] == "Påminnelseavgift"
    assert fees["demand"] == "Inkassoavgift"
    assert fees["late_payment_compensation"] == "Förseningsersättning"


def test_the_bench_reports_both_rates_for_one_page_sample_letters() -> None:
    result = measure(letters=25)

    assert set(result) == {"seconds", "rate_per_s", "baseline_seconds", "baseline_rate_per_s"}
    assert result["rate_per_s"] > 0 and result["baseline_rate_per_s"] > 0


def test_sample_letters_vary() -> None:
    letters = [sample_letter(i) for i in range(40)]

    assert {letter.kind for letter in letters} == {"reminder", "demand", "demand_reminder"}
    assert {len(letter.invoices) for letter in letters} == {1, 2, 3}
    assert any(letter.protected_identity for letter in letters)
    assert any(letter.paid_ore for letter in letters)
    assert len({letter.ocr for letter in letters}) == 40
