"""An in-process API (TestClient) on a real SQLite file, for tests that stay inside the API."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from fastapi.testclient import TestClient

from backend_fastapi.api.app import create_app
from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import sqlite_path


@contextmanager
def api_client(settings: Settings, **overrides: Any) -> Iterator[TestClient]:
    app = create_app(settings.model_copy(update=overrides))
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


def table_counts(settings: Settings) -> dict[str, int]:
    """Rows per table, read with plain sqlite3: a fingerprint of what is stored."""
    import sqlite3

    path = sqlite_path(settings.database_url)
    assert path is not None
    with sqlite3.connect(path) as conn:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in tables}


__all__ = ["api_client", "sa", "table_counts"]
