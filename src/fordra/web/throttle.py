"""Login throttling: growing delays per account and per address, never a hard lockout.

After ``LOGIN_FAILURES_FREE`` failed logins for an account or from an address, each further
failure makes that key wait before the next try: 1 s, 2 s, 4 s, … up to
``LOGIN_DELAY_SECONDS_MAX``. A right password during the wait is not even checked, so guessing
costs time whichever way it is spread; but nobody who merely knows a username can lock its owner
out for long: the wait is bounded, and a successful login clears the account's count. An
address's count is forgotten a day after its last failure.

django-axes was considered: it locks out for a fixed cool-off once a limit is passed, which is
the hard lockout the issue rules out. The counts live in the database so that every server
process sees them.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest

from fordra.web.models import LoginThrottle

FORGET_AFTER = timedelta(days=1)


def delay_seconds(failures: int) -> int:
    """How long a key waits after its ``failures``-th failure (0 while still free)."""
    free = settings.LOGIN_FAILURES_FREE
    if failures < free:
        return 0
    return int(min(2 ** min(failures - free, 30), settings.LOGIN_DELAY_SECONDS_MAX))


def client_address(request: HttpRequest) -> str:
    """The client's address: behind the proxy (FORDRA_BEHIND_PROXY) the hop it appended."""
    if getattr(settings, "SECURE_PROXY_SSL_HEADER", None):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip()[:100]
    return str(request.META.get("REMOTE_ADDR", ""))[:100]


def throttle_keys(*, username: str, address: str) -> list[str]:
    # Hashed: the table never holds what people typed into the username field.
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:32]
    return [f"user:{digest}", f"ip:{address}"]


def throttle_wait(*, keys: list[str], now: datetime) -> int:
    """Seconds before the next try is looked at (0: go ahead)."""
    waits = [
        int((t.blocked_until - now).total_seconds()) + 1
        for t in LoginThrottle.objects.filter(key__in=keys, blocked_until__gt=now)
        if t.blocked_until is not None
    ]
    return max(waits, default=0)


def throttle_failure(*, keys: list[str], now: datetime) -> None:
    """Count a failed login against each key and set its wait."""
    with transaction.atomic():
        for key in keys:
            row, _ = LoginThrottle.objects.select_for_update().get_or_create(key=key)
            if row.last_failure_at is not None and now - row.last_failure_at > FORGET_AFTER:
                row.failures = 0
            row.failures += 1
            row.last_failure_at = now
            wait = delay_seconds(row.failures)
            row.blocked_until = now + timedelta(seconds=wait) if wait else None
            row.save()


def throttle_success(*, keys: list[str]) -> None:
    """A right password: the account's count starts again (the address keeps its own)."""
    LoginThrottle.objects.filter(key__in=[k for k in keys if k.startswith("user:")]).delete()
