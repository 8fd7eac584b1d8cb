"""Login with throttling, and the health probe."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import views as auth_views
from django.db import connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from fordra.web.throttle import (
    client_address,
    throttle_failure,
    throttle_keys,
    throttle_success,
    throttle_wait,
)


class ThrottledLoginView(auth_views.LoginView):
    """Django's login, with growing delays after repeated failures (fordra.web.throttle)."""

    template_name = "web/login.html"
    redirect_authenticated_user = True

    def _keys(self) -> list[str]:
        username = str(self.request.POST.get("username", ""))[:150]
        return throttle_keys(username=username, address=client_address(self.request))

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        wait = throttle_wait(keys=self._keys(), now=timezone.now())
        if wait:
            context = self.get_context_data(form=self.get_form_class()(request), wait_seconds=wait)
            response = render(request, self.template_name, context, status=429)
            response["Retry-After"] = str(wait)
            return response
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form: Any) -> HttpResponse:
        throttle_failure(keys=self._keys(), now=timezone.now())
        return super().form_invalid(form)

    def form_valid(self, form: Any) -> HttpResponse:
        throttle_success(keys=self._keys())
        return super().form_valid(form)


@never_cache
@require_GET
def healthz_view(request: HttpRequest) -> HttpResponse:
    """200 when the database answers, 503 when it does not (for load balancers and systemd)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")
