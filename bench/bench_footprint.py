"""Footprint: the slim API against one process holding everything, and what the images carry.

"Before" is a single process that imports what the synchronous version had to: the API plus the
scraping engine, Playwright and pandas. "After" is `dataops api` alone. Image sizes cannot be
measured without a Docker engine; what each image adds to its base is measured instead (the
virtualenv of its extra, and Debian's Chromium package).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

from bench.common import ROOT, machine, median, process_tree_rss, stamp, update_section
from tests.support.processes import free_port

NAME = "footprint"

SERVE = """
import sys, time
started = time.monotonic()
{imports}
import uvicorn
from backend_fastapi.api.app import create_app
from backend_fastapi.settings import Settings
app = create_app(Settings(_env_file=None, DATABASE_URL=sys.argv[1]))
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""
MONOLITH_IMPORTS = (
    "import backend_fastapi.scraping.handler, backend_fastapi.pipelines.handler, pandas, "
    "playwright.async_api, backend_fastapi.worker.loop"
)


def _serve(imports: str, work: Path) -> tuple[float, int]:
    """Seconds from process start to the first 200 on /health, and RSS after it."""
    port = free_port()
    script = SERVE.format(imports=imports)
    url = f"sqlite+aiosqlite:///{work}/footprint.db"
    started = time.monotonic()
    proc = subprocess.Popen([sys.executable, "-c", script, url, str(port)], cwd=ROOT)
    try:
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=0.5).status_code == 200:
                    took = time.monotonic() - started
                    break
            except httpx.HTTPError:
                time.sleep(0.01)
            if time.monotonic() - started > 60:
                raise RuntimeError("server did not start")
        time.sleep(0.5)
        return took, process_tree_rss(proc.pid)
    finally:
        proc.terminate()
        proc.wait()


def _venv_size(extra: str, work: Path, *, strip: bool = False) -> int:
    """Bytes of a fresh virtualenv with DataOps and `extra` installed, without pip itself."""
    venv = work / f"venv-{extra.replace(',', '-') or 'api'}"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    target = f"{ROOT}[{extra}]" if extra else str(ROOT)
    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "--no-cache-dir", target], check=True)
    subprocess.run([str(venv / "bin" / "pip"), "uninstall", "-y", "-q", "pip", "setuptools"], check=True)
    if strip and shutil.which("strip"):
        # As Dockerfile.api does: compiled extensions without their debug symbols.
        subprocess.run(["strip", "--strip-unneeded", *map(str, venv.rglob("*.so"))], check=True)
    return sum(f.stat().st_size for f in venv.rglob("*") if f.is_file() and not f.is_symlink())


def _deb_size(package: str) -> int | None:
    out = subprocess.run(
        ["dpkg-query", "-W", "-f=${Installed-Size}", package], capture_output=True, text=True
    )
    return int(out.stdout) * 1024 if out.returncode == 0 and out.stdout.strip().isdigit() else None


def run(quick: bool = False) -> str:
    work = Path(tempfile.mkdtemp(prefix="dataops-bench-footprint-"))
    rounds = 2 if quick else 5
    try:
        before = [_serve(MONOLITH_IMPORTS, work) for _ in range(rounds)]
        after = [_serve("", work) for _ in range(rounds)]
        # The extras the Dockerfiles install.
        api_venv = _venv_size("postgres", work, strip=True)
        worker_venv = _venv_size("worker,postgres", work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    chromium = _deb_size("chromium-headless-shell")
    mb = 1024 * 1024
    lines = [
        "## Footprint: one process with everything against the slim API",
        "",
        f"Measured {stamp()} on {machine()}. Command: `.venv/bin/python -m bench.bench_footprint`.",
        "",
        "| What | Before: one process with everything | After: `dataops api` |",
        "| --- | --- | --- |",
        f"| Start to first 200 on `/health` (median of {rounds}) | {median(t for t, _ in before):.2f} s | "
        f"{median(t for t, _ in after):.2f} s |",
        f"| RSS after start | {median(r for _, r in before) / mb:.0f} MB | {median(r for _, r in after) / mb:.0f} MB |",
        "",
        "What each image adds to its `python:3.11-slim` base (measure the images themselves with "
        "`docker image ls 'dataops-*'` after `docker compose build`, or see Containers below):",
        "",
        "| Image | Adds | Size |",
        "| --- | --- | --- |",
        f"| `dataops-api` | virtualenv with the API's dependencies and the PostgreSQL driver, extensions stripped | {api_venv / mb:.0f} MB |",
        f"| `dataops-api` | the built web app | "
        f"{sum(f.stat().st_size for f in (ROOT / 'frontend' / 'dist').rglob('*') if f.is_file()) / mb:.1f} MB |",
        f"| `dataops-worker` | virtualenv with the worker extra (scraping, Playwright, pandas, pyarrow) and the PostgreSQL driver | "
        f"{worker_venv / mb:.0f} MB |",
        "| `dataops-worker` | Debian's `chromium-headless-shell` (installed size, without its shared libraries) | "
        + (f"{chromium / mb:.0f} MB |" if chromium else "not installed here |"),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
