"""Personal data (GDPR): the register extract, the access log and pseudonymisation.

- :func:`person_extract` — everything Fordra holds on a person (dataskyddsförordningen art. 15),
  as JSON and as a PDF, found by following every foreign key from the person and their cases,
  so a table added later is in the extract without anyone remembering to add it.
- :func:`person_access_record` — who viewed or exported a person's data, and when.
- :func:`personal_data_pseudonymise` — once every case of a person has been closed for longer
  than the retention (``FORDRA_PERSONAL_DATA_RETENTION_DAYS``, default three years: a policy,
  DOMAIN.md confidence U), their identity, contact details and free texts are replaced, letters
  and application PDFs are deleted. The bookkeeping records stay for seven years
  (bokföringslagen (1999:1078) 7 kap. 2 §): invoices' numbers, dates and amounts, fees,
  allocations, payments' amounts and references, and the ledger.
"""

from __future__ import annotations

import io
import json
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from fordra.claims.models import Case, CaseEvent, Invoice, Task
from fordra.core.errors import ApplicationError, NotFound
from fordra.domain.identifiers import parse_party_id
from fordra.kfm.models import KfmApplication
from fordra.letters.models import Delivery, Letter
from fordra.parties.models import Debtor
from fordra.payments.models import Payment
from fordra.privacy.models import AccessAction, PersonDataAccess, Pseudonymisation

PSEUDONYM_NAME = "Pseudonymiserad gäldenär"
REDACTED = "(pseudonymiserad)"
CLOSED_PREFIX = "closed_"


def debtor_find(*, person: str, today: date) -> Debtor:
    """The debtor with this personnummer, samordningsnummer or organisationsnummer."""
    try:
        number = parse_party_id(person, today=today).number
    except ValueError as exc:
        raise ApplicationError(f"not a personnummer or organisationsnummer: {exc}") from exc
    debtor = Debtor.objects.filter(national_id=number).first()
    if debtor is None:
        raise NotFound("Fordra holds no data on that person")
    return debtor


def person_access_record(*, debtor: Debtor, action: str, actor: str, where: str, now: datetime) -> None:
    PersonDataAccess.objects.create(
        debtor=debtor, action=action, actor=actor[:150], where=where[:200], at=now
    )


# --- the extract ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonExtract:
    debtor_id: int
    json_path: Path
    pdf_path: Path
    cases: int
    sections: dict[str, int]

    def as_json(self) -> dict[str, Any]:
        return {
            "json": str(self.json_path),
            "pdf": str(self.pdf_path),
            "cases": self.cases,
            "sections": self.sections,
        }


def person_extract(
    *, person: str, actor: str, today: date, now: datetime, out_dir: Path | None = None
) -> PersonExtract:
    """Write everything held on ``person`` to a JSON file and a PDF; log who asked."""
    debtor = debtor_find(person=person, today=today)
    document = person_data(debtor)
    folder = out_dir or Path(settings.MEDIA_ROOT) / "privacy"
    folder.mkdir(parents=True, exist_ok=True)
    # The file name never carries the identity number.
    stem = f"registerutdrag-{debtor.pk}-{now.strftime('%Y%m%dT%H%M%S')}"
    json_path, pdf_path = folder / f"{stem}.json", folder / f"{stem}.pdf"
    json_path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", "utf-8")
    pdf_path.write_bytes(_extract_pdf(document, made_on=today))
    person_access_record(
        debtor=debtor, action=AccessAction.EXPORTED, actor=actor, where=stem, now=now
    )
    sections = {name: len(rows) for name, rows in document["data"].items()}
    return PersonExtract(debtor.pk, json_path, pdf_path, sections.get("claims.case", 0), sections)


def person_data(debtor: Debtor) -> dict[str, Any]:
    """Every row about ``debtor``: theirs, their cases', and the rows hanging off those."""
    data: dict[str, list[dict[str, Any]]] = {"parties.debtor": [_row(debtor)]}
    cases = list(Case.objects.filter(debtor=debtor).order_by("id"))
    data["claims.case"] = [_row(c) for c in cases]
    first_level: dict[type[models.Model], list[int]] = {}
    for model in _models_pointing_at(Case):
        rows = list(model._default_manager.filter(**{f"{_fk_name(model, Case)}__in": cases}))
        first_level[model] = [r.pk for r in rows]
        data[_label(model)] = [_row(r) for r in rows]
    for parent, ids in first_level.items():
        for model in _models_pointing_at(parent):
            if _fk_name(model, Case) is not None or _label(model) in data:
                continue  # already listed through its case
            rows = list(model._default_manager.filter(**{f"{_fk_name(model, parent)}__in": ids}))
            data[_label(model)] = [_row(r) for r in rows]
    data["privacy.persondataaccess"] = [
        _row(a) for a in PersonDataAccess.objects.filter(debtor=debtor)
    ]
    return {
        "person": {"name": debtor.name, "national_id": debtor.national_id},
        "what": "Registerutdrag enligt dataskyddsförordningen artikel 15: alla uppgifter "
        "Fordra har om personen, per tabell.",
        "data": data,
    }


def _models_pointing_at(target: type[models.Model]) -> list[type[models.Model]]:
    found = []
    for model in apps.get_models():
        if model.__module__.startswith("fordra.") and model is not target and _fk_name(model, target):
            found.append(model)
    return sorted(found, key=_label)


def _fk_name(model: type[models.Model], target: type[models.Model]) -> str | None:
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey) and field.related_model is target:
            return field.name
    return None


def _label(model: type[models.Model]) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _row(obj: models.Model) -> dict[str, Any]:
    return {f.attname: _plain(getattr(obj, f.attname)) for f in obj._meta.concrete_fields}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return f"<{len(value)} bytes>"
    return value


def _extract_pdf(document: dict[str, Any], *, made_on: date) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    _, height = A4
    y = height - 20 * mm

    def line(text: str, *, size: int = 8, font: str = "Helvetica") -> None:
        nonlocal y
        for start in range(0, max(len(text), 1), 120):
            if y < 15 * mm:
                canvas.showPage()
                y = height - 20 * mm
            canvas.setFont(font, size)
            canvas.drawString(18 * mm, y, text[start : start + 120])
            y -= size * 0.45 * mm + 2 * mm

    agency = settings.AGENCY
    line(f"Registerutdrag från {agency['name']}", size=14, font="Helvetica-Bold")
    line(f"Person: {document['person']['name']} ({document['person']['national_id']})", size=10)
    line(f"Upprättat {made_on.isoformat()}. {document['what']}", size=9)
    for section, rows in document["data"].items():
        line("")
        line(f"{section} ({len(rows)} st)", size=10, font="Helvetica-Bold")
        for row in rows:
            line("; ".join(f"{k}={v}" for k, v in row.items() if v not in ("", None, [], {})))
    canvas.save()
    return buffer.getvalue()


# --- pseudonymisation ----------------------------------------------------------------------


@dataclass
class PseudonymiseResult:
    persons: int = 0
    letters: int = 0
    files_deleted: int = 0

    def as_json(self) -> dict[str, int]:
        return {"persons": self.persons, "letters": self.letters, "files_deleted": self.files_deleted}


def personal_data_pseudonymise(
    *, today: date, now: datetime, retention_days: int | None = None, actor: str = "system"
) -> PseudonymiseResult:
    """Pseudonymise every person whose cases have all been closed for ``retention_days``."""
    days = settings.PERSONAL_DATA_RETENTION_DAYS if retention_days is None else retention_days
    if days < 0:
        raise ApplicationError("the retention must be zero days or more")
    cutoff = today - timedelta(days=days)
    done = Pseudonymisation.objects.values("debtor_id")
    still_open = Case.objects.exclude(state__startswith=CLOSED_PREFIX).values("debtor_id")
    recent = Case.objects.filter(closed_on__gt=cutoff).values("debtor_id")
    due = (
        Debtor.objects.filter(cases__isnull=False)
        .exclude(id__in=done).exclude(id__in=still_open).exclude(id__in=recent)
        .distinct().order_by("id")
    )
    result = PseudonymiseResult()
    for debtor in due.iterator(chunk_size=500):
        files: list[str] = []
        with transaction.atomic():
            result.letters += _pseudonymise(debtor, files=files, today=today, now=now, actor=actor)
        # Files go after the commit: a rollback never leaves a record pointing at nothing.
        result.files_deleted += _delete(files)
        result.persons += 1
    return result


def _pseudonymise(debtor: Debtor, *, files: list[str], today: date, now: datetime, actor: str) -> int:
    cases = Case.objects.filter(debtor=debtor)
    letters = Letter.objects.filter(case__in=cases)
    files += [p for p in letters.values_list("pdf_path", flat=True) if p]
    applications = KfmApplication.objects.filter(case__in=cases)
    files += [p for p in applications.values_list("pdf_path", flat=True) if p]
    count = letters.update(content={}, extra=None, pdf_path="")
    Delivery.objects.filter(letter__in=letters).update(detail="")
    applications.update(payload={}, text="", pdf_path="")
    Payment.objects.filter(case__in=cases).update(payer_name="")
    Invoice.objects.filter(case__in=cases).update(description="")
    CaseEvent.objects.filter(case__in=cases).update(detail=REDACTED)
    Task.objects.filter(case__in=cases).update(text=REDACTED)
    cases.update(dispute_reason="", pause_reason="")
    debtor.national_id = _new_pseudonym()
    debtor.name = PSEUDONYM_NAME
    debtor.address = debtor.postal_code = debtor.city = debtor.email = debtor.phone = ""
    debtor.save()
    Pseudonymisation.objects.create(debtor=debtor, on=today, at=now)
    person_access_record(
        debtor=debtor, action=AccessAction.PSEUDONYMISED, actor=actor, where="gallring", now=now
    )
    return count


def _new_pseudonym() -> str:
    """``P`` + 11 random characters: fits the identity column, never a valid identity number,
    and derived from nothing (a hash of a personnummer could be reversed by trying them all)."""
    while True:
        pseudonym = "P" + secrets.token_hex(6)[:11].upper()
        if not Debtor.objects.filter(national_id=pseudonym).exists():
            return pseudonym


def _delete(paths: Iterable[str]) -> int:
    deleted = 0
    for path in paths:
        try:
            Path(path).unlink()
            deleted += 1
        except FileNotFoundError:
            continue
    return deleted
