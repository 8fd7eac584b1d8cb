import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from importlib import resources

import pytest

from fordra.domain.fees import FeeKind
from fordra.domain.interest import RatePeriod
from fordra.rules import (
    load_fee_schedule,
    load_reference_rates,
    reference_rates_from_entries,
)

# DOMAIN.md §3, valid from → percent.
REFERENCE_RATE_HISTORY = [
    (date(2015, 1, 1), "0.00"),
    (date(2015, 7, 1), "0.00"),
    (date(2016, 1, 1), "0.00"),
    (date(2016, 7, 1), "-0.50"),
    (date(2017, 1, 1), "-0.50"),
    (date(2017, 7, 1), "-0.50"),
    (date(2018, 1, 1), "-0.50"),
    (date(2018, 7, 1), "-0.50"),
    (date(2019, 1, 1), "-0.50"),
    (date(2019, 7, 1), "0.00"),
    (date(2020, 1, 1), "0.00"),
    (date(2020, 7, 1), "0.00"),
    (date(2021, 1, 1), "0.00"),
    (date(2021, 7, 1), "0.00"),
    (date(2022, 1, 1), "0.00"),
    (date(2022, 7, 1), "0.50"),
    (date(2023, 1, 1), "2.50"),
    (date(2023, 7, 1), "3.50"),
    (date(2024, 1, 1), "4.00"),
    (date(2024, 7, 1), "4.00"),
    (date(2025, 1, 1), "3.00"),
    (date(2025, 7, 1), "2.00"),
    (date(2026, 1, 1), "2.00"),
]


def raw(name: str) -> dict[str, object]:
    return tomllib.loads(resources.files("fordra.rules").joinpath(name).read_text("utf-8"))


def test_the_reference_rate_file_holds_the_whole_known_history() -> None:
    table = load_reference_rates()
    assert [(p.valid_from, p.percent) for p in table.periods] == [
        (day, Decimal(percent)) for day, percent in REFERENCE_RATE_HISTORY
    ]
    assert table.version


def test_the_rate_for_july_2026_is_left_out_so_it_shows_as_missing() -> None:
    table = load_reference_rates()
    assert table.missing_periods(up_to=date(2026, 6, 30)) == []
    assert table.missing_periods(up_to=date(2026, 7, 1)) == [date(2026, 7, 1)]
    assert table.rate_on(date(2026, 7, 1)) == (Decimal("2.00"), True)


def test_every_reference_rate_entry_names_its_source_and_keeps_percent_as_text() -> None:
    data = raw("reference_rates.toml")
    assert isinstance(data["version"], str)
    entries = data["rates"]
    assert isinstance(entries, list)
    for entry in entries:
        assert isinstance(entry["percent"], str)
        assert entry["source"].strip()
    low_confidence = [e for e in entries if "confidence L" in e["source"]]
    assert [e["valid_from"] for e in low_confidence] == [date(2025, 1, 1)]


@pytest.mark.parametrize(
    ("kind", "day", "amount_ore"),
    [
        (FeeKind.REMINDER, date(2013, 3, 15), 5000),
        (FeeKind.DEMAND, date(2013, 3, 15), 16000),
        (FeeKind.PLAN, date(2013, 3, 15), 15000),
        (FeeKind.REMINDER, date(2013, 3, 16), 6000),
        (FeeKind.DEMAND, date(2013, 3, 16), 18000),
        (FeeKind.PLAN, date(2013, 3, 16), 17000),
        (FeeKind.LATE_PAYMENT_COMPENSATION, date(2013, 3, 16), 45000),
        (FeeKind.KFM_APPLICATION, date(2026, 1, 1), 30000),
        (FeeKind.KFM_OMBUD, date(2026, 1, 1), 38000),
        (FeeKind.ENFORCEMENT, date(2026, 1, 1), 60000),
        (FeeKind.REMINDER, date(1982, 1, 1), 5000),
    ],
)
def test_the_fee_file_holds_the_amounts_of_the_law(
    kind: FeeKind, day: date, amount_ore: int
) -> None:
    assert load_fee_schedule().rate_on(kind, day).amount_ore == amount_ore


def test_every_fee_kind_has_an_entry_and_every_entry_a_source() -> None:
    schedule = load_fee_schedule()
    assert {rate.kind for rate in schedule.rates} == set(FeeKind)
    assert all(rate.source.strip() for rate in schedule.rates)
    assert schedule.version
    ombud = schedule.rate_on(FeeKind.KFM_OMBUD, date(2026, 1, 1))
    assert "confidence L" in ombud.source


def test_the_rule_files_are_read_once() -> None:
    assert load_reference_rates() is load_reference_rates()
    assert load_fee_schedule() is load_fee_schedule()


def test_rates_from_database_rows_build_a_table() -> None:
    # what fordra.reference passes: values_list("valid_from", "percent")
    rows = [(date(2026, 1, 1), Decimal("2.000")), (date(2025, 7, 1), Decimal("2.000"))]
    table = reference_rates_from_entries(rows, version="db")
    assert [p.valid_from for p in table.periods] == [date(2025, 7, 1), date(2026, 1, 1)]
    assert table.version == "db"


@dataclass
class Row:
    valid_from: date
    percent: Decimal


def test_rates_from_entries_accept_objects_mappings_and_rate_periods() -> None:
    table = reference_rates_from_entries(
        [
            RatePeriod(valid_from=date(2025, 1, 1), percent=Decimal("3.00")),
            Row(valid_from=date(2025, 7, 1), percent=Decimal("2.00")),
            {"valid_from": "2026-01-01", "percent": "2,00"},
        ],
        version="mixed",
    )
    assert [(p.valid_from, p.percent) for p in table.periods] == [
        (date(2025, 1, 1), Decimal("3.00")),
        (date(2025, 7, 1), Decimal("2.00")),
        (date(2026, 1, 1), Decimal("2.00")),
    ]


def test_an_operators_rate_added_to_the_file_rates_ends_the_provisional_period() -> None:
    file_rates = load_reference_rates()
    table = reference_rates_from_entries(
        [*file_rates.periods, (date(2026, 7, 1), Decimal("1.75"))], version="file+db"
    )
    assert table.rate_on(date(2026, 7, 1)) == (Decimal("1.75"), False)
    assert table.missing_periods(up_to=date(2026, 12, 31)) == []


def test_a_later_entry_for_the_same_half_year_wins() -> None:
    table = reference_rates_from_entries(
        [(date(2026, 1, 1), Decimal("2.00")), (date(2026, 1, 1), Decimal("2.50"))], version="v"
    )
    assert table.rate_on(date(2026, 1, 1)) == (Decimal("2.50"), False)


@pytest.mark.parametrize(
    ("entry", "message"),
    [
        ((date(2026, 3, 1), Decimal("2")), "1 January or 1 July"),
        (("2026-13-01", "2"), "not a date"),
        ((date(2026, 1, 1), "two"), "not a number"),
        ((date(2026, 1, 1), 2.0), "Decimal or a string"),
        ((date(2026, 1, 1), "NaN"), "not a number"),
        ({"valid_from": date(2026, 1, 1)}, "needs valid_from and percent"),
        ((date(2026, 1, 1),), "expected \\(valid_from, percent\\)"),
    ],
)
def test_bad_rate_entries_are_refused_with_the_entry_named(entry: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        reference_rates_from_entries([entry], version="v")  # type: ignore[list-item]
