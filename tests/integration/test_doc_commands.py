"""Every shell command in README.md and MIGRATION.md runs, as written, against a real API + worker.

A block preceded by `<!-- doc-test: skip (reason) -->` is not run (a command that starts the
service in the foreground); one preceded by `<!-- doc-test: stopped -->` runs after the API and
worker have stopped; `<!-- doc-test: docker -->` blocks are run by the container test
(tests/integration/test_containers.py) against the compose stack. Each block runs in bash with
`set -euo pipefail` and a `curl` that fails on HTTP errors, with `http://127.0.0.1:8000` pointing
at the test's API and `https://example.com/` at a loopback shop page: a doc that drifts from the
code fails the build.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.doc_commands import DEFAULT_URL, Block, doc_blocks, run_block
from tests.support.processes import REPO_ROOT, service_env, start_api, start_worker
from tests.support.sites import shop_server

DOCS = ("README.md", "MIGRATION.md")


def test_every_block_is_run_or_skipped_on_purpose() -> None:
    blocks = doc_blocks(*DOCS)
    assert {b.mode for b in blocks} <= {"run", "skip", "stopped", "docker"}
    skipped = [b for b in blocks if b.mode == "skip"]
    assert all("make run" in b.code or "make test" in b.code for b in skipped), skipped
    assert all("docker" in b.code for b in blocks if b.mode == "docker")
    assert not any("docker" in b.code for b in blocks if b.mode in ("run", "stopped"))
    assert sum(b.mode == "run" for b in blocks) >= 6


def _run(block: Block, base: str, shop: str, env: dict[str, str], cwd: Path) -> str:
    return run_block(block, env, cwd, {DEFAULT_URL: base, "https://example.com/": f"{shop}/p/1"})


@pytest.mark.slow
def test_readme_and_migration_commands_work_against_a_running_service(db_url: str, tmp_path: Path) -> None:
    cwd = tmp_path / "cwd"
    (cwd / "backend_fastapi" / "data" / "exports").mkdir(parents=True)
    (cwd / "backend_fastapi" / "data" / "exports" / "old.csv").write_text("a,b\n1,2\n")
    with shop_server() as shop:
        env = service_env(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1", WORKER_SHUTDOWN_GRACE_SECONDS=2)
        env["PATH"] = f"{REPO_ROOT / '.venv' / 'bin'}:{env['PATH']}"
        api, base = start_api(env, tmp_path)
        worker = start_worker(env, tmp_path)
        blocks = doc_blocks(*DOCS)
        try:
            outputs = [_run(b, base, shop.url, env, cwd) for b in blocks if b.mode == "run"]
        finally:
            worker.stop()
            api.stop()
        for block in blocks:
            if block.mode == "stopped":
                _run(block, base, shop.url, env, cwd)
    joined = "\n".join(outputs)
    assert '"status":"ok"' in joined
    assert '"status":"completed"' in joined
    assert "Blue Mug 1" in joined
    assert (cwd / "backups" / "before-upgrade.db").is_file()
