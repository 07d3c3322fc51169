"""Settings for the reports benchmark: the product's settings with the apps it does not use dropped, served
by gunicorn with debug off on loopback (no HTTPS redirect), eager Celery and no throttling.

Everything that answers the measured requests — views, selectors, templates, API, database — is the
product's. ``DATABASE_URL`` chooses the database (the benchmark sets it to its own PostgreSQL database).
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "reports-benchmark-only-not-a-secret")  # noqa: S105
os.environ.setdefault("DJANGO_SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("DJANGO_SECURE_COOKIES", "0")
os.environ.setdefault("DJANGO_HSTS_SECONDS", "0")
os.environ.setdefault("DJANGO_LOG_LEVEL", "WARNING")

from pbc.settings import *  # noqa: E402,F403
from pbc.settings import INSTALLED_APPS, LOGGING, REST_FRAMEWORK  # noqa: E402

_DROPPED = {"applications", "agreements", "freed_resources"}
INSTALLED_APPS = [app for app in INSTALLED_APPS if app.split(".")[0] not in _DROPPED]
ROOT_URLCONF = "benchmarks.reports_urls"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = os.environ.get("PBC_BENCH_MEDIA_ROOT", "/tmp/pbc-reports-bench-media")
AXES_ENABLED = False
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_CLASSES": [], "DEFAULT_THROTTLE_RATES": {}}
LOGGING["handlers"]["console"]["formatter"] = "plain"
LOGGING["root"]["level"] = "WARNING"
