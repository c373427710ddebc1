"""The address guard through the real API and worker: a counting loopback server must see no
request (robots.txt included), whatever the spelling of its address and however it is reached."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database
from tests.support.guard_sites import HOP_TARGETS, REDIRECT_STATUSES, UNICODE_LOOPBACK, guard_site
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.waiting import enqueue, wait_status


@pytest.fixture(scope="module")
def hops() -> Iterator[LoopbackServer]:
    """An allowed site that redirects anywhere with any status (`/go/STATUS?to=URL`)."""
    with guard_site() as server:
        yield server


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, shop: LoopbackServer, hops: LoopbackServer
) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("guard")
    # Only the sites' exact host:port are allowed; the counter shares their address, not their port.
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port},127.0.0.1:{hops.port}",
    ) as running:
        yield running


SPELLINGS = [
    "http://127.0.0.1:{port}/",
    "http://127.1:{port}/",
    "http://2130706433:{port}/",
    "http://0x7f.0.0.1:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::1]:{port}/",
    "http://localhost:{port}/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1:{port}/",
    "gopher://127.0.0.1:{port}/",
    "http://127.0.0.1.:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0x7f.1:{port}/",
    "http://LOCALHOST.:{port}/",
    "http://app.localhost:{port}/",
    *UNICODE_LOOPBACK,
    # Hosts that cannot be normalised are refused too.
    "http://%31%32%37.0.0.1:{port}/",
    "http://1.2.3.4.5:{port}/",
]


@pytest.mark.parametrize("template", SPELLINGS)
def test_the_api_refuses_blocked_urls_before_queueing(
    stack: Stack, counter: LoopbackServer, template: str
) -> None:
    error = stack.refused({"url": template.format(port=counter.port), "schema": {"title": "string"}})
    assert error["details"][0]["field"] == "body.url"
    assert counter.requests == []


@pytest.mark.parametrize("template", SPELLINGS)
async def test_the_worker_fails_a_queued_blocked_url_with_blocked_address(
    stack: Stack, counter: LoopbackServer, template: str
) -> None:
    db = Database(Settings(_env_file=None, DATABASE_URL=stack.env["DATABASE_URL"]))  # type: ignore[call-arg]
    try:
        url = template.format(port=counter.port)
        job_id = await enqueue(db, "scrape.page", {"url": url, "schema": {"title": "string"}})
        row = await wait_status(db, job_id, "failed", "completed")
    finally:
        await db.close()
    assert (row.status, row.error_code, row.attempts) == ("failed", "blocked_address", 1)
    assert counter.requests == []


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
def test_every_redirect_status_to_a_blocked_address_fails_with_blocked_address(
    stack: Stack, hops: LoopbackServer, counter: LoopbackServer, status: int
) -> None:
    for template in HOP_TARGETS:
        url = f"{hops.url}/go/{status}?to={template.format(port=counter.port)}"
        job = stack.run({"url": url, "schema": {"title": "string"}})
        assert (job["status"], job["error"]["code"]) == ("failed", "blocked_address"), job["error"]
    assert counter.requests == []


def test_a_crawl_never_follows_a_link_to_a_blocked_address(
    stack: Stack, hops: LoopbackServer, counter: LoopbackServer
) -> None:
    links = "&".join(f"to={quote(t.format(port=counter.port))}" for t in [*HOP_TARGETS, *SPELLINGS[:4]])
    job = stack.run({
        "url": f"{hops.url}/links?{links}", "schema": {"h": "h1"},
        "crawl": {"same_domain": False, "max_depth": 1, "max_pages": 20},
    })  # fmt: skip
    assert job["status"] == "completed", job["error"]
    failed = job["result"]["failed_pages"]
    assert len(failed) >= len(HOP_TARGETS), job["result"]
    assert {page["code"] for page in failed} == {"blocked_address"}
    assert counter.requests == []


def test_a_redirect_to_a_private_address_fails_with_blocked_address(
    stack: Stack, shop: LoopbackServer, counter: LoopbackServer
) -> None:
    for target in (f"http://127.0.0.1:{counter.port}/", f"http://[::ffff:127.0.0.1]:{counter.port}/x"):
        job = stack.run({"url": f"{shop.url}/go?to={target}", "schema": {"title": "string"}})
        assert job["status"] == "failed"
        assert job["error"]["code"] == "blocked_address", job["error"]
    assert counter.requests == []


def test_a_host_name_that_resolves_to_a_private_address_is_refused(
    stack: Stack, counter: LoopbackServer
) -> None:
    name = socket.gethostname()
    addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    if not all(a.startswith(("127.", "10.", "192.168.", "172.")) or a == "::1" for a in addresses):
        pytest.skip(f"{name} does not resolve to a private address here")
    job = stack.run({"url": f"http://{name}:{counter.port}/", "schema": {"title": "string"}})
    assert job["status"] == "failed"
    assert job["error"]["code"] == "blocked_address"
    assert "resolves to" in job["error"]["message"]
    assert counter.requests == []


def test_the_allowed_host_port_itself_is_scraped(stack: Stack, shop: LoopbackServer) -> None:
    job = stack.run({"url": f"{shop.url}/p/1", "schema": {"title": "string"}})
    assert job["result"]["data"] == {"title": "Blue Mug 1"}
