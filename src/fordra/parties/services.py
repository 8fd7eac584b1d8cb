"""Creditor services (writes)."""

from __future__ import annotations

from django.db import transaction

from fordra.core.errors import ApplicationError
from fordra.domain.identifiers import IdentifierError, parse_orgnr, validate_bankgiro
from fordra.parties.models import Creditor, ServiceLevel, Template

NAME_CHARS_MAX = 200


def creditor_add(
    *,
    name: str,
    orgnr: str,
    bankgiro: str,
    service_level: str = ServiceLevel.FULL,
    template: str = Template.CONSUMER,
    reminder_fee_agreed: bool = False,
) -> tuple[Creditor, bool]:
    """Register a creditor and its agreement. Returns (creditor, created).

    Adding the same creditor again with the same terms is a no-op; with other terms it is an
    error naming what differs, so a script can be re-run safely.
    """
    name = name.strip()
    problems = []
    if not name or len(name) > NAME_CHARS_MAX:
        problems.append(f"name: must be 1–{NAME_CHARS_MAX} characters")
    try:
        orgnr = parse_orgnr(orgnr)
    except IdentifierError as exc:
        problems.append(f"orgnr: {exc}")
    try:
        bankgiro = validate_bankgiro(bankgiro)
    except IdentifierError as exc:
        problems.append(f"bankgiro: {exc}")
    if service_level not in ServiceLevel.values:
        problems.append(f"service: one of {', '.join(ServiceLevel.values)}")
    if template not in Template.values:
        problems.append(f"template: one of {', '.join(Template.values)}")
    if problems:
        raise ApplicationError("the creditor was not added", details=problems)

    wanted = {
        "name": name,
        "bankgiro": bankgiro,
        "service_level": service_level,
        "template": template,
        "reminder_fee_agreed": reminder_fee_agreed,
    }
    with transaction.atomic():
        existing = Creditor.objects.filter(orgnr=orgnr).first()
        if existing is None:
            return Creditor.objects.create(orgnr=orgnr, **wanted), True
        differences = [
            f"{field}: is {getattr(existing, field)!r}, given {value!r}"
            for field, value in wanted.items()
            if getattr(existing, field) != value
        ]
        if differences:
            raise ApplicationError(
                f"a creditor with organisationsnummer {orgnr} already exists with other terms",
                details=differences,
                code="conflict",
            )
        return existing, False
