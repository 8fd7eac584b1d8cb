"""Staff pages for the surveillance app (included by fordra.web.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
