"""Staff back office: thin views over the claims selectors (Swedish UI)."""

from __future__ import annotations

from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from fordra.claims.models import CaseState
from fordra.claims.selectors import case_balances, case_detail_json, case_get, case_list
from fordra.core.errors import NotFound
from fordra.parties.models import Creditor
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
        case = case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    detail = case_detail_json(case, as_of=today)
    return render(
        request,
        "web/case_detail.html",
        {
            "case": case,
            "d": detail,
            "state_label": CaseState(case.state).label,
            "today": today,
            "missing_rates": _rate_warning(today),
        },
    )
