"""Reference-rate (referensränta) services: seed from the rule file, operator additions, reads."""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from django.db import transaction

from fordra.core.errors import ApplicationError
from fordra.domain.interest import ReferenceRateTable
from fordra.reference.models import ReferenceRate
from fordra.rules import load_reference_rates, reference_rates_from_entries

# Riksbank sets the reference rate per half-year (räntelagen 9 §).
HALF_YEAR_STARTS = ((1, 1), (7, 1))
REFERENCE_RATE_ABS_MAX = Decimal("25")


def reference_rates_seed() -> int:
    """Load the rule file's rates into the database; rates already there are left alone."""
    table = load_reference_rates()
    existing = set(ReferenceRate.objects.values_list("valid_from", flat=True))
    new = [
        ReferenceRate(
            valid_from=p.valid_from,
            percent=p.percent,
            source=f"fordra/rules/reference_rates.toml ({table.version})",
        )
        for p in table.periods
        if p.valid_from not in existing
    ]
    ReferenceRate.objects.bulk_create(new)
    return len(new)


def reference_rate_add(*, valid_from: date, percent: str, source: str) -> ReferenceRate:
    """Enter a half-year's reference rate (the operator's job each 1 January and 1 July)."""
    if (valid_from.month, valid_from.day) not in HALF_YEAR_STARTS:
        raise ApplicationError("a reference rate is valid from 1 January or 1 July (räntelagen 9 §)")
    try:
        value = Decimal(percent.replace(",", "."))
    except InvalidOperation as exc:
        raise ApplicationError(f"not a percentage: {percent!r}") from exc
    if not value.is_finite() or abs(value) > REFERENCE_RATE_ABS_MAX:
        raise ApplicationError(f"not a plausible reference rate: {percent!r}")
    with transaction.atomic():
        existing = ReferenceRate.objects.filter(valid_from=valid_from).first()
        if existing is not None:
            if existing.percent == value:
                return existing
            raise ApplicationError(
                f"the reference rate from {valid_from} is already {existing.percent} %; "
                "change it in the admin if the entry was wrong"
            )
        return ReferenceRate.objects.create(valid_from=valid_from, percent=value, source=source)


def reference_rate_table() -> ReferenceRateTable:
    rows = list(ReferenceRate.objects.order_by("valid_from").values_list("valid_from", "percent"))
    if not rows:
        return load_reference_rates()
    latest = rows[-1][0]
    return reference_rates_from_entries(rows, version=f"referensränta t.o.m. {latest.isoformat()}")
