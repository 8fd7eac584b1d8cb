"""Kronofogden: the decision after the demand, betalningsföreläggande, outcomes, verkställighet.

- ``KfmProposal``: what the decision after the demand proposed (``fordra.domain.stage_decision``)
  with its reasons and cost forecast, and what was decided.
- ``KfmApplication``: one ansökan om betalningsföreläggande, its JSON as exported, its batch,
  and where it stands (``state``: the last outcome).
- ``KfmOutcome``: each outcome recorded (delgiven, bestridd, utslag, återkallad, verkställighet,
  hinder/ingen tillgång, kvittens).
- ``KfmBatch``: one exported file pair (JSON + CSV) for Kronofogden's file service.
- ``BankruptcyWarning``: a konkursanmaning sent to a company debtor and its deadlines.
"""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case


class ProposalAction(models.TextChoices):
    KFM = "kfm", "Betalningsföreläggande"
    BANKRUPTCY_WARNING = "bankruptcy_warning", "Konkursanmaning"
    SURVEILLANCE = "surveillance", "Efterbevakning"
    RETURN = "return", "Återlämna till borgenären"


class KfmProposal(models.Model):
    """A proposal for the stage after the demand; ``decision`` empty while open."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="kfm_proposals")
    created_on = models.DateField()
    action = models.CharField(max_length=20, choices=ProposalAction.choices)
    approval_required = models.BooleanField(default=True)
    score = models.IntegerField()
    reasons = models.JSONField(default=list)
    forecast = models.JSONField(default=dict)
    detail = models.JSONField(default=dict)  # the whole Proposal.as_json()
    decision = models.CharField(max_length=20, blank=True, default="")
    decided_on = models.DateField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True, default="")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_on", "id"]
        indexes = [models.Index(fields=["case", "decision"])]


class ApplicationState(models.TextChoices):
    APPLIED = "applied", "Ansökt"
    SERVED = "served", "Delgiven"
    DISPUTED = "disputed", "Bestridd"
    JUDGMENT = "judgment", "Utslag"
    WITHDRAWN = "withdrawn", "Återkallad"
    ENFORCEMENT = "enforcement", "Verkställighet"
    NO_ASSETS = "no_assets", "Hinder – ingen tillgång"
    REFUSED = "refused", "Avvisad (kvittens med fel)"


class KfmApplication(models.Model):
    """One application for a betalningsföreläggande (ansökan) for one case."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="kfm_applications")
    applied_on = models.DateField()
    state = models.CharField(
        max_length=20, choices=ApplicationState.choices, default=ApplicationState.APPLIED
    )
    total_ore = models.BigIntegerField()
    payload = models.JSONField(default=dict)  # the application as formats.kfm exports it
    text = models.TextField(default="")  # formats.kfm.application_text, for the PDF
    batch_id = models.CharField(max_length=64, blank=True, default="")
    pdf_path = models.CharField(max_length=400, blank=True, default="")
    kfm_case_number = models.CharField(max_length=40, blank=True, default="")
    actor = models.CharField(max_length=150, default="system")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["applied_on", "id"]
        indexes = [models.Index(fields=["applied_on", "batch_id"])]


class KfmOutcome(models.Model):
    """An outcome of an application, recorded once (``key``: application + kind)."""

    application = models.ForeignKey(
        KfmApplication, on_delete=models.PROTECT, related_name="outcomes"
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="kfm_outcomes")
    kind = models.CharField(max_length=20)
    date = models.DateField()
    kfm_case_number = models.CharField(max_length=40, blank=True, default="")
    detail = models.CharField(max_length=1000, blank=True, default="")
    actor = models.CharField(max_length=150, default="system")
    key = models.CharField(max_length=160, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]


class KfmBatch(models.Model):
    """One exported batch: the files for Kronofogden's file service, numbered in sequence."""

    batch_id = models.CharField(max_length=64, unique=True)
    day = models.DateField()
    sequence = models.IntegerField(unique=True)
    applications = models.IntegerField()
    total_ore = models.BigIntegerField()
    json_path = models.CharField(max_length=400)
    csv_path = models.CharField(max_length=400)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sequence"]


class BankruptcyWarning(models.Model):
    """A konkursanmaning (konkurslagen (1987:672) 2 kap. 9 §) and its deadlines.

    ``pay_by``: one week after presumed service; ``petition_by``: three weeks after that, the last
    day a bankruptcy petition keeps the presumption of insolvency.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="bankruptcy_warnings")
    sent_on = models.DateField()
    served_on = models.DateField()
    pay_by = models.DateField()
    petition_by = models.DateField()
    lapsed_on = models.DateField(null=True, blank=True)  # deadline passed unpaid: task made
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["sent_on", "id"]
        indexes = [models.Index(fields=["lapsed_on", "pay_by"])]
