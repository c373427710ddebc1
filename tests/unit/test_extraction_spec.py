"""The four schema forms normalize to form 2 at request time; bad schemas are refused with the field named."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from backend_fastapi.extraction.spec import (
    MAX_DEPTH,
    MAX_FIELDS,
    SchemaError,
    normalize_schema,
    parse_selector,
)
from tests.support.processes import REPO_ROOT

FORM1 = {"title": "string", "price": "number", "published": "date", "in_stock": "boolean", "image": "url",
         "tags": "list[string]"}  # fmt: skip
FORM2 = {
    "title": {"selector": "h1"},
    "image": {"selector": "img.main", "attr": "src", "type": "url"},
    "items": {
        "selector": "li.item",
        "many": True,
        "fields": {
            "name": {"selector": "a"},
            "url": {"selector": "a", "attr": "href", "type": "url"},
            "price": {"selector": ".p", "type": "number", "regex": r"([\d.,]+)", "default": 0},
        },
    },
}


def test_simple_form_becomes_typed_fields_found_by_meaning() -> None:
    assert normalize_schema(FORM1) == {
        "title": {"type": "string"},
        "price": {"type": "number"},
        "published": {"type": "date"},
        "in_stock": {"type": "boolean"},
        "image": {"type": "url"},
        "tags": {"type": "string", "many": True},
    }


def test_selector_form_keeps_selectors_nesting_and_options() -> None:
    spec = normalize_schema(FORM2)
    assert spec["title"] == {"selector": "h1", "type": "string"}
    assert spec["image"] == {"selector": "img.main", "type": "url", "attr": "src"}
    items = spec["items"]
    assert (items["type"], items["many"], items["selector"]) == ("object", True, "li.item")
    assert items["fields"]["price"] == {
        "selector": ".p", "type": "number", "regex": r"([\d.,]+)", "default": 0
    }  # fmt: skip


def test_json_schema_form_maps_types_formats_required_and_x_selector() -> None:
    spec = normalize_schema(
        {
            "type": "object",
            "properties": {
                "title": {"type": "string"},
                "when": {"type": "string", "format": "date-time"},
                "link": {"type": "string", "format": "uri", "x-selector": "a.main", "x-attr": "href"},
                "price": {"type": ["number", "null"], "x-selector": "xpath://span[@class='p']"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "items": {
                    "type": "array",
                    "x-selector": "li.item",
                    "items": {"type": "object", "properties": {"n": {"type": "integer", "x-selector": "b"}}},
                },
            },
            "required": ["title"],
        }
    )
    assert spec["title"] == {"type": "string", "required": True}
    assert spec["when"] == {"type": "datetime"}
    assert spec["link"] == {"selector": "a.main", "type": "url", "attr": "href"}
    assert spec["price"] == {"xpath": "//span[@class='p']", "type": "number"}
    assert spec["tags"] == {"type": "string", "many": True}
    assert spec["items"]["fields"] == {"n": {"selector": "b", "type": "integer"}}


def test_crawl4ai_form_becomes_one_items_field() -> None:
    spec = normalize_schema(
        {
            "name": "products",
            "baseSelector": "div.product",
            "fields": [
                {"name": "title", "selector": "h2", "type": "text"},
                {"name": "link", "selector": "a", "type": "attribute", "attribute": "href"},
                {"name": "sku", "selector": ".sku", "type": "regex", "pattern": r"SKU-(\d+)"},
                {"name": "body", "selector": ".body", "type": "html"},
                {
                    "name": "specs",
                    "selector": "li",
                    "type": "list",
                    "fields": [{"name": "v", "type": "text"}],
                },
            ],
        }
    )
    fields = spec["items"]["fields"]
    assert spec["items"]["selector"] == "div.product"
    assert spec["items"]["many"] is True
    assert fields["link"] == {"selector": "a", "type": "string", "attr": "href"}
    assert fields["sku"] == {"selector": ".sku", "type": "string", "regex": r"SKU-(\d+)"}
    assert fields["body"] == {"selector": ".body", "type": "string", "html": True}
    assert fields["specs"]["many"] is True
    assert fields["specs"]["fields"] == {"v": {"type": "string"}}


def test_crawl4ai_xpath_schema_is_read_as_xpath() -> None:
    spec = normalize_schema(
        {"baseSelector": "//div[@class='p']", "fields": [{"name": "t", "selector": ".//h2"}]}
    )
    assert spec["items"]["xpath"] == "//div[@class='p']"
    assert spec["items"]["fields"]["t"] == {"xpath": ".//h2", "type": "string"}


def test_crawl4ai_pipelines_groups_transforms_and_sources_become_form_2_options() -> None:
    spec = normalize_schema(
        {
            "baseSelector": "tr.athing",
            "fields": [
                {"name": "id", "type": ["attribute", "regex"], "attribute": "href", "pattern": r"(\w+)/(\d+)",
                 "group": 2},
                {"name": "raw", "selector": "a", "type": ["html", "regex"], "pattern": r'href="([^"]+)"'},
                {"name": "t", "selector": "a", "type": ["text"], "transform": "uppercase"},
                {"name": "score", "selector": ".score", "source": "+ tr.subtext"},
                {"name": "more", "selector": "div", "type": "nested_list", "baseFields": [{"name": "x"}],
                 "fields": [{"name": "v", "selector": ""}]},
            ],
        }
    )  # fmt: skip
    fields = spec["items"]["fields"]
    assert fields["id"] == {"type": "string", "attr": "href", "regex": r"(\w+)/(\d+)", "group": 2}
    assert fields["raw"] == {"selector": "a", "type": "string", "html": True, "regex": r'href="([^"]+)"'}
    assert fields["t"] == {"selector": "a", "type": "string", "transform": "uppercase"}
    assert fields["score"] == {"selector": ".score", "type": "string", "source": "+ tr.subtext"}
    # Crawl4AI reads the schema's own baseFields only; an empty selector reads the element itself.
    assert fields["more"]["fields"] == {"v": {"type": "string"}}


def test_crawl4ai_xpath_field_selectors_run_inside_the_element_as_crawl4ai_runs_them() -> None:
    fields = [
        {"name": name, "selector": selector}
        for name, selector in [("a", "//h2"), ("b", "span"), ("c", "ul > li"), ("d", "div p"), ("e", ".//i")]
    ]
    spec = normalize_schema({"baseSelector": "//div", "fields": fields})
    xpaths = {name: f["xpath"] for name, f in spec["items"]["fields"].items()}
    assert xpaths == {"a": ".//h2", "b": ".//span", "c": ".//ul/li", "d": ".//div//p", "e": ".//i"}


@pytest.mark.parametrize(
    ("field", "reason"),
    [
        ({"name": "x", "type": ["regex", "attribute"], "pattern": "a"}, "a list of types"),
        ({"name": "x", "type": ["attribute", "regex"], "attribute": "id", "pattern": "(a)", "group": 2},
         "has 1 group(s)"),
        ({"name": "x", "type": "text", "transform": "title"}, "must be one of lowercase"),
        ({"name": "x", "selector": "b", "source": "tr"}, "'source' must be '+ '"),
        ({"name": "x", "selector": "b", "source": "+ tr > td"}, "'source' must be '+ '"),
        ({"name": "x", "type": "computed", "expression": "1"}, "refused"),
    ],
)  # fmt: skip
def test_crawl4ai_fields_that_cannot_run_are_refused_with_the_reason(
    field: dict[str, Any], reason: str
) -> None:
    with pytest.raises(SchemaError, match=re.escape(reason)):
        normalize_schema({"baseSelector": "div", "fields": [field]})


def test_form_2_source_group_and_transform_are_checked() -> None:
    spec = normalize_schema({"rows": {"selector": "tr.a", "many": True, "fields": {
        "score": {"selector": ".score", "source": "+ .subtext", "regex": r"(\d+) (points)", "group": 1,
                  "transform": "lowercase"},
    }}})  # fmt: skip
    assert spec["rows"]["fields"]["score"]["source"] == "+ .subtext"
    with pytest.raises(SchemaError, match="use it in nested fields"):
        normalize_schema({"s": {"selector": "b", "source": "+ tr"}})
    with pytest.raises(SchemaError, match="needs a 'regex'"):
        normalize_schema({"s": {"selector": "b", "group": 1}})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("h1", {"selector": "h1"}),
        ("css:h1.title", {"selector": "h1.title"}),
        ("xpath://h1", {"xpath": "//h1"}),
        ("//h1/text()", {"xpath": "//h1/text()"}),
        ("a.next::attr(href)", {"selector": "a.next", "attr": "href"}),
        ("p.lead::text", {"selector": "p.lead"}),
    ],
)
def test_selector_shorthands(text: str, expected: dict[str, str]) -> None:
    assert parse_selector(text) == expected


BAD: list[tuple[Any, str, str]] = [
    ({"t": "nubmer"}, "schema.t", "did you mean 'number'"),
    ({"t": "price"}, "schema.t", "'.price' for a class"),
    ({"t": "list[money]"}, "schema.t", "unknown type"),
    ({"t": {"selector": "p["}}, "schema.t.selector", "invalid CSS selector"),
    ({"t": {"xpath": "//p["}}, "schema.t.xpath", "invalid XPath"),
    ({"t": {"xpath": "//p[foo()]"}}, "schema.t.xpath", "unknown XPath function"),
    ({"t": {"type": "money"}}, "schema.t.type", "unknown type 'money'"),
    ({"t": {"selector": "h1", "regex": "(unclosed"}}, "schema.t.regex", "invalid regex"),
    ({"t": {"selector": "h1", "colour": "red"}}, "schema.t", "unknown key(s) colour"),
    (
        {"i": {"selector": "li", "fields": {"n": {"selector": "b["}}}},
        "schema.i.fields.n.selector",
        "invalid CSS",
    ),
    ({"t": {"attr": "href"}}, "schema.t", "need a 'selector'"),
    (
        {"baseSelector": "div", "fields": [{"name": "x", "type": "computed", "expression": "1+1"}]},
        "schema.fields.x",
        "refused",
    ),
    (
        {"baseSelector": "div", "fields": [{"name": "x", "expression": "__import__('os')"}]},
        "schema.fields.x",
        "refused",
    ),
    ({"type": "object", "properties": {"p": {"type": "money"}}}, "schema.p.type", "unsupported"),
]


@pytest.mark.parametrize(("schema", "path", "reason"), BAD)
def test_bad_schemas_are_refused_naming_the_field(schema: Any, path: str, reason: str) -> None:
    with pytest.raises(SchemaError) as caught:
        normalize_schema(schema)
    assert caught.value.path == path
    assert reason in caught.value.reason


def test_field_count_and_nesting_depth_are_capped() -> None:
    with pytest.raises(SchemaError, match=f"at most {MAX_FIELDS} fields"):
        normalize_schema({f"f{i}": {"selector": "p"} for i in range(MAX_FIELDS + 1)})
    nested: dict[str, Any] = {"selector": "p"}
    for _ in range(MAX_DEPTH + 1):
        nested = {"selector": "div", "fields": {"x": nested}}
    with pytest.raises(SchemaError, match="nested at most"):
        normalize_schema({"deep": nested})


def test_normalizing_imports_no_parser() -> None:
    probe = (
        "import sys, json\nfrom backend_fastapi.schemas.scrape import ScrapeRequest\n"
        "ScrapeRequest.model_validate({'url': 'https://a.example/',\n"
        "                              'schema': {'t': 'xpath://h1', 'u': 'a'}})\n"
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('lxml', 'selectolax', 'bs4', 'parsel', 'aiohttp', 'playwright', 'elementpath'))))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == []
