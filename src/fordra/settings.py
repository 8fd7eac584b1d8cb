"""Django settings for Fordra.

Everything that differs between machines comes from the environment (DESIGN.md §4.1):
``DATABASE_URL`` (default ``sqlite:///var/fordra.sqlite3``), ``FORDRA_MEDIA_DIR`` (default
``var/media``), ``FORDRA_SECRET_KEY``, ``FORDRA_DEBUG``, ``FORDRA_ALLOWED_HOSTS`` and the agency's
identity ``FORDRA_AGENCY_*``. The defaults make a demo that runs with nothing set.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent

DEFAULT_DATABASE_URL = "sqlite:///var/fordra.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)

# A development key is acceptable only for the embedded demo; production sets FORDRA_SECRET_KEY.
SECRET_KEY = os.environ.get("FORDRA_SECRET_KEY", "fordra-insecure-demo-key-set-FORDRA_SECRET_KEY")
DEBUG = os.environ.get("FORDRA_DEBUG", "0") == "1"
ALLOWED_HOSTS = os.environ.get("FORDRA_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
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
    "fordra.web",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "sv"
LANGUAGES = [("sv", "Svenska"), ("en", "English")]
TIME_ZONE = "Europe/Stockholm"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
MEDIA_ROOT = Path(os.environ.get("FORDRA_MEDIA_DIR", "var/media"))
LOGIN_URL = "web:login"
LOGIN_REDIRECT_URL = "web:case_list"
LOGOUT_REDIRECT_URL = "web:login"

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

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

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
