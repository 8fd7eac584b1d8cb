"""Staff pages for the plans app (included by fordra.web.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
