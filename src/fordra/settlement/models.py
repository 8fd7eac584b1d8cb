"""Remittances (redovisningar): what each creditor was paid, and why, per case."""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case
from fordra.parties.models import Creditor


class Remittance(models.Model):
    """One remittance to one creditor on one date. ``key`` = ``remittance:<creditor>:<date>``."""

    creditor = models.ForeignKey(Creditor, on_delete=models.PROTECT, related_name="remittances")
    date = models.DateField()
    pricing_model = models.CharField(max_length=24)
    collected_ore = models.BigIntegerField()
    owed_to_creditor_ore = models.BigIntegerField()
    commission_ore = models.BigIntegerField()
    charges_ore = models.BigIntegerField()
    vat_ore = models.BigIntegerField()
    payout_ore = models.BigIntegerField()
    shortfall_ore = models.BigIntegerField()
    statement_pdf = models.CharField(max_length=400, blank=True, default="")
    statement_csv = models.CharField(max_length=400, blank=True, default="")
    payout_file = models.CharField(max_length=400, blank=True, default="")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "creditor_id"]


class RemittanceLine(models.Model):
    remittance = models.ForeignKey(Remittance, on_delete=models.PROTECT, related_name="lines")
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="remittance_lines")
    capital_ore = models.BigIntegerField()
    interest_ore = models.BigIntegerField()
    fees_ore = models.BigIntegerField()
    agency_share_ore = models.BigIntegerField()
    creditor_share_ore = models.BigIntegerField()

    class Meta:
        ordering = ["remittance_id", "case_id"]
