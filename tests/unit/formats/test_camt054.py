"""camt.054 (DOMAIN.md §14): both sample versions, namespaces, amounts, refusals, junk."""

from __future__ import annotations

import dataclasses
import doctest
import hashlib
import re
from datetime import date, datetime
from pathlib import Path

import pytest
import xmlschema
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from fordra.formats import camt054
from fordra.formats.camt054 import (
    Camt054Error,
    CamtAccount,
    CamtPayment,
    looks_like_camt054,
    parse_camt054,
    write_camt054,
)

DATA = Path(__file__).parents[2] / "data"
V02 = (DATA / "camt054_v02.xml").read_bytes()
V08 = (DATA / "camt054_v08.xml").read_bytes()
IBAN = "SE4550000000058398257466"
BANKGIRO = "9912346"
CREATED = datetime(2026, 1, 16, 18, 0)


def pay(
    entry_ref: str,
    tx_ref: str,
    amount_ore: int,
    booking_date: date,
    value_date: date | None,
    reference: str,
    free_text: str,
    debtor_name: str,
    account: str = IBAN,
) -> CamtPayment:
    return CamtPayment(
        entry_ref=entry_ref,
        tx_ref=tx_ref,
        amount_ore=amount_ore,
        currency="SEK",
        booking_date=booking_date,
        value_date=value_date,
        reference=reference,
        reference_structured=bool(reference),
        free_text=free_text,
        debtor_name=debtor_name,
        account=account,
    )


JAN15, JAN16, JAN14 = date(2026, 1, 15), date(2026, 1, 16), date(2026, 1, 14)


def refusal(data: bytes) -> str:
    with pytest.raises(Camt054Error) as caught:
        parse_camt054(data)
    return str(caught.value)


def v08_with(old: str, new: str, count: int = 1) -> bytes:
    text = V08.decode()
    assert text.count(old) >= count, old
    return text.replace(old, new, count).encode()


# --- the spec and the samples ---------------------------------------------------------------


def test_the_examples_in_the_module_docstring_hold() -> None:
    failures, _ = doctest.testmod(camt054, verbose=False, report=True)
    assert failures == 0


def test_the_version_02_sample_reads_every_transaction() -> None:
    parsed = parse_camt054(V02)

    assert (parsed.message_id, parsed.created) == (
        "BGC20260115-000123",
        "2026-01-15T18:05:12+01:00",
    )
    assert parsed.sha256 == hashlib.sha256(V02).hexdigest()
    b = BANKGIRO
    assert parsed.payments == (
        pay("20260115-BG-0001", "000000000101", 100000, JAN15, JAN15, "10000081", "",
            "Tolvan Tolvansson", b),
        pay("20260115-BG-0001", "000000000102", 25050, JAN15, JAN15, "",
            "Faktura 2024-117 kundnr 5531", "Åsa Öberg", b),
        pay("20260115-BG-0001", "000000000103", 9995, JAN15, JAN15, "10000180",
            "Två fakturor 10000289", "Bengt Bengtsson", b),
        pay("20260115-BG-0002", "000000000104", 50000, JAN15, JAN14, "10000388", "",
            "Kalles Plåt AB", b),
        pay("20260115-BG-0002", "20260115-BG-0002/KP-2026-0042", 7500, JAN15, JAN14, "", "",
            "", b),
        pay("20260115-BG-0004", "20260115-BG-0004#1", 4200, JAN15, None, "", "", "", b),
    )  # fmt: skip
    # 20260115-BG-0003, a debit entry (a refund of 120 kr paid out), is skipped.
    assert (parsed.skipped_debits, parsed.version, parsed.created_on) == (1, 2, JAN15)
    assert parsed.accounts == (CamtAccount("bankgiro", BANKGIRO, "Ntfctn 1"),)


def test_the_version_08_sample_reads_dbtr_pty_nm_and_sts_cd() -> None:
    parsed = parse_camt054(V08)

    assert parsed.payments == (
        pay("5501160000A1", "5501160000A1-1", 123450, JAN16, JAN16, "10000487", "",
            "Tolvan Tolvansson"),
        pay("5501160000A1", "5501160000A1-2", 25000, JAN16, JAN16, "",
            "Avbetalning januari, ärende 100004", "Märta Ångström"),
        pay("5501160000A2", "5501160000A2-1", 200000, JAN16, JAN15, "10000586", "",
            "Kalles Plåt AB"),
        pay("5501160000A2", "5501160000A2-2", 50000, JAN16, JAN15, "10000685", "",
            "Olles Färg HB"),
        pay("5501160000A2", "5501160000A2-3", -2400, JAN16, JAN15, "", "Avgift inbetalning",
            ""),
    )  # fmt: skip
    # A debit transaction inside a credit entry (a charge netted from it) stays: the entry is
    # money in. The debit entry 5501160000A3 (a refund and a bank charge) is skipped.
    assert parsed.skipped_debits == 1
    assert parsed.payments[0].key == f"camt054:{IBAN}:5501160000A1-1"


def test_a_decimal_amount_becomes_exact_ore() -> None:
    # "1234.5" in the v08 sample, "250.5" and "99.95" in the v02 one, "120" in a Sum.
    assert parse_camt054(V08).payments[0].amount_ore == 123450
    assert [p.amount_ore for p in parse_camt054(V02).payments[1:3]] == [25050, 9995]


def without_namespace(data: bytes) -> bytes:
    return re.sub(rb' xmlns(:xsi)?="[^"]*"', b"", data)


def with_prefix(data: bytes) -> bytes:
    text = data.decode()
    text = re.sub(r"<(/?)([A-Za-z]+)([ >/])", r"<\1c:\2\3", text)
    return text.replace('xmlns="', 'xmlns:c="').encode()


@pytest.mark.parametrize("sample", [V02, V08], ids=["v02", "v08"])
def test_elements_are_matched_by_local_name_with_or_without_a_prefix(sample: bytes) -> None:
    expected = parse_camt054(sample).payments
    assert b"<c:Ntry>" in with_prefix(sample)

    assert parse_camt054(with_prefix(sample)).payments == expected


@pytest.mark.parametrize("version", range(2, 15))
def test_every_published_camt054_version_from_02_to_14_is_read(version: int) -> None:
    data = V08.replace(b"camt.054.001.08", f"camt.054.001.{version:02d}".encode())

    parsed = parse_camt054(data)

    assert (parsed.version, parsed.payments) == (version, parse_camt054(V08).payments)


NOT_CAMT054 = (
    "not an ISO 20022 camt.054 version (urn:iso:std:iso:20022:tech:xsd:camt.054.001.02 to .14)"
)


@pytest.mark.parametrize(
    ("namespace", "shown"),
    [
        ("urn:evil:ns", "the namespace 'urn:evil:ns'"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.053.001.08", "the namespace 'urn:iso:std:iso:20022:tech:xsd:camt.053.001.08'"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.01", "the namespace 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.01'"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.15", "the namespace 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.15'"),
        ("urn:iso:std:iso:20022:tech:xsd:camt.054.001.08x", "the namespace 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08x'"),
    ],
)  # fmt: skip
def test_a_namespace_that_is_not_a_camt054_version_is_refused(namespace: str, shown: str) -> None:
    """Issue 11: a camt.054 in ``urn:evil:ns`` was accepted and 7 payments booked."""
    data = V08.replace(b"urn:iso:std:iso:20022:tech:xsd:camt.054.001.08", namespace.encode())

    assert refusal(data) == f"the Document has {shown}, {NOT_CAMT054}"


def test_a_document_without_a_namespace_is_refused() -> None:
    assert refusal(without_namespace(V08)) == f"the Document has no namespace, {NOT_CAMT054}"


def test_an_element_in_another_namespace_inside_the_document_is_refused() -> None:
    data = v08_with("<Ntry>", '<x:Ntry xmlns:x="urn:evil:ns">').replace(b"</Ntry>", b"</x:Ntry>", 1)

    assert refusal(data) == (
        "the element Ntry is in the namespace 'urn:evil:ns', not the Document's"
        " 'urn:iso:std:iso:20022:tech:xsd:camt.054.001.08'"
    )


def test_supplementary_data_may_carry_its_own_namespace() -> None:
    data = v08_with(
        "</Ntfctn>",
        '<SplmtryData><Envlp><b:Extra xmlns:b="urn:bank:own">1</b:Extra></Envlp></SplmtryData>'
        "</Ntfctn>",
    )

    assert parse_camt054(data).payments == parse_camt054(V08).payments


# --- amounts --------------------------------------------------------------------------------


def one_entry(amount: str, currency: str = "SEK") -> bytes:
    """A minimal version 08 notification: one booked credit entry without TxDtls."""
    return f"""<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">
<BkToCstmrDbtCdtNtfctn>
<GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-16T06:00:00</CreDtTm></GrpHdr>
<Ntfctn><Id>N</Id><CreDtTm>2026-01-16T06:00:00</CreDtTm><Acct><Id><IBAN>{IBAN}</IBAN></Id></Acct>
<Ntry><Amt Ccy="{currency}">{amount}</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts><Cd>BOOK</Cd></Sts>
<BookgDt><Dt>2026-01-16</Dt></BookgDt><AcctSvcrRef>E1</AcctSvcrRef></Ntry>
</Ntfctn></BkToCstmrDbtCdtNtfctn></Document>""".encode()


@pytest.mark.parametrize(
    ("text", "ore"),
    [("1234.5", 123450), ("1234.50", 123450), ("0.01", 1), ("1234", 123400), (" 007.1 ", 710)],
)
def test_amounts_are_read_exactly(text: str, ore: int) -> None:
    (payment,) = parse_camt054(one_entry(text)).payments

    assert (payment.amount_ore, payment.tx_ref) == (ore, "E1#1")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1234.567", "1234.567 has more than 2 decimals"),
        ("1234.500", "1234.500 has more than 2 decimals"),
        ("-5.00", "'-5.00' is not an amount like 1234.50"),
        ("+5.00", "'+5.00' is not an amount like 1234.50"),
        ("1e3", "'1e3' is not an amount like 1234.50"),
        ("1,50", "'1,50' is not an amount like 1234.50"),
        ("12.", "'12.' is not an amount like 1234.50"),
        ("", "'' is not an amount like 1234.50"),
        ("0.00", "the amount is zero"),
        ("1" * 19, f"'{'1' * 19}' is not an amount like 1234.50"),
    ],
)
def test_a_bad_amount_refuses_the_file(text: str, message: str) -> None:
    assert refusal(one_entry(text)) == f"Ntfctn 1 Ntry 1: Amt: {message}"


def test_another_currency_is_read_as_given() -> None:
    (payment,) = parse_camt054(one_entry("10.00", currency="EUR")).payments

    assert (payment.currency, payment.amount_ore) == ("EUR", 1000)


def test_a_bad_currency_code_is_refused() -> None:
    assert refusal(one_entry("1.00", currency="sek")) == (
        "Ntfctn 1 Ntry 1: Amt: Ccy 'sek' is not a currency code"
    )


# --- refusals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("<Cd>BOOK</Cd>", "<Cd>PDNG</Cd>", "Ntfctn 1 Ntry 1: Sts: PDNG; only booked entries (BOOK)"),
        ("<Sts>\n          <Cd>BOOK</Cd>\n        </Sts>", "", "Ntfctn 1 Ntry 1: Sts: missing; only booked entries (BOOK)"),
        ("<Dt>2026-01-16</Dt>", "<Dt>2026-02-30</Dt>", "Ntfctn 1 Ntry 1: BookgDt: '2026-02-30' is not a date"),
        ("<Dt>2026-01-16</Dt>", "<Dt>16/01/2026</Dt>", "Ntfctn 1 Ntry 1: BookgDt: '16/01/2026' is not a date"),
        ("<Dt>2026-01-16</Dt>", "<Dt>2026-01-16x</Dt>", "Ntfctn 1 Ntry 1: BookgDt: '2026-01-16x' is not a date"),
        ("<BookgDt>\n          <Dt>2026-01-16</Dt>\n        </BookgDt>", "", "Ntfctn 1 Ntry 1: BookgDt: missing"),
        ("<CdtDbtInd>CRDT</CdtDbtInd>", "<CdtDbtInd>CRED</CdtDbtInd>", "Ntfctn 1 Ntry 1: CdtDbtInd: CRED, not CRDT or DBIT"),
        ('<Amt Ccy="SEK">1234.5</Amt>', '<Amt Ccy="EUR">1234.5</Amt>', "Ntfctn 1 Ntry 1 TxDtls 1: Amt: currency EUR differs from the entry's SEK"),
        ('<Amt Ccy="SEK">1234.5</Amt>', '<Amt Ccy="SEK">1234.4</Amt>', "Ntfctn 1 Ntry 1: Amt: the entry is 1484.50 but its transactions sum to 1484.40"),
        ('<Amt Ccy="SEK">1234.5</Amt>', "", "Ntfctn 1 Ntry 1 TxDtls 1: Amt: missing (the entry has several TxDtls)"),
        ("<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>", "Ntfctn 1 Ntry 1 NtryDtls 1: Btch/NbOfTxs: says 3 but there are 2 TxDtls"),
        ('<TtlAmt Ccy="SEK">1484.50</TtlAmt>', '<TtlAmt Ccy="SEK">1484.00</TtlAmt>', "Ntfctn 1 Ntry 1 NtryDtls 1: Btch/TtlAmt: says 1484.00 SEK but its TxDtls sum to 1484.50 SEK"),
        ("<NbOfNtries>3</NbOfNtries>", "<NbOfNtries>4</NbOfNtries>", "Ntfctn 1: TxsSummry/TtlNtries/NbOfNtries: says 4 but there are 3"),
        ("<Sum>3960.5</Sum>", "<Sum>3960.50</Sum>", None),
        ("<Sum>3960.5</Sum>", "<Sum>3960.51</Sum>", "Ntfctn 1: TxsSummry/TtlCdtNtries/Sum: says 3960.51 but the entries sum to 3960.50"),
        ("<Sum>310.25</Sum>", "<Sum>310.20</Sum>", "Ntfctn 1: TxsSummry/TtlDbtNtries/Sum: says 310.20 but the entries sum to 310.25"),
        ("<MsgId>BANKSESS-20260116-7781</MsgId>", "", "GrpHdr: MsgId: missing"),
        ("<IBAN>SE4550000000058398257466</IBAN>", "", "Ntfctn 1: Acct/Id: no IBAN or Othr/Id"),
        ("<CreDtTm>2026-01-16T06:12:40.123+01:00</CreDtTm>", "<CreDtTm>igår</CreDtTm>", "GrpHdr: CreDtTm: 'igår' is not a date"),
        ("<AcctSvcrRef>5501160000A1-2</AcctSvcrRef>", "<AcctSvcrRef>5501160000A1-1</AcctSvcrRef>", "Ntfctn 1 Ntry 1: the transaction reference '5501160000A1-1' was already used in Ntfctn 1 Ntry 1 (the payment key must be unique)"),
    ],
)  # fmt: skip
def test_a_bad_element_refuses_the_file_naming_where(
    old: str, new: str, message: str | None
) -> None:
    data = v08_with(old, new)
    if message is None:
        parse_camt054(data)
    else:
        assert refusal(data) == message


def test_a_transaction_without_any_reference_is_refused() -> None:
    data = re.sub(rb"<AcctSvcrRef>[^<]*</AcctSvcrRef>", b"", V08)

    assert refusal(data) == (
        "Ntfctn 1 Ntry 1 TxDtls 1: no AcctSvcrRef or NtryRef on the entry and no reference of"
        " its own: nothing to key the payment on"
    )


def test_an_end_to_end_id_is_only_used_together_with_the_entry_reference() -> None:
    data = v08_with("<AcctSvcrRef>5501160000A1-1</AcctSvcrRef>", "")
    data = data.replace(b"<EndToEndId>NOTPROVIDED</EndToEndId>", b"<EndToEndId>F-17</EndToEndId>")

    assert parse_camt054(data).payments[0].tx_ref == "5501160000A1/F-17"


def test_not_provided_end_to_end_id_falls_back_to_the_entry_reference_and_place() -> None:
    data = v08_with("<AcctSvcrRef>5501160000A1-1</AcctSvcrRef>", "")

    assert parse_camt054(data).payments[0].tx_ref == "5501160000A1#1"


def test_a_structured_reference_of_another_type_is_free_text() -> None:
    data = v08_with("<Cd>SCOR</Cd>", "<Cd>RADM</Cd>")

    first = parse_camt054(data).payments[0]
    assert (first.reference, first.reference_structured, first.free_text) == (
        "",
        False,
        "10000487",
    )


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"", "not well-formed XML: no element found: line 1, column 0"),
        (b"creditor_orgnr;amount\n", "not well-formed XML: not well-formed (invalid token): line 1, column 14"),
        (b"<Document><BkToCstmrStmt/></Document>", "Document holds BkToCstmrStmt, not a camt.054 BkToCstmrDbtCdtNtfctn"),
        (b"<Doc/>", "the root element is 'Doc', not Document"),
        (b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08"><BkToCstmrDbtCdtNtfctn><GrpHdr><MsgId>M</MsgId><CreDtTm>2026-01-01T00:00:00</CreDtTm></GrpHdr></BkToCstmrDbtCdtNtfctn></Document>', "BkToCstmrDbtCdtNtfctn has no Ntfctn"),
        (b'<?xml version="1.0" encoding="klingon"?><Document/>', "cannot read the XML: unknown encoding: klingon"),
        (
            b'<?xml version="1.0"?><!DOCTYPE Document [<!ENTITY a "aaaa">]><Document>&a;</Document>',
            "the file has a DTD (<!DOCTYPE …>): refused",
        ),
        (
            b'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://example.com/x.dtd"><Document/>',
            "the file has a DTD (<!DOCTYPE …>): refused",
        ),
    ],
)  # fmt: skip
def test_files_that_are_not_camt054_are_refused(data: bytes, message: str) -> None:
    assert refusal(data) == message


def test_a_file_over_the_size_limit_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camt054, "FILE_BYTES_MAX", len(V08) - 1)

    assert refusal(V08) == "the file is larger than 0 MiB"


def test_too_many_transactions_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(camt054, "PAYMENTS_MAX", 3)

    assert refusal(V08) == "Ntfctn 1 Ntry 2: more than 3 transactions"


# --- writing and round trips ---------------------------------------------------------------


@pytest.mark.parametrize("version", range(2, 9))
@pytest.mark.parametrize("sample", [V02, V08], ids=["v02", "v08"])
def test_write_then_parse_gives_back_the_samples_payments(sample: bytes, version: int) -> None:
    payments = parse_camt054(sample).payments
    account = payments[0].account
    if version == 2 and sample is V08:  # .02 has no sign per transaction: drop the mixed entry
        payments = tuple(p for p in payments if p.entry_ref != "5501160000A2")

    data = write_camt054(
        account=account, payments=payments, created=CREATED, message_id="M-1", version=version
    )

    assert parse_camt054(data).payments == payments
    assert f"camt.054.001.{version:02d}".encode() in data


def test_the_writer_uses_othr_id_for_a_non_iban_account_and_is_deterministic() -> None:
    payments = parse_camt054(V02).payments
    data = write_camt054(account=BANKGIRO, payments=payments, created=CREATED, message_id="M")

    assert b"<Othr>" in data and b"<IBAN>" not in data
    assert data == write_camt054(
        account=BANKGIRO, payments=payments, created=CREATED, message_id="M"
    )


TEXT = st.text(
    alphabet=st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp"), max_codepoint=0x2FFF),
    max_size=40,
).map(str.strip)
PAYMENT = st.builds(
    CamtPayment,
    entry_ref=st.sampled_from(["E1", "E2", "E3"]),
    tx_ref=st.text(alphabet="ABC0123456789-/", min_size=1, max_size=35),
    amount_ore=st.integers(1, 10**15),
    currency=st.just("SEK"),
    booking_date=st.dates(),
    value_date=st.none() | st.dates(),
    reference=st.just(""),
    reference_structured=st.just(False),
    free_text=TEXT,
    debtor_name=TEXT,
    account=st.just(IBAN),
)


@given(
    payments=st.lists(PAYMENT, min_size=1, max_size=12, unique_by=lambda p: p.tx_ref),
    version=st.integers(2, 8),
    ocr=st.lists(st.text(alphabet="0123456789", min_size=2, max_size=25), max_size=12),
)
@settings(suppress_health_check=[HealthCheck.too_slow])
def test_any_written_notification_parses_back_to_the_same_payments(
    payments: list[CamtPayment], version: int, ocr: list[str]
) -> None:
    # Entries group consecutive payments of one entry_ref: give each group one date and sign.
    fixed: list[CamtPayment] = []
    for index, p in enumerate(payments):
        previous = fixed[-1] if fixed else None
        reference = ocr[index] if index < len(ocr) else ""
        p = dataclasses.replace(p, reference=reference, reference_structured=bool(reference))
        if previous is not None and previous.entry_ref == p.entry_ref:
            p = dataclasses.replace(
                p,
                booking_date=previous.booking_date,
                value_date=previous.value_date,
                amount_ore=abs(p.amount_ore) * (1 if previous.amount_ore > 0 else -1),
            )
        elif index % 3 == 2:
            p = dataclasses.replace(p, amount_ore=-p.amount_ore)
        fixed.append(p)

    data = write_camt054(
        account=IBAN, payments=fixed, created=CREATED, message_id="M", version=version
    )

    # Entries (runs of one entry_ref) netting negative are debit entries: skipped, counted.
    entries: list[list[CamtPayment]] = []
    for p in fixed:
        if entries and entries[-1][0].entry_ref == p.entry_ref:
            entries[-1].append(p)
        else:
            entries.append([p])
    credit_entries = [e for e in entries if sum(x.amount_ore for x in e) > 0]
    parsed = parse_camt054(data)
    assert parsed.payments == tuple(p for e in credit_entries for p in e)
    assert parsed.skipped_debits == len(entries) - len(credit_entries)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"tx_ref": ""}, "'': entry_ref and tx_ref are 1 to 35 characters"),
        ({"amount_ore": 0}, "T1: the amount must be non-zero and fit 18 digits"),
        ({"currency": "kr"}, "T1: 'kr' is not a currency code"),
        ({"reference_structured": False}, "T1: a reference (≤ 35) is exactly a structured one"),
        ({"free_text": "x" * 141}, "T1: free text and debtor name are at most 140 characters"),
        ({"debtor_name": " A"}, "T1: free text and debtor name have no outer blanks"),
    ],
)
def test_write_camt054_refuses_what_it_cannot_write(
    change: dict[str, object], message: str
) -> None:
    changes = {"tx_ref": "T1"} | change
    payment = dataclasses.replace(parse_camt054(V08).payments[0], **changes)  # type: ignore[arg-type]

    with pytest.raises(ValueError) as caught:
        write_camt054(account=IBAN, payments=[payment], created=CREATED, message_id="M")

    assert str(caught.value) == message


def test_write_camt054_refuses_entries_it_cannot_express() -> None:
    first, second = parse_camt054(V08).payments[:2]
    mixed = dataclasses.replace(second, amount_ore=-second.amount_ore)

    with pytest.raises(ValueError, match="version 2 has no sign per transaction"):
        write_camt054(
            account=IBAN, payments=[first, mixed], created=CREATED, message_id="M", version=2
        )
    later = dataclasses.replace(second, booking_date=date(2026, 1, 17))
    with pytest.raises(ValueError, match="its payments differ in date or currency"):
        write_camt054(account=IBAN, payments=[first, later], created=CREATED, message_id="M")
    zero = dataclasses.replace(second, amount_ore=-first.amount_ore)
    with pytest.raises(ValueError, match="its payments sum to zero"):
        write_camt054(account=IBAN, payments=[first, zero], created=CREATED, message_id="M")
    with pytest.raises(ValueError, match="is used twice"):
        write_camt054(account=IBAN, payments=[first, first], created=CREATED, message_id="M")
    with pytest.raises(ValueError, match="version must be one of"):
        write_camt054(account=IBAN, payments=[first], created=CREATED, message_id="M", version=9)
    with pytest.raises(ValueError, match="no payments"):
        write_camt054(account=IBAN, payments=[], created=CREATED, message_id="M")


# --- detection ------------------------------------------------------------------------------


def test_looks_like_camt054_knows_its_files_from_the_others() -> None:
    assert looks_like_camt054(V02) and looks_like_camt054(V08)
    assert looks_like_camt054(with_prefix(V08)) and looks_like_camt054(b"\xef\xbb\xbf" + V08)
    assert looks_like_camt054(V08.decode().encode("utf-16"))
    for other in ("bgmax_sample.txt", "bgmax_tab.txt", "claims_good.csv", "claims_bad.csv"):
        assert not looks_like_camt054((DATA / other).read_bytes()), other
    camt053 = V08.replace(b"BkToCstmrDbtCdtNtfctn", b"BkToCstmrStmt")
    assert not looks_like_camt054(camt053)
    assert not looks_like_camt054(b"") and not looks_like_camt054(b"BkToCstmrDbtCdtNtfctn")


# --- robustness -----------------------------------------------------------------------------


@given(data=st.binary(max_size=2000))
@example(data=b"<Document/>")
@example(data=b"<Document><BkToCstmrDbtCdtNtfctn/></Document>")
@example(data=b'<?xml version="1.0" encoding="utf-32"?><a/>')
def test_random_bytes_raise_only_camt054_error(data: bytes) -> None:
    try:
        parse_camt054(data)
    except Camt054Error:
        return


TAGS = ["Document", "BkToCstmrDbtCdtNtfctn", "GrpHdr", "MsgId", "CreDtTm", "Ntfctn", "Acct",
        "Id", "IBAN", "Ntry", "Amt", "CdtDbtInd", "Sts", "Cd", "BookgDt", "Dt", "NtryDtls",
        "TxDtls", "Refs", "AcctSvcrRef", "RmtInf", "Strd", "CdtrRefInf", "Ref", "Ustrd",
        "TxsSummry", "TtlCdtNtries", "NbOfNtries", "Sum", "Btch", "NbOfTxs", "TtlAmt"]  # fmt: skip
TEXTS = st.sampled_from(["CRDT", "DBIT", "BOOK", "SEK", "2026-01-15", "10.00", "0", "1.234", "x"])


@st.composite
def xmlish(draw: st.DrawFn, depth: int = 0) -> str:
    tag = draw(st.sampled_from(TAGS))
    attributes = ' Ccy="SEK"' if draw(st.booleans()) else ""
    if depth > 6 or draw(st.booleans()):
        return f"<{tag}{attributes}>{draw(TEXTS)}</{tag}>"
    children = draw(st.lists(xmlish(depth + 1), max_size=4))
    return f"<{tag}{attributes}>{''.join(children)}</{tag}>"


@given(body=st.lists(xmlish(), max_size=4))
def test_random_documents_made_of_camt_elements_raise_only_camt054_error(body: list[str]) -> None:
    data = ('<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.08">'
            "<BkToCstmrDbtCdtNtfctn>" + "".join(body) + "</BkToCstmrDbtCdtNtfctn>"
            "</Document>").encode()  # fmt: skip
    try:
        parsed = parse_camt054(data)
    except Camt054Error:
        return
    assert all(p.amount_ore != 0 for p in parsed.payments)


def amounts(data: bytes) -> list[int]:
    return sorted(p.amount_ore for p in parse_camt054(data).payments)


ORIGINAL = {"v02": amounts(V02), "v08": amounts(V08)}
SAMPLES = {"v02": V02, "v08": V08}


@given(
    name=st.sampled_from(["v02", "v08"]),
    where=st.floats(0, 1, exclude_max=True),
    byte=st.integers(0, 255),
)
@settings(max_examples=300)
def test_a_flipped_byte_never_gives_a_file_with_wrong_amounts(
    name: str, where: float, byte: int
) -> None:
    sample = SAMPLES[name]
    position = int(where * len(sample))
    data = sample[:position] + bytes([byte]) + sample[position + 1 :]
    try:
        result = amounts(data)
    except Camt054Error:
        return
    assert result == ORIGINAL[name]


@given(name=st.sampled_from(["v02", "v08"]), where=st.floats(0, 1, exclude_max=True),
       duplicate=st.booleans())  # fmt: skip
def test_a_cut_or_duplicated_line_never_gives_a_file_with_wrong_amounts(
    name: str, where: float, duplicate: bool
) -> None:
    lines = SAMPLES[name].split(b"\n")
    index = int(where * len(lines))
    if duplicate:
        lines.insert(index, lines[index])
    else:
        del lines[index]
    try:
        result = amounts(b"\n".join(lines))
    except Camt054Error:
        return
    assert result == ORIGINAL[name]


# --- debit entries, accounts and real-sample quirks (issue 10 item 9) -----------------------

DEBIT_QUIRKS = (DATA / "camt054_debit_quirks.xml").read_bytes()
DEBITS_ONLY = (DATA / "camt054_debits_only.xml").read_bytes()
CURRENCIES = (DATA / "camt054_currencies.xml").read_bytes()
MAR2 = date(2026, 3, 2)


def test_a_debit_entry_without_booking_date_is_skipped_and_the_credits_are_read() -> None:
    """Issue 10 item 9: the whole file was refused ("Ntry 2: BookgDt: missing")."""
    parsed = parse_camt054(DEBIT_QUIRKS)

    assert parsed.payments == (
        pay("Q1-0302-0001", "Q1-0302-0001-1", 30000, MAR2, MAR2, "10000081", "",
            "Tolvan Tolvansson"),
        pay("Q1-0302-0001", "Q1-0302-0001-2", 20000, MAR2, MAR2, "10000180", "",
            "Märta Ångström"),
        pay("Q1-0302-0003", "Q1-0302-0003#1", 15000, MAR2, None, "", "", ""),
    )  # fmt: skip
    assert parsed.skipped_debits == 2


def test_a_file_of_debit_entries_only_reads_no_payments_without_error() -> None:
    parsed = parse_camt054(DEBITS_ONLY)

    assert (parsed.payments, parsed.skipped_debits) == ((), 2)
    # genkgo/camt's quirk: the account's IBAN given as Othr/Id.
    assert parsed.accounts == (CamtAccount("iban", IBAN, "Ntfctn 1"),)


def test_a_debit_entry_still_counts_in_the_transaction_summary() -> None:
    data = DEBIT_QUIRKS.replace(b"<Sum>2012.34567</Sum>", b"<Sum>2012.34</Sum>")

    assert refusal(data) == (
        "Ntfctn 1: TxsSummry/TtlDbtNtries/Sum: says 2012.34 but the entries sum to 2012.35"
    )
    data = DEBIT_QUIRKS.replace(
        b"<NbOfNtries>2</NbOfNtries>\n          <Sum>2012",
        b"<NbOfNtries>1</NbOfNtries>\n          <Sum>2012",
    )
    assert refusal(data) == ("Ntfctn 1: TxsSummry/TtlDbtNtries/NbOfNtries: says 1 but there are 2")


def test_an_entry_without_its_direction_is_refused_as_it_cannot_be_told_apart() -> None:
    data = DEBIT_QUIRKS.replace(b"<CdtDbtInd>DBIT</CdtDbtInd>\n        <Sts>", b"<Sts>", 1)

    assert refusal(data) == "Ntfctn 1 Ntry 2: CdtDbtInd: missing, not CRDT or DBIT"


def test_a_credit_in_another_currency_is_read_with_its_currency() -> None:
    parsed = parse_camt054(CURRENCIES)

    assert [(p.tx_ref, p.amount_ore, p.currency) for p in parsed.payments] == [
        ("ND0310-0001-1", 120000, "SEK"),
        ("ND0310-0002-1", 9500, "EUR"),
        ("ND0310-0003-1", 8050, "SEK"),
    ]
    # A QRR (not SCOR) structured reference is kept as free text.
    assert (parsed.payments[1].reference, parsed.payments[1].free_text) == ("", "10000180")


@pytest.mark.parametrize(
    ("account", "expected"),
    [
        ("<IBAN>SE4550000000058398257466</IBAN>", CamtAccount("iban", IBAN, "Ntfctn 1")),
        ("<IBAN>SE45500000000583982574aa</IBAN>", CamtAccount("iban", "SE45500000000583982574AA", "Ntfctn 1")),
        ("<Othr><Id>SE4550000000058398257466</Id></Othr>", CamtAccount("iban", IBAN, "Ntfctn 1")),
        ("<Othr><Id>991-2346</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr>", CamtAccount("bankgiro", "9912346", "Ntfctn 1")),
        ("<Othr><Id>50501055</Id><SchmeNm><Cd>BGNR</Cd></SchmeNm></Othr>", CamtAccount("bankgiro", "50501055", "Ntfctn 1")),
        ("<Othr><Id>50501055</Id></Othr>", CamtAccount("other", "50501055", "Ntfctn 1")),
        ("<Othr><Id>SE4650000000058398257466</Id></Othr>", CamtAccount("other", "SE4650000000058398257466", "Ntfctn 1")),
    ],
)  # fmt: skip
def test_the_notifications_account_is_read_by_kind(account: str, expected: CamtAccount) -> None:
    data = v08_with("<IBAN>SE4550000000058398257466</IBAN>", account)

    assert parse_camt054(data).accounts == (expected,)


def test_a_bgnr_account_that_is_not_a_bankgiro_number_is_refused() -> None:
    data = v08_with(
        "<IBAN>SE4550000000058398257466</IBAN>",
        "<Othr><Id>5050-10X</Id><SchmeNm><Prtry>BGNR</Prtry></SchmeNm></Othr>",
    )

    assert refusal(data) == (
        "Ntfctn 1: Acct/Id/Othr/Id: '5050-10X' is not a bankgiro number (BGNR)"
    )


def test_the_writer_names_a_bankgiro_account_with_the_bgnr_scheme() -> None:
    payments = parse_camt054(V02).payments
    data = write_camt054(account=BANKGIRO, payments=payments, created=CREATED, message_id="M")

    assert b"<Prtry>BGNR</Prtry>" in data
    assert parse_camt054(data).accounts == (CamtAccount("bankgiro", BANKGIRO, "Ntfctn 1"),)


# --- the official schemas (ISO 20022 XSDs, tests/data/xsd) ---------------------------------


@pytest.fixture(scope="module")
def schemas() -> dict[int, xmlschema.XMLSchema]:
    return {
        v: xmlschema.XMLSchema(DATA / "xsd" / f"camt.054.001.{v:02d}.xsd") for v in camt054.VERSIONS
    }


SAMPLE_FILES = ["camt054_v02.xml", "camt054_v08.xml", "camt054_debit_quirks.xml",
                "camt054_debits_only.xml", "camt054_currencies.xml"]  # fmt: skip


@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_every_sample_is_valid_against_its_official_schema(
    name: str, schemas: dict[int, xmlschema.XMLSchema]
) -> None:
    data = (DATA / name).read_bytes()

    schemas[parse_camt054(data).version].validate(data.decode())


@pytest.mark.parametrize("version", camt054.VERSIONS)
def test_what_the_writer_writes_is_valid_against_the_official_schema(
    version: int, schemas: dict[int, xmlschema.XMLSchema]
) -> None:
    payments = list(parse_camt054(V08).payments)
    if version == 2:  # .02 has no sign per transaction: drop the mixed entry
        payments = [p for p in payments if p.entry_ref != "5501160000A2"]
    debit = dataclasses.replace(payments[0], entry_ref="OUT", tx_ref="OUT-1", amount_ore=-500)
    for account in (IBAN, BANKGIRO):
        data = write_camt054(account=account, payments=[*payments, debit], created=CREATED,
                             message_id="M", version=version)  # fmt: skip

        schemas[version].validate(data.decode())
