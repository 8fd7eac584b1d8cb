"""Creditor services (writes): register a creditor and its agreement, change the agreement."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

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
from fordra.domain.money import format_amount
from fordra.domain.settlement import Pricing
from fordra.domain.settlement import PricingModel as DomainPricingModel
from fordra.parties.models import (
    TRIFLE_ORE_DEFAULT,
    TRIFLE_ORE_MAX,
    Creditor,
    PayoutAccountType,
    PricingModel,
    RemitEvery,
    ServiceLevel,
    Template,
    TriflePolicy,
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
    trifle_ore: int = TRIFLE_ORE_DEFAULT,
    trifle_policy: str = TriflePolicy.WRITE_OFF,
) -> tuple[Creditor, bool]:
    """Register a creditor and its agreement. Returns (creditor, created).

    Adding the same creditor again with the same terms is a no-op; with other terms it is an
    error naming what differs, so a script can be re-run safely.
    """
    name = name.strip()
    problems: list[str] = []
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
    problems += _choice_problems(
        service_level=service_level, template=template, pricing_model=pricing_model,
        remit_every=remit_every,
    )
    commission = _commission(commission_percent, problems)
    if annual_fee_ore < 0 or per_case_fee_ore < 0:
        problems.append("fees: must not be negative")
    problems.extend(_trifle_problems(trifle_ore=trifle_ore, trifle_policy=trifle_policy))
    if not problems:
        problems += _pricing_problems(
            pricing_model=pricing_model, commission=commission, annual_fee_ore=annual_fee_ore,
            per_case_fee_ore=per_case_fee_ore, remit_every=remit_every,
        )
    payout_type, payout_account = _payout(payout_plusgiro, payout_iban, problems)
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
        "trifle_ore": trifle_ore,
        "trifle_policy": trifle_policy,
    }
    return _creditor_save(orgnr=orgnr, wanted=wanted)


def _choice_problems(
    *, service_level: str, template: str, pricing_model: str, remit_every: str
) -> list[str]:
    problems = []
    if service_level not in ServiceLevel.values:
        problems.append(f"service: one of {', '.join(ServiceLevel.values)}")
    if template not in Template.values:
        problems.append(f"template: one of {', '.join(Template.values)}")
    if pricing_model not in PricingModel.values:
        problems.append(f"pricing: one of {', '.join(PricingModel.values)}")
    if remit_every not in RemitEvery.values:
        problems.append(f"remit_every: one of {', '.join(RemitEvery.values)}")
    return problems


def _commission(commission_percent: str, problems: list[str]) -> Decimal:
    """The commission as a percentage 0–max; a problem (and 0) when it is not one."""
    try:
        commission = Decimal(str(commission_percent).replace(",", "."))
        if not commission.is_finite() or not 0 <= commission <= COMMISSION_PERCENT_MAX:
            raise InvalidOperation
    except InvalidOperation:
        problems.append(f"commission: a percentage 0–{COMMISSION_PERCENT_MAX}")
        return Decimal(0)
    return commission


def _pricing_problems(
    *, pricing_model: str, commission: Decimal, annual_fee_ore: int, per_case_fee_ore: int,
    remit_every: str,
) -> list[str]:
    """What the domain's ``Pricing`` refuses in this combination of terms."""
    try:
        Pricing(
            model=DomainPricingModel(pricing_model),
            commission_percent=commission,
            annual_fee_ore=annual_fee_ore,
            per_case_fee_ore=per_case_fee_ore,
            remit_every=remit_every,
        )
    except ValueError as exc:
        return [f"pricing: {exc}"]
    return []


def _payout(
    payout_plusgiro: str | None, payout_iban: str | None, problems: list[str]
) -> tuple[str, str]:
    """The payout account: the bankgiro (default), a plusgiro or an IBAN, never two."""
    if payout_plusgiro and payout_iban:
        problems.append("payout: a plusgiro or an IBAN, not both")
    elif payout_plusgiro:
        try:
            return PayoutAccountType.PLUSGIRO, validate_plusgiro(payout_plusgiro)
        except IdentifierError as exc:
            problems.append(f"payout_plusgiro: {exc}")
    elif payout_iban:
        try:
            return PayoutAccountType.IBAN, iban.validate(payout_iban)
        except ValidationError as exc:
            problems.append(f"payout_iban: {exc}")
    return PayoutAccountType.BANKGIRO, ""


def _creditor_save(*, orgnr: str, wanted: dict[str, Any]) -> tuple[Creditor, bool]:
    """Create the creditor; the same terms again is a no-op, other terms a conflict."""
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


def creditor_update(
    *, orgnr: str, trifle_ore: int | None = None, trifle_policy: str | None = None
) -> Creditor:
    """Change a creditor's agreement: the fields given, the others kept.

    The daily run notices the change (the agreement's fingerprint, ``collection.run``) and looks
    at every open case of the creditor again. Refused with every problem named, nothing written.
    """
    try:
        orgnr = parse_orgnr(orgnr)
    except IdentifierError as exc:
        raise ApplicationError(f"orgnr: {exc}") from exc
    changes: dict[str, object] = {}
    if trifle_ore is not None:
        changes["trifle_ore"] = trifle_ore
    if trifle_policy is not None:
        changes["trifle_policy"] = trifle_policy
    if not changes:
        raise ApplicationError("nothing to change: give --trifle or --trifle-policy")
    problems = _trifle_problems(
        trifle_ore=TRIFLE_ORE_DEFAULT if trifle_ore is None else trifle_ore,
        trifle_policy=TriflePolicy.WRITE_OFF if trifle_policy is None else trifle_policy,
    )
    if problems:
        raise ApplicationError("the creditor was not updated", details=problems)
    with transaction.atomic():
        creditor = Creditor.objects.select_for_update().filter(orgnr=orgnr).first()
        if creditor is None:
            raise ApplicationError(f"no creditor with organisationsnummer {orgnr}", code="not_found")
        Creditor.objects.filter(pk=creditor.pk).update(**changes)
        creditor.refresh_from_db()
    return creditor


def _trifle_problems(*, trifle_ore: int, trifle_policy: str) -> list[str]:
    problems = []
    if not 0 <= trifle_ore <= TRIFLE_ORE_MAX:
        problems.append(
            f"trifle: must be from 0 kr to {format_amount(TRIFLE_ORE_MAX)}, not "
            f"{format_amount(trifle_ore)}"
        )
    if trifle_policy not in TriflePolicy.values:
        problems.append(f"trifle_policy: one of {', '.join(TriflePolicy.values)}")
    return problems
