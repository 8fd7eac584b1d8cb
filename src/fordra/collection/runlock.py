"""One daily run at a time, whatever its date (issue 11; DESIGN.md §2 "Idempotent runs").

Two ``fordra run`` started together used to send every letter twice. :func:`run_lock` holds the
``RunLock`` row for the duration of a run; a second run meanwhile is refused with a clear message
(exit 1 at the command line) instead of waiting silently. The row is not tied to a database
session, so it holds across processes and machines (the sharded run of issue 15 keeps it while
workers come and go); a run killed with -9 leaves it behind, and the next run takes it over when
its holder is a dead process on this host or its heartbeat stopped more than
``FORDRA_RUN_LOCK_STALE_SECONDS`` ago on another.

Wall-clock time here is infrastructure (who holds the lock, since when), never a business date.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from fordra.collection.models import RunLock
from fordra.core.errors import ApplicationError

DAILY_RUN = "daily_run"
HEARTBEAT_EVERY = timedelta(seconds=5)


class RunLocked(ApplicationError):
    def __init__(self, message: str) -> None:
        super().__init__(message, code="run_in_progress")


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def _stale(lock: RunLock) -> bool:
    host, _, pid = lock.holder.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return True  # its process is gone: killed, or crashed
        except PermissionError:
            return False  # alive, another user's
        return False
    stale_after = timedelta(seconds=settings.RUN_LOCK_STALE_SECONDS)
    return timezone.now() - lock.heartbeat_at > stale_after


def run_lock_acquire(*, run_date: date) -> str:
    """Take the run lock for ``run_date`` and return the run's id, or raise RunLocked."""
    run_id, now = uuid.uuid4().hex, timezone.now()
    for _ in range(2):  # the second pass follows a lost race to create the row
        try:
            with transaction.atomic():
                lock = RunLock.objects.select_for_update().filter(name=DAILY_RUN).first()
                if lock is None:
                    RunLock.objects.create(
                        name=DAILY_RUN, run_id=run_id, run_date=run_date, holder=_holder(),
                        acquired_at=now, heartbeat_at=now,
                    )
                    return run_id
                if not _stale(lock):
                    raise RunLocked(
                        f"another daily run (for {lock.run_date.isoformat()}, started "
                        f"{timezone.localtime(lock.acquired_at):%Y-%m-%d %H:%M:%S} by "
                        f"{lock.holder}) is in progress: try again when it has finished"
                    )
                RunLock.objects.filter(pk=lock.pk, run_id=lock.run_id).update(
                    run_id=run_id, run_date=run_date, holder=_holder(), acquired_at=now,
                    heartbeat_at=now,
                )
                return run_id
        except IntegrityError:
            continue
    raise RunLocked("another daily run started at the same moment: try again")


def run_lock_heartbeat(*, run_id: str) -> None:
    RunLock.objects.filter(name=DAILY_RUN, run_id=run_id).update(heartbeat_at=timezone.now())


def run_lock_release(*, run_id: str) -> None:
    RunLock.objects.filter(name=DAILY_RUN, run_id=run_id).delete()


@contextmanager
def run_lock(*, run_date: date) -> Iterator[str]:
    """Hold the run lock for the block (released however the block ends)."""
    run_id = run_lock_acquire(run_date=run_date)
    try:
        yield run_id
    finally:
        run_lock_release(run_id=run_id)
