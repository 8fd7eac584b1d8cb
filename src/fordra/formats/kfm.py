"""Kronofogden: applications for betalningsföreläggande and the outcomes that come back (DOMAIN.md §7).

Lag (1990:746) om betalningsföreläggande och handräckning. Kronofogden (KFM) takes bulk
applications through its file service "Beslut om betalningsföreläggande" as XML whose XSD is
handed to approved senders only. Until it is at hand, this module models what an application
holds, exports a batch of them as a structured file of our own (JSON, and CSV with one row per
delkrav) plus a Swedish plain text per case for the case PDF, and reads outcomes from a CSV of our
own. The XML writer and the transport will sit behind an adapter and read the same model.

The application (ansökan)
-------------------------
:class:`Application` — our case ``reference``; the sökande (:class:`Applicant`, the creditor);
the ombud (:class:`Agent`, the agency: ombudskod, contact, the bankgiro the debtor pays to); one
or more svarande (:class:`Respondent`: identity, address — none when the identity is protected);
one or more delkrav (:class:`ClaimPart`: kind, amount in öre, förfallodag, interest); the grund
text; whether handräckning (avhysning) is asked for; the date it is made (``created_on``, which
also dates the identity and fee checks); and ``disputed``, which must be False.

Interest on a delkrav (:class:`InterestClaim`) is either an agreed fixed rate
(``rate_percent``) or the reference rate plus a margin (``reference_rate_margin_pp``; räntelagen
6 §: 8 percentage points, the default when neither is given), from ``from_date`` — at the
earliest the day after the due date, the first day ``fordra.domain.interest`` counts (räntelagen
3 § says "från förfallodagen"; starting a day later never claims more than Fordra computed,
and never interest for the due date itself). Costs bear no interest (DOMAIN.md §3, safe default): interest on a fee part is a
problem; capital and "övrigt" may carry it.

Validation
----------
:func:`validate_application` returns every problem at once, each an English sentence starting
with where it is (``respondent 2: identity: check digit is wrong``, ``part 3 (inkassoavgift):
…``); no problems means the application may be sent:

* the claim is not disputed (a disputed claim goes to court, never to KFM as undisputed —
  DOMAIN.md §4);
* texts present, printable and within their limits; ``reference`` without outer blanks;
* sökande and ombud: a valid organisationsnummer (a sole trader's is the owner's personnummer,
  DOMAIN.md §13), an address; the ombud also an ombudskod, a telephone number, an e-mail address
  and a valid bankgiro;
* at least one svarande, at most :data:`RESPONDENTS_MAX`, none twice; each with a valid
  personnummer, samordningsnummer or organisationsnummer on ``created_on`` and an address —
  unless the identity is protected (skyddade personuppgifter), when the address must be left
  out altogether (DOMAIN.md §10: never printed or exported);
* at least one capital part; every amount positive and at most :data:`AMOUNT_ORE_MAX`; every
  part due on or before ``created_on`` (BF is for a due claim);
* no fee over its legal maximum on ``created_on`` (``fordra.domain.fees``: inkassoavgift,
  påminnelseavgift, förseningsersättning, amorteringsplan, KFM's ansökningsavgift and the
  ombudsarvode); at most one ansökningsavgift and one ombudsarvode per application; no
  inkassoavgift or påminnelseavgift beside förseningsersättning, which absorbs them (lag
  (1981:739) 5 §);
* interest well formed, not on a cost, and not from before the day after the due date;
* a grund that says what the claim is and holds no payment instructions (bankgiro, plusgiro,
  OCR, IBAN, Swish, account numbers, "betala till" …): where to pay is the ombud's bankgiro.

The exports
-----------
:func:`export_batch_json`, :func:`export_batch_csv` and :func:`application_text` refuse (a
:class:`KfmError` listing every problem) a batch or application with any problem above except the
fee maxima, which need the fee schedule: validate with it first. They also refuse an empty batch,
more than :data:`APPLICATIONS_MAX` applications, a reference used twice, a ``batch_id`` that is
empty, longer than :data:`BATCH_ID_CHARS_MAX` or not printable, and a ``sequence`` that is not a
positive number (at most :data:`SEQUENCE_MAX`): KFM's file service numbers the files a sender
submits, so the batch header carries the number. The same input always gives the same bytes.

JSON (UTF-8, keys sorted, two-space indent, a final newline)::

    {"batch": {"format": "fordra-kfm-bf", "format_version": 1, "batch_id", "sequence",
               "created" (ISO date-time), "application_count", "total_ore", "total_kronor"},
     "applications": [{"reference", "created_on", "disputed": false, "with_eviction",
        "applicant": {"name", "orgnr", "address_lines"},
        "agent": {"name", "orgnr", "ombudskod", "address_lines", "phone", "email", "bankgiro"},
        "respondents": [{"name", "identity", "identity_kind", "protected_identity",
                         "address_lines", "phone", "email"}],
        "parts": [{"number", "kind", "amount_ore", "amount_kronor", "due_date", "description",
                   "interest": null | {"basis": "fixed" | "reference_rate", "from_date",
                                       "rate_percent", "reference_rate_margin_pp"}}],
        "grounds", "total_ore", "total_kronor"}]}

Identities are normalised (12 digits for persons, 10 for organisations), bankgiro digits only,
amounts both integer öre and kronor text with two decimals (``"1234.50"``), rates as decimal text
(``"8"``, ``"12.5"``), dates ``YYYY-MM-DD``. A protected respondent's ``address_lines`` is
always ``[]``.

CSV (UTF-8, ``;``, ``\\n`` line ends, quoted only where needed): a header, then one row per
delkrav with :data:`BATCH_CSV_COLUMNS`; ``respondents`` lists the svarande's identities joined by
``,`` (all of them answer for every delkrav); interest columns are empty without interest.

Outcomes (utfall)
-----------------
KFM answers each file with a kvittens and later sends decisions; until its formats are at hand
we read our own CSV: UTF-8 (a byte-order mark is allowed), ``;``-separated, ``"``-quoting, a
header line exactly ``reference;kind;date;kfm_case_number;detail`` (case-insensitive), then one
outcome per line; blank lines are skipped, values stripped. Quoting is strict: a quoted value
must be followed by ``;`` or the line end, and one left open at the end of the file (a file cut
off) is an error. No value may hold a line break or other control character.

==================  ==========================================================================
reference           our case reference, required, at most :data:`REFERENCE_CHARS_MAX`
kind                one of the :class:`OutcomeKind` values (case-insensitive): ``kvittens``,
                    ``kvittens-fel``, ``delgiven``, ``bestridd``, ``utslag``, ``återkallad``,
                    ``hinder/ingen tillgång``
date                ``YYYY-MM-DD``
kfm_case_number     KFM's målnummer; required except for ``kvittens-fel`` (a refused
                    application has none); at most :data:`CASE_NUMBER_CHARS_MAX`
detail              free text, required for ``kvittens-fel`` (what KFM refused); at most
                    :data:`DETAIL_CHARS_MAX`
==================  ==========================================================================

:func:`parse_outcomes_csv` is all or nothing: it returns the outcomes and no errors, or no
outcomes and every error as ``line N: column: message`` (``N`` is the physical line, the header
being line 1; ``file`` for the whole file, ``fields`` for a line that cannot be split). The same
outcome twice in one file is an error. A file with a header and no outcomes is valid and empty.
Junk never raises. :func:`write_outcomes_csv` writes the same layout (for tests and the demo) and
refuses values the parser would refuse.

>>> outcomes, errors = parse_outcomes_csv(
...     "reference;kind;date;kfm_case_number;detail\\n"
...     "K-1;utslag;2026-09-01;12-345678-26;\\n"
...     "K-2;kvittens-fel;2026-08-01;;svarande 1: okänd adress\\n".encode()
... )
>>> errors, [(o.reference, o.kind.name) for o in outcomes]
((), [('K-1', 'JUDGMENT'), ('K-2', 'RECEIPT_ERROR')])
>>> parse_outcomes_csv(b"reference;kind;date;kfm_case_number;detail\\nK-1;dom;2026-02-30;1;\\n")[1]
("line 2: kind: unknown kind 'dom'", 'line 2: date: not a valid date')
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Final, Protocol

from fordra.domain.fees import FeeKind, FeeRateMissingError, FeeSchedule
from fordra.domain.identifiers import (
    IdentifierError,
    PartyId,
    PartyKind,
    format_bankgiro,
    parse_party_id,
    validate_bankgiro,
)
from fordra.domain.interest import STATUTORY_MARGIN
from fordra.domain.money import format_amount
from fordra.formats.spreadsheet import spreadsheet_text, spreadsheet_value

__all__ = [
    "AMOUNT_ORE_MAX",
    "APPLICATIONS_MAX",
    "BATCH_CSV_COLUMNS",
    "BATCH_ID_CHARS_MAX",
    "CASE_NUMBER_CHARS_MAX",
    "DETAIL_CHARS_MAX",
    "OUTCOME_COLUMNS",
    "REFERENCE_CHARS_MAX",
    "RESPONDENTS_MAX",
    "SEQUENCE_MAX",
    "Agent",
    "Applicant",
    "Application",
    "ClaimPart",
    "ClaimPartKind",
    "InterestClaim",
    "KfmError",
    "Outcome",
    "OutcomeKind",
    "Respondent",
    "application_text",
    "export_batch_csv",
    "export_batch_json",
    "parse_outcomes_csv",
    "validate_application",
    "write_outcomes_csv",
]

FORMAT_NAME: Final = "fordra-kfm-bf"
FORMAT_VERSION: Final = 1

# Our limits ("put a limit on everything"), not KFM's: its XSD will say what it allows.
REFERENCE_CHARS_MAX: Final = 64
NAME_CHARS_MAX: Final = 200
ADDRESS_LINES_MAX: Final = 5
ADDRESS_LINE_CHARS_MAX: Final = 100
CONTACT_CHARS_MAX: Final = 100
OMBUDSKOD_CHARS_MAX: Final = 20
DESCRIPTION_CHARS_MAX: Final = 200
GROUNDS_CHARS_MAX: Final = 4000
RESPONDENTS_MAX: Final = 20
PARTS_MAX: Final = 100
# 1 000 000 000 kr, as in the claims file: far above any claim.
AMOUNT_ORE_MAX: Final = 100_000_000_000
RATE_PERCENT_MAX: Final = Decimal(100)
APPLICATIONS_MAX: Final = 10_000
BATCH_ID_CHARS_MAX: Final = 64
SEQUENCE_MAX: Final = 999_999_999
CASE_NUMBER_CHARS_MAX: Final = 40
DETAIL_CHARS_MAX: Final = 1000
OUTCOME_FILE_BYTES_MAX: Final = 16 * 1024 * 1024
OUTCOME_ROWS_MAX: Final = 100_000
OUTCOME_ERRORS_MAX: Final = 1000

OUTCOME_COLUMNS: Final = ("reference", "kind", "date", "kfm_case_number", "detail")
BATCH_CSV_COLUMNS: Final = (
    "batch_id",
    "sequence",
    "created",
    "reference",
    "part",
    "respondents",
    "kind",
    "amount_ore",
    "amount_kronor",
    "due_date",
    "interest_basis",
    "interest_rate_percent",
    "interest_margin_pp",
    "interest_from",
    "description",
)


class KfmError(ValueError):
    """A batch, application or outcome cannot be written; ``problems`` lists every reason."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems: tuple[str, ...] = tuple(problems)
        super().__init__("; ".join(self.problems))


# --- the application -------------------------------------------------------------------------


class ClaimPartKind(StrEnum):
    """The type of a delkrav."""

    CAPITAL = "kapital"
    COLLECTION_FEE = "inkassoavgift"
    REMINDER_FEE = "påminnelseavgift"
    LATE_PAYMENT_COMPENSATION = "förseningsersättning"
    APPLICATION_FEE = "ansökningsavgift"
    AGENT_FEE = "ombudsarvode"
    PLAN_FEE = "amorteringsplan"
    OTHER = "övrigt"


# The legal maximum of each fee kind (lag 1981:739; KFM's fee; the ombud amount).
_FEE_KINDS: Final[dict[ClaimPartKind, FeeKind]] = {
    ClaimPartKind.COLLECTION_FEE: FeeKind.DEMAND,
    ClaimPartKind.REMINDER_FEE: FeeKind.REMINDER,
    ClaimPartKind.LATE_PAYMENT_COMPENSATION: FeeKind.LATE_PAYMENT_COMPENSATION,
    ClaimPartKind.APPLICATION_FEE: FeeKind.KFM_APPLICATION,
    ClaimPartKind.AGENT_FEE: FeeKind.KFM_OMBUD,
    ClaimPartKind.PLAN_FEE: FeeKind.PLAN,
}
_ONCE_PER_APPLICATION: Final = (ClaimPartKind.APPLICATION_FEE, ClaimPartKind.AGENT_FEE)
_ABSORBED_BY_LATE_PAYMENT_COMPENSATION: Final = (
    ClaimPartKind.COLLECTION_FEE,
    ClaimPartKind.REMINDER_FEE,
)
_MAY_BEAR_INTEREST: Final = (ClaimPartKind.CAPITAL, ClaimPartKind.OTHER)

_KIND_LABELS: Final[dict[ClaimPartKind, str]] = {
    ClaimPartKind.CAPITAL: "Kapital",
    ClaimPartKind.COLLECTION_FEE: "Inkassoavgift",
    ClaimPartKind.REMINDER_FEE: "Påminnelseavgift",
    ClaimPartKind.LATE_PAYMENT_COMPENSATION: "Förseningsersättning",
    ClaimPartKind.APPLICATION_FEE: "Ansökningsavgift",
    ClaimPartKind.AGENT_FEE: "Ombudsarvode",
    ClaimPartKind.PLAN_FEE: "Ersättning för amorteringsplan",
    ClaimPartKind.OTHER: "Övrigt",
}
_PARTY_LABELS: Final[dict[PartyKind, str]] = {
    PartyKind.PERSON: "Personnummer",
    PartyKind.COORDINATION: "Samordningsnummer",
    PartyKind.ORGANISATION: "Organisationsnummer",
}


@dataclass(frozen=True, kw_only=True)
class Applicant:
    """Sökande: the creditor. ``orgnr`` in any common form (a sole trader's personnummer too)."""

    name: str
    orgnr: str
    address_lines: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class Agent:
    """Ombud: the agency, with KFM's ombudskod and the bankgiro the debtor pays to."""

    name: str
    orgnr: str
    ombudskod: str
    address_lines: tuple[str, ...]
    phone: str
    email: str
    bankgiro: str


@dataclass(frozen=True, kw_only=True)
class Respondent:
    """Svarande: a debtor. With ``protected_identity`` the address stays empty, never sent."""

    name: str
    identity: str
    address_lines: tuple[str, ...] = ()
    protected_identity: bool = False
    phone: str = ""
    email: str = ""


@dataclass(frozen=True, kw_only=True)
class InterestClaim:
    """Interest claimed on a delkrav from ``from_date``.

    ``InterestClaim(rate_percent=Decimal("12"), from_date=d)`` — an agreed fixed yearly rate;
    ``InterestClaim(from_date=d)`` or ``InterestClaim(reference_rate_margin_pp=Decimal(8),
    from_date=d)`` — the reference rate in force at each time plus a margin (räntelagen 6 §:
    8 percentage points). Giving both rates is a validation problem.
    """

    from_date: date
    rate_percent: Decimal | None = None
    reference_rate_margin_pp: Decimal | None = None

    @property
    def is_fixed(self) -> bool:
        return self.rate_percent is not None

    @property
    def margin_pp(self) -> Decimal:
        """The margin over the reference rate (8 unless given); meaningless for a fixed rate."""
        if self.reference_rate_margin_pp is None:
            return STATUTORY_MARGIN
        return self.reference_rate_margin_pp


@dataclass(frozen=True, kw_only=True)
class ClaimPart:
    """Delkrav: one amount of one kind, its förfallodag and the interest claimed on it."""

    kind: ClaimPartKind
    amount_ore: int
    due_date: date
    interest: InterestClaim | None = None
    description: str = ""


@dataclass(frozen=True, kw_only=True)
class Application:
    """Ansökan om betalningsföreläggande for one case (see the module docstring)."""

    reference: str
    applicant: Applicant
    agent: Agent
    respondents: tuple[Respondent, ...]
    parts: tuple[ClaimPart, ...]
    grounds: str
    created_on: date
    with_eviction: bool = False
    disputed: bool = False

    @property
    def total_ore(self) -> int:
        return sum(part.amount_ore for part in self.parts)


# --- validation ------------------------------------------------------------------------------

# Words that only payment instructions use; "betalat", "obetald", "delbetalning" are facts of
# the claim and allowed.
_PAYMENT_INSTRUCTIONS: Final = re.compile(
    r"\b(?:bank\s*giro\w*|plus\s*giro\w*|bg|pg|ocr\w*|iban|bic|swift|swish\w*|clearing\w*"
    r"|konto\s*(?:nummer|nr)\w*|inbetalningskort\w*|betala[s]?\s+(?:in|till)|sätt\s+in)\b",
    re.IGNORECASE,
)
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")


def validate_application(application: Application, *, fees: FeeSchedule) -> tuple[str, ...]:
    """Every reason ``application`` may not be sent; empty when it may.

    ``fees`` gives the legal maximum of each fee on ``application.created_on``.
    """
    return tuple(_problems(application, fees=fees))


def _problems(application: Application, *, fees: FeeSchedule | None) -> list[str]:
    """All problems; the fee maxima only when ``fees`` is given."""
    problems: list[str] = []
    if application.disputed:
        problems.append(
            "the claim is disputed: it must go to court, never to Kronofogden as an "
            "undisputed claim"
        )
    problems += _text_problems(
        application.reference, "reference", chars_max=REFERENCE_CHARS_MAX, strict=True
    )
    problems += _applicant_problems(application.applicant, today=application.created_on)
    problems += _agent_problems(application.agent, today=application.created_on)
    problems += _respondents_problems(application.respondents, today=application.created_on)
    problems += _parts_problems(application, fees=fees)
    problems += _grounds_problems(application.grounds)
    return problems


def _text_problems(
    value: str, name: str, *, chars_max: int, required: bool = True, strict: bool = False
) -> list[str]:
    """A single-line text: present (if required), printable, within ``chars_max``."""
    if not value.strip():
        return [f"{name}: missing"] if required else []
    problems: list[str] = []
    if len(value) > chars_max:
        problems.append(f"{name}: longer than {chars_max} characters")
    if not value.isprintable():
        problems.append(f"{name}: control or other non-printable characters")
    if strict and value != value.strip():
        problems.append(f"{name}: blanks before or after")
    return problems


def _identity_problems(text: str, name: str, *, today: date) -> list[str]:
    try:
        parse_party_id(text, today=today)
    except IdentifierError as exc:
        return [f"{name}: {exc}"]
    return []


def _address_problems(lines: Sequence[str], name: str) -> list[str]:
    if not any(line.strip() for line in lines):
        return [f"{name}: address missing"]
    if len(lines) > ADDRESS_LINES_MAX:
        return [f"{name}: address: more than {ADDRESS_LINES_MAX} lines"]
    problems: list[str] = []
    for number, line in enumerate(lines, start=1):
        problems += _text_problems(
            line, f"{name}: address line {number}", chars_max=ADDRESS_LINE_CHARS_MAX
        )
    return problems


def _email_problems(value: str, name: str, *, required: bool) -> list[str]:
    problems = _text_problems(value, name, chars_max=CONTACT_CHARS_MAX, required=required)
    if not problems and value.strip() and not _EMAIL.fullmatch(value.strip()):
        problems.append(f"{name}: not an e-mail address")
    return problems


def _applicant_problems(applicant: Applicant, *, today: date) -> list[str]:
    return [
        *_text_problems(applicant.name, "applicant: name", chars_max=NAME_CHARS_MAX),
        *_identity_problems(applicant.orgnr, "applicant: orgnr", today=today),
        *_address_problems(applicant.address_lines, "applicant"),
    ]


def _agent_problems(agent: Agent, *, today: date) -> list[str]:
    problems = [
        *_text_problems(agent.name, "agent: name", chars_max=NAME_CHARS_MAX),
        *_identity_problems(agent.orgnr, "agent: orgnr", today=today),
        *_text_problems(agent.ombudskod, "agent: ombudskod", chars_max=OMBUDSKOD_CHARS_MAX),
        *_address_problems(agent.address_lines, "agent"),
        *_text_problems(agent.phone, "agent: phone", chars_max=CONTACT_CHARS_MAX),
        *_email_problems(agent.email, "agent: email", required=True),
    ]
    try:
        validate_bankgiro(agent.bankgiro)
    except IdentifierError as exc:
        problems.append(f"agent: bankgiro: {exc}")
    return problems


def _respondents_problems(respondents: Sequence[Respondent], *, today: date) -> list[str]:
    if not respondents:
        return ["no respondent (svarande)"]
    if len(respondents) > RESPONDENTS_MAX:
        return [f"more than {RESPONDENTS_MAX} respondents"]
    problems: list[str] = []
    first_of: dict[str, int] = {}
    for number, respondent in enumerate(respondents, start=1):
        name = f"respondent {number}"
        problems += _text_problems(respondent.name, f"{name}: name", chars_max=NAME_CHARS_MAX)
        try:
            identity = parse_party_id(respondent.identity, today=today)
        except IdentifierError as exc:
            problems.append(f"{name}: identity: {exc}")
        else:
            first = first_of.setdefault(identity.number, number)
            if first != number:
                problems.append(f"{name}: identity: the same as respondent {first}")
        if respondent.protected_identity:
            if respondent.address_lines:
                problems.append(
                    f"{name}: protected identity: the address must be left out, never sent"
                )
        else:
            problems += _address_problems(respondent.address_lines, name)
        problems += _text_problems(
            respondent.phone, f"{name}: phone", chars_max=CONTACT_CHARS_MAX, required=False
        )
        problems += _email_problems(respondent.email, f"{name}: email", required=False)
    return problems


def _parts_problems(application: Application, *, fees: FeeSchedule | None) -> list[str]:
    parts = application.parts
    if not parts:
        return ["no capital (kapital) part"]
    if len(parts) > PARTS_MAX:
        return [f"more than {PARTS_MAX} claim parts"]
    problems: list[str] = []
    kinds = [part.kind for part in parts]
    if ClaimPartKind.CAPITAL not in kinds:
        problems.append("no capital (kapital) part")
    for kind in _ONCE_PER_APPLICATION:
        if kinds.count(kind) > 1:
            problems.append(f"more than one {kind} part: one per application")
    if ClaimPartKind.LATE_PAYMENT_COMPENSATION in kinds:
        for kind in _ABSORBED_BY_LATE_PAYMENT_COMPENSATION:
            if kind in kinds:
                problems.append(
                    f"{kind} beside förseningsersättning: it is absorbed by it (lag 1981:739 5 §)"
                )
    for number, part in enumerate(parts, start=1):
        problems += _part_problems(
            part, f"part {number} ({part.kind})", created_on=application.created_on, fees=fees
        )
    return problems


def _part_problems(
    part: ClaimPart, name: str, *, created_on: date, fees: FeeSchedule | None
) -> list[str]:
    problems: list[str] = []
    if part.amount_ore <= 0:
        problems.append(f"{name}: amount must be positive")
    elif part.amount_ore > AMOUNT_ORE_MAX:
        problems.append(f"{name}: amount over {format_amount(AMOUNT_ORE_MAX)}")
    elif fees is not None and part.kind in _FEE_KINDS:
        problems += _fee_cap_problems(part, name, on=created_on, fees=fees)
    if part.due_date > created_on:
        problems.append(f"{name}: not yet due on the application date {created_on.isoformat()}")
    problems += _text_problems(
        part.description, f"{name}: description", chars_max=DESCRIPTION_CHARS_MAX, required=False
    )
    if part.interest is not None:
        problems += _interest_problems(part, name)
    return problems


def _fee_cap_problems(part: ClaimPart, name: str, *, on: date, fees: FeeSchedule) -> list[str]:
    try:
        cap = fees.rate_on(_FEE_KINDS[part.kind], on)
    except FeeRateMissingError:
        return [f"{name}: no legal maximum known on {on.isoformat()} (fee schedule {fees.version})"]
    if part.amount_ore > cap.amount_ore:
        return [
            f"{name}: {format_amount(part.amount_ore)} is over the legal maximum "
            f"{format_amount(cap.amount_ore)} on {on.isoformat()} (fee schedule {fees.version})"
        ]
    return []


def _interest_problems(part: ClaimPart, name: str) -> list[str]:
    interest = part.interest
    assert interest is not None
    problems: list[str] = []
    if part.kind not in _MAY_BEAR_INTEREST:
        problems.append(f"{name}: interest on a cost: interest is claimed on capital only")
    if interest.rate_percent is not None and interest.reference_rate_margin_pp is not None:
        problems.append(
            f"{name}: interest: either a fixed rate or a margin over the reference rate, not both"
        )
    if interest.rate_percent is not None:
        rate = interest.rate_percent
        if not (rate.is_finite() and 0 < rate <= RATE_PERCENT_MAX):
            problems.append(f"{name}: interest: rate must be above 0 and at most 100 percent")
    elif not (interest.margin_pp.is_finite() and 0 <= interest.margin_pp <= RATE_PERCENT_MAX):
        problems.append(f"{name}: interest: margin must be 0 to 100 percentage points")
    earliest = part.due_date + timedelta(days=1)
    if interest.from_date < earliest:
        problems.append(
            f"{name}: interest from {interest.from_date.isoformat()} is before the day after "
            f"the due date ({earliest.isoformat()})"
        )
    return problems


def _grounds_problems(grounds: str) -> list[str]:
    if not grounds.strip():
        return ["grounds (grund) missing: say what the claim is"]
    problems: list[str] = []
    if len(grounds) > GROUNDS_CHARS_MAX:
        problems.append(f"grounds: longer than {GROUNDS_CHARS_MAX} characters")
    if not all(ch.isprintable() or ch == "\n" for ch in grounds):
        problems.append("grounds: control or other non-printable characters")
    found = _PAYMENT_INSTRUCTIONS.search(grounds)
    if found is not None:
        problems.append(f"grounds must not contain payment instructions (found {found.group(0)!r})")
    return problems


# --- the exports ---------------------------------------------------------------------------


def export_batch_json(
    applications: Sequence[Application], *, batch_id: str, sequence: int, created: datetime
) -> bytes:
    """The batch as UTF-8 JSON (see the module docstring); ``KfmError`` on any problem."""
    _check_batch(applications, batch_id=batch_id, sequence=sequence)
    total = sum(application.total_ore for application in applications)
    document = {
        "batch": {
            "format": FORMAT_NAME,
            "format_version": FORMAT_VERSION,
            "batch_id": batch_id,
            "sequence": sequence,
            "created": created.isoformat(timespec="seconds"),
            "application_count": len(applications),
            "total_ore": total,
            "total_kronor": _kronor(total),
        },
        "applications": [_application_json(application) for application in applications],
    }
    text = json.dumps(document, ensure_ascii=False, indent=2, sort_keys=True)
    return (text + "\n").encode("utf-8")


def export_batch_csv(
    applications: Sequence[Application], *, batch_id: str, sequence: int, created: datetime
) -> bytes:
    """The batch as UTF-8 CSV, one row per delkrav (see the module docstring)."""
    _check_batch(applications, batch_id=batch_id, sequence=sequence)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(BATCH_CSV_COLUMNS)
    for application in applications:
        respondents = ",".join(
            _party(respondent.identity, today=application.created_on).number
            for respondent in application.respondents
        )
        for number, part in enumerate(application.parts, start=1):
            interest = part.interest
            writer.writerow(
                [
                    batch_id,
                    str(sequence),
                    created.isoformat(timespec="seconds"),
                    application.reference,
                    str(number),
                    respondents,
                    part.kind.value,
                    str(part.amount_ore),
                    _kronor(part.amount_ore),
                    part.due_date.isoformat(),
                    "" if interest is None else _interest_basis(interest),
                    "" if interest is None else _fixed_rate(interest),
                    "" if interest is None else _margin(interest),
                    "" if interest is None else interest.from_date.isoformat(),
                    spreadsheet_text(part.description),
                ]
            )
    return buffer.getvalue().encode("utf-8")


def application_text(application: Application) -> str:
    """The whole application as Swedish plain text, for the case PDF.

    Refuses (``KfmError``) what the exports refuse; a protected respondent's address is never
    printed.
    """
    problems = _problems(application, fees=None)
    if problems:
        raise KfmError(problems)
    today = application.created_on
    applicant, agent = application.applicant, application.agent
    lines = [
        "ANSÖKAN OM BETALNINGSFÖRELÄGGANDE",
        f"Vår referens: {application.reference}",
        f"Datum: {today.isoformat()}",
        "",
        "SÖKANDE",
        applicant.name,
        _party_line(applicant.orgnr, today=today),
        *applicant.address_lines,
        "",
        "OMBUD",
        agent.name,
        _party_line(agent.orgnr, today=today),
        f"Ombudskod: {agent.ombudskod}",
        *agent.address_lines,
        f"Telefon: {agent.phone}",
        f"E-post: {agent.email}",
        f"Bankgiro för betalning: {format_bankgiro(validate_bankgiro(agent.bankgiro))}",
        "",
        "SVARANDE",
    ]
    for number, respondent in enumerate(application.respondents, start=1):
        lines.append(f"{number}. {respondent.name}")
        lines.append(f"   {_party_line(respondent.identity, today=today)}")
        if respondent.protected_identity:
            lines.append("   Skyddade personuppgifter: adressen lämnas inte ut.")
        else:
            lines += [f"   {line}" for line in respondent.address_lines]
        if respondent.phone.strip():
            lines.append(f"   Telefon: {respondent.phone}")
        if respondent.email.strip():
            lines.append(f"   E-post: {respondent.email}")
    lines += ["", "YRKANDE"]
    for number, part in enumerate(application.parts, start=1):
        lines.append(
            f"{number}. {_KIND_LABELS[part.kind]}: {format_amount(part.amount_ore)}, "
            f"förfallodag {part.due_date.isoformat()}"
        )
        if part.interest is not None:
            lines.append(f"   Ränta: {_interest_text(part.interest)}")
        if part.description.strip():
            lines.append(f"   {part.description}")
    with_interest = any(part.interest is not None for part in application.parts)
    lines.append(
        f"Summa: {format_amount(application.total_ore)}"
        + (" jämte ränta enligt ovan" if with_interest else "")
    )
    lines += ["", "GRUND", *application.grounds.strip().split("\n")]
    if application.with_eviction:
        lines += ["", "HANDRÄCKNING", "Sökanden begär handräckning om avhysning."]
    return "\n".join(lines) + "\n"


def _check_batch(applications: Sequence[Application], *, batch_id: str, sequence: int) -> None:
    problems = _text_problems(batch_id, "batch_id", chars_max=BATCH_ID_CHARS_MAX, strict=True)
    if isinstance(sequence, bool) or not 1 <= sequence <= SEQUENCE_MAX:
        problems.append(f"sequence: must be a number from 1 to {SEQUENCE_MAX}")
    if not applications:
        problems.append("applications: none in the batch")
    elif len(applications) > APPLICATIONS_MAX:
        problems.append(f"applications: more than {APPLICATIONS_MAX} in one batch")
    else:
        first_of: dict[str, int] = {}
        for number, application in enumerate(applications, start=1):
            where = f"application {number} ({application.reference!r})"
            first = first_of.setdefault(application.reference, number)
            if first != number:
                problems.append(f"{where}: reference: also used by application {first}")
            problems += [f"{where}: {problem}" for problem in _problems(application, fees=None)]
    if problems:
        raise KfmError(problems)


def _party(text: str, *, today: date) -> PartyId:
    """A party identity already validated by ``_problems``."""
    return parse_party_id(text, today=today)


def _party_line(text: str, *, today: date) -> str:
    party = _party(text, today=today)
    return f"{_PARTY_LABELS[party.kind]} {party.display}"


def _application_json(application: Application) -> dict[str, object]:
    today = application.created_on
    applicant, agent = application.applicant, application.agent
    return {
        "reference": application.reference,
        "created_on": today.isoformat(),
        "disputed": application.disputed,
        "with_eviction": application.with_eviction,
        "applicant": {
            "name": applicant.name,
            "orgnr": _party(applicant.orgnr, today=today).number,
            "address_lines": list(applicant.address_lines),
        },
        "agent": {
            "name": agent.name,
            "orgnr": _party(agent.orgnr, today=today).number,
            "ombudskod": agent.ombudskod,
            "address_lines": list(agent.address_lines),
            "phone": agent.phone,
            "email": agent.email,
            "bankgiro": validate_bankgiro(agent.bankgiro),
        },
        "respondents": [
            _respondent_json(respondent, today=today) for respondent in application.respondents
        ],
        "parts": [
            _part_json(part, number=number)
            for number, part in enumerate(application.parts, start=1)
        ],
        "grounds": application.grounds,
        "total_ore": application.total_ore,
        "total_kronor": _kronor(application.total_ore),
    }


def _respondent_json(respondent: Respondent, *, today: date) -> dict[str, object]:
    party = _party(respondent.identity, today=today)
    return {
        "name": respondent.name,
        "identity": party.number,
        "identity_kind": party.kind.value,
        "protected_identity": respondent.protected_identity,
        # Never the address of a protected identity, whatever the caller passed.
        "address_lines": [] if respondent.protected_identity else list(respondent.address_lines),
        "phone": respondent.phone,
        "email": respondent.email,
    }


def _part_json(part: ClaimPart, *, number: int) -> dict[str, object]:
    interest = part.interest
    return {
        "number": number,
        "kind": part.kind.value,
        "amount_ore": part.amount_ore,
        "amount_kronor": _kronor(part.amount_ore),
        "due_date": part.due_date.isoformat(),
        "description": part.description,
        "interest": None
        if interest is None
        else {
            "basis": _interest_basis(interest),
            "from_date": interest.from_date.isoformat(),
            "rate_percent": _fixed_rate(interest) or None,
            "reference_rate_margin_pp": _margin(interest) or None,
        },
    }


def _interest_basis(interest: InterestClaim) -> str:
    return "fixed" if interest.is_fixed else "reference_rate"


def _fixed_rate(interest: InterestClaim) -> str:
    return "" if interest.rate_percent is None else _decimal(interest.rate_percent)


def _margin(interest: InterestClaim) -> str:
    return "" if interest.is_fixed else _decimal(interest.margin_pp)


def _interest_text(interest: InterestClaim) -> str:
    since = f"från {interest.from_date.isoformat()}"
    if interest.rate_percent is not None:
        return f"{_decimal(interest.rate_percent).replace('.', ',')} % per år {since}"
    margin = _decimal(interest.margin_pp).replace(".", ",")
    return f"referensräntan + {margin} procentenheter {since}"


def _decimal(value: Decimal) -> str:
    """``Decimal("8.00")`` → ``"8"``, ``Decimal("12.50")`` → ``"12.5"``; never an exponent."""
    return format(value.normalize(), "f")


def _kronor(ore: int) -> str:
    sign = "-" if ore < 0 else ""
    kronor, rest = divmod(abs(ore), 100)
    return f"{sign}{kronor}.{rest:02d}"


# --- outcomes ------------------------------------------------------------------------------


class OutcomeKind(StrEnum):
    """What KFM answered or decided."""

    RECEIPT_OK = "kvittens"
    RECEIPT_ERROR = "kvittens-fel"
    SERVED = "delgiven"
    DISPUTED = "bestridd"
    JUDGMENT = "utslag"
    WITHDRAWN = "återkallad"
    NO_ASSETS = "hinder/ingen tillgång"


_OUTCOME_KINDS: Final[dict[str, OutcomeKind]] = {
    kind.value.casefold(): kind for kind in OutcomeKind
}


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """One outcome for one application (``reference`` is our case reference)."""

    reference: str
    kind: OutcomeKind
    date: date
    detail: str = ""
    kfm_case_number: str = ""


_ISO_DATE: Final = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class _CsvReader(Protocol):
    line_num: int

    def __next__(self) -> list[str]: ...


def parse_outcomes_csv(data: bytes) -> tuple[tuple[Outcome, ...], tuple[str, ...]]:
    """The outcomes in ``data`` and no errors, or no outcomes and every error. Never raises."""
    if len(data) > OUTCOME_FILE_BYTES_MAX:
        return (), (f"line 1: file: larger than {OUTCOME_FILE_BYTES_MAX} bytes; split it",)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return (), (f"line {line}: file: not UTF-8 text",)
    if not text.strip():
        return (), ("line 1: file: the file is empty",)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=";", quotechar='"', strict=True)
    try:
        header = next(reader)
    except csv.Error as exc:
        return (), (f"line 1: header: cannot read the line ({exc})",)
    except StopIteration:  # pragma: no cover - text is not blank, so there is a first record
        return (), ("line 1: file: the file is empty",)
    if tuple(cell.strip().casefold() for cell in header) != OUTCOME_COLUMNS:
        return (), (f"line 1: header: expected {';'.join(OUTCOME_COLUMNS)}",)
    outcomes, errors = _read_outcomes(reader)
    if errors:
        return (), tuple(errors)
    return tuple(outcomes), ()


def _read_outcomes(reader: _CsvReader) -> tuple[list[Outcome], list[str]]:
    outcomes: list[Outcome] = []
    errors: list[str] = []
    first_line_of: dict[Outcome, int] = {}
    records = 0
    # csv counts the physical lines it has consumed: a record starts on the line after the
    # previous one ended, also when a quoted value spans lines.
    line_done = reader.line_num
    while True:
        line = line_done + 1
        try:
            record = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            record = None
            errors.append(f"line {line}: fields: cannot read the line ({exc})")
        line_done = reader.line_num
        if record is not None and "".join(record).strip():
            records += 1
            if records > OUTCOME_ROWS_MAX:
                errors.append(f"line {line}: file: more than {OUTCOME_ROWS_MAX} outcomes")
                break
            if len(record) != len(OUTCOME_COLUMNS):
                errors.append(
                    f"line {line}: fields: expected {len(OUTCOME_COLUMNS)} fields, "
                    f"found {len(record)}"
                )
            else:
                result = _outcome_from_fields([field.strip() for field in record])
                if isinstance(result, Outcome):
                    first = first_line_of.setdefault(result, line)
                    if first == line:
                        outcomes.append(result)
                    else:
                        errors.append(f"line {line}: reference: the same outcome as line {first}")
                else:
                    errors += [f"line {line}: {problem}" for problem in result]
        if len(errors) >= OUTCOME_ERRORS_MAX:
            errors.append(f"line {line}: file: {OUTCOME_ERRORS_MAX} errors; checking stopped")
            break
    return outcomes, errors


def _outcome_from_fields(fields: Sequence[str]) -> Outcome | list[str]:
    reference, kind_text, date_text, case_number, cell = fields
    detail = spreadsheet_value(cell)
    problems = _text_problems(reference, "reference", chars_max=REFERENCE_CHARS_MAX)
    kind = _OUTCOME_KINDS.get(kind_text.casefold())
    if kind is None:
        shown = kind_text if len(kind_text) <= 40 else kind_text[:40] + "…"
        problems.append(f"kind: unknown kind {shown!r}" if kind_text else "kind: missing")
    day = _parse_date(date_text)
    if isinstance(day, str):
        problems.append(f"date: {day}")
    problems += _outcome_text_problems(kind, case_number=case_number, detail=detail)
    if problems or kind is None or isinstance(day, str):
        return problems
    return Outcome(
        reference=reference, kind=kind, date=day, detail=detail, kfm_case_number=case_number
    )


def _outcome_text_problems(
    kind: OutcomeKind | None, *, case_number: str, detail: str, strict: bool = False
) -> list[str]:
    """kfm_case_number and detail; ``strict`` also refuses outer blanks (for the writer)."""
    refused = kind is OutcomeKind.RECEIPT_ERROR
    return [
        *_text_problems(
            case_number,
            "kfm_case_number",
            chars_max=CASE_NUMBER_CHARS_MAX,
            required=kind is not None and not refused,
            strict=strict,
        ),
        *_text_problems(
            detail, "detail", chars_max=DETAIL_CHARS_MAX, required=refused, strict=strict
        ),
    ]


def _parse_date(text: str) -> date | str:
    if not text:
        return "missing"
    if not _ISO_DATE.fullmatch(text):
        return "not a date YYYY-MM-DD"
    try:
        return date.fromisoformat(text)
    except ValueError:
        return "not a valid date"


def write_outcomes_csv(outcomes: Iterable[Outcome]) -> bytes:
    """Outcomes in the layout :func:`parse_outcomes_csv` reads; ``KfmError`` on a bad value."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\n")
    writer.writerow(OUTCOME_COLUMNS)
    problems: list[str] = []
    for number, outcome in enumerate(outcomes, start=1):
        where = f"outcome {number}"
        found = [
            *_text_problems(
                outcome.reference, "reference", chars_max=REFERENCE_CHARS_MAX, strict=True
            ),
            *_outcome_text_problems(
                outcome.kind,
                case_number=outcome.kfm_case_number,
                detail=outcome.detail,
                strict=True,
            ),
        ]
        problems += [f"{where}: {problem}" for problem in found]
        writer.writerow(
            [
                outcome.reference,
                outcome.kind.value,
                outcome.date.isoformat(),
                outcome.kfm_case_number,
                spreadsheet_text(outcome.detail),
            ]
        )
    if problems:
        raise KfmError(problems)
    return buffer.getvalue().encode("utf-8")
