"""Case numbers, case references and OCR references.

A case number comes from a counter row that is bumped once per batch; the row lock (PostgreSQL)
or the write lock taken at BEGIN IMMEDIATE (SQLite) serialises concurrent imports. The OCR
reference is the case number with Bankgirot's length digit and Luhn check digit (DOMAIN.md §13).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F

from fordra.claims.models import CASE_REF_PREFIX, NumberSequence
from fordra.domain.ocr import ocr_from_number, ocrs_from_numbers

CASE_SEQUENCE = "case"
# Six-digit case numbers give eight-digit OCR references, short enough to type from a letter.
FIRST_CASE_NUMBER = 100_000


def case_numbers_allocate(*, count: int) -> range:
    """Reserve ``count`` consecutive case numbers (inside the caller's transaction)."""
    if count <= 0:
        return range(0)
    with transaction.atomic():
        NumberSequence.objects.get_or_create(
            name=CASE_SEQUENCE, defaults={"next_value": FIRST_CASE_NUMBER}
        )
        seq = NumberSequence.objects.select_for_update().get(name=CASE_SEQUENCE)
        start = seq.next_value
        NumberSequence.objects.filter(pk=seq.pk).update(next_value=F("next_value") + count)
    return range(start, start + count)


def case_ref(number: int) -> str:
    return f"{CASE_REF_PREFIX}{number}"


def case_number_from_ref(text: str) -> int | None:
    """``FD-100123`` (any case, spaces ignored) → 100123; anything else → None."""
    compact = text.strip().replace(" ", "").upper()
    prefix = CASE_REF_PREFIX.upper()
    if compact.startswith(prefix) and compact[len(prefix) :].isdigit():
        return int(compact[len(prefix) :])
    return None


def case_ocr(number: int) -> str:
    return ocr_from_number(number)


def case_ocrs(numbers: Iterable[int]) -> list[str]:
    """``case_ocr`` of many numbers: ``fordra.domain.ocr.ocrs_from_numbers``."""
    return ocrs_from_numbers(numbers)
