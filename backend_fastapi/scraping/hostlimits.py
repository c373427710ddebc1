"""Politeness across the whole installation: HOST_MAX_CONCURRENCY requests in flight to a host and
HOST_MAX_RPS requests a second to it, over every job of every worker (store/host_rows.py keeps the
count in the database). Off (no database work at all) unless a limit is set."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import urlsplit

from backend_fastapi.settings import Settings
from backend_fastapi.store import host_rows
from backend_fastapi.store.engine import Database

# How often a request waiting for a free lease asks again.
LEASE_POLL_SECONDS = 0.05
# A lease outlives its request by this much at most if its worker dies.
LEASE_MARGIN_SECONDS = 30.0


@asynccontextmanager
async def host_turn(db: Database, settings: Settings, url: str, timeout_s: float) -> AsyncIterator[None]:
    """Wait for the host's installation-wide slot (a lease, then a start time), hold it for the
    request, give it back."""
    host = (urlsplit(url).hostname or "").lower()
    concurrency, rps = settings.host_limit(host)
    if not host or (concurrency <= 0 and rps <= 0):
        yield
        return
    holder = uuid.uuid4().hex
    if concurrency > 0:
        seconds = timeout_s + LEASE_MARGIN_SECONDS
        while True:
            taken = await db.write_timed(
                lambda c, now: host_rows.take_lease(c, host, holder, concurrency, seconds, now)
            )
            if taken:
                break
            await asyncio.sleep(LEASE_POLL_SECONDS)
    try:
        if rps > 0:
            start = await db.write_timed(lambda c, now: host_rows.take_start(c, host, 1.0 / rps, now))
            wait = start - await db.now()
            if wait > 0:
                await asyncio.sleep(wait)
        yield
    finally:
        if concurrency > 0:
            await asyncio.shield(db.write(lambda c: host_rows.drop_lease(c, host, holder)))
