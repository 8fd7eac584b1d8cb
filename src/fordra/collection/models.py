"""What the daily run did: steps taken per case, staff tasks, and the runs themselves."""

from __future__ import annotations

from django.db import models

from fordra.claims.models import Case


class CaseStep(models.Model):
    """A ladder step taken on a case. (case, step) is unique: each step is done once."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="steps", db_index=False)
    step = models.CharField(max_length=60)
    kind = models.CharField(max_length=24)
    done_on = models.DateField()
    pay_by = models.DateField(null=True, blank=True)
    template = models.CharField(max_length=32)
    ladder_version = models.CharField(max_length=80)
    rule = models.CharField(max_length=120)
    reason = models.CharField(max_length=200)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["done_on", "id"]
        constraints = [models.UniqueConstraint(fields=["case", "step"], name="step_once_per_case")]


class DailyRun(models.Model):
    """One `fordra run --date D`. Re-running a date resumes it; finished runs re-run as no-ops."""

    date = models.DateField(unique=True)
    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    counts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-date"]


class RunLock(models.Model):
    """The one daily run in progress, whatever its date (issue 11): a row, not a session lock,
    so that it holds across processes and machines and outlives nothing but its run.

    ``holder`` is ``host:pid``; ``heartbeat_at`` moves while the run works. A row whose holder
    is a dead process on this host, or whose heartbeat stopped on another host, is stale and
    may be taken over (a run killed with -9 leaves its row behind).
    """

    name = models.CharField(max_length=40, unique=True)
    run_id = models.CharField(max_length=40)
    run_date = models.DateField()
    holder = models.CharField(max_length=200)
    acquired_at = models.DateTimeField()
    heartbeat_at = models.DateTimeField()
