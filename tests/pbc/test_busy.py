"""A busy SQLite database ("database is locked": another connection holds the write lock) is retried briefly
and then answered "The database is busy; try again in a moment." (issue 14 item 8), on a real file-based
SQLite database locked by a second connection."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connections, transaction
from django.urls import reverse
from rest_framework.test import APIClient

from activity import selectors, services
from activity.models import ExtractUpload, TariffVersion
from pbc.busy import DATABASE_BUSY, DatabaseBusy, is_database_busy, run_retrying_when_busy
from pbc.choices import Role
from pbc.middleware import DATABASE_UNAVAILABLE
from pbc.models import FinancialYear
from tests.drills.conftest import fixture_bytes, row_counts, stored_files

ALIAS = "busy_drill"


class FileDb:
    """A file-based SQLite database reached through its own Django connection (busy timeout 50 ms), and a
    second, plain sqlite3 connection that takes its write lock (``lock()``) until ``release()``."""

    def __init__(self, path) -> None:
        with sqlite3.connect(path) as setup:
            setup.execute("CREATE TABLE t (n INTEGER)")
        wanted = {"ENGINE": "django.db.backends.sqlite3", "NAME": str(path), "OPTIONS": {"timeout": 0.05}}
        default = dict(connections.settings["default"])
        connections.settings[ALIAS] = connections.configure_settings({"default": default, ALIAS: wanted})[
            ALIAS
        ]
        self.holder = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def lock(self) -> None:
        self.holder.execute("BEGIN IMMEDIATE")  # the write lock, as a writing upload holds it
        self.holder.execute("INSERT INTO t VALUES (0)")

    def release(self) -> None:
        self.holder.execute("ROLLBACK")

    def rows(self) -> int:
        return self.holder.execute("SELECT count(*) FROM t").fetchone()[0]

    def close(self) -> None:
        self.holder.close()
        connections[ALIAS].close()
        if hasattr(connections._connections, ALIAS):
            delattr(connections._connections, ALIAS)
        del connections.settings[ALIAS]


def write_one(calls: list) -> None:
    """One write transaction on the file database, through Django."""
    calls.append(time.monotonic())
    with transaction.atomic(using=ALIAS), connections[ALIAS].cursor() as cursor:
        cursor.execute("INSERT INTO t VALUES (1)")


@pytest.fixture
def locked_file_db(tmp_path, django_db_blocker):
    # Not the test database: no test transaction around it, so the retry runs as it does in a request.
    with django_db_blocker.unblock():
        db = FileDb(tmp_path / "busy.sqlite3")
        yield db
        db.close()


@pytest.fixture(scope="module")
def busy_error(tmp_path_factory, django_db_blocker) -> OperationalError:
    """A real "database is locked" error as Django raises it (wrapping sqlite3's), to replay in requests."""
    with django_db_blocker.unblock():
        db = FileDb(tmp_path_factory.mktemp("busy") / "busy.sqlite3")
        db.lock()
        try:
            write_one([])
        except OperationalError as exc:
            return exc
        finally:
            db.release()
            db.close()
    pytest.fail("the second connection's lock did not block the write")


def test_a_real_lock_is_busy_and_other_errors_are_not(busy_error):
    assert "database is locked" in str(busy_error)
    assert is_database_busy(busy_error) and is_database_busy(busy_error.__cause__)  # Django's and sqlite3's
    assert not is_database_busy(OperationalError("no such table: t"))
    assert not is_database_busy(ValueError("database is locked"))


def test_the_write_is_retried_until_the_lock_is_released(locked_file_db, settings):
    settings.PBC_DB_BUSY_RETRY_DELAYS = [0.2, 0.5]
    locked_file_db.lock()
    threading.Timer(0.1, locked_file_db.release).start()  # the other upload finishes writing
    calls: list = []
    run_retrying_when_busy(lambda: write_one(calls), using=ALIAS)
    assert len(calls) == 2 and locked_file_db.rows() == 1


def test_still_locked_after_the_retries_is_database_busy(locked_file_db, settings):
    settings.PBC_DB_BUSY_RETRY_DELAYS = [0.01, 0.02]
    locked_file_db.lock()
    calls: list = []
    try:
        with pytest.raises(DatabaseBusy) as caught:
            run_retrying_when_busy(lambda: write_one(calls), using=ALIAS)
    finally:
        locked_file_db.release()
    assert len(calls) == 3  # the first attempt and one per delay
    assert caught.value.message == DATABASE_BUSY and caught.value.status_code == 503
    assert caught.value.extra == {"retry_after_seconds": 5}
    assert is_database_busy(caught.value.__cause__)
    assert locked_file_db.rows() == 0


def test_inside_another_transaction_it_is_not_retried(locked_file_db, settings):
    settings.PBC_DB_BUSY_RETRY_DELAYS = [0.01, 0.01]
    locked_file_db.lock()
    calls: list = []
    try:
        with transaction.atomic(using=ALIAS), pytest.raises(DatabaseBusy):
            run_retrying_when_busy(lambda: write_one(calls), using=ALIAS)
    except OperationalError:
        pass  # the outer transaction cannot commit either: its owner decides
    finally:
        locked_file_db.release()
    assert len(calls) == 1


@pytest.fixture
def year(db):
    return FinancialYear.objects.get_or_create(start_year=2007)[0]


@pytest.fixture
def always_busy(busy_error, monkeypatch, settings):
    """Every upload's write transaction meets a locked database (the same real error each time)."""
    settings.PBC_DB_BUSY_RETRY_DELAYS = [0.01, 0.01]
    calls: list = []

    def locked(*args, **kwargs):
        calls.append(1)
        raise busy_error

    monkeypatch.setattr(services, "_refuse_duplicate", locked)
    monkeypatch.setattr(services, "tariff_files_parse", locked)
    return calls


def test_upload_page_says_busy_and_stores_nothing(world, year, client, always_busy):
    client.force_login(world.users[Role.PCT_INFORMATION])
    before, files = row_counts(), stored_files()
    response = client.post(
        reverse("activity:upload_create"),
        {
            "dataset": "APC",
            "year": year.pk,
            "file": SimpleUploadedFile("apc.csv", fixture_bytes("apc_2007.csv")),
        },
    )
    assert response.status_code == 200  # the form again, with the reason (as when the task queue is down)
    page = response.content.decode()
    assert "The database is busy; try again in a moment." in page and "could not be reached" not in page
    assert len(always_busy) == 3
    assert row_counts() == before and stored_files() == files and not ExtractUpload.objects.exists()


def test_api_uploads_answer_503_busy_in_the_error_shape(world, year, always_busy):
    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    before, files = row_counts(), stored_files()
    for url, data in (
        ("/api/v1/uploads/", {"dataset": "APC", "year": "2007/08", "file": fixture_bytes("apc_2007.csv")}),
        ("/api/v1/tariffs/", {"year": "2007/08", "admitted": fixture_bytes("admitted_2007.csv")}),
    ):
        files_in = {
            k: SimpleUploadedFile(f"{k}.csv", v) if isinstance(v, bytes) else v for k, v in data.items()
        }
        response = api.post(url, files_in, format="multipart")
        assert response.status_code == 503, (url, response.content[:300])
        assert response.json() == {
            "message": DATABASE_BUSY,
            "errors": {},
            "extra": {"retry_after_seconds": 5},
        }
        assert response["Retry-After"] == "5"
    assert row_counts() == before and stored_files() == files and not TariffVersion.objects.exists()


def test_busy_outside_a_retried_write_is_503_busy_not_unreachable(world, client, busy_error, monkeypatch):
    def locked(**kwargs):
        raise busy_error

    monkeypatch.setattr(selectors, "upload_list", locked)
    client.force_login(world.users[Role.PCT_INFORMATION])
    page = client.get(reverse("activity:upload_list"))
    assert page.status_code == 503 and page["Retry-After"] == "5"
    assert DATABASE_BUSY in page.content.decode() and DATABASE_UNAVAILABLE not in page.content.decode()
    api = APIClient()
    api.force_authenticate(world.users[Role.PCT_FINANCE])
    response = api.get("/api/v1/uploads/")
    assert response.status_code == 503 and response.json()["message"] == DATABASE_BUSY
