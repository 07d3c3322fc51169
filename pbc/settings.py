"""PBC Manager settings: one module, configured from the environment (12-factor).

With nothing set the app runs on SQLite with Celery tasks executed eagerly, so it needs no services.
``DATABASE_URL`` switches to PostgreSQL and ``CELERY_BROKER_URL`` (or ``REDIS_URL``) to a Redis broker
with real workers. Production refuses to start without a secret key.
"""

from __future__ import annotations

import importlib.util
from datetime import timedelta
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import environ
from celery.schedules import crontab
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    SECRET_KEY = "insecure-local-development-key-only-for-make-run"  # noqa: S105

# Loopback names stay allowed so container health checks can reach /healthz.
ALLOWED_HOSTS = [*env.list("DJANGO_ALLOWED_HOSTS", default=[]), "127.0.0.1", "localhost"]
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# Reasons for a change (a revised budget, a replaced tariff) are kept whole in the history, not cut at 100.
SIMPLE_HISTORY_HISTORY_CHANGE_REASON_USE_TEXT_FIELD = True

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "crispy_forms",
    "crispy_bootstrap5",
    "simple_history",
    "django_htmx",
    "axes",
    "csp",
    "bootstrap",
    "pbc.apps.PbcConfig",
    "activity.apps.ActivityConfig",
    "budgets.apps.BudgetsConfig",
    "applications.apps.ApplicationsConfig",
    "agreements.apps.AgreementsConfig",
    "freed_resources.apps.FreedResourcesConfig",
    "fhir_api.apps.FhirApiConfig",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "pbc.middleware.RequestLogMiddleware",
    "pbc.middleware.DatabaseUnavailableMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "pbc.urls"
WSGI_APPLICATION = "pbc.wsgi.application"
ASGI_APPLICATION = "pbc.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "pbc.context_processors.navigation",
            ],
        },
    }
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A busy timeout lets the eager task and the request share the file without "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {}).update({"timeout": 20})
# A write transaction that SQLite answers "database is locked" (another upload is writing) is run again
# after each of these pauses (seconds), then answered "The database is busy; try again in a moment." (503).
PBC_DB_BUSY_RETRY_DELAYS = env.list("PBC_DB_BUSY_RETRY_DELAYS", cast=float, default=[0.2, 0.5, 1.0])
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://pbc")}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# Login throttling: lock a username + address pair after repeated failures, and (against password
# spraying) a whole address after PBC_LOGIN_ADDRESS_LIMIT failures across usernames; both within the
# cool-off, both answered with the same lockout page (pbc/lockout.py). 0 turns the address limit off.
AXES_ENABLED = env.bool("AXES_ENABLED", default=True)
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=15)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "pbc.lockout.AddressLimitAxesHandler"
PBC_LOGIN_ADDRESS_LIMIT = env.int("PBC_LOGIN_ADDRESS_LIMIT", default=20)
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

SESSION_COOKIE_AGE = env.int("SESSION_COOKIE_AGE", default=8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "Europe/London"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
# plotly.js is served from the installed plotly package (charts work offline, no CDN): /static/plotly/plotly.min.js
_PLOTLY_SPEC = importlib.util.find_spec("plotly")
if _PLOTLY_SPEC and _PLOTLY_SPEC.submodule_search_locations:
    STATICFILES_DIRS.append(("plotly", Path(_PLOTLY_SPEC.submodule_search_locations[0]) / "package_data"))
WHITENOISE_USE_FINDERS = DEBUG
MEDIA_ROOT = env.path("DJANGO_PRIVATE_MEDIA_ROOT", default=BASE_DIR / "private")  # never served directly
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if not DEBUG
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PBC_MAX_UPLOAD_BYTES = env.int("PBC_MAX_UPLOAD_BYTES", default=200 * 1024 * 1024)
PBC_RAW_FILE_RETENTION_DAYS = env.int("PBC_RAW_FILE_RETENTION_DAYS", default=30)
# An uploaded XLSX (extract or tariff file) is refused unopened when its zip declares more than this to unpack
# in all, or any member over 1 MB compressed more than PBC_XLSX_MAX_RATIO times: a zip bomb (issue 14 item 7).
PBC_XLSX_MAX_UNPACKED_BYTES = env.int("PBC_XLSX_MAX_UNPACKED_BYTES", default=1024 * 1024 * 1024)
PBC_XLSX_MAX_RATIO = env.int("PBC_XLSX_MAX_RATIO", default=100)
# An upload that would shrink a published provider-month to under this share of its spells (or empty it)
# is refused (409) until it is sent again with confirm_restate.
PBC_RESTATE_MIN_SHARE = Decimal(env.str("PBC_RESTATE_MIN_SHARE", default="0.5"))
# Directed enhanced services: the national average list per financial year that osteoporosis and extended
# hours scale by ("2008/09=6000": the Extended Hours DES's 30 minutes a week per 1,000 patients is three
# hours for 6,000), and the share of each of the three osteoporosis criteria (a third each by default).
PBC_DES_AVERAGE_LIST_SIZES = {
    year.strip(): int(size)
    for year, _, size in (
        item.partition("=") for item in env.list("PBC_DES_AVERAGE_LIST_SIZES", default=["2008/09=6000"])
    )
}
PBC_DES_OSTEOPOROSIS_SHARES = env.list("PBC_DES_OSTEOPOROSIS_SHARES", default=["1/3", "1/3", "1/3"])
try:
    _des_shares = [Fraction(share) for share in PBC_DES_OSTEOPOROSIS_SHARES]
    _des_averages_ok = all(size >= 1 for size in PBC_DES_AVERAGE_LIST_SIZES.values())
except (ValueError, ZeroDivisionError) as exc:
    raise ImproperlyConfigured(f"PBC_DES_OSTEOPOROSIS_SHARES: {exc}") from exc
if len(_des_shares) != 3 or any(share < 0 for share in _des_shares) or not _des_averages_ok:
    raise ImproperlyConfigured(
        "PBC_DES_OSTEOPOROSIS_SHARES needs three shares (e.g. 1/3,1/3,1/3) and every "
        "PBC_DES_AVERAGE_LIST_SIZES entry a list of at least 1 (e.g. 2008/09=6000)."
    )
# Validation of activity (DOMAIN 10): a month's lines may be challenged until this many days after the
# month ends (after that, or once the PCT closes the month, challenges are refused: the provider's
# figures for it are final); a practice's validation return is late after this many days.
PBC_VALIDATION_CLOSE_DAYS = env.int("PBC_VALIDATION_CLOSE_DAYS", default=60)
PBC_VALIDATION_RETURN_DAYS = env.int("PBC_VALIDATION_RETURN_DAYS", default=30)

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Security headers; the HTTPS-only ones are on whenever DEBUG is off.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

# Content Security Policy: only the app's own assets. Bootstrap and plotly set inline styles.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first, so an anonymous client is told how to authenticate (401, not 403).
        "pbc.api.authentication.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["pbc.api.permissions.ScopedModelPermissions"],
    # JSON, the browsable API, and CSV (?format=csv or Accept: text/csv) for every list and report;
    # a CSV list streams all its rows rather than one page.
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "pbc.api.renderers.ApiContentNegotiation",
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
        "pbc.api.renderers.CsvRenderer",
    ],
    "DEFAULT_PAGINATION_CLASS": "pbc.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "pbc.api.schema.AutoSchema",
    "EXCEPTION_HANDLER": "pbc.api.exceptions.exception_handler",
    # Per token (or signed-in user); callers without credentials share a stricter rate per address.
    "DEFAULT_THROTTLE_CLASSES": [
        "pbc.api.throttling.ClientRateThrottle",
        "pbc.api.throttling.AnonymousRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "client": env.str("API_THROTTLE_RATE", default="2000/hour"),
        "anon": env.str("API_ANON_THROTTLE_RATE", default="60/hour"),
    },
    "COERCE_DECIMAL_TO_STRING": True,
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# API tokens expire this many days after they are issued (or rotated); a rotated token keeps working for
# the grace period, so a system can switch to its new key without a gap.
PBC_API_TOKEN_LIFETIME_DAYS = env.int("PBC_API_TOKEN_LIFETIME_DAYS", default=365)
PBC_API_TOKEN_ROTATION_GRACE_HOURS = env.int("PBC_API_TOKEN_ROTATION_GRACE_HOURS", default=24)
SPECTACULAR_SETTINGS = {
    "TITLE": "PBC Manager API",
    "DESCRIPTION": (
        "Practice Based Commissioning for a Primary Care Trust: organisations, activity, budgets, "
        "reports, applications, agreements and freed-up resources. Organisations are addressed by their "
        'ODS codes. Money is a JSON string of pounds with exactly two decimals, e.g. "196000.00".'
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "ENUM_NAME_OVERRIDES": {
        "ApplicationKindEnum": "applications.choices.ApplicationKind",
        "DeclarationKindEnum": "freed_resources.choices.DeclarationKind",
        "ImportKindEnum": "pbc.choices.ImportKind",
        "FunnelPositionEnum": "pbc.funnel.FUNNEL_POSITIONS",
        "BudgetHoldingStatusEnum": "budgets.choices.BudgetHoldingStatusChoice",
    },
}

# Applications: largest attachment accepted; site address for links in notification emails.
PBC_APPLICATION_ATTACHMENT_MAX_BYTES = env.int(
    "PBC_APPLICATION_ATTACHMENT_MAX_BYTES", default=10 * 1024 * 1024
)
PBC_SITE_URL = env.str("PBC_SITE_URL", default="")

# Celery: a real broker when configured, otherwise tasks run in-process (eagerly).
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or env.str("REDIS_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
if not CELERY_BROKER_URL:
    CELERY_BROKER_URL = "memory://"
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True  # a killed worker's job is redelivered, not lost
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = 60 * 60
CELERY_BROKER_CONNECTION_TIMEOUT = 3
CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 2 * 60 * 60, "socket_connect_timeout": 3}
CELERY_TIMEZONE = TIME_ZONE
# Job ownership (activity.jobs): an extract job's owner renews its lease as it works; a job whose lease has
# run out is put back on the queue by the reclaim sweep, so a killed worker's job restarts within
# lease + sweep seconds (a minute by default), and fails for a person to look at after the last attempt.
PBC_JOB_LEASE_SECONDS = env.int("PBC_JOB_LEASE_SECONDS", default=45)
PBC_JOB_RECLAIM_EVERY_SECONDS = env.int("PBC_JOB_RECLAIM_EVERY_SECONDS", default=15)
PBC_JOB_MAX_ATTEMPTS = env.int("PBC_JOB_MAX_ATTEMPTS", default=3)

CELERY_BEAT_SCHEDULE: dict = {
    "extracts-reclaim": {
        "task": "activity.tasks.extract_reclaim_task",
        "schedule": float(PBC_JOB_RECLAIM_EVERY_SECONDS),
    },
    "extracts-mark-stalled": {"task": "activity.tasks.extract_mark_stalled_task", "schedule": 300.0},
    "extracts-purge-raw-files": {
        "task": "activity.tasks.extract_raw_files_purge_task",
        "schedule": 6 * 60 * 60.0,
    },
    # Monthly budget-versus-activity reports are rebuilt nightly (and after every published extract).
    "reports-recompute-nightly": {
        "task": "budgets.tasks.reports_recompute_nightly_task",
        "schedule": crontab(hour=2, minute=30),
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
EMAIL_URL = env.email_url("EMAIL_URL", default="consolemail://")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="pbc-manager@localhost")

# Keyed hash for pseudonymous patient identifiers in extracts (never stored as given).
PBC_PATIENT_HASH_KEY = env.str("PBC_PATIENT_HASH_KEY", default=SECRET_KEY)

LOG_LEVEL = env.str("DJANGO_LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "json": {
            "()": "pythonjsonlogger.json.JsonFormatter",
            "fmt": "%(asctime)s %(levelname)s %(name)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
        },
        "plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": env.str("DJANGO_LOG_FORMAT", default="json"),
        },
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "axes": {"level": "WARNING"},
    },
}
