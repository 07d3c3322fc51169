"""Background jobs of the budgets app; each takes ids only and calls a service. Safe to run twice."""

from celery import shared_task


@shared_task(acks_late=True)
def extract_process_task(upload_id: int) -> str:
    from budgets.services import extract_process

    return extract_process(upload_id=upload_id).status


@shared_task(acks_late=True)
def activity_recost_year_task(tariff_version_id: int) -> int:
    from budgets.services import activity_recost_for_tariff

    return activity_recost_for_tariff(tariff_version_id=tariff_version_id)


@shared_task
def extract_mark_stalled_task() -> int:
    from budgets.services import extract_mark_stalled

    return len(extract_mark_stalled())


@shared_task
def extract_raw_files_purge_task() -> int:
    from budgets.services import extract_raw_files_purge

    return extract_raw_files_purge()


@shared_task(acks_late=True)
def report_recompute_task(
    pct_id: int, start_year: int, trigger: str = "requested", only_if_changed: bool = False
) -> int:
    """Rebuild a PCT's monthly report rows for one financial year; returns the number of rows."""
    from budgets.services import report_recompute
    from pbc.models import FinancialYear, Pct

    pct = Pct.objects.get(pk=pct_id)
    year = FinancialYear.objects.get(start_year=start_year)
    return report_recompute(pct=pct, year=year, trigger=trigger, only_if_changed=only_if_changed).rows


@shared_task
def reports_recompute_nightly_task() -> int:
    """Nightly: queue a recompute of every PCT year with published activity or budgets (each one skipped
    when nothing it is built from changed since its last run)."""
    from budgets.services import reports_due

    due = reports_due()
    for pct_id, start_year in due:
        report_recompute_task.delay(pct_id, start_year, "nightly", True)
    return len(due)
