"""The day's applications as one numbered batch for Kronofogden (JSON + CSV) and a PDF each.

:func:`kfm_export` writes the batch and hands it to the transport (``fordra.kfm.transport``);
idempotent: a re-run with nothing new writes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from fordra.claims.models import CaseEvent
from fordra.core.errors import ApplicationError
from fordra.formats import kfm as kfm_format
from fordra.kfm.models import KfmApplication, KfmBatch
from fordra.kfm.transport import Batch, kfm_transport


@dataclass(frozen=True)
class ExportResult:
    batches: list[KfmBatch]
    new: int

    def as_json(self) -> dict[str, Any]:
        return {
            "new_batches": self.new,
            "batches": [
                {
                    "batch_id": b.batch_id,
                    "sequence": b.sequence,
                    "applications": b.applications,
                    "total_ore": b.total_ore,
                    "json": b.json_path,
                    "csv": b.csv_path,
                }
                for b in self.batches
            ],
        }


def kfm_export(*, day: date, now: datetime) -> ExportResult:
    """Write the day's applications not yet in a batch as one numbered batch + a PDF each.

    Idempotent: a re-run with nothing new writes nothing and lists the day's batches.
    """
    pending = list(
        KfmApplication.objects.filter(applied_on=day, batch_id="").select_related("case")
    )
    new = 0
    if pending:
        applications = []
        for row in pending:
            applications.append(_rebuild(row))
        with transaction.atomic():
            last = KfmBatch.objects.order_by("-sequence").first()
            sequence = (last.sequence if last else 0) + 1
            batch_id = f"BF-{day.isoformat()}-{sequence}"
            folder = Path(settings.MEDIA_ROOT) / "kfm" / f"{day:%Y}" / f"{day:%m}" / f"{day:%d}"
            folder.mkdir(parents=True, exist_ok=True)
            try:
                json_bytes = kfm_format.export_batch_json(
                    applications, batch_id=batch_id, sequence=sequence, created=now
                )
                csv_bytes = kfm_format.export_batch_csv(
                    applications, batch_id=batch_id, sequence=sequence, created=now
                )
            except kfm_format.KfmError as exc:
                raise ApplicationError(
                    "the batch cannot be written", details=list(exc.problems)
                ) from exc
            json_path = folder / f"{batch_id}.json"
            csv_path = folder / f"{batch_id}.csv"
            json_path.write_bytes(json_bytes)
            csv_path.write_bytes(csv_bytes)
            for row in pending:
                pdf = folder / f"{batch_id}-{row.case.ref}.pdf"
                pdf.write_bytes(application_pdf(row.text))
                KfmApplication.objects.filter(pk=row.pk).update(
                    batch_id=batch_id, pdf_path=str(pdf)
                )
            KfmBatch.objects.create(
                batch_id=batch_id,
                day=day,
                sequence=sequence,
                applications=len(pending),
                total_ore=sum(a.total_ore for a in applications),
                json_path=str(json_path),
                csv_path=str(csv_path),
            )
            # Handed over last: a transport that refuses rolls the batch back whole.
            receipt = kfm_transport().submit(
                Batch(batch_id=batch_id, sequence=sequence, json_bytes=json_bytes,
                      csv_bytes=csv_bytes)
            )
            for row in pending:
                CaseEvent.objects.create(
                    case=row.case, date=day, kind="kfm_submitted",
                    detail=f"Ansökan i sats {batch_id} överlämnad ({receipt})", actor="system",
                )
            new = 1
    return ExportResult(list(KfmBatch.objects.filter(day=day).order_by("sequence")), new)


def _rebuild(row: KfmApplication) -> kfm_format.Application:
    """The application as stored when it was made (its JSON), back as the format's model."""
    from decimal import Decimal

    p = row.payload

    def interest(data: dict[str, Any] | None) -> kfm_format.InterestClaim | None:
        if data is None:
            return None
        return kfm_format.InterestClaim(
            from_date=date.fromisoformat(data["from_date"]),
            rate_percent=Decimal(data["rate_percent"]) if data["rate_percent"] else None,
            reference_rate_margin_pp=Decimal(data["reference_rate_margin_pp"])
            if data["reference_rate_margin_pp"]
            else None,
        )

    return kfm_format.Application(
        reference=p["reference"],
        applicant=kfm_format.Applicant(
            name=p["applicant"]["name"],
            orgnr=p["applicant"]["orgnr"],
            address_lines=tuple(p["applicant"]["address_lines"]),
        ),
        agent=kfm_format.Agent(
            **{**p["agent"], "address_lines": tuple(p["agent"]["address_lines"])}
        ),
        respondents=tuple(
            kfm_format.Respondent(
                name=r["name"],
                identity=r["identity"],
                address_lines=tuple(r["address_lines"]),
                protected_identity=r["protected_identity"],
                phone=r["phone"],
                email=r["email"],
            )
            for r in p["respondents"]
        ),
        parts=tuple(
            kfm_format.ClaimPart(
                kind=kfm_format.ClaimPartKind(part["kind"]),
                amount_ore=part["amount_ore"],
                due_date=date.fromisoformat(part["due_date"]),
                interest=interest(part["interest"]),
                description=part["description"],
            )
            for part in p["parts"]
        ),
        grounds=p["grounds"],
        created_on=date.fromisoformat(p["created_on"]),
        with_eviction=p["with_eviction"],
        disputed=p["disputed"],
    )


def application_pdf(text: str) -> bytes:
    """The application text as a plain A4 PDF (Helvetica: the text stays extractable)."""
    import io

    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    _width, height = A4
    margin, leading = 56, 13
    y = height - margin
    for raw in text.splitlines():
        for line in _wrap(raw, 95):
            if y < margin:
                canvas.showPage()
                y = height - margin
            bold = raw.isupper() and bool(raw.strip())
            canvas.setFont("Helvetica-Bold" if bold else "Helvetica", 10)
            canvas.drawString(margin, y, line)
            y -= leading
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _wrap(line: str, width: int) -> Iterable[str]:
    if len(line) <= width:
        yield line
        return
    words, current = line.split(" "), ""
    for word in words:
        if current and len(current) + 1 + len(word) > width:
            yield current
            current = word
        else:
            current = f"{current} {word}" if current else word
    yield current
