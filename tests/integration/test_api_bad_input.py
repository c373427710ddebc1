"""Input that once made the API answer 500 (or drop the connection) is a 4xx in the one error shape.

Lone surrogates, integers beyond 64 bits and absurd nesting are refused at the edge, for every
JSON body, with the path of the value; offsets are bounded; time zones are real zone names; a
cron expression must fire; a wrong method on an existing path is a 405 with `Allow`.
"""

from __future__ import annotations

import pytest

from backend_fastapi.api.app import API_ROUTERS
from backend_fastapi.api.bodies import MAX_DEPTH, CheckedJsonRoute
from backend_fastapi.api.responses import MAX_RECORD_OFFSET
from backend_fastapi.settings import Settings
from tests.integration.test_api_errors import GOOD_SCRAPE, assert_error_shape
from tests.support.apps import api_client, table_counts

BIG = "123456789012345678901234567890"
SCRAPE = '{"url": "https://a.example/", "schema": {"t": "string"}'
INLINE = '{"pipeline": {"source": {"type": "inline", "records": [{"a": %s}]}}}'
SCHEDULE = '{"name": "daily", "cron": "%s", "timezone": "%s", "job": {"url": "https://a.example/"}}'

# (path, raw JSON body, the field the 422 names)
UNSTORABLE = [
    ("/api/scrape", '{"url": "https://a.example/", "schema": {"\\ud800": "string"}}', "body.schema.\\ud800"),
    (
        "/api/scrape",
        '{"url": "https://a.example/", "schema": {"t": {"selector": "h1", "default": "\\ud800"}}}',
        "body.schema.t.default",
    ),
    ("/api/scrape", '{"url": "https://a.example/\\ud800", "schema": {"t": "string"}}', "body.url"),
    ("/api/scrape", SCRAPE + ', "options": {"headers": {"X-A": "\\udfff"}}}', "body.options.headers.X-A"),
    ("/api/pipeline/run", INLINE % '"x\\ud800y"', "body.pipeline.source.records.0.a"),
    ("/api/pipeline/run", INLINE % BIG, "body.pipeline.source.records.0.a"),
    ("/api/pipeline/run", INLINE % "-9223372036854775809", "body.pipeline.source.records.0.a"),
    (
        "/api/scrape",
        '{"url": "https://a.example/", "schema": {"t": {"selector": "h1", "default": ' + BIG + "}}}",
        "body.schema.t.default",
    ),
    (
        "/api/pipelines",
        '{"name": "p", "source": {"type": "inline", "records": [{"a": 1}, {"b": ' + BIG + "}]}}",
        "body.source.records.1.b",
    ),
    ("/api/pipeline/run", INLINE % "NaN", "body"),
    ("/api/pipeline/run", INLINE % "Infinity", "body"),
]


@pytest.mark.parametrize(("path", "raw", "field"), UNSTORABLE)
def test_values_that_cannot_be_stored_are_refused_with_their_path(
    settings: Settings, path: str, raw: str, field: str
) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        response = client.post(path, content=raw.encode(), headers={"content-type": "application/json"})
        assert response.status_code == 422, response.text
        body = response.json()
        assert_error_shape(body, "validation_error")
        assert body["error"]["details"][0]["field"] == field
        assert table_counts(settings) == before


def test_raw_surrogate_bytes_and_invalid_utf8_are_refused(settings: Settings) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        for raw in (b'{"url": "https://a.example/\xed\xa0\x80", "schema": {}}', b'{"url": "\xff"}'):
            response = client.post("/api/scrape", content=raw, headers={"content-type": "application/json"})
            assert response.status_code == 422, response.text
            assert_error_shape(response.json(), "validation_error")
        assert table_counts(settings) == before


def test_documents_nested_too_deeply_are_refused_however_deep(settings: Settings) -> None:
    with api_client(settings) as client:
        for depth in (MAX_DEPTH + 1, 100_000):  # the second overflows the parser's recursion
            nested = "[" * depth + "]" * depth
            response = client.post(
                "/api/pipeline/run",
                content=(INLINE % nested).encode(),
                headers={"content-type": "application/json"},
            )
            assert response.status_code == 422, response.text
            assert_error_shape(response.json(), "validation_error")
            assert "nested deeper" in response.json()["error"]["message"]


def test_the_largest_64_bit_integers_and_valid_unicode_are_stored_exactly(settings: Settings) -> None:
    records = [{"max": 2**63 - 1, "min": -(2**63), "text": "\u00e9\U0001f600"}]
    with api_client(settings) as client:
        created = client.post(
            "/api/pipelines", json={"name": "p", "source": {"type": "inline", "records": records}}
        )
        assert created.status_code == 201, created.text
        stored = client.get("/api/pipelines/p").json()
        assert stored["definition"]["source"]["records"] == records
        # A surrogate pair written as escapes is one valid character, not a lone surrogate.
        raw = INLINE % '"\\ud83d\\ude00"'
        run = client.post(
            "/api/pipeline/run", content=raw.encode(), headers={"content-type": "application/json"}
        )
        assert run.status_code == 202, run.text


def test_record_offsets_are_bounded(settings: Settings) -> None:
    with api_client(settings) as client:
        job_id = client.post("/api/scrape", json=GOOD_SCRAPE).json()["job_id"]
        huge = client.get(f"/api/jobs/{job_id}/results", params={"offset": 2**63 - 1})
        assert huge.status_code == 422, huge.text
        assert_error_shape(huge.json(), "validation_error")
        assert huge.json()["error"]["details"][0]["field"] == "query.offset"
        last = client.get(f"/api/jobs/{job_id}/results", params={"offset": MAX_RECORD_OFFSET, "limit": 1000})
        assert last.status_code == 200
        assert last.json() == {"total": 0, "offset": MAX_RECORD_OFFSET, "limit": 1000, "items": []}


@pytest.mark.parametrize(
    ("cron", "timezone", "field"),
    [
        ("0 6 * * *", "America", "body.timezone"),
        ("0 6 * * *", "Etc", "body.timezone"),
        ("0 6 * * *", "Mars/Olympus", "body.timezone"),
        ("0 0 31 2 *", "UTC", "body.cron"),
        ("0 0 30 2 *", "Europe/Berlin", "body.cron"),
        ("* * 31 4 *", "UTC", "body.cron"),
    ],
)
def test_time_zones_must_be_zones_and_crons_must_fire(
    settings: Settings, cron: str, timezone: str, field: str
) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        raw = SCHEDULE % (cron, timezone)
        created = client.post(
            "/api/schedules", content=raw.encode(), headers={"content-type": "application/json"}
        )
        assert created.status_code == 422, created.text
        assert_error_shape(created.json(), "validation_error")
        assert created.json()["error"]["details"][0]["field"] == field
        assert table_counts(settings) == before


def test_a_rare_cron_in_a_real_zone_is_accepted(settings: Settings) -> None:
    with api_client(settings) as client:
        raw = SCHEDULE % ("0 0 29 2 *", "Etc/GMT-14")  # every four years, in a zone under a directory
        created = client.post(
            "/api/schedules", content=raw.encode(), headers={"content-type": "application/json"}
        )
        assert created.status_code == 201, created.text
        assert created.json()["next_run_at"]


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/api/scrape", "POST"),
        ("GET", "/api/pipeline/run", "POST"),
        # A concrete path is its own resource (as in OpenAPI), though /api/pipelines/{ref} matches it.
        ("PATCH", "/api/pipelines/preview", "POST"),
        ("GET", "/api/pipelines/preview", "POST"),
        ("DELETE", "/api/scrape/batch", "POST"),
        ("PUT", "/api/scrape", "POST"),
        ("OPTIONS", "/api/jobs/some-id", "GET, DELETE"),
        ("POST", "/api/jobs", "GET"),
        ("GET", "/api/schedules/daily/run", "POST"),
        ("POST", "/health", "GET"),
    ],
)
def test_a_wrong_method_on_an_existing_path_is_405_with_allow(
    settings: Settings, method: str, path: str, allow: str
) -> None:
    with api_client(settings) as client:
        response = client.request(method, path)
        assert response.status_code == 405, response.text
        assert_error_shape(response.json(), "method_not_allowed")
        assert response.headers["allow"] == allow
        assert method in response.json()["error"]["message"]


def test_unknown_paths_stay_404_under_api_and_the_web_app_elsewhere(settings: Settings) -> None:
    with api_client(settings) as client:
        for method in ("GET", "POST", "DELETE"):
            missing = client.request(method, "/api/no-such-endpoint")
            assert missing.status_code == 404, (method, missing.text)
            assert_error_shape(missing.json(), "not_found")
        page = client.get("/jobs/some-client-side-route")
        assert page.status_code == 200
        assert page.headers["content-type"].startswith("text/html")


def test_every_api_router_reads_bodies_through_the_edge_check() -> None:
    assert all(router.route_class is CheckedJsonRoute for router in API_ROUTERS)
