"""WSGI entry point (production servers; `fordra serve` runs Django's own server)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fordra.settings")
application = get_wsgi_application()
