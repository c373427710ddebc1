"""Every endpoint answers as the OpenAPI document says: status, content type and body.

A real API and worker (built-in handlers) on one SQLite file scrape a loopback shop, run
pipelines, deliver a webhook and fire a schedule; every answer is validated against the schema
the document names for its path, method and status (unknown keys forbidden), and against the
pydantic model the route declares. Built-in jobs' results also match their job type's result
model exactly. The last check: no documented operation went unchecked.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_fastapi.api.app import create_app
from backend_fastapi.jobtypes import JobType
from backend_fastapi.schemas.results import RESULT_MODELS
from backend_fastapi.settings import Settings
from tests.support.apps import api_client
from tests.support.contract import Contract
from tests.support.processes import Service, service_env, start_api, start_worker
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.sites import ShopSite, shop_server
from tests.support.waiting import BOUND, wait_for

SCHEMA = {"title": "string", "price": "number"}
CSV = b"sku,price\nA-1,4.50\nB-2,7.00\n"
PIPELINE: dict[str, Any] = {
    "name": "contract-prices",
    "description": "Prices, cleaned",
    "steps": [
        {"op": "cast", "columns": {"price": "number"}},
        {"op": "validate", "rules": [{"check": "not_null", "column": "sku"}]},
    ],
    "output": {"format": "csv", "name": "contract-prices"},
}


class Api:
    """Calls one API and checks every answer against its document."""

    def __init__(self, base: str, contract: Contract) -> None:
        self.base = base
        self.contract = contract
        self.http = httpx.Client(base_url=base, timeout=BOUND)

    def call(self, method: str, template: str, status: int, /, **kwargs: Any) -> Any:
        """`method template` (ids filled from `path=`), asserting `status`; the checked body."""
        path = template.format(**kwargs.pop("path", {}))
        response = self.http.request(method, path, **kwargs)
        assert response.status_code == status, f"{method} {path}: {response.status_code} {response.text}"
        self.last = response
        return self.contract.check(response, method, template)

    def finished(self, job_id: str) -> dict[str, Any]:
        """Poll the job (each answer checked) until it is final; its body."""
        deadline = time.monotonic() + BOUND
        while True:
            job: dict[str, Any] = self.call("GET", "/api/jobs/{job_id}", 200, path={"job_id": job_id})
            if job["status"] in ("completed", "failed", "cancelled"):
                return job
            assert time.monotonic() < deadline, job
            time.sleep(0.1)


def assert_typed_result(job: dict[str, Any]) -> None:
    """A built-in handler's result is exactly its job type's result model (no plugin fallback)."""
    assert job["status"] == "completed", job
    model = RESULT_MODELS[JobType(job["type"])]
    assert model.model_validate(job["result"]).model_dump(mode="json", exclude_unset=True) == job["result"]


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=6, per_page=3)) as server:
        yield server


@pytest.fixture(scope="module")
def receiver() -> Iterator[LoopbackServer]:
    def respond(_: Recorded) -> tuple[int, dict[str, str], bytes]:
        return 200, {}, b"ok"

    with loopback_server(respond) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Service]]:
    """A real API and worker with the built-in handlers only."""
    tmp: Path = tmp_path_factory.mktemp("contract")
    env = service_env(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        WORKER_HANDLERS="",
        SCRAPE_ALLOW_HOSTS="127.0.0.1",
        MAX_REQUEST_BYTES="65536",
        SECRET_KEY="contract-secret",
        EVENTS_IDLE_SECONDS="1",
    )
    api, base = start_api(env, tmp)
    worker = start_worker(env, tmp)
    try:
        yield base, worker
    finally:
        worker.stop()
        api.stop()
        assert "api.unhandled_error" not in api.log(), api.log()[-4000:]


def test_every_endpoint_answers_as_documented(
    stack: tuple[str, Service], shop: LoopbackServer, receiver: LoopbackServer
) -> None:
    base, _ = stack
    api = Api(base, Contract.of(create_app(Settings(_env_file=None))))  # type: ignore[call-arg]

    # Health, scrapes (a page with a webhook, a crawl), and reading them back.
    api.call("GET", "/health", 200)
    hooked = {"url": f"{receiver.url}/hook", "events": ["completed"]}
    created = api.call(
        "POST", "/api/scrape", 202, json={"url": f"{shop.url}/p/1", "schema": SCHEMA, "webhook": hooked}
    )
    page_id = created["job_id"]
    page = api.finished(page_id)
    assert_typed_result(page)
    deadline = time.monotonic() + BOUND
    while not (page.get("webhook") or {}).get("deliveries"):
        assert time.monotonic() < deadline, page
        time.sleep(0.1)
        page = api.call("GET", "/api/jobs/{job_id}", 200, path={"job_id": page_id})
    etag = api.last.headers["etag"]
    api.call("GET", "/api/jobs/{job_id}", 304, path={"job_id": page_id}, headers={"If-None-Match": etag})
    api.call("GET", "/api/scrape/{job_id}", 200, path={"job_id": page_id})
    api.call("GET", "/api/scrape/{job_id}", 304, path={"job_id": page_id}, headers={"If-None-Match": etag})
    # Events: a final job's stream answers its final state and ends; its last id, nothing more.
    api.call("GET", "/api/jobs/{job_id}/events", 200, path={"job_id": page_id})
    last_id = next(line for line in api.last.text.splitlines() if line.startswith("id: "))[4:]
    api.call(
        "GET", "/api/jobs/{job_id}/events", 204, path={"job_id": page_id}, headers={"Last-Event-ID": last_id}
    )
    api.call("GET", "/api/jobs/events", 200, params={"name": "contract-nobody"})
    crawl = {"url": f"{shop.url}/catalog/1", "schema": SCHEMA, "crawl": {"follow": "a.product-link"}}
    waited = api.call("POST", "/api/scrape", 200, json=crawl, params={"wait": 60})
    assert_typed_result(waited)
    crawl_id = waited["job_id"]
    batch = {"urls": [f"{shop.url}/p/1", f"{shop.url}/p/999"], "schema": SCHEMA}
    queued = api.call("POST", "/api/scrape/batch", 202, json=batch)
    assert_typed_result(api.finished(queued["job_id"]))
    assert_typed_result(api.call("POST", "/api/scrape/batch", 200, json=batch, params={"wait": 60}))
    mapped = api.call("POST", "/api/map", 202, json={"url": f"{shop.url}/catalog/1", "max_urls": 5})
    assert_typed_result(api.finished(mapped["job_id"]))
    assert_typed_result(api.call("POST", "/api/map", 200, json={"url": f"{shop.url}/"}, params={"wait": 60}))
    whole = api.call("GET", "/api/jobs/{job_id}/request", 200, path={"job_id": queued["job_id"]})
    assert whole["urls"] == batch["urls"]
    api.call("GET", "/api/jobs", 200)
    api.call("GET", "/api/jobs", 200, params={"status": "completed", "type": "scrape.crawl", "limit": 1})
    page_of = api.call(
        "GET", "/api/jobs/{job_id}/results", 200, path={"job_id": crawl_id}, params={"limit": 2}
    )
    assert page_of["total"] >= 2
    records = api.call(
        "GET", "/api/jobs/{job_id}/results", 200, path={"job_id": crawl_id}, params={"format": "json"}
    )
    assert len(records) == page_of["total"]
    for fmt in ("csv", "jsonl", "xlsx"):
        api.call("GET", "/api/jobs/{job_id}/results", 200, path={"job_id": crawl_id}, params={"format": fmt})

    # A page's captures are the job's files, downloaded by name.
    shot_in = {"url": f"{shop.url}/js/3", "strategy": "dynamic", "options": {"screenshot": True}}
    shot = api.call("POST", "/api/scrape", 200, json={**shot_in, "schema": SCHEMA}, params={"wait": 60})
    assert_typed_result(shot)
    [shot_file] = shot["result"]["files"]
    file_path = {"job_id": shot["job_id"], "name": shot_file["name"]}
    api.call("GET", "/api/jobs/{job_id}/files/{name}", 200, path=file_path)
    assert api.last.headers["content-type"] == shot_file["media_type"]
    api.call("GET", "/api/jobs/{job_id}/files/{name}", 404, path={**file_path, "name": "page.pdf"})

    # Cancel, retry and delete, with the answers that refuse them.
    slow = api.call("POST", "/api/scrape", 202, json={"url": f"{shop.url}/slow/1?s=30", "schema": SCHEMA})
    api.call("POST", "/api/jobs/{job_id}/cancel", 200, path={"job_id": slow["job_id"]})
    assert api.finished(slow["job_id"])["status"] == "cancelled"
    api.call("POST", "/api/jobs/{job_id}/retry", 202, path={"job_id": slow["job_id"]})
    api.call("POST", "/api/jobs/{job_id}/cancel", 200, path={"job_id": slow["job_id"]})
    api.finished(slow["job_id"])
    api.call("POST", "/api/jobs/{job_id}/cancel", 409, path={"job_id": page_id})
    api.call("POST", "/api/jobs/{job_id}/retry", 409, path={"job_id": page_id})
    # Pause and resume a crawl (only crawls pause; only paused jobs resume).
    crawl_in = {"url": f"{shop.url}/slow/1?s=30", "schema": SCHEMA, "crawl": {"max_pages": 2}}
    slow_crawl = api.call("POST", "/api/scrape", 202, json=crawl_in)
    crawl_path = {"job_id": slow_crawl["job_id"]}
    api.call("POST", "/api/jobs/{job_id}/pause", 202, path=crawl_path)
    wait_for(
        lambda: api.call("GET", "/api/jobs/{job_id}", 200, path=crawl_path)["status"] == "paused",
        timeout=BOUND,
    )
    api.call("POST", "/api/jobs/{job_id}/resume", 202, path=crawl_path)
    api.call("POST", "/api/jobs/{job_id}/resume", 409, path=crawl_path)
    api.call("POST", "/api/jobs/{job_id}/cancel", 200, path=crawl_path)
    api.finished(slow_crawl["job_id"])
    api.call("POST", "/api/jobs/{job_id}/pause", 409, path={"job_id": page_id})
    api.call("DELETE", "/api/jobs/{job_id}", 204, path=crawl_path)
    api.call("DELETE", "/api/jobs/{job_id}", 204, path={"job_id": slow["job_id"]})
    for method, template in (
        ("GET", "/api/jobs/{job_id}"),
        ("GET", "/api/scrape/{job_id}"),
        ("GET", "/api/jobs/{job_id}/results"),
        ("GET", "/api/jobs/{job_id}/request"),
        ("GET", "/api/jobs/{job_id}/events"),
        ("POST", "/api/jobs/{job_id}/cancel"),
        ("POST", "/api/jobs/{job_id}/retry"),
        ("POST", "/api/jobs/{job_id}/pause"),
        ("POST", "/api/jobs/{job_id}/resume"),
        ("DELETE", "/api/jobs/{job_id}"),
    ):
        api.call(method, template, 404, path={"job_id": slow["job_id"]})
    api.call("DELETE", "/api/jobs/{job_id}", 204, path={"job_id": shot["job_id"]})
    api.call("GET", "/api/jobs/{job_id}/files/{name}", 404, path=file_path)
    api.call("GET", "/api/jobs", 422, params={"limit": 0})
    api.call("POST", "/api/scrape", 422, json={"url": "ftp://nowhere", "schema": SCHEMA})
    api.call("POST", "/api/scrape", 413, content=b"{" + b" " * 70_000 + b"}")
    api.call("POST", "/api/scrape/batch", 422, json={"urls": [], "schema": SCHEMA})
    api.call("POST", "/api/scrape/batch", 413, content=b"{" + b" " * 70_000 + b"}")
    api.call("POST", "/api/map", 422, json={"url": "ftp://nowhere"})
    api.call("POST", "/api/map", 413, content=b"{" + b" " * 70_000 + b"}")

    # Uploads, saved pipelines, previews and runs, and the exports they write.
    upload = api.call("POST", "/api/uploads", 201, files={"file": ("prices.csv", CSV, "text/csv")})
    api.call("POST", "/api/uploads", 415, files={"file": ("notes.txt", b"hello", "text/plain")})
    api.call("POST", "/api/uploads", 422, files={"file": ("bad.parquet", b"not parquet", "application/x")})
    api.call("GET", "/api/uploads", 200)
    api.call("GET", "/api/uploads/{upload_id}", 200, path={"upload_id": upload["upload_id"]})
    saved = api.call("POST", "/api/pipelines", 201, json={**PIPELINE, "source": upload["source"]})
    ref = {"ref": saved["pipeline_id"]}
    api.call("POST", "/api/pipelines", 409, json={**PIPELINE, "source": upload["source"]})
    api.call("POST", "/api/pipelines", 422, json={**PIPELINE, "steps": [{"op": "nope"}]})
    api.call("GET", "/api/pipelines", 200)
    api.call("GET", "/api/pipelines/{ref}", 200, path=ref)
    api.call("PUT", "/api/pipelines/{ref}", 200, path=ref, json={**PIPELINE, "source": upload["source"]})
    preview = api.call(
        "POST", "/api/pipelines/preview", 200, params={"wait": 60}, json={"pipeline_id": saved["pipeline_id"]}
    )
    assert_typed_result(preview)
    run = api.call("POST", "/api/pipeline/run", 202, json={"pipeline_id": saved["pipeline_id"]})
    assert_typed_result(api.finished(run["job_id"]))
    api.call("POST", "/api/pipeline/run", 404, json={"pipeline_id": "no-such-pipeline"})
    api.call("POST", "/api/pipelines/preview", 404, json={"pipeline_id": "no-such-pipeline"})
    exports = api.call("GET", "/api/exports", 200, params={"job_id": run["job_id"]})
    export = {"export_id": exports["items"][0]["export_id"]}
    api.call("GET", "/api/exports/{export_id}", 200, path=export)
    api.call("GET", "/api/exports/{export_id}/download", 200, path=export)

    # Schedules: create, read, change, run now (twice: the second finds the first still active
    # or already done), delete.
    schedule_in = {"name": "contract-hourly", "cron": "0 * * * *", "job": {"pipeline_id": saved["name"]}}
    schedule = api.call("POST", "/api/schedules", 201, json=schedule_in)
    sref = {"ref": schedule["schedule_id"]}
    api.call("POST", "/api/schedules", 409, json=schedule_in)
    api.call("POST", "/api/schedules", 422, json={**schedule_in, "cron": "every day"})
    api.call("GET", "/api/schedules", 200)
    api.call("GET", "/api/schedules/{ref}", 200, path=sref)
    api.call("PUT", "/api/schedules/{ref}", 200, path=sref, json={**schedule_in, "enabled": False})
    fired = api.call("POST", "/api/schedules/{ref}/run", 202, path=sref)
    api.call("POST", "/api/schedules/{ref}/run", 409, path=sref)
    api.finished(fired["job_id"])
    shown = api.call("GET", "/api/schedules/{ref}", 200, path=sref)
    assert shown["last_job"]["job_id"] == fired["job_id"]
    api.call(
        "POST", "/api/pipelines", 201, json={**PIPELINE, "name": "contract-other", "source": upload["source"]}
    )
    api.call("PUT", "/api/pipelines/{ref}", 409, path=ref, json={**PIPELINE, "name": "contract-other"})
    api.call("DELETE", "/api/pipelines/{ref}", 409, path=ref)
    api.call("DELETE", "/api/schedules/{ref}", 204, path=sref)
    for method, template in (
        ("GET", "/api/schedules/{ref}"),
        ("PUT", "/api/schedules/{ref}"),
        ("DELETE", "/api/schedules/{ref}"),
        ("POST", "/api/schedules/{ref}/run"),
    ):
        kwargs: dict[str, Any] = {"json": schedule_in} if method == "PUT" else {}
        api.call(method, template, 404, path=sref, **kwargs)

    # Monitors: create, read, change, pause, resume, check (baseline, then unchanged), history.
    monitor_in = {
        "name": "contract-watch", "target": {"url": f"{shop.url}/catalog/1", "schema": SCHEMA}, "every": "1h",
        "notify": [{"url": f"{receiver.url}/watch"}],
    }  # fmt: skip
    monitor = api.call("POST", "/api/monitors", 201, json=monitor_in)
    mref = {"ref": monitor["monitor_id"]}
    api.call("POST", "/api/monitors", 409, json=monitor_in)
    api.call("POST", "/api/monitors", 422, json={**monitor_in, "cron": "0 * * * *"})
    api.call("GET", "/api/monitors", 200)
    api.call("GET", "/api/monitors/{ref}", 200, path=mref)
    api.call("PUT", "/api/monitors/{ref}", 200, path=mref, json={**monitor_in, "every": "2h"})
    other = api.call("POST", "/api/monitors", 201, json={**monitor_in, "name": "contract-other-watch"})
    api.call(
        "PUT", "/api/monitors/{ref}", 409, path=mref, json={**monitor_in, "name": "contract-other-watch"}
    )
    api.call("DELETE", "/api/monitors/{ref}", 204, path={"ref": other["monitor_id"]})
    api.call("POST", "/api/monitors/{ref}/pause", 200, path=mref)
    api.call("POST", "/api/monitors/{ref}/resume", 200, path=mref)
    for _ in range(2):
        checked = api.call("POST", "/api/monitors/{ref}/check", 202, path=mref)
        api.finished(checked["job_id"])
        deadline = time.monotonic() + BOUND
        while (api.call("GET", "/api/monitors/{ref}", 200, path=mref)["last_check"] or {}).get("job_id") != (
            checked["job_id"]
        ):
            assert time.monotonic() < deadline
            time.sleep(0.1)
    compares = api.call("GET", "/api/jobs", 200, params={"type": "monitor.compare", "status": "completed"})
    compare_id = compares["items"][0]["job_id"]
    assert_typed_result(api.call("GET", "/api/jobs/{job_id}", 200, path={"job_id": compare_id}))
    api.call("GET", "/api/monitors/{ref}/snapshots", 200, path=mref)
    api.call("GET", "/api/monitors/{ref}/changes", 200, path=mref, params={"kind": "added", "limit": 2})
    api.call("GET", "/api/monitors/{ref}/changes", 422, path=mref, params={"since": "yesterday"})
    api.call("GET", "/api/monitors/{ref}/series", 200, path=mref, params={"field": "price"})
    for fmt in ("csv", "json", "jsonl", "xlsx"):
        api.call("GET", "/api/monitors/{ref}/changes/download", 200, path=mref, params={"format": fmt})
    api.call("DELETE", "/api/monitors/{ref}", 204, path=mref)
    for method, template in (
        ("GET", "/api/monitors/{ref}"),
        ("PUT", "/api/monitors/{ref}"),
        ("DELETE", "/api/monitors/{ref}"),
        ("POST", "/api/monitors/{ref}/check"),
        ("POST", "/api/monitors/{ref}/pause"),
        ("POST", "/api/monitors/{ref}/resume"),
        ("GET", "/api/monitors/{ref}/changes"),
        ("GET", "/api/monitors/{ref}/changes/download"),
        ("GET", "/api/monitors/{ref}/snapshots"),
    ):
        api.call(method, template, 404, path=mref, **({"json": monitor_in} if method == "PUT" else {}))
    api.call("GET", "/api/monitors/{ref}/series", 404, path=mref, params={"field": "price"})

    # Sessions: a login (its typed text shown redacted) and an uploaded cookie list.
    login = {"url": f"{shop.url}/login", "actions": [{"type": "write", "selector": "#pass", "text": "pw"}]}
    session_in = {
        "name": "contract-login",
        "login": login,
        "check": {"url": f"{shop.url}/", "selector": "h1"},
    }
    session = api.call("POST", "/api/sessions", 201, json=session_in)
    assert session["login"]["actions"][0]["text"] == "***"
    sref = {"ref": session["session_id"]}
    api.call("POST", "/api/sessions", 409, json=session_in)
    api.call("POST", "/api/sessions", 422, json={"name": "contract-none"})
    cookies = {"name": "contract-cookies", "cookies": [{"name": "sid", "value": "v", "domain": "127.0.0.1"}]}
    uploaded = api.call("POST", "/api/sessions", 201, json=cookies)
    api.call("GET", "/api/sessions", 200, params={"limit": 1})
    api.call("GET", "/api/sessions/{ref}", 200, path=sref)
    api.call("PUT", "/api/sessions/{ref}", 200, path=sref, json={**session_in, "login": session["login"]})
    api.call("PUT", "/api/sessions/{ref}", 409, path=sref, json={**session_in, "name": "contract-cookies"})
    api.call("PUT", "/api/sessions/{ref}", 422, path=sref, json={"name": "contract-login"})
    assert api.call("POST", "/api/sessions/{ref}/login", 200, path=sref)["status"] == "needs_login"
    api.call("POST", "/api/sessions/{ref}/login", 409, path={"ref": uploaded["session_id"]})
    api.call("POST", "/api/scrape", 422, json={"url": f"{shop.url}/", "session": "contract-nobody"})
    api.call("DELETE", "/api/sessions/{ref}", 204, path={"ref": uploaded["session_id"]})
    api.call("DELETE", "/api/sessions/{ref}", 204, path=sref)
    for method, template in (
        ("GET", "/api/sessions/{ref}"),
        ("PUT", "/api/sessions/{ref}"),
        ("DELETE", "/api/sessions/{ref}"),
        ("POST", "/api/sessions/{ref}/login"),
    ):
        api.call(method, template, 404, path=sref, **({"json": session_in} if method == "PUT" else {}))

    # Deletes, and the 404s of what is gone.
    api.call("DELETE", "/api/pipelines/{ref}", 204, path=ref)
    api.call("GET", "/api/pipelines/{ref}", 404, path=ref)
    api.call("PUT", "/api/pipelines/{ref}", 404, path=ref, json=PIPELINE)
    api.call("DELETE", "/api/pipelines/{ref}", 404, path=ref)
    api.call("DELETE", "/api/exports/{export_id}", 204, path=export)
    api.call("GET", "/api/exports/{export_id}", 404, path=export)
    api.call("GET", "/api/exports/{export_id}/download", 404, path=export)
    api.call("DELETE", "/api/exports/{export_id}", 404, path=export)
    uref = {"upload_id": upload["upload_id"]}
    api.call("DELETE", "/api/uploads/{upload_id}", 204, path=uref)
    api.call("GET", "/api/uploads/{upload_id}", 404, path=uref)
    api.call("DELETE", "/api/uploads/{upload_id}", 404, path=uref)

    # Keys: the API is open until the first key, and open again once its only key is revoked.
    assert api.call("GET", "/api/keys/me", 200)["open"] is True
    api.call("GET", "/api/keys", 200)
    api.call("POST", "/api/keys", 422, json={"name": "API_KEY", "scope": "read"})
    made = api.call("POST", "/api/keys", 201, json={"name": "contract", "scope": "admin", "daily_jobs": 5})
    keyed = {"Authorization": f"Bearer {made['key']}"}
    api.call("POST", "/api/keys", 409, json={"name": "contract", "scope": "read"}, headers=keyed)
    api.call("DELETE", "/api/keys/{ref}", 200, path={"ref": "contract"}, headers=keyed)
    api.call("DELETE", "/api/keys/{ref}", 404, path={"ref": "contract-nobody"})

    # A method a path does not have: 405 in the error shape, with `Allow` (not an operation).
    refused = api.http.put("/api/jobs")
    assert refused.status_code == 405
    assert refused.headers["allow"] == "GET"
    assert set(refused.json()) == {"error"}

    assert api.contract.unchecked() == []


def test_the_key_the_queue_limit_and_health_without_the_key_answer_as_documented(settings: Settings) -> None:
    app_settings = settings.model_copy(update={"API_KEY": "sekret", "MAX_QUEUED_JOBS": 1})
    contract = Contract.of(create_app(app_settings))
    with api_client(app_settings) as client:
        contract.check(client.get("/api/jobs"), "GET", "/api/jobs")
        assert client.get("/api/jobs").status_code == 401
        keyed = {"Authorization": "Bearer sekret"}
        body = {"url": "https://shop.example/p/1", "schema": SCHEMA}
        assert contract.check(client.post("/api/scrape", json=body, headers=keyed), "POST", "/api/scrape")
        full = client.post("/api/scrape", json=body, headers=keyed)
        assert full.status_code == 429
        contract.check(full, "POST", "/api/scrape")
        open_health = contract.check(client.get("/health"), "GET", "/health")
        assert "items" not in open_health["workers"]
        assert (
            contract.check(client.get("/health", headers=keyed), "GET", "/health")["workers"]["items"] == []
        )
    assert {status for _, _, status in contract.seen} == {200, 202, 401, 429}


def test_a_key_of_too_small_a_scope_or_over_its_rate_answers_as_documented(settings: Settings) -> None:
    contract = Contract.of(create_app(settings))
    with api_client(settings) as client:
        made = client.post("/api/keys", json={"name": "reader", "scope": "read", "rate_per_minute": 1})
        reader = {"Authorization": f"Bearer {contract.check(made, 'POST', '/api/keys')['key']}"}
        contract.check(client.get("/api/jobs", headers=reader), "GET", "/api/jobs")
        limited = client.get("/api/jobs", headers=reader)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) >= 1
        contract.check(limited, "GET", "/api/jobs")
        body = {"url": "https://shop.example/p/1", "schema": SCHEMA}
        forbidden = client.post("/api/scrape", json=body, headers=reader)
        assert forbidden.status_code == 403
        contract.check(forbidden, "POST", "/api/scrape")
    assert {status for _, _, status in contract.seen} == {200, 201, 403, 429}


def test_health_answers_its_documented_503_body_when_the_database_cannot_be_read(settings: Settings) -> None:
    contract = Contract.of(create_app(settings))
    with api_client(settings) as client:

        async def unreadable(*_: Any) -> Any:
            raise OSError("disk gone")

        client.app.state.db.fetch = unreadable  # type: ignore[attr-defined]
        down = client.get("/health")
        assert down.status_code == 503
        assert contract.check(down, "GET", "/health")["database"]["error"] == "OSError"
