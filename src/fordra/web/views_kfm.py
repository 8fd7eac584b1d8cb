"""Staff pages for Kronofogden: the decision after the demand (apply for betalningsföreläggande,
efterbevakning, return, konkursanmaning), outcomes, and the list of cases awaiting a decision.
Thin: each POST calls one service; errors become messages, never a traceback."""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fordra.claims.models import Case
from fordra.claims.selectors import case_get
from fordra.core.errors import ApplicationError, NotFound
from fordra.kfm.application import kfm_apply
from fordra.kfm.bankruptcy import kfm_bankruptcy_warning
from fordra.kfm.decision import kfm_return, kfm_surveillance
from fordra.kfm.outcomes import OUTCOME_LABELS, OUTCOMES, kfm_record
from fordra.kfm.selectors import kfm_awaiting
from fordra.web.dates import posted_date
from fordra.web.views import staff_required


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.get_username()}"


def _case(ref: str) -> Case:
    try:
        return case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def _back(request: HttpRequest, case: Case) -> HttpResponse:
    if request.POST.get("next") == "list":
        return redirect("web:kfm_decisions")
    return redirect("web:case_detail", ref=case.ref)


def _day(request: HttpRequest) -> date:
    return posted_date(request)


@staff_required
@require_POST
def kfm_decide_view(request: HttpRequest, ref: str) -> HttpResponse:
    """One of the decisions after the demand: apply, surveillance, return, bankruptcy_warning."""
    case = _case(ref)
    action = request.POST.get("action", "")
    actor = _actor(request)
    try:
        today = _day(request)
        if action == "apply":
            kfm_apply(case=case, day=today, now=timezone.now(), actor=actor)
            messages.success(request, "Ansökan om betalningsföreläggande gjordes; avgifterna "
                             "bokades.")
        elif action == "surveillance":
            kfm_surveillance(case=case, day=today, actor=actor)
            messages.success(request, "Ärendet går till efterbevakning.")
        elif action == "return":
            kfm_return(case=case, day=today, actor=actor,
                       reason=request.POST.get("reason", "").strip()[:200])
            messages.success(request, "Ärendet återlämnades till borgenären.")
        elif action == "bankruptcy_warning":
            warning = kfm_bankruptcy_warning(case=case, day=today, actor=actor)
            messages.success(request, f"Konkursanmaning skickas: betala senast {warning.pay_by}.")
        else:
            messages.error(request, "Okänt beslut.")
    except ApplicationError as exc:
        details = f" ({'; '.join(exc.details)})" if exc.details else ""
        messages.error(request, f"Kunde inte utföra: {exc.message}{details}")
    return _back(request, case)


@staff_required
@require_POST
def kfm_record_view(request: HttpRequest, ref: str) -> HttpResponse:
    case = _case(ref)
    outcome = request.POST.get("outcome", "")
    try:
        if outcome not in OUTCOMES:
            raise ApplicationError("välj ett utfall")
        result = kfm_record(
            case=case,
            outcome=outcome,
            day=_day(request),
            now=timezone.now(),
            actor=_actor(request),
            kfm_case_number=request.POST.get("kfm_case_number", ""),
            detail=request.POST.get("detail", ""),
        )
    except ApplicationError as exc:
        messages.error(request, f"Kunde inte registrera: {exc.message}")
    else:
        label = OUTCOME_LABELS[outcome]
        messages.success(
            request,
            f"{label} registrerat." if result.created else f"{label} fanns redan registrerat.",
        )
    return redirect("web:case_detail", ref=case.ref)


@staff_required
def kfm_decisions_view(request: HttpRequest) -> HttpResponse:
    return render(request, "web/kfm/decisions.html", {"rows": kfm_awaiting()})
