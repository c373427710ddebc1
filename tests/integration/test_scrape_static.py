"""Static scrapes through the real API and worker against the generated shop."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.sites import ShopSite, shop_server


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=60)) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, shop: LoopbackServer) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("static")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}",
        WORKER_CONCURRENCY=4,
        JOB_RETRY_BACKOFF_SECONDS=0.1,
    ) as running:
        yield running


FORM1 = {"title": "string", "price": "number", "published": "date", "in_stock": "boolean", "image": "url",
         "tags": "list[string]"}  # fmt: skip


@pytest.mark.parametrize("page", ["p", "plain"])
def test_simple_schema_finds_and_types_every_field(stack: Stack, shop: LoopbackServer, page: str) -> None:
    job = stack.run({"url": f"{shop.url}/{page}/7", "schema": FORM1})
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["data"] == {
        "title": "Blue Mug 7",
        "price": 1241.5,
        "published": "2024-03-08",
        "in_stock": True,
        "image": f"{shop.url}/img/7.jpg",
        "tags": ["kitchen", "mug", "tag7"],
    }
    assert (result["url"], result["status_code"], result["strategy_used"]) == (
        f"{shop.url}/{page}/7",
        200,
        "static",
    )
    assert result["missing_fields"] == []
    # Every value says where it came from: structured data on /p/, page patterns on /plain/.
    assert set(result["sources"]) == set(FORM1)
    if page == "p":
        assert result["sources"]["price"].startswith(("jsonld:", "microdata:", "meta:"))
    else:
        assert not result["sources"]["price"].startswith(("jsonld:", "microdata:"))
    assert stack.records(job["job_id"]) == [{"url": f"{shop.url}/{page}/7", "data": result["data"]}]


def test_selector_schema_stores_one_record_per_item_and_downloads_as_csv(
    stack: Stack, shop: LoopbackServer
) -> None:
    schema = {
        "items": {
            "selector": "li.item",
            "many": True,
            "fields": {
                "name": {"selector": "a"},
                "url": {"selector": "a", "attr": "href", "type": "url"},
                "price": {"selector": ".p", "type": "number"},
            },
        }
    }
    job = stack.run({"url": f"{shop.url}/catalog/2", "schema": schema})
    assert job["status"] == "completed", job
    assert len(job["result"]["data"]["items"]) == 20
    assert job["result"]["records"] == 20
    assert job["result"]["sources"] == {"items": "css:li.item"}
    rows = list(csv.DictReader(io.StringIO(stack.download(job["job_id"], "csv").text)))
    assert len(rows) == 20
    assert rows[0] == {"url": f"{shop.url}/p/21", "name": "Blue Mug 21", "price": "1255.5"}


def test_json_schema_and_crawl4ai_schemas_are_accepted(stack: Stack, shop: LoopbackServer) -> None:
    json_schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "price": {"type": "number", "x-selector": ".price"},
            "published": {"type": "string", "format": "date", "x-selector": "time", "x-attr": "datetime"},
        },
        "required": ["title"],
    }
    job = stack.run({"url": f"{shop.url}/plain/3", "schema": json_schema})
    assert job["result"]["data"] == {"title": "Blue Mug 3", "price": 1237.5, "published": "2024-03-04"}
    crawl4ai = {
        "name": "catalog",
        "baseSelector": "li.item",
        "fields": [
            {"name": "name", "selector": "a", "type": "text"},
            {"name": "href", "selector": "a", "type": "attribute", "attribute": "href"},
            {"name": "cents", "selector": ".p", "type": "regex", "pattern": r",(\d+)"},
        ],
    }
    job = stack.run({"url": f"{shop.url}/catalog/1", "schema": crawl4ai})
    records = stack.records(job["job_id"])
    assert len(records) == 20
    assert records[0]["data"] == {"name": "Blue Mug 1", "href": "/p/1", "cents": "50"}


def test_xpath_fields_run_in_the_worker(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({"url": f"{shop.url}/catalog/1", "schema": {
        "names": {"xpath": "//li/a/text()", "many": True}, "heading": "//h1", "count": "xpath:count(//li)",
    }})  # fmt: skip
    data = job["result"]["data"]
    assert data["names"][:3] == ["Blue Mug 1", "Blue Mug 2", "Blue Mug 3"]
    assert (data["heading"], data["count"]) == ("Catalog page 1", "20")


def test_latin1_pages_decode_whether_declared_in_header_meta_or_not_at_all(
    stack: Stack, shop: LoopbackServer
) -> None:
    for kind in ("latin1", "latin1-meta", "latin1-bare"):
        job = stack.run({"url": f"{shop.url}/{kind}/4", "schema": {"title": "string"}})
        assert job["result"]["data"] == {"title": "Café Crème 4"}, kind


def test_json_responses_are_passed_through(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({"url": f"{shop.url}/api/p/5", "schema": {"name": "string", "price": "number"}})
    assert job["result"]["content_type"] == "application/json"
    assert job["result"]["data"] == {"name": "Blue Mug 5", "price": 1239.5}
    assert job["result"]["json"]["price_text"] == "EUR 1.239,50"


def test_formats_come_back_beside_the_data(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run(
        {"url": f"{shop.url}/plain/1", "formats": ["markdown", "text", "links", "metadata", "html"]}
    )
    result = job["result"]
    assert result["markdown"].startswith("# Blue Mug 1")
    assert result["text"].startswith("Blue Mug 1")
    assert {"url": f"{shop.url}/catalog/1", "text": "Catalog"} in result["links"]
    assert result["metadata"]["title"] == "Blue Mug 1 - Demo Shop"
    assert "<h1>Blue Mug 1</h1>" in result["html"]


def test_a_script_rendered_page_explains_the_empty_fields(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({"url": f"{shop.url}/js/2", "schema": {"price": "number"}})
    assert job["status"] == "completed"
    assert job["result"]["data"] == {"price": None}
    assert job["result"]["missing_fields"] == ["price"]
    assert "use strategy 'dynamic' or 'auto'" in job["result"]["message"]


FAILURES = [
    ("/status/404", {}, "not_found", 1),
    ("/status/410", {}, "not_found", 1),
    ("/status/403", {}, "http_status", 1),
    ("/status/503", {}, "http_status", 2),
    ("/private/secret", {}, "robots_disallowed", 1),
    ("/image.png", {}, "unsupported_content_type", 1),
    ("/huge?mb=2", {"max_bytes": 1_000_000}, "response_too_large", 1),
    ("/redirect/4", {"max_redirects": 2}, "too_many_redirects", 1),
    ("/slow?s=3", {"timeout_s": 0.5}, "fetch_timeout", 2),
]


@pytest.mark.parametrize(("path", "options", "code", "attempts"), FAILURES)
def test_failures_have_clear_codes_and_only_transient_ones_are_retried(
    stack: Stack, shop: LoopbackServer, path: str, options: dict[str, object], code: str, attempts: int
) -> None:
    job = stack.run({"url": f"{shop.url}{path}", "options": options, "max_attempts": 2})
    assert job["status"] == "failed", job
    assert job["error"]["code"] == code, job["error"]
    assert job["attempts"] == attempts
    assert job["error"]["message"]


def test_robots_can_be_ignored_explicitly(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({"url": f"{shop.url}/private/x", "options": {"respect_robots": False}})
    assert job["status"] == "completed"


def test_429_and_5xx_are_retried_honouring_retry_after(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({"url": f"{shop.url}/flaky/a1?fail=2", "schema": {"title": "string"}, "max_attempts": 3})
    assert job["status"] == "completed", job
    assert job["attempts"] == 3
    assert job["result"]["data"] == {"title": "Blue Mug 1"}


def test_a_missing_required_field_fails_the_page_with_the_reason(stack: Stack, shop: LoopbackServer) -> None:
    schema = {"title": "string", "sku": {"selector": ".sku", "required": True}}
    job = stack.run({"url": f"{shop.url}/plain/1", "schema": schema})
    assert job["status"] == "failed"
    assert job["error"]["code"] == "required_field_missing"
    assert "sku" in job["error"]["message"]


def test_requests_send_the_dataops_user_agent_and_custom_headers(stack: Stack, shop: LoopbackServer) -> None:
    stack.run({"url": f"{shop.url}/p/9?ua", "options": {"headers": {"X-Test": "yes"}}})
    sent = [r for r in shop.requests if r.path == "/p/9?ua"][-1]
    assert sent.headers["User-Agent"].startswith("DataOps/")
    assert sent.headers["X-Test"] == "yes"


def test_main_content_is_the_default_and_the_request_chooses_what_markdown_and_text_keep(
    stack: Stack, shop: LoopbackServer
) -> None:
    url = f"{shop.url}/plain/3"
    main = stack.run({"url": url, "formats": ["text"]})["result"]["text"]
    whole = stack.run({"url": url, "formats": ["text"], "only_main_content": False})["result"]["text"]
    assert "Blue Mug 3" in main
    assert "all rights reserved" not in main
    assert "all rights reserved" in whole
    trimmed = stack.run({"url": url, "formats": ["markdown"], "exclude_selectors": ["h1"]})["result"]
    assert "Blue Mug 3" not in trimmed["markdown"].splitlines()[0]
    only = stack.run(
        {"url": url, "formats": ["text"], "only_main_content": False, "include_selectors": ["footer"]}
    )["result"]["text"]
    assert only.strip() == "Demo Shop - all rights reserved"


def test_a_content_selector_that_is_not_css_is_refused_before_a_job_exists(stack: Stack) -> None:
    error = stack.refused({"url": "http://127.0.0.1:9/", "exclude_selectors": ["p", "div[unclosed"]})
    assert "exclude_selectors" in str(error)
    assert "selector 1" in str(error)
