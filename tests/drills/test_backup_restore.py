"""Backups that restore: the demo's reports, ledger and audit history come back identical, on SQLite in place
and on PostgreSQL into a fresh database (the CI drill)."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection

from budgets.models import BudgetSet, ReportRow
from freed_resources.models import LedgerEntry
from pbc.backup import backup_create, backup_restore
from pbc.exceptions import ApplicationError
from tests.factories.freed_resources import confirmed_declaration

ROOT = Path(__file__).resolve().parents[2]


def tables(cursor) -> dict[str, list[tuple]]:
    names = connection.introspection.table_names(cursor)
    contents = {}
    for name in names:
        cursor.execute(f'SELECT * FROM "{name}" ORDER BY 1')
        contents[name] = [tuple(row) for row in cursor.fetchall()]
    return contents


@pytest.fixture
def seeded(transactional_db, world):
    """Reports, a confirmed declaration's ledger entries, their audit history and a private file."""
    confirmed_declaration(world)
    default_storage.save("extracts/drill.csv", ContentFile(b"PROCODE3,ADMIDATE\nRD1,2007-06-01\n"))
    assert ReportRow.objects.exists() and LedgerEntry.objects.exists() and BudgetSet.history.exists()


def test_restore_gives_back_every_row_and_file(seeded, settings, tmp_path):
    with connection.cursor() as cursor:
        before = tables(cursor)
    media = Path(settings.MEDIA_ROOT)
    files_before = sorted(p.relative_to(media) for p in media.rglob("*"))
    backup = backup_create(target=tmp_path / "backup")
    assert backup.rows["budgets_reportrow"] == ReportRow.objects.count()
    if connection.vendor == "postgresql":
        restore_into_a_fresh_database(backup.path, before, files_before, tmp_path)

    # Damage: reports gone, the ledger changed, audit history lost, a private file deleted.
    ReportRow.objects.all().delete()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE freed_resources_ledgerentry SET amount_pence = amount_pence + 1")
    BudgetSet.history.all().delete()
    next(p for p in media.rglob("*") if p.is_file()).unlink()

    backup_restore(source=backup.path)
    with connection.cursor() as cursor:
        assert tables(cursor) == before
    assert sorted(p.relative_to(media) for p in media.rglob("*")) == files_before


def restore_into_a_fresh_database(path, before, files_before, tmp_path):
    """The PostgreSQL drill: the restore command into a new database gives every table back equal."""
    fresh = f"pbc_restore_{uuid.uuid4().hex[:8]}"
    db = connection.settings_dict
    host, port = db["HOST"] or "127.0.0.1", db["PORT"] or 5432
    with connection.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{fresh}"')
    try:
        env = dict(
            os.environ,
            DATABASE_URL=f"postgres://{db['USER']}:{db['PASSWORD']}@{host}:{port}/{fresh}",
            DJANGO_DEBUG="1",
            DJANGO_SETTINGS_MODULE="pbc.settings",
            DJANGO_PRIVATE_MEDIA_ROOT=str(tmp_path / "restored"),
        )
        env.pop("CELERY_BROKER_URL", None)
        result = subprocess.run(
            [sys.executable, "manage.py", "restore", str(path), "--yes"],
            cwd=ROOT, env=env, capture_output=True, text=True,
        )  # fmt: skip
        assert result.returncode == 0, result.stderr
        import psycopg2
        import psycopg2.extras

        other = psycopg2.connect(dbname=fresh, user=db["USER"], password=db["PASSWORD"], host=host, port=port)
        # jsonb as text, as Django's connection reads it.
        psycopg2.extras.register_default_jsonb(conn_or_curs=other, loads=lambda text: text)
        try:
            with other.cursor() as theirs:
                assert tables(theirs) == before
        finally:
            other.close()
        restored = tmp_path / "restored"
        assert sorted(p.relative_to(restored) for p in restored.rglob("*")) == files_before
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{fresh}"')


def test_a_backup_must_go_to_a_new_directory_and_come_from_a_backup(db, tmp_path):
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "x").write_text("x")
    with pytest.raises(ApplicationError, match="not empty"):
        backup_create(target=tmp_path / "full")
    with pytest.raises(ApplicationError, match="not a PBC Manager backup"):
        backup_restore(source=tmp_path / "full")
