"""Team API keys against a real API and worker: keys made with `dataops keys`, each scope per method,
revocation, the per-key rate limit and daily job quota (429 + Retry-After), the key name on jobs,
and no key ever in a log."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client
from tests.support.processes import CLI, REPO_ROOT, service_env
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.sites import ShopSite, shop_server
from tests.support.waiting import BOUND, wait_for

BOOTSTRAP = "bootstrap-secret-for-keys"
SCOPES = {"reader": "read", "writer": "write", "boss": "admin"}


def keys_command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*CLI, "keys", *args], env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=BOUND
    )


def create_key(env: dict[str, str], name: str, scope: str, *limits: str) -> str:
    done = keys_command(env, "create", "--name", name, "--scope", scope, *limits)
    assert done.returncode == 0, done.stderr
    key = done.stdout.strip()
    assert key.startswith("dok_")
    assert len(key) > 40
    return key


def auth(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=2, per_page=2)) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("keys")
    # DEBUG: the access log and every debug line are written, so the log check below sees them all.
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS="127.0.0.1",
        API_KEY=BOOTSTRAP,
        LOG_LEVEL="DEBUG",
    ) as running:
        yield running


@pytest.fixture(scope="module")
def keys(stack: Stack) -> dict[str, str]:
    made = {name: create_key(stack.env, name, scope) for name, scope in SCOPES.items()}
    made["API_KEY"] = BOOTSTRAP
    return made


def scrape_body(shop: LoopbackServer) -> dict[str, Any]:
    return {"url": f"{shop.url}/p/1", "schema": {"name": {"selector": "h1"}}}


def call(stack: Stack, method: str, path: str, key: str | None, **kwargs: Any) -> httpx.Response:
    headers = auth(key) if key else {}
    return httpx.request(method, f"{stack.base}{path}", headers=headers, timeout=30, **kwargs)


def wait_done(stack: Stack, job_id: str, key: str) -> dict[str, Any]:
    def finished() -> dict[str, Any] | None:
        body = dict(call(stack, "GET", f"/api/jobs/{job_id}", key).json())
        return body if body["status"] in ("completed", "failed", "cancelled") else None

    return dict(wait_for(finished))


def test_without_a_known_key_every_api_route_answers_401(stack: Stack, keys: dict[str, str]) -> None:
    for key in (None, "dok_" + "x" * 43, "not-a-key", keys["reader"][:-1]):
        refused = call(stack, "GET", "/api/jobs", key)
        assert refused.status_code == 401, key
        assert refused.json()["error"]["code"] == "unauthorized"
        assert refused.headers["www-authenticate"] == "Bearer"
    assert call(stack, "GET", "/health", None).status_code == 200


def test_each_scope_may_do_what_its_scope_allows_and_no_more(
    stack: Stack, keys: dict[str, str], shop: LoopbackServer
) -> None:
    for name, scope in SCOPES.items():
        me = call(stack, "GET", "/api/keys/me", keys[name]).json()
        assert me == {"name": name, "scope": scope, "open": False}
    assert call(stack, "GET", "/api/jobs", keys["reader"]).status_code == 200
    refused = call(stack, "POST", "/api/scrape", keys["reader"], json=scrape_body(shop))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden_scope"
    assert refused.json()["error"]["details"] == {"needed_scope": "write", "key_scope": "read"}

    created = call(stack, "POST", "/api/scrape", keys["writer"], json=scrape_body(shop))
    assert created.status_code == 202, created.text
    job_id = created.json()["job_id"]
    job = wait_done(stack, job_id, keys["reader"])
    assert (job["status"], job["created_by"]) == ("completed", "writer")
    listed = call(stack, "GET", "/api/jobs", keys["reader"]).json()["items"]
    assert {item["job_id"]: item.get("created_by") for item in listed}[job_id] == "writer"
    assert call(stack, "POST", f"/api/jobs/{job_id}/retry", keys["reader"]).status_code == 403
    # A write key may retry and cancel (the job finished, so the answer is the job's state: 409).
    assert call(stack, "POST", f"/api/jobs/{job_id}/cancel", keys["writer"]).status_code == 409
    for name in ("reader", "writer"):
        deleted = call(stack, "DELETE", f"/api/jobs/{job_id}", keys[name])
        assert deleted.status_code == 403, name
        assert deleted.json()["error"]["details"]["needed_scope"] == "admin"
        assert call(stack, "GET", "/api/keys", keys[name]).status_code == 403
        assert call(stack, "POST", "/api/pipelines", keys[name], json={}).status_code == 403
    # The scope is checked before the body: an admin key gets the body's own 422.
    assert call(stack, "POST", "/api/pipelines", keys["boss"], json={}).status_code == 422
    assert call(stack, "DELETE", f"/api/jobs/{job_id}", keys["boss"]).status_code == 204

    by_bootstrap = call(stack, "POST", "/api/scrape", BOOTSTRAP, json=scrape_body(shop)).json()["job_id"]
    assert wait_done(stack, by_bootstrap, BOOTSTRAP)["created_by"] == "API_KEY"


def test_the_event_streams_need_a_read_key(stack: Stack, keys: dict[str, str], shop: LoopbackServer) -> None:
    job_id = call(stack, "POST", "/api/scrape", keys["writer"], json=scrape_body(shop)).json()["job_id"]
    wait_done(stack, job_id, keys["reader"])
    for path in ("/api/jobs/events", f"/api/jobs/{job_id}/events"):
        assert call(stack, "GET", path, None).status_code == 401
        with httpx.stream("GET", f"{stack.base}{path}", headers=auth(keys["reader"]), timeout=30) as stream:
            assert stream.status_code == 200
            assert stream.headers["content-type"].startswith("text/event-stream")


def test_an_open_event_stream_ends_once_its_key_is_revoked(stack: Stack, keys: dict[str, str]) -> None:
    key = call(stack, "POST", "/api/keys", keys["boss"], json={"name": "watcher", "scope": "read"}).json()[
        "key"
    ]
    with httpx.stream("GET", f"{stack.base}/api/jobs/events", headers=auth(key), timeout=BOUND) as stream:
        assert stream.status_code == 200
        chunks = stream.iter_bytes()
        next(chunks)  # the stream is open
        assert call(stack, "DELETE", "/api/keys/watcher", keys["boss"]).status_code == 200
        # The next ping (every 15 s) finds the key revoked and the stream ends; nothing after it.
        rest = b"".join(chunks)
    assert b"event:" not in rest


def test_keys_are_made_and_revoked_by_admins_and_shown_once(stack: Stack, keys: dict[str, str]) -> None:
    made = call(stack, "POST", "/api/keys", keys["boss"], json={"name": "ci", "scope": "read"})
    assert made.status_code == 201, made.text
    key = made.json()["key"]
    assert made.json()["prefix"] == key[:12]
    assert call(stack, "GET", "/api/jobs", key).status_code == 200
    listed = call(stack, "GET", "/api/keys", keys["boss"])
    assert key not in listed.text
    assert {"ci", "reader", "writer", "boss"} <= {item["name"] for item in listed.json()["items"]}
    again = call(stack, "POST", "/api/keys", keys["boss"], json={"name": "ci", "scope": "write"})
    assert again.status_code == 409
    bad = call(stack, "POST", "/api/keys", keys["boss"], json={"name": "API_KEY", "scope": "read"})
    assert bad.status_code == 422
    # Revoked through this API process: refused at once, and the row stays, marked revoked.
    revoked = call(stack, "DELETE", "/api/keys/ci", keys["boss"])
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"]
    assert call(stack, "GET", "/api/jobs", key).status_code == 401


def test_a_key_revoked_with_the_command_is_refused_within_seconds(stack: Stack) -> None:
    key = create_key(stack.env, "temp", "read")
    wait_for(lambda: call(stack, "GET", "/api/jobs", key).status_code == 200)
    done = keys_command(stack.env, "revoke", "temp")
    assert done.returncode == 0, done.stderr
    wait_for(lambda: call(stack, "GET", "/api/jobs", key).status_code == 401)
    listing = keys_command(stack.env, "list").stdout
    assert "temp" in listing
    assert key not in listing


def test_a_key_over_its_rate_gets_429_with_retry_after(stack: Stack) -> None:
    key = create_key(stack.env, "slow", "read", "--rate", "1/min")
    first = wait_for(lambda: call(stack, "GET", "/api/jobs", key))
    assert first.status_code == 200
    # One request a minute: the next one, made at once, finds the bucket empty.
    limited = call(stack, "GET", "/api/jobs", key)
    assert limited.status_code == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert 1 <= int(limited.headers["retry-after"]) <= 60


def test_a_key_over_its_daily_jobs_gets_429_until_midnight_utc(stack: Stack, shop: LoopbackServer) -> None:
    key = create_key(stack.env, "daily", "write", "--daily-jobs", "1")
    first = wait_for(lambda: call(stack, "POST", "/api/scrape", key, json=scrape_body(shop)))
    assert first.status_code == 202, first.text
    second = call(stack, "POST", "/api/scrape", key, json=scrape_body(shop))
    assert second.status_code == 429
    assert second.json()["error"]["code"] == "daily_quota_exceeded"
    assert 1 <= int(second.headers["retry-after"]) <= 86_400
    # Reading is not counted.
    assert call(stack, "GET", "/api/jobs", key).status_code == 200


def test_no_key_ever_appears_in_the_logs(stack: Stack, keys: dict[str, str], shop: LoopbackServer) -> None:
    # Refused keys too: a 401 and a 403 must not log what was sent.
    call(stack, "GET", "/api/jobs", "dok_wrong-key-that-must-not-be-logged")
    call(stack, "POST", "/api/scrape", keys["reader"], json=scrape_body(shop))
    # A key pasted into a URL reaches the access log line; the log cuts it to its shown prefix.
    call(stack, "GET", f"/api/jobs?pasted={keys['writer']}", keys["reader"])
    stack.api.wait_for_log(f"pasted={keys['writer'][:12]}***")
    logs = stack.api.log() + stack.worker.log()
    assert "GET /api/jobs" in logs  # the access log is on (DEBUG)
    for key in (*keys.values(), "dok_wrong-key-that-must-not-be-logged"):
        assert key not in logs


def test_an_open_api_closes_once_a_key_exists(settings: Settings, tmp_path: Path) -> None:
    env = service_env(settings.DATABASE_URL, tmp_path)
    with api_client(settings) as client:
        assert client.get("/api/jobs").status_code == 200
        assert client.get("/api/keys/me").json() == {"name": None, "scope": "admin", "open": True}
        key = create_key(env, "first", "admin")
        wait_for(lambda: client.get("/api/jobs").status_code == 401)
        assert client.get("/api/jobs", headers=auth(key)).status_code == 200
        assert client.get("/docs").status_code == 401


def test_the_keys_command_refuses_a_taken_or_bad_name_and_an_unknown_key(
    stack: Stack, keys: dict[str, str]
) -> None:
    taken = keys_command(stack.env, "create", "--name", "reader", "--scope", "read")
    assert taken.returncode == 1
    assert "exists" in taken.stderr
    assert taken.stdout == ""
    for bad in (["--name", "API_KEY", "--scope", "read"], ["--name", "has space", "--scope", "read"]):
        assert keys_command(stack.env, "create", *bad).returncode == 2
    assert keys_command(stack.env, "create", "--name", "x", "--scope", "root").returncode == 2
    assert (
        keys_command(stack.env, "create", "--name", "x", "--scope", "read", "--rate", "fast").returncode == 2
    )
    assert keys_command(stack.env, "revoke", "nobody").returncode == 1
