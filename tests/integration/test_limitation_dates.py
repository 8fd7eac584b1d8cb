"""Limitation evidence is dated by the letter and its channel, never by the wall clock.

Issue 10, item 3 (DOMAIN.md §6, preskriptionslagen 5 §): letters dated 2026-01-15…03-09 by
`fordra run --date` were recorded as interruptions "sent 2026-12-04" — the day the command ran —
so a consumer claim's limitation moved from early 2029 to 2029-12-08. Every interruption is dated
from the letter's own date plus its channel's presumed delivery: post 2 bank days
(docs/stages.md), a digital channel (e-mail, digital mailbox) the day its delivery record says —
and a catch-up run gives the same dates as a run on the day.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from django.db import transaction

from fordra.claims.intake import claims_import
from fordra.claims.models import Case
from fordra.collection.run import daily_run
from fordra.letters.models import Delivery
from fordra.surveillance.daily import limitation_refresh
from fordra.surveillance.selectors import limitation_json
from tests.conftest import CREDITOR_ORGNR, PNR_A, PNR_B

pytestmark = pytest.mark.django_db

FIRST, LAST = date(2026, 1, 15), date(2026, 3, 9)
LATER = datetime(2026, 12, 4, 16, 15, tzinfo=UTC)  # the day the catch-up command ran
HEADER_EMAIL = (
    "creditor_orgnr;invoice_number;invoice_date;due_date;amount;debtor_id;debtor_name;"
    "address;postal_code;city;email"
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def hand_over() -> None:
    """Two consumer invoices of 2026-01-02, due Thursday 2026-01-08: Tolvan gets paper only,
    Lisa has an e-mail address (the reminder goes by e-mail, the demands by post)."""
    lines = [
        f"{CREDITOR_ORGNR};K-1;2026-01-02;2026-01-08;1 000,00;{PNR_A};Tolvan Tolvansson;"
        "Storgatan 1;111 22;Stockholm;",
        f"{CREDITOR_ORGNR};K-2;2026-01-02;2026-01-08;2 000,00;{PNR_B};Lisa Lisasson;"
        "Storgatan 2;111 22;Stockholm;lisa@example.se",
    ]
    now = datetime(2026, 1, 9, 7, 0, tzinfo=UTC)
    result = claims_import(
        data=("\n".join([HEADER_EMAIL, *lines]) + "\n").encode("utf-8"),
        filename="claims.csv", today=date(2026, 1, 9), now=now,
    )
    assert result.invoices == 2
    limitation_refresh(today=date(2026, 1, 9), now=now, case_ids=Case.objects.values_list("id", flat=True))


def run_days(*, now_for: Any) -> None:
    day = FIRST
    while day <= LAST:
        daily_run(run_date=day, now=now_for(day))
        day += timedelta(days=1)


def limitation_dates() -> dict[str, Any]:
    """Per invoice: the case's limitation date, the claim's bar and every interruption."""
    out = {}
    for case in Case.objects.order_by("id"):
        claim = limitation_json(case, as_of=LAST)["claims"][0]
        out[claim["invoice_number"]] = {
            "case": case.limitation_date,
            "claim": claim["time_barred_on"],
            "interruptions": [(i["on"], i["effective"], i["counted"])
                              for i in claim["interruptions"]],
        }
    return out


class _Rollback(Exception):
    pass


def test_a_catch_up_run_months_later_gives_the_dates_of_a_run_on_each_day(
    creditor, reference_rates
):
    hand_over()
    # The run on each day, its clock at 07:00 that morning …
    try:
        with transaction.atomic():
            run_days(now_for=lambda day: datetime.combine(day, datetime.min.time(), UTC)
                     + timedelta(hours=7))
            on_the_day = limitation_dates()
            raise _Rollback
    except _Rollback:
        pass
    # … and the same days caught up on 2026-12-04.
    run_days(now_for=lambda day: LATER)
    caught_up = limitation_dates()

    assert caught_up == on_the_day
    assert Delivery.objects.filter(sent_on__gt=LAST).count() == 0


def test_posted_letters_count_from_two_bank_days_after_their_date_e_mail_from_its_day(
    creditor, reference_rates
):
    hand_over()
    run_days(now_for=lambda day: LATER)

    dates = limitation_dates()
    # Tolvan, paper only. The reminder on Thursday 2026-01-15 (due + 7 days) is presumed received
    # two bank days later, Monday 01-19. Its pay-by day 01-25 is a Sunday → Monday 01-26; the
    # inkassokrav 10 days later, Thursday 02-05, is received Monday 02-09. Its pay-by day 02-15
    # (Sunday) → 02-16; the påminnelse om inkassokrav 7 days later, Monday 02-23, is received
    # Wednesday 02-25 — three new years from then (6 §): 2029-02-25, not 2029-12-08.
    assert dates["K-1"] == {
        "case": date(2029, 2, 25),
        "claim": "2029-02-25",
        "interruptions": [
            ("2026-01-15", "2026-01-19", True),
            ("2026-02-05", "2026-02-09", True),
            ("2026-02-23", "2026-02-25", True),
        ],
    }
    # Lisa: the reminder went by e-mail on 2026-01-15 and its delivery record says that day;
    # the demands went by post as Tolvan's did.
    assert dates["K-2"]["interruptions"][0] == ("2026-01-15", "2026-01-15", True)
    assert dates["K-2"]["interruptions"][1:] == dates["K-1"]["interruptions"][1:]
    assert dates["K-2"]["case"] == date(2029, 2, 25)
