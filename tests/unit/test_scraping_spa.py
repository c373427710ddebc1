"""Recognising pages that their scripts fill in (what `auto` switches to the browser for)."""

from __future__ import annotations

import time

import pytest

from backend_fastapi.scraping.dom import parse_html
from backend_fastapi.scraping.spa import placeholder_fields, script_rendered_reason
from backend_fastapi.scraping.vocabulary import is_placeholder

CREATE_REACT_APP = (
    "<!doctype html><html><head><title>React App</title></head><body>"
    "<noscript>You need to enable JavaScript to run this app.</noscript><div id='root'></div>"
    "<script src='/static/js/main.js'></script></body></html>"
)
LOADING = (
    "<html><head><title>Loading...</title></head><body><div id='root'>Loading...</div>"
    "<script src='/app.js'></script></body></html>"
)
ANGULAR = (
    "<html><head><title>Shop</title></head><body><app-root></app-root>"
    "<script src=main.js type=module></script></body></html>"
)
VUE_TEMPLATE = (
    "<html><head><title>Shop</title></head><body><div id='app'>{{ product.name }}</div>"
    "<script src='https://unpkg.example/vue.js'></script></body></html>"
)
SKELETON = (
    "<html><head><title>Product</title></head><body><header>Shop</header>"
    + "<div class='skeleton skeleton-text'></div>" * 4
    + "<script src='/bundle.js'></script></body></html>"
)
SERVER_RENDERED_NEXT = (
    "<html><head><title>Blue Mug | Shop</title></head><body><div id='__next'><h1>Blue Mug</h1>"
    "<p>" + "A sturdy mug for every morning. " * 10 + "</p></div>"
    "<script id='__NEXT_DATA__' type='application/json'>{}</script><script src='/_next/main.js'></script>"
    "</body></html>"
)
ARTICLE_WITH_SCRIPTS = (
    "<html><head><title>Loading dock safety | Blog</title></head><body><article><h1>Loading dock safety</h1>"
    "<p>" + "Trucks back in slowly and wait for the signal. " * 12 + "</p></article>"
    "<noscript>Enable JavaScript to see comments.</noscript>"
    "<script src='/analytics.js'></script><script src='/comments.js'></script></body></html>"
)
TINY_STATIC = "<html><head><title>Hello</title></head><body><p>Hello, world.</p></body></html>"


@pytest.mark.parametrize(
    ("html", "reason"),
    [
        (CREATE_REACT_APP, "empty"),
        (LOADING, "placeholder"),
        (ANGULAR, "empty"),
        (VUE_TEMPLATE, "only says"),
        (SKELETON, "skeleton"),
    ],
)
def test_script_rendered_shapes_are_recognised_with_a_reason(html: str, reason: str) -> None:
    found = script_rendered_reason(parse_html(html))
    assert found is not None
    assert reason in found


@pytest.mark.parametrize("html", [SERVER_RENDERED_NEXT, ARTICLE_WITH_SCRIPTS, TINY_STATIC])
def test_pages_with_their_content_in_the_html_stay_static(html: str) -> None:
    assert script_rendered_reason(parse_html(html)) is None


def test_the_shop_pages_that_need_a_browser_are_told_apart() -> None:
    from tests.support.servers import Recorded
    from tests.support.sites import ShopSite

    site = ShopSite()
    for path, needs in [
        ("/js/1", True),
        ("/spa/1", True),
        ("/plain/1", False),
        ("/p/1", False),
        ("/micro/1", False),
    ]:
        html = site.respond(Recorded("GET", path, {}, b""))[2].decode()
        assert (script_rendered_reason(parse_html(html)) is not None) is needs, path


@pytest.mark.parametrize(
    "text", ["Loading...", "Loading…", "loading", "Please wait", "Cargando...", "Chargement…", "Wird geladen",
             "—", "-", "N/A", "n/a", "TBD", "…", "{{ price }}", "${price}", "undefined"],
)  # fmt: skip
def test_placeholders(text: str) -> None:
    assert is_placeholder(text)


@pytest.mark.parametrize("text", ["Blue Mug", "$9.99", "0", "Loading dock", "Loader 3000", "N/A Mug", ""])
def test_values_are_not_placeholders(text: str) -> None:
    assert not is_placeholder(text)


def test_placeholder_fields_name_the_fields_whose_values_are_placeholders() -> None:
    data = {"title": "Loading...", "price": 9.5, "tags": ["—", "—"], "brand": None, "mixed": ["—", "Acme"]}
    assert placeholder_fields(data) == ["title", "tags"]


def test_a_hostile_page_cannot_stall_the_check() -> None:
    html = "<html><body>" + "<div id" * 40_000 + "</body></html>"
    tree = parse_html(html)
    started = time.monotonic()
    script_rendered_reason(tree)
    assert time.monotonic() - started < 2.0
