"""`auto` decides once per page whether the browser is needed: straight to it for actions and
captures, after a look at the static HTML otherwise; `static` with a capture is refused."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pytest
from pydantic import ValidationError

from backend_fastapi.outbound import Response
from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import Document, PageProcessor
from backend_fastapi.scraping.render import Rendered
from backend_fastapi.scraping.strategy import load_page

URL = "https://shop.example/p/1"
# A server-rendered page: `auto` alone would keep it static.
HTML = (
    "<html><head><title>Blue mug</title></head>"
    "<body><h1>Blue mug</h1><p class=price>EUR 9.50</p></body></html>"
)
SCHEMA = {"title": "string", "price": "number"}


class FakeSession:
    """The parts of a scrape session `load_page` uses: a fetch that answers HTML, a render it counts."""

    def __init__(self, request: ScrapeRequest) -> None:
        self.request = request.to_payload()
        self.renders = 0

    async def fetch(self, url: str, headers: Mapping[str, str] | None = None) -> tuple[Response, Document]:
        response = Response(url, 200, {"Content-Type": "text/html"}, HTML.encode())
        return response, Document(url, 200, "text/html", html=HTML)

    async def render(self, url: str, response: Response, max_clicks: int) -> Rendered:
        self.renders += 1
        return Rendered(url, HTML)


def scrape(**fields: Any) -> ScrapeRequest:
    return ScrapeRequest.model_validate({"url": URL, "schema": SCHEMA, **fields})


def load(request: ScrapeRequest) -> tuple[FakeSession, str | None, str]:
    """Load the page as `request` says; the session, why `auto` switched, and the strategy used."""
    session = FakeSession(request)
    processor = PageProcessor.for_request(Schema.compile(request.normalized_schema), request)
    page = asyncio.run(load_page(session, processor, URL))  # type: ignore[arg-type]
    return session, page.switched, page.strategy_used


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"formats": ["data", "screenshot"]}, "the request asks for a screenshot"),
        ({"formats": ["pdf"]}, "the request asks for a pdf"),
        ({"formats": ["markdown", "pdf", "screenshot"]}, "the request asks for a screenshot"),
        ({"options": {"screenshot": True}}, "the request asks for a screenshot"),
        ({"actions": [{"type": "click", "selector": "button"}]}, "the request has actions"),
    ],
)
def test_auto_goes_straight_to_the_browser_for_captures_and_actions(
    fields: dict[str, Any], reason: str
) -> None:
    request = scrape(strategy="auto", **fields)
    assert request.browser_reason == reason
    session, switched, used = load(request)
    assert (session.renders, switched, used) == (1, reason, "dynamic")


@pytest.mark.parametrize("formats", [["data"], ["data", "markdown", "text", "links", "metadata", "html"]])
def test_auto_stays_static_on_a_server_rendered_page_without_captures(formats: list[str]) -> None:
    request = scrape(strategy="auto", formats=formats)
    assert request.browser_reason is None
    session, switched, used = load(request)
    assert (session.renders, switched, used) == (0, None, "static")


def test_dynamic_with_a_capture_renders_without_a_switch_reason() -> None:
    session, switched, used = load(scrape(strategy="dynamic", formats=["pdf"]))
    assert (session.renders, switched, used) == (1, None, "dynamic")


@pytest.mark.parametrize("fields", [{"formats": ["screenshot"]}, {"formats": ["data", "pdf"]}])
def test_static_with_a_capture_format_is_refused_naming_the_format(fields: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as caught:
        scrape(strategy="static", **fields)
    [error] = caught.value.errors()
    assert error["type"] == "strategy"
    assert f"format {fields['formats'][-1]} needs a browser" in error["msg"]
