"""Limitation (preskription) per claim, worked Swedish examples through the daily run.

A consumer claim is time-barred three years after its invoice date (preskriptionslagen 2 §
andra stycket); each interruption with evidence on record — a demand the debtor received, a
payment, an utslag — starts a new period of the same length (5–7 §§). A barred claim is written
off and its case closed before any letter; unclear evidence goes to a person instead.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from fordra.casefile import case_detail_json
from fordra.claims.models import Case, CaseEvent, CaseState, Invoice, Task
from fordra.collection.handover import claims_hand_over
from fordra.collection.run import daily_run
from fordra.letters.models import Letter, LetterStatus
from fordra.surveillance.daily import limitation_refresh, surveillance_daily
from fordra.surveillance.selectors import limitation_json
from fordra.surveillance.services import limitation_review_decide
from tests.conftest import (
    CREDITOR_ORGNR,
    HEADER,
    PNR_A,
    PNR_B,
    assert_money_invariants,
    claim_line,
    claims_csv,
)

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 6, 1, 5, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def import_on(day: date, *lines: str, header: str = HEADER, name: str = "claims.csv") -> list[Case]:
    # The one intake service: the import and the limitation check at hand-over.
    result = claims_hand_over(
        data=claims_csv(*lines, header=header), filename=name, today=day, now=NOW
    )
    batch = result.imported.batch_id
    ids = set(Invoice.objects.filter(batch_id=batch).values_list("case_id", flat=True))
    return list(Case.objects.filter(id__in=ids).order_by("id"))


def run_days(first: date, last: date) -> None:
    day = first
    while day <= last:
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)


def test_a_consumer_claim_is_time_barred_three_years_after_its_invoice_date(
    creditor, reference_rates
):
    # Invoice 2026-05-13 for a private customer: three years from the claim's tillkomst.
    (case,) = import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))

    assert case.limitation_date == date(2029, 5, 13)
    claim = limitation_json(case, as_of=date(2026, 6, 1))["claims"][0]
    assert claim["claim_type"] == "consumer" and claim["period_years"] == 3
    assert claim["start"] == "2026-05-13" and claim["time_barred_on"] == "2029-05-13"
    assert claim["interruptions"] == [] and claim["time_barred"] is False
    assert "tre år för en konsumentfordran" in claim["explanation"]
    assert case_detail_json(case, as_of=date(2026, 6, 1))["limitation_date"] == "2029-05-13"


def test_each_letter_the_debtor_receives_starts_three_new_years_from_its_presumed_receipt(
    creditor, reference_rates
):
    (case,) = import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))

    run_days(date(2026, 6, 12), date(2026, 8, 5))

    case.refresh_from_db()
    # The påminnelse om inkassokrav sent Thursday 2026-07-30 is presumed received two bank days
    # later, Monday 2026-08-03: a new period of three years runs from that day (6 §).
    sent = list(case.letters.order_by("letter_date").values_list("kind", "letter_date"))
    assert sent[-1] == ("demand_reminder", date(2026, 7, 30))
    assert case.limitation_date == date(2029, 8, 3)
    claim = limitation_json(case, as_of=date(2026, 8, 5))["claims"][0]
    kinds = [(i["kind"], i["on"], i["effective"], i["counted"]) for i in claim["interruptions"]]
    assert kinds == [
        ("demand_received", "2026-06-22", "2026-06-24", True),  # påminnelse
        ("demand_received", "2026-07-13", "2026-07-15", True),  # inkassokrav
        ("demand_received", "2026-07-30", "2026-08-03", True),  # påminnelse om inkassokrav
    ]
    assert all("leveranskvitto" in i["evidence"] for i in claim["interruptions"])


def test_a_payment_is_an_acknowledgement_that_restarts_the_period(creditor, reference_rates):
    from fordra.payments.actions import payment_apply

    (case,) = import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))

    payment_apply(case=case, amount_ore=10_000, paid_on=date(2027, 2, 1), source="direct",
                  key="direct:k1:1", now=NOW)
    limitation_refresh(today=date(2027, 2, 2), now=NOW)

    case.refresh_from_db()
    assert case.limitation_date == date(2030, 2, 1)
    assert_money_invariants()


def test_after_an_utslag_a_consumer_claim_has_three_years_from_the_judgment(
    creditor, reference_rates
):
    (case,) = import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))

    CaseEvent.objects.create(case=case, date=date(2027, 3, 1), kind="judgment",
                             detail="Utslag i mål 12-34567-27")
    limitation_refresh(today=date(2027, 3, 2), now=NOW)

    case.refresh_from_db()
    assert case.limitation_date == date(2030, 3, 1)  # 7 §: a new period from the utslag
    claim = limitation_json(case, as_of=date(2027, 3, 2))["claims"][0]
    assert claim["interruptions"][-1]["kind"] == "legal_action"
    assert "Utslag i mål 12-34567-27" in claim["interruptions"][-1]["evidence"]


def test_a_claim_already_time_barred_at_hand_over_is_closed_and_never_gets_a_letter(
    creditor, reference_rates
):
    # Invoice 2022-01-10, nothing since: barred from 2025-01-10, handed over 2026-06-01.
    barred, alive = import_on(
        date(2026, 6, 1),
        claim_line("G-1", invoice_date="2022-01-10", due_date="2022-02-09", debtor=PNR_A),
        claim_line("N-1", invoice_date="2026-05-13", due_date="2026-06-12", debtor=PNR_B),
    )

    barred.refresh_from_db()
    assert barred.state == CaseState.CLOSED_TIME_BARRED
    assert barred.closed_on == date(2026, 6, 1)
    assert alive.state == CaseState.OPEN
    assert barred.close_reason.startswith("Preskriberad: G-1 från 2025-01-10")
    invoice = barred.invoices.get()
    assert invoice.written_off_on == date(2026, 6, 1)
    event = barred.events.get(kind="time_barred")
    assert "var preskriberad när den överlämnades den 1 juni 2026" in event.detail

    run_days(date(2026, 6, 1), date(2026, 8, 15))

    assert not Letter.objects.filter(case=barred).exists()
    assert Letter.objects.filter(case=alive).count() == 3
    detail = case_detail_json(barred, as_of=date(2026, 8, 15))
    assert detail["balance_ore"] == 0 and detail["state"] == "closed_time_barred"
    assert detail["limitation"]["claims"][0]["time_barred"] is True
    assert_money_invariants()


def test_limitation_interrupted_on_in_the_claims_file_keeps_an_old_claim_alive(
    creditor, reference_rates
):
    header = HEADER + ";limitation_interrupted_on"
    (case,) = import_on(
        date(2026, 6, 1),
        claim_line("G-2", invoice_date="2022-01-10", due_date="2022-02-09") + ";2024-06-03",
        header=header,
    )

    assert case.state == CaseState.OPEN
    assert case.limitation_date == date(2027, 6, 3)
    claim = limitation_json(case, as_of=date(2026, 6, 1))["claims"][0]
    assert claim["interruptions"][0]["kind"] == "handover"
    assert claim["interruptions"][0]["counted"] is True


def test_a_claim_reaching_its_bar_date_is_written_off_with_interest_and_fees_in_the_ledger(
    creditor, reference_rates
):
    from fordra.ledger.services import account_balances

    (case,) = import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))
    run_days(date(2026, 6, 12), date(2026, 7, 14))  # reminder and demand fees charged
    case.refresh_from_db()
    bar = case.limitation_date
    assert bar == date(2029, 7, 15)
    case.state = CaseState.SURVEILLANCE  # nothing more is sent (creditor keeps no watch)
    case.save(update_fields=["state"])

    counts = limitation_refresh(today=bar, now=NOW)

    case.refresh_from_db()
    assert counts["time_barred"] == 1 and counts["closed_time_barred"] == 1
    assert case.state == CaseState.CLOSED_TIME_BARRED
    ledger = account_balances(prefix=f"case:{case.id}:")
    assert ledger.get(f"case:{case.id}:capital", 0) == 0
    assert ledger.get(f"case:{case.id}:fees", 0) == 0
    assert ledger.get(f"case:{case.id}:interest", 0) == 0
    assert "ränta" in case.events.get(kind="time_barred").detail
    assert_money_invariants()
    # A rerun of the same day does nothing new.
    assert limitation_refresh(today=bar, now=NOW) == {}
    assert limitation_refresh(today=bar, now=NOW, case_ids=[case.id]) == {}


def test_a_letter_with_no_delivery_record_is_unclear_evidence_and_goes_to_review(
    creditor, reference_rates
):
    (case,) = import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))
    case.state = CaseState.SURVEILLANCE
    case.save(update_fields=["state"])
    # A demand handed to a channel that never reported back: it may have been received.
    Letter.objects.create(case=case, kind="demand", text="demand", step="demand",
                          letter_date=date(2028, 3, 1), pay_by=date(2028, 3, 15),
                          status=LetterStatus.HANDED_OVER, channel="print", key="manual:1")

    limitation_refresh(today=date(2029, 5, 13), now=NOW)

    case.refresh_from_db()
    assert case.state == CaseState.SURVEILLANCE  # not closed
    assert case.limitation_review is True
    assert "time_barred" in case_detail_json(case, as_of=date(2029, 5, 13))["flags"]
    task = Task.objects.get(case=case, kind="limitation_review")
    assert "utan leveranskvitto" in task.text
    assert not Invoice.objects.filter(case=case, written_off_on__isnull=False).exists()
    # Nothing is demanded while a person decides.
    surveillance_daily(run_date=date(2029, 5, 14), now=NOW)
    assert not Letter.objects.filter(case=case, letter_date__gte=date(2029, 5, 13)).exists()

    # Staff find the print supplier's record: the letter went out; the claim lives on.
    limitation_review_decide(case=case, decision="not_time_barred", reason="Kvitto från tryckeriet",
                             day=date(2029, 5, 15), now=NOW, actor="staff:test")

    case.refresh_from_db()
    assert case.limitation_review is False
    assert case.limitation_date == date(2031, 3, 3)  # 2028-03-01 + 2 bank days + 3 years
    assert Task.objects.get(case=case, kind="limitation_review").done_at is not None


def test_a_person_debtor_of_a_b2b_creditor_is_reviewed_when_three_years_have_run(
    reference_rates
):
    from fordra.parties.services import creditor_add

    creditor_add(name="Grossisten AB", orgnr=CREDITOR_ORGNR, bankgiro="50501055",
                 template="b2b")
    (case,) = import_on(date(2026, 6, 1), claim_line("B-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))
    case.state = CaseState.SURVEILLANCE
    case.save(update_fields=["state"])
    claim = limitation_json(case, as_of=date(2026, 6, 1))["claims"][0]
    assert claim["claim_type_certain"] is False
    assert case.limitation_date == date(2029, 5, 13)  # the shorter reading until decided

    limitation_refresh(today=date(2029, 5, 13), now=NOW)
    case.refresh_from_db()
    assert case.limitation_review is True and case.state == CaseState.SURVEILLANCE

    limitation_review_decide(case=case, decision="time_barred", reason="Privat köp",
                             day=date(2029, 5, 14), now=NOW, actor="staff:test")
    case.refresh_from_db()
    assert case.state == CaseState.CLOSED_TIME_BARRED
    assert_money_invariants()


def test_the_creditors_rule_settles_the_claim_type(reference_rates):
    from fordra.parties.models import Creditor
    from fordra.parties.services import creditor_add

    creditor_add(name="Grossisten AB", orgnr=CREDITOR_ORGNR, bankgiro="50501055",
                 template="b2b")
    Creditor.objects.update(stage_rules={"limitation": {"claim_type": "general"}})

    (case,) = import_on(date(2026, 6, 1), claim_line("B-1", invoice_date="2026-05-13",
                                                     due_date="2026-06-12"))

    assert case.limitation_date == date(2036, 5, 13)
    claim = limitation_json(case, as_of=date(2026, 6, 1))["claims"][0]
    assert (claim["claim_type"], claim["period_years"], claim["claim_type_certain"]) == (
        "general", 10, True)


def test_a_company_debtor_has_ten_years(creditor, reference_rates):
    (case,) = import_on(date(2026, 6, 1), claim_line(
        "F-1", invoice_date="2026-05-13", due_date="2026-06-12", debtor="5565594230",
        name="Kunden AB"))

    assert case.limitation_date == date(2036, 5, 13)


def test_the_daily_refresh_reads_only_what_changed(creditor, reference_rates):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    import_on(date(2026, 6, 1), claim_line("K-1", invoice_date="2026-05-13",
                                           due_date="2026-06-12"))
    limitation_refresh(today=date(2026, 6, 2), now=NOW)

    with CaptureQueriesContext(connection) as queries:
        counts = limitation_refresh(today=date(2026, 6, 3), now=NOW)

    assert counts == {}
    assert not any("claims_invoice i" in q["sql"] for q in queries.captured_queries)


def test_the_hand_over_reports_what_it_wrote_off_and_a_file_again_changes_nothing(
    creditor, reference_rates
):
    data = claims_csv(
        claim_line("G-1", invoice_date="2022-01-10", due_date="2022-02-09", debtor=PNR_A),
        claim_line("N-1", invoice_date="2026-05-13", due_date="2026-06-12", debtor=PNR_B),
    )
    first = claims_hand_over(data=data, filename="c.csv", today=date(2026, 6, 1), now=NOW)
    assert first.time_barred == 1 and first.as_json()["time_barred"] == 1
    again = claims_hand_over(data=data, filename="c.csv", today=date(2026, 6, 1), now=NOW)
    assert again.imported.duplicate_file and again.time_barred is None
    assert "time_barred" not in again.as_json()
