"""The compose stack run for real: a copy of the checkout, compose v1 or v2, health, memory, docs.

Used by tests/integration/test_containers.py and bench/bench_containers.py. Every call shells out
to the `docker` client and the compose client found on the machine; nothing is faked.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psutil

from tests.support.doc_commands import DEFAULT_URL, Block, run_block
from tests.support.processes import REPO_ROOT, free_port

# What a build needs (a fresh clone holds the same); the rest of the repository stays out.
CHECKOUT_FILES = (
    "docker-compose.yml",
    "docker-compose.postgres.yml",
    "Dockerfile.api",
    "Dockerfile.worker",
    ".dockerignore",
    ".env.example",
    "pyproject.toml",
    "README.md",
    "requirements.lock",
)
CHECKOUT_DIRS = ("backend_fastapi", "frontend")
CHECKOUT_IGNORE = shutil.ignore_patterns("__pycache__", "node_modules", "dist", "data", ".env", "*.egg-info")
BASE_IMAGES = ("python:3.11-slim", "node:20-slim", "postgres:15")
POSTGRES_FILES = ("docker-compose.yml", "docker-compose.postgres.yml")
SHOP_PORT = 8080
# Compose v1 has no `cp`: the docs' `docker compose cp SERVICE:PATH DEST` becomes `docker cp` on the
# service's container. `aws s3 cp` copies into and out of a local directory standing in for the bucket.
# `docker compose` runs this project with Compose v2 or v1; files a doc names with -f get the test's
# override added. Compose v1 has no `cp`: `docker compose cp SERVICE:PATH DEST` becomes `docker cp`
# on the service's container. `aws s3 cp` copies into and out of a local directory (the bucket).
DOCKER_PRELUDE = r"""
docker() {
  if [ "$1" != compose ]; then command docker "$@"; return; fi
  shift
  local files=() args=() arg
  while [ "${1:-}" = -f ]; do files+=(-f "$2"); shift 2; done
  [ ${#files[@]} -eq 0 ] || files+=(-f "$COMPOSE_OVERRIDE")
  if [ -z "${COMPOSE_V1:-}" ]; then command docker compose "${files[@]}" "$@"; return; fi
  if [ "$1" != cp ]; then command docker-compose "${files[@]}" "$@"; return; fi
  shift
  for arg in "$@"; do
    case $arg in
      [a-z]*:/*) args+=("$(command docker-compose "${files[@]}" ps -q "${arg%%:*}"):${arg#*:}") ;;
      *) args+=("$arg") ;;
    esac
  done
  command docker cp "${args[@]}"
}
aws() {
  [ "$1 $2" = "s3 cp" ] || { echo "aws $*: only s3 cp is available here" >&2; return 2; }
  command cp "$(printf %s "$3" | sed "s|^s3://[^/]*/|$BUCKET/|")" "$(printf %s "$4" | sed "s|^s3://[^/]*/|$BUCKET/|")"
}
"""
SHOP = f"http://shop:{SHOP_PORT}"


def pipeline_body() -> dict[str, Any]:
    """An inline pipeline writing a 50-row CSV export."""
    return {
        "name": "containers",
        "source": {
            "type": "inline",
            "records": [{"name": f" Mug {i % 50} ", "price": f"{i}"} for i in range(500)],
        },
        "steps": [
            {"op": "trim", "columns": ["name"]},
            {"op": "cast", "columns": {"price": "number"}},
            {"op": "dedupe", "subset": ["name"]},
        ],
        "output": {"format": "csv", "name": "containers"},
    }


def compose_command() -> list[str] | None:
    """`docker-compose` (v1) or `docker compose` (v2), whichever this machine has; None without one."""
    if shutil.which("docker-compose"):
        return ["docker-compose"]
    if shutil.which("docker"):
        probe = subprocess.run(["docker", "compose", "version"], capture_output=True)
        if probe.returncode == 0:
            return ["docker", "compose"]
    return None


def engine_problem() -> str | None:
    """Why containers cannot run here (no client, no engine, no base images), or None."""
    if shutil.which("docker") is None:
        return "no docker client (scripts/install-docker.sh installs one as root)"
    info = subprocess.run(["docker", "info"], capture_output=True, text=True, timeout=60)
    if info.returncode != 0:
        return f"no Docker engine answers ({info.stderr.strip()[-200:]})"
    if compose_command() is None:
        return "no compose client (docker compose or docker-compose)"
    missing = [
        i
        for i in BASE_IMAGES
        if subprocess.run(["docker", "image", "inspect", i], capture_output=True).returncode
    ]
    if missing:
        made = subprocess.run(
            [str(REPO_ROOT / "scripts" / "docker-base-images.sh")], capture_output=True, text=True
        )
        if made.returncode != 0:
            return f"base images {missing} cannot be pulled or built: {made.stderr.strip()[-300:]}"
    return None


def copy_checkout(dest: Path) -> Path:
    """The files a clone holds for a build, with the settings file the docs have you create."""
    dest.mkdir(parents=True)
    for name in CHECKOUT_FILES:
        shutil.copy2(REPO_ROOT / name, dest / name)
    for name in CHECKOUT_DIRS:
        shutil.copytree(REPO_ROOT / name, dest / name, ignore=CHECKOUT_IGNORE)
    shutil.copy2(REPO_ROOT / ".env.example", dest / ".env")
    return dest


def docker(*args: str, timeout: float = 120, check: bool = True) -> str:
    result = subprocess.run(["docker", *args], capture_output=True, text=True, timeout=timeout)
    if check:
        assert result.returncode == 0, f"docker {' '.join(args)}: {result.stderr}"
    return result.stdout


@dataclass
class ComposeStack:
    """One compose project in a checkout copy, its API published on a loopback port."""

    checkout: Path
    project: str
    files: tuple[str, ...]
    port: int
    bucket: Path
    command: list[str] = field(default_factory=lambda: compose_command() or [])

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def env(self) -> dict[str, str]:
        """Environment of every compose call: the project, its files, the published port."""
        env = dict(os.environ)
        env.update(
            COMPOSE_PROJECT_NAME=self.project,
            COMPOSE_FILE=os.pathsep.join(self.files),
            COMPOSE_API_PUBLISH=f"127.0.0.1:{self.port}",
            HOME=str(self.checkout.parent),
            BUCKET=str(self.bucket),
            COMPOSE_OVERRIDE=self.files[-1],
        )
        if self.command == ["docker-compose"]:
            env["COMPOSE_V1"] = "1"
        return env

    def compose(self, *args: str, timeout: float = 600) -> str:
        result = subprocess.run(
            [*self.command, *args],
            cwd=self.checkout,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        assert result.returncode == 0, f"{' '.join(args)}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def run_doc(self, block: Block, replace: dict[str, str] | None = None, timeout: float = 900) -> str:
        """Run a doc block as written, in the checkout, with `docker compose` meaning this project."""
        return run_block(
            block,
            self.env,
            self.checkout,
            {DEFAULT_URL: self.base, **(replace or {})},
            prelude=DOCKER_PRELUDE,
            timeout=timeout,
        )

    def container(self, service: str) -> str:
        ids = self.compose("ps", "-q", service).split()
        assert ids, f"no {service} container"
        return ids[0]

    def inspect(self, service: str) -> dict[str, Any]:
        return dict(json.loads(docker("inspect", self.container(service)))[0])

    def health(self, service: str) -> str:
        """The service's health status (its state without a health check; "absent" before it exists)."""
        ids = self.compose("ps", "-q", service).split()
        if not ids:
            return "absent"
        state = json.loads(docker("inspect", ids[0]))[0]["State"]
        return str(state.get("Health", {}).get("Status", state["Status"]))

    def wait_healthy(
        self, services: tuple[str, ...], timeout: float = 300, since: float | None = None
    ) -> dict[str, float]:
        """Seconds from `since` (a monotonic time; default now) until each service's health check
        first passed (generous bound: a busy machine)."""
        started = time.monotonic() if since is None else since
        deadline = time.monotonic() + timeout
        healthy: dict[str, float] = {}
        while True:
            for service in services:
                if service not in healthy and self.health(service) == "healthy":
                    healthy[service] = time.monotonic() - started
            if len(healthy) == len(services):
                return healthy
            if time.monotonic() > deadline:
                states = {s: self.health(s) for s in services}
                logs = self.compose("logs", "--tail", "40")
                raise AssertionError(f"not healthy within {timeout} s: {states}\n{logs}")
            time.sleep(0.5)

    def kill_9(self, service: str) -> None:
        """kill -9 of the service's DataOps process from the host, as the OOM killer would: unlike
        `docker kill`, which counts as a manual stop, the restart policy then brings it back.

        The container's PID 1 is the init of `init: true`; the DataOps process is its child."""
        init = psutil.Process(int(self.inspect(service)["State"]["Pid"]))
        (target,) = [p for p in init.children() if "dataops" in " ".join(p.cmdline())] or [init]
        target.send_signal(signal.SIGKILL)

    def memory(self, service: str) -> tuple[int, int]:
        """(peak bytes since the container started, limit bytes) from the container's cgroup."""
        peak = docker(
            "exec",
            self.container(service),
            "sh",
            "-c",
            # cgroup v2, else v1
            "cat /sys/fs/cgroup/memory.peak 2>/dev/null"
            " || cat /sys/fs/cgroup/memory/memory.max_usage_in_bytes",
        )
        return int(peak.strip()), int(self.inspect(service)["HostConfig"]["Memory"])

    def api(self, method: str, path: str, **kw: Any) -> httpx.Response:
        return httpx.request(method, f"{self.base}{path}", timeout=kw.pop("timeout", 30), **kw)

    def wait_job(self, job_id: str, *statuses: str, timeout: float = 300) -> dict[str, Any]:
        """Poll the job until it reaches one of `statuses` (default: any final status)."""
        wanted = statuses or ("completed", "failed", "cancelled")
        deadline = time.monotonic() + timeout
        while True:
            body = dict(self.api("GET", f"/api/jobs/{job_id}").json())
            if body["status"] in wanted:
                return body
            if time.monotonic() > deadline:
                raise AssertionError(f"job {job_id} never reached {wanted}: {body}")
            time.sleep(0.2)

    def down(self) -> None:
        """Remove the project's containers, networks and volumes, whatever state it is in."""
        subprocess.run(
            [*self.command, "down", "-v", "--remove-orphans", "--timeout", "5"],
            cwd=self.checkout,
            env=self.env,
            capture_output=True,
            timeout=300,
        )


def test_override(path: Path, **settings: str) -> Path:
    """A compose file adding the page container and test settings (e.g. a short lease) to api and worker."""
    environment = {"SCRAPE_ALLOW_HOSTS": "shop", **settings}
    body = {
        "services": {
            "api": {"environment": environment},
            "worker": {"environment": environment},
            "shop": {
                "image": "python:3.11-slim",
                "command": ["python3", "-m", "tests.support.shop_container", str(SHOP_PORT)],
                "working_dir": "/src",
                "volumes": [f"{REPO_ROOT / 'tests'}:/src/tests:ro"],
                "environment": {"PYTHONDONTWRITEBYTECODE": "1"},
            },
        }
    }
    path.write_text(json.dumps(body, indent=2))
    return path


@contextmanager
def compose_stack(root: Path, files: tuple[str, ...], **settings: str) -> Iterator[ComposeStack]:
    """A checkout copy under `root` and a unique compose project over `files` plus the test override;
    `down -v` on the way out, even after a failure."""
    checkout = copy_checkout(root / "dataops")
    override = test_override(checkout / "docker-compose.test.json", **settings)
    bucket = root / "bucket"
    bucket.mkdir()
    stack = ComposeStack(
        checkout=checkout,
        project=f"dataopstest{uuid.uuid4().hex[:10]}",
        files=(*files, override.name),
        port=free_port(),
        bucket=bucket,
    )
    try:
        yield stack
    finally:
        stack.down()


def image_size(image: str) -> int:
    return int(docker("image", "inspect", "-f", "{{.Size}}", image).strip())
