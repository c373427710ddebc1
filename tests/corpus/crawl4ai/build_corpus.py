"""Builds cases.json: Crawl4AI's CSS/XPath schema cases with Crawl4AI's own output as the expectation.

Run with a Python that has crawl4ai installed (a throwaway virtualenv, never the project's), from a
checkout of the Crawl4AI repository (pages are read from its tests and docs):

    python tests/corpus/crawl4ai/build_corpus.py /path/to/crawl4ai-checkout

Each case runs Crawl4AI's JsonCssExtractionStrategy or JsonXPathExtractionStrategy on the page with
`extract(url, html)`, as its tests do; cases DataOps refuses by design carry the reason instead.
"""

from __future__ import annotations

import ast
import json
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
SIBLING_TEST = "tests/test_source_sibling_selector.py"
REGRESSION_TEST = "tests/regression/test_reg_extraction.py"
PIPELINE_TEST = "tests/test_pr_1290_1668.py"
NO_LLM_DOC = "docs/md_v2/extraction/no-llm-strategies.md"
STRATEGIES_DOC = "docs/md_v2/api/strategies.md"

# Pages copied from the checkout: name -> (file, variable holding the HTML, or None for a whole file).
PAGES_FROM_SOURCE = {
    "hn": ("tests/test_source_sibling_selector.py", "HN_HTML"),
    "nested_sibling": ("tests/test_source_sibling_selector.py", "NESTED_SIBLING_HTML"),
    "products": ("tests/regression/conftest.py", "PRODUCTS_HTML"),
    "tables": ("tests/regression/conftest.py", "TABLES_HTML"),
    "article_list": ("docs/releases_review/v0_4_24_walkthrough.py", "SAMPLE_HTML"),
    "sibling_demo": ("docs/releases_review/demo_v0.8.5.py", "html"),
    "crypto_xpath": ("docs/md_v2/extraction/no-llm-strategies.md", "dummy_html"),
    "quickstart_item": ("docs/md_v2/core/quickstart.md", "raw_html"),
    "schema_sample": ("tests/general/test_generate_schema_usage.py", "SAMPLE_HTML"),
}
# Pages written here: the one-element page of the type-pipeline tests (built in their fixtures), and
# pages for schemas the docs give without a page.
PAGES_INLINE = {
    "pipeline_link": '<div><a class="link" href="/product/12345?ref=home">Product Name</a></div>',
    "pipeline_info": '<div><span data-info="key:value123">text</span></div>',
    "product_cards": """<html><body>
<div class="product-card"><h2 class="title">Desk Lamp</h2><span class="price">  $19.99  </span>
  <img src="/img/lamp.jpg" alt="lamp"></div>
<div class="product-card"><h2 class="title">Office Chair</h2><span class="price">
  $149.00
</span><img src="/img/chair.jpg" alt="chair"></div>
</body></html>""",
    "commits": """<html><body><ul>
<li data-testid="commit-row-item"><h4><a href="/c/1">  Fix the parser  </a></h4></li>
<li data-testid="commit-row-item"><h4><a href="/c/2">Add tests </a></h4></li>
</ul></body></html>""",
    "blog_cards": """<html><body>
<a class="blog-post-card" href="/posts/first"><h2 class="post-title">First</h2>
  <time class="post-date">2024-01-02</time><p class="post-summary">Short summary.</p>
  <span class="post-author">Ann</span></a>
<a class="blog-post-card" href="/posts/second"><time class="post-date">2024-02-03</time></a>
</body></html>""",
    "cards_self": """<html><body>
<div class="card" data-k="outer"><span class="t">Alpha</span><div class="inner" data-k="inner-1">
  <span class="t">one</span></div><div class="inner" data-k="inner-2"><span class="t">two</span></div></div>
<div class="card" data-k="outer-b"><span class="t">Beta</span></div>
</body></html>""",
    "listing": """<html><body><div id="list">
<article class="row" data-id="a1"><h3>First <em>one</em></h3>
  <p class="body">Text<br>with <b>bold</b> and <img src="/i/1.png" alt="x"></p>
  <ul class="tags"><li><a href="/t/red">red</a></li><li>plain</li></ul>
  <span class="price">Price: 12.50 EUR</span></article>
<article class="row" data-id="a2"><h3>Second</h3><ul class="tags"></ul>
  <span class="price">on request</span></article>
</div></body></html>""",
    "codes": """<html><body>
<p class="code" data-ref="SKU-100-red">Item Mixed Case</p>
<p class="code" data-ref="SKU-200-blue">Other ITEM</p>
</body></html>""",
}


# docs/examples/sample_ecommerce.html builds its catalogue in a script; this is the DOM it builds.
_PRODUCTS = [
    (
        "Smartphone X",
        "$999",
        "TechCorp",
        "X-2000",
        ["5G capable", '6.5" OLED screen', "128GB storage"],
        [
            ("John D.", "4.5", "Great phone, love the camera!"),
            ("Jane S.", "5", "Best smartphone I've ever owned."),
        ],
        [("Phone Case", "$29.99"), ("Screen Protector", "$9.99")],
    ),
    (
        "Laptop Pro",
        "$1499",
        "TechMaster",
        "LT-3000",
        ["Intel i7 processor", "16GB RAM", "512GB SSD"],
        [
            ("Alice W.", "4", "Powerful machine, but a bit heavy."),
            ("Bob M.", "5", "Perfect for my development work!"),
        ],
        [("Laptop Bag", "$49.99"), ("Wireless Mouse", "$24.99")],
    ),
]


def _product_html(
    name: str,
    price: str,
    brand: str,
    model: str,
    features: list[str],
    reviews: list[tuple[str, str, str]],
    related: list[tuple[str, str]],
) -> str:
    feature_items = "".join(f"<li>{f}</li>" for f in features)
    review_items = "".join(
        f'<div class="review"><span class="reviewer">{r}</span><span class="rating">{g}</span>'
        f'<p class="review-text">{t}</p></div>'
        for r, g, t in reviews
    )
    related_items = "".join(
        f'<li><span class="related-name">{n}</span> <span class="related-price">{p}</span></li>'
        for n, p in related
    )
    return (
        f'<div class="product"><h3 class="product-name">{name}</h3><p class="product-price">{price}</p>'
        f'<div class="product-details"><span class="brand">{brand}</span> '
        f'<span class="model">{model}</span></div>'
        f'<ul class="product-features">{feature_items}</ul><div class="product-reviews">{review_items}</div>'
        f'<ul class="related-products">{related_items}</ul></div>'
    )


def ecommerce_page() -> str:
    """The catalogue page of docs/examples/sample_ecommerce.html after its script ran."""
    categories = "".join(
        f'<div class="category"><h2 class="category-name">{c}</h2>'
        + "".join(_product_html(*p) for p in _PRODUCTS)
        + "</div>"
        for c in ("Electronics", "Home &amp; Kitchen", "Books")
    )
    heading = "<h1>Sample E-commerce Product Catalog</h1>"
    return f'<html><body>{heading}<div id="catalog">{categories}</div></body></html>'


def case(
    case_id: str,
    origin: str,
    page: str,
    schema: dict[str, Any],
    strategy: str = "css",
    refused: str | None = None,
) -> dict[str, Any]:
    """One case; `refused` is the reason DataOps gives instead of running it."""
    out: dict[str, Any] = {"id": case_id, "origin": origin, "strategy": strategy, "page": page}
    out["schema"] = schema
    if refused:
        out["refused"] = refused
    return out


HN_XPATH_BASE = "//tr[contains(@class, 'athing') and contains(@class, 'submission')]"
PRODUCT_FIELDS: list[dict[str, Any]] = [
    {"name": "name", "selector": "h2.name", "type": "text"},
    {"name": "price", "selector": "span.price", "type": "text"},
    {"name": "description", "selector": "p.description", "type": "text"},
    {"name": "category", "selector": "span.category", "type": "text"},
    {"name": "link", "selector": "a.details-link", "type": "attribute", "attribute": "href"},
]
HN_FIELDS: list[dict[str, Any]] = [
    {"name": "rank", "selector": "span.rank", "type": "text"},
    {"name": "title", "selector": "span.titleline a", "type": "text"},
    {"name": "url", "selector": "span.titleline a", "type": "attribute", "attribute": "href"},
    {"name": "score", "selector": "span.score", "type": "text", "source": "+ tr"},
    {"name": "author", "selector": "a.hnuser", "type": "text", "source": "+ tr"},
]
HN_XPATH_FIELDS: list[dict[str, Any]] = [
    {"name": "rank", "selector": ".//span[@class='rank']", "type": "text"},
    {"name": "title", "selector": ".//span[@class='titleline']/a", "type": "text"},
    {"name": "url", "selector": ".//span[@class='titleline']/a", "type": "attribute", "attribute": "href"},
    {"name": "score", "selector": ".//span[@class='score']", "type": "text", "source": "+ tr"},
    {"name": "author", "selector": ".//a[@class='hnuser']", "type": "text", "source": "+ tr"},
]
ECOMMERCE_SCHEMA: dict[str, Any] = {
    "name": "E-commerce Product Catalog",
    "baseSelector": "div.category",
    "baseFields": [{"name": "data_cat_id", "type": "attribute", "attribute": "data-cat-id"}],
    "fields": [
        {"name": "category_name", "selector": "h2.category-name", "type": "text"},
        {
            "name": "products",
            "selector": "div.product",
            "type": "nested_list",
            "fields": [
                {"name": "name", "selector": "h3.product-name", "type": "text"},
                {"name": "price", "selector": "p.product-price", "type": "text"},
                {
                    "name": "details",
                    "selector": "div.product-details",
                    "type": "nested",
                    "fields": [
                        {"name": "brand", "selector": "span.brand", "type": "text"},
                        {"name": "model", "selector": "span.model", "type": "text"},
                    ],
                },
                {
                    "name": "features",
                    "selector": "ul.product-features li",
                    "type": "list",
                    "fields": [{"name": "feature", "type": "text"}],
                },
                {
                    "name": "reviews",
                    "selector": "div.review",
                    "type": "nested_list",
                    "fields": [
                        {"name": "reviewer", "selector": "span.reviewer", "type": "text"},
                        {"name": "rating", "selector": "span.rating", "type": "text"},
                        {"name": "comment", "selector": "p.review-text", "type": "text"},
                    ],
                },
                {
                    "name": "related_products",
                    "selector": "ul.related-products li",
                    "type": "list",
                    "fields": [
                        {"name": "name", "selector": "span.related-name", "type": "text"},
                        {"name": "price", "selector": "span.related-price", "type": "text"},
                    ],
                },
            ],
        },
    ],
}
ARTICLE_LIST_SCHEMA: dict[str, Any] = {
    "name": "Blog Posts",
    "baseSelector": "div.article-list",
    "baseFields": [
        {"name": "list_id", "type": "attribute", "attribute": "data-list-id"},
        {"name": "category", "type": "attribute", "attribute": "data-category"},
    ],
    "fields": [
        {
            "name": "posts",
            "selector": "article.post",
            "type": "nested_list",
            "baseFields": [
                {"name": "post_id", "type": "attribute", "attribute": "data-post-id"},
                {"name": "author_id", "type": "attribute", "attribute": "data-author"},
            ],
            "fields": [
                {
                    "name": "title",
                    "selector": "h2.title a",
                    "type": "text",
                    "baseFields": [{"name": "url", "type": "attribute", "attribute": "href"}],
                },
                {
                    "name": "author",
                    "selector": "div.meta a.author",
                    "type": "text",
                    "baseFields": [{"name": "profile_url", "type": "attribute", "attribute": "href"}],
                },
                {"name": "date", "selector": "span.date", "type": "text"},
                {
                    "name": "read_more",
                    "selector": "a.read-more",
                    "type": "nested",
                    "fields": [
                        {"name": "text", "type": "text"},
                        {"name": "url", "type": "attribute", "attribute": "href"},
                    ],
                },
            ],
        }
    ],
}
COMPUTED_REFUSAL = "computed fields and expressions are refused: they would run code"
SOURCE_REFUSAL = "'source' must be '+ ' and a sibling's tag and classes"


def pipeline(case_id: str, test: str, field: dict[str, Any], page: str = "pipeline_link") -> dict[str, Any]:
    """A type-pipeline test: its field run on the test's one `<div>` (the tests call the field directly)."""
    schema = {"name": "test", "baseSelector": "div", "fields": [{"name": "value", **field}]}
    return case(case_id, f"{PIPELINE_TEST}::TestTypePipeline::{test}", page, schema)


CASES: list[dict[str, Any]] = [
    # tests/test_source_sibling_selector.py
    case(
        "css-source-basic",
        f"{SIBLING_TEST}::TestCssSourceField::test_basic_source_extraction",
        "hn",
        {"name": "HN", "baseSelector": "tr.athing.submission", "fields": HN_FIELDS},
    ),
    case(
        "css-source-backward-compat",
        f"{SIBLING_TEST}::TestCssSourceField::test_backward_compat_no_source",
        "hn",
        {"name": "HN titles only", "baseSelector": "tr.athing.submission", "fields": [HN_FIELDS[1]]},
    ),
    case(
        "css-source-missing-sibling",
        f"{SIBLING_TEST}::TestCssSourceField::test_source_missing_sibling_returns_default",
        "hn",
        {
            "name": "HN",
            "baseSelector": "tr.athing.submission",
            "fields": [
                HN_FIELDS[1],
                {
                    "name": "missing",
                    "selector": "span.nope",
                    "type": "text",
                    "source": "+ div.nonexistent",
                    "default": "N/A",
                },
            ],
        },
    ),
    case(
        "css-source-class-filter",
        f"{SIBLING_TEST}::TestCssSourceField::test_source_with_class_filter",
        "hn",
        {
            "name": "HN spacer",
            "baseSelector": "tr.athing.submission",
            "fields": [
                HN_FIELDS[1],
                {
                    "name": "score_from_spacer",
                    "selector": "span.score",
                    "type": "text",
                    "source": "+ tr.spacer",
                    "default": "none",
                },
            ],
        },
    ),
    case(
        "css-source-attribute",
        f"{SIBLING_TEST}::TestCssSourceField::test_source_on_attribute_field",
        "hn",
        {
            "name": "HN",
            "baseSelector": "tr.athing.submission",
            "fields": [
                {
                    "name": "author_href",
                    "selector": "a.hnuser",
                    "type": "attribute",
                    "attribute": "href",
                    "source": "+ tr",
                    "default": "no-href",
                }
            ],
        },
    ),
    case(
        "xpath-source-basic",
        f"{SIBLING_TEST}::TestXPathSourceField::test_basic_source_extraction",
        "hn",
        {"name": "HN", "baseSelector": HN_XPATH_BASE, "fields": HN_XPATH_FIELDS},
        "xpath",
    ),
    case(
        "xpath-source-backward-compat",
        f"{SIBLING_TEST}::TestXPathSourceField::test_backward_compat_no_source",
        "hn",
        {"name": "HN titles only", "baseSelector": HN_XPATH_BASE, "fields": [HN_XPATH_FIELDS[1]]},
        "xpath",
    ),
    case(
        "xpath-source-missing-sibling",
        f"{SIBLING_TEST}::TestXPathSourceField::test_source_missing_sibling_returns_default",
        "hn",
        {
            "name": "HN",
            "baseSelector": HN_XPATH_BASE,
            "fields": [
                HN_XPATH_FIELDS[1],
                {
                    "name": "missing",
                    "selector": ".//span",
                    "type": "text",
                    "source": "+ div",
                    "default": "N/A",
                },
            ],
        },
        "xpath",
    ),
    case(
        "xpath-source-class-filter",
        f"{SIBLING_TEST}::TestXPathSourceField::test_source_with_class_filter",
        "hn",
        {
            "name": "HN spacer",
            "baseSelector": HN_XPATH_BASE,
            "fields": [
                HN_XPATH_FIELDS[1],
                {
                    "name": "score_from_spacer",
                    "selector": ".//span[@class='score']",
                    "type": "text",
                    "source": "+ tr.spacer",
                    "default": "none",
                },
            ],
        },
        "xpath",
    ),
    case(
        "css-source-nested",
        f"{SIBLING_TEST}::TestCssSourceNested::test_source_on_nested_field",
        "nested_sibling",
        {
            "name": "Items",
            "baseSelector": "div.item",
            "fields": [
                {"name": "name", "selector": "span.name", "type": "text"},
                {
                    "name": "info",
                    "type": "nested",
                    "selector": "div.details",
                    "source": "+ div.details",
                    "fields": [
                        {"name": "price", "selector": "span.price", "type": "text"},
                        {"name": "stock", "selector": "span.stock", "type": "text"},
                    ],
                },
            ],
        },
    ),
    case(
        "css-source-flat",
        f"{SIBLING_TEST}::TestCssSourceNested::test_source_on_flat_fields_from_sibling",
        "nested_sibling",
        {
            "name": "Items",
            "baseSelector": "div.item",
            "fields": [
                {"name": "name", "selector": "span.name", "type": "text"},
                {"name": "price", "selector": "span.price", "type": "text", "source": "+ div.details"},
                {"name": "stock", "selector": "span.stock", "type": "text", "source": "+ div.details"},
            ],
        },
    ),
    case(
        "xpath-source-flat",
        f"{SIBLING_TEST}::TestXPathSourceNested::test_source_on_flat_fields_from_sibling",
        "nested_sibling",
        {
            "name": "Items",
            "baseSelector": "//div[@class='item']",
            "fields": [
                {"name": "name", "selector": ".//span[@class='name']", "type": "text"},
                {
                    "name": "price",
                    "selector": ".//span[@class='price']",
                    "type": "text",
                    "source": "+ div.details",
                },
                {
                    "name": "stock",
                    "selector": ".//span[@class='stock']",
                    "type": "text",
                    "source": "+ div.details",
                },
            ],
        },
        "xpath",
    ),
    case(
        "css-source-without-plus",
        f"{SIBLING_TEST}::TestInvalidSourceSyntax::test_css_invalid_source_returns_default",
        "hn",
        {
            "name": "test",
            "baseSelector": "tr.athing.submission",
            "fields": [
                {
                    "name": "bad",
                    "selector": "span.score",
                    "type": "text",
                    "source": "tr",
                    "default": "fallback",
                }
            ],
        },
        refused=SOURCE_REFUSAL,
    ),
    case(
        "xpath-source-without-plus",
        f"{SIBLING_TEST}::TestInvalidSourceSyntax::test_xpath_invalid_source_returns_default",
        "hn",
        {
            "name": "test",
            "baseSelector": "//tr[contains(@class, 'athing')]",
            "fields": [
                {
                    "name": "bad",
                    "selector": ".//span[@class='score']",
                    "type": "text",
                    "source": "tr",
                    "default": "fallback",
                }
            ],
        },
        "xpath",
        refused=SOURCE_REFUSAL,
    ),
    # tests/regression/test_reg_extraction.py (pages from its conftest's local server)
    case(
        "css-products",
        f"{REGRESSION_TEST}::test_lxml_extract_products (schema run by the CSS strategy)",
        "products",
        {"baseSelector": "div.product", "fields": PRODUCT_FIELDS},
    ),
    case(
        "css-products-base-fields",
        f"{REGRESSION_TEST}::test_css_extract_products",
        "products",
        {
            "baseSelector": "div.product",
            "baseFields": [{"name": "product_id", "type": "attribute", "attribute": "data-id"}],
            "fields": PRODUCT_FIELDS,
        },
    ),
    case(
        "css-default",
        f"{REGRESSION_TEST}::test_css_extract_with_default",
        "products",
        {
            "baseSelector": "div.product",
            "fields": [
                {"name": "name", "selector": "h2.name", "type": "text"},
                {"name": "sku", "selector": "span.sku-number", "type": "text", "default": "N/A"},
            ],
        },
    ),
    case(
        "css-nested",
        f"{REGRESSION_TEST}::test_css_extract_nested",
        "products",
        {
            "baseSelector": "div.product",
            "fields": [
                {"name": "name", "selector": "h2.name", "type": "text"},
                {
                    "name": "details",
                    "selector": "div.rating",
                    "type": "nested",
                    "fields": [{"name": "stars", "type": "attribute", "attribute": "data-stars"}],
                },
            ],
        },
    ),
    case(
        "css-empty",
        f"{REGRESSION_TEST}::test_css_extract_empty_results",
        "products",
        {
            "baseSelector": "div.nonexistent-class-xyz",
            "fields": [{"name": "text", "selector": "p", "type": "text"}],
        },
    ),
    case(
        "css-table",
        f"{REGRESSION_TEST}::test_css_extract_table",
        "tables",
        {
            "baseSelector": "#sales-table tbody tr",
            "fields": [
                {"name": "quarter", "selector": "td:nth-child(1)", "type": "text"},
                {"name": "revenue", "selector": "td:nth-child(2)", "type": "text"},
                {"name": "growth", "selector": "td:nth-child(3)", "type": "text"},
            ],
        },
    ),
    case(
        "xpath-products",
        f"{REGRESSION_TEST}::test_xpath_extract_products",
        "products",
        {
            "baseSelector": "//div[contains(concat(' ', normalize-space(@class), ' '), ' product ')]",
            "fields": [
                {"name": "name", "selector": ".//h2[contains(@class, 'name')]", "type": "text"},
                {"name": "price", "selector": ".//span[contains(@class, 'price')]", "type": "text"},
            ],
        },
        "xpath",
    ),
    # tests/test_pr_1290_1668.py (type pipelines)
    pipeline("pipeline-text", "test_single_type_text_still_works", {"selector": "a", "type": "text"}),
    pipeline(
        "pipeline-attribute",
        "test_single_type_attribute_still_works",
        {"selector": "a", "type": "attribute", "attribute": "href"},
    ),
    pipeline("pipeline-html", "test_single_type_html_still_works", {"selector": "a", "type": "html"}),
    pipeline(
        "pipeline-regex",
        "test_single_type_regex_still_works",
        {"selector": "a", "type": "regex", "pattern": r"Product (\w+)"},
    ),
    pipeline(
        "pipeline-attribute-regex",
        "test_pipeline_attribute_then_regex",
        {"selector": "a", "type": ["attribute", "regex"], "attribute": "href", "pattern": r"/product/(\d+)"},
    ),
    pipeline(
        "pipeline-html-regex",
        "test_pipeline_html_then_regex",
        {"selector": "a", "type": ["html", "regex"], "pattern": r'href="([^"]+)"'},
    ),
    pipeline(
        "pipeline-text-regex",
        "test_pipeline_text_then_regex",
        {"selector": "a", "type": ["text", "regex"], "pattern": r"Product (\w+)"},
    ),
    pipeline(
        "pipeline-stops-on-none",
        "test_pipeline_stops_on_none",
        {
            "selector": "a",
            "type": ["attribute", "regex"],
            "attribute": "href",
            "pattern": r"NOMATCH(\d+)",
            "default": "N/A",
        },
    ),
    pipeline(
        "pipeline-group",
        "test_pipeline_custom_group",
        {
            "selector": "span",
            "type": ["attribute", "regex"],
            "attribute": "data-info",
            "pattern": r"(\w+):(\w+)",
            "group": 2,
        },
        page="pipeline_info",
    ),
    pipeline(
        "pipeline-one-step-list",
        "test_single_element_list_same_as_string",
        {"selector": "a", "type": ["text"]},
    ),
    # docs
    case(
        "docs-xpath-crypto",
        f"{NO_LLM_DOC} (XPath Example with raw:// HTML)",
        "crypto_xpath",
        {
            "name": "Crypto Prices via XPath",
            "baseSelector": "//div[@class='crypto-row']",
            "fields": [
                {"name": "coin_name", "selector": ".//h2[@class='coin-name']", "type": "text"},
                {"name": "price", "selector": ".//span[@class='coin-price']", "type": "text"},
            ],
        },
        "xpath",
    ),
    case(
        "docs-quickstart-raw-html",
        "docs/md_v2/core/quickstart.md (CSS extraction with raw:// HTML)",
        "quickstart_item",
        {
            "name": "Example Items",
            "baseSelector": "div.item",
            "fields": [
                {"name": "title", "selector": "h2", "type": "text"},
                {"name": "link", "selector": "a", "type": "attribute", "attribute": "href"},
            ],
        },
    ),
    case(
        "css-valid-schema-sample",
        "tests/general/test_generate_schema_usage.py (VALID_SCHEMA on SAMPLE_HTML)",
        "schema_sample",
        {
            "name": "products",
            "baseSelector": ".product",
            "fields": [
                {"name": "title", "selector": ".title", "type": "text"},
                {"name": "price", "selector": ".price", "type": "text"},
            ],
        },
    ),
    case(
        "docs-ecommerce-nested",
        f"{NO_LLM_DOC} (3. Advanced Schema & Nested Structures)",
        "ecommerce",
        ECOMMERCE_SCHEMA,
    ),
    case(
        "docs-nested-base-fields",
        "docs/releases_review/v0_4_24_walkthrough.py::demo_json_extraction",
        "article_list",
        ARTICLE_LIST_SCHEMA,
    ),
    case(
        "docs-sibling-demo",
        "docs/releases_review/demo_v0.8.5.py (Sibling Selector)",
        "sibling_demo",
        {
            "name": "SiblingItems",
            "baseSelector": "tr.athing",
            "fields": [
                {"name": "title", "selector": ".titleline > a", "type": "text"},
                {"name": "score", "selector": ".score", "type": "text", "source": "+ tr"},
            ],
        },
    ),
    case(
        "docs-transform-strip",
        f"{STRATEGIES_DOC} (JsonCssExtractionStrategy example; page written here)",
        "product_cards",
        {
            "name": "Product List",
            "baseSelector": ".product-card",
            "fields": [
                {"name": "title", "selector": "h2.title", "type": "text"},
                {"name": "price", "selector": ".price", "type": "text", "transform": "strip"},
                {"name": "image", "selector": "img", "type": "attribute", "attribute": "src"},
            ],
        },
    ),
    case(
        "docs-commits-strip",
        "docs/md_v2/advanced/session-management.md (page written here)",
        "commits",
        {
            "name": "Commit Extractor",
            "baseSelector": "li[data-testid='commit-row-item']",
            "fields": [{"name": "title", "selector": "h4 a", "type": "text", "transform": "strip"}],
        },
    ),
    case(
        "docs-blog-posts",
        f"{NO_LLM_DOC} (7. Putting It All Together; page written here)",
        "blog_cards",
        {
            "name": "Blog Posts",
            "baseSelector": "a.blog-post-card",
            "baseFields": [{"name": "post_url", "type": "attribute", "attribute": "href"}],
            "fields": [
                {"name": "title", "selector": "h2.post-title", "type": "text", "default": "No Title"},
                {"name": "date", "selector": "time.post-date", "type": "text", "default": ""},
                {"name": "summary", "selector": "p.post-summary", "type": "text", "default": ""},
                {"name": "author", "selector": "span.post-author", "type": "text", "default": ""},
            ],
        },
    ),
    case(
        "docs-transform-case",
        f"{STRATEGIES_DOC} (transform lowercase/uppercase; page written here)",
        "codes",
        {
            "name": "Codes",
            "baseSelector": "p.code",
            "fields": [
                {"name": "lower", "type": "text", "transform": "lowercase"},
                {"name": "upper", "type": "text", "transform": "uppercase"},
                {
                    "name": "color",
                    "type": ["attribute", "regex"],
                    "attribute": "data-ref",
                    "pattern": r"SKU-(\d+)-(\w+)",
                    "group": 2,
                    "transform": "uppercase",
                },
            ],
        },
    ),
    case(
        "xpath-pipeline-group",
        f"{PIPELINE_TEST} (the group test run by the XPath strategy; page written here)",
        "codes",
        {
            "name": "Codes",
            "baseSelector": "//p[@class='code']",
            "fields": [
                {
                    "name": "number",
                    "type": ["attribute", "regex"],
                    "attribute": "data-ref",
                    "pattern": r"SKU-(\d+)-(\w+)",
                    "group": 1,
                },
                {"name": "text", "type": "text", "transform": "lowercase"},
            ],
        },
        "xpath",
    ),
    case(
        "css-html-list-defaults",
        "html values, lists with missing fields, defaults (page written here)",
        "listing",
        {
            "name": "Rows",
            "baseSelector": "article.row",
            "baseFields": [{"name": "id", "type": "attribute", "attribute": "data-id"}],
            "fields": [
                {"name": "heading", "selector": "h3", "type": "html"},
                {"name": "body", "selector": "p.body", "type": "html", "default": "none"},
                {
                    "name": "img",
                    "selector": "p.body img",
                    "type": "attribute",
                    "attribute": "src",
                    "default": "-",
                },
                {
                    "name": "price",
                    "selector": ".price",
                    "type": "regex",
                    "pattern": r"(\d+\.\d+)",
                    "default": "0",
                },
                {
                    "name": "tags",
                    "selector": "ul.tags li",
                    "type": "list",
                    "fields": [
                        {"name": "label", "type": "text"},
                        {"name": "href", "selector": "a", "type": "attribute", "attribute": "href"},
                    ],
                },
                {
                    "name": "first_tag",
                    "selector": "ul.tags li",
                    "type": "nested",
                    "fields": [{"name": "label", "type": "text", "transform": "uppercase"}],
                },
            ],
        },
    ),
    case(
        "xpath-html-nested-list",
        "the same page through the XPath strategy (page written here)",
        "listing",
        {
            "name": "Rows",
            "baseSelector": "//article[@class='row']",
            "baseFields": [{"name": "id", "type": "attribute", "attribute": "data-id"}],
            "fields": [
                {"name": "heading", "selector": ".//h3", "type": "html"},
                {"name": "body", "selector": ".//p[@class='body']", "type": "html", "default": "none"},
                {
                    "name": "price",
                    "selector": "span",
                    "type": ["text", "regex"],
                    "pattern": r"(\d+)\.(\d+)",
                    "group": 2,
                    "default": "0",
                },
                {
                    "name": "tags",
                    "selector": "ul > li",
                    "type": "nested_list",
                    "fields": [
                        {"name": "label", "type": "text"},
                        {
                            "name": "href",
                            "selector": "a",
                            "type": "attribute",
                            "attribute": "href",
                            "default": "",
                        },
                    ],
                },
            ],
        },
        "xpath",
    ),
    # Inner selectors search inside the item only (BeautifulSoup's select and `.//` never return it).
    case(
        "css-inner-selector-skips-item",
        "selector scoping (page written here)",
        "cards_self",
        {
            "name": "Cards",
            "baseSelector": "div.card",
            "fields": [
                {"name": "first_div", "selector": "div", "type": "attribute", "attribute": "data-k"},
                {"name": "title", "selector": "span.t", "type": "text"},
                {
                    "name": "inner",
                    "selector": "div",
                    "type": "nested_list",
                    "fields": [
                        {"name": "k", "type": "attribute", "attribute": "data-k"},
                        {"name": "t", "selector": "span.t", "type": "text"},
                    ],
                },
            ],
        },
    ),
    case(
        "xpath-inner-selector-skips-item",
        "selector scoping (page written here)",
        "cards_self",
        {
            "name": "Cards",
            "baseSelector": "//div[@class='card']",
            "fields": [
                {"name": "first_div", "selector": "div", "type": "attribute", "attribute": "data-k"},
                {
                    "name": "spans",
                    "selector": "span",
                    "type": "list",
                    "fields": [{"name": "t", "type": "text"}],
                },
            ],
        },
        "xpath",
    ),
    # Refused by design: in Crawl4AI a computed field runs code (its tests check the code is not run).
    case(
        "computed-expression",
        "deploy/docker/tests/test_security_fixes.py::test_expression_returns_default",
        "products",
        {
            "baseSelector": "div",
            "fields": [
                {"name": "price", "selector": "span", "type": "text"},
                {"name": "computed", "type": "computed", "expression": "price * 2", "default": "DISABLED"},
            ],
        },
        refused=COMPUTED_REFUSAL,
    ),
    case(
        "computed-malicious",
        "tests/test_eval_security_adversarial.py (malicious schema)",
        "products",
        {
            "name": "pwned",
            "baseSelector": "body",
            "fields": [
                {
                    "name": "rce_output",
                    "type": "computed",
                    "expression": "__import__('os').popen('id').read()",
                    "default": None,
                }
            ],
        },
        refused=COMPUTED_REFUSAL,
    ),
]


def page_from_source(checkout: Path, path: str, variable: str | None) -> str:
    """A page held in a file of the checkout: the whole file, or a string assigned to `variable`."""
    text = (checkout / path).read_text(encoding="utf-8")
    if variable is None:
        return text
    if path.endswith(".md"):
        # A Python block in the docs: parse the fenced code that assigns the variable.
        blocks = text.split("```python")[1:]
        text = next(b.split("```")[0] for b in blocks if f"{variable} =" in b)
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == variable for t in node.targets
        ):
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                return node.value.value
    raise LookupError(f"{variable} not found in {path}")


def main(checkout: Path) -> None:
    """Write pages/ and cases.json."""
    from crawl4ai.extraction_strategy import JsonCssExtractionStrategy, JsonXPathExtractionStrategy

    pages = {name: page_from_source(checkout, *where) for name, where in PAGES_FROM_SOURCE.items()}
    pages.update(PAGES_INLINE)
    pages["ecommerce"] = ecommerce_page()
    for name, html in pages.items():
        (HERE / "pages" / f"{name}.html").write_text(html, encoding="utf-8")
    out = []
    for item in CASES:
        if "refused" not in item:
            cls = JsonXPathExtractionStrategy if item["strategy"] == "xpath" else JsonCssExtractionStrategy
            result = cls(item["schema"]).extract(None, pages[item["page"]])
            item["expected"] = json.loads(json.dumps(result))  # fails on anything but JSON values
        out.append(item)
    (HERE / "cases.json").write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
