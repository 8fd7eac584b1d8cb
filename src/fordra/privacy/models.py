"""Who looked at or exported a person's data, and which persons were pseudonymised (GDPR)."""

from __future__ import annotations

from django.db import models

from fordra.parties.models import Debtor


class AccessAction(models.TextChoices):
    VIEWED = "viewed", "Visade"
    EXPORTED = "exported", "Registerutdrag"
    PSEUDONYMISED = "pseudonymised", "Pseudonymiserad"


class PersonDataAccess(models.Model):
    """One look at, or export of, a person's data: append-only (dataskyddsförordningen art. 5.2,
    accountability; who handled whose data)."""

    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=20, choices=AccessAction.choices)
    actor = models.CharField(max_length=150)
    where = models.CharField(max_length=200, blank=True, default="")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["debtor", "at"])]


class Pseudonymisation(models.Model):
    """A person whose data was pseudonymised after the retention period: done once."""

    debtor = models.OneToOneField(Debtor, on_delete=models.PROTECT, related_name="+")
    on = models.DateField()
    at = models.DateTimeField()
