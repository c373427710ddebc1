"""Start and stop real `dataops api` and `dataops worker` processes for tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

from tests.support.handlers import handler_env
from tests.support.waiting import BOUND

REPO_ROOT = Path(__file__).resolve().parents[2]
# How tests start the `dataops` command (a start-up test also uses the installed console script).
CLI = (sys.executable, "-m", "backend_fastapi.ops.cli")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def service_env(db_url: str, tmp_path: Path, **overrides: Any) -> dict[str, str]:
    """Environment for a DataOps process: the test database, test handlers, fast leases."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.isupper() or k in ("PATH", "HOME", "LANG", "TMPDIR", "CI")
    }
    env.update(
        {
            "PYTHONPATH": str(REPO_ROOT),
            "PYTHONUNBUFFERED": "1",
            "DATABASE_URL": db_url,
            "EXPORTS_DIR": str(tmp_path / "exports"),
            "UPLOADS_DIR": str(tmp_path / "uploads"),
            "WORKER_HANDLERS": handler_env(),
            "JOB_LEASE_SECONDS": "3",
            "JOB_RETRY_BACKOFF_SECONDS": "0.2",
            "WORKER_POLL_INTERVAL": "1",
            "LOG_LEVEL": "INFO",
        }
    )
    env.update({k: str(v) for k, v in overrides.items()})
    return env


class Service:
    """A child process whose output goes to a log file (read it when a test fails)."""

    def __init__(
        self,
        args: list[str],
        env: dict[str, str],
        log_path: Path,
        cwd: Path = REPO_ROOT,
        program: tuple[str, ...] = CLI,
    ) -> None:
        self.log_path = log_path
        self._log: IO[bytes] = log_path.open("ab")
        self.proc = subprocess.Popen(
            [*program, *args],
            env=env,
            cwd=cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def signal(self, sig: int) -> None:
        if self.proc.poll() is None:
            os.kill(self.proc.pid, sig)

    def stop(self, timeout: float = BOUND) -> int:
        """SIGTERM, then SIGKILL if it does not exit in time."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()
        return int(self.proc.returncode)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def wait_for_log(self, text: str, timeout: float = BOUND) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in self.log():
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise AssertionError(f"{text!r} not in log of {self.proc.args}:\n{self.log()[-4000:]}")


def start_worker(
    env: dict[str, str],
    tmp_path: Path,
    name: str = "worker",
    *extra: str,
    ready: str = "worker.capabilities",
    **how: Any,
) -> Service:
    """A worker process once it has checked what it can run (its probe child, and the probe's
    Chromium, are gone then: tests count a worker's children); `ready="worker.started"`: once it
    claims jobs, its probe still running; `how`: Service's `cwd` and `program`."""
    service = Service(["worker", *extra], env, tmp_path / f"{name}.log", **how)
    try:
        service.wait_for_log(ready)
    except BaseException:
        service.kill()
        raise
    return service


def start_api(env: dict[str, str], tmp_path: Path, name: str = "api", **how: Any) -> tuple[Service, str]:
    port = free_port()
    service = Service(["api", "--port", str(port)], env, tmp_path / f"{name}.log", **how)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + BOUND
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return service, base
        except httpx.HTTPError:
            pass
        if service.proc.poll() is not None:
            break
        time.sleep(0.05)
    service.kill()
    raise AssertionError(f"API did not start:\n{service.log()[-4000:]}")
