"""Bankgirot's published BgMax examples, as reproduced in tests/data (README-bgmax.md), through
``fordra import payments``: totals equal to the files' own control records (TK15/TK70), extra
references split or spread (DOMAIN.md §14), a file sent again a duplicate, nothing refused."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from fordra.claims.models import Case, CaseState
from fordra.formats.bgmax import parse_bgmax
from fordra.ledger.services import ledger_verify
from fordra.payments.intake import _origin_key, payments_import
from fordra.payments.models import FileTask, Payment, PaymentStatus
from tests.conftest import (
    PNR_A,
    PNR_B,
    PNR_C,
    PNR_D,
    PNR_E,
    assert_money_invariants,
    claim_line,
    claims_csv,
    import_bytes,
)

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parents[1] / "data"
NOW = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
OCR = ["10000081", "10000180", "10000289", "10000388", "10000487", "10000586", "10000685",
       "10000784", "10000883", "10000982"]
# Case i (OCR[i]): its one invoice — amount, due date. Not yet due on the payment days (16 Nov
# for most samples), so a case owes exactly its amount then: no interest, no fee.
INVOICES = [
    ("500,00", "2026-11-25"),    # C0
    ("700,00", "2026-11-30"),    # C1
    ("1 000,00", "2026-11-20"),  # C2: the oldest
    ("1 900,00", "2026-11-30"),  # C3
    ("2 000,00", "2026-11-30"),  # C4
    ("2 000,00", "2026-11-30"),  # C5
    ("2 000,00", "2026-11-30"),  # C6
    ("800,00", "2026-11-30"),    # C7
    ("3 000,00", "2026-11-30"),  # C8
    ("3 000,00", "2026-11-30"),  # C9
]


def sample(name: str) -> bytes:
    return (DATA / f"bgmax_bankgirot_{name}.txt").read_bytes()


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def cases(reference_rates):
    """Ten cases, numbered 100000…100009 as the samples' OCR numbers expect."""
    from fordra.parties.services import creditor_add

    orgnrs = []
    for name, orgnr in [("Exempelbolaget AB", "5560360793"), ("Bostadsbolaget AB", "5565594230")]:
        creditor, _ = creditor_add(name=name, orgnr=orgnr, bankgiro="50501055",
                                   reminder_fee_agreed=True)
        orgnrs.append(creditor.orgnr)
    debtors = [PNR_A, PNR_B, PNR_C, PNR_D, PNR_E]
    lines = [
        claim_line(f"INV-{i}", amount=amount, debtor=debtors[i % 5], creditor=orgnrs[i // 5],
                   invoice_date="2026-10-20", due_date=due)
        for i, (amount, due) in enumerate(INVOICES)
    ]
    import_bytes(claims_csv(*lines))
    by_ocr = {c.ocr: c for c in Case.objects.all()}
    ordered = [by_ocr[ocr] for ocr in OCR]
    for i, case in enumerate(ordered):
        assert case.invoices.get().invoice_number == f"INV-{i}"
    return ordered


def rows() -> list[Payment]:
    return list(Payment.objects.order_by("id"))


def test_the_cases_are_numbered_as_the_samples_expect(cases):
    assert [c.ocr for c in cases] == OCR



# Each sample's own control records: Σ TK15 deposit amounts; TK70's TK20 + TK21 count.
CONTROLS = {
    "basic": (85000, 5),
    "ocr": (210000, 4),
    "extended": (860000, 7),
    "image": (353300, 6),
    "serials": (990000, 7),
}


@pytest.mark.parametrize("name", sorted(CONTROLS))
def test_each_bankgirot_example_imports_with_totals_equal_to_its_own_control_records(
    cases, name
):
    amount, count = CONTROLS[name]
    parsed = parse_bgmax(sample(name))
    assert sum(d.amount_ore for d in parsed.deposits) == amount

    result = payments_import(data=sample(name), filename=f"{name}.txt", now=NOW)

    assert (result.amount_ore, result.duplicate) == (amount, False)
    assert sum(p.amount_ore for p in rows()) == amount
    by_origin = defaultdict(int)
    for payment in rows():
        by_origin[_origin_key(payment.key)] += payment.amount_ore
    assert len(by_origin) == count
    assert sorted(by_origin.values()) == sorted(p.amount_ore for p in parsed.payments)
    assert result.matched + result.unmatched == result.payments == len(rows())
    assert ledger_verify().ok
    assert_money_invariants()


def test_the_1400_kr_payment_is_split_by_its_extra_references_not_booked_whole_to_one_case(
    cases,
):
    """Bankgirot's example: 1 400 kr = 1 000 (not ours) + 500 (our C7) + 400 (not ours)
    − 500 (TK23, a credit note). Before: all 1 400 kr were booked to C7."""
    payments_import(data=sample("extended"), filename="extended.txt", now=NOW)

    parts = {p.amount_ore: p for p in rows() if ":000000000030:" in p.key}
    assert sorted(parts) == [-50000, 40000, 50000, 100000]
    ours = parts[50000]
    assert (ours.status, ours.case_id, ours.allocated_ore) == ("matched", cases[7].id, 50000)
    assert Payment.objects.filter(case=cases[7]).count() == 1  # 800 kr owed, 300 kr left
    assert parts[100000].status == parts[40000].status == PaymentStatus.UNMATCHED
    assert parts[100000].reference == "3141592"
    assert parts[100000].reason == (
        "Del 1 av 4 av betalningen 1 400,00 kr på rad 40: referensen 3141592 matchar inget ärende"
    )
    assert parts[40000].reason == (
        "Del 3 av 4 av betalningen 1 400,00 kr på rad 40: referensen 2718281 matchar inget ärende"
    )
    assert parts[-50000].status == PaymentStatus.DEDUCTION
    assert parts[-50000].reason == (
        "Del 4 av 4 av betalningen 1 400,00 kr på rad 40: avdrag -500,00 kr för referensen "
        "10001089 (TK23)"
    )


def test_extra_references_with_amounts_split_a_payment_between_two_of_our_cases(cases):
    payments_import(data=sample("extended"), filename="extended.txt", now=NOW)

    c4, c5 = (Payment.objects.get(case=c) for c in (cases[4], cases[5]))
    assert (c4.amount_ore, c5.amount_ore) == (170000, 30000)  # 2 000 kr = 1 700 + 300


def test_parts_that_do_not_add_up_send_the_whole_payment_to_the_queue_with_the_reason(cases):
    data = bytearray(sample("extended"))
    record = 21  # the TK22 of 300 kr on record 22 (0-based 21) now says 200 kr
    data[record * 80 + 37 : record * 80 + 55] = b"000000000000020000"

    payments_import(data=bytes(data), filename="extended.txt", now=NOW)

    whole = Payment.objects.get(key__contains=":000000000020:")
    assert (whole.status, whole.amount_ore, whole.case_id) == ("unmatched", 200000, None)
    assert whole.reference == "10000487 10000586"
    assert whole.reason == (
        "De extra referensernas belopp (1 900,00 kr) stämmer inte med betalningens 2 000,00 kr "
        "på rad 20: fördela för hand"
    )
    assert not Payment.objects.filter(case__in=[cases[4], cases[5]]).exists()


def test_several_references_without_amounts_all_ours_are_spread_oldest_claim_first(cases):
    """1 800 kr for C0 (500 kr due 25 Nov), C1 (700 kr due 30 Nov) and C2 (1 000 kr due
    20 Nov): C2 first, paid in full; then C0, paid in full; C1 gets the last 300 kr."""
    payments_import(data=sample("extended"), filename="extended.txt", now=NOW)

    spread = [(p.case_id, p.amount_ore) for p in rows() if ":000120000018:" in p.key]
    assert sorted(spread) == sorted(
        [(cases[2].id, 100000), (cases[0].id, 50000), (cases[1].id, 30000)]
    )
    states = {c.pk: c.state for c in Case.objects.filter(pk__in=[c.pk for c in cases[:3]])}
    assert states[cases[2].pk] == states[cases[0].pk] == CaseState.CLOSED_PAID
    assert states[cases[1].pk] != CaseState.CLOSED_PAID


def test_several_references_without_amounts_not_all_ours_go_to_the_queue_whole(cases):
    payments_import(data=sample("image"), filename="image.txt", now=NOW)

    whole = Payment.objects.get(key__contains=":059483000002:")
    assert (whole.status, whole.amount_ore) == ("unmatched", 100000)
    assert whole.reference == "128717 10000081 10000180"
    assert whole.reason == (
        "Betalningen 1 000,00 kr gäller flera referenser utan delbelopp och 128717 är inte vår: "
        "fördela för hand"
    )
    # 780 kr for C2 and C3, both ours: all of it to C2, the older claim, which owes 1 000 kr.
    spread = Payment.objects.filter(key__contains=":059483000003:")
    assert [(p.case_id, p.amount_ore) for p in spread] == [(cases[2].id, 78000)]


def test_a_malformed_payer_bankgiro_keeps_the_payment_and_notes_the_problem(cases):
    result = payments_import(data=sample("ocr"), filename="ocr.txt", now=NOW)

    payment = Payment.objects.get(case=cases[5])
    assert (payment.status, payment.amount_ore) == ("matched", 50000)
    assert payment.warnings == ["payer bankgiro '009701233 ' is not 10 digits (line 17)"]
    assert result.as_json()["warnings"] == [
        "payer bankgiro '009701233 ' is not 10 digits (line 17)"
    ]


def test_a_repeated_bgc_serial_number_is_two_payments_not_a_refused_file(cases):
    result = payments_import(data=sample("serials"), filename="serials.txt", now=NOW)

    # 700 kr to C6; 5 000 kr for C7, C8 and C9 without amounts: C7's 800 kr, C8's 3 000 kr,
    # and the last 1 200 kr to C9 (all due the same day: in case order).
    serial_16 = Payment.objects.filter(key__contains=":000000000016:")
    assert sorted((p.case_id, p.amount_ore) for p in serial_16) == [
        (cases[6].id, 70000), (cases[7].id, 80000), (cases[8].id, 300000), (cases[9].id, 120000)
    ]
    assert result.as_json()["warnings"] == ["record with TAB characters (line 17, TK22)"]


def test_the_same_file_sent_again_with_a_new_timestamp_is_a_duplicate(cases):
    data = sample("extended")
    first = payments_import(data=data, filename="extended.txt", now=NOW)
    again = bytearray(data)
    again[24:44] = b"20261117060000000000"  # another TK01 timestamp: another content hash

    second = payments_import(data=bytes(again), filename="extended-2.txt", now=NOW)

    assert first.payments == 13
    assert (second.payments, second.duplicate, second.duplicates) == (0, True, 13)
    assert Payment.objects.count() == 13
    assert ledger_verify().ok
    assert_money_invariants()


def with_records_changed(data: bytes, edits: dict[int, tuple[int, bytes]]) -> bytes:
    """A CRLF file with text written over records: {record number: (1-based start, text)}."""
    lines = data.split(b"\r\n")
    for number, (start, text) in edits.items():
        line = lines[number - 1]
        lines[number - 1] = line[: start - 1] + text + line[start - 1 + len(text) :]
    return b"\r\n".join(lines)


def test_two_identical_payments_in_one_deposit_are_two_payments_and_stay_two(cases):
    from fordra.formats.bgmax import write_bgmax

    data = write_bgmax(receiving_bankgiro="5050-1055",
                       payments=[(date(2026, 11, 16), OCR[6], 50000, "77")], created=NOW)
    lines = data.split(b"\r\n")
    lines[3:3] = [lines[2]]  # the same TK20 twice: same serial, reference and amount
    twice = with_records_changed(
        b"\r\n".join(lines), {5: (51, b"000000000000100000"), 6: (3, b"00000002")}
    )
    twice = with_records_changed(twice, {5: (72, b"00000002")})

    result = payments_import(data=twice, filename="twice.txt", now=NOW)
    again = payments_import(data=twice.replace(b"P  ", b"P  ", 1) + b"\r\n", filename="2.txt",
                            now=NOW)

    assert (result.payments, result.matched, result.amount_ore) == (2, 2, 100000)
    assert sorted(p.key for p in rows()) == [
        "bgmax:50501055:20261116:000000000077:0:50000:10000685",
        "bgmax:50501055:20261116:000000000077:1:50000:10000685",
    ]
    assert (again.payments, again.duplicate) == (0, True)
    assert Payment.objects.filter(case=cases[6]).count() == 2


def test_an_unknown_record_is_reported_made_a_staff_task_and_the_payments_around_it_count(
    cases,
):
    data = sample("basic")
    unknown = b"99Ett framtida postslag".ljust(80)
    data = data[: 3 * 80] + unknown + data[3 * 80 :]  # after the first TK20, before its TK25

    result = payments_import(data=data, filename="basic.txt", now=NOW)
    resent = bytearray(data)
    resent[24:44] = b"20261117060000000000"
    again = payments_import(data=bytes(resent), filename="basic-2.txt", now=NOW)

    assert result.as_json()["unknown_records"] == [{"line": 4, "type": "99"}]
    assert (result.payments, result.amount_ore) == (5, 85000)
    assert Payment.objects.get(key__contains=":000000000001:").payer_name == "Smedjan i Ösby AB"
    task = FileTask.objects.get()
    assert (task.kind, task.line, task.done_at) == ("unknown_record", 4, None)
    assert task.text == "Okänd posttyp '99' på rad 4 i basic.txt: 99Ett framtida postslag"
    assert again.duplicate is True and FileTask.objects.count() == 1


def test_payments_recorded_under_the_old_key_are_still_duplicates(cases):
    from fordra.payments.engine import payments_record
    from fordra.payments.incoming import Incoming

    day = date(2026, 11, 16)
    payments_record(  # as imported before the key held occurrence, amount and reference
        items=[
            Incoming("bgmax:50501055:20261116:000000000019", "bgmax", 190000, day, OCR[3],
                     case_id=cases[3].id),
            Incoming("bgmax:50501055:20261116:000000000020", "bgmax", 200000, day,
                     f"{OCR[4]} {OCR[5]}", case_id=cases[4].id),
        ],
        now=NOW,
    )

    result = payments_import(data=sample("extended"), filename="extended.txt", now=NOW)

    assert result.duplicates == 2
    assert Payment.objects.filter(case=cases[3]).count() == 1
    assert Payment.objects.filter(case=cases[4]).count() == 1
    assert not Payment.objects.filter(case=cases[5]).exists()
    assert result.amount_ore == 860000 - 190000 - 200000
    assert_money_invariants()


def test_the_unmatched_queue_lists_each_reference_of_a_payment_once(
    reference_rates, capsys, client
):
    """Before: '10000289,10000388 10000289 10000388 10000487' — the owning record's list and
    then every extra reference again. Here no case exists: the payment waits whole."""
    from django.contrib.auth.models import User

    from fordra.cli import main

    payments_import(data=sample("ocr"), filename="ocr.txt", now=NOW)

    assert main(["--json", "payment", "unmatched"]) == 0
    listed = json.loads(capsys.readouterr().out)
    (row,) = [r for r in listed["payments"] if r["amount_ore"] == 60000]
    assert row["reference"] == "10000289 10000388 10000487"
    assert row["reason"] == (
        "Betalningen 600,00 kr gäller flera referenser utan delbelopp och ingen av dem är vår: "
        "fördela för hand"
    )
    client.force_login(User.objects.create_user("handlaggare", is_staff=True))
    page = client.get("/staff/payments/unmatched/").content.decode()
    for reference in ("10000289", "10000388", "10000487"):
        assert page.count(reference) == 1


def test_the_unmatched_queue_shows_the_file_tasks_and_each_part_s_reason(
    cases, capsys, client
):
    from django.contrib.auth.models import User

    from fordra.cli import main

    data = sample("extended")
    payments_import(data=data[:80] + b"98".ljust(80) + data[80:], filename="x.txt", now=NOW)

    assert main(["--json", "payment", "unmatched"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert [t["text"] for t in listed["file_tasks"]] == ["Okänd posttyp '98' på rad 2 i x.txt: 98"]
    reasons = [r["reason"] for r in listed["payments"]]
    assert (
        "Del 1 av 4 av betalningen 1 400,00 kr på rad 41: referensen 3141592 matchar inget ärende"
    ) in reasons
    client.force_login(User.objects.create_user("handlaggare", is_staff=True))
    page = client.get("/staff/payments/unmatched/").content.decode()
    assert "Okänd posttyp" in page and "referensen 3141592 matchar inget ärende" in page

    task = FileTask.objects.get()
    page = client.post("/staff/payments/unmatched/", {"task": task.id}, follow=True)
    assert "Uppgiften är klar." in page.content.decode()
    assert FileTask.objects.get().done_at is not None
    assert main(["--json", "payment", "unmatched"]) == 0
    assert json.loads(capsys.readouterr().out)["file_tasks"] == []
    assert main(["--json", "payment", "task-done", str(task.id)]) == 0  # again: no change


def test_the_import_command_names_unknown_records_and_warnings(reference_rates, capsys, tmp_path):
    from fordra.cli import main

    data = sample("ocr")
    path = tmp_path / "ocr.txt"
    path.write_bytes(data[:80] + b"97".ljust(80) + data[80:])

    assert main(["import", "payments", str(path)]) == 0

    out = capsys.readouterr().out
    assert "record of unknown type '97' on line 2: a task for staff" in out
    assert "warning: payer bankgiro '009701233 ' is not 10 digits (line 18)" in out


def record(*fields: tuple[int, str]) -> bytes:
    """An 80-character record from (1-based position, text) fields."""
    line = [" "] * 80
    for start, text in fields:
        line[start - 1 : start - 1 + len(text)] = text
    return "".join(line).encode("latin-1")


def several(serial: str, amount: int, *references: str) -> list[bytes]:
    """A TK20 without reference, and a TK22 of amount 0 per reference (the basic form)."""
    common = ((3, "0003783511"), (57, "2"), (58, serial), (70, "0"))
    return [
        record((1, "20"), *common, (38, f"{amount:018d}"), (56, "0")),
        *(record((1, "22"), *common, (13, ref.rjust(25)), (38, "0" * 18), (56, "2"))
          for ref in references),
    ]


def test_a_second_payment_for_the_same_cases_the_same_day_sees_what_the_first_took(cases):
    """Twice 500 kr for C0 (owes 500 kr, the older) and C1 (owes 700 kr): the first pays C0
    off, so the second goes to C1 — not again to C0 as an overpayment."""
    data = b"".join([
        record((1, "01"), (3, "BGMAX"), (23, "01"), (25, "20261116120000000000"), (45, "P")),
        record((1, "05"), (3, "0050501055"), (23, "SEK")),
        *several("000000000101", 50000, OCR[0], OCR[1]),
        *several("000000000102", 50000, OCR[1], OCR[0]),
        record((1, "15"), (38, "20261116"), (46, "00001"), (51, f"{100000:018d}"), (69, "SEK"),
               (72, "00000002")),
        record((1, "70"), (3, "00000002"), (11, "00000000"), (19, "00000004"), (27, "00000001")),
    ])

    payments_import(data=data, filename="twice.txt", now=NOW)

    assert sorted((p.case_id, p.amount_ore, p.overpaid_ore) for p in rows()) == [
        (cases[0].id, 50000, 0), (cases[1].id, 50000, 0)
    ]


def test_the_result_lists_at_most_so_many_warnings(cases, monkeypatch):
    from fordra.payments import intake

    monkeypatch.setattr(intake, "WARNINGS_LISTED_MAX", 0)

    result = payments_import(data=sample("ocr"), filename="ocr.txt", now=NOW)

    assert result.as_json()["warnings"] == ["… and 1 more (see the payments' warnings)"]
    assert Payment.objects.get(case=cases[5]).warnings == [
        "payer bankgiro '009701233 ' is not 10 digits (line 17)"
    ]
