"""robots.txt: the group for our agent, longest match wins, wildcards, Crawl-delay."""

from __future__ import annotations

import asyncio
import re
import time
from urllib.parse import unquote

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_fastapi.outbound import GuardedClient
from backend_fastapi.scraping.errors import RobotsUnavailable
from backend_fastapi.scraping.robots import (
    MAX_ROBOTS_BYTES,
    PathPattern,
    RobotsCache,
    agent_token,
    parse_robots,
)
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


def _reference(rule: str, path: str) -> bool:
    """What RFC 9309's wildcards mean, spelled as a (small, test-only) regex."""
    anchored = rule.endswith("$")
    body = re.escape(unquote(rule.rstrip("$"))).replace(r"\*", ".*")
    return re.match(body + ("$" if anchored else ""), path, re.DOTALL) is not None


@settings(max_examples=400, deadline=None)
@given(
    rule=st.text(alphabet="/ab*$%2", min_size=1, max_size=12).map(lambda r: "/" + r),
    path=st.text(alphabet="/ab*$", max_size=14).map(lambda p: "/" + p),
)
def test_wildcard_matching_means_what_the_rfc_says(rule: str, path: str) -> None:
    assert PathPattern.parse(rule).matches(path) == _reference(rule, path)


def test_wildcards_against_a_long_path_take_linear_time() -> None:
    # As a regex (`/.*a.*a...b`) this backtracks for hours; as parts found left to right it is instant.
    rules = parse_robots("User-agent: *\nDisallow: /" + "*a" * 200 + "*b\nAllow: /x*$\n", "dataops")
    path = "https://s.example/" + "a" * 20_000
    started = time.monotonic()
    assert rules.allowed(path)
    assert not rules.allowed(path + "b")
    assert time.monotonic() - started < 1.0


def test_longest_rule_wins_and_allow_wins_a_tie() -> None:
    rules = parse_robots("User-agent: *\nDisallow: /a*\nAllow: /a/$\nDisallow: /abc\nAllow: /ab*\n", "x")
    assert rules.allowed("https://s.example/a/")
    assert not rules.allowed("https://s.example/a/x")
    assert rules.allowed("https://s.example/abcd")  # `/abc` and `/ab*` are as long: Allow wins
    assert not parse_robots("User-agent: *\nDisallow: /%7Euser\n", "x").allowed("https://s.example/~user/a")


async def test_a_robots_txt_over_500_kib_is_read_up_to_its_last_whole_line() -> None:
    head = "User-agent: *\nDisallow: /early\nAllow: /late-open\n"
    filler = "# padding line\n" * ((MAX_ROBOTS_BYTES - len(head) - 30) // 15)
    room = MAX_ROBOTS_BYTES - len(head) - len(filler)
    # The line that straddles the 500 KiB mark would read `Disallow: /l` if cut: it must be dropped.
    straddling = " " * (room - len("Disallow: /l")) + "Disallow: /late-and-long\n"
    body = head + filler + straddling + "Disallow: /beyond\n" * 150_000
    assert body[:MAX_ROBOTS_BYTES].endswith("Disallow: /l")
    assert len(body) > 3_000_000

    def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        return 200, {"Content-Type": "text/plain"}, body.encode()

    with loopback_server(respond) as server:
        async with GuardedClient([f"127.0.0.1:{server.port}"], user_agent="DataOps/test") as client:
            rules = await RobotsCache().rules_for(client, f"{server.url}/", "dataops")
    assert not rules.allowed(f"{server.url}/early")
    assert rules.allowed(f"{server.url}/late")
    assert rules.allowed(f"{server.url}/beyond")
