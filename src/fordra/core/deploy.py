"""Whether this process may serve the web app: the production profile's guard.

``fordra serve`` and the WSGI entry point call :func:`serve_refusal` before they start. The demo
(``FORDRA_DEMO=1``, set by ``make run``) and ``FORDRA_DEBUG=1`` may run on the generated demo
key; production must set ``FORDRA_SECRET_KEY``, and never to the key older versions of Fordra
shipped in public.
"""

from __future__ import annotations

from django.conf import settings

# The constant key Fordra versions before 0.2 used by default: public, so never acceptable.
PUBLIC_DEMO_KEYS = frozenset({"fordra-insecure-demo-key-set-FORDRA_SECRET_KEY"})
SECRET_KEY_LENGTH_MIN = 50


def serve_refusal() -> str | None:
    """A sentence saying why the web app must not start, or None when it may."""
    if settings.DEMO or settings.DEBUG:
        return None
    key = settings.SECRET_KEY_FROM_ENV
    if not key:
        return (
            "FORDRA_SECRET_KEY is not set: set it to a long random value (e.g. `python -c "
            "'import secrets; print(secrets.token_urlsafe(50))'`), or run the demo with "
            "FORDRA_DEMO=1 (`make run` does)"
        )
    if key in PUBLIC_DEMO_KEYS:
        return "FORDRA_SECRET_KEY is the public demo key: set a secret one of your own"
    if len(key) < SECRET_KEY_LENGTH_MIN:
        return f"FORDRA_SECRET_KEY is too short: use at least {SECRET_KEY_LENGTH_MIN} random characters"
    return None
