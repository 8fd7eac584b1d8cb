"""Web-side records: login throttling (fordra.web.throttle)."""

from __future__ import annotations

from django.db import models


class LoginThrottle(models.Model):
    """Failed logins per account (``user:<name>``) or per client address (``ip:<addr>``)."""

    key = models.CharField(max_length=200, unique=True)
    failures = models.IntegerField(default=0)
    blocked_until = models.DateTimeField(null=True, blank=True)
    last_failure_at = models.DateTimeField(null=True, blank=True)
