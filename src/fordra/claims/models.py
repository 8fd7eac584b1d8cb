"""Cases (ärenden), invoices (fakturor), the case timeline and import batches."""

from __future__ import annotations

from django.db import models

from fordra.parties.models import Creditor, Debtor


class CaseState(models.TextChoices):
    """DESIGN.md §4.5: the states a case can be in."""

    OPEN = "open", "Öppet"
    REMINDER = "reminder", "Påminnelse"
    DEMAND = "demand", "Inkassokrav"
    PLAN = "plan", "Avbetalningsplan"
    DISPUTED = "disputed", "Bestritt"
    KFM = "kfm", "Kronofogden"
    JUDGMENT = "judgment", "Utslag"
    ENFORCEMENT = "enforcement", "Verkställighet"
    SURVEILLANCE = "surveillance", "Efterbevakning"
    CLOSED_PAID = "closed_paid", "Avslutat – betalt"
    CLOSED_RECALLED = "closed_recalled", "Avslutat – återkallat"
    CLOSED_WRITTEN_OFF = "closed_written_off", "Avslutat – avskrivet"
    CLOSED_TIME_BARRED = "closed_time_barred", "Avslutat – preskriberat"


# A debtor's new invoice joins the creditor's open case while the case is still before the
# Kronofogden stage and no agreement or objection is tied to its exact debt: a plan covers a fixed
# amount and a dispute concerns specific invoices, so those get a new case instead.
MERGEABLE_STATES = (CaseState.OPEN, CaseState.REMINDER, CaseState.DEMAND)
CLOSED_STATES = (
    CaseState.CLOSED_PAID,
    CaseState.CLOSED_RECALLED,
    CaseState.CLOSED_WRITTEN_OFF,
    CaseState.CLOSED_TIME_BARRED,
)


CASE_REF_PREFIX = "FD-"


class Case(models.Model):
    """One creditor + one debtor, one or more invoices (ärende)."""

    number = models.BigIntegerField(unique=True)
    ocr = models.CharField("OCR-referens", max_length=25, unique=True)
    # db_index=False where a composite index already starts with the column: fewer indexes to
    # maintain on bulk intake.
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="cases", db_index=False
    )
    debtor = models.ForeignKey(Debtor, on_delete=models.PROTECT, related_name="cases")
    state = models.CharField(max_length=20, choices=CaseState.choices, default=CaseState.OPEN)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["creditor", "debtor", "state"]),
            models.Index(fields=["state"]),
        ]

    def __str__(self) -> str:
        return self.ref

    @property
    def ref(self) -> str:
        """The case reference people quote: ``FD-<case number>`` (derived, never stored)."""
        return f"{CASE_REF_PREFIX}{self.number}"


class InvoiceKind(models.TextChoices):
    INVOICE = "invoice", "Faktura"
    CREDIT_NOTE = "credit_note", "Kreditnota"


class ImportBatch(models.Model):
    """One imported claims file: the content hash makes a re-import a reported no-op."""

    sha256 = models.CharField(max_length=64, unique=True)
    filename = models.CharField(max_length=255)
    source = models.CharField(max_length=16, default="cli")
    business_date = models.DateField()
    invoices = models.IntegerField(default=0)
    duplicates = models.IntegerField(default=0)
    cases_created = models.IntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)


class Invoice(models.Model):
    """An invoice or credit note handed over by the creditor. Amounts in öre; credit notes < 0."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="invoices")
    creditor = models.ForeignKey(
        Creditor, on_delete=models.PROTECT, related_name="invoices", db_index=False
    )
    invoice_number = models.CharField(max_length=100)
    kind = models.CharField(max_length=12, choices=InvoiceKind.choices, default=InvoiceKind.INVOICE)
    invoice_date = models.DateField()
    due_date = models.DateField()
    amount_ore = models.BigIntegerField()
    currency = models.CharField(max_length=3, default="SEK")
    description = models.CharField(max_length=1000, blank=True, default="")
    reminder_fee_agreed = models.BooleanField(null=True)
    interest_rate = models.DecimalField(max_digits=7, decimal_places=4, null=True)
    limitation_interrupted_on = models.DateField(null=True)
    batch = models.ForeignKey(ImportBatch, on_delete=models.PROTECT, null=True, db_index=False)
    line = models.IntegerField(null=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]
        # The unique constraint's index serves every lookup by invoice number (intake checks
        # per creditor); no separate invoice_number index to maintain on bulk intake.
        constraints = [
            models.UniqueConstraint(
                fields=["creditor", "invoice_number"], name="invoice_unique_per_creditor"
            )
        ]

    def __str__(self) -> str:
        return self.invoice_number


# Event kinds on the case timeline and how people read them (Swedish UI).
EVENT_LABELS = {
    "case_opened": "Ärende öppnat",
    "invoices_added": "Fakturor tillagda",
}


class CaseEvent(models.Model):
    """The case timeline: append-only; never updated or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    date = models.DateField()
    kind = models.CharField(max_length=40)
    detail = models.CharField(max_length=1000)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["case", "date"])]


class NumberSequence(models.Model):
    """Gap-tolerant counters (case numbers). One UPDATE per batch, serialised by the row lock."""

    name = models.CharField(max_length=40, unique=True)
    next_value = models.BigIntegerField()
