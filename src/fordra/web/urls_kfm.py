"""Staff pages for the kfm app (included by fordra.web.urls)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
