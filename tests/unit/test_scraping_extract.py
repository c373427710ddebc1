"""Extraction from page HTML: fields by meaning, selectors (CSS and XPath), nesting, formats."""

from __future__ import annotations

from typing import Any

from backend_fastapi.extraction.spec import normalize_schema
from backend_fastapi.scraping.dom import parse_html
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import Document, PageOutput, PageProcessor
from backend_fastapi.scraping.spa import script_rendered_reason
from backend_fastapi.scraping.structured import MAX_MICRODATA_DEPTH, extract_microdata
from tests.support.servers import Recorded
from tests.support.sites import ShopSite

BASE = "https://shop.example"


def shop_page(path: str) -> str:
    status, _, body = ShopSite().respond(Recorded("GET", path, {}, b""))
    assert status == 200
    return body.decode("utf-8", errors="replace")


def scrape(html: str, schema: Any, formats: list[str] | None = None, url: str = f"{BASE}/x") -> PageOutput:
    processor = PageProcessor(Schema.compile(normalize_schema(schema)), formats or ["data"])
    return processor.process(Document(url, 200, "text/html", html=html))


MEANING = {"title": "string", "price": "number", "in_stock": "boolean", "image": "url"}


def test_json_ld_is_read_first_including_offers_price() -> None:
    out = scrape(
        shop_page("/p/3"), {**MEANING, "published": "date", "tags": "list[string]"}, url=f"{BASE}/p/3"
    )
    assert out.data == {
        "title": "Blue Mug 3",
        "price": 1237.5,
        "in_stock": True,
        "image": f"{BASE}/img/3.jpg",
        "published": "2024-03-04",
        "tags": ["kitchen", "mug", "tag3"],
    }
    assert out.extraction.missing == []


def test_microdata_is_read_with_nested_offers() -> None:
    out = scrape(shop_page("/micro/4"), MEANING, url=f"{BASE}/micro/4")
    assert out.data == {
        "title": "Blue Mug 4",
        "price": 1238.5,
        "in_stock": False,
        "image": f"{BASE}/img/4.jpg",
    }


def test_opengraph_is_read_and_the_title_never_carries_the_site_name() -> None:
    out = scrape(shop_page("/og/5"), {"title": "string", "price": "number", "published": "datetime",
                                      "tags": "list[string]"})  # fmt: skip
    assert out.data == {
        "title": "Blue Mug 5",
        "price": 1239.5,
        "published": "2024-03-06T10:00:00+00:00",
        "tags": ["kitchen", "mug", "tag5"],
    }


def test_plain_pages_use_h1_and_class_names() -> None:
    out = scrape(shop_page("/plain/2"), {**MEANING, "published": "date", "tags": "list[string]"})
    assert out.data == {
        "title": "Blue Mug 2",
        "price": 1236.5,
        "in_stock": False,
        "image": f"{BASE}/img/2.jpg",
        "published": "2024-03-03",
        "tags": ["kitchen", "mug", "tag2"],
    }


def test_the_title_tag_is_used_without_its_site_suffix_when_nothing_better_exists() -> None:
    html = "<html><head><title>Red Kettle | Demo Shop</title></head><body><p>x</p></body></html>"
    assert scrape(html, {"title": "string"}).data == {"title": "Red Kettle"}


def test_selector_fields_with_nesting_attr_regex_and_default() -> None:
    schema = {
        "heading": "h1",
        "items": {
            "selector": "li.item",
            "many": True,
            "fields": {
                "name": {"selector": "a"},
                "url": {"selector": "a", "attr": "href", "type": "url"},
                "price": {"selector": ".p", "type": "number"},
                "cents": {"selector": ".p", "regex": r",(\d+)", "type": "integer"},
                "badge": {"selector": ".badge", "default": "none"},
            },
        },
    }
    out = scrape(shop_page("/catalog/1"), schema)
    assert out.data["heading"] == "Catalog page 1"
    assert len(out.data["items"]) == 20
    assert out.data["items"][0] == {"name": "Blue Mug 1", "url": f"{BASE}/p/1", "price": 1235.5, "cents": 50,
                                    "badge": "none"}  # fmt: skip
    records = out.records(Schema.compile(normalize_schema(schema)))
    assert len(records) == 20
    assert records[1] == {"url": f"{BASE}/p/2", "data": out.data["items"][1]}


def test_xpath_and_css_that_lexbor_lacks_run_on_lxml() -> None:
    schema = {
        "names": {"xpath": "//li/a/text()", "many": True},
        "first_href": "xpath:(//a[@class='product-link'])[1]/@href",
        "count": {"xpath": "count(//li)", "type": "integer"},
        "third": {"selector": "li:contains('Mug 3') a"},
    }
    out = scrape(shop_page("/catalog/1"), schema)
    assert out.data["names"][:2] == ["Blue Mug 1", "Blue Mug 2"]
    assert out.data["first_href"] == "/p/1"
    assert out.data["count"] == 20
    assert out.data["third"] == "Blue Mug 3"


def test_missing_required_and_unreadable_fields_are_explained() -> None:
    html = "<html><body><h1>T</h1><span class=price>call us</span><ul><li><b>x</b></li><li></li></ul>"
    out = scrape(html, {
        "title": "string", "price": "number", "sku": {"selector": ".sku", "required": True},
        "rows": {"selector": "li", "many": True, "fields": {"b": {"selector": "b", "required": True}}},
    })  # fmt: skip
    assert out.data["title"] == "T"
    assert out.data["price"] is None
    assert out.extraction.missing == ["price", "sku"]
    assert out.extraction.required_missing == ["sku"]
    assert "no number" in out.extraction.errors["price"]
    assert out.data["rows"] == [{"b": "x"}]
    assert out.extraction.dropped == 1


def test_formats_markdown_text_links_and_metadata() -> None:
    out = scrape(
        shop_page("/plain/1"), {}, ["markdown", "text", "links", "metadata", "html"], url=f"{BASE}/plain/1"
    )
    markdown = out.formats["markdown"]
    assert markdown.startswith("# Blue Mug 1")
    assert "| Size | Colour |" in markdown
    assert "[kitchen](https://shop.example/tag/kitchen)" in markdown
    assert "Home" not in markdown
    assert "all rights reserved" not in markdown
    assert out.formats["text"].startswith("Blue Mug 1\n\nEUR 1.235,50")
    assert {"url": f"{BASE}/catalog/1", "text": "Catalog"} in out.formats["links"]
    assert out.formats["metadata"]["title"] == "Blue Mug 1 - Demo Shop"
    assert out.formats["html"].startswith("<!doctype html>")
    jsonld = scrape(shop_page("/p/1"), {}, ["metadata"]).formats["metadata"]
    assert [item["@type"] for item in jsonld["json_ld"]] == ["WebSite", "Product"]
    assert jsonld["opengraph"]["og:site_name"] == "Demo Shop"


def test_addresses_no_parser_reads_in_a_page_break_nothing() -> None:
    """`http://[bad` in a canonical link, an og:url, a link, an image and a microdata URL: the page is
    still read; each such address is left out or reported as a field error."""
    bad = "http://[bad"
    html = (
        f'<html><head><link rel=canonical href="{bad}"><meta property="og:url" content="{bad}"></head><body>'
        "<h1>Blue Mug</h1><article><p>A large stoneware mug that keeps tea hot for a long time, dishwasher "
        f'safe. <a href="{bad}">broken</a> <a href="/tag/kitchen">kitchen</a> <img src="{bad}" alt=x></p>'
        f'</article><div itemscope itemtype="https://schema.org/Product"><span itemprop=name>Blue Mug</span>'
        f'<a itemprop=url href="{bad}">here</a></div></body></html>'
    )
    out = scrape(
        html, {"title": "string", "url": "url", "sku": "string"}, ["data", "markdown", "links", "metadata"]
    )
    assert out.data["title"] == "Blue Mug"
    assert out.data["url"] is None
    assert "is not a URL" in out.extraction.errors["url"]
    assert "[kitchen](https://shop.example/tag/kitchen)" in out.formats["markdown"]
    assert "broken" in out.formats["markdown"]
    assert bad not in out.formats["markdown"]
    assert [link["url"] for link in out.formats["links"]] == [f"{BASE}/tag/kitchen"]
    assert out.formats["metadata"]["canonical"] is None
    # An item whose own `url` is such an address is the page's record.
    items = {
        "items": {
            "selector": "li",
            "many": True,
            "fields": {"name": "a", "url": {"selector": "a", "attr": "href"}},
        }
    }
    listing = scrape(f'<ul><li><a href="{bad}">Mug</a></li></ul>', items, url=f"{BASE}/list")
    assert listing.records(Schema.compile(normalize_schema(items))) == [
        {"url": f"{BASE}/list", "data": {"name": "Mug", "url": bad}}
    ]


def test_a_page_nested_thousands_deep_is_read_in_every_format() -> None:
    """Unclosed `<font>`s, lists in lists, tables in tables: no recursion limit is reached, the deepest
    text is kept, and a table nested in a cell is written once (not again as rows of each table)."""
    depth = 1500
    for open_tag, close_tag in (("<div>", "</div>"), ("<ul><li>", "</li></ul>"), ("<font>", "")):
        nested = f"{open_tag}level " * depth + "deepest words" + close_tag * depth
        html = f"<html><body><h1>Deep</h1><div class=description>{nested}</div></body></html>"
        out = scrape(html, {"title": "string", "description": "string"}, ["data", "markdown", "text"])
        assert out.data["title"] == "Deep"
        assert "deepest words" in out.formats["text"]
        assert "deepest words" in out.formats["markdown"]
    inner = "<table><tr><td>inner cell</td></tr></table>"
    tables = f"<h1>T</h1><table><tr><td>outer cell {inner}</td><td>second</td></tr></table>"
    markdown = scrape(f"<html><body>{tables}</body></html>", {}, ["markdown"]).formats["markdown"]
    assert markdown.count("inner cell") == 1
    assert "| outer cell" in markdown


def test_microdata_nested_deeper_than_any_page_is_not_read() -> None:
    items = '<div itemscope itemtype="https://schema.org/Thing"><span itemprop=name>N</span>' * 200
    found = extract_microdata(parse_html(f"<html><body>{items}</body></html>"), BASE)
    assert len(found) == MAX_MICRODATA_DEPTH
    assert found[0] == {"@type": "Thing", "name": "N"}
    props = '<div itemscope itemtype="https://schema.org/Product"><b itemprop=name>Mug</b>' + (
        "<div itemprop=description>d " * 200
    )
    (product,) = extract_microdata(parse_html(f"<html><body>{props}</body></html>"), BASE)
    assert product["name"] == "Mug"
    assert len(product["description"]) == MAX_MICRODATA_DEPTH - 1


def test_script_rendered_pages_are_recognised() -> None:
    js = shop_page("/js/1")
    assert script_rendered_reason(parse_html(js)) is not None
    plain = shop_page("/plain/1")
    assert script_rendered_reason(parse_html(plain)) is None
