"""Django settings for Fordra.

Everything that differs between machines comes from the environment (DESIGN.md §4.1):
``DATABASE_URL`` (default ``sqlite:///var/fordra.sqlite3``), ``FORDRA_MEDIA_DIR`` (default
``var/media``), ``FORDRA_SECRET_KEY``, ``FORDRA_DEBUG``, ``FORDRA_ALLOWED_HOSTS`` and the agency's
identity ``FORDRA_AGENCY_*``.

Two profiles. **Demo** (``FORDRA_DEMO=1``, set by ``make run``): plain HTTP on 127.0.0.1 and a
secret key generated once into ``var/demo-secret-key``. **Production** (the default): HTTPS
settings (Secure cookies, HSTS, redirect to HTTPS; ``FORDRA_HTTPS=0`` only behind a proxy that
does it), and ``fordra serve`` refuses to start without ``FORDRA_SECRET_KEY`` (see
``fordra.core.deploy``). ``python -m django check --deploy`` is clean in production.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent

DEFAULT_DATABASE_URL = "sqlite:///var/fordra.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)

DEMO = os.environ.get("FORDRA_DEMO", "0") == "1"
DEBUG = os.environ.get("FORDRA_DEBUG", "0") == "1"
DEMO_SECRET_FILE = Path(os.environ.get("FORDRA_DEMO_SECRET_FILE", "var/demo-secret-key"))


def _demo_secret(path: Path) -> str:
    """The demo's key: random, made once per machine, never a public constant."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


# Production sets FORDRA_SECRET_KEY; ``fordra serve`` and the WSGI entry refuse to start without
# it (fordra.core.deploy). A command-line run without it gets a throw-away key: it signs nothing
# that outlives the process.
SECRET_KEY_FROM_ENV = os.environ.get("FORDRA_SECRET_KEY", "")
SECRET_KEY = SECRET_KEY_FROM_ENV or (
    _demo_secret(DEMO_SECRET_FILE) if DEMO else secrets.token_urlsafe(50)
)
ALLOWED_HOSTS = os.environ.get("FORDRA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "csp",
    "fordra.reference",
    "fordra.parties",
    "fordra.claims",
    "fordra.collection",
    "fordra.letters",
    "fordra.payments",
    "fordra.ledger",
    "fordra.settlement",
    "fordra.plans",
    "fordra.kfm",
    "fordra.surveillance",
    "fordra.privacy",
    "fordra.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Static files from the WSGI process itself (no separate web server needed); uploaded files
    # and letters are never static: only views that check who asks serve them.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "fordra.web.middleware.RefuseControlCharacters",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
]

ROOT_URLCONF = "fordra.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "fordra.wsgi.application"


def _database_settings(url: str) -> dict[str, object]:
    config: dict[str, object] = dict(
        dj_database_url.parse(url, conn_max_age=int(os.environ.get("FORDRA_DB_CONN_MAX_AGE", "0")))
    )
    if config["ENGINE"] == "django.db.backends.sqlite3":
        name = str(config["NAME"])
        if name and name != ":memory:":
            Path(name).parent.mkdir(parents=True, exist_ok=True)
        # IMMEDIATE: a writer takes the lock at BEGIN, so two writers queue instead of one
        # failing mid-transaction with "database is locked". WAL lets readers run meanwhile.
        config["OPTIONS"] = {
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
            "init_command": (
                "PRAGMA journal_mode=WAL;PRAGMA synchronous=NORMAL;PRAGMA foreign_keys=ON;"
                "PRAGMA cache_size=-65536;PRAGMA temp_store=MEMORY;"
            ),
        }
        config["CONN_MAX_AGE"] = 0
    return config


DATABASES = {"default": _database_settings(DATABASE_URL)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("FORDRA_STATIC_DIR", "var/static"))  # `collectstatic` target
# WhiteNoise expects it to exist; in a read-only working directory the finders below still serve.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# Without a collectstatic run (tests, a fresh checkout) WhiteNoise finds files in the apps.
WHITENOISE_USE_FINDERS = True
MEDIA_ROOT = Path(os.environ.get("FORDRA_MEDIA_DIR", "var/media"))
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:case_list"
LOGOUT_REDIRECT_URL = "web:login"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = 8 * 3600  # a working day
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"

# HTTPS: on in production, off in the demo and under FORDRA_DEBUG (plain http://127.0.0.1).
HTTPS = os.environ.get("FORDRA_HTTPS", "0" if (DEMO or DEBUG) else "1") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = HTTPS
SECURE_SSL_REDIRECT = HTTPS
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's probe speaks plain HTTP
SECURE_HSTS_SECONDS = int(os.environ.get("FORDRA_HSTS_SECONDS", "31536000")) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_HSTS_PRELOAD = HTTPS
if os.environ.get("FORDRA_BEHIND_PROXY", "0") == "1":
    # TLS ends at the proxy, which must set (and strip from clients) X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

# Content-Security-Policy (django-csp): only our own scripts, styles, images and forms.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}

# Login throttling (fordra.web.throttle): growing delays per account and per address after
# a few failures, never a hard lockout.
LOGIN_FAILURES_FREE = int(os.environ.get("FORDRA_LOGIN_FAILURES_FREE", "5"))
LOGIN_DELAY_SECONDS_MAX = int(os.environ.get("FORDRA_LOGIN_DELAY_SECONDS_MAX", "900"))

AGENCY = {
    "name": os.environ.get("FORDRA_AGENCY_NAME", "Fordra Inkasso AB"),
    "orgnr": os.environ.get("FORDRA_AGENCY_ORGNR", "5590000005"),
    "address": os.environ.get("FORDRA_AGENCY_ADDRESS", "Box 1234, 111 22 Stockholm"),
    "phone": os.environ.get("FORDRA_AGENCY_PHONE", "08-123 456 70"),
    "email": os.environ.get("FORDRA_AGENCY_EMAIL", "kundtjanst@fordra.example"),
    "bankgiro": os.environ.get("FORDRA_AGENCY_BANKGIRO", "5050-1055"),
    # The klientmedel account's IBAN: when set, a camt.054 notification for another account is
    # refused (DESIGN.md §4.1). Unset by default (the demo checks only the bankgiro).
    "iban": os.environ.get("FORDRA_AGENCY_IBAN", ""),
    # Kronofogden's ombudskod for the file service (betalningsföreläggande); a demo value.
    "ombudskod": os.environ.get("FORDRA_AGENCY_OMBUDSKOD", "DEMO-OMBUD"),
}

# A daily run's lock is taken over when its holder on another host has not moved for this long
# (fordra.collection.runlock; on the same host a dead process frees it at once).
RUN_LOCK_STALE_SECONDS = int(os.environ.get("FORDRA_RUN_LOCK_STALE_SECONDS", "600"))

# Collection policy (DOMAIN.md §4: contact rules are policy, not statute).
LETTERS_PER_DEBTOR_PER_DAY_MAX = int(os.environ.get("FORDRA_LETTERS_PER_DEBTOR_PER_DAY", "1"))
# Efterbevakning: a credit-information adapter (dotted path to a class with ``lookup``; none by
# default — the rule-based score alone). See fordra.surveillance.scoring.
FORDRA_CREDIT_INFO_ADAPTER = os.environ.get("FORDRA_CREDIT_INFO_ADAPTER", "")
# How a Kronofogden application batch is handed over (fordra.kfm.transport): the outbox folder
# by default; an agency with the file-service agreement names its own transport class.
FORDRA_KFM_TRANSPORT = os.environ.get("FORDRA_KFM_TRANSPORT", "")
PORTAL_URL = os.environ.get("FORDRA_PORTAL_URL", "http://127.0.0.1:8000/")
EMAIL_BACKEND = os.environ.get(
    "FORDRA_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend"
)
EMAIL_FILE_PATH = MEDIA_ROOT / "outbox" / "email"
EMAIL_HOST = os.environ.get("FORDRA_EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("FORDRA_EMAIL_PORT", "25"))
DEFAULT_FROM_EMAIL = os.environ.get("FORDRA_EMAIL_FROM", "inkasso@fordra.example")

# GDPR: a person's data is pseudonymised this many days after their last case closed (policy,
# DOMAIN.md confidence U; the bookkeeping records stay seven years, bokföringslagen 7 kap. 2 §).
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("FORDRA_PERSONAL_DATA_RETENTION_DAYS", "1095"))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # No personnummer or organisationsnummer in any log line (GDPR): see fordra.core.logredact.
    "filters": {"redact": {"()": "fordra.core.logredact.RedactIdentityNumbers"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
