"""One påminnelseavgift per reminder letter, one inkassoavgift per inkassokrav (issue 10 item 1).

Lag (1981:739) 2 § and 3 § 1 (DOMAIN.md §2): the caps are per written reminder and per inkassokrav,
however many invoices the letter lists; a creditor's claims against one debtor are merged into one
inkassokrav with one fee (RH 2022:7). Förseningsersättning (4 a §) stays per claim and absorbs the
reminder and collection fees (5 §). Every figure below is worked out by hand from the statute.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Case, CaseEvent, FeeRecord
from fordra.collection.run import daily_run
from fordra.ledger.services import account_balances
from fordra.letters.models import Letter
from tests.conftest import PNR_A, assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)
COMPANY = "5566778899"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def import_invoices(*numbers_and_dues: tuple[str, str], debtor: str = PNR_A, name: str) -> Case:
    lines = [
        claim_line(number, due_date=due, invoice_date="2026-05-13", debtor=debtor)
        for number, due in numbers_and_dues
    ]
    import_bytes(claims_csv(*lines), filename=name)
    return Case.objects.get(debtor__national_id=debtor)


def ledger_fees(case: Case) -> int:
    return account_balances(prefix=f"case:{case.id}:fees").get(f"case:{case.id}:fees", 0)


def letter_fee_lines(letter: Letter) -> list[tuple[str, int]]:
    return [(f["kind"], f["amount_ore"]) for f in letter.content["fees"]]


def test_two_invoices_one_reminder_letter_carry_one_60_kr_fee_and_one_demand_one_180_kr_fee(
    creditor, reference_rates
):
    # F-1 due Wed 2026-06-10, F-2 due Fri 2026-06-12: one case, one ladder. The reminder is due
    # 7 days after the earliest due date (06-17), pay within 10 days (06-27 → Mon 06-29); the
    # inkassokrav 10 days after that pay-by date (07-09), pay by 07-20 (legal minimum 07-17).
    case = import_invoices(("F-1", "2026-06-10"), ("F-2", "2026-06-12"), name="two.csv")

    run_days(date(2026, 6, 10), date(2026, 6, 17))
    reminder = Letter.objects.get(case=case, kind="reminder")
    assert reminder.letter_date == date(2026, 6, 17)
    assert letter_fee_lines(reminder) == [("reminder", 6000)]  # 60,00 kr, not 2 × 60,00 kr
    assert reminder.content["fees_ore"] == 6000
    assert [i["invoice_number"] for i in reminder.content["invoices"]] == ["F-1", "F-2"]
    assert ledger_fees(case) == 6000
    assert case_detail_json(case, as_of=date(2026, 6, 17))["fees_ore"] == 6000

    run_days(date(2026, 6, 18), date(2026, 7, 9))
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.letter_date == date(2026, 7, 9)
    assert letter_fee_lines(demand) == [("reminder", 6000), ("demand", 18000)]
    assert demand.content["fees_ore"] == 6000 + 18000
    assert ledger_fees(case) == 24000
    shown = case_detail_json(case, as_of=date(2026, 7, 9))
    assert shown["fees_ore"] == 24000
    assert [(f["kind"], f["amount_ore"]) for f in shown["fees"]] == [
        ("reminder", 6000),
        ("demand", 18000),
    ]
    # The fee is the letter's: it names every invoice the letter covered.
    assert all(f["invoice_numbers"] == ["F-1", "F-2"] for f in shown["fees"])
    assert all("F-1, F-2" in f["explanation"] for f in shown["fees"])
    assert CaseEvent.objects.filter(case=case, kind="fee_added").count() == 2
    assert_money_invariants()


def test_a_rerun_of_the_demand_day_adds_no_second_letter_fee(creditor, reference_rates):
    case = import_invoices(("F-1", "2026-06-10"), ("F-2", "2026-06-12"), name="rerun.csv")
    run_days(date(2026, 6, 10), date(2026, 7, 9))

    daily_run(run_date=date(2026, 7, 9), now=NOW)

    fees = list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore"))
    assert fees == [("reminder", 6000), ("demand", 18000)]
    assert ledger_fees(case) == 24000


def test_an_invoice_handed_over_after_the_demand_gets_no_fee_without_an_inkassokrav_of_its_own(
    creditor, reference_rates
):
    # The third invoice joins the case after the inkassokrav was sent; the ladder's next letter,
    # the reminder of the demand, carries no fee, and no later inkassokrav with a fee is ever sent
    # in this case: so F-3 carries no fee at all (DOMAIN.md §2).
    case = import_invoices(("F-1", "2026-06-10"), ("F-2", "2026-06-12"), name="first.csv")
    run_days(date(2026, 6, 10), date(2026, 7, 9))
    later = import_invoices(("F-3", "2026-07-01"), name="later.csv")
    assert later.id == case.id

    run_days(date(2026, 7, 10), date(2026, 8, 20))

    letters = list(Letter.objects.filter(case=case).order_by("letter_date"))
    assert [lt.kind for lt in letters] == ["reminder", "demand", "demand_reminder"]
    follow_up = letters[-1]
    assert [i["invoice_number"] for i in follow_up.content["invoices"]] == ["F-1", "F-2", "F-3"]
    assert letter_fee_lines(follow_up) == [("reminder", 6000), ("demand", 18000)]
    fees = list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore"))
    assert fees == [("reminder", 6000), ("demand", 18000)]
    assert ledger_fees(case) == 24000
    assert_money_invariants()


def test_an_invoice_handed_over_after_the_reminder_is_covered_by_the_one_demand_fee(
    creditor, reference_rates
):
    case = import_invoices(("F-1", "2026-06-10"), name="one.csv")
    run_days(date(2026, 6, 10), date(2026, 6, 20))
    import_invoices(("F-2", "2026-06-15"), name="two.csv")

    run_days(date(2026, 6, 21), date(2026, 7, 9))

    fees = list(FeeRecord.objects.filter(case=case).values_list("kind", "amount_ore"))
    assert fees == [("reminder", 6000), ("demand", 18000)]
    demand = FeeRecord.objects.get(case=case, kind="demand")
    assert "F-1, F-2" in demand.explanation
    assert ledger_fees(case) == 24000


def test_a_business_pays_450_kr_per_claim_and_no_reminder_or_demand_fee_on_top(
    creditor, reference_rates
):
    creditor.template = "b2b"
    creditor.save()
    case = import_invoices(
        ("F-1", "2026-06-10"), ("F-2", "2026-06-12"), debtor=COMPANY, name="b2b.csv"
    )

    run_days(date(2026, 6, 10), date(2026, 7, 31))

    fees = sorted(
        FeeRecord.objects.filter(case=case).values_list("invoice__invoice_number", "kind", "amount_ore")
    )
    assert fees == [
        ("F-1", "late_payment_compensation", 45000),
        ("F-2", "late_payment_compensation", 45000),
    ]
    assert ledger_fees(case) == 90000
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.content["fees_ore"] == 90000
    assert_money_invariants()


def test_the_daily_runs_inkassokrav_speaks_to_a_company_and_to_a_consumer_each_in_its_terms(
    creditor, reference_rates
):
    # Issue 10 item 6, DOMAIN.md §7: for a company the application for betalningsföreläggande is
    # itself registered by credit-reporting firms; for a consumer only an utslag.
    from fordra.letters.services import letter_html

    company = import_invoices(("B-1", "2026-06-10"), debtor=COMPANY, name="company.csv")
    consumer = import_invoices(("P-1", "2026-06-10"), name="consumer.csv")

    run_days(date(2026, 6, 10), date(2026, 7, 9))

    company_text = " ".join(letter_html(Letter.objects.get(case=company, kind="demand")).split())
    consumer_text = " ".join(letter_html(Letter.objects.get(case=consumer, kind="demand")).split())
    registered = "registrerar kreditupplysningsföretagen redan ansökan om betalningsföreläggande"
    assert registered in company_text
    assert "kan det leda till en betalningsanmärkning" not in company_text
    assert registered not in consumer_text
    assert "(utslag) kan det leda till en betalningsanmärkning" in consumer_text
    assert Letter.objects.get(case=company, kind="demand").content["debtor_type"] == "company"


def test_fee_rows_from_before_the_per_letter_rule_stay_valid(creditor, reference_rates):
    # Rows the old code wrote: one 60 kr reminder fee per invoice, keys fee:<invoice>:reminder,
    # no coverage. They keep their keys and meaning; the next letter charges one fee for both.
    from fordra.claims.models import Invoice
    from fordra.domain.ledger import Posting, Transaction
    from fordra.ledger.services import ledger_post

    case = import_invoices(("F-1", "2026-06-10"), ("F-2", "2026-06-12"), name="legacy.csv")
    run_days(date(2026, 6, 10), date(2026, 6, 17))
    first = FeeRecord.objects.get(case=case, kind="reminder")
    FeeRecord.objects.filter(pk=first.pk).update(key=f"fee:{first.invoice_id}:reminder", covers="")
    second = Invoice.objects.get(invoice_number="F-2")
    FeeRecord.objects.create(
        case=case, invoice=second, kind="reminder", amount_ore=6000, date=date(2026, 6, 17),
        rule=first.rule, version=first.version, explanation="Påminnelseavgift 60,00 kr",
        step="reminder", key=f"fee:{second.id}:reminder",
    )
    ledger_post(
        [
            Transaction(
                key="legacy-fee:F-2", date=date(2026, 6, 17), kind="fee_charged", memo="legacy",
                postings=(
                    Posting(account=f"case:{case.id}:fees", amount_ore=6000),
                    Posting(account=f"claims:{case.creditor_id}", amount_ore=-6000),
                ),
            )
        ],
        now=NOW,
    )

    run_days(date(2026, 6, 18), date(2026, 7, 9))

    rows = list(FeeRecord.objects.filter(case=case).order_by("id").values_list("kind", "amount_ore"))
    assert rows == [("reminder", 6000), ("reminder", 6000), ("demand", 18000)]
    shown = case_detail_json(case, as_of=date(2026, 7, 9))
    assert [f["invoice_numbers"] for f in shown["fees"]] == [["F-1"], ["F-2"], ["F-1", "F-2"]]
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.status == "sent"  # the old rows were charged by an earlier letter
    assert ledger_fees(case) == 30000
    assert_money_invariants()


def test_the_case_page_shows_the_letters_one_fee_with_every_invoice_it_covers(
    creditor, reference_rates, client
):
    import re

    from django.contrib.auth.models import User

    case = import_invoices(("F-1", "2026-06-10"), ("F-2", "2026-06-12"), name="page.csv")
    run_days(date(2026, 6, 10), date(2026, 7, 9))
    client.force_login(User.objects.create_user("handlaggare", is_staff=True))

    page = client.get(f"/staff/cases/{case.ref}/").content.decode()

    fees = page[page.index('data-testid="fees"') :]
    fees = fees[: fees.index("</section>")]
    rows = [" ".join(re.sub(r"<[^>]+>", " ", row).split()) for row in fees.split("<tr>")[2:]]
    assert len(rows) == 2
    assert "F-1, F-2" in rows[0] and rows[0].endswith("60,00 kr")
    assert "F-1, F-2" in rows[1] and rows[1].endswith("180,00 kr")
