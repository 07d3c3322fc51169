"""A busy database (SQLite's "database is locked") is retried briefly, then answered "busy, try again".

SQLite lets one connection write at a time. A writer waits for the lock up to the connection's ``timeout``
(settings: DATABASES OPTIONS), but a transaction that has read and then wants to write while another
connection is writing gets "database is locked" at once (SQLite refuses rather than deadlock), which is what
two uploads sent together hit. Run the whole write transaction again after a short pause and it goes
through; when it still cannot, the user is told the database is busy — not that it "could not be reached".

* :func:`retry_when_busy` decorates a service whose body is one ``transaction.atomic`` (put it above the
  ``@transaction.atomic``), or :func:`run_retrying_when_busy` runs such a callable: on a busy error the
  transaction has rolled back, so running it again is safe. Inside someone else's transaction it does not
  retry (the owner of the transaction must); it still turns the busy error into :class:`DatabaseBusy`.
* :class:`DatabaseBusy` is a ``ServiceUnavailable`` (HTTP 503 in the API, a form error on pages).
* :func:`is_database_busy` tells a busy error from a lost database (the middleware and the API exception
  handler answer the two differently).
"""

from __future__ import annotations

import functools
import logging
import sqlite3
import time
from collections.abc import Callable
from typing import TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, OperationalError, connections

from pbc.exceptions import ServiceUnavailable

__all__ = [
    "DATABASE_BUSY",
    "DatabaseBusy",
    "is_database_busy",
    "retry_when_busy",
    "run_retrying_when_busy",
]

logger = logging.getLogger(__name__)
T = TypeVar("T")

DATABASE_BUSY = "The database is busy; try again in a moment."
RETRY_AFTER_SECONDS = 5
# An attempt that failed only after waiting this long has sat out SQLite's busy timeout: a long write holds
# the lock, and waiting again would keep the user for another timeout.
_WAITED_SECONDS = 2.0
_BUSY_NAMES = frozenset({"SQLITE_BUSY", "SQLITE_LOCKED"})


class DatabaseBusy(ServiceUnavailable):
    """The database stayed busy (locked by another writer) through the retries; nothing was saved."""

    def __init__(self, message: str = DATABASE_BUSY, extra: dict | None = None):
        super().__init__(message, {"retry_after_seconds": RETRY_AFTER_SECONDS, **(extra or {})})


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` (Django's or sqlite3's OperationalError) says another connection holds the lock."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        if getattr(exc, "sqlite_errorname", None) in _BUSY_NAMES:
            return True
        if isinstance(exc, OperationalError | sqlite3.OperationalError):
            text = str(exc).lower()
            if "database is locked" in text or "database table is locked" in text:
                return True
        exc = exc.__cause__ or exc.__context__
    return False


def _inside_a_transaction(using: str) -> bool:
    """Inside a transaction someone else opened (a test's own transaction does not count)."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return False
    blocks = getattr(connection, "atomic_blocks", [])
    return not blocks or any(not getattr(block, "_from_testcase", False) for block in blocks)


def run_retrying_when_busy(fn: Callable[[], T], *, using: str = DEFAULT_DB_ALIAS) -> T:
    """``fn()``, run again after each of ``PBC_DB_BUSY_RETRY_DELAYS`` (seconds) while the database is busy;
    then :class:`DatabaseBusy`. ``fn`` must be one whole transaction (it is rolled back when it fails)."""
    delays = [] if _inside_a_transaction(using) else list(settings.PBC_DB_BUSY_RETRY_DELAYS)
    attempt = 0
    while True:
        started = time.monotonic()
        try:
            return fn()
        except OperationalError as exc:
            if not is_database_busy(exc):
                raise
            waited = time.monotonic() - started
            if attempt >= len(delays) or waited >= _WAITED_SECONDS:
                logger.warning(
                    "database busy", extra={"attempts": attempt + 1, "waited_seconds": round(waited, 2)}
                )
                raise DatabaseBusy() from exc
            time.sleep(delays[attempt])
            attempt += 1


def retry_when_busy(fn: Callable[..., T]) -> Callable[..., T]:
    """Decorate a one-transaction service so a busy database is retried (see the module docstring)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        return run_retrying_when_busy(lambda: fn(*args, **kwargs))

    return wrapper
