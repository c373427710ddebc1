"""Logged-in sessions through the API and real worker processes, on a loopback site whose account
pages need the cookie its login form sets."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from backend_fastapi.api.app import create_app
from backend_fastapi.settings import Settings
from tests.support.login_site import ORDERS, PASSWORD, USER, LoginSite, login_site
from tests.support.processes import start_worker
from tests.support.scrape_stack import Stack, scrape_stack

pytestmark = pytest.mark.browser
SECRET_KEY = "test-secret-key-for-sessions"


@pytest.fixture(scope="module")
def site() -> Iterator[LoginSite]:
    with login_site() as running:
        yield running


@pytest.fixture(scope="module")
def tmp(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("sessions")


@pytest.fixture(scope="module")
def stack(tmp: Path, site: LoginSite) -> Iterator[Stack]:
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.server.port}",
        WORKER_CONCURRENCY=2,
        SECRET_KEY=SECRET_KEY,
    ) as running:
        yield running


def _login(site: LoginSite, password: str = PASSWORD, path: str = "/login") -> dict[str, Any]:
    return {
        "url": f"{site.url}{path}",
        "actions": [
            {"type": "write", "selector": "#user", "text": USER},
            {"type": "write", "selector": "#pass", "text": password},
            {"type": "press", "key": "Enter"},
        ],
    }


def _check(site: LoginSite) -> dict[str, Any]:
    return {"url": f"{site.url}/account", "selector": ".who"}


def _create(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{stack.base}/api/sessions", json=body, timeout=10)
    assert response.status_code == 201, response.text
    return dict(response.json())


def _session(stack: Stack, name: str) -> dict[str, Any]:
    return dict(httpx.get(f"{stack.base}/api/sessions/{name}", timeout=10).json())


def _account(stack: Stack, site: LoginSite, session: str, strategy: str = "static") -> dict[str, Any]:
    return stack.run({
        "url": f"{site.url}/account", "strategy": strategy, "session": session,
        "schema": {"name": ".who", "balance": {"selector": ".balance", "type": "number"}},
    })  # fmt: skip


ACCOUNT = {"name": "Alice Example", "balance": 42.5}


@pytest.fixture(scope="module")
def shop(stack: Stack, site: LoginSite) -> dict[str, Any]:
    """A login session the tests share (created once, logged in by its first use)."""
    return _create(stack, {"name": "shop", "login": _login(site), "check": _check(site)})


def test_a_static_scrape_logs_in_first_and_sends_the_session_cookie(
    stack: Stack, site: LoginSite, shop: dict[str, Any]
) -> None:
    assert shop["status"] == "needs_login"
    before = site.logins
    job = _account(stack, site, "shop")
    assert job["status"] == "completed", job
    assert job["result"]["data"] == ACCOUNT
    assert site.logins == before + 1
    session = _session(stack, "shop")
    assert session["status"] == "ready"
    assert session["has_state"] is True
    assert session["cookie_count"] >= 1
    assert session["cookie_domains"] == ["127.0.0.1"]
    assert session["last_login_at"] is not None


def test_a_dynamic_scrape_uses_the_stored_state_without_logging_in(
    stack: Stack, site: LoginSite, shop: dict[str, Any]
) -> None:
    _account(stack, site, "shop")  # logged in by now, whichever test ran first
    before = site.logins
    job = _account(stack, site, "shop", strategy="dynamic")
    assert job["status"] == "completed", job
    assert job["result"]["data"] == ACCOUNT
    assert job["result"]["strategy_used"] == "dynamic"
    assert site.logins == before


def test_an_expired_session_logs_in_again_once_and_succeeds(
    stack: Stack, site: LoginSite, shop: dict[str, Any]
) -> None:
    _account(stack, site, "shop")
    version = _session(stack, "shop")["state_version"]
    site.forget()
    before = site.logins
    job = _account(stack, site, "shop")
    assert job["status"] == "completed", job
    assert job["result"]["data"] == ACCOUNT
    assert site.logins == before + 1
    assert _session(stack, "shop")["state_version"] == version + 1


def test_a_login_that_never_works_fails_with_a_clear_error(stack: Stack, site: LoginSite) -> None:
    _create(stack, {"name": "wrong", "login": _login(site, password="not-it"), "check": _check(site)})
    before = site.logins
    job = _account(stack, site, "wrong")
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "session_login_failed"
    assert "wrong" in job["error"]["message"]
    assert "not-it" not in str(job)
    # One login, no retry loop.
    assert site.logins == before + 1
    session = _session(stack, "wrong")
    assert session["status"] == "failed"
    assert "after a fresh login" in session["last_error"]


def test_two_jobs_started_together_log_in_once(stack: Stack, site: LoginSite) -> None:
    _create(stack, {"name": "pair", "login": _login(site), "check": _check(site)})
    site.login_delay = 1.0  # the first login is still running when the second job needs one
    try:
        before = site.logins
        body = {"url": f"{site.url}/account", "session": "pair", "schema": {"name": ".who"}}
        ids: list[str] = []
        threads = [threading.Thread(target=lambda: ids.append(stack.submit(body))) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        jobs = [stack.wait(job_id) for job_id in ids]
    finally:
        site.login_delay = 0.0
    assert [j["status"] for j in jobs] == ["completed", "completed"], jobs
    assert [j["result"]["data"] for j in jobs] == [{"name": "Alice Example"}] * 2
    assert site.logins == before + 1


def test_the_session_survives_a_worker_restart(
    stack: Stack, site: LoginSite, shop: dict[str, Any], tmp: Path
) -> None:
    assert _account(stack, site, "shop")["status"] == "completed"
    stack.worker.stop()
    stack.worker = start_worker(stack.env, tmp, "worker-2")
    before = site.logins
    job = _account(stack, site, "shop", strategy="dynamic")
    assert job["status"] == "completed", job
    assert job["result"]["data"] == ACCOUNT
    assert site.logins == before


def test_a_worker_with_another_secret_key_fails_the_job_clearly(
    stack: Stack, site: LoginSite, shop: dict[str, Any], tmp: Path
) -> None:
    assert _account(stack, site, "shop")["status"] == "completed"
    stack.worker.stop()
    stack.worker = start_worker({**stack.env, "SECRET_KEY": "rotated"}, tmp, "worker-rotated")
    try:
        job = _account(stack, site, "shop")
        assert job["status"] == "failed", job
        assert job["error"]["code"] == "session_key_mismatch"
        assert "SECRET_KEY" in job["error"]["message"]
    finally:
        stack.worker.stop()
        stack.worker = start_worker(stack.env, tmp, "worker-3")


def test_an_uploaded_storage_state_and_cookie_list_are_used(stack: Stack, site: LoginSite) -> None:
    state = {
        "cookies": [{
            "name": "sid", "value": site.issue(), "domain": "127.0.0.1", "path": "/", "expires": -1,
            "httpOnly": True, "secure": False, "sameSite": "Lax", "partitionKey": None,
        }],
        "origins": [{"origin": site.url, "localStorage": [{"name": "theme", "value": "dark"}]}],
    }  # fmt: skip
    uploaded = _create(stack, {"name": "uploaded-state", "storage_state": state})
    assert (uploaded["kind"], uploaded["status"], uploaded["cookie_count"]) == ("storage_state", "ready", 1)
    cookies = [{"name": "sid", "value": site.issue(), "domain": "127.0.0.1", "hostOnly": True}]
    _create(stack, {"name": "uploaded-cookies", "cookies": cookies})
    text = f"# Netscape HTTP Cookie File\n127.0.0.1\tFALSE\t/\tFALSE\t0\tsid\t{site.issue()}\n"
    _create(stack, {"name": "uploaded-txt", "cookies": text})
    before = site.logins
    for name, strategy in [
        ("uploaded-state", "dynamic"), ("uploaded-state", "static"),
        ("uploaded-cookies", "static"), ("uploaded-txt", "dynamic"),
    ]:  # fmt: skip
        job = _account(stack, site, name, strategy)
        assert job["status"] == "completed", (name, strategy, job)
        assert job["result"]["data"] == ACCOUNT, (name, strategy)
    assert site.logins == before


def test_the_browser_starts_with_the_uploaded_storage_state(stack: Stack, site: LoginSite) -> None:
    state = {
        "cookies": [{"name": "lang", "value": "de", "domain": "127.0.0.1", "path": "/", "expires": -1}],
        "origins": [{"origin": site.url, "localStorage": [{"name": "theme", "value": "dark"}]}],
    }
    _create(stack, {"name": "prefs", "storage_state": state})
    job = stack.run({
        "url": f"{site.url}/prefs", "strategy": "dynamic", "session": "prefs",
        "schema": {"theme": "#theme", "cookies": "#cookies"},
    })  # fmt: skip
    assert job["status"] == "completed", job
    assert job["result"]["data"] == {"theme": "dark", "cookies": "lang=de"}


def test_an_uploaded_session_that_expired_fails_without_a_login(stack: Stack, site: LoginSite) -> None:
    cookies = [{"name": "sid", "value": "long-gone", "domain": "127.0.0.1"}]
    _create(stack, {"name": "stale-upload", "cookies": cookies, "check": _check(site)})
    job = _account(stack, site, "stale-upload")
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "session_expired"


def test_a_crawl_and_a_batch_use_the_session(stack: Stack, site: LoginSite, shop: dict[str, Any]) -> None:
    crawl = stack.run({
        "url": f"{site.url}/orders", "session": "shop",
        "crawl": {"follow": "a.order", "max_pages": 10},
        "schema": {"order": ".order-id", "total": {"selector": ".total", "type": "number"}},
    })  # fmt: skip
    assert crawl["status"] == "completed", crawl
    orders = sorted((r["data"]["order"], r["data"]["total"]) for r in stack.records(crawl["job_id"]))
    assert orders == [(f"Order {n}", n * 10.0) for n in range(1, ORDERS + 1)]
    response = httpx.post(
        f"{stack.base}/api/scrape/batch",
        json={
            "urls": [f"{site.url}/orders/{n}" for n in range(1, ORDERS + 1)],
            "session": "shop",
            "schema": {"order": ".order-id"},
        },
        timeout=10,
    )
    assert response.status_code == 202, response.text
    batch = stack.wait(response.json()["job_id"])
    assert batch["status"] == "completed", batch
    records = stack.records(batch["job_id"])
    assert [r["data"] for r in records] == [{"order": f"Order {n}"} for n in range(1, ORDERS + 1)]


def test_an_unknown_session_is_refused_at_request_time(stack: Stack, site: LoginSite) -> None:
    error = stack.refused({"url": f"{site.url}/account", "session": "nobody"})
    assert error["details"][0]["field"] == "body.session"
    assert "nobody" in error["message"]
    response = httpx.post(
        f"{stack.base}/api/scrape/batch",
        json={"urls": [f"{site.url}/account"], "session": "nobody"},
        timeout=10,
    )
    assert response.status_code == 422
    monitor = {"name": "m", "every": "1h", "target": {"url": f"{site.url}/account", "session": "nobody"}}
    response = httpx.post(f"{stack.base}/api/monitors", json=monitor, timeout=10)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.target.session"


def test_a_session_a_monitor_uses_is_not_deleted(stack: Stack, site: LoginSite) -> None:
    _create(stack, {"name": "watched", "login": _login(site), "check": _check(site)})
    monitor = {
        "name": "watch-account",
        "every": "1h",
        "target": {"url": f"{site.url}/account", "session": "watched"},
    }
    assert httpx.post(f"{stack.base}/api/monitors", json=monitor, timeout=10).status_code == 201
    response = httpx.delete(f"{stack.base}/api/sessions/watched", timeout=10)
    assert response.status_code == 409
    assert response.json()["error"]["details"] == {"used_by": ["monitor watch-account"]}
    assert httpx.delete(f"{stack.base}/api/monitors/watch-account", timeout=10).status_code == 204
    assert httpx.delete(f"{stack.base}/api/sessions/watched", timeout=10).status_code == 204


def test_secrets_never_leave_the_database_and_are_not_stored_in_clear(
    stack: Stack, site: LoginSite, shop: dict[str, Any], tmp: Path
) -> None:
    job = _account(stack, site, "shop")
    assert job["status"] == "completed", job
    tokens = set(site.tokens)
    assert tokens
    answers = [
        httpx.get(f"{stack.base}/api/sessions", timeout=10).text,
        httpx.get(f"{stack.base}/api/sessions/shop", timeout=10).text,
        httpx.get(f"{stack.base}/api/jobs/{job['job_id']}", timeout=10).text,
        httpx.get(f"{stack.base}/api/jobs", timeout=10).text,
    ]
    shown = _session(stack, "shop")
    assert [a["text"] for a in shown["login"]["actions"] if a["type"] == "write"] == ["***", "***"]
    logs = stack.worker.log() + stack.api.log()
    stored = b"".join(p.read_bytes() for p in tmp.glob("dataops.db*"))
    for secret in [PASSWORD, *tokens]:
        assert all(secret not in answer for answer in answers)
        assert secret not in logs
        assert secret.encode() not in stored
    assert USER.encode() not in stored  # typed text of the login, sealed too


def test_a_login_sent_back_redacted_keeps_its_typed_text(stack: Stack, site: LoginSite) -> None:
    created = _create(stack, {"name": "edited", "login": _login(site), "check": _check(site)})
    body = {"name": "edited", "login": created["login"], "check": {**_check(site), "selector": "h1.who"}}
    response = httpx.put(f"{stack.base}/api/sessions/edited", json=body, timeout=10)
    assert response.status_code == 200, response.text
    job = _account(stack, site, "edited")
    assert job["status"] == "completed", job
    bad = {"name": "edited", "login": {**created["login"], "actions": [created["login"]["actions"][1]]}}
    response = httpx.put(f"{stack.base}/api/sessions/edited", json=bad, timeout=10)
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.login.actions.0.text"


def test_login_again_drops_the_state_and_the_next_use_logs_in(stack: Stack, site: LoginSite) -> None:
    _create(stack, {"name": "again", "login": _login(site), "check": _check(site)})
    assert _account(stack, site, "again")["status"] == "completed"
    response = httpx.post(f"{stack.base}/api/sessions/again/login", timeout=10)
    assert response.status_code == 200
    assert response.json()["status"] == "needs_login"
    before = site.logins
    assert _account(stack, site, "again")["status"] == "completed"
    assert site.logins == before + 1


def test_without_secret_key_no_session_is_saved(tmp_path: Path) -> None:
    settings = Settings(_env_file=None, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'nokey.db'}")  # type: ignore[call-arg]
    with TestClient(create_app(settings)) as client:
        body = {"name": "s", "cookies": [{"name": "sid", "value": "v", "domain": "shop.example"}]}
        response = client.post("/api/sessions", json=body)
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "secret_key_required"
        assert "SECRET_KEY" in response.json()["error"]["message"]
        assert client.get("/api/sessions").json() == {"items": [], "next_cursor": None}


def test_after_a_key_change_a_login_is_sent_again_in_full(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'rotate.db'}"
    login = {
        "url": "https://shop.example/login",
        "actions": [{"type": "write", "selector": "#pass", "text": "old-password"}],
    }
    body = {"name": "s", "login": login}
    with TestClient(create_app(Settings(_env_file=None, DATABASE_URL=url, SECRET_KEY="one"))) as client:  # type: ignore[call-arg]
        shown = client.post("/api/sessions", json=body).json()
    with TestClient(create_app(Settings(_env_file=None, DATABASE_URL=url, SECRET_KEY="two"))) as client:  # type: ignore[call-arg]
        response = client.put("/api/sessions/s", json={"name": "s", "login": shown["login"]})
        assert response.status_code == 409
        assert response.json()["error"]["code"] == "session_key_mismatch"
        response = client.put("/api/sessions/s", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["status"] == "needs_login"
