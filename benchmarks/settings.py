"""Settings for the ingest benchmark: the product's settings, minus apps the ingest does not use.

``applications``, ``agreements`` and ``freed_resources`` are dropped (they are edited in parallel and play no
part in ingestion), URLs are an empty module, Celery runs eagerly (the benchmark calls the services itself),
uploads go to a scratch media folder and the upload size limit is raised so that a 5M-spell file is accepted.
Everything else — database (``DATABASE_URL``), costing, storage code — is the product's.
"""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-a-secret")  # noqa: S105

from pbc.settings import *  # noqa: E402,F403
from pbc.settings import INSTALLED_APPS, LOGGING  # noqa: E402

_DROPPED = {"applications", "agreements", "freed_resources"}
INSTALLED_APPS = [app for app in INSTALLED_APPS if app.split(".")[0] not in _DROPPED]
ROOT_URLCONF = "benchmarks.urls"
CELERY_TASK_ALWAYS_EAGER = True
CELERY_BROKER_URL = "memory://"
MEDIA_ROOT = os.environ.get("PBC_BENCH_MEDIA_ROOT", "/tmp/pbc-bench-media")
PBC_MAX_UPLOAD_BYTES = int(os.environ.get("PBC_BENCH_MAX_UPLOAD_BYTES", 8 * 1024**3))
AXES_ENABLED = False
LOGGING["handlers"]["console"]["formatter"] = "plain"
LOGGING["root"]["level"] = "WARNING"
