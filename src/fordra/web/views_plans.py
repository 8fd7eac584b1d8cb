"""Staff pages for installment plans: propose from the case page, approve or reject, the list of
plans waiting for a decision. Thin: each POST calls one service; errors become messages."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from fordra.claims.selectors import case_get
from fordra.core.errors import ApplicationError, NotFound
from fordra.plans.models import Plan, PlanState
from fordra.plans.selectors import plans_awaiting_decision
from fordra.plans.services import parse_day, plan_approve, plan_propose, plan_reject
from fordra.web.dates import posted_date
from fordra.web.views import staff_required


def _actor(request: HttpRequest) -> str:
    return f"staff:{request.user.get_username()}"


def _back(request: HttpRequest, ref: str) -> HttpResponse:
    if request.POST.get("next") == "list":
        return redirect("web:plans_pending")
    return redirect("web:case_detail", ref=ref)


@staff_required
@require_POST
def plan_propose_view(request: HttpRequest, ref: str) -> HttpResponse:
    try:
        case = case_get(ref=ref)
    except NotFound as exc:
        raise Http404(str(exc)) from exc
    try:
        text = request.POST.get("installments", "").strip()
        if not text.isdigit():
            raise ApplicationError(f"antal delbetalningar måste vara ett heltal, inte {text!r}")
        plan = plan_propose(
            case=case,
            installments=int(text),
            first_due=parse_day(request.POST.get("first_due", "")),
            today=posted_date(request),
            now=timezone.now(),
            actor=_actor(request),
        )
    except ApplicationError as exc:
        messages.error(request, f"Ingen avbetalningsplan: {exc.message}")
    else:
        if plan.state == PlanState.ACTIVE:
            messages.success(request, "Avbetalningsplanen gäller; bekräftelsen skickas.")
        else:
            messages.success(request, "Avbetalningsplanen går utöver borgenärens regler och "
                             "väntar på godkännande.")
    return redirect("web:case_detail", ref=case.ref)


def _plan(plan_id: int) -> Plan:
    plan = Plan.objects.select_related("case").filter(pk=plan_id).first()
    if plan is None:
        raise Http404("no such plan")
    return plan


@staff_required
@require_POST
def plan_approve_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    try:
        plan_approve(plan=plan, actor=_actor(request), today=posted_date(request),
                     now=timezone.now())
    except ApplicationError as exc:
        messages.error(request, f"Kunde inte godkänna: {exc.message}")
    else:
        messages.success(request, f"Avbetalningsplanen för {plan.case.ref} är godkänd.")
    return _back(request, plan.case.ref)


@staff_required
@require_POST
def plan_reject_view(request: HttpRequest, plan_id: int) -> HttpResponse:
    plan = _plan(plan_id)
    try:
        plan_reject(plan=plan, actor=_actor(request), today=posted_date(request),
                    now=timezone.now(), reason=request.POST.get("reason", ""))
    except ApplicationError as exc:
        messages.error(request, f"Kunde inte avslå: {exc.message}")
    else:
        messages.success(request, f"Avbetalningsplanen för {plan.case.ref} är avslagen.")
    return _back(request, plan.case.ref)


@staff_required
def plans_pending_view(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "web/plans/pending.html",
        {"plans": list(plans_awaiting_decision()[:500]), "today": timezone.localdate()},
    )
