"""Background jobs of the activity app; each takes ids only and calls a service. Safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def extract_process_task(upload_id: int) -> str:
    from activity.services import extract_process

    return extract_process(upload_id=upload_id).status


@shared_task(acks_late=True)
def activity_recost_year_task(tariff_version_id: int) -> int:
    from activity.services import activity_recost_for_tariff

    return activity_recost_for_tariff(tariff_version_id=tariff_version_id)


@shared_task
def extract_mark_stalled_task() -> int:
    from activity.services import extract_mark_stalled

    return len(extract_mark_stalled())


@shared_task
def extract_reclaim_task() -> dict:
    from activity.services import extract_reclaim

    return extract_reclaim()


@shared_task
def extract_raw_files_purge_task() -> int:
    from activity.services import extract_raw_files_purge

    return extract_raw_files_purge()
