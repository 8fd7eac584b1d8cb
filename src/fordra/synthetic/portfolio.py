"""Synthetic creditors and claims portfolios, shaped like what Swedish creditors hand over.

Everything is deterministic from ``seed`` (a private ``random.Random``, never the global one) and
from ``today`` (an argument; nothing reads the clock), so a demo, a simulation or a benchmark can
be rebuilt exactly.

The shape, so that intake, the daily run and the benchmarks meet realistic data:

* Creditors have invented names per ladder template (consumer, b2b, energy, housing,
  public_sector), Luhn-valid organisationsnummer (``55``… for companies, ``21``… for public
  bodies, digits 3–4 ≥ 20) and Luhn-valid bankgiro numbers.
* Each creditor's "system" writes the file its own way: personnummer as ``19121212-1212``,
  ``121212-1212`` or ``191212121212`` (12-digit form when the 10-digit one could be read with the
  wrong century); amounts as ``1 234,50``, ``1234,50``, ``1234.50`` or ``1234``; dates ISO or
  ``YYYYMMDD``; postal codes ``111 22`` or ``11122``; optional columns filled or left empty.
* Debtors: about 1.4 invoices each (most one, some 2–5 with the same creditor, some spread over
  two creditors); ``company_share`` of them companies. People have common Swedish names,
  valid-checksum personnummer born 1940–2005 (a few samordningsnummer), street addresses and
  postal codes that belong to their city. E-mail addresses use the reserved ``example.*``
  domains and phone numbers the range PTS reserves for fiction (070-174 06 05…99), so a demo
  can never reach a real person.
* Invoices: dated up to :data:`INVOICE_AGE_MAX_DAYS` before ``today``, due 10–30 days later,
  99 kr – 25 000 kr with most amounts small, öre on some; numbers unique per creditor and
  increasing with the date.

Generated portfolios contain personnummer that may belong to real people: keep them on the
machine, never commit them.
"""

from __future__ import annotations

import csv
import math
import os
import random
from bisect import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import accumulate
from operator import attrgetter, itemgetter
from typing import Final, Literal, NamedTuple, TextIO

from stdnum import luhn

Template = Literal["consumer", "b2b", "energy", "housing", "public_sector"]
TEMPLATES: Final[tuple[Template, ...]] = ("consumer", "b2b", "energy", "housing", "public_sector")

# The claims CSV columns (fordra.formats.claims_csv) the generator fills, in file order.
SYNTHETIC_COLUMNS: Final[tuple[str, ...]] = (
    "creditor_orgnr",
    "invoice_number",
    "invoice_date",
    "due_date",
    "amount",
    "debtor_id",
    "debtor_type",
    "debtor_name",
    "address",
    "postal_code",
    "city",
    "email",
    "phone",
    "description",
    "reminder_fee_agreed",
)

INVOICE_AGE_MAX_DAYS: Final = 120
PAYMENT_TERMS_MIN_DAYS: Final = 10
PAYMENT_TERMS_MAX_DAYS: Final = 30
AMOUNT_MIN_ORE: Final = 9_900
AMOUNT_MAX_ORE: Final = 2_500_000
BIRTH_YEAR_MIN: Final = 1940
BIRTH_YEAR_MAX: Final = 2005
DEBTOR_AGE_MIN_YEARS: Final = 18
# (invoices, share of debtors): mean 1.42 invoices per debtor.
INVOICES_PER_DEBTOR: Final = ((1, 0.75), (2, 0.15), (3, 0.05), (4, 0.03), (5, 0.02))
# Of the debtors with two or more invoices, the share whose invoices come from two creditors.
TWO_CREDITORS_SHARE: Final = 0.25
COORDINATION_NUMBER_SHARE: Final = 0.01
COORDINATION_DAY_OFFSET: Final = 60
ORE_SHARE: Final = 0.3
# A power above 1 on the uniform draw skews the log-uniform amounts low (median ≈ 600 kr).
AMOUNT_SKEW: Final = 1.6
INVOICES_MAX: Final = 10_000_000
CREDITORS_MAX: Final = 10_000

_FEMALE_NAMES: Final = (
    "Anna", "Eva", "Maria", "Karin", "Sara", "Kristina", "Lena", "Emma", "Kerstin", "Ingrid",
    "Marie", "Malin", "Jenny", "Birgitta", "Hanna", "Linnéa", "Elin", "Johanna", "Sofia", "Ida",
    "Julia", "Elsa", "Maja", "Astrid", "Ebba", "Alice", "Wilma", "Matilda", "Agneta", "Ulla",
    "Margareta", "Annika", "Camilla", "Therese", "Gunilla", "Louise", "Frida", "Amanda", "Moa",
    "Klara", "Fatima", "Leila", "Siv", "Britt", "Åsa", "Helena", "Cecilia", "Josefin",
)  # fmt: skip
_MALE_NAMES: Final = (
    "Lars", "Mikael", "Anders", "Johan", "Per", "Erik", "Karl", "Peter", "Jan", "Thomas",
    "Daniel", "Fredrik", "Hans", "Andreas", "Stefan", "Mattias", "Magnus", "Jonas", "Bengt",
    "Oskar", "Nils", "Björn", "Gustav", "Axel", "Filip", "Emil", "Viktor", "Olof", "Sven",
    "Göran", "Ali", "Mohammed", "Ahmed", "Leo", "Elias", "Hugo", "Lucas", "William", "Liam",
    "Isak", "Kenneth", "Leif", "Åke", "Ulf", "Rickard", "Sebastian", "Marcus", "Tobias",
)  # fmt: skip
_LAST_NAMES: Final = (
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsson", "Olsson", "Persson",
    "Svensson", "Gustafsson", "Pettersson", "Jonsson", "Jansson", "Hansson", "Bengtsson",
    "Jönsson", "Lindberg", "Jakobsson", "Magnusson", "Olofsson", "Lindström", "Lindqvist",
    "Lindgren", "Berg", "Axelsson", "Bergström", "Lundberg", "Lind", "Lundgren", "Lundqvist",
    "Mattsson", "Berglund", "Fredriksson", "Sandberg", "Henriksson", "Forsberg", "Sjöberg",
    "Wallin", "Ali", "Engström", "Mohammed", "Eklund", "Danielsson", "Lundin", "Håkansson",
    "Björk", "Bergman", "Gunnarsson", "Holm", "Wikström", "Samuelsson", "Isaksson", "Fransson",
    "Bergqvist", "Nyström", "Holmberg", "Arvidsson", "Löfgren", "Söderberg", "Nyberg",
    "Blomqvist", "Claesson", "Nordström", "Mårtensson", "Lundström", "Ahmed", "Viklund",
    "Björklund", "Eliasson", "Pålsson", "Hassan", "Berggren", "Sandström", "Lund", "Nordin",
    "Ström", "Åberg", "Hermansson", "Ekström", "Holmgren", "Falk", "Hedlund", "Dahlberg",
    "Hellström", "Sundberg", "Sjögren", "Abrahamsson", "Martinsson", "Öberg", "Andreasson",
    "Strömberg", "Månsson", "Åkesson", "Dahl", "Lindholm", "Norberg", "Holmqvist", "Yilmaz",
)  # fmt: skip
_STREETS: Final = (
    "Storgatan", "Kyrkogatan", "Drottninggatan", "Kungsgatan", "Skolgatan", "Järnvägsgatan",
    "Nygatan", "Parkvägen", "Björkvägen", "Ringvägen", "Skogsvägen", "Torggatan", "Västra vägen",
    "Södra Långgatan", "Hantverkaregatan", "Tallvägen", "Granvägen", "Lindvägen", "Ekvägen",
    "Sjövägen", "Ängsvägen", "Blåbärsvägen", "Lingonstigen", "Vallgatan", "Villagatan",
    "Bergsgatan", "Strandvägen", "Trädgårdsgatan", "Bäckvägen", "Östra Ringvägen", "Norra vägen",
    "Stationsgatan", "Prästgårdsvägen", "Solvägen", "Smedjegatan", "Köpmangatan", "Tullgatan",
    "Hamngatan", "Rosenvägen", "Fabriksgatan",
)  # fmt: skip
_BUSINESS_STREETS: Final = (
    "Industrigatan", "Verkstadsgatan", "Företagsvägen", "Hantverksvägen", "Lagergatan",
    "Truckvägen", "Montörgatan", "Importgatan",
)  # fmt: skip
# Post towns with postal codes in use there; a debtor's code always belongs to its town.
_CITIES: Final = (
    ("Stockholm", ("11122", "11129", "11350", "11421", "11639", "11826", "12030", "12457")),
    ("Göteborg", ("41103", "41117", "41263", "41455", "41664", "41705", "42131")),
    ("Malmö", ("21122", "21143", "21421", "21746", "21219", "21532")),
    ("Uppsala", ("75310", "75320", "75237", "75425", "75646")),
    ("Västerås", ("72211", "72215", "72341", "72469")),
    ("Örebro", ("70210", "70211", "70362", "70376")),
    ("Linköping", ("58183", "58222", "58330", "58437")),
    ("Helsingborg", ("25221", "25225", "25437", "25659")),
    ("Jönköping", ("55318", "55320", "55447", "55611")),
    ("Norrköping", ("60224", "60232", "60359", "60597")),
    ("Lund", ("22221", "22350", "22462", "22647")),
    ("Umeå", ("90326", "90327", "90422", "90737")),
    ("Gävle", ("80250", "80311", "80428", "80646")),
    ("Borås", ("50330", "50334", "50438", "50630")),
    ("Eskilstuna", ("63220", "63226", "63342", "63510")),
    ("Södertälje", ("15130", "15132", "15159", "15242")),
    ("Karlstad", ("65224", "65225", "65340", "65460")),
    ("Täby", ("18330", "18361", "18744")),
    ("Växjö", ("35230", "35231", "35243", "35251")),
    ("Halmstad", ("30242", "30245", "30262", "30292")),
    ("Sundsvall", ("85230", "85232", "85350", "85462")),
    ("Luleå", ("97231", "97234", "97346", "97435")),
    ("Trollhättan", ("46130", "46131", "46154", "46160")),
    ("Östersund", ("83130", "83132", "83145", "83147")),
    ("Borlänge", ("78431", "78433", "78444", "78462")),
    ("Falun", ("79130", "79131", "79160", "79171")),
    ("Kalmar", ("39231", "39233", "39351", "39354")),
    ("Kristianstad", ("29131", "29133", "29144", "29160")),
    ("Karlskrona", ("37131", "37133", "37141", "37165")),
    ("Skellefteå", ("93131", "93133", "93135", "93150")),
    ("Visby", ("62141", "62146", "62155")),
    ("Kiruna", ("98131", "98134", "98139")),
)
# Bigger towns get more debtors (roughly by population).
_CITY_WEIGHTS: Final = (
    30, 18, 12, 7, 5, 5, 5, 5, 5, 5, 4, 4, 3, 3, 3, 3, 3, 2, 3, 3, 3, 2, 2, 2, 2, 2, 2, 2, 2, 2,
    1, 1,
)  # fmt: skip
_COMPANY_TRADES: Final = (
    "Bygg", "Måleri", "Rör", "El", "Åkeri", "Städ", "Redovisning", "Trädgård", "Frisör",
    "Bilverkstad", "Data", "Golv", "Snickeri", "Plåt", "Café", "Restaurang", "Transport",
    "Konsult", "Fastighetsservice", "Blommor",
)  # fmt: skip
_REGIONS: Final = (
    "Norrlands", "Mälardalens", "Västkustens", "Skånska", "Dalarnas", "Bergslagens", "Gotlands",
    "Hälsinge", "Värmlands", "Smålands", "Östgöta", "Jämtlands", "Blekinge", "Hallands",
    "Roslagens", "Sörmlands", "Upplands", "Västerbottens", "Norrbottens", "Vänerns", "Vätterns",
    "Siljans", "Bohusläns", "Öresunds", "Kustlandets",
)  # fmt: skip
_CREDITOR_TRADES: Final[dict[Template, tuple[str, ...]]] = {
    "consumer": (
        "Bredband", "Telekom", "Mobil", "Postorder", "Hemelektronik", "Möbelhus", "Tandvård",
        "Gym", "Optik", "Mode", "Djurklinik", "Trafikskola",
    ),
    "b2b": (
        "Byggvaror", "Maskinuthyrning", "Grossisten", "Transport", "Kontorsservice", "Verktyg",
        "Trävaror", "Industriservice", "Förpackningar", "Livsmedelsgrossist",
    ),
    "energy": ("Energi", "Elhandel", "Kraft", "Fjärrvärme", "Energi & Vatten", "Elnät"),
}  # fmt: skip
_HOUSING_NAMES: Final = (
    "Mälarhem", "Kusthem", "Ekbacken", "Lindhem", "Vasahem", "Stenbacken", "Solgården",
    "Björkhagen", "Älvhem", "Fjällhem", "Sjöhem", "Granhem", "Norrbo", "Söderbo", "Västerbo",
    "Ängshem", "Tallbo", "Strandhem",
)  # fmt: skip
_HOUSING_FORMS: Final = ("Bostads AB {}", "Fastighets AB {}", "{} Fastigheter AB", "AB {}")
# Invented municipalities: public-sector creditors must not look like a real kommun.
_MUNICIPALITIES: Final = (
    "Sjöbacka", "Granvik", "Björkfors", "Lindvik", "Ekeholm", "Strandby", "Tallmo", "Älvsjöby",
    "Norrvika", "Västerbro", "Stenåker", "Lövsala", "Hagaby", "Fjällmo", "Åsbacka", "Ängdala",
)  # fmt: skip
_PUBLIC_FORMS: Final = ("{} kommun", "Tekniska verken i {}", "{} Vatten och Avfall AB")
_TEMPLATE_WEIGHTS: Final[dict[Template, float]] = {
    "consumer": 0.3,
    "b2b": 0.2,
    "energy": 0.2,
    "housing": 0.2,
    "public_sector": 0.1,
}
# How likely each kind of debtor owes each kind of creditor (relative weights).
_PERSON_AFFINITY: Final[dict[Template, float]] = {
    "consumer": 1.0,
    "b2b": 0.05,
    "energy": 1.0,
    "housing": 1.0,
    "public_sector": 0.8,
}
_COMPANY_AFFINITY: Final[dict[Template, float]] = {
    "consumer": 0.1,
    "b2b": 1.0,
    "energy": 0.6,
    "housing": 0.3,
    "public_sector": 0.3,
}
# Organisationsnummer groups of company debtors (5 aktiebolag, 9 handelsbolag, 7 ekonomisk
# förening) and how their names end.
_COMPANY_GROUPS: Final = ("55", "55", "55", "93", "71")
_COMPANY_FORMS: Final = {"55": "AB", "93": "HB", "71": "ek. för."}
_MONTHS: Final = (
    "januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september",
    "oktober", "november", "december",
)  # fmt: skip
_DESCRIPTIONS: Final[dict[Template, tuple[str, ...]]] = {
    "consumer": ("Abonnemang {month}", "Order {number}", "Månadsavgift {month}", "Köp {date}"),
    "b2b": ("Order {number}", "Varuleverans {date}", "Uthyrning {month} {year}"),
    "energy": ("Elräkning {month} {year}", "Fjärrvärme {month} {year}", "Elnät {month}"),
    "housing": ("Hyra {month} {year}", "Hyra p-plats {month} {year}", "Hyra förråd {month}"),
    "public_sector": ("Barnomsorgsavgift {month}", "VA-avgift {month} {year}", "Avfallsavgift"),
}
_EMAIL_DOMAINS: Final = ("example.com", "example.net", "example.org")
# Lower-case ASCII for e-mail local parts.
_ASCII: Final = str.maketrans("åäöéüÅÄÖÉÜ", "aaoeuaaoeu")
_ID_FORMS: Final = ("12-", "10-", "12", "10")
_ID_ATTRIBUTES: Final = {"12-": "id_12_dash", "10-": "id_10_dash", "12": "id_12", "10": "id_10"}
_AMOUNT_FORMS: Final = ("sv_space", "sv", "dot", "plain")
_INVOICE_PREFIXES: Final = ("", "F", "INV-", "", "10", "F-")
_REMINDER_WRITINGS: Final = (("",), ("",), ("ja",), ("yes", "no"), ("1", "0"), ("Ja", "Nej"))


@dataclass(frozen=True)
class SyntheticCreditor:
    name: str
    orgnr: str
    bankgiro: str
    template: Template


def generate_creditors(*, count: int, seed: int) -> list[SyntheticCreditor]:
    """``count`` creditors with unique names and organisationsnummer.

    The first five cover every template once (so a small portfolio exercises every ladder); the
    rest follow :data:`_TEMPLATE_WEIGHTS`.
    """
    if not 0 <= count <= CREDITORS_MAX:
        raise ValueError(f"count must be 0 to {CREDITORS_MAX}")
    rng = random.Random(seed)
    used_names: set[str] = set()
    used_orgnrs: set[str] = set()
    weighted = list(_TEMPLATE_WEIGHTS)
    weights = list(_TEMPLATE_WEIGHTS.values())
    creditors = []
    for index in range(count):
        template = TEMPLATES[index] if index < len(TEMPLATES) else rng.choices(weighted, weights)[0]
        name = _creditor_name(rng, template)
        suffix = 2
        base = name
        while name in used_names:
            # Enough combinations for hundreds of names; beyond that, number them.
            name = _creditor_name(rng, template) if suffix < 10 else f"{base} {suffix}"
            suffix += 1
        used_names.add(name)
        group = "21" if template == "public_sector" else "55"
        orgnr = _new_orgnr(rng, group=group, used=used_orgnrs)
        creditors.append(
            SyntheticCreditor(name=name, orgnr=orgnr, bankgiro=_bankgiro(rng), template=template)
        )
    return creditors


def _creditor_name(rng: random.Random, template: Template) -> str:
    if template == "housing":
        return rng.choice(_HOUSING_FORMS).format(rng.choice(_HOUSING_NAMES))
    if template == "public_sector":
        return rng.choice(_PUBLIC_FORMS).format(rng.choice(_MUNICIPALITIES))
    return f"{rng.choice(_REGIONS)} {rng.choice(_CREDITOR_TRADES[template])} AB"


def _new_orgnr(rng: random.Random, *, group: str, used: set[str]) -> str:
    """A Luhn-valid organisationsnummer starting with ``group``, digits 3–4 in 20–55.

    Real aktiebolag are numbered 556…/559…; keeping digits 3–4 at 20–55 stays clear of them.
    """
    while True:
        body = f"{group}{rng.randint(20, 55)}{rng.randrange(100_000):05d}"
        orgnr = body + luhn.calc_check_digit(body)
        if orgnr not in used:
            used.add(orgnr)
            return orgnr


def _bankgiro(rng: random.Random) -> str:
    """A Luhn-valid bankgiro number: 7 digits for older accounts, 8 for newer ones."""
    digits = 6 if rng.random() < 0.3 else 7
    body = str(rng.randrange(10 ** (digits - 1), 10**digits))
    return body + luhn.calc_check_digit(body)


@dataclass(frozen=True)
class _System:
    """How one creditor's invoicing system writes the claims file."""

    id_form: str
    amount_form: str
    compact_dates: bool
    spaced_postal_codes: bool
    invoice_prefix: str
    description_share: float
    email_share: float
    phone_share: float
    reminder_writings: tuple[str, ...]
    writes_debtor_type: bool


def _system(rng: random.Random) -> _System:
    return _System(
        id_form=rng.choice(_ID_FORMS),
        amount_form=rng.choice(_AMOUNT_FORMS),
        compact_dates=rng.random() < 0.15,
        spaced_postal_codes=rng.random() < 0.5,
        invoice_prefix=rng.choice(_INVOICE_PREFIXES),
        description_share=rng.choice((0.0, 0.6, 1.0)),
        email_share=rng.choice((0.0, 0.3, 0.6)),
        phone_share=rng.choice((0.0, 0.4, 0.8)),
        reminder_writings=rng.choice(_REMINDER_WRITINGS),
        writes_debtor_type=rng.random() < 0.3,
    )


class _Debtor(NamedTuple):
    """A debtor's identifier forms and contact details, fixed across its invoices.

    A NamedTuple rather than a frozen dataclass: one is made per debtor, and tuples are built
    several times faster.
    """

    id_12_dash: str
    id_10_dash: str
    id_12: str
    id_10: str
    debtor_type: str
    name: str
    address: str
    postal_code: str
    postal_code_spaced: str
    city: str
    email: str
    phone: str


def generate_claim_rows(
    *,
    creditors: Sequence[SyntheticCreditor],
    invoices: int,
    seed: int,
    today: date,
    company_share: float = 0.12,
) -> list[dict[str, str]]:
    """``invoices`` claims CSV rows (keyed by :data:`SYNTHETIC_COLUMNS`, values as text).

    Rows are ordered by creditor, then by invoice date; invoice numbers follow that order.
    """
    if not 0 <= invoices <= INVOICES_MAX:
        raise ValueError(f"invoices must be 0 to {INVOICES_MAX}")
    if invoices and not creditors:
        raise ValueError("at least one creditor is needed")
    if not 0.0 <= company_share <= 1.0:
        raise ValueError("company_share must be between 0 and 1")
    rng = random.Random(seed)
    systems = [_system(rng) for _ in creditors]
    people = _People(rng=rng, today=today, used={c.orgnr for c in creditors})
    owed = _draw_claims(
        rng, people, creditors=creditors, invoices=invoices, today=today,
        company_share=company_share,
    )
    return _claim_rows(rng, creditors=creditors, systems=systems, owed=owed)


def _draw_claims(
    rng: random.Random,
    people: _People,
    *,
    creditors: Sequence[SyntheticCreditor],
    invoices: int,
    today: date,
    company_share: float,
) -> list[list[tuple[int, int, int, _Debtor]]]:
    """First pass: who owes whom what, and when; one list per creditor. Text comes later."""
    rand = rng.random  # bound once: called several times per row
    person_cum = list(accumulate(_PERSON_AFFINITY[c.template] for c in creditors))
    company_cum = list(accumulate(_COMPANY_AFFINITY[c.template] for c in creditors))
    counts_cum = list(accumulate(share for _, share in INVOICES_PER_DEBTOR))
    today_ordinal = today.toordinal()
    amount_min_log = math.log(AMOUNT_MIN_ORE)
    amount_span_log = math.log(AMOUNT_MAX_ORE) - amount_min_log
    terms_span = PAYMENT_TERMS_MAX_DAYS - PAYMENT_TERMS_MIN_DAYS + 1

    owed: list[list[tuple[int, int, int, _Debtor]]] = [[] for _ in creditors]
    remaining = invoices
    while remaining > 0:
        debtor_count = INVOICES_PER_DEBTOR[_weighted_index(counts_cum, rand())][0]
        debtor_count = min(debtor_count, remaining)
        remaining -= debtor_count
        is_company = rand() < company_share
        debtor = people.company() if is_company else people.person()
        cum = company_cum if is_company else person_cum
        first = _weighted_index(cum, rand())
        second = first
        if debtor_count > 1 and len(creditors) > 1 and rand() < TWO_CREDITORS_SHARE:
            while second == first:
                second = _weighted_index(cum, rand())
        for n in range(debtor_count):
            invoice_ordinal = today_ordinal - 1 - int(rand() * INVOICE_AGE_MAX_DAYS)
            due_ordinal = invoice_ordinal + PAYMENT_TERMS_MIN_DAYS + int(rand() * terms_span)
            amount = int(math.exp(amount_min_log + rand() ** AMOUNT_SKEW * amount_span_log))
            if rand() < ORE_SHARE:
                amount = amount // 100 * 100 + 1 + int(rand() * 99)
            else:
                amount = amount // 100 * 100
            owed[second if n % 2 else first].append((invoice_ordinal, due_ordinal, amount, debtor))
    return owed


def _claim_rows(
    rng: random.Random,
    *,
    creditors: Sequence[SyntheticCreditor],
    systems: Sequence[_System],
    owed: list[list[tuple[int, int, int, _Debtor]]],
) -> list[dict[str, str]]:
    """Second pass: each creditor's system writes its rows, in invoice-date order (a stable
    sort: same-day invoices keep the order they were drawn in)."""
    rand = rng.random  # bound once: called several times per row
    iso_dates: dict[int, str] = {}
    compact_dates: dict[int, str] = {}
    rows: list[dict[str, str]] = []
    for creditor, system, claims in zip(creditors, systems, owed, strict=True):
        claims.sort(key=itemgetter(0))
        orgnr = creditor.orgnr
        template = creditor.template
        prefix = system.invoice_prefix
        number = rng.randrange(10_000, 900_000)
        date_texts = compact_dates if system.compact_dates else iso_dates
        debtor_id_of = attrgetter(_ID_ATTRIBUTES[system.id_form])
        postal_of = attrgetter(
            "postal_code_spaced" if system.spaced_postal_codes else "postal_code"
        )
        amount_form = system.amount_form
        description_share = system.description_share
        email_share = system.email_share
        phone_share = system.phone_share
        writes_debtor_type = system.writes_debtor_type
        reminder = system.reminder_writings
        for invoice_ordinal, due_ordinal, amount, debtor in claims:
            number += 1
            invoice_number = f"{prefix}{number}"
            invoice_date = date_texts.get(invoice_ordinal) or _date_text(
                date_texts, invoice_ordinal, compact=system.compact_dates
            )
            due_date = date_texts.get(due_ordinal) or _date_text(
                date_texts, due_ordinal, compact=system.compact_dates
            )
            rows.append(
                {
                    "creditor_orgnr": orgnr,
                    "invoice_number": invoice_number,
                    "invoice_date": invoice_date,
                    "due_date": due_date,
                    "amount": _amount_text(amount, amount_form),
                    "debtor_id": debtor_id_of(debtor),
                    "debtor_type": debtor.debtor_type if writes_debtor_type else "",
                    "debtor_name": debtor.name,
                    "address": debtor.address,
                    "postal_code": postal_of(debtor),
                    "city": debtor.city,
                    "email": debtor.email if rand() < email_share else "",
                    "phone": debtor.phone if rand() < phone_share else "",
                    "description": _description(
                        rng, template, invoice_ordinal=invoice_ordinal, number=invoice_number
                    )
                    if rand() < description_share
                    else "",
                    "reminder_fee_agreed": reminder[int(rand() * len(reminder))],
                }
            )
    return rows


def write_claims_csv(
    rows: Iterable[Mapping[str, str]],
    path_or_file: str | os.PathLike[str] | TextIO,
    *,
    delimiter: str = ";",
    columns: Sequence[str] = SYNTHETIC_COLUMNS,
) -> None:
    """Write rows as a claims CSV (DESIGN.md §4.3): UTF-8, a header, ``columns`` in that order.

    A file object must be opened in text mode with ``newline=""``. A row without some column
    writes it empty; a key outside ``columns`` is a ValueError (it would be lost silently).
    """
    if isinstance(path_or_file, (str, os.PathLike)):
        with open(path_or_file, "w", encoding="utf-8", newline="") as file:
            _write(rows, file, delimiter=delimiter, columns=columns)
    else:
        _write(rows, path_or_file, delimiter=delimiter, columns=columns)


def _write(
    rows: Iterable[Mapping[str, str]], file: TextIO, *, delimiter: str, columns: Sequence[str]
) -> None:
    writer = csv.DictWriter(
        file, fieldnames=list(columns), delimiter=delimiter, lineterminator="\n", restval=""
    )
    writer.writeheader()
    writer.writerows(rows)


# --- helpers -------------------------------------------------------------------------------


def _weighted_index(cumulative: Sequence[float], uniform: float) -> int:
    """The index drawn by ``uniform`` (0 ≤ u < 1) from cumulative weights."""
    index = bisect(cumulative, uniform * cumulative[-1])
    # Float rounding in the product must never step past the last index.
    return index if index < len(cumulative) else len(cumulative) - 1


def _date_text(cache: dict[int, str], ordinal: int, *, compact: bool) -> str:
    text = date.fromordinal(ordinal).isoformat()
    if compact:
        text = text.replace("-", "")
    cache[ordinal] = text
    return text


def _amount_text(ore: int, form: str) -> str:
    kronor, rest = divmod(ore, 100)
    if form == "sv_space":
        return f"{kronor:,}".replace(",", " ") + f",{rest:02d}"
    if form == "sv":
        return f"{kronor},{rest:02d}"
    if form == "dot":
        return f"{kronor}.{rest:02d}"
    return f"{kronor}" if rest == 0 else f"{kronor}.{rest:02d}"


def _description(
    rng: random.Random, template: Template, *, invoice_ordinal: int, number: str
) -> str:
    invoiced = date.fromordinal(invoice_ordinal)
    return rng.choice(_DESCRIPTIONS[template]).format(
        month=_MONTHS[invoiced.month - 1],
        year=invoiced.year,
        number=number,
        date=invoiced.isoformat(),
    )


class _People:
    """Makes unique debtors: people with personnummer, companies with organisationsnummer."""

    def __init__(self, *, rng: random.Random, today: date, used: set[str]) -> None:
        self.rng = rng
        self.used = set(used)
        latest = min(date(BIRTH_YEAR_MAX, 12, 31), _years_before(today, DEBTOR_AGE_MIN_YEARS))
        earliest = min(date(BIRTH_YEAR_MIN, 1, 1), _years_before(latest, 60))
        self.birth_first = earliest.toordinal()
        self.birth_span = latest.toordinal() - self.birth_first + 1
        # Born in a year less than 99 years back, a 10-digit number has one reading (no "+").
        self.ten_digits_from_year = today.year - 98
        self.city_cum = list(accumulate(_CITY_WEIGHTS))

    def person(self) -> _Debtor:
        rand = self.rng.random
        while True:
            born = date.fromordinal(self.birth_first + int(rand() * self.birth_span))
            # The birth number's last digit (the ninth of the personnummer) is odd for men;
            # 000 is never issued.
            serial = int(rand() * 1000) or 2
            male = serial % 2 == 1
            coordination = rand() < COORDINATION_NUMBER_SHARE
            number = self._personnummer(born, serial, coordination=coordination)
            if number not in self.used:
                self.used.add(number)
                break
        names = _MALE_NAMES if male else _FEMALE_NAMES
        first = names[int(rand() * len(names))]
        last = _LAST_NAMES[int(rand() * len(_LAST_NAMES))]
        street = _STREETS[int(rand() * len(_STREETS))]
        house = 1 + int(rand() ** 2 * 80)
        address = f"{street} {house}"
        if rand() < 0.12:
            address += " " + "ABCD"[int(rand() * 4)]
        elif rand() < 0.25:
            address += f", lgh {1001 + int(rand() * 4) * 100 + int(rand() * 4)}"
        city, postal_code = self._city()
        email = ""
        if rand() < 0.6:
            local = f"{first}.{last}".lower().translate(_ASCII)
            if rand() < 0.5:
                local += str(int(rand() * 100))
            email = f"{local}@{_EMAIL_DOMAINS[int(rand() * 3)]}"
        young = int(number[:4]) >= self.ten_digits_from_year
        return _Debtor(
            id_12_dash=f"{number[:8]}-{number[8:]}",
            id_10_dash=f"{number[2:8]}-{number[8:]}" if young else f"{number[:8]}-{number[8:]}",
            id_12=number,
            id_10=number[2:] if young else number,
            debtor_type="person",
            name=f"{first} {last}",
            address=address,
            postal_code=postal_code,
            postal_code_spaced=f"{postal_code[:3]} {postal_code[3:]}",
            city=city,
            email=email,
            phone=self._phone(),
        )

    def company(self) -> _Debtor:
        rng = self.rng
        rand = rng.random
        group = _COMPANY_GROUPS[int(rand() * len(_COMPANY_GROUPS))]
        orgnr = _new_orgnr(rng, group=group, used=self.used)
        trade = _COMPANY_TRADES[int(rand() * len(_COMPANY_TRADES))]
        city, postal_code = self._city()
        if rand() < 0.5:
            owner = _LAST_NAMES[int(rand() * len(_LAST_NAMES))]
            stem = f"{owner}s {trade}"
        else:
            stem = f"{city} {trade}"
        form = _COMPANY_FORMS[group]
        street = _BUSINESS_STREETS[int(rand() * len(_BUSINESS_STREETS))]
        slug = stem.lower().translate(_ASCII).replace(" ", "")
        return _Debtor(
            id_12_dash=f"{orgnr[:6]}-{orgnr[6:]}",
            id_10_dash=f"{orgnr[:6]}-{orgnr[6:]}",
            id_12=f"16{orgnr}",
            id_10=orgnr,
            debtor_type="company",
            name=f"{stem} {form}",
            address=f"{street} {1 + int(rand() * 40)}",
            postal_code=postal_code,
            postal_code_spaced=f"{postal_code[:3]} {postal_code[3:]}",
            city=city,
            email=f"faktura.{slug}@{_EMAIL_DOMAINS[int(rand() * 3)]}",
            phone=self._phone(),
        )

    @staticmethod
    def _personnummer(born: date, serial: int, *, coordination: bool) -> str:
        """12 digits YYYYMMDDNNNC; Luhn over YYMMDDNNN (day + 60 for a samordningsnummer)."""
        day = born.day + COORDINATION_DAY_OFFSET if coordination else born.day
        yy, month = born.year % 100, born.month
        check = -(_YY_SUMS[yy] + _MM_SUMS[month] + _DD_SUMS[day] + _SERIAL_SUMS[serial]) % 10
        return f"{born.year:04d}{month:02d}{day:02d}{serial:03d}{check}"

    def _city(self) -> tuple[str, str]:
        rand = self.rng.random
        city, codes = _CITIES[_weighted_index(self.city_cum, rand())]
        return city, codes[int(rand() * len(codes))]

    def _phone(self) -> str:
        # PTS reserves 070-174 06 05 … 070-174 06 99 for use in fiction.
        last = 5 + int(self.rng.random() * 95)
        return f"070-174 06 {last:02d}" if last % 3 else f"+46 70 174 06 {last:02d}"


# A Luhn sum is a sum over positions and zeros add nothing, so the share of each part of
# YYMMDDNNNC is computed once per possible value, with zeros holding the places to its right.
_YY_SUMS: Final = tuple(luhn.checksum(f"{n:02d}00000000") for n in range(100))
_MM_SUMS: Final = tuple(luhn.checksum(f"{n:02d}000000") for n in range(100))
_DD_SUMS: Final = tuple(luhn.checksum(f"{n:02d}0000") for n in range(100))
_SERIAL_SUMS: Final = tuple(luhn.checksum(f"{n:03d}0") for n in range(1000))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)
