"""Backups that restore: the database (pg_dump custom format, or an online copy of the SQLite file) and
the private media, in one directory with a manifest of row counts checked after a restore."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connections
from django.utils import timezone

from pbc.exceptions import ApplicationError

MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "private-media.tar.gz"
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"


@dataclass(frozen=True)
class Backup:
    path: Path
    vendor: str
    rows: dict[str, int]


def _database(alias: str = "default") -> dict:
    return connections[alias].settings_dict


def _pg_env(db: dict) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or ""),
            "PGPORT": str(db.get("PORT") or ""),
            "PGUSER": str(db.get("USER") or ""),
            "PGPASSWORD": str(db.get("PASSWORD") or ""),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    return env


def _run(command: list[str], env: dict[str, str]) -> None:
    if shutil.which(command[0]) is None:
        raise ApplicationError(f"{command[0]} is not installed; install the PostgreSQL client tools.")
    result = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603 - fixed tools
    if result.returncode != 0:
        raise ApplicationError(f"{command[0]} failed: {result.stderr.strip()[-500:]}")


def row_counts() -> dict[str, int]:
    """Rows per table of every model, history included: what a restore must give back."""
    return {m._meta.db_table: m._base_manager.count() for m in apps.get_models() if m._meta.managed}


def backup_create(*, target: Path) -> Backup:
    """Write the database and the private media under ``target`` (a new directory)."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise ApplicationError(f"{target} is not empty; choose a new directory for the backup.")
    target.mkdir(parents=True, exist_ok=True)
    connection = connections["default"]
    db = _database()
    if connection.vendor == "postgresql":
        _run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target / PG_DUMP)], _pg_env(db))
    elif connection.vendor == "sqlite":
        # The backup API copies a consistent snapshot while the application keeps running.
        connection.ensure_connection()
        dest = sqlite3.connect(str(target / SQLITE_COPY))
        with dest:
            connection.connection.backup(dest)
        dest.close()
    else:  # pragma: no cover - only the two supported databases are configured
        raise ApplicationError(f"Backups of {connection.vendor} are not supported.")
    media = Path(settings.MEDIA_ROOT)
    with tarfile.open(target / MEDIA_ARCHIVE, "w:gz") as archive:
        if media.exists():
            archive.add(media, arcname=".")
    rows = row_counts()
    manifest = {"vendor": connection.vendor, "created_at": timezone.now().isoformat(), "rows": rows}
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return Backup(path=target, vendor=connection.vendor, rows=rows)


def backup_read(source: Path) -> Backup:
    source = Path(source)
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise ApplicationError(f"{source} is not a PBC Manager backup (no readable {MANIFEST}).") from exc
    return Backup(path=source, vendor=manifest["vendor"], rows=manifest["rows"])


def backup_restore(*, source: Path) -> Backup:
    """Replace the database and private media with the backup's, then check every table's row count."""
    backup = backup_read(source)
    connection = connections["default"]
    if backup.vendor != connection.vendor:
        raise ApplicationError(
            f"This backup is of a {backup.vendor} database; the configured database is {connection.vendor}."
        )
    db = _database()
    if backup.vendor == "postgresql":
        connection.close()
        _run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                "--dbname",
                str(db["NAME"]),
                str(backup.path / PG_DUMP),
            ],
            _pg_env(db),
        )
    else:
        connection.ensure_connection()
        source_db = sqlite3.connect(str(backup.path / SQLITE_COPY))
        source_db.backup(connection.connection)
        source_db.close()
    media = Path(settings.MEDIA_ROOT)
    if media.exists():
        shutil.rmtree(media)
    media.mkdir(parents=True)
    with tarfile.open(backup.path / MEDIA_ARCHIVE, "r:gz") as archive:
        archive.extractall(media, filter="data")
    restored = row_counts()
    differ = {t: (n, restored.get(t)) for t, n in backup.rows.items() if restored.get(t) != n}
    if differ:
        raise ApplicationError(f"The restored database differs from the backup: {differ}")
    return backup
