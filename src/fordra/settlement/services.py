"""``fordra settle --date D``: remit to each creditor what is theirs, under its pricing.

For every creditor whose remittance is due (daily / weekly / monthly on bank days), the parts
of payments allocated to its cases and not yet remitted are summed per case and component; the
pricing model (``fordra.domain.settlement``) decides the agency's share (commission, kept
interest and fees, annual and per-case charges) and the VAT on it; the ledger moves the
creditor's liability to the bank (the payout), to agency revenue and to VAT payable; a statement
(PDF and CSV, per case) is written, and one ISO 20022 pain.001 file carries every payout.

Idempotent: a remittance's key is ``remittance:<creditor>:<date>``; settling the same date again
pays nothing twice (the payout file is written again with the same content). Only money that
reached klientmedel is remitted: a payment the debtor made straight to the creditor settles the
claim but is the creditor's already.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction

from fordra.claims.models import Allocation, Case
from fordra.claims.queries import unsettled_allocations
from fordra.domain.identifiers import validate_bankgiro
from fordra.domain.money import format_amount
from fordra.domain.settlement import (
    Collected,
    Pricing,
    PricingModel,
    charges_due,
    is_due,
    remittance,
    remittance_transaction,
)
from fordra.ledger.services import account_balances, ledger_post
from fordra.parties.models import Creditor
from fordra.settlement.models import Remittance, RemittanceLine


@dataclass(frozen=True)
class SettleResult:
    remittances: list[Remittance]
    payout_file: str

    def as_json(self) -> dict[str, Any]:
        return {
            "remittances": [
                {
                    "creditor_orgnr": r.creditor.orgnr,
                    "collected_ore": r.collected_ore,
                    "commission_ore": r.commission_ore,
                    "charges_ore": r.charges_ore,
                    "vat_ore": r.vat_ore,
                    "payout_ore": r.payout_ore,
                    "shortfall_ore": r.shortfall_ore,
                    "statement_pdf": r.statement_pdf,
                    "statement_csv": r.statement_csv,
                }
                for r in self.remittances
            ],
            "payout_file": self.payout_file,
        }


def pricing_of(creditor: Creditor) -> Pricing:
    """The creditor's pricing; parameters a model does not use are left out."""
    model = PricingModel(creditor.pricing_model)
    return Pricing(
        model=model,
        commission_percent=(
            Decimal(creditor.commission_percent) if model is PricingModel.COMMISSION else Decimal(0)
        ),
        annual_fee_ore=creditor.annual_fee_ore if model is PricingModel.SUBSCRIPTION else 0,
        per_case_fee_ore=creditor.per_case_fee_ore if model is PricingModel.SUBSCRIPTION else 0,
        remit_every=creditor.remit_every,
    )


def settle(*, day: date, now: datetime) -> SettleResult:
    out_dir = Path(settings.MEDIA_ROOT) / "settlements" / day.isoformat()
    done: list[Remittance] = []
    for creditor in Creditor.objects.order_by("id"):
        existing = Remittance.objects.filter(key=f"remittance:{creditor.id}:{day}").first()
        if existing is not None:
            done.append(existing)
            continue
        last = Remittance.objects.filter(creditor=creditor, date__lt=day).order_by("-date").first()
        if not is_due(remit_every=creditor.remit_every, last_settled=last.date if last else None,
                      today=day):
            continue
        made = _settle_creditor(creditor, day=day, now=now, last=last, out_dir=out_dir)
        if made is not None:
            done.append(made)
    payout_file = _payout_file(done, day=day, now=now, out_dir=out_dir) if done else ""
    if payout_file:
        Remittance.objects.filter(pk__in=[r.pk for r in done]).update(payout_file=payout_file)
    return SettleResult(remittances=done, payout_file=payout_file)


def _settle_creditor(
    creditor: Creditor, *, day: date, now: datetime, last: Remittance | None, out_dir: Path
) -> Remittance | None:
    key = f"remittance:{creditor.id}:{day}"
    rows = unsettled_allocations(creditor_id=creditor.id, day=day)
    per_case: dict[int, dict[str, int]] = defaultdict(lambda: {"capital": 0, "interest": 0, "costs": 0})
    for _, case_id, component, amount in rows:
        per_case[case_id][component] += amount
    pricing = pricing_of(creditor)
    since = last.date if last else None
    new_cases = Case.objects.filter(creditor=creditor, opened_on__lte=day)
    if since is not None:
        new_cases = new_cases.filter(opened_on__gt=since)
    annual_due = last is None or last.date.year < day.year
    charges = charges_due(pricing=pricing, new_cases=new_cases.count(), annual_fee_due=annual_due)
    if not per_case and not charges:
        return None
    numbers = dict(Case.objects.filter(id__in=list(per_case)).values_list("id", "number"))
    refs = {cid: f"FD-{numbers[cid]}" for cid in per_case}
    owed_to_agency = account_balances(prefix=f"agency:receivable:{creditor.id}").get(
        f"agency:receivable:{creditor.id}", 0
    )
    result = remittance(
        pricing=pricing,
        receivable_ore=max(owed_to_agency, 0),
        collected=[
            Collected(case_ref=refs[cid], capital_ore=p["capital"], interest_ore=p["interest"],
                      fees_ore=p["costs"])
            for cid, p in sorted(per_case.items())
        ],
        charges_ore=charges,
    )
    return _remittance_write(
        creditor, result=result, pricing=pricing, refs=refs, allocation_ids=[r[0] for r in rows],
        key=key, day=day, now=now, out_dir=out_dir,
    )


def _remittance_write(
    creditor: Creditor, *, result: Any, pricing: Any, refs: dict[int, str],
    allocation_ids: list[int], key: str, day: date, now: datetime, out_dir: Path,
) -> Remittance:
    """In one transaction: the remittance and its lines, the allocations marked settled, the
    ledger transaction and the statement files."""
    with transaction.atomic():
        record = Remittance.objects.create(
            creditor=creditor, date=day, pricing_model=pricing.model.value,
            collected_ore=result.collected_ore, owed_to_creditor_ore=result.owed_to_creditor_ore,
            commission_ore=result.commission_ore, charges_ore=result.charges_ore,
            vat_ore=result.vat_ore, payout_ore=result.payout_ore,
            shortfall_ore=result.shortfall_ore, key=key,
        )
        case_of = {ref: cid for cid, ref in refs.items()}
        RemittanceLine.objects.bulk_create(
            RemittanceLine(
                remittance=record, case_id=case_of[line.case_ref], capital_ore=line.capital_ore,
                interest_ore=line.interest_ore, fees_ore=line.fees_ore,
                agency_share_ore=line.agency_share_ore,
                creditor_share_ore=line.creditor_share_ore,
            )
            for line in result.lines
        )
        Allocation.objects.filter(id__in=allocation_ids).update(settled_in=key)
        ledger_post(
            [
                remittance_transaction(
                    key=key, day=day, creditor_id=str(creditor.id), remittance=result,
                    memo=f"Redovisning till {creditor.name}",
                )
            ],
            now=now,
        )
        pdf, csv_path = _statement(record, creditor=creditor, result=result, refs=refs,
                                   out_dir=out_dir)
        Remittance.objects.filter(pk=record.pk).update(statement_pdf=pdf, statement_csv=csv_path)
    record.refresh_from_db()
    return record


def _statement(
    record: Remittance, *, creditor: Creditor, result: Any, refs: dict[int, str], out_dir: Path
) -> tuple[str, str]:
    out_dir.mkdir(parents=True, exist_ok=True)
    csv_path = out_dir / f"redovisning-{creditor.orgnr}.csv"
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";")
    writer.writerow(["arende", "kapital_ore", "ranta_ore", "avgifter_ore", "byrans_andel_ore",
                     "borgenarens_andel_ore"])
    for line in result.lines:
        writer.writerow([line.case_ref, line.capital_ore, line.interest_ore, line.fees_ore,
                         line.agency_share_ore, line.creditor_share_ore])
    writer.writerow([])
    for label, value in (
        ("inkasserat_ore", result.collected_ore), ("provision_ore", result.commission_ore),
        ("avgifter_till_byran_ore", result.charges_ore), ("moms_ore", result.vat_ore),
        ("utbetalning_ore", result.payout_ore), ("att_fakturera_ore", result.shortfall_ore),
    ):
        writer.writerow([label, value])
    csv_path.write_text(buffer.getvalue(), encoding="utf-8")
    pdf_path = out_dir / f"redovisning-{creditor.orgnr}.pdf"
    pdf_path.write_bytes(_statement_pdf(record, creditor=creditor, result=result))
    return str(pdf_path), str(csv_path)


def _statement_pdf(record: Remittance, *, creditor: Creditor, result: Any) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen.canvas import Canvas

    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    _width, height = A4
    agency = settings.AGENCY
    y = height - 25 * mm

    def line(text: str, *, size: int = 10, bold: bool = False, x: float = 20 * mm) -> None:
        nonlocal y
        if y < 25 * mm:
            canvas.showPage()
            y = height - 25 * mm
        canvas.setFont("Helvetica-Bold" if bold else "Helvetica", size)
        canvas.drawString(x, y, text)
        y -= size * 0.5 * mm + 3 * mm

    line(agency["name"], size=14, bold=True)
    line(f"Redovisning av inkasserade medel {record.date.isoformat()}", size=12, bold=True)
    line(f"Till {creditor.name} ({creditor.orgnr[:6]}-{creditor.orgnr[6:]})")
    line(f"Prismodell: {creditor.get_pricing_model_display()}")
    y -= 3 * mm
    line("Ärende        Kapital        Ränta     Avgifter   Byråns andel   Er andel", bold=True)
    for item in result.lines:
        line(
            f"{item.case_ref:<12} {format_amount(item.capital_ore):>14} "
            f"{format_amount(item.interest_ore):>12} {format_amount(item.fees_ore):>12} "
            f"{format_amount(item.agency_share_ore):>14} {format_amount(item.creditor_share_ore):>14}",
            size=8,
        )
    y -= 3 * mm
    for label, value in (
        ("Inkasserat", result.collected_ore),
        ("Provision", result.commission_ore),
        ("Avgifter till byrån", result.charges_ore),
        ("Moms 25 %", result.vat_ore),
        ("Avräknat mot tidigare skuld", result.receivable_offset_ore),
        ("Utbetalas till er", result.payout_ore),
        ("Att fakturera er", result.shortfall_ore),
    ):
        line(f"{label:<24} {format_amount(value):>16}", bold=label.startswith("Utbetalas"))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _payout_file(done: list[Remittance], *, day: date, now: datetime, out_dir: Path) -> str:
    from fordra.formats.pain001 import Payee, Transfer, write_pain001

    transfers = []
    for r in sorted(done, key=lambda r: r.creditor_id):
        if r.payout_ore <= 0:
            continue
        c = r.creditor
        account = c.bankgiro if c.payout_account_type == "bankgiro" else c.payout_account
        transfers.append(
            Transfer(
                end_to_end_id=f"FD-R{r.creditor_id}-{day:%Y%m%d}",
                payee=Payee(name=c.name, account_type=c.payout_account_type, account=account),
                amount_ore=r.payout_ore,
                reference=f"Redovisning {day.isoformat()}",
            )
        )
    if not transfers:
        return ""
    agency = settings.AGENCY
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "utbetalningar-pain001.xml"
    path.write_bytes(
        write_pain001(
            message_id=f"FORDRA-{day:%Y%m%d}",
            created=now,
            execution_date=day,
            debtor_name=agency["name"],
            debtor_orgnr=agency["orgnr"],
            debtor_bankgiro=validate_bankgiro(agency["bankgiro"]),
            transfers=transfers,
        )
    )
    return str(path)
