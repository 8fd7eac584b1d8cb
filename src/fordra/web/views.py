"""Staff back office: thin views over the claims selectors (Swedish UI)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from csp.decorators import csp_update
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fordra.casefile.viewing import case_view
from fordra.claims.models import CaseState
from fordra.claims.selectors import case_balances, case_get, case_list
from fordra.core.errors import NotFound
from fordra.letters.models import Letter, LetterStatus
from fordra.letters.services import letter_html
from fordra.parties.models import Creditor
from fordra.privacy.services import person_extract
from fordra.reference.services import reference_rate_table

CASES_PER_PAGE = 50


def staff_required(view: Any) -> Any:
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_staff:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def _rate_warning(today: Any) -> list[str]:
    missing = reference_rate_table().missing_periods(up_to=today)
    return [d.isoformat() for d in missing]


@staff_required
def case_list_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    q = request.GET.get("q", "").strip()[:100]
    creditor = request.GET.get("creditor", "")
    state = request.GET.get("state", "")
    if state not in CaseState.values:
        state = ""
    try:
        cases = case_list(
            today=today, creditor_orgnr=creditor or None, state=state or None, search=q or None
        ).distinct()
    except NotFound:
        cases = case_list(today=today).none()
    page = Paginator(cases, CASES_PER_PAGE).get_page(request.GET.get("page"))
    balances = case_balances(cases=list(page.object_list), as_of=today)
    rows = [(c, balances[c.id]) for c in page.object_list]
    return render(
        request,
        "web/case_list.html",
        {
            "rows": rows,
            "page": page,
            "q": q,
            "creditor": creditor,
            "state": state,
            "creditors": Creditor.objects.order_by("name"),
            "states": CaseState.choices,
            "today": today,
            "missing_rates": _rate_warning(today),
        },
    )


@staff_required
def case_detail_view(request: HttpRequest, ref: str) -> HttpResponse:
    today = timezone.localdate()
    try:
        view = case_view(ref=ref, as_of=today, actor=_actor(request), now=timezone.now())
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    case = view.case
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            "d": view.detail,
            "state_label": CaseState(case.state).label,
            "letters": view.letters,
            "tasks": view.tasks,
            "today": today,
            "missing_rates": _rate_warning(today),
        },
    )


def _sent_letter(letter_id: int) -> Letter:
    letter = Letter.objects.filter(pk=letter_id).exclude(status=LetterStatus.PENDING).first()
    if letter is None or not letter.content:
        raise Http404("no such letter")
    return letter


@staff_required
def letter_pdf_view(request: HttpRequest, letter_id: int) -> HttpResponse:
    letter = _sent_letter(letter_id)
    if not letter.pdf_path:
        raise Http404("the letter has no PDF (it was blocked)")
    try:
        handle = open(letter.pdf_path, "rb")  # noqa: SIM115 - FileResponse closes it
    except OSError as exc:
        raise Http404("the PDF file is missing") from exc
    return FileResponse(handle, content_type="application/pdf", filename=f"brev-{letter.id}.pdf")


@staff_required
@csp_update({"style-src": ["'unsafe-inline'"]})  # the letter carries its own print styles
def letter_html_view(request: HttpRequest, letter_id: int) -> HttpResponse:
    return HttpResponse(letter_html(_sent_letter(letter_id)))


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.get_username()}"


@staff_required
def unmatched_view(request: HttpRequest) -> HttpResponse:
    """The unmatched queue: payments no OCR matched, with suggestions; staff match them."""
    from django.contrib import messages
    from django.shortcuts import redirect

    from fordra.core.errors import ApplicationError
    from fordra.payments.actions import file_task_done, payment_match
    from fordra.payments.selectors import QUEUE_ROWS_MAX, file_tasks_open, unmatched_queue

    if request.method == "POST" and "task" in request.POST:
        try:
            file_task_done(task_id=int(request.POST["task"]), now=timezone.now(),
                           actor=_actor(request))
            messages.success(request, "Uppgiften är klar.")
        except (ValueError, ApplicationError) as exc:
            messages.error(request, f"Kunde inte stänga uppgiften: {getattr(exc, 'message', exc)}")
        return redirect("web:unmatched")
    if request.method == "POST":
        try:
            payment_id = int(request.POST.get("payment", ""))
            case = case_get(ref=request.POST.get("ref", ""))
            payment_match(
                payment_id=payment_id, case=case, now=timezone.now(), actor=_actor(request)
            )
            messages.success(request, f"Betalningen matchades mot {case.ref}.")
        except (ValueError, ApplicationError) as exc:
            messages.error(request, f"Kunde inte matcha: {getattr(exc, 'message', exc)}")
        return redirect("web:unmatched")
    payments = unmatched_queue(limit=QUEUE_ROWS_MAX)
    return render(
        request,
        "web/unmatched.html",
        {"payments": payments, "file_tasks": file_tasks_open(),
         "missing_rates": _rate_warning(timezone.localdate())},
    )


@staff_required
def direct_payment_view(request: HttpRequest, ref: str) -> HttpResponse:
    """A payment the creditor received directly, registered by staff."""

    from django.contrib import messages
    from django.shortcuts import redirect

    from fordra.core.errors import ApplicationError
    from fordra.domain.money import AmountError, parse_amount
    from fordra.payments.direct import payment_direct
    from fordra.web.dates import posted_date

    try:
        case = case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method == "POST":
        try:
            amount = parse_amount(request.POST.get("amount", ""))
            paid_on = posted_date(request)
            reference = request.POST.get("reference", "")[:100]
            payment_direct(
                case=case, amount_ore=amount, paid_on=paid_on, now=timezone.now(),
                reference=reference, actor=_actor(request),
            )
            messages.success(request, "Direktbetalningen registrerades.")
        except (ValueError, AmountError, ApplicationError) as exc:
            messages.error(request, f"Kunde inte registrera: {getattr(exc, 'message', exc)}")
    return redirect("web:case_detail", ref=case.ref)


@staff_required
def case_action_view(request: HttpRequest, ref: str) -> HttpResponse:
    """Staff guards on a case: pause, resume, register a dispute, decide a dispute."""
    from datetime import date

    from django.contrib import messages
    from django.shortcuts import redirect

    from fordra.collection.services import (
        case_dispute,
        case_dispute_decide,
        case_pause,
        case_resume,
    )
    from fordra.core.errors import ApplicationError
    from fordra.domain.money import AmountError, parse_amount
    from fordra.web.dates import posted_date

    try:
        case = case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    if request.method != "POST":
        return redirect("web:case_detail", ref=case.ref)
    actor, post, now = _actor(request), request.POST, timezone.now()
    action = post.get("action", "")
    try:
        today = posted_date(request)
        if action == "pause":
            case_pause(case=case, until=date.fromisoformat(post.get("until", "")),
                       reason=post.get("reason", ""), actor=actor, today=today, now=now)
            messages.success(request, "Ärendet pausades.")
        elif action == "resume":
            case_resume(case=case, actor=actor, today=today)
            messages.success(request, "Pausen hävdes.")
        elif action == "dispute":
            case_dispute(case=case, reason=post.get("reason", ""), actor=actor, today=today,
                         now=now)
            messages.success(request, "Bestridandet registrerades; all indrivning är stoppad.")
        elif action == "decide":
            credit = post.get("credit", "").strip()
            case_dispute_decide(
                case=case, outcome=post.get("outcome", ""), actor=actor, today=today,
                now=now, note=post.get("note", ""),
                credit_ore=parse_amount(credit) if credit else 0,
                credit_invoice=post.get("invoice", "").strip(),
            )
            messages.success(request, "Beslutet om bestridandet registrerades.")
        else:
            messages.error(request, "Okänd åtgärd.")
    except (ValueError, AmountError, ApplicationError) as exc:
        messages.error(request, f"Kunde inte utföra: {getattr(exc, 'message', exc)}")
    return redirect("web:case_detail", ref=case.ref)


@staff_required
def klientmedel_view(request: HttpRequest) -> HttpResponse:
    """Klientmedel reconciliation and the ledger's hash chain, for staff."""
    from fordra.ledger.reconcile import reconcile
    from fordra.ledger.services import ledger_verify
    from fordra.settlement.models import Remittance

    today = timezone.localdate()
    return render(
        request,
        "web/klientmedel.html",
        {
            "report": reconcile(as_of=today),
            "verify": ledger_verify(),
            "remittances": Remittance.objects.select_related("creditor")[:50],
            "missing_rates": _rate_warning(today),
        },
    )


@staff_required
@require_POST
def person_extract_view(request: HttpRequest, ref: str) -> HttpResponse:
    """The debtor's register extract (GDPR art. 15) as a ZIP of the PDF and the JSON; logged."""
    import io
    import zipfile

    try:
        case = case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    extract = person_extract(
        person=case.debtor.national_id, actor=_actor(request), today=timezone.localdate(),
        now=timezone.now(),
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.write(extract.pdf_path, extract.pdf_path.name)
        archive.write(extract.json_path, extract.json_path.name)
    response = HttpResponse(buffer.getvalue(), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{extract.pdf_path.stem}.zip"'
    return response
