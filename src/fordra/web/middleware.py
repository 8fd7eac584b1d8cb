"""Refuse a submitted form with a control character in any field, before any view sees it.

One guard for every form (fordra.core.text): a NUL byte in a name or reason was an internal
error on PostgreSQL. The person gets a page in Swedish that says what to do, never the code.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from fordra.core.text import has_control_character


class RefuseControlCharacters:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method == "POST" and request.content_type in (
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ):
            values = [v for key in request.POST for v in request.POST.getlist(key)]
            if any(has_control_character(v) for v in values):
                return render(request, "web/bad_input.html", status=400)
        return self.get_response(request)
