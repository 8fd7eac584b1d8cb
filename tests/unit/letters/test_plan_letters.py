"""A plan's letters: the confirmation carries the schedule (due date, amount, OCR per
installment) in the PDF and the HTML, and its payment block asks for the first installment."""

from __future__ import annotations

from datetime import date

import pytest

from fordra.domain.letters import ScheduleLine, lint_letter
from fordra.domain.money import format_amount
from fordra.domain.plans import installment_ocr
from fordra.letters.rendering import lint_texts, render_html, render_pdf
from fordra.letters.services import content_from_json, content_json
from fordra.rules import load_fee_schedule
from tests.unit.letters.letter_factories import LETTER_DATE, a_demand, html_text, pdf_text

SCHEDULE = tuple(
    ScheduleLine(number=n, due_date=due, amount_ore=amount,
                 ocr=installment_ocr(case_number=100042, number=n))
    for n, due, amount in (
        (1, date(2026, 12, 14), 89_650),
        (2, date(2027, 1, 14), 89_650),
        (3, date(2027, 2, 15), 89_612),
    )
)


def a_plan_confirmation(**changes):
    fields = {
        "kind": "plan", "text": "plan_confirmation", "pay_by": SCHEDULE[0].due_date,
        "schedule": SCHEDULE,
        "schedule_note": "Totalt 2 689,12 kr om varje delbetalning betalas i tid.",
    }
    return a_demand(1, **{**fields, **changes})


def test_the_confirmation_pdf_lists_every_installment_with_its_ocr() -> None:
    text = pdf_text(render_pdf(a_plan_confirmation()))

    assert "Bekräftelse av avbetalningsplan" in text and "Betalningsplan" in text
    for line in SCHEDULE:
        assert f"{line.number} {line.due_date.isoformat()} {line.ocr} " \
               f"{format_amount(line.amount_ore)}" in text
    assert "Totalt 2 689,12 kr" in text
    assert (
        f"OCR-nummer {SCHEDULE[0].ocr} Första delbetalningen {format_amount(89_650)} "
        "Betala senast 2026-12-14"
    ) in text


def test_the_confirmation_html_lists_every_installment_and_the_first_in_the_payment_block() -> None:
    text = html_text(render_html(a_plan_confirmation()))

    assert "Betalningsplan" in text
    assert all(line.ocr in text for line in SCHEDULE)
    assert f"Första delbetalningen {format_amount(89_650)}" in text


def test_a_letter_without_a_schedule_is_drawn_as_before() -> None:
    demand = a_demand(1)
    text = pdf_text(render_pdf(demand))

    assert "Betalningsplan" not in text
    assert f"OCR-nummer {demand.ocr} Belopp att betala" in text


@pytest.mark.parametrize("text", ["plan_confirmation", "plan_broken"])
def test_the_plan_texts_pass_the_lint_and_say_how_to_object_and_what_follows(text: str) -> None:
    content = a_plan_confirmation(text=text)

    assert lint_texts(content) == ()
    assert lint_letter(content, schedule=load_fee_schedule()) == ()
    body = html_text(render_html(content))
    assert "kontakta" in body and "Kronofogden" in body


def test_an_installment_with_a_bad_ocr_stops_the_letter() -> None:
    bad = (*SCHEDULE[:2], ScheduleLine(3, date(2027, 2, 15), 89_612, "10004200318"))
    problems = lint_letter(a_plan_confirmation(schedule=bad), schedule=load_fee_schedule())

    assert [p.code for p in problems] == ["ocr_invalid"]


def test_the_stored_content_keeps_the_schedule() -> None:
    content = a_plan_confirmation()

    assert content_from_json(content_json(content)) == content
    assert content.pay_by > LETTER_DATE
