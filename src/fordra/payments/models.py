"""Payments received (inbetalningar), however they arrived."""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case


class PaymentSource(models.TextChoices):
    DIRECT = "direct", "Direktbetalning till borgenären"
    MANUAL = "manual", "Manuellt registrerad"
    SIMULATION = "simulation", "Simulering"


class Payment(models.Model):
    """One payment. ``key`` is its idempotency key (derived from the cause), unique."""

    source = models.CharField(max_length=16, choices=PaymentSource.choices)
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, related_name="payments")
    amount_ore = models.BigIntegerField()
    paid_on = models.DateField()
    reference = models.CharField(max_length=140, blank=True, default="")
    allocated_ore = models.BigIntegerField(default=0)
    overpaid_ore = models.BigIntegerField(default=0)
    key = models.CharField(max_length=120, unique=True)
    actor = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["paid_on", "id"]
