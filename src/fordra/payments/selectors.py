"""Reads for staff: the unmatched queue and the tasks on payment files."""

from __future__ import annotations

from django.db.models import QuerySet

from fordra.payments.models import FileTask, Payment, PaymentStatus

QUEUE_ROWS_MAX = 500  # the web page; the CLI lists everything


def unmatched_queue(*, limit: int | None = None) -> QuerySet[Payment]:
    """Payments waiting for staff: unmatched ones and deductions, oldest first."""
    queue = Payment.objects.filter(
        status__in=[PaymentStatus.UNMATCHED, PaymentStatus.DEDUCTION]
    ).order_by("paid_on", "id")
    return queue if limit is None else queue[:limit]


def file_tasks_open() -> QuerySet[FileTask]:
    """Staff tasks on payment files not done yet (e.g. a record of unknown type)."""
    return FileTask.objects.filter(done_at__isnull=True).select_related("file").order_by(
        "created_on", "id"
    )
