"""Notices to third parties that a stage requires — underrättelse till socialnämnden.

Housing (jordabalken 12 kap. 44 §, DOMAIN.md §9): when a residential lease is terminated for
unpaid rent, the tenant keeps the lease by paying within three weeks of being served the notice of
that right, and for a home the landlord must also notify socialnämnden — the three weeks run only
after that notice. So the date the notice went to socialnämnden is recorded on the case (event
``social_welfare_notified``) as the evidence the later steps rely on, with the notice as a PDF for
the registered letter (rekommenderat brev) staff send.
"""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from pathlib import Path

from django.conf import settings
from django.db import transaction
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from fordra.claims.models import CLOSED_STATES, Case, CaseEvent, Task
from fordra.claims.scheduling import case_check_on
from fordra.claims.selectors import case_balance_of
from fordra.core.errors import ApplicationError
from fordra.domain.money import format_amount

KEEP_LEASE_DAYS = 21  # "inom tre veckor" (jordabalken 12 kap. 44 §)


def social_welfare_notice(
    *, case: Case, day: date, now: datetime, actor: str, municipality: str = ""
) -> Path:
    """Write the notice to socialnämnden for ``case`` dated ``day`` and record that it was sent.

    Idempotent per case and day (same file, one event). Refused for a company tenant (the rule is
    for homes: bostadslägenhet) and for a closed case.
    """
    if case.state in CLOSED_STATES:
        raise ApplicationError(f"case {case.ref} is closed ({case.state})")
    debtor = case.debtor
    if debtor.debtor_type != "person":
        raise ApplicationError("a notice to socialnämnden is for a tenant's home (a person)")
    if debtor.protected_identity:
        raise ApplicationError(
            "protected identity: send the notice through Skatteverket's forwarding by hand, "
            "Fordra does not print the address"
        )
    municipality = municipality.strip() or debtor.city
    balance = case_balance_of(case, as_of=day)
    path = Path(settings.MEDIA_ROOT) / "notices" / f"{case.ref}-socialnamnden-{day.isoformat()}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(
        _pdf(case=case, day=day, municipality=municipality, owed_ore=balance.balance_ore)
    )
    with transaction.atomic():
        created = not CaseEvent.objects.filter(
            case=case, kind="social_welfare_notified", date=day
        ).exists()
        if created:
            CaseEvent.objects.create(
                case=case,
                date=day,
                kind="social_welfare_notified",
                detail=(
                    f"Underrättelse till socialnämnden i {municipality} (jordabalken 12 kap. 44 §); "
                    f"hyresgästen kan behålla lägenheten genom att betala senast "
                    f"{(day + timedelta(days=KEEP_LEASE_DAYS)).isoformat()} räknat från "
                    f"underrättelsen; {path}"
                ),
                actor=actor,
            )
        Task.objects.filter(case=case, done_at__isnull=True, text__icontains="socialnämnden").update(
            done_at=now
        )
        case_check_on(case_id=case.pk)
    return path


def _pdf(*, case: Case, day: date, municipality: str, owed_ore: int) -> bytes:
    agency = settings.AGENCY
    debtor = case.debtor
    lines = [
        (f"{agency['name']}, {agency['address']}", 10),
        (f"Till: Socialnämnden i {municipality}", 11),
        (f"Datum: {day.isoformat()}", 10),
        ("", 10),
        ("Underrättelse om uppsägning av hyresavtal för obetald hyra", 14),
        ("(jordabalken 12 kap. 44 §)", 10),
        ("", 10),
        (f"Hyresvärd: {case.creditor.name} ({case.creditor.orgnr[:6]}-{case.creditor.orgnr[6:]})", 10),
        (f"Hyresgäst: {debtor.name}, {debtor.display_id}", 10),
        (f"Adress: {debtor.address}, {debtor.postal_code} {debtor.city}", 10),
        (f"Ärende: {case.ref}", 10),
        (f"Obetald hyra med ränta och avgifter per {day.isoformat()}: {format_amount(owed_ore)}", 10),
        ("", 10),
        ("Hyresgästen har sagts upp på grund av obetald hyra. Hyresgästen får behålla", 10),
        ("lägenheten genom att betala det som är obetalt inom tre veckor från att ha fått del av", 10),
        ("meddelandet om denna rätt. Fristen börjar löpa först när socialnämnden har underrättats.", 10),
        ("", 10),
        (f"Kontakt: {agency['phone']}, {agency['email']}", 10),
    ]
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle(f"Underrättelse till socialnämnden {case.ref}")
    y = A4[1] - 72
    for text, size in lines:
        canvas.setFont("Helvetica-Bold" if size >= 14 else "Helvetica", size)
        canvas.drawString(72, y, text)
        y -= size + 8
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
