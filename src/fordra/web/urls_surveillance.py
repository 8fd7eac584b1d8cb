"""Staff pages for the surveillance app (included by fordra.web.urls)."""

from django.urls import URLPattern, path

from fordra.web import views_surveillance

urlpatterns: list[URLPattern] = [
    path("staff/limitation/", views_surveillance.limitation_list_view, name="limitation_list"),
    path(
        "staff/cases/<str:ref>/surveillance/start/",
        views_surveillance.surveillance_start_view,
        name="surveillance_start",
    ),
    path(
        "staff/cases/<str:ref>/limitation/decide/",
        views_surveillance.limitation_decide_view,
        name="limitation_decide",
    ),
]
