"""Proxies through the real API and worker, with real proxy servers on loopback.

The worker's PROXY_URLS hold two good proxies (HTTP, and SOCKS5 with a password) and four bad
ones: one resets every connection, one answers 403, one answers a captcha page, one is a closed
port. Counting at the proxies and at the site: requests are spread over the proxies, a bad proxy
cools down after its first failure and the page is fetched through another, sticky rotation keeps
a host (or a job) on one proxy, a request's own `options.proxy` is used alone and shown without
its password, the browser's requests go through the proxy, the address guard still refuses
private targets, and `/health` tells each proxy's state (written by the worker into its row,
beside its capabilities, on SQLite and PostgreSQL).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_fastapi.store import worker_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import WorkerRow
from tests.support.postgres import BOTH_BACKENDS
from tests.support.proxy_servers import ProxyServer, closed_port, proxy_py, proxy_server, tls_files
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.waiting import wait_for

PAGES = 12
SECRET = "s3cret-pw"
APP_PAGE = b"""<!doctype html><html><body><h1 id="title">loading</h1><script>
fetch('/data.json').then(r => r.json()).then(d => {
  document.getElementById('title').textContent = d.title;
  document.body.insertAdjacentHTML('beforeend', '<p id="done">done</p>');
});
</script></body></html>"""


def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
    """`/`: links to `/item/1..PAGES`; `/item/N`: a page with an `h1`; `/app`: a page whose
    script fetches `/data.json`; `/go?to=URL` redirects there; anything else 404 (robots.txt too)."""
    html = {"Content-Type": "text/html; charset=utf-8"}
    path = request.path.split("?", 1)[0]
    if path == "/":
        links = "".join(f'<a class="item" href="/item/{n}">{n}</a>' for n in range(1, PAGES + 1))
        return 200, html, f"<html><body>{links}</body></html>".encode()
    if path.startswith("/item/"):
        return 200, html, f"<html><body><h1>Item {path.rsplit('/', 1)[1]}</h1></body></html>".encode()
    if path == "/app":
        return 200, html, APP_PAGE
    if path == "/data.json":
        return 200, {"Content-Type": "application/json"}, b'{"title": "from the script"}'
    if path == "/go":
        return 302, {"Location": request.path.split("?to=", 1)[1]}, b""
    return 404, html, b"<h1>not found</h1>"


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackServer]:
    with loopback_server(respond) as server:
        yield server


@pytest.fixture(scope="module")
def other_site() -> Iterator[LoopbackServer]:
    """The same pages on another loopback host (127.0.0.2): a second host for sticky rotation."""
    with loopback_server(respond, host="127.0.0.2") as server:
        yield server


class Proxies:
    def __init__(self, stack: ExitStack, folder: Path) -> None:
        self.http = stack.enter_context(proxy_server("http"))
        self.socks = stack.enter_context(proxy_server("socks5", auth=("scraper", SECRET)))
        self.reset = stack.enter_context(proxy_server("http", mode="reset"))
        self.forbid = stack.enter_context(proxy_server("http", mode="forbid"))
        self.captcha = stack.enter_context(proxy_server("http", mode="captcha"))
        self.closed = f"http://127.0.0.1:{closed_port()}"
        # A request's own proxies (allowed by PROXY_ALLOW_HOSTS, not in PROXY_URLS).
        self.own = stack.enter_context(proxy_server("http", auth=("me", SECRET)))
        self.own_broken = stack.enter_context(proxy_server("socks5", mode="reset"))
        # TLS to the proxy: the worker trusts its certificate through SSL_CERT_FILE.
        self.tls = tls_files(folder)
        self.secure = stack.enter_context(proxy_server("https", auth=("me", SECRET), tls=self.tls))
        self.third_party = stack.enter_context(proxy_py(folder, ("me", SECRET)))

    @property
    def good(self) -> list[ProxyServer]:
        return [self.http, self.socks]

    @property
    def configured(self) -> list[str]:
        return [self.http.url, self.socks.url, self.reset.url, self.forbid.url, self.captcha.url, self.closed]


@pytest.fixture(scope="module")
def proxies(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Proxies]:
    with ExitStack() as stack:
        yield Proxies(stack, tmp_path_factory.mktemp("proxy-tls"))


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory,
    site: LoopbackServer,
    other_site: LoopbackServer,
    proxies: Proxies,
) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("proxies")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.port},127.0.0.2:{other_site.port}",
        PROXY_URLS=",".join(proxies.configured),
        PROXY_ROTATION="request",
        # Long enough that a bad proxy still rests when /health is read at the end.
        PROXY_COOLDOWN_SECONDS=600,
        PROXY_MAX_ATTEMPTS=6,
        PROXY_ALLOW_HOSTS=",".join(
            p.address for p in (proxies.own, proxies.own_broken, proxies.secure, proxies.third_party)
        ),
        SSL_CERT_FILE=proxies.tls[0],
    ) as running:
        yield running


def crawl(start: str, **options: object) -> dict[str, object]:
    return {
        "url": f"{start}/",
        "schema": {"title": "h1"},
        "crawl": {"follow": "a.item", "max_pages": PAGES + 1, "max_depth": 1},
        "max_attempts": 1,
        "options": {"respect_robots": False, "max_concurrency": 1, **options},
    }


def seen_paths(proxy: ProxyServer, site: LoopbackServer, since: int = 0) -> list[str]:
    """What `proxy` carried to `site` (from its `since`-th request on)."""
    marker = site.url.split("//", 1)[1]
    return [line for line in proxy.seen[since:] if marker in line]


def test_requests_are_spread_over_the_proxies_and_bad_ones_cool_down(
    stack: Stack, site: LoopbackServer, proxies: Proxies
) -> None:
    before = len(site.requests)
    job = stack.run(crawl(site.url))
    assert job["status"] == "completed", job.get("error")
    records = stack.records(job["job_id"])
    assert sorted(r["data"]["title"] for r in records) == sorted(f"Item {n}" for n in range(1, PAGES + 1))
    assert job["result"]["failed_pages"] == [], job["result"]
    # Every page reached the site once, each through one of the good proxies, and both carried some.
    assert len(site.requests) - before == PAGES + 1
    carried = {proxy.kind: len(seen_paths(proxy, site)) for proxy in proxies.good}
    assert sum(carried.values()) == PAGES + 1, carried
    assert all(count >= 3 for count in carried.values()), carried
    # Each bad proxy was tried once, then rested: the pages went on through the good ones.
    assert len(proxies.forbid.seen) == 1
    assert len(proxies.captcha.seen) == 1
    assert proxies.reset.connections >= 1  # (aiohttp may try a reset connection twice)


def test_health_shows_each_proxy_state_without_passwords(stack: Stack, proxies: Proxies) -> None:
    def cooled() -> dict[str, Any] | None:
        body: dict[str, Any] = httpx.get(f"{stack.base}/health", timeout=10).json()
        health = body.get("proxies", {})
        # The first crawl's 13 pages, each carried by one of the two good proxies.
        carried = sum(item["requests"] - item["failures"] for item in health.get("items", []))
        return body if health.get("cooling") == 4 and carried == PAGES + 1 else None

    # The worker writes its proxies' health to the database about a second after it changes.
    body = wait_for(cooled)
    health = body["proxies"]
    assert health["total"] == 6, health
    by_url = {item["proxy"]: item for item in health["items"]}
    assert f"socks5://scraper:***@{proxies.socks.address}" in by_url
    assert SECRET not in str(body)
    for good in (proxies.http.url, f"socks5://scraper:***@{proxies.socks.address}"):
        assert by_url[good]["state"] == "ok"
        assert by_url[good]["failures"] == 0
    for bad in (proxies.reset.url, proxies.forbid.url, proxies.captcha.url, proxies.closed):
        item = by_url[bad]
        assert (item["state"], item["failures"]) == ("cooling", 1), item
        assert item["cooling_until"] is not None
    assert "403" in by_url[proxies.forbid.url]["last_error"]
    assert "captcha" in by_url[proxies.captcha.url]["last_error"]


def test_sticky_per_host_keeps_each_host_on_one_proxy(
    stack: Stack, site: LoopbackServer, other_site: LoopbackServer, proxies: Proxies
) -> None:
    before = {proxy.kind: len(proxy.seen) for proxy in proxies.good}
    for start in (site, other_site, site, other_site):
        job = stack.run(crawl(start.url, proxy_rotation="host", max_concurrency=4))
        assert job["status"] == "completed", job.get("error")
    for start in (site, other_site):
        carried = {proxy.kind: len(seen_paths(proxy, start, before[proxy.kind])) for proxy in proxies.good}
        assert sorted(carried.values()) == [0, 2 * (PAGES + 1)], (start.url, carried)


def test_sticky_per_session_keeps_a_job_on_one_proxy(
    stack: Stack, site: LoopbackServer, proxies: Proxies
) -> None:
    before = {proxy.kind: len(proxy.seen) for proxy in proxies.good}
    job = stack.run(crawl(site.url, proxy_rotation="session", max_concurrency=4))
    assert job["status"] == "completed", job.get("error")
    grew = {proxy.kind: len(proxy.seen) - before[proxy.kind] for proxy in proxies.good}
    assert sorted(grew.values()) == [0, PAGES + 1], grew


def test_a_request_s_own_proxy_is_used_alone_and_never_shown_with_its_password(
    stack: Stack, site: LoopbackServer, proxies: Proxies
) -> None:
    configured_before = [len(proxy.seen) for proxy in proxies.good]
    url = f"http://me:{SECRET}@{proxies.own.address}"
    job = stack.run(crawl(site.url, proxy=url))
    assert job["status"] == "completed", job.get("error")
    assert len(seen_paths(proxies.own, site)) == PAGES + 1
    assert [len(proxy.seen) for proxy in proxies.good] == configured_before
    shown = f"http://me:***@{proxies.own.address}"
    assert job["request"]["options"]["proxy"] == shown
    stored = httpx.get(f"{stack.base}/api/jobs/{job['job_id']}/request", timeout=10).json()
    assert stored["options"]["proxy"] == shown
    assert SECRET not in str(job)
    assert SECRET not in stack.worker.log()
    assert SECRET not in stack.api.log()


def test_an_https_proxy_is_reached_over_tls(stack: Stack, site: LoopbackServer, proxies: Proxies) -> None:
    job = stack.run(crawl(site.url, proxy=proxies.secure.url))
    assert job["status"] == "completed", job.get("error")
    assert len(seen_paths(proxies.secure, site)) == PAGES + 1
    assert job["request"]["options"]["proxy"] == f"https://me:***@{proxies.secure.address}"


def test_a_crawl_goes_through_proxy_py(stack: Stack, site: LoopbackServer, proxies: Proxies) -> None:
    job = stack.run(crawl(site.url, proxy=proxies.third_party.url, max_concurrency=4))
    assert job["status"] == "completed", job.get("error")
    assert len(stack.records(job["job_id"])) == PAGES
    marker = f"GET 127.0.0.1:{site.port}/"
    assert len([line for line in proxies.third_party.seen() if line.startswith(marker)]) == PAGES + 1


def test_a_request_can_bypass_the_proxies(stack: Stack, site: LoopbackServer, proxies: Proxies) -> None:
    before = [len(proxy.seen) for proxy in proxies.good]
    job = stack.run({**crawl(site.url, proxy="none"), "crawl": None})
    assert job["status"] == "completed", job.get("error")
    assert [len(proxy.seen) for proxy in proxies.good] == before


def test_a_failing_own_proxy_fails_the_job_with_proxy_error_and_no_password(
    stack: Stack, site: LoopbackServer, proxies: Proxies
) -> None:
    url = f"socks5://me:{SECRET}@{proxies.own_broken.address}"
    job = stack.run({**crawl(site.url, proxy=url), "crawl": None})
    assert job["status"] == "failed"
    assert job["error"]["code"] == "proxy_error", job["error"]
    assert f"socks5://me:***@{proxies.own_broken.address}" in job["error"]["message"]
    assert SECRET not in str(job)
    assert SECRET not in stack.worker.log()


@pytest.mark.parametrize(
    ("proxy", "reason"),
    [
        ("ftp://127.0.0.1:21", "scheme"),
        ("socks5://203.0.113.7", "port"),
        ("http://user:pw@127.0.0.1:3128", "loopback"),
        ("http://10.1.2.3:3128", "private"),
        ("http://localhost:3128", "loopback"),
        ("http://203.0.113.7:3128/path", "path"),
    ],
)
def test_the_api_refuses_a_bad_or_private_proxy(
    stack: Stack, site: LoopbackServer, proxy: str, reason: str
) -> None:
    error = stack.refused({"url": f"{site.url}/", "schema": {"title": "h1"}, "options": {"proxy": proxy}})
    assert error["details"][0]["field"] == "body.options.proxy"
    assert reason in error["details"][0]["message"]
    assert "pw" not in str(error)


def test_the_guard_refuses_private_targets_through_the_proxies(
    stack: Stack, site: LoopbackServer, counter: LoopbackServer, proxies: Proxies
) -> None:
    # A proxy's own address, and the private counter, are no targets: refused before queueing.
    for target in (f"http://{proxies.http.address}/", f"http://127.0.0.1:{counter.port}/"):
        stack.refused({"url": target, "schema": {"title": "h1"}})
    # A redirect to the counter: the guard refuses the hop before any proxy is asked for it.
    for rotation in ("request", "session"):
        job = stack.run(
            {
                **crawl(f"{site.url}/go?to=http://127.0.0.1:{counter.port}/x", proxy_rotation=rotation),
                "crawl": None,
            }
        )
        assert (job["status"], job["error"]["code"]) == ("failed", "blocked_address"), job["error"]
    # A name that resolves to a private address: checked here, never handed to a proxy to resolve.
    name = socket.gethostname()
    addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    if all(ipaddress.ip_address(a).is_private for a in addresses):
        job = stack.run({**crawl(f"http://{name}:{counter.port}"), "crawl": None})
        assert (job["status"], job["error"]["code"]) == ("failed", "blocked_address"), job["error"]
        assert "resolves to" in job["error"]["message"]
    assert counter.requests == []
    assert not [line for proxy in proxies.good for line in proxy.hosts() if str(counter.port) in line]


@pytest.mark.browser
def test_the_browser_s_requests_go_through_the_proxy(
    stack: Stack, site: LoopbackServer, proxies: Proxies
) -> None:
    before = len(proxies.own.seen)
    job = stack.run(
        {
            "url": f"{site.url}/app",
            "strategy": "dynamic",
            "schema": {"title": "#title"},
            "max_attempts": 1,
            "options": {"respect_robots": False, "wait_for": "#done", "proxy": proxies.own.url},
        },
        timeout=90,
    )
    assert job["status"] == "completed", job.get("error")
    assert stack.records(job["job_id"])[0]["data"]["title"] == "from the script"
    seen = proxies.own.seen[before:]
    assert f"GET {site.url}/app" in seen, seen
    assert f"GET {site.url}/data.json" in seen, seen


@BOTH_BACKENDS
async def test_proxy_health_and_capabilities_keep_each_other_in_the_workers_row(db: Database) -> None:
    now = await db.now()
    info = {"id": "w1", "hostname": "h", "pid": 1, "concurrency": 2, "running": 0, "version": "t"}
    await db.write(lambda c: worker_rows.register_worker(c, info, now))
    health = [{"proxy": "http://u:***@10.0.0.5:3128", "state": "ok", "requests": 1, "failures": 0}]

    async def row() -> WorkerRow:
        (found,) = await db.fetch(lambda c: worker_rows.live_workers(c, now - 1))
        return found

    # Proxy health before the start-up check: the worker is still checking, its proxies known.
    await db.write(lambda c: worker_rows.set_worker_proxies(c, "w1", health))
    assert ((await row()).capabilities, (await row()).proxies) == (None, health)
    await db.write(lambda c: worker_rows.set_worker_capabilities(c, "w1", {"scrape.static": "ok"}))
    assert ((await row()).capabilities, (await row()).proxies) == ({"scrape.static": "ok"}, health)
    later = [{**health[0], "state": "cooling", "failures": 1}]
    await db.write(lambda c: worker_rows.set_worker_proxies(c, "w1", later))
    assert ((await row()).capabilities, (await row()).proxies) == ({"scrape.static": "ok"}, later)
