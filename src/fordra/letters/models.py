"""Letters (brev) and their deliveries per channel (the outbox)."""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case


class LetterStatus(models.TextChoices):
    PENDING = "pending", "Väntar på rendering"
    BLOCKED = "blocked", "Stoppat av kontrollen"
    RENDERED = "rendered", "Klart att skicka"
    HANDED_OVER = "handed_over", "Lämnat till kanal"
    SENT = "sent", "Skickat"
    FAILED = "failed", "Misslyckat"
    CANCELLED = "cancelled", "Makulerat"
    # Sent, then found void: an action with an earlier effective date (a dispute received
    # before it, a payment that had already paid the case) means it should never have gone out
    # (DESIGN.md §4.2). The letter stays on record; its fee is reversed.
    VOID = "void", "Ogiltigt"


class Letter(models.Model):
    """One letter to a debtor about one case. ``key`` makes each (case, step) letter unique."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="letters", db_index=False)
    kind = models.CharField(max_length=32)
    text = models.CharField(max_length=60)
    step = models.CharField(max_length=60)
    letter_date = models.DateField()
    pay_by = models.DateField(null=True, blank=True)
    channels = models.JSONField(default=list)
    channel = models.CharField(max_length=32, blank=True, default="")
    batch = models.CharField(max_length=200, blank=True, default="")
    status = models.CharField(
        max_length=16, choices=LetterStatus.choices, default=LetterStatus.PENDING
    )
    total_ore = models.BigIntegerField(null=True, blank=True)
    content = models.JSONField(default=dict, blank=True)
    # What the creator of the letter adds beyond the case itself (e.g. a plan's schedule, a
    # Kronofogden decision); read by ``letter_content``. NULL for ladder letters.
    extra = models.JSONField(null=True, blank=True)
    problems = models.JSONField(default=list, blank=True)
    pdf_path = models.CharField(max_length=400, blank=True, default="")
    key = models.CharField(max_length=120, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    rendered_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["letter_date", "id"]
        indexes = [
            models.Index(fields=["case", "letter_date"]),
            models.Index(fields=["status", "letter_date"]),
        ]


class Delivery(models.Model):
    """What a channel said about a letter it was given (sent, failed, skipped)."""

    letter = models.ForeignKey(Letter, on_delete=models.PROTECT, related_name="deliveries")
    channel = models.CharField(max_length=32)
    status = models.CharField(max_length=16)
    detail = models.CharField(max_length=500, blank=True, default="")
    external_id = models.CharField(max_length=200, blank=True, default="")
    # The business day the channel took the letter: the run's date (``letters_dispatch(day=…)``),
    # never the wall clock, so a catch-up run records what a run on the day would have. The
    # limitation evidence (preskriptionslagen 5 §) is dated from it (DOMAIN.md §6). NULL on
    # rows recorded before the field: read as the letter's own date.
    sent_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)  # audit only

    class Meta:
        ordering = ["created_at", "id"]
        # A letter goes through a channel once: two runs can never both deliver it.
        constraints = [
            models.UniqueConstraint(fields=["letter", "channel"], name="delivery_once_per_channel")
        ]
