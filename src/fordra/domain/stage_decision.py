"""The decision after the demand (beslut efter inkassokravet): Kronofogden, efterbevakning or back.

When the demand's ladder ends unpaid, the ladder's ``hand_over`` step flags the case
``awaiting_decision``. This module weighs the case and proposes the next stage, with its reasons
and a cost forecast a person can check:

- ``kfm`` — apply to Kronofogden for a betalningsföreläggande (BF, lag (1990:746) om
  betalningsföreläggande och handräckning);
- ``bankruptcy_warning`` — for a company debtor, a konkursanmaning first (konkurslagen
  (1987:672) 2 kap. 9 §), when the creditor's rules ask for one;
- ``surveillance`` — efterbevakning: keep the claim alive and watch for a better time
  (too small, or the expected recovery does not cover Kronofogden's fees);
- ``return`` — give the case back to the creditor (återredovisning): Fordra may not or should
  not go on (disputed, time-barred, skuldsanering, dödsbo, abroad, the creditor ordered no BF).

Eligibility for BF (:func:`kfm_refusals`) is separate from the proposal and is checked again when
the application is made: a disputed claim (bestridd) is never sent to Kronofogden as an
undisputed one (inkassolagen 4 §, god inkassosed; DOMAIN.md §4, §7), neither is a claim once
disputed at Kronofogden, nor a time-barred one (preskriptionslagen 8 §: it may not be demanded),
nor one under skuldsanering (lag (2016:675)), nor a case with nothing due.

The cost forecast (DOMAIN.md §2, §7)
------------------------------------
- Kronofogden's application fee (ansökningsavgift) 300 kr and, if the case goes on to
  enforcement, its grundavgift for verkställighet 600 kr: paid by the applicant up front and
  recoverable from the debtor — lost if nothing is recovered (``upfront_ore``).
- The ombud's fee for drafting the application, 380 kr, when the creditor's rules allow it:
  recoverable from the debtor, but its legal basis after 2014 is unconfirmed (confidence L);
  it is the agency's, so it stays out of the creditor's net.
- ``recovery_probability`` is the ability-to-pay score as a share (score 60 → 0.60): a rough,
  rule-based estimate, not a credit rating.
- ``expected_recovery_ore`` = probability × (balance + every recoverable fee);
  ``expected_net_ore`` = probability × (balance + Kronofogden's fees) − Kronofogden's fees: what
  the creditor can expect to gain by going to Kronofogden instead of stopping here.

The ability-to-pay score (betalningsförmåga)
-------------------------------------------
:func:`default_score` is a simple rule-based default (0–100, 50 to start): any payment so far
+20 (the debtor can and will pay something); the oldest due date more than 180 days back −10,
more than 365 days −20 (old debts are collected less often); a balance over 50 000 kr −10,
under 2 000 kr +5. A caller with a real score (a credit-information adapter) passes it instead.

The creditor's rules (``Creditor.stage_rules["kfm"]``, docs/stages.md)
--------------------------------------------------------------------
``enabled`` (default true), ``amount_min_ore`` (default 50 000: below 500 kr, efterbevakning),
``auto_apply`` (default false: a person approves every proposal), ``ombud_fee`` (default true),
``bankruptcy_warning`` (default false: a konkursanmaning to a company debtor before BF),
``score_min`` (default 20: below it, efterbevakning), ``applicant_address`` (the creditor's
postal address for the application, lines separated by ``,``; without it the sökande is
written "c/o" the agency, its ombud), ``otherwise`` (``return`` or ``surveillance``: what a
creditor with ``enabled = false`` wants instead — e.g. a municipality's policy of efterbevakning). :func:`parse_rules` reads them and reports
every bad key at once.

    >>> from datetime import date
    >>> facts = CaseFacts(
    ...     today=date(2026, 11, 23), debtor_type=DebtorType.PERSON, balance_ore=250_000,
    ...     paid_ore=0, oldest_due_date=date(2026, 8, 31),
    ... )
    >>> p = propose(facts=facts, rules=KfmRules(), fees=KfmFees())
    >>> p.action, p.score, p.forecast.expected_net_ore, p.approval_required
    (<StageAction.KFM: 'kfm'>, 50, 80000, True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Final

from fordra.domain.calendar import is_overdue
from fordra.domain.fees import DebtorType
from fordra.domain.money import format_amount

__all__ = [
    "AMOUNT_MIN_ORE_DEFAULT",
    "SCORE_MIN_DEFAULT",
    "CaseFacts",
    "CostForecast",
    "KfmFees",
    "KfmRules",
    "Proposal",
    "StageAction",
    "default_score",
    "forecast",
    "kfm_refusals",
    "parse_rules",
    "propose",
]

AMOUNT_MIN_ORE_DEFAULT: Final = 50_000
SCORE_MIN_DEFAULT: Final = 20
SCORE_START: Final = 50
# Limits on what a creditor may set (put a limit on everything).
AMOUNT_MIN_ORE_MAX: Final = 100_000_000_000
_RULE_KEYS: Final = frozenset(
    {
        "enabled",
        "amount_min_ore",
        "auto_apply",
        "ombud_fee",
        "bankruptcy_warning",
        "score_min",
        "applicant_address",
        "otherwise",
    }
)
# What a creditor that never uses Kronofogden wants instead (``otherwise``): a public-sector
# creditor's policy is often efterbevakning rather than getting the case back.
_OTHERWISE: Final = ("return", "surveillance")
APPLICANT_ADDRESS_CHARS_MAX: Final = 300


class StageAction(StrEnum):
    """What the decision proposes."""

    KFM = "kfm"  # betalningsföreläggande
    BANKRUPTCY_WARNING = "bankruptcy_warning"  # konkursanmaning
    SURVEILLANCE = "surveillance"  # efterbevakning
    RETURN = "return"  # återlämnas till borgenären


@dataclass(frozen=True, kw_only=True)
class KfmRules:
    """The creditor's rules for the stage after the demand (``stage_rules["kfm"]``)."""

    enabled: bool = True
    amount_min_ore: int = AMOUNT_MIN_ORE_DEFAULT
    auto_apply: bool = False
    ombud_fee: bool = True
    bankruptcy_warning: bool = False
    score_min: int = SCORE_MIN_DEFAULT
    applicant_address: str = ""  # the creditor's postal address, lines separated by ","
    otherwise: str = "return"  # when not ``enabled``: "return" or "surveillance"


@dataclass(frozen=True, kw_only=True)
class KfmFees:
    """Kronofogden's fees and the ombud's, in öre (from the fee schedule on the day)."""

    application_ore: int = 30_000
    ombud_ore: int = 38_000
    enforcement_ore: int = 60_000


@dataclass(frozen=True, kw_only=True)
class CaseFacts:
    """What the decision weighs, read from the case on ``today``."""

    today: date
    debtor_type: DebtorType
    balance_ore: int  # capital + interest + fees outstanding
    paid_ore: int  # payments allocated so far
    oldest_due_date: date
    disputed: bool = False
    disputed_at_kfm: bool = False  # a BF of this case was once bestridd
    withdrawn_at_kfm: bool = False  # a BF of this case was withdrawn (återkallad)
    time_barred: bool = False
    limitation_review: bool = False  # evidence for the limitation date unclear
    debt_relief: bool = False  # skuldsanering
    deceased: bool = False  # dödsbo
    foreign_partner: bool = False
    bankruptcy_warning_sent: bool = False
    score: int | None = None  # ability to pay, 0–100; None → default_score


@dataclass(frozen=True, kw_only=True)
class CostForecast:
    """What going to Kronofogden costs and may bring (see the module docstring)."""

    balance_ore: int
    application_fee_ore: int
    ombud_fee_ore: int
    enforcement_fee_ore: int
    upfront_ore: int
    recoverable_fees_ore: int
    recovery_probability: Decimal
    expected_recovery_ore: int
    expected_net_ore: int

    def as_json(self) -> dict[str, object]:
        return {
            "balance_ore": self.balance_ore,
            "application_fee_ore": self.application_fee_ore,
            "ombud_fee_ore": self.ombud_fee_ore,
            "enforcement_fee_ore": self.enforcement_fee_ore,
            "upfront_ore": self.upfront_ore,
            "recoverable_fees_ore": self.recoverable_fees_ore,
            "recovery_probability": str(self.recovery_probability),
            "expected_recovery_ore": self.expected_recovery_ore,
            "expected_net_ore": self.expected_net_ore,
        }


@dataclass(frozen=True, kw_only=True)
class Proposal:
    """The proposed next stage, why, what it costs, and whether it may be acted on at once."""

    action: StageAction
    reasons: tuple[str, ...]
    refusals: tuple[str, ...]  # why BF is not allowed; empty when it is
    score: int
    forecast: CostForecast
    approval_required: bool
    notes: tuple[str, ...] = field(default=())

    @property
    def kfm_eligible(self) -> bool:
        return not self.refusals

    def as_json(self) -> dict[str, object]:
        return {
            "action": self.action.value,
            "reasons": list(self.reasons),
            "refusals": list(self.refusals),
            "notes": list(self.notes),
            "score": self.score,
            "forecast": self.forecast.as_json(),
            "approval_required": self.approval_required,
            "kfm_eligible": self.kfm_eligible,
        }


def parse_rules(raw: Mapping[str, object] | None) -> tuple[KfmRules, tuple[str, ...]]:
    """``stage_rules["kfm"]`` as :class:`KfmRules` and every problem (defaults where bad).

    >>> parse_rules({"auto_apply": True, "amount_min_ore": 100_000})[0].auto_apply
    True
    >>> parse_rules({"amount_min_ore": "5"})[1]
    ('amount_min_ore: must be a whole number of öre from 0',)
    """
    if raw is None:
        return KfmRules(), ()
    if not isinstance(raw, Mapping):
        return KfmRules(), ("kfm: must be an object",)
    problems: list[str] = [f"{key}: unknown key" for key in sorted(set(raw) - _RULE_KEYS)]
    values: dict[str, bool | int] = {}
    address = raw.get("applicant_address", "")
    if not isinstance(address, str) or len(address) > APPLICANT_ADDRESS_CHARS_MAX:
        problems.append(
            f"applicant_address: must be text of at most {APPLICANT_ADDRESS_CHARS_MAX} characters"
        )
        address = ""
    otherwise = raw.get("otherwise", "return")
    if otherwise not in _OTHERWISE:
        problems.append(f"otherwise: must be one of {', '.join(_OTHERWISE)}")
        otherwise = "return"
    for key in ("enabled", "auto_apply", "ombud_fee", "bankruptcy_warning"):
        if key in raw:
            value = raw[key]
            if isinstance(value, bool):
                values[key] = value
            else:
                problems.append(f"{key}: must be true or false")
    for key, top in (("amount_min_ore", AMOUNT_MIN_ORE_MAX), ("score_min", 100)):
        if key in raw:
            value = raw[key]
            if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= top:
                values[key] = value
            else:
                unit = "a whole number of öre from 0" if key == "amount_min_ore" else "0–100"
                problems.append(f"{key}: must be {unit}")
    return (
        KfmRules(
            enabled=bool(values.get("enabled", True)),
            amount_min_ore=int(values.get("amount_min_ore", AMOUNT_MIN_ORE_DEFAULT)),
            auto_apply=bool(values.get("auto_apply", False)),
            ombud_fee=bool(values.get("ombud_fee", True)),
            bankruptcy_warning=bool(values.get("bankruptcy_warning", False)),
            score_min=int(values.get("score_min", SCORE_MIN_DEFAULT)),
            applicant_address=address,
            otherwise=str(otherwise),
        ),
        tuple(problems),
    )


def default_score(*, today: date, balance_ore: int, paid_ore: int, oldest_due_date: date) -> int:
    """A rule-based ability-to-pay score, 0–100 (see the module docstring).

    >>> default_score(today=date(2026, 11, 23), balance_ore=100_000, paid_ore=20_000,
    ...               oldest_due_date=date(2025, 6, 1))
    55
    """
    score = SCORE_START
    if paid_ore > 0:
        score += 20
    age_days = (today - oldest_due_date).days
    if age_days > 365:
        score -= 20
    elif age_days > 180:
        score -= 10
    if balance_ore > 5_000_000:
        score -= 10
    elif balance_ore < 200_000:
        score += 5
    return max(0, min(100, score))


def kfm_refusals(facts: CaseFacts) -> tuple[str, ...]:
    """Why a betalningsföreläggande may not be applied for; empty when it may (Swedish)."""
    refusals: list[str] = []
    if facts.disputed:
        refusals.append(
            "Kravet är bestritt: det går till domstol eller tillbaka till borgenären, aldrig till "
            "Kronofogden som ostridigt (inkassolagen 4 §)."
        )
    if facts.disputed_at_kfm:
        refusals.append(
            "Kravet har bestritts hos Kronofogden: en ny ansökan om betalningsföreläggande "
            "görs inte (lag (1990:746) 2 §)."
        )
    if facts.time_barred:
        refusals.append("Fordran är preskriberad och får inte krävas (preskriptionslagen 8 §).")
    if facts.debt_relief:
        refusals.append(
            "Gäldenären har skuldsanering: all indrivning ska upphöra (lag (2016:675))."
        )
    if facts.balance_ore <= 0:
        refusals.append("Inget belopp att kräva.")
    if not is_overdue(facts.oldest_due_date, on=facts.today):
        refusals.append(
            "Fordran har inte förfallit: betalningsföreläggande gäller förfallna fordringar."
        )
    return tuple(refusals)


def forecast(*, facts: CaseFacts, rules: KfmRules, fees: KfmFees, score: int) -> CostForecast:
    """The cost forecast of going to Kronofogden (see the module docstring)."""
    probability = Decimal(score) / Decimal(100)
    ombud = fees.ombud_ore if rules.ombud_fee else 0
    kfm_fees = fees.application_ore + fees.enforcement_ore
    balance = max(facts.balance_ore, 0)
    recoverable = kfm_fees + ombud
    return CostForecast(
        balance_ore=balance,
        application_fee_ore=fees.application_ore,
        ombud_fee_ore=ombud,
        enforcement_fee_ore=fees.enforcement_ore,
        upfront_ore=kfm_fees,
        recoverable_fees_ore=recoverable,
        recovery_probability=probability,
        expected_recovery_ore=_round(probability * (balance + recoverable)),
        expected_net_ore=_round(probability * (balance + kfm_fees)) - kfm_fees,
    )


def propose(*, facts: CaseFacts, rules: KfmRules, fees: KfmFees) -> Proposal:
    """The next stage for a case whose demand ended unpaid; the first rule that matches wins."""
    score = (
        facts.score
        if facts.score is not None
        else default_score(
            today=facts.today,
            balance_ore=facts.balance_ore,
            paid_ore=facts.paid_ore,
            oldest_due_date=facts.oldest_due_date,
        )
    )
    cost = forecast(facts=facts, rules=rules, fees=fees, score=score)
    refusals = kfm_refusals(facts)
    notes: list[str] = []
    if rules.ombud_fee:
        notes.append(
            f"Ombudsarvode {format_amount(fees.ombud_ore)} för ansökan: branschpraxis, osäker "
            "rättslig grund efter 2014 (konfidens L)."
        )
    if facts.limitation_review:
        notes.append("Preskriptionen är oklar: en handläggare måste granska innan något görs.")
    if facts.withdrawn_at_kfm:
        notes.append("En tidigare ansökan återkallades: en handläggare beslutar om nästa steg.")
    action, reasons = _choose(facts=facts, rules=rules, cost=cost, score=score, refusals=refusals)
    # Acting without a person needs the creditor's consent and clear facts; returning a case and
    # giving up on the ladder are also decisions a person can still take over.
    approval = not rules.auto_apply or facts.limitation_review or facts.withdrawn_at_kfm
    return Proposal(
        action=action,
        reasons=reasons,
        refusals=refusals,
        score=score,
        forecast=cost,
        approval_required=approval,
        notes=tuple(notes),
    )


def _choose(
    *,
    facts: CaseFacts,
    rules: KfmRules,
    cost: CostForecast,
    score: int,
    refusals: tuple[str, ...],
) -> tuple[StageAction, tuple[str, ...]]:
    # Cases Fordra may not pursue at all go back to the creditor with the reason.
    stops = [
        (facts.disputed or facts.disputed_at_kfm, "Kravet är bestritt."),
        (facts.time_barred, "Fordran är preskriberad."),
        (facts.debt_relief, "Gäldenären har skuldsanering."),
        (
            facts.deceased,
            "Gäldenären har avlidit: fordran anmäls till dödsboet, inga nya avgifter.",
        ),
        (facts.foreign_partner, "Gäldenären bor utomlands: ärendet hanteras av partner."),
        (facts.balance_ore <= 0, "Inget belopp kvar att kräva."),
    ]
    for applies, reason in stops:
        if applies:
            return StageAction.RETURN, (reason, *refusals)
    if not rules.enabled:
        if rules.otherwise == "surveillance":
            return StageAction.SURVEILLANCE, (
                "Borgenären ansöker inte om betalningsföreläggande: efterbevakning enligt "
                "borgenärens riktlinjer.",
            )
        return StageAction.RETURN, (
            "Borgenären har inte beställt ansökan om betalningsföreläggande.",
        )
    balance = format_amount(facts.balance_ore)
    if facts.balance_ore < rules.amount_min_ore:
        return StageAction.SURVEILLANCE, (
            f"Skulden {balance} är under borgenärens gräns "
            f"{format_amount(rules.amount_min_ore)} för Kronofogden: efterbevakning.",
        )
    if (
        facts.debtor_type == DebtorType.COMPANY
        and rules.bankruptcy_warning
        and not facts.bankruptcy_warning_sent
    ):
        return StageAction.BANKRUPTCY_WARNING, (
            f"Företagsgäldenär med en klar och förfallen skuld på {balance}: konkursanmaning "
            "först (konkurslagen 2 kap. 9 §), enligt borgenärens regler.",
        )
    if score < rules.score_min:
        return StageAction.SURVEILLANCE, (
            f"Låg betalningsförmåga (poäng {score} under {rules.score_min}): efterbevakning.",
        )
    if cost.expected_net_ore <= 0:
        return StageAction.SURVEILLANCE, (
            f"Förväntat utfall {format_amount(cost.expected_net_ore)} täcker inte "
            f"Kronofogdens avgifter {format_amount(cost.upfront_ore)}: efterbevakning.",
        )
    return StageAction.KFM, (
        f"Obetald skuld {balance}, betalningsförmåga {score}/100, förväntat netto "
        f"{format_amount(cost.expected_net_ore)} efter Kronofogdens avgifter: ansök om "
        "betalningsföreläggande.",
    )


def _round(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))
