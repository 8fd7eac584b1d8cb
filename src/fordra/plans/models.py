"""Installment plans (avbetalningsplaner / amorteringsplaner) and their installments.

A plan covers the whole remaining debt of one case. It is *proposed* when it exceeds the
creditor's rules (staff or the creditor decide), *active* while in force (the case is in state
``plan`` and the ladder stops), and ends *completed* (paid), *broken* (an installment unpaid past
the grace period: the case goes back to ``prior_state`` and the ladder resumes) or *cancelled*
(rejected, or the case left the plan another way: dispute, recall, write-off).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from fordra.claims.models import Case


class PlanState(models.TextChoices):
    PROPOSED = "proposed", "Föreslagen (inväntar godkännande)"
    ACTIVE = "active", "Gäller"
    BROKEN = "broken", "Bruten"
    COMPLETED = "completed", "Slutbetald"
    CANCELLED = "cancelled", "Avbruten"


OPEN_PLAN_STATES = (PlanState.PROPOSED, PlanState.ACTIVE)


class Plan(models.Model):
    """One plan for one case: its terms, who approved it, and how it ended."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="plans")
    state = models.CharField(max_length=12, choices=PlanState.choices)
    installments = models.IntegerField()
    first_due = models.DateField()
    # The plan fee included in the schedule (0 when not allowed); booked when the plan starts.
    fee_ore = models.BigIntegerField(default=0)
    total_ore = models.BigIntegerField(default=0)  # what the schedule asks for in all
    interest_forecast_ore = models.BigIntegerField(default=0)
    # The creditor's grace period when the plan was made: a later rule change does not move it.
    grace_days = models.IntegerField()
    approved = models.BooleanField(default=False)
    approved_by = models.CharField(max_length=150, blank=True, default="")  # "rules" or a person
    created_on = models.DateField()
    created_by = models.CharField(max_length=150)
    decided_on = models.DateField(null=True, blank=True)  # approved (active) or rejected
    ended_on = models.DateField(null=True, blank=True)
    # The case's state before the plan: where the ladder resumes when the plan breaks.
    prior_state = models.CharField(max_length=20)
    # Everything allocated on the case when the plan started: what is paid beyond this counts
    # toward the plan (a payment dated that day but recorded later still counts).
    paid_before_ore = models.BigIntegerField(default=0)
    # Why and how: the Swedish explanation, the reasons it needed approval, the fee decision,
    # the rules applied and the end (all for the case file and staff).
    explanation = models.JSONField(default=dict, blank=True)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_on", "-id"]
        indexes = [models.Index(fields=["state", "case"])]
        constraints = [
            # At most one plan proposed or in force per case.
            models.UniqueConstraint(
                fields=["case"],
                condition=Q(state__in=["proposed", "active"]),
                name="plan_one_open_per_case",
            )
        ]

    def __str__(self) -> str:
        return f"Plan {self.pk} ({self.state})"


class PlanInstallment(models.Model):
    """One installment (delbetalning): due date, amount and its own OCR reference."""

    plan = models.ForeignKey(Plan, on_delete=models.PROTECT, related_name="schedule")
    number = models.IntegerField()  # continues over a case's plans: OCRs never repeat
    due_date = models.DateField()
    amount_ore = models.BigIntegerField()
    capital_ore = models.BigIntegerField()
    interest_ore = models.BigIntegerField()
    costs_ore = models.BigIntegerField()
    ocr = models.CharField("OCR-referens", max_length=25, unique=True)

    class Meta:
        ordering = ["plan", "number"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="plan_installment_number")
        ]

    def __str__(self) -> str:
        return f"{self.number}: {self.due_date} {self.amount_ore}"
