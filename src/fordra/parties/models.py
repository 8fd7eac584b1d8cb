"""Creditors (borgenärer / uppdragsgivare) and debtors (gäldenärer)."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ServiceLevel(models.TextChoices):
    """What the creditor has asked the agency to do (the creditor's service level)."""

    FULL = "full", "Hela flödet"
    REMINDERS = "reminders", "Endast påminnelser"
    COLLECTION = "collection", "Endast inkasso"


class Template(models.TextChoices):
    """The ladder template (industry flow) a creditor's cases follow."""

    CONSUMER = "consumer", "Konsument"
    B2B = "b2b", "Företag (B2B)"
    ENERGY = "energy", "Energi"
    HOUSING = "housing", "Bostad/hyra"
    PUBLIC_SECTOR = "public_sector", "Offentlig sektor"


class PricingModel(models.TextChoices):
    """How the agency is paid (fordra.domain.settlement.PricingModel)."""

    COMMISSION = "commission", "Provision på inkasserat kapital"
    KEEPS_INTEREST_AND_FEES = "keeps_interest_and_fees", "Byrån behåller ränta och avgifter"
    SUBSCRIPTION = "subscription", "Årsavgift + avgift per ärende"
    ZERO_COST = "zero_cost", "0 kr (gäldenärens avgifter betalar byrån)"


class RemitEvery(models.TextChoices):
    DAILY = "daily", "Dagligen"
    WEEKLY = "weekly", "Veckovis"
    MONTHLY = "monthly", "Månadsvis"


class PayoutAccountType(models.TextChoices):
    BANKGIRO = "bankgiro", "Bankgiro"
    PLUSGIRO = "plusgiro", "Plusgiro"
    IBAN = "iban", "IBAN"


class TriflePolicy(models.TextChoices):
    """What becomes of a remainder below the creditor's trifle threshold (DOMAIN.md §3)."""

    WRITE_OFF = "write_off", "Skrivs av"
    RETURN = "return", "Återlämnas till borgenären"


# Småbelopp: a remainder below this is never escalated to a fee-bearing step (DOMAIN.md §3).
TRIFLE_ORE_DEFAULT = 5_000  # 50 kr
TRIFLE_ORE_MAX = 100_000  # 1 000 kr: a higher "trifle" would give up real claims


class Creditor(models.Model):
    """A creditor (borgenär) and the agreement (uppdragsavtal) the agency has with it."""

    name = models.CharField(max_length=200)
    orgnr = models.CharField("organisationsnummer", max_length=10, unique=True)
    bankgiro = models.CharField(max_length=8, help_text="Bankgiro for payouts (digits only).")
    service_level = models.CharField(
        max_length=16, choices=ServiceLevel.choices, default=ServiceLevel.FULL
    )
    template = models.CharField(max_length=16, choices=Template.choices, default=Template.CONSUMER)
    # The agreement's money terms (issue 5): pricing, remittance rhythm, payout account.
    pricing_model = models.CharField(
        max_length=24, choices=PricingModel.choices, default=PricingModel.COMMISSION,
        db_default=PricingModel.COMMISSION,
    )
    commission_percent = models.DecimalField(
        max_digits=5, decimal_places=2, default=0, db_default=0
    )
    annual_fee_ore = models.BigIntegerField(default=0, db_default=0)
    per_case_fee_ore = models.BigIntegerField(default=0, db_default=0)
    remit_every = models.CharField(
        max_length=8, choices=RemitEvery.choices, default=RemitEvery.MONTHLY,
        db_default=RemitEvery.MONTHLY,
    )
    payout_account_type = models.CharField(
        max_length=8, choices=PayoutAccountType.choices, default=PayoutAccountType.BANKGIRO,
        db_default=PayoutAccountType.BANKGIRO,
    )
    payout_account = models.CharField(
        max_length=34, blank=True, default="", db_default="",
        help_text="Plusgiro or IBAN when the payout does not go to the bankgiro above.",
    )
    ladder_overrides = models.JSONField(
        default=dict,
        blank=True,
        help_text="Per-step overrides of the template: {step: {days, pay_days, channels, text, "
        "enabled}}.",
    )
    # The creditor's rules for what follows the demand (docs/stages.md): installment plans
    # ("plan"), Kronofogden ("kfm"), efterbevakning ("surveillance"), konkursanmaning, …
    stage_rules = models.JSONField(
        default=dict,
        blank=True,
        help_text="Rules after the demand: {plan: {...}, kfm: {...}, surveillance: {...}} "
        "(docs/stages.md).",
    )
    reminder_fee_agreed = models.BooleanField(
        "påminnelseavgift avtalad",
        default=False,
        help_text="Whether the creditor's customer terms let it charge a reminder fee "
        "(lag 1981:739 2 §: agreed at the latest when the debt arose).",
    )
    # Trifles (småbelopp, DOMAIN.md §3): no fee-bearing letter for a remainder below the
    # threshold; the agreement says whether such a remainder is written off or returned.
    trifle_ore = models.BigIntegerField(
        "småbeloppsgräns (öre)",
        default=TRIFLE_ORE_DEFAULT,
        db_default=TRIFLE_ORE_DEFAULT,
        validators=[MinValueValidator(0), MaxValueValidator(TRIFLE_ORE_MAX)],
        help_text="In öre (5000 = 50 kr). No reminder or inkassokrav with a fee while the whole "
        "remainder (capital + interest + fees) is below it; 0 = no threshold.",
    )
    trifle_policy = models.CharField(
        "småbelopp hanteras",
        max_length=12,
        choices=TriflePolicy.choices,
        default=TriflePolicy.WRITE_OFF,
        db_default=TriflePolicy.WRITE_OFF,
        help_text="What becomes of a remainder below the threshold: written off (the case closes "
        "as written off) or returned to the creditor (the case closes as recalled).",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = "borgenär"
        verbose_name_plural = "borgenärer"

    def __str__(self) -> str:
        return f"{self.name} ({self.orgnr[:6]}-{self.orgnr[6:]})"


class DebtorType(models.TextChoices):
    PERSON = "person", "Privatperson"
    COMPANY = "company", "Företag"


class IdKind(models.TextChoices):
    PERSONNUMMER = "personnummer", "Personnummer"
    SAMORDNINGSNUMMER = "samordningsnummer", "Samordningsnummer"
    ORGANISATIONSNUMMER = "organisationsnummer", "Organisationsnummer"


class Debtor(models.Model):
    """A debtor (gäldenär), identified by personnummer, samordningsnummer or orgnr.

    One row per identity across all creditors, so that contact rules can count letters per debtor;
    what a creditor sees of a debtor is always reached through that creditor's own cases.
    """

    national_id = models.CharField(
        max_length=12, unique=True, help_text="12 digits for persons, 10 for organisations."
    )
    id_kind = models.CharField(max_length=20, choices=IdKind.choices)
    debtor_type = models.CharField(max_length=8, choices=DebtorType.choices)
    name = models.CharField(max_length=200)
    address = models.CharField(max_length=200)
    postal_code = models.CharField(max_length=12)
    city = models.CharField(max_length=100)
    country = models.CharField(max_length=2, default="SE")
    email = models.CharField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=40, blank=True, default="")
    # Special debtors (DOMAIN.md §10): each stops or reroutes collection.
    # db_default as well: intake writes debtors with raw executemany (no ORM defaults).
    protected_identity = models.BooleanField(
        "skyddade personuppgifter", default=False, db_default=False
    )
    deceased = models.BooleanField("dödsbo", default=False, db_default=False)
    debt_relief = models.BooleanField("skuldsanering", default=False, db_default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "gäldenär"
        verbose_name_plural = "gäldenärer"

    # No index on name: the back office searches it with a substring match, which no B-tree
    # index serves, and every index costs time on bulk intake.

    def __str__(self) -> str:
        return self.name

    @property
    def display_id(self) -> str:
        if len(self.national_id) == 12:
            return f"{self.national_id[:8]}-{self.national_id[8:]}"
        return f"{self.national_id[:6]}-{self.national_id[6:]}"
