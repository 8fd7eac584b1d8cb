"""Letters and fees agree under faults (issue 11): a letter that could not be rendered or sent
is made again by the next run with new dates, or withdrawn with its fee — never sent with stale
dates, never a fee for a letter that did not go out."""

from __future__ import annotations

import json
import shutil
import socket
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from fordra.claims.models import Case, FeeRecord, Task
from fordra.collection.run import daily_run
from fordra.domain.calendar import add_bank_days
from fordra.letters.models import Letter, LetterStatus
from tests.conftest import assert_money_invariants, claim_line, claims_csv, import_bytes

pytestmark = pytest.mark.django_db
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
DUE = "2026-10-01"  # a Thursday; the reminder is due a week later, on Thursday 10-08
REMINDER_DAY = date(2026, 10, 8)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):  # type: ignore[no-untyped-def]
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path / "media"


@pytest.fixture
def case(creditor, reference_rates):  # type: ignore[no-untyped-def]
    import_bytes(claims_csv(claim_line("F-1", due_date=DUE), claim_line("F-2", due_date=DUE)))
    return Case.objects.get()


def _run_through(last: date, *, start: date = date(2026, 10, 2)) -> list:  # type: ignore[type-arg]
    results, day = [], start
    while day <= last:
        results.append(daily_run(run_date=day, now=NOW))
        day += timedelta(days=1)
    return results


def _fees(case: Case) -> int:
    return sum(FeeRecord.objects.filter(case=case).values_list("amount_ore", flat=True))


def _break_outbox(media: Path) -> Path:
    media.mkdir(parents=True, exist_ok=True)
    blocker = media / "outbox"
    if blocker.is_dir():
        shutil.rmtree(blocker)
    blocker.write_text("not a folder")  # even root cannot make a folder where a file is
    return blocker


def test_a_reminder_the_outbox_could_not_take_is_made_again_next_bank_day_with_new_dates(case, media):  # type: ignore[no-untyped-def]
    blocker = _break_outbox(media)
    results = _run_through(REMINDER_DAY)
    first = Letter.objects.get(case=case)
    assert first.status == LetterStatus.FAILED and first.letter_date == REMINDER_DAY
    assert results[-1].as_json()["letters_failed"] == 1
    assert "print" in results[-1].as_json()["failures"][0]["reason"] or results[-1].failures
    assert _fees(case) == 6000  # one reminder fee, standing for the letter that will go out

    blocker.unlink()
    retry_day = date(2026, 10, 9)
    result = daily_run(run_date=retry_day, now=NOW)

    again = Letter.objects.exclude(pk=first.pk).get(case=case)
    assert (again.letter_date, again.status) == (retry_day, LetterStatus.SENT)
    assert again.pay_by == retry_day + (first.pay_by - first.letter_date)
    assert Letter.objects.get(pk=first.pk).status == LetterStatus.CANCELLED
    assert result.retried == 1 and result.as_json()["letters_failed"] == 0
    assert _fees(case) == 6000  # still the one fee
    assert case.events.filter(kind="letter_retried").exists()
    assert_money_invariants()


def test_a_full_disk_fails_the_letter_not_the_run_and_after_three_tries_the_fee_is_taken_back(case, monkeypatch):  # type: ignore[no-untyped-def]
    def no_space(content):  # type: ignore[no-untyped-def]
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("fordra.letters.services.render_pdf", no_space)
    _run_through(date(2026, 10, 13))  # 10-08, then 10-09 and 10-12: three letters tried

    letters = list(Letter.objects.filter(case=case).order_by("id"))
    assert [x.letter_date for x in letters] == [REMINDER_DAY, date(2026, 10, 9), date(2026, 10, 12)]
    assert all(x.status == LetterStatus.CANCELLED for x in letters)
    assert "No space left on device" in letters[0].problems[0]
    assert _fees(case) == 0  # charged once, then reversed: no letter went out
    assert FeeRecord.objects.filter(case=case, amount_ore__lt=0).count() == 1
    task = Task.objects.get(case=case, kind="letter_failed")
    assert "avgiften är återförd" in task.text
    assert_money_invariants()


def test_an_smtp_server_that_is_not_there_fails_the_e_mailed_reminder_which_is_made_again(creditor, reference_rates, settings):  # type: ignore[no-untyped-def]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 2
    header = "creditor_orgnr;invoice_number;invoice_date;due_date;amount;debtor_id;debtor_name;address;postal_code;city;email"
    import_bytes(claims_csv(claim_line("E-1", due_date=DUE) + ";tolvan@example.com", header=header))
    case = Case.objects.get()
    _run_through(REMINDER_DAY)
    first = Letter.objects.get(case=case)
    assert (first.channel, first.status) == ("email", LetterStatus.FAILED)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    daily_run(run_date=date(2026, 10, 9), now=NOW)
    again = Letter.objects.exclude(pk=first.pk).get(case=case)
    assert (again.letter_date, again.status) == (date(2026, 10, 9), LetterStatus.SENT)
    assert _fees(case) == 6000


def test_an_inkassokrav_made_again_keeps_the_legal_minimum_time_to_pay(case, media):  # type: ignore[no-untyped-def]
    _run_through(REMINDER_DAY)
    assert Letter.objects.get(case=case, kind="reminder").status == LetterStatus.SENT
    blocker = _break_outbox(media)
    day = REMINDER_DAY + timedelta(days=1)
    while not Letter.objects.filter(case=case, kind="demand").exists():
        daily_run(run_date=day, now=NOW)
        day += timedelta(days=1)
    demand = Letter.objects.get(case=case, kind="demand")
    assert demand.status == LetterStatus.FAILED
    blocker.unlink()
    retry_day = add_bank_days(demand.letter_date, 1)
    _run_through(retry_day, start=day)
    again = Letter.objects.filter(case=case, kind="demand").exclude(pk=demand.pk).get()
    assert again.letter_date == retry_day
    assert again.pay_by >= retry_day + timedelta(days=8)
    assert again.pay_by >= add_bank_days(add_bank_days(retry_day, 2), 4)


def test_fordra_run_prints_its_summary_with_the_failures_and_exits_3(case, media, capsys):  # type: ignore[no-untyped-def]
    from fordra.cli import main

    _run_through(REMINDER_DAY - timedelta(days=1))
    _break_outbox(media)
    code = main(["--json", "run", "--date", REMINDER_DAY.isoformat()])
    captured = capsys.readouterr()
    assert code == 3
    summary = json.loads(captured.out)
    assert summary["letters_failed"] == 1 and summary["failures"][0]["kind"] == "reminder"
    assert "could not be sent" in captured.err and "Traceback" not in captured.err


def test_a_letter_the_compliance_check_blocked_has_its_fee_taken_back_by_the_next_run(creditor, reference_rates):  # type: ignore[no-untyped-def]
    # A total above LETTER_TOTAL_ORE_MAX needs a person: the check blocks the reminder.
    import_bytes(claims_csv(claim_line("B-1", amount="150 000 000,00", due_date=DUE)))
    case = Case.objects.get()
    _run_through(REMINDER_DAY)
    blocked = Letter.objects.get(case=case)
    assert blocked.status == LetterStatus.BLOCKED and _fees(case) == 6000

    result = daily_run(run_date=date(2026, 10, 9), now=NOW)

    assert Letter.objects.get(pk=blocked.pk).status == LetterStatus.CANCELLED
    assert _fees(case) == 0 and result.withdrawn == 1
    assert case.events.filter(kind="fee_reversed").exists()
    assert Task.objects.filter(case=case, kind="letter_failed").exists()
    assert_money_invariants()


def test_a_failed_letter_cancelled_by_a_state_change_has_its_fee_taken_back_by_the_next_run(case, media):  # type: ignore[no-untyped-def]
    # Issue 12: closing or stopping a case cancels every letter not yet sent, failed ones too;
    # the fee that stood for the failed reminder must not outlive it.
    from fordra.collection.services import debtor_mark

    blocker = _break_outbox(media)
    _run_through(REMINDER_DAY)
    failed = Letter.objects.get(case=case)
    assert failed.status == LetterStatus.FAILED and _fees(case) == 6000
    blocker.unlink()

    debtor_mark(national_id=case.debtor.national_id, marks={"deceased": True}, actor="staff",
                today=date(2026, 10, 9))
    assert Letter.objects.get(pk=failed.pk).status == LetterStatus.CANCELLED

    daily_run(run_date=date(2026, 10, 9), now=NOW)
    daily_run(run_date=date(2026, 10, 12), now=NOW)  # a second run changes nothing more

    assert Letter.objects.filter(case=case).count() == 1  # not made again
    assert _fees(case) == 0  # charged once, then reversed: no letter went out
    assert FeeRecord.objects.filter(case=case, amount_ore__lt=0).count() == 1
    assert "avgiften är återförd" in Task.objects.get(case=case, kind="letter_failed").text
    assert_money_invariants()
