"""Celery: the budgets jobs on beat's schedule point at tasks that exist, and the nightly job queues work."""

from __future__ import annotations

from celery.schedules import crontab
from django.conf import settings

from pbc.celery import app

NIGHTLY = "reports-recompute-nightly"


def test_nightly_reports_recompute_is_on_the_beat_schedule():
    entry = settings.CELERY_BEAT_SCHEDULE[NIGHTLY]
    assert entry["task"] == "budgets.tasks.reports_recompute_nightly_task"
    assert isinstance(entry["schedule"], crontab)
    assert entry["schedule"].hour == {2} and entry["schedule"].minute == {30}  # 02:30, after the day's loads
    # The name resolves to a registered task, and it is the function in budgets.tasks.
    from budgets.tasks import reports_recompute_nightly_task

    assert entry["task"] in app.tasks
    assert app.tasks[entry["task"]].name == reports_recompute_nightly_task.name == entry["task"]
    assert app.conf.beat_schedule[NIGHTLY]["task"] == entry["task"]  # what beat itself reads


def test_every_budgets_beat_entry_names_a_registered_task():
    import budgets.tasks  # noqa: F401 - registers the tasks

    entries = {k: v for k, v in settings.CELERY_BEAT_SCHEDULE.items() if v["task"].startswith("budgets.")}
    assert NIGHTLY in entries
    missing = {name: e["task"] for name, e in entries.items() if e["task"] not in app.tasks}
    assert not missing, f"beat entries naming no registered task: {missing}"


def test_nightly_task_queues_a_recompute_per_due_year(monkeypatch):
    from budgets import services, tasks

    queued = []
    monkeypatch.setattr(services, "reports_due", lambda: [(1, 2007), (2, 2008)])
    monkeypatch.setattr(tasks.report_recompute_task, "delay", lambda *args: queued.append(args))
    assert tasks.reports_recompute_nightly_task.run() == 2
    assert queued == [(1, 2007, "nightly", True), (2, 2008, "nightly", True)]
