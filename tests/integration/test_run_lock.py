"""The run lock: one daily run at a time, whatever its date, in date order."""

from __future__ import annotations

import socket
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from fordra.collection.models import RunLock
from fordra.collection.run import daily_run
from fordra.collection.runlock import DAILY_RUN, RunLocked, run_lock, run_lock_acquire
from fordra.core.errors import ApplicationError

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)


def _held_by(holder: str, *, beat: datetime | None = None) -> None:
    at = beat or timezone.now()
    RunLock.objects.create(name=DAILY_RUN, run_id="other", run_date=date(2026, 11, 20),
                           holder=holder, acquired_at=at, heartbeat_at=at)


def test_a_second_run_while_one_holds_the_lock_is_refused_with_who_holds_it() -> None:
    with run_lock(run_date=date(2026, 11, 23)), pytest.raises(RunLocked) as refused:
        run_lock_acquire(run_date=date(2026, 11, 24))
    assert "another daily run (for 2026-11-23" in refused.value.message
    assert RunLock.objects.count() == 0  # released when the first run ended


def test_a_lock_left_by_a_dead_process_on_this_host_is_taken_over() -> None:
    _held_by(f"{socket.gethostname()}:999999999")
    run_id = run_lock_acquire(run_date=date(2026, 11, 23))
    assert RunLock.objects.get().run_id == run_id


def test_another_hosts_lock_is_respected_until_its_heartbeat_has_stopped(settings) -> None:  # type: ignore[no-untyped-def]
    settings.RUN_LOCK_STALE_SECONDS = 600
    _held_by("worker-7:1234")
    with pytest.raises(RunLocked):
        run_lock_acquire(run_date=date(2026, 11, 23))
    RunLock.objects.update(heartbeat_at=timezone.now() - timedelta(seconds=601))
    assert run_lock_acquire(run_date=date(2026, 11, 23))


def test_a_daily_run_while_another_holds_the_lock_writes_nothing(creditor, reference_rates) -> None:  # type: ignore[no-untyped-def]
    from fordra.collection.models import DailyRun

    _held_by("worker-7:1234")
    with pytest.raises(RunLocked):
        daily_run(run_date=date(2026, 11, 23), now=NOW)
    assert not DailyRun.objects.exists()


def test_runs_go_in_date_order(creditor, reference_rates) -> None:  # type: ignore[no-untyped-def]
    daily_run(run_date=date(2026, 11, 24), now=NOW)
    daily_run(run_date=date(2026, 11, 24), now=NOW)  # a re-run of the same day is fine
    with pytest.raises(ApplicationError) as refused:
        daily_run(run_date=date(2026, 11, 23), now=NOW)
    assert "runs go in date order" in refused.value.message
    assert RunLock.objects.count() == 0
