"""Login throttling: growing delays per account and per address, never a hard lockout."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from fordra.web.models import LoginThrottle
from fordra.web.throttle import delay_seconds

PASSWORD = "rätt-lösenord-123"


@pytest.fixture
def staff(db):  # type: ignore[no-untyped-def]
    return get_user_model().objects.create_user("handlaggare", password=PASSWORD, is_staff=True)


def _login(client: Client, password: str, *, username: str = "handlaggare", ip: str = "10.0.0.1"):  # type: ignore[no-untyped-def]
    return client.post(
        "/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def _expire_waits() -> None:
    LoginThrottle.objects.update(blocked_until=timezone.now() - timedelta(seconds=1))


def test_the_delay_grows_after_five_failures_and_is_bounded() -> None:
    assert [delay_seconds(n) for n in range(1, 10)] == [0, 0, 0, 0, 1, 2, 4, 8, 16]
    assert delay_seconds(40) == 900


def test_after_five_wrong_passwords_even_the_right_one_must_wait(staff) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(5):
        assert _login(client, "fel").status_code == 200
    waiting = _login(client, PASSWORD)
    assert waiting.status_code == 429
    assert int(waiting["Retry-After"]) >= 1
    assert "För många misslyckade inloggningar" in waiting.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_wait_ends_and_a_right_password_then_logs_in_and_clears_the_account(staff) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for _ in range(6):
        _login(client, "fel")
    _expire_waits()
    assert _login(client, PASSWORD).status_code == 302
    assert "_auth_user_id" in client.session
    assert not LoginThrottle.objects.filter(key__startswith="user:").exists()


def test_guessing_many_accounts_from_one_address_is_slowed_down(staff) -> None:  # type: ignore[no-untyped-def]
    client = Client()
    for n in range(5):
        _login(client, "fel", username=f"gissning{n}")
    assert _login(client, PASSWORD).status_code == 429
    # From another address the account is not held up by that address's failures.
    assert _login(Client(), PASSWORD, ip="10.0.0.2").status_code == 302


def test_the_table_never_holds_a_typed_username(staff) -> None:  # type: ignore[no-untyped-def]
    _login(Client(), "fel", username="19121212-1212")
    assert not LoginThrottle.objects.filter(key__contains="1212").exists()
