"""Efterbevakning (surveillance) and the limitation (preskription) tracker: what they store.

The limitation dates themselves live on the case (``Case.limitation_date``, the earliest bar
date of its open claims); the evidence behind them is what is already on record (letters and
their delivery records, payments, the case timeline), read again on every refresh. Stored here:
the scores of cases under efterbevakning, staff decisions on claims flagged for review, and the
refresh cursor that keeps the daily refresh proportional to what changed.
"""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case, Invoice


class Score(models.Model):
    """One (re)scoring of a case under efterbevakning: 0 (no ability to pay) … 100 (good).

    Append-only; ``key`` (``score:<case id>:<date>``) makes a rerun of the same day a no-op.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="scores", db_index=False)
    scored_on = models.DateField()
    value = models.IntegerField()
    reasons = models.JSONField(default=list)
    scorer = models.CharField(max_length=100)
    facts = models.JSONField(default=dict)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["scored_on", "id"]
        indexes = [models.Index(fields=["case", "scored_on"])]


class ReviewDecision(models.TextChoices):
    TIME_BARRED = "time_barred", "Preskriberad"
    NOT_TIME_BARRED = "not_time_barred", "Inte preskriberad"


class LimitationReview(models.Model):
    """A person's decision on a claim the tracker could not decide alone (unclear evidence or a
    guessed claim type). ``not_time_barred`` lets the refresh count the unclear evidence (and the
    longer period) for this claim; ``time_barred`` writes it off."""

    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="+")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="+", db_index=False)
    decision = models.CharField(max_length=20, choices=ReviewDecision.choices)
    decided_on = models.DateField()
    reason = models.CharField(max_length=500)
    actor = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["decided_on", "id"]
        indexes = [models.Index(fields=["case", "decided_on"])]


class RefreshCursor(models.Model):
    """How far the daily limitation refresh has read each table (highest id seen), and the
    creditors' limitation rules it last applied: the next refresh reads only what is newer."""

    name = models.CharField(max_length=40, unique=True)
    invoice_id = models.BigIntegerField(default=0)
    event_id = models.BigIntegerField(default=0)
    allocation_id = models.BigIntegerField(default=0)
    delivery_id = models.BigIntegerField(default=0)
    review_id = models.BigIntegerField(default=0)
    rules = models.JSONField(default=dict)
    refreshed_on = models.DateField(null=True)
