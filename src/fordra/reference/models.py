"""Reference data kept in the database: the Riksbank reference rate (referensränta).

Loaded from ``fordra/rules/reference_rates.toml`` by ``fordra migrate``; an operator adds each new
half-year's rate (``fordra rate add`` or the admin), since the rule file can lag behind.
"""

from __future__ import annotations

from django.db import models


class ReferenceRate(models.Model):
    valid_from = models.DateField(unique=True)
    percent = models.DecimalField(max_digits=6, decimal_places=3)
    source = models.CharField(max_length=300)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["valid_from"]
        verbose_name = "referensränta"
        verbose_name_plural = "referensräntor"

    def __str__(self) -> str:
        return f"{self.valid_from}: {self.percent} %"
