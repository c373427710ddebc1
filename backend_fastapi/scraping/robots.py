"""robots.txt: parsing (RFC 9309 with Google's wildcards) and a per-host cache in the worker.

Groups are chosen by the most specific user-agent token matching ours (else `*`); within a group
the longest matching rule wins and `Allow` wins ties. 4xx means no rules; 5xx or an unreachable
server means "disallow everything for now" (RFC 9309, 2.3.1.4), reported as a transient error.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

from backend_fastapi.errors import BlockedAddress, JobError
from backend_fastapi.scraping.errors import RobotsUnavailable
from backend_fastapi.scraping.guarded_http import GuardedClient

MAX_ROBOTS_BYTES = 500 * 1024
CACHE_SECONDS = 3600.0
CACHE_SIZE = 512


@dataclass
class Rules:
    """The rules of the group that applies to us."""

    rules: list[tuple[bool, str, re.Pattern[str]]] = field(default_factory=list)
    crawl_delay: float | None = None

    def allowed(self, url: str) -> bool:
        """True when the path (and query) of `url` may be fetched."""
        parts = urlsplit(url)
        path = unquote(parts.path or "/") + (f"?{unquote(parts.query)}" if parts.query else "")
        if path == "/robots.txt":
            return True
        best_len, verdict = -1, True
        for allow, raw, pattern in self.rules:
            if pattern.match(path) and (len(raw) > best_len or (len(raw) == best_len and allow)):
                best_len, verdict = len(raw), allow
        return verdict


def _pattern(path: str) -> re.Pattern[str]:
    anchored = path.endswith("$")
    body = re.escape(unquote(path.rstrip("$") if anchored else path)).replace(r"\*", ".*")
    return re.compile(body + ("$" if anchored else ""))


def agent_token(user_agent: str) -> str:
    """The product token robots.txt groups are matched against (`DataOps/0.1 (...)` -> `dataops`)."""
    token = re.split(r"[/\s;(]", user_agent.strip(), maxsplit=1)[0]
    return token.lower() or "*"


def parse_robots(text: str, token: str) -> Rules:
    """The rules that apply to `token` in a robots.txt body."""
    groups: list[tuple[list[str], Rules]] = []
    agents: list[str] = []
    current: Rules | None = None
    for raw_line in text.splitlines():
        line = raw_line.split("#", 1)[0].strip()
        if ":" not in line:
            continue
        key, _, value = line.partition(":")
        key, value = key.strip().lower(), value.strip()
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
            current.rules.append((key == "allow", value, _pattern(value)))
        elif key == "crawl-delay":
            try:
                current.crawl_delay = float(value)
            except ValueError:
                pass
    return _select(groups, token)


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
        response = await client.get(url, max_bytes=MAX_ROBOTS_BYTES, max_redirects=5)
    except BlockedAddress:
        raise
    except JobError as exc:
        raise RobotsUnavailable(
            f"{url} could not be read: {exc.message}", retry_after=exc.retry_after
        ) from exc
    if response.status >= 500 or response.status == 429:
        raise RobotsUnavailable(
            f"{url} answered {response.status}; the site is not fetched until it answers."
        )
    if response.status >= 400:
        return Rules()
    text = response.body.decode("utf-8", errors="replace")
    return parse_robots(text, token)


ROBOTS = RobotsCache()
