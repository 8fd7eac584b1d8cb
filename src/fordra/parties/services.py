"""Creditor services (writes)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.db import transaction
from stdnum import iban
from stdnum.exceptions import ValidationError

from fordra.core.errors import ApplicationError
from fordra.domain.identifiers import (
    IdentifierError,
    parse_orgnr,
    validate_bankgiro,
    validate_plusgiro,
)
from fordra.domain.settlement import Pricing
from fordra.domain.settlement import PricingModel as DomainPricingModel
from fordra.parties.models import (
    Creditor,
    PayoutAccountType,
    PricingModel,
    RemitEvery,
    ServiceLevel,
    Template,
)

NAME_CHARS_MAX = 200
COMMISSION_PERCENT_MAX = Decimal(100)


def creditor_add(
    *,
    name: str,
    orgnr: str,
    bankgiro: str,
    service_level: str = ServiceLevel.FULL,
    template: str = Template.CONSUMER,
    reminder_fee_agreed: bool = False,
    pricing_model: str = PricingModel.COMMISSION,
    commission_percent: str = "0",
    annual_fee_ore: int = 0,
    per_case_fee_ore: int = 0,
    remit_every: str = RemitEvery.MONTHLY,
    payout_plusgiro: str | None = None,
    payout_iban: str | None = None,
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
    if pricing_model not in PricingModel.values:
        problems.append(f"pricing: one of {', '.join(PricingModel.values)}")
    if remit_every not in RemitEvery.values:
        problems.append(f"remit_every: one of {', '.join(RemitEvery.values)}")
    try:
        commission = Decimal(str(commission_percent).replace(",", "."))
        if not commission.is_finite() or not 0 <= commission <= COMMISSION_PERCENT_MAX:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(f"commission: a percentage 0–{COMMISSION_PERCENT_MAX}")
        commission = Decimal(0)
    if annual_fee_ore < 0 or per_case_fee_ore < 0:
        problems.append("fees: must not be negative")
    if not problems:
        try:
            Pricing(
                model=DomainPricingModel(pricing_model),
                commission_percent=commission,
                annual_fee_ore=annual_fee_ore,
                per_case_fee_ore=per_case_fee_ore,
                remit_every=remit_every,
            )
        except ValueError as exc:
            problems.append(f"pricing: {exc}")
    payout_type, payout_account = PayoutAccountType.BANKGIRO, ""
    if payout_plusgiro and payout_iban:
        problems.append("payout: a plusgiro or an IBAN, not both")
    elif payout_plusgiro:
        try:
            payout_type, payout_account = PayoutAccountType.PLUSGIRO, validate_plusgiro(payout_plusgiro)
        except IdentifierError as exc:
            problems.append(f"payout_plusgiro: {exc}")
    elif payout_iban:
        try:
            payout_type, payout_account = PayoutAccountType.IBAN, iban.validate(payout_iban)
        except ValidationError as exc:
            problems.append(f"payout_iban: {exc}")
    if problems:
        raise ApplicationError("the creditor was not added", details=problems)

    wanted = {
        "name": name,
        "bankgiro": bankgiro,
        "service_level": service_level,
        "template": template,
        "reminder_fee_agreed": reminder_fee_agreed,
        "pricing_model": pricing_model,
        "commission_percent": commission,
        "annual_fee_ore": annual_fee_ore,
        "per_case_fee_ore": per_case_fee_ore,
        "remit_every": remit_every,
        "payout_account_type": payout_type,
        "payout_account": payout_account,
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
