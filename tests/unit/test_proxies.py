"""The proxy pool on its own: what counts as a ban, how long a proxy rests, and what a request does
when every proxy rests (waits for the first one back, or fails with `proxies_unavailable`)."""

from __future__ import annotations

import asyncio
import time

import pytest

from backend_fastapi.netguard import BadProxy, parse_proxy, redact_proxy
from backend_fastapi.outbound import Response
from backend_fastapi.scraping.proxies import ProxiesUnavailable, ProxyPool, ProxyRoute, ban_reason

HTML = {"Content-Type": "text/html; charset=utf-8"}


def answer(status: int, body: bytes = b"<h1>ok</h1>", headers: dict[str, str] = HTML) -> Response:
    return Response(url="http://shop.example/", status=status, headers=headers, body=body)


def pool(count: int, cooldown: float = 30.0, max_cooldown: float = 600.0) -> ProxyPool:
    proxies = [parse_proxy(f"http://user:pw@10.0.0.{n}:3128", trusted=True) for n in range(1, count + 1)]
    return ProxyPool(proxies, cooldown, max_cooldown)


@pytest.mark.parametrize(
    ("response", "banned"),
    [
        (answer(200), False),
        (answer(404), False),
        (answer(503), False),
        (answer(403), True),
        (answer(429), True),
        (answer(200, b'<div class="g-recaptcha"></div>'), True),
        (answer(200, b'<script src="/cdn-cgi/challenge-platform/h/b/orchestrate"></script>'), True),
        # A long page that embeds a captcha widget in its comment form is no challenge page.
        (answer(200, b"<p>article</p>" * 6000 + b'<div class="h-captcha"></div>'), False),
        (answer(200, b'{"g-recaptcha": 1}', {"Content-Type": "application/json"}), False),
    ],
)
def test_bans_are_403_429_and_short_captcha_pages(response: Response, banned: bool) -> None:
    assert (ban_reason(response) is not None) is banned


async def test_a_failing_proxy_rests_longer_each_time_up_to_the_cap() -> None:
    proxies = pool(1, cooldown=10, max_cooldown=25)
    (proxy,) = proxies.health
    rests = []
    for _ in range(3):
        proxies.failed(proxy, "reset")
        rests.append(round(proxies.health[proxy].cooling_until - time.time()))
    assert rests == [10, 20, 25]
    proxies.succeeded(proxy)
    assert proxies.health[proxy].failures == 0


async def test_request_rotation_takes_each_proxy_in_turn_and_skips_resting_ones() -> None:
    proxies = pool(3)
    route = ProxyRoute(proxies, "request", "job", 3, 1.0)
    first = [await route.choose("shop.example", ()) for _ in range(6)]
    assert len(set(first)) == 3
    resting = first[0]
    assert resting is not None
    proxies.failed(resting, "the site answered 403")
    assert resting not in {await route.choose("shop.example", ()) for _ in range(6)}


async def test_when_every_proxy_rests_a_request_waits_for_the_first_back() -> None:
    proxies = pool(2, cooldown=0.3)
    for proxy in proxies.health:
        proxies.failed(proxy, "reset")
    route = ProxyRoute(proxies, "request", "job", 2, max_wait=30.0)
    started = time.monotonic()
    assert await asyncio.wait_for(route.choose("shop.example", ()), 30) in proxies.health
    assert time.monotonic() - started >= 0.25


async def test_when_every_proxy_rests_longer_than_the_request_may_wait_it_fails() -> None:
    proxies = pool(2, cooldown=60)
    for proxy in proxies.health:
        proxies.failed(proxy, "reset")
    route = ProxyRoute(proxies, "host", "job", 2, max_wait=1.0)
    with pytest.raises(ProxiesUnavailable) as raised:
        await route.choose("shop.example", ())
    assert raised.value.retryable
    assert raised.value.retry_after is not None
    assert raised.value.retry_after > 50
    assert "pw" not in str(raised.value.details)


def test_a_proxy_password_is_never_shown() -> None:
    proxy = parse_proxy("socks5://me:p%40ss@proxy.example:1080")
    assert proxy.password == "p@ss"
    assert proxy.shown == "socks5://me:***@proxy.example:1080"
    assert "p@ss" not in repr(proxy)
    assert redact_proxy("http://me:secret@proxy.example:3128") == "http://me:***@proxy.example:3128"
    with pytest.raises(BadProxy) as refused:
        parse_proxy("http://me:secret@127.0.0.1:3128")
    assert "secret" not in str(refused.value)
