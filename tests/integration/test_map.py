"""Maps of a site's URLs through the real API and worker: robots.txt's sitemaps, indexes, gzipped,
text and feed sitemaps, the start page's links, normalisation, filters, the guard, and crawls
seeded from sitemaps."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import BOUND

HTML = {"Content-Type": "text/html; charset=utf-8"}
XML = {"Content-Type": "application/xml"}
NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'
# Never reachable from the tests: the guard must refuse it before any connection.
METADATA = "http://169.254.169.254/latest/sitemap.xml"


def urlset(*entries: tuple[str, str | None]) -> bytes:
    items = "".join(
        f"<url><loc>{loc}</loc>{f'<lastmod>{mod}</lastmod>' if mod else ''}<priority>0.5</priority></url>"
        for loc, mod in entries
    )
    return f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}>{items}</urlset>'.encode()


class Site:
    """A shop whose robots.txt names a sitemap index (sitemaps/) and a second site (plain/) whose
    only sitemap is at /plain/sitemap.xml-like default places (served at the root of its own
    server)."""

    def __init__(self) -> None:
        self.base = ""

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        b = self.base
        path = request.path
        if path == "/robots.txt":
            body = f"User-agent: *\nDisallow: /private/\nSitemap: {b}/sitemap_index.xml\n"
            return 200, {"Content-Type": "text/plain"}, body.encode()
        if path == "/sitemap_index.xml":
            children = [f"{b}/sitemap-a.xml", f"{b}/sitemap-b.xml.gz", f"{b}/sitemap-c.txt", METADATA,
                        f"{b}/missing.xml", f"{b}/feed.xml"]  # fmt: skip
            items = "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
            return 200, XML, f"<sitemapindex {NS}>{items}</sitemapindex>".encode()
        if path == "/sitemap-a.xml":
            return (
                200,
                XML,
                urlset(
                    (f"{b}/p/blue-mug", "2024-05-01"),
                    # The same page again: default port, a fragment, tracking parameters.
                    (f"{b}/p/blue-mug?utm_source=news&utm_medium=mail#reviews", "2024-05-02"),
                    (f"{b}/p/mug-in-blue?color=1&gclid=abc", None),
                    ("https://elsewhere.example/p/1", "2024-01-01"),
                    (f"{b}/p/red-mug", "2024-05-03"),
                ),
            )
        if path == "/sitemap-b.xml.gz":
            packed = gzip.compress(urlset((f"{b}/p/red-mug", None), (f"{b}/p/green-cup", "2024-06-01")))
            return 200, {"Content-Type": "application/gzip"}, packed
        if path == "/sitemap-c.txt":
            return (
                200,
                {"Content-Type": "text/plain"},
                f"{b}/guides/care\n\n{b}/guides/blue-mug-story\n".encode(),
            )
        if path == "/feed.xml":
            feed = (
                f'<feed xmlns="http://www.w3.org/2005/Atom"><link href="{b}/"/><updated>2024-07-01</updated>'
                f'<entry><link rel="alternate" href="{b}/news/summer"/><updated>2024-07-02</updated>'
                "</entry></feed>"
            )
            return 200, {"Content-Type": "application/atom+xml"}, feed.encode()
        if path == "/":
            page = (
                f'<html><head><link rel="canonical" href="{b}/home"></head><body>'
                f'<a href="/p/blue-mug">Mug</a><a href="/about">About</a><a href="/about#team">Team</a>'
                '<a href="/contact?utm_campaign=x">Contact</a><a href="https://elsewhere.example/">Out</a>'
                "</body></html>"
            )
            return 200, HTML, page.encode()
        if path.startswith(("/p/", "/guides/", "/news/", "/only-in-sitemap/")):
            return 200, HTML, f"<html><body><h1>{path}</h1></body></html>".encode()
        return 404, HTML, b"<h1>Not found</h1>"


class PlainSite:
    """No robots.txt; its sitemap is where sitemaps usually are."""

    def __init__(self) -> None:
        self.base = ""

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        b = self.base
        if request.path == "/sitemap.xml":
            return 200, XML, urlset(*((f"{b}/only-in-sitemap/{i}", None) for i in range(6)))
        if request.path == "/":
            return 200, HTML, b"<html><body><h1>Home</h1><p>No links here.</p></body></html>"
        if request.path.startswith("/only-in-sitemap/"):
            return 200, HTML, f"<html><body><h1>{request.path}</h1></body></html>".encode()
        return 404, HTML, b"<h1>Not found</h1>"


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackServer]:
    pages = Site()
    with loopback_server(pages.respond) as server:
        pages.base = server.url
        yield server


@pytest.fixture(scope="module")
def plain() -> Iterator[LoopbackServer]:
    pages = PlainSite()
    with loopback_server(pages.respond) as server:
        pages.base = server.url
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("map")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}", tmp, SCRAPE_ALLOW_HOSTS="127.0.0.1"
    ) as running:
        yield running


def map_site(stack: Stack, body: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(f"{stack.base}/api/map", json=body, params={"wait": 60}, timeout=BOUND)
    assert response.status_code in (200, 202), response.text
    job = stack.wait(response.json()["job_id"])
    assert job["status"] == "completed", job.get("error")
    assert job["type"] == "scrape.map"
    return job


def test_a_map_lists_sitemap_pages_once_with_lastmod_then_the_start_pages_links(
    stack: Stack, site: LoopbackServer
) -> None:
    b = site.url
    job = map_site(stack, {"url": f"{b}/"})
    records = stack.records(job["job_id"])
    assert [r["url"] for r in records] == [
        f"{b}/home",  # the start page, by its canonical link
        f"{b}/p/blue-mug",
        f"{b}/p/mug-in-blue?color=1",
        f"{b}/p/red-mug",
        f"{b}/p/green-cup",
        f"{b}/guides/care",
        f"{b}/guides/blue-mug-story",
        f"{b}/news/summer",
        f"{b}/about",
        f"{b}/contact",
    ]
    by_url = {r["url"]: r for r in records}
    assert by_url[f"{b}/p/blue-mug"] == {
        "url": f"{b}/p/blue-mug",
        "lastmod": "2024-05-01",
        "source": "sitemap",
    }
    assert by_url[f"{b}/p/green-cup"]["lastmod"] == "2024-06-01"  # from the gzipped file
    assert by_url[f"{b}/news/summer"]["lastmod"] == "2024-07-02"  # an entry's date, not the feed's
    assert by_url[f"{b}/about"] == {"url": f"{b}/about", "lastmod": None, "source": "links"}
    assert by_url[f"{b}/home"]["source"] == "start"
    result = job["result"]
    assert result["records"] == 10
    assert (result["from_sitemaps"], result["from_links"]) == (7, 2)
    assert result["sitemap_files"] == 5  # the index, two XML files, the text list and the feed
    assert result["stopped_by"] == "complete"
    failed = {f["url"]: f["code"] for f in result["failed_sitemaps"]}
    assert failed == {METADATA: "blocked_address", f"{b}/missing.xml": "not_found"}
    # Each sitemap fetched once; nothing left the loopback server.
    paths = [r.path for r in site.requests]
    assert paths.count("/sitemap-a.xml") == 1
    assert "/private/" not in paths


def test_filters_search_and_max_urls(stack: Stack, site: LoopbackServer) -> None:
    b = site.url
    only_products = map_site(stack, {"url": f"{b}/", "include": ["/p/"], "exclude": ["red"], "links": False})
    assert [r["url"] for r in stack.records(only_products["job_id"])] == [
        f"{b}/p/blue-mug",
        f"{b}/p/mug-in-blue?color=1",
        f"{b}/p/green-cup",
    ]
    searched = map_site(stack, {"url": f"{b}/", "search": "Blue Mug"})
    # The whole phrase first (`blue-mug`), then the words apart (`mug-in-blue`).
    assert [r["url"] for r in stack.records(searched["job_id"])] == [
        f"{b}/p/blue-mug",
        f"{b}/guides/blue-mug-story",
        f"{b}/p/mug-in-blue?color=1",
    ]
    capped = map_site(stack, {"url": f"{b}/", "max_urls": 3})
    assert len(stack.records(capped["job_id"])) == 3
    assert capped["result"]["stopped_by"] == "max_urls"


def test_a_site_without_robots_sitemaps_is_read_at_the_usual_place(
    stack: Stack, plain: LoopbackServer
) -> None:
    job = map_site(stack, {"url": f"{plain.url}/"})
    urls = [r["url"] for r in stack.records(job["job_id"])]
    assert urls == [f"{plain.url}/", *(f"{plain.url}/only-in-sitemap/{i}" for i in range(6))]
    # The usual places that are missing are no failures.
    assert job["result"]["failed_sitemaps"] == []
    before = len(plain.requests)
    without = map_site(stack, {"url": f"{plain.url}/", "sitemaps": False})
    assert [r["url"] for r in stack.records(without["job_id"])] == [f"{plain.url}/"]
    assert not any(r.path.startswith("/sitemap") for r in plain.requests[before:])


def test_a_crawl_seeded_from_sitemaps_reaches_pages_no_link_leads_to(
    stack: Stack, plain: LoopbackServer
) -> None:
    schema = {"title": "h1"}
    unseeded = stack.run({"url": f"{plain.url}/", "schema": schema, "crawl": {"max_pages": 20}})
    assert [r["data"]["title"] for r in stack.records(unseeded["job_id"])] == ["Home"]
    seeded = stack.run(
        {"url": f"{plain.url}/", "schema": schema, "crawl": {"max_pages": 5, "sitemaps": True}}
    )
    assert seeded["status"] == "completed", seeded
    titles = sorted(r["data"]["title"] for r in stack.records(seeded["job_id"]))
    assert titles == sorted(["Home", *(f"/only-in-sitemap/{i}" for i in range(4))])
    assert seeded["result"]["pages"] == 5


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({"url": "http://10.0.0.1/"}, "url"),
        ({"url": "https://shop.example/", "include": ["(a"]}, "include"),
        ({"url": "https://shop.example/", "max_urls": 100_001}, "max_urls"),
        ({"url": "https://shop.example/", "options": {"wait_for": "#x"}}, "wait_for"),
        ({"url": "https://shop.example/", "schema": {"title": "h1"}}, "schema"),
        ({"url": "https://shop.example/", "session": "nobody"}, "session"),
    ],
)
def test_bad_map_requests_are_refused_naming_the_field(
    stack: Stack, body: dict[str, Any], where: str
) -> None:
    response = httpx.post(f"{stack.base}/api/map", json=body, timeout=10)
    assert response.status_code in (404, 422), response.text
    assert where in response.text
