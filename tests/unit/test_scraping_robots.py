"""robots.txt: the group for our agent, longest match wins, wildcards, Crawl-delay."""

from __future__ import annotations

import asyncio

import pytest

from backend_fastapi.scraping.errors import RobotsUnavailable
from backend_fastapi.scraping.guarded_http import GuardedClient
from backend_fastapi.scraping.robots import RobotsCache, agent_token, parse_robots
from tests.support.servers import Recorded, loopback_server

ROBOTS = """
# comment
User-agent: *
Disallow: /private
Allow: /private/open
Disallow: /*.pdf$
Crawl-delay: 2

User-agent: DataOps
User-agent: other
Disallow: /no-dataops
"""


def test_our_own_group_wins_over_the_star_group() -> None:
    rules = parse_robots(ROBOTS, "dataops")
    assert not rules.allowed("https://s.example/no-dataops/1")
    assert rules.allowed("https://s.example/private")
    assert rules.crawl_delay is None


def test_longest_match_wins_and_wildcards_anchor() -> None:
    rules = parse_robots(ROBOTS, "somebot")
    assert not rules.allowed("https://s.example/private/x")
    assert rules.allowed("https://s.example/private/open/x")
    assert not rules.allowed("https://s.example/files/a.pdf")
    assert rules.allowed("https://s.example/files/a.pdf?download=1")
    assert rules.allowed("https://s.example/robots.txt")
    assert rules.crawl_delay == 2.0


def test_no_rules_allows_everything() -> None:
    assert parse_robots("", "dataops").allowed("https://s.example/anything")
    assert parse_robots("User-agent: x\nDisallow: /\n", "dataops").allowed("https://s.example/")


def test_agent_token_is_the_product_name() -> None:
    assert agent_token("DataOps/0.1 (self-hosted)") == "dataops"
    assert agent_token("Mozilla/5.0 (X11)") == "mozilla"


async def test_robots_txt_is_fetched_once_per_origin_and_server_errors_mean_not_now() -> None:
    answers = {"/robots.txt": (200, "User-agent: *\nDisallow: /no\n")}

    def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        status, body = answers.get(request.path, (404, ""))
        return status, {"Content-Type": "text/plain"}, body.encode()

    with loopback_server(respond) as server:
        async with GuardedClient([f"127.0.0.1:{server.port}"], user_agent="DataOps/test") as client:
            cache = RobotsCache()
            rules = await asyncio.gather(
                *(cache.rules_for(client, f"{server.url}/p/{i}", "dataops") for i in range(5))
            )
            assert len([r for r in server.requests if r.path == "/robots.txt"]) == 1
            assert not rules[0].allowed(f"{server.url}/no/1")
            answers["/robots.txt"] = (503, "")
            with pytest.raises(RobotsUnavailable):
                await RobotsCache().rules_for(client, f"{server.url}/", "dataops")
            answers["/robots.txt"] = (404, "")
            assert (await RobotsCache().rules_for(client, f"{server.url}/", "dataops")).allowed(
                f"{server.url}/no"
            )
