"""Cases (ärenden), invoices (fakturor), the case timeline and import batches."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

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
    # db_default on every column intake's raw executemany leaves out.
    close_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    # Guards the daily run checks before every action (DESIGN.md §2).
    paused_until = models.DateField(null=True, blank=True)
    pause_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
    dispute_reason = models.CharField(max_length=1000, blank=True, default="", db_default="")
    awaiting_decision = models.BooleanField(default=False, db_default=False)
    # Limitation (preskription, preskriptionslagen (1981:130)): the day the case's first open
    # claim becomes time-barred, refreshed by the daily run from the interruptions on record;
    # ``limitation_review`` flags a claim whose evidence is unclear for a person to decide.
    limitation_date = models.DateField(null=True, blank=True, db_index=True)
    limitation_review = models.BooleanField(default=False, db_default=False)
    # How a dispute (bestridande) was decided: "" (open), withdrawn, corrected, court.
    dispute_outcome = models.CharField(max_length=20, blank=True, default="", db_default="")
    # A debtor abroad handed to a partner agency: no letters from Fordra while set.
    foreign_partner = models.CharField(max_length=200, blank=True, default="", db_default="")
    # When the daily run should look at the case again (re-evaluation scheduled, not polled):
    # set from each decision, reset to NULL ("look now") by every change to the case.
    next_check_on = models.DateField(null=True, blank=True, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-number"]
        indexes = [
            models.Index(fields=["creditor", "debtor", "state"]),
            models.Index(fields=["state"]),
            # The few cases awaiting the decision after the demand, found without scanning the
            # portfolio (a partial index: nothing to maintain for the other rows at intake).
            models.Index(
                fields=["id"], name="case_awaiting_decision", condition=Q(awaiting_decision=True)
            ),
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
    # A claim given up (avskriven) from this day: time-barred (preskriberad), withdrawn after a
    # dispute, … — it no longer counts in the balance and is never demanded again.
    written_off_on = models.DateField(null=True, blank=True)
    write_off_reason = models.CharField(max_length=300, blank=True, default="", db_default="")
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
    "step": "Åtgärd",
    "fee_added": "Avgift",
    "letter_created": "Brev skapat",
    "letter_blocked": "Brev stoppat",
    "letter_sent": "Brev skickat",
    "paused": "Pausat",
    "resumed": "Återupptaget",
    "disputed": "Bestritt",
    "awaiting_decision": "Inväntar beslut",
    "returned_to_creditor": "Återlämnat till borgenär",
    "task": "Uppgift",
    "payment": "Betalning",
    "closed_paid": "Betalt",
    "refund": "Återbetalning",
    "dispute_withdrawn": "Bestridande: kravet återkallat",
    "dispute_corrected": "Bestridande: kravet rättat",
    "dispute_court": "Bestridande: till domstol",
    "acknowledgement": "Skulderkännande",
    "kfm_applied": "Ansökan om betalningsföreläggande",
    "judgment": "Utslag",
    "written_off": "Avskrivet",
    "trifle_written_off": "Småbelopp avskrivet",
    "time_barred": "Preskriberat",
    "debtor_marked": "Gäldenärsuppgift",
    "foreign_partner": "Överlämnat till partner utomlands",
    "social_welfare_notified": "Socialnämnden underrättad",
    "plan_proposed": "Avbetalningsplan föreslagen",
    "plan_active": "Avbetalningsplan gäller",
    "plan_broken": "Avbetalningsplan bruten",
    "plan_completed": "Avbetalningsplan fullgjord",
    "plan_cancelled": "Avbetalningsplan upphörd",
    "plan_rejected": "Avbetalningsplan avslagen",
    "kfm_proposal": "Förslag efter inkassokravet",
    "kfm_served": "Delgiven (Kronofogden)",
    "kfm_disputed": "Bestridd hos Kronofogden",
    "kfm_withdrawn": "Ansökan återkallad",
    "kfm_no_assets": "Inga utmätningsbara tillgångar",
    "kfm_enforcement": "Verkställighet",
    "kfm_enforcement_renewed": "Verkställighet förnyad",
    "bankruptcy_warning": "Konkursanmaning",
    "bankruptcy_warning_lapsed": "Konkursanmaningen obesvarad",
    "surveillance_started": "Efterbevakning",
    "letter_void": "Brev ogiltigt",
    "fee_reversed": "Avgift återförd",
    "payment_reallocated": "Betalning omfördelad",
}


class CaseEvent(models.Model):
    """The case timeline: append-only; never updated or deleted."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events", db_index=False)
    date = models.DateField()
    kind = models.CharField(max_length=40)
    detail = models.CharField(max_length=1000)
    actor = models.CharField(max_length=150, default="system", db_default="system")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["case", "date"])]


class FeeRecord(models.Model):
    """A fee added to a claim, ledger-ready: amount, the rule and version that allowed it, dates.

    ``key`` is the idempotency key derived from the cause, so a re-run can never add the same fee
    twice: ``fee:<invoice id>:<kind>`` for a per-claim fee (förseningsersättning);
    ``fee:case:<case id>:<step>:<kind>`` for a letter's one påminnelseavgift or inkassoavgift
    (lag (1981:739) 2 §, 3 § 1: one per letter, DOMAIN.md §2); ``fee:case:<case id>:plan``;
    ``kfm:<case id>:<date>:<kind>`` per application or enforcement. Rows written before the
    per-letter rule keep their ``fee:<invoice id>:<kind>`` keys and stay valid.

    ``invoice`` holds the fee: payments settle it with that claim (costs → interest → capital).
    ``covers`` lists the ids of the invoices a letter's fee was charged for, comma-separated
    (the holder first; it is the oldest); empty means the holder alone (every per-claim fee, and
    every row written before the per-letter rule).
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="fees", db_index=False)
    invoice = models.ForeignKey(Invoice, on_delete=models.PROTECT, related_name="fees")
    kind = models.CharField(max_length=32)
    amount_ore = models.BigIntegerField()
    date = models.DateField()
    rule = models.CharField(max_length=300)
    version = models.CharField(max_length=60)
    explanation = models.CharField(max_length=500)
    step = models.CharField(max_length=60, blank=True, default="")
    key = models.CharField(max_length=120, unique=True)
    covers = models.TextField(blank=True, default="", db_default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["case", "date"])]

    @property
    def covered_invoice_ids(self) -> tuple[int, ...]:
        """The invoices the fee was charged for (``covers``, or else the holder alone)."""
        return covered_invoice_ids(self.covers, holder=self.invoice_id)


def covered_invoice_ids(covers: str, *, holder: int) -> tuple[int, ...]:
    """``FeeRecord.covers`` read: the ids listed, or ``(holder,)`` when it is empty."""
    ids = tuple(int(part) for part in covers.split(",") if part.strip())
    return ids or (holder,)


def covers_text(invoice_ids: tuple[int, ...]) -> str:
    """``FeeRecord.covers`` written: the ids comma-separated."""
    return ",".join(str(i) for i in invoice_ids)


class Task(models.Model):
    """A staff task (uppgift) created by the engine, e.g. a hand-over decision or a blocked letter."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="tasks")
    kind = models.CharField(max_length=40)
    text = models.CharField(max_length=500)
    created_on = models.DateField()
    done_at = models.DateTimeField(null=True, blank=True)
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_on", "id"]
        indexes = [models.Index(fields=["done_at", "created_on"])]


class Allocation(models.Model):
    """A part of a payment settling one component of one invoice (avräkning).

    Written by the payments app; ``key`` (``<payment key>:<invoice id>:<component>``) names the
    cause; idempotency comes from the payment's unique key. Balances are derived from these rows, so they are never
    edited: a correction is a new, negative allocation.
    """

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="allocations")
    # Read per case only: no index of its own to maintain when a bank file writes 200 000 rows.
    invoice = models.ForeignKey(
        Invoice, on_delete=models.PROTECT, related_name="allocations", db_index=False
    )
    component = models.CharField(max_length=12)  # costs | interest | capital
    amount_ore = models.BigIntegerField()
    date = models.DateField()
    payment_ref = models.CharField(max_length=120)
    # Unique through its payment: allocations are written only with a payment that is new in
    # the same transaction (Payment.key is unique), so no second unique index is needed.
    key = models.CharField(max_length=160)
    # The remittance (redovisning) that paid this part to the creditor; "" = not yet settled.
    settled_in = models.CharField(max_length=120, blank=True, default="", db_default="")
    # False when the debtor paid the creditor directly: nothing to remit from klientmedel.
    money_in = models.BooleanField(default=True, db_default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["date", "id"]
        indexes = [models.Index(fields=["settled_in", "date"])]


class NumberSequence(models.Model):
    """Gap-tolerant counters (case numbers). One UPDATE per batch, serialised by the row lock."""

    name = models.CharField(max_length=40, unique=True)
    next_value = models.BigIntegerField()
