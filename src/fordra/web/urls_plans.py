"""Staff pages for the plans app (included by fordra.web.urls)."""

from django.urls import URLPattern, path

from fordra.web import views_plans

urlpatterns: list[URLPattern] = [
    path("staff/plans/", views_plans.plans_pending_view, name="plans_pending"),
    path(
        "staff/cases/<str:ref>/plan/propose/",
        views_plans.plan_propose_view,
        name="plan_propose",
    ),
    path("staff/plans/<int:plan_id>/approve/", views_plans.plan_approve_view, name="plan_approve"),
    path("staff/plans/<int:plan_id>/reject/", views_plans.plan_reject_view, name="plan_reject"),
]
