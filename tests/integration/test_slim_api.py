"""The API process never imports the heavy code: pandas, Playwright, parsers, scraping, pipelines."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.support.processes import REPO_ROOT

HEAVY = ["pandas", "pyarrow", "playwright", "lxml", "selectolax", "bs4", "parsel", "aiohttp", "apprise"]
# Loaded by the first session written or read only (sealing.py): listing sessions never decrypts.
HEAVY += ["cryptography"]

PROBE = """
import json, sys
from backend_fastapi.settings import Settings
from backend_fastapi.api.app import create_app
from fastapi.testclient import TestClient

settings = Settings(_env_file=None, DATABASE_URL=sys.argv[1])
with TestClient(create_app(settings)) as client:
    body = {"url": "https://shop.example/", "schema": {"title": "string"}}
    job = client.post("/api/scrape", json=body).json()
    client.get(f"/api/jobs/{job['job_id']}")
    client.get("/api/jobs")
    client.get(f"/api/jobs/{job['job_id']}/results?format=csv")
    client.post("/api/pipeline/run", json={"pipeline": {}})
    monitor = {"name": "m", "target": body, "every": "1h", "notify": [{"url": "https://hooks.example/x"}]}
    assert client.post("/api/monitors", json=monitor).status_code == 201
    assert client.get("/api/monitors/m/changes").status_code == 200
    assert client.get("/api/monitors/m/series?field=price").status_code == 200
    session = {"name": "s", "cookies": [{"name": "sid", "value": "v", "domain": "shop.example"}]}
    assert client.post("/api/sessions", json=session).json()["error"]["code"] == "secret_key_required"
    assert client.get("/api/sessions").status_code == 200
    client.get("/health")
    client.get("/openapi.json")
heavy = sorted(m for m in sys.modules if m.split(".")[0] in HEAVY
               or m.startswith(("backend_fastapi.scraping", "backend_fastapi.pipelines",
                                "backend_fastapi.monitors")))
print(json.dumps(heavy))
"""


def test_the_api_process_never_imports_heavy_modules(tmp_path: Path) -> None:
    script = f"HEAVY = {HEAVY!r}\n{PROBE}"
    url = f"sqlite+aiosqlite:///{tmp_path / 'slim.db'}"
    command = [sys.executable, "-c", script, url]
    out = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=60)
    assert json.loads(out.stdout.strip().splitlines()[-1]) == []
