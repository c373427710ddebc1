"""Online backup and offline restore of the SQLite database.

A plain `cp` of a live WAL database is not a backup: committed pages may still sit in the
`-wal` file, and a copy taken while a checkpoint writes into the main file can be torn. SQLite's
backup API copies one consistent snapshot through SQLite itself, in a read transaction that
never blocks the API or the workers.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from backend_fastapi.errors import DataOpsError
from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import BUSY_TIMEOUT_MS, sqlite_path


class BackupError(DataOpsError):
    """The backup or restore failed."""

    code = "backup_error"


def _database_file(settings: Settings) -> Path:
    path = sqlite_path(settings.database_url)
    if path is None:
        raise BackupError(
            "dataops backup/restore work on SQLite databases; for PostgreSQL use pg_dump and pg_restore."
        )
    return path


def _check_integrity(conn: sqlite3.Connection, what: str) -> None:
    result = conn.execute("PRAGMA integrity_check").fetchone()[0]
    if result != "ok":
        raise BackupError(f"{what} failed PRAGMA integrity_check: {result}")


def _check_dataops_database(conn: sqlite3.Connection, what: str) -> None:
    if not _has_table(conn, "jobs"):
        raise BackupError(f"{what} is not a DataOps database (it has no jobs table).")


def backup_database(settings: Settings, dest: Path, *, overwrite: bool = False) -> int:
    """Copy the live database to `dest` (a single self-contained file); returns its size.

    Any SQLite database can be backed up this way, including one of an older DataOps version.
    """
    source = _database_file(settings)
    if not source.exists():
        raise BackupError(f"There is no database at {source} yet.")
    if dest.exists() and not overwrite:
        raise BackupError(f"{dest} exists; pass --force to overwrite it.")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = dest.with_name(dest.name + ".partial")
    partial.unlink(missing_ok=True)
    src = sqlite3.connect(str(source), timeout=BUSY_TIMEOUT_MS / 1000)
    dst = sqlite3.connect(str(partial))
    try:
        # One step (pages=-1): a single snapshot; stepping would restart on every concurrent write.
        src.backup(dst, pages=-1)
        dst.execute("PRAGMA journal_mode = DELETE")
        _check_integrity(dst, "The backup")
    finally:
        dst.close()
        src.close()
    os.replace(partial, dest)
    return dest.stat().st_size


def restore_database(settings: Settings, backup: Path, *, force: bool = False) -> Path | None:
    """Replace the database with `backup`; the replaced one is kept beside it.

    Run it with the API and workers stopped. Returns the path the old database was moved to.
    """
    target = _database_file(settings)
    if not backup.is_file():
        raise BackupError(f"No backup file at {backup}.")
    check = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    try:
        _check_integrity(check, "The backup")
        _check_dataops_database(check, "The backup")
    finally:
        check.close()

    kept: Path | None = None
    if target.exists():
        conn = sqlite3.connect(str(target), timeout=BUSY_TIMEOUT_MS / 1000)
        try:
            alive_after = time.time() - settings.worker_alive_seconds
            alive = (
                conn.execute(
                    "SELECT count(*) FROM workers WHERE last_heartbeat > ?", (alive_after,)
                ).fetchone()[0]
                if _has_table(conn, "workers")
                else 0
            )
            if alive and not force:
                raise BackupError(
                    f"{alive} worker(s) look alive; stop the API and workers first (or pass --force)."
                )
            # Fold the WAL into the main file so the kept copy is complete on its own.
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        finally:
            conn.close()
        kept = target.with_name(f"{target.name}.before-restore-{time.strftime('%Y%m%d-%H%M%S')}")
        os.replace(target, kept)
        for suffix in ("-wal", "-shm"):
            Path(f"{target}{suffix}").unlink(missing_ok=True)
    target.parent.mkdir(parents=True, exist_ok=True)
    src = sqlite3.connect(f"file:{backup}?mode=ro", uri=True)
    dst = sqlite3.connect(str(target))
    try:
        src.backup(dst)
        dst.execute("PRAGMA journal_mode = WAL")
    finally:
        dst.close()
        src.close()
    return kept


def _has_table(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone()
    return row is not None
