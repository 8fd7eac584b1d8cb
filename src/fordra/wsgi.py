"""WSGI entry point for production servers (``fordra serve`` runs it under gunicorn).

Refuses to load in the production profile without a secret key of its own
(``fordra.core.deploy``), whichever server imports it.
"""

import os

from django.core.exceptions import ImproperlyConfigured
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fordra.settings")
application = get_wsgi_application()

from fordra.core.deploy import serve_refusal  # noqa: E402  (needs the settings loaded)

_refusal = serve_refusal()
if _refusal:
    raise ImproperlyConfigured(_refusal)
