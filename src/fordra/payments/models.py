"""Payments received (inbetalningar), however they arrived, and the files they came in."""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case


class PaymentSource(models.TextChoices):
    BGMAX = "bgmax", "Bankgiro (BgMax)"
    CAMT054 = "camt054", "Bankavisering (camt.054)"
    DIRECT = "direct", "Direktbetalning till borgenären"
    MANUAL = "manual", "Manuellt registrerad"
    SIMULATION = "simulation", "Simulering"


# Sources whose money reaches the agency's klientmedel account (a direct payment went to the
# creditor: it settles the claim but no money moves through the agency).
MONEY_IN_SOURCES = ("bgmax", "camt054", "simulation", "manual")


class PaymentStatus(models.TextChoices):
    MATCHED = "matched", "Matchad"
    UNMATCHED = "unmatched", "Ej matchad"
    DEDUCTION = "deduction", "Avdrag (negativ betalning)"
    REFUNDED = "refunded", "Återbetald"


class PaymentFile(models.Model):
    """An imported payment file; its content hash makes a re-import a reported no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    format = models.CharField(max_length=16)
    payments = models.IntegerField(default=0)
    matched = models.IntegerField(default=0)
    unmatched = models.IntegerField(default=0)
    amount_ore = models.BigIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class Payment(models.Model):
    """One payment. ``key`` is its idempotency key (bank serial / reference), unique."""

    source = models.CharField(max_length=16, choices=PaymentSource.choices)
    status = models.CharField(
        max_length=12, choices=PaymentStatus.choices, default=PaymentStatus.MATCHED
    )
    case = models.ForeignKey(Case, on_delete=models.PROTECT, null=True, related_name="payments")
    file = models.ForeignKey(PaymentFile, on_delete=models.PROTECT, null=True, db_index=False)
    amount_ore = models.BigIntegerField()
    paid_on = models.DateField()
    reference = models.CharField(max_length=140, blank=True, default="")
    payer_name = models.CharField(max_length=140, blank=True, default="")
    suggestions = models.JSONField(default=list, blank=True)
    # The payment's currency as the bank reported it. Only SEK is booked; another currency is
    # held in the queue for staff, outside the (SEK) ledger, its amount in that currency's
    # minor unit.
    currency = models.CharField(max_length=3, default="SEK", db_default="SEK")
    allocated_ore = models.BigIntegerField(default=0)
    overpaid_ore = models.BigIntegerField(default=0)
    refunded_ore = models.BigIntegerField(default=0, db_default=0)
    refunded_on = models.DateField(null=True, blank=True)
    key = models.CharField(max_length=120, unique=True)
    actor = models.CharField(max_length=150, default="system")
    created_at = models.DateTimeField(auto_now_add=True)
    # Why the payment waits for staff, in Swedish, whatever the file format: unmatched, a
    # deduction, a credit in another currency, a booking date after the file's own creation
    # date …; "" for a plain unmatched reference. Each part of a split payment has its own.
    reason = models.CharField(max_length=500, blank=True, default="", db_default="")
    # Problems noted in the file that did not stop the payment (a malformed payer bankgiro, a
    # record with TAB characters): information for staff, never a key.
    warnings = models.JSONField(default=list, blank=True, db_default=[])

    class Meta:
        ordering = ["paid_on", "id"]
        indexes = [models.Index(fields=["status", "paid_on"])]


class FileTask(models.Model):
    """A staff task about a payment file rather than a case (claims' Task needs a case): e.g. a
    record of unknown type that was read past. Shown in the unmatched queue until done."""

    file = models.ForeignKey(PaymentFile, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=40)
    line = models.IntegerField()
    text = models.CharField(max_length=500)
    created_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_on", "id"]
