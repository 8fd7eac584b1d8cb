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


# --- the case date follows its claims after every event -----------------------------------

NOW_2026 = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


def consumer_case_handed_over_to_staff() -> Case:
    """Invoice 2026-05-13 (three years: 2029-05-13), due 2026-06-12; the consumer ladder runs
    to the hand-over. Its last letter, the påminnelse om inkassokrav of Thursday 2026-07-30, is
    presumed received Monday 2026-08-03: the claim's bar is 2029-08-03."""
    from tests.conftest import claim_line, claims_csv

    claims_import(
        data=claims_csv(claim_line("K-1", invoice_date="2026-05-13", due_date="2026-06-12")),
        filename="claims.csv", today=date(2026, 6, 1), now=NOW_2026,
    )
    day = date(2026, 6, 12)
    while day <= date(2026, 8, 12):
        daily_run(run_date=day, now=LATER)
        day += timedelta(days=1)
    case = Case.objects.get()
    assert case.limitation_date == date(2029, 8, 3)
    return case


def claim_bar(case: Case, *, as_of: date) -> str:
    return limitation_json(case, as_of=as_of)["claims"][0]["time_barred_on"]


def test_after_an_utslag_the_case_date_is_three_years_from_the_utslag_at_once(
    creditor, reference_rates
):
    from fordra.kfm.application import kfm_apply
    from fordra.kfm.outcomes import kfm_record

    case = consumer_case_handed_over_to_staff()

    # The application for a betalningsföreläggande on Thursday 2026-08-20 is legal action
    # (5 § 3): 2029-08-20. The utslag of Thursday 2026-10-15 starts a new period of three years
    # for a consumer claim (7 §, DOMAIN.md §6): 2029-10-15. No daily run in between.
    kfm_apply(case=case, day=date(2026, 8, 20), now=LATER, actor="handläggare")
    case.refresh_from_db()
    assert case.limitation_date == date(2029, 8, 20)
    assert claim_bar(case, as_of=date(2026, 8, 20)) == "2029-08-20"

    result = kfm_record(case=case, outcome="judgment", day=date(2026, 10, 15), now=LATER,
                        actor="handläggare")

    assert result.case.state == "judgment"
    assert claim_bar(result.case, as_of=date(2026, 10, 15)) == "2029-10-15"
    assert result.case.limitation_date == date(2029, 10, 15)


def test_a_direct_payment_moves_the_case_date_at_once(creditor, reference_rates):
    from fordra.payments.actions import payment_apply

    case = consumer_case_handed_over_to_staff()

    # A part payment reaching the creditor on Monday 2026-09-07 acknowledges the debt (5 § 1).
    payment_apply(case=case, amount_ore=10_000, paid_on=date(2026, 9, 7), source="direct",
                  key="direct:k1:1", now=LATER)

    case.refresh_from_db()
    assert case.limitation_date == date(2029, 9, 7)
    assert claim_bar(case, as_of=date(2026, 9, 7)) == "2029-09-07"


def test_the_case_date_follows_a_letter_at_the_end_of_the_day_it_is_sent(
    creditor, reference_rates
):
    from tests.conftest import claim_line, claims_csv

    claims_import(
        data=claims_csv(claim_line("K-1", invoice_date="2026-05-13", due_date="2026-06-12")),
        filename="claims.csv", today=date(2026, 6, 1), now=NOW_2026,
    )
    daily_run(run_date=date(2026, 6, 19), now=LATER)  # not yet due for a reminder
    assert Case.objects.get().limitation_date == date(2029, 5, 13)

    daily_run(run_date=date(2026, 6, 22), now=LATER)

    # The reminder posted Monday 2026-06-22 is presumed received Wednesday 06-24: 2029-06-24,
    # on the case as soon as the day's run has sent it.
    assert Case.objects.get().limitation_date == date(2029, 6, 24)


def test_asking_for_a_plan_moves_the_case_date_at_once(creditor, reference_rates):
    from fordra.plans.services import plan_propose

    case = consumer_case_handed_over_to_staff()

    # Asking for a plan on Thursday 2026-09-10 acknowledges the debt (5 § 1): 2029-09-10.
    plan_propose(case=case, installments=3, first_due=date(2026, 10, 1), today=date(2026, 9, 10),
                 now=LATER, actor="handläggare")

    case.refresh_from_db()
    assert case.limitation_date == date(2029, 9, 10)
