from django import template

from fordra.claims.models import EVENT_LABELS
from fordra.domain.money import format_amount

register = template.Library()


@register.filter
def kronor(ore: int | None) -> str:
    """1234550 → '12 345,50 kr' (amounts are integer öre everywhere)."""
    if ore is None:
        return ""
    return format_amount(int(ore))


@register.filter
def national_id(number: str) -> str:
    if len(number) == 12:
        return f"{number[:8]}-{number[8:]}"
    if len(number) == 10:
        return f"{number[:6]}-{number[6:]}"
    return number


@register.filter
def event_label(kind: str) -> str:
    return EVENT_LABELS.get(kind, kind)


FEE_LABELS = {
    "reminder": "Påminnelseavgift",
    "demand": "Inkassoavgift",
    "plan": "Avgift för avbetalningsplan",
    "late_payment_compensation": "Förseningsersättning",
    "kfm_application": "Ansökningsavgift Kronofogden",
    "kfm_ombud": "Ombudsarvode (ansökan)",
    "enforcement": "Grundavgift verkställighet",
}
LETTER_LABELS = {
    "reminder": "Påminnelse",
    "demand": "Inkassokrav",
    "demand_reminder": "Påminnelse om inkassokrav",
    "notice": "Meddelande",
    "case_letter": "Brev",
}
FLAG_LABELS = {
    "disputed": "Bestritt",
    "paused": "Pausat",
    "awaiting_decision": "Inväntar beslut",
    "protected_identity": "Skyddade personuppgifter",
    "deceased": "Dödsbo",
    "debt_relief": "Skuldsanering",
    "time_barred": "Preskription – granska",
    "foreign": "Gäldenär utomlands",
    "foreign_partner": "Hos partner utomlands",
}


@register.filter
def fee_label(kind: str) -> str:
    return FEE_LABELS.get(kind, kind)


@register.filter
def letter_label(kind: str) -> str:
    return LETTER_LABELS.get(kind, kind)


@register.filter
def flag_label(flag: str) -> str:
    return FLAG_LABELS.get(flag, flag)


@register.filter
def percent(value: object) -> str:
    """'10.000' → '10,00 %' (Swedish decimal comma; more decimals only when there are some)."""
    from decimal import Decimal, InvalidOperation

    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    text = f"{number:.2f}" if number == round(number, 2) else f"{number.normalize():f}"
    return text.replace(".", ",") + " %"
