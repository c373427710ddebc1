"""Proxy pools: which proxy a request goes through, which proxies rest, and how they are doing.

The operator's proxies (`PROXY_URLS`) form one pool per worker process, shared by its jobs, so a
proxy a site banned rests for every job. A request's own `options.proxy` is a pool of one for that
job (`none` sends the job's requests directly). Rotation (`PROXY_ROTATION`, or the request's
`options.proxy_rotation`):

- `request`: each request takes the next proxy (round robin);
- `host`: every request to a host goes through the same proxy while it is healthy;
- `session`: every request of a job goes through the same proxy while it is healthy.

The pool's health is written to the worker's row in the database when it changes (at most once a
`PUBLISH_DELAY`), for the API's `/health` (a request's own proxy is not shown there).

A proxy fails when the connection through it is refused, reset or times out, or the proxy itself
refuses; it is banned when the site answers 403 or 429 through it, or a short HTML answer carries
a captcha marker (`CAPTCHA_MARKERS`). Either way it cools down, PROXY_COOLDOWN_SECONDS doubled for
each failure in a row up to PROXY_MAX_COOLDOWN_SECONDS, and the request is sent again through
another proxy (PROXY_MAX_ATTEMPTS proxies at most). When every proxy rests, a request waits for
the first to come back if that is within its timeout, else fails with `proxies_unavailable`.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import Collection, Hashable, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from backend_fastapi.errors import PermanentJobError, TransientJobError
from backend_fastapi.netguard import BadProxy, ProxyAddress, parse_proxy
from backend_fastapi.outbound import ProxyChooser, Response
from backend_fastapi.schemas.scrape import ScrapeOptionsIn
from backend_fastapi.settings import Settings
from backend_fastapi.store import worker_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.worker.context import JobContext

log = logging.getLogger(__name__)

Rotation = Literal["request", "host", "session"]
BAN_STATUSES = frozenset({403, 429})
# What challenge pages hold (reCAPTCHA, hCaptcha, Cloudflare Turnstile and challenge, DataDome,
# PerimeterX). Looked for only in short HTML answers: a challenge page is small, while a long
# article may well embed a captcha widget in its comment form.
CAPTCHA_MARKERS = (
    b"g-recaptcha",
    b"h-captcha",
    b"cf-turnstile",
    b"/cdn-cgi/challenge-platform/",
    b"captcha-delivery.com",
    b"px-captcha",
)
CAPTCHA_MAX_BYTES = 64 * 1024
# Hosts (or jobs) remembered for sticky rotation; the oldest are forgotten first.
MAX_STICKY = 10_000
# Changes of health (and counts) within this many seconds are written to the database together:
# at most one small write a second per worker while requests flow, none while idle.
PUBLISH_DELAY = 1.0


class ProxiesUnavailable(TransientJobError):
    """Every proxy is cooling down after failures or bans; the job is tried again later."""

    code = "proxies_unavailable"


class ProxyConfigError(PermanentJobError):
    """A proxy of PROXY_URLS or of the request cannot be used."""

    code = "invalid_proxy"


def ban_reason(response: Response) -> str | None:
    """Why an answer says the site refuses the proxy (403, 429, a captcha page), or None."""
    if response.status in BAN_STATUSES:
        return f"the site answered {response.status}"
    if len(response.body) <= CAPTCHA_MAX_BYTES and "html" in response.content_type:
        body = response.body.lower()
        for marker in CAPTCHA_MARKERS:
            if marker in body:
                return f"a captcha page ({marker.decode()})"
    return None


@dataclass
class ProxyHealth:
    """How one proxy is doing; `cooling_until` is a wall-clock time (seconds since the epoch)."""

    proxy: ProxyAddress
    requests: int = 0
    failures: int = 0  # in a row: the cool-down doubles with each
    total_failures: int = 0
    last_error: str | None = None
    cooling_until: float = 0.0

    def cooling(self, now: float) -> bool:
        return self.cooling_until > now

    def as_dict(self, now: float) -> dict[str, object]:
        return {
            "proxy": self.proxy.shown,
            "state": "cooling" if self.cooling(now) else "ok",
            "requests": self.requests,
            "failures": self.total_failures,
            "failures_in_a_row": self.failures,
            "last_error": self.last_error,
            "cooling_until": self.cooling_until if self.cooling(now) else None,
        }


class ProxyPool:
    """Proxies with their health; rotation and stickiness are asked of it per request."""

    def __init__(self, proxies: Sequence[ProxyAddress], cooldown: float, max_cooldown: float) -> None:
        self.health = {proxy: ProxyHealth(proxy) for proxy in proxies}
        self.cooldown = cooldown
        self.max_cooldown = max_cooldown
        self._turn = itertools.count()
        self._sticky: OrderedDict[Hashable, ProxyAddress] = OrderedDict()
        self._db: Database | None = None
        self._worker_id = ""
        self._publishing: asyncio.Task[None] | None = None
        self._dirty = False

    def publish_to(self, db: Database, worker_id: str) -> None:
        """Write the pool's health to this worker's row now and after every change."""
        if self._db is None:
            self._db, self._worker_id = db, worker_id
            self._changed()

    def _changed(self) -> None:
        self._dirty = True
        if self._db is not None and (self._publishing is None or self._publishing.done()):
            self._publishing = asyncio.get_running_loop().create_task(self._publish())

    async def _publish(self) -> None:
        # A change made while the last snapshot was being written is written next round.
        while self._dirty and self._db is not None:
            await asyncio.sleep(PUBLISH_DELAY)
            self._dirty = False
            write = functools.partial(
                worker_rows.set_worker_proxies, worker_id=self._worker_id, proxies=self.snapshot()
            )
            try:
                await self._db.write(write)
            except Exception:
                log.warning("proxy.health_not_written", exc_info=True)

    def pick(self, key: Hashable | None, tried: Collection[ProxyAddress]) -> ProxyAddress | None:
        """A resting-free proxy not in `tried` (the sticky one of `key` while it is healthy), or None."""
        now = time.time()
        ready = [h.proxy for h in self.health.values() if not h.cooling(now) and h.proxy not in tried]
        if not ready:
            return None
        if key is not None:
            sticky = self._sticky.get(key)
            if sticky in ready:
                self._sticky.move_to_end(key)
                return sticky
        proxy = ready[next(self._turn) % len(ready)]
        if key is not None:
            self._sticky[key] = proxy
            self._sticky.move_to_end(key)
            if len(self._sticky) > MAX_STICKY:
                self._sticky.popitem(last=False)
        return proxy

    def next_ready_in(self) -> float:
        """Seconds until the first resting proxy may be used again (0: one is ready now)."""
        now = time.time()
        return max(0.0, min(h.cooling_until for h in self.health.values()) - now)

    def succeeded(self, proxy: ProxyAddress) -> None:
        health = self.health.get(proxy)
        if health is None:
            return
        health.requests += 1
        health.failures = 0
        self._changed()  # the counts move too: written with the next round

    def failed(self, proxy: ProxyAddress, reason: str) -> None:
        """The proxy failed or was banned: it rests, longer for each failure in a row."""
        health = self.health.get(proxy)
        if health is None:
            return
        health.requests += 1
        health.failures += 1
        health.total_failures += 1
        health.last_error = reason[:300]
        rest = min(self.cooldown * 2 ** (health.failures - 1), self.max_cooldown)
        health.cooling_until = time.time() + rest
        self._changed()
        log.warning(
            "proxy.cooling", extra={"proxy": proxy.shown, "reason": health.last_error, "seconds": rest}
        )

    def snapshot(self) -> list[dict[str, object]]:
        """Each proxy's health, credentials redacted (what `/health` shows)."""
        now = time.time()
        return [health.as_dict(now) for health in self.health.values()]


class ProxyRoute(ProxyChooser):
    """One job's way through a pool: its rotation, and how long a request may wait for a proxy."""

    def __init__(
        self, pool: ProxyPool, rotation: Rotation, job_key: str, attempts: int, max_wait: float
    ) -> None:
        self.pool = pool
        self.rotation = rotation
        self.job_key = job_key
        self._attempts = min(attempts, len(pool.health)) or 1
        self.max_wait = max_wait

    @property
    def attempts(self) -> int:
        return self._attempts

    async def choose(self, host: str, tried: Collection[ProxyAddress]) -> ProxyAddress | None:
        key: Hashable | None = {"request": None, "host": ("host", host), "session": ("job", self.job_key)}[
            self.rotation
        ]
        while True:
            proxy = self.pool.pick(key, tried) or (self.pool.pick(key, ()) if tried else None)
            if proxy is not None:
                return proxy
            wait = self.pool.next_ready_in()
            if wait > self.max_wait:
                raise ProxiesUnavailable(
                    f"Every proxy is cooling down after failures or bans; the first is back in {wait:.0f} s.",
                    details={"proxies": self.pool.snapshot()},
                    retry_after=wait,
                )
            await asyncio.sleep(wait + 0.01)

    def judge(self, proxy: ProxyAddress, response: Response | None, error: Exception | None) -> str | None:
        reason = str(error) if error is not None else (ban_reason(response) if response else None)
        if reason is None:
            self.pool.succeeded(proxy)
        else:
            self.pool.failed(proxy, reason)
        return reason


class _Pools:
    """The worker's pool of PROXY_URLS, made once (again when the setting changes)."""

    def __init__(self) -> None:
        self._key: tuple[object, ...] | None = None
        self._pool: ProxyPool | None = None

    def configured(self, settings: Settings) -> ProxyPool | None:
        key = (
            tuple(settings.PROXY_URLS),
            settings.PROXY_COOLDOWN_SECONDS,
            settings.PROXY_MAX_COOLDOWN_SECONDS,
        )
        if key != self._key:
            proxies = []
            for index, url in enumerate(settings.PROXY_URLS):
                try:
                    proxies.append(parse_proxy(url, trusted=True))
                except BadProxy as exc:
                    raise ProxyConfigError(f"PROXY_URLS entry {index + 1}: {exc}") from None
            self._pool = (
                ProxyPool(proxies, settings.PROXY_COOLDOWN_SECONDS, settings.PROXY_MAX_COOLDOWN_SECONDS)
                if proxies
                else None
            )
            self._key = key
        return self._pool


POOLS = _Pools()


def route_for(ctx: JobContext[Any], options: ScrapeOptionsIn) -> ProxyRoute | None:
    """The proxies a job's requests go through: its `options.proxy`, else PROXY_URLS; None: direct."""
    settings, job_key = ctx.settings, ctx.job.id
    rotation: Rotation = options.proxy_rotation or settings.PROXY_ROTATION
    wait = options.timeout_s
    if options.proxy == "none":
        return None
    if options.proxy:
        try:
            proxy = parse_proxy(options.proxy, allow_hosts=settings.PROXY_ALLOW_HOSTS)
        except BadProxy as exc:
            raise ProxyConfigError(f"options.proxy: {exc}") from None
        own = ProxyPool([proxy], settings.PROXY_COOLDOWN_SECONDS, settings.PROXY_MAX_COOLDOWN_SECONDS)
        return ProxyRoute(own, rotation, job_key, 1, wait)
    pool = POOLS.configured(settings)
    if pool is None:
        return None
    pool.publish_to(ctx.db, ctx.worker_id)
    return ProxyRoute(pool, rotation, job_key, settings.PROXY_MAX_ATTEMPTS, wait)
