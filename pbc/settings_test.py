"""Test settings: the production module with a test secret and fast hashing."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "test-secret-key-not-for-production")  # noqa: S105

from pbc.settings import *  # noqa: E402,F403
from pbc.settings import STORAGES  # noqa: E402

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
SECURE_SSL_REDIRECT = False
SESSION_COOKIE_SECURE = False
CSRF_COOKIE_SECURE = False
SECURE_HSTS_SECONDS = 0
ALLOWED_HOSTS = ["*"]
LOGGING["handlers"]["console"]["formatter"] = "plain"  # noqa: F405
LOG_LEVEL = "WARNING"
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
MEDIA_ROOT = os.environ.get("PBC_TEST_MEDIA_ROOT", "/tmp/pbc-test-media")  # noqa: S108
# The fuzz tests hammer the API: rates far above anything the suite sends (one test lowers them).
REST_FRAMEWORK["DEFAULT_THROTTLE_RATES"] = {"client": "10000000/hour", "anon": "10000000/hour"}  # noqa: F405
