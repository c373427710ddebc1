"""Incremental crawls against a real API and worker: the second crawl of a lineage sends
conditional requests, finds unchanged pages by 304 or by body, carries their records over, and
reports unchanged, changed, new and gone pages. Counted at the site's server."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server

HTML = {"Content-Type": "text/html; charset=utf-8"}


class Shop:
    """Item pages /p/<i>: i % 3 == 0 answer with an ETag, 1 with Last-Modified, 2 with neither
    (the crawl can only compare their bodies). Both validators are honoured with 304."""

    def __init__(self, items: int) -> None:
        self.lock = threading.Lock()
        self.items = {i: (f"Item {i}", f"{10 + i}.00", 1) for i in range(items)}
        self.fetches: Counter[str] = Counter()
        self.not_modified: Counter[str] = Counter()
        self.conditional: Counter[str] = Counter()

    def change(self, i: int, title: str | None = None, price: str | None = None) -> None:
        with self.lock:
            old_title, old_price, version = self.items[i]
            self.items[i] = (title or old_title, price or old_price, version + 1)

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        path = request.path
        if path == "/robots.txt":
            return 404, HTML, b""
        headers = {k.lower(): v for k, v in request.headers.items()}
        with self.lock:
            self.fetches[path] += 1
            if "if-none-match" in headers or "if-modified-since" in headers:
                self.conditional[path] += 1
            if path == "/":
                links = "".join(f'<a class="item" href="/p/{i}">{i}</a>' for i in sorted(self.items))
                return 200, HTML, f"<html><body><h1>Shop</h1>{links}</body></html>".encode()
            i = int(path.rsplit("/", 1)[1]) if path.startswith("/p/") else -1
            if i not in self.items:
                return 404, HTML, b"<h1>Not found</h1>"
            title, price, version = self.items[i]
        page = f'<html><body><h1>{title}</h1><span class="price">{price}</span></body></html>'.encode()
        answer = dict(HTML)
        if i % 3 == 0:
            answer["ETag"] = f'"{i}-{version}"'
            if headers.get("if-none-match") == answer["ETag"]:
                return self._not_modified(path, answer)
        elif i % 3 == 1:
            answer["Last-Modified"] = f"Mon, 0{version} Dec 2026 10:00:00 GMT"
            if headers.get("if-modified-since") == answer["Last-Modified"]:
                return self._not_modified(path, answer)
        return 200, answer, page

    def _not_modified(self, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        with self.lock:
            self.not_modified[path] += 1
        return 304, headers, b""


@pytest.fixture
def shop() -> Iterator[tuple[Shop, LoopbackServer]]:
    site = Shop(9)
    with loopback_server(site.respond) as server:
        yield site, server


@pytest.fixture
def stack(db_url: str, tmp_path: Path) -> Iterator[Stack]:
    with scrape_stack(db_url, tmp_path, SCRAPE_ALLOW_HOSTS="127.0.0.1") as running:
        yield running


def crawl(stack: Stack, server: LoopbackServer, **extra: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    crawl_config = {"follow": "a.item", "max_pages": 100, "max_depth": 1, "incremental": True}
    crawl_config.update(extra.pop("crawl", {}))
    body = {
        "url": f"{server.url}/",
        "schema": {"title": "h1", "price": "span.price"},
        "crawl": crawl_config,
        "options": {"max_concurrency": 4},
        **extra,
    }
    job = stack.wait(stack.submit(body))
    assert job["status"] == "completed", job
    records = httpx.get(
        f"{stack.base}/api/jobs/{job['job_id']}/results", params={"format": "json"}, timeout=30
    )
    return job, sorted((r["data"] for r in records.json()), key=lambda d: d["title"])


def test_a_second_crawl_skips_unchanged_pages_and_reports_what_changed(
    stack: Stack, shop: tuple[Shop, LoopbackServer]
) -> None:
    site, server = shop
    first, first_records = crawl(stack, server, name="shop-watch")
    assert first["result"]["incremental"] == {"unchanged": 0, "changed": 0, "new": 10, "gone": 0}
    assert len(first_records) == 9
    assert sum(site.conditional.values()) == 0

    site.change(0, price="99.00")  # ETag page
    site.change(1, price="1.00")  # Last-Modified page
    site.change(2, title="Item 2 (new edition)")  # no validators: only its body tells
    with site.lock:
        del site.items[8]
        site.items[9] = ("Item 9", "19.00", 1)
    site.fetches.clear()

    second, records = crawl(stack, server, name="shop-watch")
    # The start page (its links changed), items 0, 1, 2 changed; 3-7 unchanged; 8 gone; 9 new.
    assert second["result"]["incremental"] == {"unchanged": 5, "changed": 4, "new": 1, "gone": 1}
    # Items with validators answered 304 (3, 4, 6, 7); item 5 was compared by its body.
    assert sorted(site.not_modified) == ["/p/3", "/p/4", "/p/6", "/p/7"], site.conditional
    assert (site.conditional["/p/5"], site.fetches["/p/5"]) == (0, 1)
    assert "/p/8" not in site.fetches
    # The records are what a full crawl of the site gives now: carried over or extracted again.
    _, fresh = crawl(stack, server, name="full", crawl={"incremental": False})
    assert records == fresh
    assert {"title": "Item 0", "price": 99.0} in records or {"title": "Item 0", "price": "99.00"} in records

    # A crawl stopped by max_pages has not seen the whole site: nothing counts as gone, nothing
    # is forgotten, and the next full crawl finds every page unchanged.
    partial, _ = crawl(stack, server, name="shop-watch", crawl={"max_pages": 3})
    assert partial["result"]["stopped_by"] == "max_pages"
    assert partial["result"]["incremental"]["gone"] is None
    site.not_modified.clear()
    again, again_records = crawl(stack, server, name="shop-watch")
    assert again["result"]["incremental"] == {"unchanged": 10, "changed": 0, "new": 0, "gone": 0}
    assert again_records == fresh


def test_an_unnamed_crawl_is_compared_with_the_same_request(
    stack: Stack, shop: tuple[Shop, LoopbackServer]
) -> None:
    _, server = shop
    first, records = crawl(stack, server)
    assert first["result"]["incremental"]["new"] == 10
    second, again = crawl(stack, server)
    assert second["result"]["incremental"] == {"unchanged": 10, "changed": 0, "new": 0, "gone": 0}
    assert again == records
    # Another request (another schema) is another lineage.
    other, _ = crawl(stack, server, schema={"title": "h1"})
    assert other["result"]["incremental"]["new"] == 10
