from celery import shared_task


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
