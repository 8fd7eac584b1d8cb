"""Staff pages for limitation (preskription) and efterbevakning: start efterbevakning and decide
a claim flagged for review from the case page; the "Preskription" list of cases whose limitation
date is near or that wait for a decision. Thin: each POST calls one service; errors become
messages, never a traceback."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fordra.claims.models import Case
from fordra.claims.selectors import case_get
from fordra.core.errors import ApplicationError, NotFound
from fordra.surveillance.selectors import limitation_watchlist
from fordra.surveillance.services import limitation_review_decide, surveillance_start
from fordra.web.views import staff_required

WATCH_DAYS = 180


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.get_username()}"


def _case(ref: str) -> Case:
    try:
        return case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@staff_required
@require_POST
def surveillance_start_view(request: HttpRequest, ref: str) -> HttpResponse:
    case = _case(ref)
    try:
        result = surveillance_start(
            case=case, day=timezone.localdate(), now=timezone.now(), actor=_actor(request)
        )
    except ApplicationError as exc:
        messages.error(request, f"Ingen efterbevakning: {exc.message}")
    else:
        if result["already"]:
            messages.success(request, "Ärendet är redan under efterbevakning.")
        else:
            messages.success(request, "Ärendet är nu under efterbevakning och har poängsatts.")
    return redirect("web:case_detail", ref=case.ref)


@staff_required
@require_POST
def limitation_decide_view(request: HttpRequest, ref: str) -> HttpResponse:
    case = _case(ref)
    try:
        limitation_review_decide(
            case=case,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", "")[:500],
            day=timezone.localdate(),
            now=timezone.now(),
            actor=_actor(request),
        )
    except ApplicationError as exc:
        messages.error(request, f"Inget beslut: {exc.message}")
    else:
        messages.success(request, "Beslutet om preskription är registrerat.")
    if request.POST.get("next") == "list":
        return redirect("web:limitation_list")
    return redirect("web:case_detail", ref=case.ref)


@staff_required
def limitation_list_view(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    cases = limitation_watchlist(today=today, days=WATCH_DAYS)
    rows = [(c, (c.limitation_date - today).days if c.limitation_date else None) for c in cases]
    return render(
        request,
        "web/surveillance/limitation_list.html",
        {"rows": rows, "today": today, "days": WATCH_DAYS},
    )
