"""Rules as versioned data: the reference-rate history, the fee schedule and the ladders.

``reference_rates.toml`` — the referensränta per half-year (räntelagen (1975:635) 9 §):
``version`` and ``[[rates]]`` entries with ``valid_from``, ``percent`` (a string, read as a
``Decimal``) and ``source``.

``fees.toml`` — the fee amounts (lag (1981:739) om ersättning för inkassokostnader m.m. and
Kronofogden's fees): ``version`` and one array per ``FeeKind`` (``[[reminder]]``,
``[[demand]]``, …) with ``valid_from``, ``amount_ore`` and ``source``.

``ladders/<template>.toml`` — a dunning ladder (``fordra.domain.ladder``): ``template``,
``version``, ``valid_from``, ``source`` (why these days) and ``[[steps]]`` with the fields of
``Step`` (``name``, ``kind``, ``anchor``, ``days``; optional ``letter``, ``pay_days``, ``fee``,
``state``, ``flag``, ``task``, ``channels``, ``text``). More versions of a template are more files,
``<template>-<valid_from>.toml``; ``load_ladder(template, on=day)`` picks the version whose
``valid_from`` is the latest on or before ``day``. The first version of each template is valid
from 2013-03-16, when today's fee amounts took effect (SFS 2013:56, DOMAIN.md §2); a day before
every version is a ``RuleNotInForceError`` naming the template and its first valid day.

The files ship inside the package and are read with ``importlib.resources`` (no other I/O);
each is parsed once per process. A malformed file is a ``ValueError`` naming the entry.

Operators add reference rates in the database when a half-year starts;
``reference_rates_from_entries`` builds the table from such rows (and/or the file's periods).
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any, Protocol

from fordra.domain.fees import FeeKind, FeeRate, FeeSchedule
from fordra.domain.interest import RatePeriod, ReferenceRateTable
from fordra.domain.ladder import Ladder, Step, StepKind

__all__ = [
    "FEES_FILE",
    "LADDERS_DIR",
    "REFERENCE_RATES_FILE",
    "RateEntry",
    "RuleNotInForceError",
    "ladder_from_toml",
    "ladder_templates",
    "ladder_valid_on",
    "ladders_from_directory",
    "load_fee_schedule",
    "load_ladder",
    "load_reference_rates",
    "reference_rates_from_entries",
]

REFERENCE_RATES_FILE = "reference_rates.toml"
FEES_FILE = "fees.toml"
_RATE_KEYS = frozenset({"valid_from", "percent", "source"})
_FEE_KEYS = frozenset({"valid_from", "amount_ore", "source"})
LADDERS_DIR = "ladders"
_LADDER_KEYS = frozenset({"template", "version", "valid_from", "source", "steps"})
_STEP_REQUIRED = frozenset({"name", "kind", "anchor", "days"})
_STEP_OPTIONAL = frozenset(
    {"letter", "pay_days", "fee", "state", "flag", "task", "channels", "text", "debtor_type"}
)
_STEP_TEXT_FIELDS = ("letter", "state", "flag", "task", "text", "debtor_type")
_LADDER_FILES_MAX = 100  # files in the ladders folder


class RuleNotInForceError(ValueError):
    """No version of a rule set (a ladder template) is valid on the day asked for: the day is
    before its first version. Carries the template, the day and the first valid day, so an
    interface can say exactly which rule and from when (DOMAIN.md §2)."""

    def __init__(self, *, template: str, on: date, first_valid: date, first_version: str):
        self.template, self.on, self.first_valid = template, on, first_valid
        super().__init__(
            f"no {template} ladder is valid on {on.isoformat()}: its first version "
            f"({first_version}) is valid from {first_valid.isoformat()}"
        )


class RateEntry(Protocol):
    """Anything with a ``valid_from`` date and a ``percent`` (e.g. a database row)."""

    @property
    def valid_from(self) -> date: ...

    @property
    def percent(self) -> Decimal: ...


@cache
def load_reference_rates() -> ReferenceRateTable:
    """The reference-rate table shipped in ``reference_rates.toml``."""
    data = _read_toml(REFERENCE_RATES_FILE)
    version = _version(data, REFERENCE_RATES_FILE)
    unknown = set(data) - {"version", "rates"}
    if unknown:
        raise ValueError(f"{REFERENCE_RATES_FILE}: unknown keys {sorted(unknown)}")
    entries = data.get("rates")
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{REFERENCE_RATES_FILE}: no [[rates]] entries")
    periods: list[RatePeriod] = []
    for index, entry in enumerate(entries, start=1):
        where = f"{REFERENCE_RATES_FILE}: rates entry {index}"
        _check_keys(entry, expected=_RATE_KEYS, where=where)
        percent = entry["percent"]
        if not isinstance(percent, str):
            raise ValueError(f'{where}: percent must be a string such as "2.00"')
        periods.append(
            RatePeriod(
                valid_from=_date(entry["valid_from"], where),
                percent=_decimal(percent, where),
            )
        )
    _no_duplicate_dates([p.valid_from for p in periods], REFERENCE_RATES_FILE)
    return _rate_table(periods, version=version, where=REFERENCE_RATES_FILE)


@cache
def load_fee_schedule() -> FeeSchedule:
    """The fee schedule shipped in ``fees.toml``."""
    data = _read_toml(FEES_FILE)
    version = _version(data, FEES_FILE)
    kinds = {kind.value: kind for kind in FeeKind}
    unknown = set(data) - {"version"} - set(kinds)
    if unknown:
        raise ValueError(f"{FEES_FILE}: unknown fee kinds {sorted(unknown)}")
    rates: list[FeeRate] = []
    for name, kind in kinds.items():
        entries = data.get(name)
        if not isinstance(entries, list) or not entries:
            raise ValueError(f"{FEES_FILE}: no [[{name}]] entries")
        for index, entry in enumerate(entries, start=1):
            where = f"{FEES_FILE}: {name} entry {index}"
            _check_keys(entry, expected=_FEE_KEYS, where=where)
            amount = entry["amount_ore"]
            if not isinstance(amount, int) or isinstance(amount, bool) or amount < 0:
                raise ValueError(f"{where}: amount_ore must be a whole number of öre, 0 or more")
            source = entry["source"]
            if not isinstance(source, str) or not source.strip():
                raise ValueError(f"{where}: source must be a non-empty string")
            rates.append(
                FeeRate(
                    kind=kind,
                    valid_from=_date(entry["valid_from"], where),
                    amount_ore=amount,
                    source=source,
                )
            )
        _no_duplicate_dates(
            [rate.valid_from for rate in rates if rate.kind is kind], f"{FEES_FILE}: {name}"
        )
    return FeeSchedule(rates=tuple(rates), version=version)


def reference_rates_from_entries(
    entries: Iterable[RatePeriod | RateEntry | tuple[date, Decimal | str] | Mapping[str, Any]],
    *,
    version: str,
) -> ReferenceRateTable:
    """A reference-rate table from rows an operator entered (or any mix with file periods).

    Each entry is a ``RatePeriod``, an object with ``valid_from`` and ``percent`` attributes
    (a database row), a ``(valid_from, percent)`` pair, or a mapping with those keys; dates may
    be ISO strings and percents strings. Two entries from the same day: the later one wins, so
    ``[*load_reference_rates().periods, *database_rows]`` lets the database correct the file.
    """
    by_date: dict[date, Decimal] = {}
    for index, entry in enumerate(entries, start=1):
        where = f"reference rate entry {index}"
        raw_date: object
        raw_percent: object
        if isinstance(entry, tuple):
            if len(entry) != 2:
                raise ValueError(f"{where}: expected (valid_from, percent)")
            raw_date, raw_percent = entry
        elif isinstance(entry, Mapping):
            if "valid_from" not in entry or "percent" not in entry:
                raise ValueError(f"{where}: needs valid_from and percent")
            raw_date, raw_percent = entry["valid_from"], entry["percent"]
        else:
            raw_date, raw_percent = entry.valid_from, entry.percent
        by_date[_date(raw_date, where)] = _decimal(raw_percent, where)
    periods = [RatePeriod(valid_from=day, percent=percent) for day, percent in by_date.items()]
    return _rate_table(periods, version=version, where="reference rates")


def load_ladder(template: str, *, on: date) -> Ladder:
    """The version of the ladder ``template`` valid on ``on``: the latest ``valid_from`` ≤ ``on``.

    ``ValueError`` for an unknown template; ``RuleNotInForceError`` (a ``ValueError``) for a date
    before its first version.
    """
    versions = _package_ladders().get(template)
    if versions is None:
        raise ValueError(
            f"unknown ladder template {template!r} (known: {', '.join(ladder_templates())})"
        )
    return ladder_valid_on(versions, on=on)


def ladder_templates() -> tuple[str, ...]:
    """The names of the built-in ladder templates, sorted."""
    return tuple(sorted(_package_ladders()))


def ladder_valid_on(ladders: Iterable[Ladder], *, on: date) -> Ladder:
    """Of several versions of one template, the one valid on ``on`` (latest ``valid_from`` ≤ it)."""
    versions = list(ladders)
    templates = {ladder.template for ladder in versions}
    if len(templates) > 1:
        raise ValueError(f"versions of different ladder templates: {sorted(templates)}")
    valid = [ladder for ladder in versions if ladder.valid_from <= on]
    if not valid:
        if not versions:
            raise ValueError(f"no ladder versions given (asked for {on.isoformat()})")
        first = min(versions, key=lambda ladder: ladder.valid_from)
        raise RuleNotInForceError(
            template=first.template, on=on, first_valid=first.valid_from,
            first_version=first.version,
        )
    return max(valid, key=lambda ladder: ladder.valid_from)


def ladders_from_directory(
    directory: Traversable, *, where: str | None = None
) -> dict[str, tuple[Ladder, ...]]:
    """Every ``*.toml`` ladder in ``directory`` by template, oldest version first.

    A file is ``<template>.toml`` or ``<template>-<anything>.toml`` and must hold that template;
    two versions of a template may not share a ``version`` or a ``valid_from``.
    """
    label = where or directory.name
    files = sorted(
        (entry for entry in directory.iterdir() if entry.name.endswith(".toml")),
        key=lambda entry: entry.name,
    )
    if len(files) > _LADDER_FILES_MAX:
        raise ValueError(f"{label}: more than {_LADDER_FILES_MAX} ladder files")
    by_template: dict[str, list[Ladder]] = {}
    for entry in files:
        name = f"{label}/{entry.name}"
        ladder = ladder_from_toml(entry.read_text("utf-8"), where=name)
        expected = entry.name.removesuffix(".toml").partition("-")[0]
        if ladder.template != expected:
            raise ValueError(
                f"{name}: template {ladder.template!r} does not match the file name ({expected!r})"
            )
        by_template.setdefault(ladder.template, []).append(ladder)
    result: dict[str, tuple[Ladder, ...]] = {}
    for template, versions in sorted(by_template.items()):
        versions.sort(key=lambda ladder: ladder.valid_from)
        _no_duplicate_dates([v.valid_from for v in versions], f"{label}: {template}")
        names = [v.version for v in versions]
        if len(set(names)) != len(names):
            raise ValueError(f"{label}: {template}: two files with the same version")
        result[template] = tuple(versions)
    return result


def ladder_from_toml(text: str, *, where: str) -> Ladder:
    """One ladder file's text → ``Ladder``; ``ValueError`` naming the file, step and field."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{where}: {exc}") from exc
    missing, unknown = _LADDER_KEYS - set(data), set(data) - _LADDER_KEYS
    if missing:
        raise ValueError(f"{where}: missing {sorted(missing)}")
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    template = data["template"]
    if not isinstance(template, str) or not template.isidentifier() or not template.islower():
        raise ValueError(f"{where}: template must be a lower_snake_case name")
    version = _version(data, where)
    source = data["source"]
    if not isinstance(source, str) or not source.strip():
        raise ValueError(f"{where}: source must be a non-empty string saying why these days")
    entries = data["steps"]
    if not isinstance(entries, list) or not entries:
        raise ValueError(f"{where}: no [[steps]] entries")
    steps = tuple(
        _step(entry, where=f"{where}: steps entry {index}")
        for index, entry in enumerate(entries, start=1)
    )
    try:
        return Ladder(
            template=template,
            version=version,
            valid_from=_date(data["valid_from"], where),
            steps=steps,
            source=source.strip(),
        )
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc


@cache
def _package_ladders() -> dict[str, tuple[Ladder, ...]]:
    directory = resources.files(__package__ or "fordra.rules").joinpath(LADDERS_DIR)
    return ladders_from_directory(directory, where=LADDERS_DIR)


def _step(entry: object, *, where: str) -> Step:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: not a table")
    name = entry.get("name")
    if isinstance(name, str):
        where = f"{where} ({name})"
    missing = _STEP_REQUIRED - set(entry)
    unknown = set(entry) - _STEP_REQUIRED - _STEP_OPTIONAL
    if missing:
        raise ValueError(f"{where}: missing {sorted(missing)}")
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    if not isinstance(name, str):
        raise ValueError(f"{where}: name must be a string")
    kinds = {kind.value: kind for kind in StepKind}
    kind = entry["kind"]
    if kind not in kinds:
        raise ValueError(f"{where}: kind {kind!r} is not one of {sorted(kinds)}")
    anchor = entry["anchor"]
    if not isinstance(anchor, str):
        raise ValueError(f"{where}: anchor must be a string")
    days, pay_days = entry["days"], entry.get("pay_days", 0)
    for field_name, value in (("days", days), ("pay_days", pay_days)):
        if not isinstance(value, int) or isinstance(value, bool):
            raise ValueError(f"{where}: {field_name} must be a whole number of days")
    fees = {kind.value: kind for kind in FeeKind}
    fee = entry.get("fee")
    if fee is not None and fee not in fees:
        raise ValueError(f"{where}: fee {fee!r} is not one of {sorted(fees)}")
    texts: dict[str, str | None] = {}
    for field_name in _STEP_TEXT_FIELDS:
        value = entry.get(field_name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            raise ValueError(f"{where}: {field_name} must be a non-empty string")
        texts[field_name] = value
    channels = entry.get("channels")
    if channels is not None and (
        not isinstance(channels, list) or not all(isinstance(c, str) for c in channels)
    ):
        raise ValueError(f"{where}: channels must be a list of channel names")
    step = Step(
        name=name,
        kind=kinds[kind],
        anchor=anchor,
        days=days,
        letter=texts["letter"],
        pay_days=pay_days,
        fee=fees[fee] if fee is not None else None,
        state=texts["state"],
        flag=texts["flag"],
        task=texts["task"],
        text=texts["text"],
        debtor_type=texts["debtor_type"],
    )
    return step if channels is None else replace(step, channels=tuple(channels))


# --- helpers -------------------------------------------------------------------------------


def _read_toml(name: str) -> dict[str, Any]:
    text = resources.files(__package__ or "fordra.rules").joinpath(name).read_text("utf-8")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"{name}: {exc}") from exc


def _version(data: Mapping[str, Any], where: str) -> str:
    version = data.get("version")
    if not isinstance(version, str) or not version.strip():
        raise ValueError(f"{where}: version must be a non-empty string")
    return version


def _check_keys(entry: object, *, expected: frozenset[str], where: str) -> None:
    if not isinstance(entry, dict):
        raise ValueError(f"{where}: not a table")
    missing, unknown = expected - set(entry), set(entry) - expected
    if missing:
        raise ValueError(f"{where}: missing {sorted(missing)}")
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")


def _date(value: object, where: str) -> date:
    # A TOML local date is a date; a datetime (also a date) is not what we want.
    if isinstance(value, date) and type(value) is date:
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{where}: valid_from {value!r} is not a date") from exc
    raise ValueError(f"{where}: valid_from must be a date")


def _decimal(value: object, where: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | str | int):
        raise ValueError(f"{where}: percent must be a Decimal or a string")
    try:
        percent = Decimal(value.strip().replace(",", ".") if isinstance(value, str) else value)
    except InvalidOperation as exc:
        raise ValueError(f"{where}: percent {value!r} is not a number") from exc
    if not percent.is_finite():
        raise ValueError(f"{where}: percent {value!r} is not a number")
    return percent


def _no_duplicate_dates(dates: list[date], where: str) -> None:
    seen: set[date] = set()
    for day in dates:
        if day in seen:
            raise ValueError(f"{where}: two entries from {day}")
        seen.add(day)


def _rate_table(periods: list[RatePeriod], *, version: str, where: str) -> ReferenceRateTable:
    try:
        return ReferenceRateTable(periods=tuple(periods), version=version)
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from exc
