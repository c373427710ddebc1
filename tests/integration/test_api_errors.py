"""Bad input of every kind gets a 4xx in the one error shape, and changes nothing stored."""

from __future__ import annotations

from typing import Any

import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client, table_counts

GOOD_SCRAPE = {"url": "https://shop.example/p/1", "schema": {"title": "string"}}


def assert_error_shape(body: dict[str, Any], code: str) -> None:
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code
    assert isinstance(body["error"]["message"], str)
    assert body["error"]["message"]


BAD_REQUESTS = [
    ("post", "/api/scrape", {"json": {**GOOD_SCRAPE, "schmea": {}}}, 422, "validation_error"),
    ("post", "/api/scrape", {"json": {"schema": {}}}, 422, "validation_error"),
    ("post", "/api/scrape", {"json": {**GOOD_SCRAPE, "url": "ftp://x.example/"}}, 422, "validation_error"),
    (
        "post",
        "/api/scrape",
        {"json": {**GOOD_SCRAPE, "url": "http://169.254.169.254/latest"}},
        422,
        "validation_error",
    ),
    (
        "post",
        "/api/scrape",
        {"json": {**GOOD_SCRAPE, "url": "http://[::ffff:127.0.0.1]/"}},
        422,
        "validation_error",
    ),
    ("post", "/api/scrape", {"json": {**GOOD_SCRAPE, "strategy": "teleport"}}, 422, "validation_error"),
    ("post", "/api/scrape", {"json": {**GOOD_SCRAPE, "priority": 1000}}, 422, "validation_error"),
    (
        "post",
        "/api/scrape",
        {"json": {**GOOD_SCRAPE, "webhook": {"url": "http://10.0.0.5/hook"}}},
        422,
        "validation_error",
    ),
    (
        "post",
        "/api/scrape",
        {"content": b"{not json", "headers": {"content-type": "application/json"}},
        422,
        "validation_error",
    ),
    ("post", "/api/scrape", {"json": [1, 2]}, 422, "validation_error"),
    ("post", "/api/scrape?wait=-1", {"json": GOOD_SCRAPE}, 422, "validation_error"),
    ("post", "/api/pipeline/run", {"json": {}}, 422, "validation_error"),
    ("post", "/api/pipeline/run", {"json": {"pipeline_id": "a", "pipeline": {}}}, 422, "validation_error"),
    ("get", "/api/jobs?status=bogus", {}, 422, "validation_error"),
    ("get", "/api/jobs?limit=0", {}, 422, "validation_error"),
    ("get", "/api/jobs/nope", {}, 404, "not_found"),
    ("get", "/api/scrape/nope", {}, 404, "not_found"),
    ("get", "/api/jobs/nope/results", {}, 404, "not_found"),
    ("post", "/api/jobs/nope/cancel", {}, 404, "not_found"),
    ("post", "/api/jobs/nope/retry", {}, 404, "not_found"),
    ("delete", "/api/jobs/nope", {}, 404, "not_found"),
    ("get", "/api/no-such-endpoint", {}, 404, "not_found"),
    ("put", "/api/scrape", {"json": GOOD_SCRAPE}, 405, "method_not_allowed"),
]


@pytest.mark.parametrize(("method", "path", "kwargs", "status", "code"), BAD_REQUESTS)
def test_bad_input_gets_the_error_shape_and_changes_nothing(
    settings: Settings, method: str, path: str, kwargs: dict[str, Any], status: int, code: str
) -> None:
    with api_client(settings) as client:
        client.post("/api/scrape", json=GOOD_SCRAPE)
        before = table_counts(settings)
        response = client.request(method.upper(), path, **kwargs)
        assert response.status_code == status, response.text
        assert_error_shape(response.json(), code)
        assert table_counts(settings) == before


def test_validation_errors_name_the_failing_field(settings: Settings) -> None:
    with api_client(settings) as client:
        body = client.post("/api/scrape", json={**GOOD_SCRAPE, "strategy": "x"}).json()
    assert body["error"]["details"][0]["field"] == "body.strategy"
    assert "strategy" in body["error"]["message"]


def test_a_body_over_the_size_limit_gets_413(settings: Settings) -> None:
    with api_client(settings, MAX_REQUEST_BYTES=2048) as client:
        big = {**GOOD_SCRAPE, "schema": {f"f{i}": "string" for i in range(400)}}
        before = table_counts(settings)
        response = client.post("/api/scrape", json=big)
        assert response.status_code == 413
        assert_error_shape(response.json(), "payload_too_large")

        def chunks() -> Any:
            yield b'{"url": "https://a.example/", "schema": {'
            for i in range(500):
                yield f'"f{i}": "string",'.encode()
            yield b'"z": "string"}}'

        streamed = client.post("/api/scrape", content=chunks(), headers={"content-type": "application/json"})
        assert streamed.status_code == 413
        assert_error_shape(streamed.json(), "payload_too_large")
        assert table_counts(settings) == before


def test_api_key_is_required_on_api_routes_but_not_on_health(settings: Settings) -> None:
    with api_client(settings, API_KEY="s3cret") as client:
        before = table_counts(settings)
        missing = client.post("/api/scrape", json=GOOD_SCRAPE)
        wrong = client.get("/api/jobs", headers={"Authorization": "Bearer nope"})
        assert missing.status_code == wrong.status_code == 401
        assert missing.headers["www-authenticate"] == "Bearer"
        assert_error_shape(missing.json(), "unauthorized")
        assert table_counts(settings) == before
        assert client.get("/health").status_code == 200
        ok = client.post("/api/scrape", json=GOOD_SCRAPE, headers={"Authorization": "Bearer s3cret"})
        assert ok.status_code == 202


def test_the_queue_limit_answers_429(settings: Settings) -> None:
    with api_client(settings, MAX_QUEUED_JOBS=3) as client:
        codes = [client.post("/api/scrape", json=GOOD_SCRAPE).status_code for _ in range(3)]
        assert codes == [202, 202, 202]
        client.app.state.queue_gauge._read_at = float("-inf")  # let the next request recount
        before = table_counts(settings)
        response = client.post("/api/scrape", json=GOOD_SCRAPE)
        assert response.status_code == 429
        assert_error_shape(response.json(), "queue_full")
        assert table_counts(settings) == before


def test_an_idempotency_key_reused_with_another_body_is_refused(settings: Settings) -> None:
    with api_client(settings) as client:
        first = client.post("/api/scrape", json=GOOD_SCRAPE, headers={"Idempotency-Key": "k-1"})
        before = table_counts(settings)
        other = client.post(
            "/api/scrape",
            json={**GOOD_SCRAPE, "url": "https://b.example/"},
            headers={"Idempotency-Key": "k-1"},
        )
        assert other.status_code == 422
        assert_error_shape(other.json(), "validation_error")
        assert other.json()["error"]["details"] == {"job_id": first.json()["job_id"]}
        assert table_counts(settings) == before
