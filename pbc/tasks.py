"""Background jobs of the organisation core; each takes ids only and calls a service."""

from celery import shared_task


@shared_task(acks_late=True)
def import_run_process_task(run_id: int) -> str:
    from pbc.services import import_run_process

    return import_run_process(run_id=run_id).status
