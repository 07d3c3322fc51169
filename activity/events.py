"""Events of the data path for the feed (``pbc.events``): an extract's job finished."""

from __future__ import annotations

from activity.choices import UploadStatus
from activity.models import ExtractUpload
from pbc.events import Event
from pbc.permissions import scope_queryset


def extracts_processed(*, user, since, limit):
    uploads = scope_queryset(
        ExtractUpload.objects.filter(status__in=[UploadStatus.SUCCEEDED, UploadStatus.FAILED]), user
    ).filter(finished__isnull=False)
    if since is not None:
        uploads = uploads.filter(finished__gt=since)
    for pk, finished, pct, dataset, filename, state in uploads.order_by("finished", "pk").values_list(
        "pk", "finished", "pct__code", "dataset", "filename", "status"
    )[:limit]:
        yield Event("extract.processed", pk, finished, pct, f"{dataset} extract {filename}: {state}")
