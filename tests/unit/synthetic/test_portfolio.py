"""The synthetic portfolio generator: deterministic, valid, and shaped like real hand-overs."""

from __future__ import annotations

import io
import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from pathlib import Path

import pytest
from stdnum import luhn

from fordra.domain.identifiers import (
    PartyKind,
    parse_orgnr,
    parse_party_id,
    validate_bankgiro,
)
from fordra.domain.money import parse_amount
from fordra.formats.claims_csv import COLUMNS, REQUIRED_COLUMNS, parse_claims_csv
from fordra.synthetic import (
    SYNTHETIC_COLUMNS,
    SyntheticCreditor,
    generate_claim_rows,
    generate_creditors,
    write_claims_csv,
)
from fordra.synthetic.portfolio import TEMPLATES

TODAY = date(2025, 6, 15)


def portfolio(
    *, invoices: int = 5000, creditors: int = 8, seed: int = 1, today: date = TODAY
) -> tuple[list[SyntheticCreditor], list[dict[str, str]]]:
    made = generate_creditors(count=creditors, seed=seed)
    return made, generate_claim_rows(creditors=made, invoices=invoices, seed=seed, today=today)


def as_file(rows: list[dict[str, str]], *, delimiter: str = ";") -> bytes:
    buffer = io.StringIO()
    write_claims_csv(rows, buffer, delimiter=delimiter)
    return buffer.getvalue().encode()


# --- determinism and counts --------------------------------------------------------------------


def test_the_same_seed_gives_identical_creditors_and_rows() -> None:
    assert portfolio(seed=42) == portfolio(seed=42)


def test_another_seed_gives_another_portfolio() -> None:
    assert portfolio(seed=1)[1] != portfolio(seed=2)[1]


def test_the_global_random_generator_is_neither_used_nor_disturbed() -> None:
    import random

    random.seed(5)
    expected = random.random()
    random.seed(5)
    portfolio(invoices=100)
    assert random.random() == expected


@pytest.mark.parametrize("invoices", [0, 1, 2, 7, 1000])
def test_the_row_count_is_exact(invoices: int) -> None:
    assert len(portfolio(invoices=invoices)[1]) == invoices


@pytest.mark.parametrize("count", [0, 1, 5, 40])
def test_the_creditor_count_is_exact_with_unique_names_and_numbers(count: int) -> None:
    creditors = generate_creditors(count=count, seed=9)

    assert len(creditors) == count
    assert len({c.name for c in creditors}) == count
    assert len({c.orgnr for c in creditors}) == count


def test_the_first_five_creditors_cover_every_template() -> None:
    assert [c.template for c in generate_creditors(count=5, seed=3)] == list(TEMPLATES)


def test_impossible_requests_are_refused() -> None:
    with pytest.raises(ValueError, match="at least one creditor"):
        generate_claim_rows(creditors=[], invoices=1, seed=1, today=TODAY)
    with pytest.raises(ValueError, match="invoices"):
        generate_claim_rows(creditors=[], invoices=-1, seed=1, today=TODAY)
    with pytest.raises(ValueError, match="company_share"):
        generate_claim_rows(
            creditors=generate_creditors(count=1, seed=1),
            invoices=1,
            seed=1,
            today=TODAY,
            company_share=1.5,
        )
    with pytest.raises(ValueError, match="count"):
        generate_creditors(count=-1, seed=1)


# --- validity ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("seed", "today", "delimiter"),
    [
        (1, TODAY, ";"),
        (2, date(2024, 2, 29), ","),
        (3, date(2025, 1, 1), ";"),
        # People born in the 1940s are near 100 by then: the 10-digit form would be ambiguous.
        (4, date(2045, 12, 31), ";"),
        (5, date(1995, 7, 1), ","),
    ],
)
def test_every_generated_row_parses_without_errors(seed: int, today: date, delimiter: str) -> None:
    _, rows = portfolio(invoices=4000, seed=seed, today=today)

    parsed = parse_claims_csv(as_file(rows, delimiter=delimiter), today=today)

    assert parsed.errors == ()
    assert len(parsed.rows) == len(rows)


def test_creditor_identifiers_are_valid_and_invented() -> None:
    for creditor in generate_creditors(count=60, seed=11):
        assert parse_orgnr(creditor.orgnr) == creditor.orgnr
        assert int(creditor.orgnr[2:4]) >= 20
        assert creditor.orgnr[:3] not in ("556", "559")  # where real aktiebolag are numbered
        assert creditor.orgnr[0] == ("2" if creditor.template == "public_sector" else "5")
        assert validate_bankgiro(creditor.bankgiro) == creditor.bankgiro
        assert len(creditor.bankgiro) in (7, 8)
        assert creditor.template in TEMPLATES


def test_debtor_identifiers_are_valid_with_birth_dates_from_1940_to_2005() -> None:
    _, rows = portfolio(invoices=5000)
    kinds: Counter[PartyKind] = Counter()

    for generated in rows:
        party = parse_party_id(generated["debtor_id"], today=TODAY)
        kinds[party.kind] += 1
        if party.is_person:
            assert luhn.is_valid(party.number[2:])
            assert 1940 <= int(party.number[:4]) <= 2005
        else:
            assert int(party.number[2:4]) >= 20

    assert (
        kinds[PartyKind.PERSON] > kinds[PartyKind.ORGANISATION] > kinds[PartyKind.COORDINATION] > 0
    )


def test_invoice_numbers_are_unique_per_creditor_and_follow_the_invoice_date() -> None:
    _, rows = portfolio(invoices=5000)
    by_creditor: defaultdict[str, list[dict[str, str]]] = defaultdict(list)
    for generated in rows:
        by_creditor[generated["creditor_orgnr"]].append(generated)

    for claims in by_creditor.values():
        numbers = [c["invoice_number"] for c in claims]
        assert len(set(numbers)) == len(numbers)
        dates = [c["invoice_date"].replace("-", "") for c in claims]
        assert dates == sorted(dates)


# --- the shape of the data ---------------------------------------------------------------------


def test_debtors_have_about_1_4_invoices_some_several_and_some_with_two_creditors() -> None:
    _, rows = portfolio(invoices=20_000)
    parsed = parse_claims_csv(as_file(rows), today=TODAY).rows
    invoices_of = Counter(r.debtor.number for r in parsed)
    creditors_of: defaultdict[str, set[str]] = defaultdict(set)
    for r in parsed:
        creditors_of[r.debtor.number].add(r.creditor_orgnr)

    assert 1.3 <= len(parsed) / len(invoices_of) <= 1.55
    assert max(invoices_of.values()) == 5
    assert sum(1 for n in invoices_of.values() if n > 1) > 1000
    assert sum(1 for c in creditors_of.values() if len(c) == 2) > 300
    assert all(len(c) <= 2 for c in creditors_of.values())


def test_dates_amounts_and_company_share_are_in_range() -> None:
    _, rows = portfolio(invoices=20_000)
    parsed = parse_claims_csv(as_file(rows), today=TODAY).rows
    amounts = [r.amount_ore for r in parsed]

    for r in parsed:
        assert TODAY - timedelta(days=120) <= r.invoice_date < TODAY
        assert 10 <= (r.due_date - r.invoice_date).days <= 30
    assert min(amounts) >= 9_900 and max(amounts) <= 2_500_000
    assert statistics.median(amounts) < 150_000  # most claims are small
    assert 0.2 < sum(1 for a in amounts if a % 100) / len(amounts) < 0.4
    companies = {r.debtor.number for r in parsed if r.debtor_type == "company"}
    debtors = {r.debtor.number for r in parsed}
    assert 0.08 < len(companies) / len(debtors) < 0.16


def test_company_share_zero_gives_only_people() -> None:
    creditors = generate_creditors(count=3, seed=1)
    rows = generate_claim_rows(
        creditors=creditors, invoices=500, seed=1, today=TODAY, company_share=0.0
    )

    assert all(parse_party_id(r["debtor_id"], today=TODAY).is_person for r in rows)


def test_each_creditor_system_writes_its_own_forms_and_all_forms_occur() -> None:
    _, rows = portfolio(invoices=20_000, creditors=30)

    amounts = {r["amount"] for r in rows}
    ids = {r["debtor_id"] for r in rows}
    assert any(" " in a and "," in a for a in amounts)  # 1 234,50
    assert any("," in a and " " not in a for a in amounts)  # 1234,50
    assert any("." in a for a in amounts)  # 1234.50
    assert any(len(i) == 13 and i[8] == "-" for i in ids)  # 19121212-1212
    assert any(len(i) == 11 and i[6] == "-" for i in ids)  # 121212-1212
    assert any(len(i) == 12 and i.isdigit() and i[:2] in ("19", "20") for i in ids)
    assert any(len(i) == 10 and i.isdigit() for i in ids)
    assert {len(r["invoice_date"]) for r in rows} == {8, 10}
    assert all(parse_amount(a) > 0 for a in amounts)
    for column in ("email", "phone", "description", "debtor_type", "reminder_fee_agreed"):
        values = [r[column] for r in rows]
        assert "" in values and any(values), column


def test_addresses_belong_to_their_city_and_contacts_cannot_reach_anyone() -> None:
    _, rows = portfolio(invoices=5000)
    city_of: dict[str, str] = {}

    for r in rows:
        postal = r["postal_code"].replace(" ", "")
        assert city_of.setdefault(postal, r["city"]) == r["city"]
        if r["email"]:
            assert r["email"].rsplit("@", 1)[1] in ("example.com", "example.net", "example.org")
            assert r["email"].isascii()
        if r["phone"]:
            # PTS reserves 070-174 06 05 … 99 for fiction.
            digits = "".join(ch for ch in r["phone"] if ch.isdigit())
            national = "0" + digits[2:] if digits.startswith("46") else digits
            assert national[:8] == "07017406" and 5 <= int(national[8:]) <= 99
    assert len({r["city"] for r in rows}) >= 25


# --- writing ---------------------------------------------------------------------------------


def test_the_synthetic_columns_are_claims_csv_columns_including_every_required_one() -> None:
    assert set(REQUIRED_COLUMNS) <= set(SYNTHETIC_COLUMNS) <= set(COLUMNS)
    assert all(list(r) == list(SYNTHETIC_COLUMNS) for r in portfolio(invoices=50)[1])


def test_write_claims_csv_writes_utf8_with_a_header_in_the_fixed_order(tmp_path: Path) -> None:
    _, rows = portfolio(invoices=20)
    path = tmp_path / "claims.csv"

    write_claims_csv(rows, path)

    text = path.read_bytes().decode("utf-8")
    assert text.splitlines()[0] == ";".join(SYNTHETIC_COLUMNS)
    assert len(text.splitlines()) == 21
    assert parse_claims_csv(path.read_bytes(), today=TODAY).ok


def test_write_claims_csv_refuses_a_column_it_would_lose() -> None:
    with pytest.raises(ValueError, match="interest_rate"):
        write_claims_csv([{"interest_rate": "8"}], io.StringIO())
