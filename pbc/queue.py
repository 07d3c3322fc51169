"""Sending work to the background workers, refusing it up front when the task queue cannot be reached.

An upload is only worth storing if a worker will process it. ``enqueue_on_commit`` checks the broker
inside the caller's transaction, so a refusal (``ServiceUnavailable``, HTTP 503 in the API and a form
error on pages) rolls the upload back and stores nothing. Without a broker (development, tests) tasks
run eagerly and nothing is checked.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError as BrokerError

from pbc.exceptions import ServiceUnavailable

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 2
UNAVAILABLE = (
    "The background task queue cannot be reached just now, so the file was not accepted and nothing was "
    "stored. Please try again in a few minutes."
)


def _app():
    from pbc.celery import app

    return app


def task_named(name: str):
    """The registered task called ``name``.

    Services queue their follow-up work by task name, as the message itself does, so they never import
    the ``tasks`` modules: those are entry points that call services, and the imports run one way."""
    app = _app()
    app.loader.import_default_modules()  # the apps' tasks modules, as a worker loads them
    return app.tasks[name]


def _task(task):
    return task_named(task) if isinstance(task, str) else task


def _connect(conn) -> None:
    # One quick retry: a blip is ridden out, a stopped broker is reported within about a second.
    conn.ensure_connection(max_retries=1, interval_start=0.3, timeout=CONNECT_TIMEOUT_SECONDS)


def broker_status() -> str:
    """``eager`` (no broker configured), ``ok``, or ``error: <kind>`` when it cannot be reached."""
    app = _app()
    if app.conf.task_always_eager:
        return "eager"
    try:
        with app.connection_for_write() as conn:
            _connect(conn)
        return "ok"
    except Exception as exc:  # noqa: BLE001 - any failure means tasks cannot be queued
        return f"error: {type(exc).__name__}"


def ensure_available() -> None:
    """Raise ``ServiceUnavailable`` when tasks cannot be queued."""
    status = broker_status()
    if status.startswith("error"):
        logger.error("task queue unavailable", extra={"broker": status})
        raise ServiceUnavailable(UNAVAILABLE, {"retry_after_seconds": 60})


def send(task, *args) -> None:
    """Queue ``task(*args)`` now (a task or its name), failing fast (``ServiceUnavailable``) instead of
    retrying for long."""
    app, task = _app(), _task(task)
    if app.conf.task_always_eager:
        task.delay(*args)
        return
    try:
        with app.connection_for_write() as conn:
            _connect(conn)
            task.apply_async(args, connection=conn, retry=False)
    except (BrokerError, OSError) as exc:
        logger.error("task not queued", extra={"task": task.name, "task_args": args, "error": repr(exc)})
        raise ServiceUnavailable(UNAVAILABLE, {"retry_after_seconds": 60}) from exc


def enqueue_on_commit(task, *args, on_failure: Callable[[ServiceUnavailable], None] | None = None) -> None:
    """Queue ``task(*args)`` when the current transaction commits; refuse now if the queue is down.

    If the queue goes away between the check and the commit, ``on_failure`` records that on the stored
    job (e.g. marks it failed, so it can be retried) instead of leaving it waiting for no one.
    """
    ensure_available()

    def _send() -> None:
        try:
            send(task, *args)
        except ServiceUnavailable as exc:
            if on_failure is None:
                raise
            on_failure(exc)

    transaction.on_commit(_send)


def send_or_log(task, *args) -> bool:
    """Queue follow-up work whose loss is recoverable (a notification, a report that is rebuilt nightly
    anyway). If the queue is down, the action that asked for it still stands: the failure is logged for
    the operators instead of turning a committed change into an error page."""
    try:
        send(task, *args)
    except ServiceUnavailable:
        return False
    return True
