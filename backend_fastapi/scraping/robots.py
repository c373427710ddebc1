"""robots.txt: parsing (RFC 9309 with Google's wildcards) and a per-host cache in the worker.

Groups are chosen by the most specific user-agent token matching ours (else `*`); within a group
the longest matching rule wins and `Allow` wins ties. 4xx means no rules; 5xx or an unreachable
server means "disallow everything for now" (RFC 9309, 2.3.1.4), reported as a transient error.
The first 500 KiB of a larger file are read (RFC 9309, 2.5), up to its last whole line.

Rules come from a remote site, so they are never turned into regexes: a rule is its literal parts
between `*`s, matched left to right with `str.find` (the leftmost place of each part is always
the right one when `*` is the only wildcard), which takes at most O(len(rule) * len(path)) time.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from urllib.parse import unquote, urlsplit

from backend_fastapi.errors import BlockedAddress, JobError
from backend_fastapi.outbound import GuardedClient, read_chunks
from backend_fastapi.scraping.errors import RobotsUnavailable

MAX_ROBOTS_BYTES = 500 * 1024
CACHE_SECONDS = 3600.0
CACHE_SIZE = 512
# `Sitemap:` lines kept from one robots.txt.
MAX_SITEMAP_LINES = 1000


@dataclass(frozen=True)
class PathPattern:
    """A rule's path: literal parts between `*`s; `anchored` when it ended in `$`."""

    parts: tuple[str, ...]
    anchored: bool

    @classmethod
    def parse(cls, path: str) -> PathPattern:
        """The pattern of a rule's value (percent-decoded, as paths are before matching)."""
        anchored = path.endswith("$")
        return cls(tuple(unquote(path.rstrip("$") if anchored else path).split("*")), anchored)

    def matches(self, path: str) -> bool:
        """True when the pattern matches `path` from its start (to its end when anchored)."""
        first, *middle = self.parts
        if not path.startswith(first):
            return False
        if not middle:
            return not self.anchored or len(path) == len(first)
        last = middle.pop()
        at = len(first)
        for part in middle:
            found = path.find(part, at)
            if found < 0:
                return False
            at = found + len(part)
        if self.anchored:
            return len(path) - len(last) >= at and path.endswith(last)
        return path.find(last, at) >= 0


@dataclass
class Rules:
    """The rules of the group that applies to us."""

    rules: list[tuple[bool, str, PathPattern]] = field(default_factory=list)
    crawl_delay: float | None = None
    # `Sitemap:` lines: they belong to no group (RFC 9309, 2.3.5), so every token gets them all.
    sitemaps: list[str] = field(default_factory=list)

    def allowed(self, url: str) -> bool:
        """True when the path (and query) of `url` may be fetched."""
        parts = urlsplit(url)
        path = unquote(parts.path or "/") + (f"?{unquote(parts.query)}" if parts.query else "")
        if path == "/robots.txt":
            return True
        best_len, verdict = -1, True
        for allow, raw, pattern in self.rules:
            if (len(raw) > best_len or (len(raw) == best_len and allow)) and pattern.matches(path):
                best_len, verdict = len(raw), allow
        return verdict


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against (`DataOps/0.1 (...)` -> `dataops`)."""
    token = re.split(r"[/\s;(]", user_agent.strip(), maxsplit=1)[0]
    return token.lower() or "*"


def parse_robots(text: str, token: str) -> Rules:
    """The rules that apply to `token` in a robots.txt body."""
    groups: list[tuple[list[str], Rules]] = []
    agents: list[str] = []
    current: Rules | None = None
    sitemaps: list[str] = []
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
        if key == "sitemap":
            if value.startswith(("http://", "https://")) and len(sitemaps) < MAX_SITEMAP_LINES:
                sitemaps.append(value)
            continue
        if key == "user-agent":
            if current is not None:
                agents, current = [], None
            agents.append(value.lower())
            continue
        if current is None:
            if not agents:
                continue
            current = Rules()
            groups.append((agents, current))
        if key in ("allow", "disallow") and value:
            current.rules.append((key == "allow", value, PathPattern.parse(value)))
        elif key == "crawl-delay":
            try:
                current.crawl_delay = float(value)
            except ValueError:
                pass
    selected = _select(groups, token)
    return replace(selected, sitemaps=list(dict.fromkeys(sitemaps)))


def _select(groups: list[tuple[list[str], Rules]], token: str) -> Rules:
    best: Rules | None = None
    best_len = -1
    merged: Rules | None = None
    for agents, rules in groups:
        for agent in agents:
            if agent != "*" and agent in token and len(agent) > best_len:
                best, best_len = rules, len(agent)
    if best is not None:
        return best
    # Several `*` groups are one group (RFC 9309, 2.2.1).
    for agents, rules in groups:
        if "*" in agents:
            merged = merged or Rules()
            merged.rules.extend(rules.rules)
            merged.crawl_delay = merged.crawl_delay or rules.crawl_delay
    return merged or Rules()


class RobotsCache:
    """robots.txt per origin, shared by the jobs of one worker process, fetched once per hour."""

    def __init__(self) -> None:
        self._entries: OrderedDict[tuple[str, str], tuple[float, Rules]] = OrderedDict()
        self._pending: dict[tuple[str, str], asyncio.Future[Rules]] = {}

    async def rules_for(self, client: GuardedClient, url: str, token: str) -> Rules:
        """The rules of `url`'s origin for `token`; raises RobotsUnavailable on 5xx/unreachable."""
        parts = urlsplit(url)
        key = (f"{parts.scheme}://{parts.netloc}", token)
        while True:
            entry = self._entries.get(key)
            if entry is not None and entry[0] > time.monotonic():
                self._entries.move_to_end(key)
                return entry[1]
            pending = self._pending.get(key)
            if pending is None:
                return await self._fetch(client, key)
            try:
                return await asyncio.shield(pending)
            except _Interrupted:
                continue  # the job fetching it was cancelled: fetch it ourselves

    async def _fetch(self, client: GuardedClient, key: tuple[str, str]) -> Rules:
        future: asyncio.Future[Rules] = asyncio.get_running_loop().create_future()
        self._pending[key] = future
        try:
            rules = await _fetch_rules(client, *key)
        except BaseException as exc:
            future.set_exception(_Interrupted() if isinstance(exc, asyncio.CancelledError) else exc)
            future.exception()  # marks it retrieved: waiters re-raise it, nobody else needs to
            raise
        finally:
            self._pending.pop(key, None)
        future.set_result(rules)
        self._entries[key] = (time.monotonic() + CACHE_SECONDS, rules)
        while len(self._entries) > CACHE_SIZE:
            self._entries.popitem(last=False)
        return rules


class _Interrupted(Exception):
    """The fetch of a shared robots.txt was cancelled with the job that started it."""


async def _fetch_rules(client: GuardedClient, origin: str, token: str) -> Rules:
    url = f"{origin}/robots.txt"
    try:
        status, body = await _read_robots(client, url)
    except BlockedAddress:
        raise
    except JobError as exc:
        raise RobotsUnavailable(
            f"{url} could not be read: {exc.message}", retry_after=exc.retry_after
        ) from exc
    if status >= 500 or status == 429:
        raise RobotsUnavailable(f"{url} answered {status}; the site is not fetched until it answers.")
    if status >= 400:
        return Rules()
    return parse_robots(body.decode("utf-8", errors="replace"), token)


async def _read_robots(client: GuardedClient, url: str) -> tuple[int, bytes]:
    """The status and at most MAX_ROBOTS_BYTES of the body, cut after its last whole line."""
    async with client.open(url, max_redirects=5) as (resp, _redirects):
        if resp.status >= 400:
            return resp.status, b""
        chunks: list[bytes] = []
        size = 0
        async for chunk in read_chunks(resp):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_ROBOTS_BYTES:
                break
        data = b"".join(chunks)
        if size > MAX_ROBOTS_BYTES:
            # A line cut in two could turn `Allow: /a/b` into the broader `Allow: /a`: drop it.
            data = data[:MAX_ROBOTS_BYTES]
            data = data[: data.rfind(b"\n") + 1]
        return resp.status, data


ROBOTS = RobotsCache()
