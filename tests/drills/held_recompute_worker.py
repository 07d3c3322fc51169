"""A real Celery worker whose report recompute stops, inside its write transaction, until it is killed:
the drill's way to catch a worker mid-recompute. Run as ``python held_recompute_worker.py MARKER``."""

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import django  # noqa: E402

django.setup()

from budgets.services import reports  # noqa: E402
from pbc.celery import app  # noqa: E402

marker = Path(sys.argv[1])
write_rows = reports.bulk_insert_frame


def held(*args, **kwargs):
    marker.write_text("old rows deleted, new ones not yet written")
    time.sleep(600)
    return write_rows(*args, **kwargs)


reports.bulk_insert_frame = held
app.worker_main(["worker", "--pool", "solo", "--without-mingle", "--without-gossip", "-l", "warning"])
