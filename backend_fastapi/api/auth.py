"""Who is calling, and may they: API keys, scopes, per-key rate limits and daily job quotas.

Every `/api/*` route (and the docs) runs `authorize`: it finds the caller from
`Authorization: Bearer <key>`, checks the route's scope (`api/scopes.py`), and takes a token from
the key's rate bucket. The bootstrap key is the `API_KEY` setting (scope admin); team keys live in
the `api_keys` table. With neither, the API is open, as it always was.

Keys are looked up through a short cache (`CACHE_SECONDS`), so a request costs no query: a key
revoked by another process (the CLI, another API process) stops working within that time; one
revoked through this process's API stops at once. Rate buckets live in the process: with several
API processes each allows the key's rate.
"""

from __future__ import annotations

import hmac
import math
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.api.scopes import route_scope
from backend_fastapi.apikeys import BOOTSTRAP_NAME, KEY_PREFIX, Scope, allows, hash_key, shown_prefix
from backend_fastapi.errors import DailyQuotaExceeded, ForbiddenScope, RateLimited, Unauthorized
from backend_fastapi.store import key_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import KeyRow

CACHE_SECONDS = 5.0
# Unknown keys are cached too (a client retrying a bad key costs no query), within this bound.
CACHE_MAX = 10_000
DAY_SECONDS = 86_400
# Far from its daily jobs, a key's count is read beside the job's write (reads run in parallel,
# the writes take turns); within this many jobs of the quota it is counted again inside the write,
# so concurrent creates cannot pass it.
QUOTA_MARGIN = 100


@dataclass(frozen=True)
class Caller:
    """The key a request came with; `name` is None when the API is open (no keys at all)."""

    name: str | None
    scope: Scope
    rate_per_minute: int | None = None
    daily_jobs: int | None = None


OPEN = Caller(None, Scope.ADMIN)
BOOTSTRAP = Caller(BOOTSTRAP_NAME, Scope.ADMIN)


def caller_from_row(row: KeyRow) -> Caller:
    return Caller(row.name, Scope(row.scope), row.rate_per_minute, row.daily_jobs)


class KeyCache:
    """Keys by hash for `CACHE_SECONDS`, and whether any key exists (an open API)."""

    def __init__(self) -> None:
        self._callers: dict[str, tuple[Caller | None, float]] = {}
        self._any: tuple[bool, float] = (False, float("-inf"))

    async def keys_exist(self, db: Database) -> bool:
        known, expires = self._any
        if time.monotonic() >= expires:
            known = await db.fetch(key_rows.any_live)
            self._any = (known, time.monotonic() + CACHE_SECONDS)
        return known

    async def caller(self, db: Database, key: str) -> Caller | None:
        digest = hash_key(key)
        cached = self._callers.get(digest)
        if cached is not None and time.monotonic() < cached[1]:
            return cached[0]
        rows = await db.fetch(lambda conn: key_rows.live_with_prefix(conn, shown_prefix(key)))
        # The prefix finds the row; the hash decides, compared in constant time.
        found = next((r for r in rows if hmac.compare_digest(r.key_hash, digest)), None)
        caller = None if found is None else caller_from_row(found)
        if len(self._callers) >= CACHE_MAX:
            self._callers.clear()
        self._callers[digest] = (caller, time.monotonic() + CACHE_SECONDS)
        return caller

    def forget(self) -> None:
        """Drop what is cached: a key was created or revoked through this process."""
        self._callers.clear()
        self._any = (False, float("-inf"))


class RateBuckets:
    """A token bucket per key name: `rate_per_minute` tokens, refilled evenly over the minute."""

    def __init__(self) -> None:
        self._buckets: dict[str, tuple[float, float]] = {}

    def take(self, name: str, per_minute: int) -> float:
        """Take one token; 0 when allowed, else the seconds until a token is back."""
        now = time.monotonic()
        tokens, at = self._buckets.get(name, (float(per_minute), now))
        per_second = per_minute / 60.0
        tokens = min(float(per_minute), tokens + (now - at) * per_second)
        if tokens >= 1.0:
            self._buckets[name] = (tokens - 1.0, now)
            return 0.0
        self._buckets[name] = (tokens, now)
        return (1.0 - tokens) / per_second


def bearer_token(request: Request) -> str | None:
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    token = token.strip()
    return token if scheme.lower() == "bearer" and token else None


async def identify(request: Request) -> Caller | None:
    """The caller of this request, OPEN when the API is open, None for a missing or unknown key."""
    app = request.app
    settings = app.state.settings
    db: Database = app.state.db
    cache: KeyCache = app.state.key_cache
    token = bearer_token(request)
    if settings.API_KEY and token is not None:
        if hmac.compare_digest(token.encode("utf-8", "surrogatepass"), settings.API_KEY.encode()):
            return BOOTSTRAP
    if not settings.API_KEY and not await cache.keys_exist(db):
        return OPEN
    if token is None or not token.startswith(KEY_PREFIX):
        return None
    return await cache.caller(db, token)


async def authenticate(request: Request) -> Caller:
    """The caller, or 401 in the error shape."""
    caller = await identify(request)
    if caller is None:
        raise Unauthorized()
    request.state.caller = caller
    return caller


def check_scope(caller: Caller, needed: Scope) -> None:
    if not allows(caller.scope, needed):
        raise ForbiddenScope(
            f"This key's scope is {caller.scope}; this request needs {needed}.",
            details={"needed_scope": needed.value, "key_scope": caller.scope.value},
        )


def check_rate(request: Request, caller: Caller) -> None:
    if caller.name is None or not caller.rate_per_minute:
        return
    buckets: RateBuckets = request.app.state.rate_buckets
    wait = buckets.take(caller.name, caller.rate_per_minute)
    if wait:
        raise RateLimited(
            f"This key may make {caller.rate_per_minute} requests a minute; retry later.",
            details={"rate_per_minute": caller.rate_per_minute},
            retry_after=wait,
        )


async def require(request: Request, needed: Scope | None) -> None:
    """A known key, of scope `needed` or more, within its rate (nothing when `needed` is None)."""
    if needed is None:
        return
    caller = await authenticate(request)
    check_scope(caller, needed)
    check_rate(request, caller)


async def authorize(request: Request) -> None:
    """The dependency of every `/api/*` route: the scope its row of `api/scopes.py` names."""
    await require(request, route_scope(request))


async def while_authorized(request: Request, stream: AsyncIterator[bytes]) -> AsyncIterator[bytes]:
    """A long answer (a job event stream) that ends once its key stops working: the key is looked
    up again between chunks, at most every `CACHE_SECONDS` (a stream sends a ping every 15 s)."""
    checked = time.monotonic()
    try:
        async for chunk in stream:
            if time.monotonic() - checked >= CACHE_SECONDS:
                checked = time.monotonic()
                if await identify(request) is None:
                    return
            yield chunk
    finally:
        # The inner stream's own `finally` unsubscribes it from the event hub.
        close = getattr(stream, "aclose", None)
        if close is not None:
            await close()


def caller_of(request: Request) -> Caller:
    """The caller `authorize` found for this request."""
    caller: Caller = getattr(request.state, "caller", OPEN)
    return caller


CallerDep = Annotated[Caller, Depends(caller_of)]


def utc_day_start(now: float) -> float:
    return now - now % DAY_SECONDS


async def over_daily_quota(conn: AsyncConnection, caller: Caller, now: float) -> bool:
    """Whether the caller already queued its `daily_jobs` today (UTC); run in the job's write."""
    if caller.name is None or caller.daily_jobs is None:
        return False
    used = await key_rows.jobs_created_since(conn, caller.name, utc_day_start(now), caller.daily_jobs)
    return used >= caller.daily_jobs


async def check_daily_quota(db: Database, caller: Caller, now: float) -> bool:
    """Refuse (429) a caller already at its daily jobs, read outside the job's write; True when it
    is close enough (`QUOTA_MARGIN`) that the write must count again (`over_daily_quota`)."""
    if caller.name is None or caller.daily_jobs is None:
        return False
    name, quota = caller.name, caller.daily_jobs
    used = await db.fetch(lambda conn: key_rows.jobs_created_since(conn, name, utc_day_start(now), quota))
    if used >= quota:
        raise quota_exceeded(caller, now)
    return used + QUOTA_MARGIN >= quota


def quota_exceeded(caller: Caller, now: float) -> DailyQuotaExceeded:
    """The 429 of a key over its daily jobs, with Retry-After at the next UTC midnight."""
    return DailyQuotaExceeded(
        f"This key may queue {caller.daily_jobs} jobs a day (UTC); retry after midnight UTC.",
        details={"daily_jobs": caller.daily_jobs},
        retry_after=max(1.0, math.ceil(utc_day_start(now) + DAY_SECONDS - now)),
    )
