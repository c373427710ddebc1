"""`POST /api/scrape` compiles every schema, selector and pattern at request time: bad ones are a 422."""

from __future__ import annotations

from typing import Any

import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client, table_counts

URL = "https://shop.example/p/1"
BAD: list[tuple[dict[str, Any], str, str]] = [
    ({"schema": {"price": "nubmer"}}, "body.schema", "schema.price: unknown type 'nubmer'"),
    ({"schema": {"t": {"selector": "div["}}}, "body.schema", "schema.t.selector: invalid CSS"),
    ({"schema": {"t": {"xpath": "//div[@a="}}}, "body.schema", "schema.t.xpath: invalid XPath"),
    ({"schema": {"i": {"selector": "li", "fields": {"p": {"type": "money"}}}}}, "body.schema",
     "schema.i.fields.p.type: unknown type 'money'"),
    ({"schema": {"baseSelector": "div", "fields": [{"name": "x", "type": "computed", "expression": "1"}]}},
     "body.schema", "refused"),
    ({"crawl": {"follow": "a[href"}}, "body.crawl.follow", "invalid CSS"),
    ({"crawl": {"next_page": "xpath://a[@rel='next'"}}, "body.crawl.next_page", "invalid XPath"),
    ({"crawl": {"include": ["(unclosed"]}}, "body.crawl.include", "invalid regex"),
    ({"crawl": {"max_pages": 0}}, "body.crawl.max_pages", ""),
    ({"options": {"headers": {"Host": "evil"}}}, "body.options.headers", "header 'Host' cannot be set"),
    ({"options": {"headers": {"X A": "1"}}}, "body.options.headers", "header 'X A' cannot be set"),
    ({"options": {"headers": {"X-A": "a\r\nX-B: b"}}}, "body.options.headers",
     "header 'X-A' has an invalid value"),
    ({"options": {"headers": {"X-Long": "v" * 8193}}}, "body.options.headers",
     "header 'X-Long' has an invalid value"),
    ({"options": {"wait_for": "#app >"}}, "body.options.wait_for", "invalid CSS"),
    ({"options": {"screenshot": True}}, "body", "needs a browser"),
    ({"options": {"max_bytes": 10}}, "body.options.max_bytes", ""),
    ({"options": {"timeot_s": 5}}, "body.options.timeot_s", ""),
    ({"formats": ["docx"]}, "body.formats.0", ""),
    ({"formats": ["data", "pdf"]}, "body", "format pdf needs a browser"),
    ({"strategy": "dynamic", "formats": ["screenshot"], "crawl": {}}, "body", "not for crawls"),
]  # fmt: skip


@pytest.mark.parametrize(("extra", "field", "message"), BAD)
def test_bad_scrape_requests_are_refused_naming_the_field(
    settings: Settings, extra: dict[str, Any], field: str, message: str
) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        response = client.post("/api/scrape", json={"url": URL, **extra})
        assert response.status_code == 422, response.text
        error = response.json()["error"]
        assert error["code"] == "validation_error"
        assert error["details"][0]["field"] == field
        assert message in error["message"]
        assert table_counts(settings) == before


def test_the_job_payload_carries_the_schema_as_sent_and_normalized(settings: Settings) -> None:
    schema = {
        "title": "string",
        "first": "a.product::attr(href)",
        "price": {"xpath": "//b", "type": "number"},
    }
    with api_client(settings) as client:
        job_id = client.post("/api/scrape", json={"url": URL, "schema": schema}).json()["job_id"]
        request = client.get(f"/api/jobs/{job_id}").json()["request"]
    assert request["schema"] == schema
    assert request["normalized_schema"] == {
        "title": {"type": "string"},
        "first": {"type": "string", "selector": "a.product", "attr": "href"},
        "price": {"xpath": "//b", "type": "number"},
    }
    assert request["options"]["user_agent"].startswith("DataOps/")
    assert request["options"]["respect_robots"] is True
    assert request["options"]["block_resources"] == ["image", "font", "media"]


def test_a_crawl_request_becomes_a_crawl_job(settings: Settings) -> None:
    with api_client(settings) as client:
        job_id = client.post("/api/scrape", json={"url": URL, "crawl": {"follow": "a.p"}}).json()["job_id"]
        job = client.get(f"/api/jobs/{job_id}").json()
    assert job["type"] == "scrape.crawl"
    assert job["request"]["crawl"]["max_pages"] == 100
