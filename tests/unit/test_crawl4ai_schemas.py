"""Crawl4AI's own CSS/XPath schema cases run through DataOps give Crawl4AI's output.

The cases (tests/corpus/crawl4ai/cases.json) hold each schema, its page and what Crawl4AI's
JsonCssExtractionStrategy or JsonXPathExtractionStrategy returned on it. Each runs as a scrape does:
request validation, then the worker's compiled schema on the page; its items are the records.

Values are compared as Crawl4AI users read them, not byte for byte: strings without whitespace
(Crawl4AI's CSS strategy joins text nodes with nothing between them, its XPath strategy keeps the
page's line breaks, DataOps joins with one space); HTML as the elements it serialises; a key that is
absent, null, empty or an empty object means "not found" on both sides (Crawl4AI leaves such keys
out, DataOps gives null), and an item where nothing was found is not a record.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import lxml.html
import pytest
from lxml import etree
from pydantic import ValidationError

from backend_fastapi.schemas.scrape import ScrapeRequest
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import Document, PageProcessor

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "crawl4ai"
CASES: list[dict[str, Any]] = json.loads((CORPUS / "cases.json").read_text(encoding="utf-8"))
URL = "https://example.com/page"
_SPACE = re.compile(r"\s+")


def _page(case: dict[str, Any]) -> str:
    return (CORPUS / "pages" / f"{case['page']}.html").read_text(encoding="utf-8")


def _html(value: str) -> str:
    """An HTML value as the elements it holds, attributes sorted."""
    # Serialisers order attributes differently; Crawl4AI's XPath strategy keeps an element's tail.
    parts = lxml.html.fragments_fromstring(value)
    for part in parts:
        for element in part.iter() if not isinstance(part, str) else ():
            attributes = sorted(element.attrib.items())
            element.attrib.clear()
            element.attrib.update(attributes)
    return "".join(
        etree.tostring(p, encoding="unicode", method="html", with_tail=False) if not isinstance(p, str) else p
        for p in parts
    )


def canonical(value: Any) -> Any:
    """A value as compared: see the module docstring."""
    if isinstance(value, dict):
        items = {k: canonical(v) for k, v in value.items()}
        return {k: v for k, v in items.items() if v not in (None, "", {})}
    if isinstance(value, list):
        return [canonical(v) for v in value]
    if isinstance(value, str):
        text = _html(value) if value.lstrip().startswith("<") else value
        return _SPACE.sub("", text)
    return value


def records(value: list[Any]) -> list[Any]:
    return [item for item in canonical(value) if item != {}]


def run_in_dataops(schema: dict[str, Any], html: str) -> list[Any]:
    """The records a scrape of `html` with this schema gives (validated as the API validates)."""
    request = ScrapeRequest.model_validate({"url": URL, "schema": schema})
    processor = PageProcessor(Schema.compile(request.normalized_schema), ["data"])
    out = processor.process(Document(URL, 200, "text/html", html=html))
    assert out.data is not None
    items: list[Any] = out.data["items"]
    return items


RUN = [c for c in CASES if "refused" not in c]
REFUSED = [c for c in CASES if "refused" in c]


def test_the_corpus_covers_both_strategies_and_the_refusals() -> None:
    strategies = {c["strategy"] for c in RUN}
    assert strategies == {"css", "xpath"}
    assert len(RUN) >= 35
    assert {c["id"] for c in REFUSED} >= {"computed-expression", "computed-malicious"}


@pytest.mark.parametrize("case", RUN, ids=[c["id"] for c in RUN])
def test_crawl4ai_schema_gives_crawl4ais_output(case: dict[str, Any]) -> None:
    got = run_in_dataops(case["schema"], _page(case))
    assert records(got) == records(case["expected"])


@pytest.mark.parametrize("case", REFUSED, ids=[c["id"] for c in REFUSED])
def test_schemas_refused_by_design_say_why(case: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as error:
        ScrapeRequest.model_validate({"url": URL, "schema": case["schema"]})
    assert case["refused"] in str(error.value)


def test_inner_selectors_never_match_the_item_itself() -> None:
    html = '<div class="c" data-k="item"><div data-k="inner">x</div></div>'
    # CSS on lexbor, XPath on lxml, and CSS on lxml (a schema with any XPath runs all on lxml).
    for selector, other in (("div", "div"), ("xpath:.//div", "xpath:.//div"), ("div", "xpath:.//div")):
        schema = {"items": {"selector": "div.c", "many": True, "fields": {
            "k": {"selector": selector, "attr": "data-k"},
            "all": {"selector": other, "attr": "data-k", "many": True},
        }}}  # fmt: skip
        assert run_in_dataops(schema, html) == [{"k": "inner", "all": ["inner"]}], (selector, other)


def test_the_page_root_still_matches_a_top_level_selector() -> None:
    request = ScrapeRequest.model_validate(
        {"url": URL, "schema": {"lang": {"selector": "html", "attr": "lang"}}}
    )
    out = PageProcessor(Schema.compile(request.normalized_schema), ["data"]).process(
        Document(URL, 200, "text/html", html='<html lang="de"><body><p>x</p></body></html>')
    )
    assert out.data == {"lang": "de"}
