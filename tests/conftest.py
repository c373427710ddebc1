"""Fixtures that start real things: a SQLite file, API and worker processes, loopback servers."""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from backend_fastapi import store
from backend_fastapi.settings import Settings, get_settings
from backend_fastapi.store.engine import Database
from tests.support.postgres import PostgresServer, find_bindir
from tests.support.servers import LoopbackServer, loopback_server
from tests.support.sites import shop_server

# Settings come from the environment; make sure a developer's backend_fastapi/.env or shell
# cannot change what the tests see.
for _name in list(os.environ):
    if _name in Settings.model_fields:
        del os.environ[_name]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One throwaway PostgreSQL server for the session (a database per test)."""
    bindir = find_bindir()
    if bindir is None:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) not found: the PostgreSQL half of the suite "
            "did NOT run. Install them (apt-get install postgresql) or set PG_BINDIR."
        )
    server = PostgresServer(bindir)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def backend(request: pytest.FixtureRequest) -> str:
    """`sqlite` unless a module parametrizes it (tests.support.postgres.BOTH_BACKENDS)."""
    return str(getattr(request, "param", "sqlite"))


@pytest.fixture
def db_url(backend: str, tmp_path: Path, request: pytest.FixtureRequest) -> str:
    if backend == "postgres":
        server: PostgresServer = request.getfixturevalue("postgres_server")
        return server.create_database(f"t_{uuid.uuid4().hex[:12]}")
    return f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}"


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        _env_file=None,  # type: ignore[call-arg]
        DATABASE_URL=db_url,
        EXPORTS_DIR=str(tmp_path / "exports"),
        UPLOADS_DIR=str(tmp_path / "uploads"),
        JOB_LEASE_SECONDS=3,
    )


@pytest.fixture
async def db(settings: Settings) -> AsyncIterator[Database]:
    database = Database(settings)
    await store.prepare(database)
    yield database
    await database.close()


@pytest.fixture(autouse=True)
def _fresh_settings_cache() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    """The generated test shop on a loopback port, one per test module."""
    with shop_server() as server:
        yield server


@pytest.fixture(scope="module")
def counter() -> Iterator[LoopbackServer]:
    """Stands for the private network: a loopback server the address guard must keep every
    request from (the tests of a module assert it saw nothing)."""
    with loopback_server(lambda _: (200, {"Content-Type": "text/html"}, b"<h1>secret</h1>")) as server:
        yield server
