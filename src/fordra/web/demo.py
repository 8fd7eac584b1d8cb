"""The demo: a synthetic portfolio lived through its last five months, and a staff login.

``make run`` calls this on every start; it loads the demo only into an empty database. The
portfolio is imported as of DEMO_HISTORY_DAYS ago and simulated day by day up to today (debtors
pay, pay part, ask for a plan, object or ignore their letters; the daily run sends the letters;
half the creditors let the decision after the demand act by itself and Kronofogden answers), so
the back office shows cases at every stage — plans, Kronofogden, efterbevakning — with real
letters to open. The password comes from
FORDRA_DEMO_PASSWORD (default ``fordra-demo``); set another on any machine others can reach.
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from fordra.parties.models import Creditor
from fordra.settlement.services import settle
from fordra.simulation.run import simulate_days, simulate_portfolio_load

DEMO_USERNAME = "staff"
DEMO_PASSWORD_DEFAULT = "fordra-demo"
DEMO_HISTORY_DAYS = 150
DEMO_SECOND_BATCH_DAYS_AGO = 21


def demo_setup(*, invoices: int, seed: int, today: date, now: datetime) -> dict[str, Any]:
    result: dict[str, Any] = {"username": DEMO_USERNAME}
    User = get_user_model()
    with transaction.atomic():
        user, created = User.objects.get_or_create(
            username=DEMO_USERNAME, defaults={"is_staff": True, "is_superuser": True}
        )
        if created:
            user.set_password(os.environ.get("FORDRA_DEMO_PASSWORD", DEMO_PASSWORD_DEFAULT))
            user.save()
    result["user_created"] = created

    if Creditor.objects.exists():
        result["portfolio"] = "already loaded"
        return result
    # Two hand-overs: the bulk of the portfolio at the start, a fresh batch three weeks ago,
    # so that today there are cases at every stage from open to awaiting a decision.
    start = today - timedelta(days=DEMO_HISTORY_DAYS)
    second = today - timedelta(days=DEMO_SECOND_BATCH_DAYS_AGO)
    cases = simulate_portfolio_load(invoices=invoices, seed=seed, start=start, now=now, creditors=5)
    days = simulate_days(
        seed=seed, start=start, days=(second - start).days, now=now, render_letters=True
    )
    cases += simulate_portfolio_load(
        invoices=invoices // 3, seed=seed, start=second, now=now, creditors=5,
        claims_seed=seed + 1,
    )
    days += simulate_days(
        seed=seed, start=second, days=(today - second).days + 1, now=now, render_letters=True
    )
    # Remit what the simulated debtors paid, so the klientmedel page has remittances to show.
    remitted = settle(day=today, now=now)
    result["remittances"] = len(remitted.remittances)
    result["portfolio"] = {
        "cases": cases,
        "days_simulated": len(days),
        "letters": sum(d.letters for d in days),
        "states": days[-1].states,
    }
    return result
