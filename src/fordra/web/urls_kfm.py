"""Staff pages for the kfm app (included by fordra.web.urls)."""

from django.urls import URLPattern, path

from fordra.web import views_kfm

urlpatterns: list[URLPattern] = [
    path("staff/kfm/", views_kfm.kfm_decisions_view, name="kfm_decisions"),
    path("staff/cases/<str:ref>/kfm/decide/", views_kfm.kfm_decide_view, name="kfm_decide"),
    path("staff/cases/<str:ref>/kfm/record/", views_kfm.kfm_record_view, name="kfm_record"),
]
