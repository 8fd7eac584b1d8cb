"""The demo: a synthetic portfolio and a staff login, so `make run` shows something real.

Idempotent: creditors, claims and the staff user are created only when missing, so the run
command can call it on every start. The password comes from FORDRA_DEMO_PASSWORD (default
``fordra-demo``); set it to something else on any machine others can reach.
"""

from __future__ import annotations

import io
import os
from datetime import date, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from fordra.claims.intake import claims_import
from fordra.parties.models import Creditor
from fordra.parties.services import creditor_add
from fordra.synthetic.portfolio import generate_claim_rows, generate_creditors, write_claims_csv

DEMO_USERNAME = "staff"
DEMO_PASSWORD_DEFAULT = "fordra-demo"
DEMO_CREDITORS = 5


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
    creditors = generate_creditors(count=DEMO_CREDITORS, seed=seed)
    for i, c in enumerate(creditors):
        creditor_add(
            name=c.name,
            orgnr=c.orgnr,
            bankgiro=c.bankgiro,
            template=c.template,
            reminder_fee_agreed=i % 2 == 0,
        )
    rows = generate_claim_rows(creditors=creditors, invoices=invoices, seed=seed, today=today)
    buffer = io.StringIO()
    write_claims_csv(rows, buffer)
    imported = claims_import(
        data=buffer.getvalue().encode("utf-8"),
        filename=f"demo-{seed}.csv",
        today=today,
        now=now,
        source="demo",
    )
    result["portfolio"] = imported.as_json()
    return result
