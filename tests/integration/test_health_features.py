"""`/health` says which operator-enabled features requests may use, as the API enforces them.

A real API process per setting: what `/health` answers and what `POST /api/scrape` accepts must agree.
"""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.support.processes import service_env, start_api

EVALUATE = {
    "url": "https://shop.example/",
    "strategy": "dynamic",
    "actions": [{"type": "evaluate", "script": "document.title"}, {"type": "scrape"}],
}


@pytest.mark.parametrize(("setting", "allowed"), [(None, False), ("false", False), ("true", True)])
def test_health_says_whether_evaluate_actions_are_accepted_and_the_api_agrees(
    db_url: str, tmp_path: Path, setting: str | None, allowed: bool
) -> None:
    overrides = {} if setting is None else {"ALLOW_SCRIPT_ACTIONS": setting}
    api, base = start_api(service_env(db_url, tmp_path, **overrides), tmp_path)
    try:
        health = httpx.get(f"{base}/health", timeout=10)
        assert health.status_code == 200, health.text
        assert health.json()["features"] == {"script_actions": allowed}
        created = httpx.post(f"{base}/api/scrape", json=EVALUATE, timeout=10)
        assert created.status_code == (202 if allowed else 422), created.text
        if not allowed:
            assert "ALLOW_SCRIPT_ACTIONS=true" in created.text
    finally:
        api.stop()
