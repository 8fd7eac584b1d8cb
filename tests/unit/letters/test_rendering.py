"""Letters rendered to PDF and HTML carry every item the law requires, and nothing they must not.

The PDF's text is read back with pypdf: what a debtor's PDF reader (or a screen reader) gets.
"""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import timedelta
from itertools import pairwise

import pytest
from pypdf import PdfReader

from fordra.domain.fees import DebtorType, FeeKind
from fordra.domain.identifiers import format_bankgiro
from fordra.domain.letters import LetterContent, LetterFee, LetterParty
from fordra.domain.money import format_amount
from fordra.letters import rendering
from fordra.letters.bench import sample_letter
from fordra.letters.rendering import (
    letter_texts,
    lint_all,
    lint_texts,
    page_ops,
    render_html,
    render_pdf,
    render_pdf_batch,
)
from fordra.rules import load_fee_schedule
from tests.unit.letters.letter_factories import (
    AGENCY,
    LETTER_DATE,
    a_demand,
    a_reminder,
    an_invoice,
    html_text,
    interest_on,
    pdf_pages,
    pdf_text,
    retotal,
)


def mandatory_items(content: LetterContent) -> list[str]:
    """Every inkassolagen 5 § item of ``content`` as the letter must print it."""
    texts = letter_texts(content)
    items = [
        content.creditor.name,
        content.creditor.identity,
        content.agency.name,
        content.agency.phone,
        content.agency.email,
        *content.agency.address_lines,
    ]
    for invoice in content.invoices:
        items += [
            invoice.invoice_number,
            invoice.invoice_date.isoformat(),
            invoice.due_date.isoformat(),
            invoice.description,
            format_amount(invoice.capital_ore),
        ]
    for line in content.interest:
        items += [
            f"{line.start.isoformat()} – {line.end.isoformat()}",
            f"{line.days} {format_amount(line.capital_ore)} 10,00 % {format_amount(line.amount_ore)}",
        ]
    items += [
        "Kapitalbelopp " + format_amount(content.capital_ore),
        "Ränta " + format_amount(content.interest_ore),
        "Kostnader " + format_amount(content.fees_ore),
        "Påminnelseavgift INV-1000 60,00 kr",
        "Inkassoavgift INV-1000, INV-1001 180,00 kr",
        "Att betala " + format_amount(content.total_ore),
        content.pay_by.isoformat(),
        format_bankgiro(content.bankgiro),
        content.ocr,
        texts["objection"].split("\n")[0],
        texts["consequence"],
    ]
    return items


def test_a_demand_pdf_contains_every_mandatory_item() -> None:
    demand = a_demand(2)
    text = pdf_text(render_pdf(demand))

    missing = [item for item in mandatory_items(demand) if " ".join(item.split()) not in text]

    assert missing == []
    assert "invända (bestrida kravet) innan 2026-12-01" in text
    assert "betalningsföreläggande hos Kronofogden" in text
    assert "betalningsanmärkning" in text


def test_a_demand_html_contains_every_mandatory_item() -> None:
    demand = a_demand(2)
    text = html_text(render_html(demand))

    missing = [item for item in mandatory_items(demand) if " ".join(item.split()) not in text]

    assert missing == []


def test_the_payment_block_shows_bankgiro_ocr_amount_and_pay_by_together() -> None:
    demand = a_demand()
    text = pdf_text(render_pdf(demand))

    assert (
        f"Betalningsinformation Bankgiro 5050-1055 OCR-nummer {demand.ocr} "
        f"Belopp att betala {format_amount(demand.total_ore)} Betala senast 2026-12-01"
    ) in text


def test_a_provisional_interest_rate_is_marked_and_explained() -> None:
    demand = a_demand(1)
    demand = replace(demand, interest=(replace(demand.interest[0], provisional=True),))

    text = pdf_text(render_pdf(demand))

    assert "10,00 %*" in text
    assert "Preliminär: referensräntan för perioden är ännu inte inlagd" in text


def test_part_payments_are_shown_and_deducted() -> None:
    demand = retotal(a_demand(), paid_ore=50_000)

    text = pdf_text(render_pdf(demand))

    assert "Inbetalt -500,00 kr" in text
    assert "Att betala " + format_amount(demand.total_ore) in text


def test_a_reminder_is_friendly_and_says_it_can_be_ignored_if_paid() -> None:
    text = pdf_text(render_pdf(a_reminder()))

    assert "Betalningspåminnelse" in text
    assert "Om du redan har betalat kan du bortse från det här brevet." in text
    assert "Inkassokrav" not in text


def test_a_reminder_over_two_invoices_shows_one_60_kr_fee_for_both() -> None:
    # DOMAIN.md §2: one påminnelseavgift per written reminder — never "2 × 60,00 kr".
    reminder = a_reminder(2)

    for text in (pdf_text(render_pdf(reminder)), html_text(render_html(reminder))):
        assert "Påminnelseavgift INV-1000, INV-1001 60,00 kr" in " ".join(text.split())
        assert "×" not in text


def test_an_inkassokrav_over_three_invoices_shows_one_180_kr_fee_for_all() -> None:
    text = " ".join(pdf_text(render_pdf(a_demand(3))).split())

    assert "Inkassoavgift alla fakturor ovan 180,00 kr" in text
    assert "Inkassoavgift," not in text


def test_forseningsersattning_stays_one_per_invoice_in_the_fee_table() -> None:
    items = tuple(an_invoice(n) for n in range(2))
    fees = tuple(
        LetterFee(FeeKind.LATE_PAYMENT_COMPENSATION, 45000, "lag (1981:739) 4 a §",
                  i.invoice_number, charged_on=i.due_date + timedelta(days=5))
        for i in items
    )
    letter = retotal(a_demand(2), fees=fees)

    text = " ".join(pdf_text(render_pdf(letter)).split())

    assert "Förseningsersättning, 2 × 450,00 kr INV-1000, INV-1001 900,00 kr" in text


def test_a_company_inkassokrav_pdf_and_html_carry_the_company_consequences() -> None:
    demand = a_demand(2, debtor_type=DebtorType.COMPANY)

    for text in (pdf_text(render_pdf(demand)), html_text(render_html(demand))):
        flat = " ".join(text.split())
        assert "registrerar kreditupplysningsföretagen redan ansökan om betalningsföreläggande" in (
            flat
        )
        assert "kan det leda till en betalningsanmärkning" not in flat
    assert lint_all(demand, schedule=load_fee_schedule()) == ()


def test_a_company_inkassokrav_whose_texts_lack_the_company_consequences_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocks = dict(rendering.load_texts("demand"))
    del blocks["consequence_company"]
    monkeypatch.setattr(rendering, "load_texts", lambda name: blocks)

    problems = lint_texts(a_demand(debtor_type=DebtorType.COMPANY))
    consumer = lint_texts(a_demand())

    assert [p.code for p in problems] == ["missing_company_consequence_text"]
    assert "DOMAIN.md §7" in problems[0].message
    assert consumer == ()


def test_a_demand_reminder_adds_no_new_fee_and_says_so() -> None:
    letter = a_demand(kind="demand_reminder", text="demand_reminder")

    text = pdf_text(render_pdf(letter))

    assert "Påminnelse om inkassokrav" in text
    assert "Påminnelsen kostar dig ingen ny avgift." in text


def test_a_notice_uses_the_generic_case_letter() -> None:
    notice = a_demand(kind="notice", text="")

    assert letter_texts(notice)["title"] == "Meddelande om ditt ärende"
    assert lint_texts(notice) == ()


@pytest.mark.parametrize(
    ("text", "quote"),
    [
        ("disconnection_warning", "ellagen (1997:857) 11 kap."),
        ("disconnection_warning", "socialnämnden"),
        ("rent_forfeiture_notice", "jordabalken 12 kap. 44 §"),
        ("rent_forfeiture_notice", "inom tre veckor"),
        ("rent_forfeiture_notice", "underrättat socialnämnden"),
    ],
)
def test_the_energy_and_housing_notices_cite_the_law(text: str, quote: str) -> None:
    notice = a_demand(kind="notice", text=text, pay_by=LETTER_DATE + timedelta(days=21))

    assert quote in pdf_text(render_pdf(notice))


# --- protected identity, characters, escaping ------------------------------------------------


def test_a_protected_identity_letter_has_no_address_anywhere() -> None:
    # Even when the content wrongly carries the address, nothing of it is printed or shown.
    debtor = LetterParty("Tolvan Tolvansson", "", ("Hemliga vägen 3", "999 99 GÖMSTAD"))
    letter = a_demand(debtor=debtor, protected_identity=True)

    pdf = pdf_text(render_pdf(letter))
    page = html_text(render_html(letter))

    for fragment in ("Hemliga", "999 99", "GÖMSTAD"):
        assert fragment not in pdf
        assert fragment not in page
    assert "Tolvan Tolvansson" in pdf and "Tolvan Tolvansson" in page
    assert "address_on_protected_identity" in [
        p.code for p in lint_all(letter, schedule=load_fee_schedule())
    ]


def test_a_protected_identity_letter_without_address_passes_the_lint() -> None:
    letter = a_demand(debtor=LetterParty("Tolvan Tolvansson", "", ()), protected_identity=True)

    assert lint_all(letter, schedule=load_fee_schedule()) == ()


def test_swedish_letters_survive_in_pdf_and_html() -> None:
    letter = a_demand(
        creditor=LetterParty("Östgöta Ängar AB", "556036-0793", ("Åvägen 1",)),
        debtor=LetterParty("Åsa Öberg-Ärlig", "", ("Björkstigen 5 É", "972 31 LULEÅ")),
        invoices=(an_invoice(0, description="Räksmörgås för åtta, § 3 – ”gräddfil”"),
                  an_invoice(1)),
    )
    letter = retotal(letter, interest=tuple(interest_on(i) for i in letter.invoices))

    pdf = pdf_text(render_pdf(letter))
    page = html_text(render_html(letter))

    for text in ("Östgöta Ängar AB", "Åsa Öberg-Ärlig", "972 31 LULEÅ", "Björkstigen 5 É",
                 "Räksmörgås för åtta, § 3 – ”gräddfil”", "Påminnelseavgift", "Förfallodag"):
        assert text in pdf
        assert text in page


def test_characters_helvetica_lacks_become_their_base_letter_in_the_pdf() -> None:
    letter = a_demand(debtor=LetterParty("Łukasz Wołoszyński", "", ("Ulica 1", "111 22 ŁÓDŹ")))

    pdf = pdf_text(render_pdf(letter))

    assert "Lukasz Woloszynski" in pdf
    assert "LÓDZ" in pdf
    assert "■" not in pdf
    assert "Łukasz Wołoszyński" in html_text(render_html(letter))


def test_html_escapes_what_the_data_says() -> None:
    letter = a_demand(creditor=LetterParty("<script>alert(1)</script> AB", "556036-0793", ()))

    page = render_html(letter)

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; AB" in page


# --- pages ---------------------------------------------------------------------------------


def test_a_demand_with_three_invoices_fits_on_one_page() -> None:
    assert len(PdfReader(io.BytesIO(render_pdf(a_demand(3)))).pages) == 1


def test_a_reminder_with_ten_invoices_fits_on_one_page() -> None:
    reminder = a_reminder(10)

    pages = pdf_pages(render_pdf(reminder))

    assert len(pages) == 1
    assert all(f"INV-{1000 + n}" in pages[0] for n in range(10))


def test_25_invoices_flow_onto_more_pages_with_the_total_on_the_last() -> None:
    demand = a_demand(25)
    # Different collection fees per invoice would be unusual; make each fee a row of its own.
    fees = tuple(
        LetterFee(FeeKind.DEMAND, 15_000 + n, "lag (1981:739) 3 § 1", i.invoice_number)
        for n, i in enumerate(demand.invoices)
    )
    demand = retotal(demand, fees=fees)

    pages = pdf_pages(render_pdf(demand))

    assert len(pages) >= 2
    total = f"Belopp att betala {format_amount(demand.total_ore)}"
    assert total in pages[-1]
    assert all("Belopp att betala" not in page for page in pages[:-1])
    assert "Att betala " + format_amount(demand.total_ore) in " ".join(pages)
    everything = " ".join(pages)
    for invoice in demand.invoices:
        assert f"{invoice.invoice_number} {invoice.invoice_date.isoformat()}" in everything
    assert all(f"{fee.invoice_number} {format_amount(fee.amount_ore)}" in everything for fee in fees)
    assert "(forts.)" in " ".join(pages[1:])
    for number, page in enumerate(pages, start=1):
        assert f"Sida {number} ({len(pages)})" in page
    assert f"Ärendenummer {demand.case_ref}" in pages[1]  # continuation header


def test_amounts_and_phone_numbers_never_break_across_lines() -> None:
    broken = []
    for n in range(60):  # agency names of every length move the line breaks around
        agency = replace(AGENCY, name="Å" * n + " Inkasso AB")
        for page in page_ops(a_demand(2, agency=agency)) + page_ops(a_reminder(agency=agency)):
            lines = [op[5] for op in page if op[0] == "s" and op[2] == rendering.TEXT_SIZE]
            broken += [
                (before, after)
                for before, after in pairwise(lines)
                if re.search(r"\d$", before) and re.match(r"(\d|kr\b|%|§)", after)
            ]

    assert broken == []


def test_the_payment_block_never_stands_alone_on_a_page() -> None:
    for invoices in range(1, 30):
        for page in page_ops(a_demand(invoices)):
            texts = [op[5] for op in page if op[0] == "s"]
            if "Betalningsinformation" in texts:
                assert "Med vänlig hälsning" in texts


def test_a_batch_of_n_one_page_letters_is_one_pdf_with_n_pages_in_order() -> None:
    letters = [sample_letter(i) for i in range(40)]

    pages = pdf_pages(render_pdf_batch(letters))

    assert len(pages) == 40
    for letter, page in zip(letters, pages, strict=True):
        assert f"OCR-nummer {letter.ocr}" in page
        assert "Sida 1 (1)" in page


def test_each_letter_in_a_batch_starts_on_a_new_page() -> None:
    letters = [a_demand(25), a_reminder()]

    pages = pdf_pages(render_pdf_batch(letters))

    assert "Betalningspåminnelse" in pages[-1]
    assert "Betalningspåminnelse" not in " ".join(pages[:-1])
    assert "Sida 1 (1)" in pages[-1]


def test_an_empty_batch_is_refused() -> None:
    with pytest.raises(ValueError, match="no letters"):
        render_pdf_batch([])


def test_rendering_is_deterministic() -> None:
    assert render_pdf(a_demand()) == render_pdf(a_demand())
    assert render_html(a_demand()) == render_html(a_demand())


def test_the_pdf_text_uses_the_standard_helvetica_fonts_only() -> None:
    reader = PdfReader(io.BytesIO(render_pdf(a_demand())))
    fonts = reader.pages[0]["/Resources"]["/Font"]

    names = {str(fonts[key].get_object()["/BaseFont"]) for key in fonts}

    assert names <= {"/Helvetica", "/Helvetica-Bold"}


# --- the lint over texts -------------------------------------------------------------------


def test_every_sample_letter_passes_the_whole_lint() -> None:
    schedule = load_fee_schedule()

    assert [lint_all(sample_letter(i), schedule=schedule) for i in range(60)] == [()] * 60


def test_a_demand_whose_texts_lack_the_objection_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocks = dict(rendering.load_texts("demand"))
    monkeypatch.setattr(rendering, "load_texts", lambda name: {**blocks, "objection": " "})

    assert [p.code for p in lint_texts(a_demand())] == ["missing_objection_text"]


def test_a_demand_whose_texts_lack_the_consequence_is_caught(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocks = dict(rendering.load_texts("demand"))
    monkeypatch.setattr(rendering, "load_texts", lambda name: {**blocks, "consequence": ""})

    assert [p.code for p in lint_texts(a_demand())] == ["missing_consequence_text"]


def test_a_reminder_needs_neither_objection_nor_consequence_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocks = dict(rendering.load_texts("reminder"))
    monkeypatch.setattr(
        rendering, "load_texts", lambda name: {**blocks, "objection": "", "consequence": ""}
    )

    assert lint_texts(a_reminder()) == ()


def test_a_letter_naming_an_unknown_text_is_caught() -> None:
    problems = lint_texts(a_demand(text="no_such_text"))

    assert [p.code for p in problems] == ["unknown_text"]
    assert "no_such_text" in problems[0].message


def test_a_text_with_an_unknown_placeholder_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    blocks = dict(rendering.load_texts("demand"))
    monkeypatch.setattr(rendering, "load_texts", lambda name: {**blocks, "intro": "{nonsense}"})

    assert [p.code for p in lint_texts(a_demand())] == ["text_invalid"]


def test_lint_all_reports_content_and_text_problems_together(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    blocks = dict(rendering.load_texts("demand"))
    monkeypatch.setattr(rendering, "load_texts", lambda name: {**blocks, "consequence": ""})
    letter = a_demand(pay_by=LETTER_DATE + timedelta(days=5))

    codes = [p.code for p in lint_all(letter, schedule=load_fee_schedule())]

    assert codes == ["pay_by_too_short", "missing_consequence_text"]
