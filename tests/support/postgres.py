"""A throwaway PostgreSQL server for tests: initdb + pg_ctl in a temp dir, on a free port.

initdb refuses to run as root, so as root the server runs as the `postgres` system user.
"""

from __future__ import annotations

import glob
import os
import shlex
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.support.processes import free_port
from tests.support.waiting import BOUND

# Modules whose tests must hold on both databases set `pytestmark = BOTH_BACKENDS`.
BOTH_BACKENDS = pytest.mark.parametrize(
    "backend", ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


def find_bindir() -> Path | None:
    """Where initdb and pg_ctl live: PG_BINDIR, the PATH, or Debian's versioned folders."""
    candidates = [os.environ.get("PG_BINDIR", "")]
    initdb = shutil.which("initdb")
    if initdb:
        candidates.append(str(Path(initdb).resolve().parent))
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    for folder in candidates:
        if folder and (Path(folder) / "initdb").is_file() and (Path(folder) / "pg_ctl").is_file():
            return Path(folder)
    return None


class PostgresServer:
    def __init__(self, bindir: Path, *, durable: bool = False) -> None:
        self.bindir = bindir
        self.durable = durable
        self.port = free_port()
        self.root = Path(tempfile.mkdtemp(prefix="dataops-pg-"))
        self.data = self.root / "data"
        self.as_root = os.geteuid() == 0

    def _run(self, *args: str) -> None:
        command = " ".join(shlex.quote(a) for a in args)
        if self.as_root:
            subprocess.run(
                ["su", "postgres", "-s", "/bin/sh", "-c", command], check=True, capture_output=True
            )
        else:
            subprocess.run(args, check=True, capture_output=True)

    def start(self) -> None:
        if self.as_root:
            shutil.chown(self.root, "postgres")
            os.chmod(self.root, 0o700)
        self._run(
            str(self.bindir / "initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8"
        )
        options = f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c max_connections=200"
        if not self.durable:
            # Tests never crash PostgreSQL itself, so durability settings only slow them down.
            options += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        self._run(
            str(self.bindir / "pg_ctl"),
            "-D",
            str(self.data),
            "-o",
            options,
            "-l",
            str(self.root / "server.log"),
            "-w",
            "start",
        )
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            ready = subprocess.run(
                [str(self.bindir / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
                capture_output=True,
            )
            if ready.returncode == 0:
                return
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start: " + (self.root / "server.log").read_text())

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        subprocess.run(
            [
                str(self.bindir / "psql") if (self.bindir / "psql").exists() else "psql",
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            capture_output=True,
        )
        return self.url(name)

    def stop(self) -> None:
        try:
            self._run(str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
