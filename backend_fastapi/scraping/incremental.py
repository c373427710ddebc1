"""Incremental crawls (`crawl.incremental`): compare each page with the last crawl of its lineage.

A lineage is the crawls that repeat one another: the same job `name` (a schedule's runs carry its
name, a monitor's checks `monitor:<id>`), or, unnamed, the same request. For every page it fetched,
the lineage remembers (`crawl_pages`) the HTTP validators, a hash of the body, and the records and
links the page gave. The next crawl sends `If-None-Match` / `If-Modified-Since`; a page answered
304, or whose body hashes the same, is unchanged: it is neither processed nor rendered, its records
are carried over and its links followed as stored. The body hash is the test for servers without
validators; a page whose HTML changes on every load (a timestamp, a token) is always "changed",
which costs an extraction, never a wrong record. A page the browser rendered is compared by its
rendered HTML (its static shell says nothing of the data a script loads): it is always rendered and
extracted again, and counted unchanged when the rendered HTML is the same.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Mapping, Set
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.outbound import Response
from backend_fastapi.schemas.results import IncrementalCounts
from backend_fastapi.schemas.scrape import ScrapePayload
from backend_fastapi.store import crawl_page_rows
from backend_fastapi.store.crawl_page_rows import PageState, SeenPage
from backend_fastapi.worker.context import JobContext

if TYPE_CHECKING:
    from backend_fastapi.scraping.strategy import LoadedPage

# The hash of a rendered page's HTML is marked: such a page is never skipped on its static answer.
RENDERED = "r:"

# A stored link: [url, depth below the page that links to it, whether it is a record page].
StoredLink = list[Any]
# What an unchanged page gave last time: its records and its links.
Output = tuple[list[dict[str, Any]], list[StoredLink]]


def lineage_of(name: str | None, request: ScrapePayload) -> str:
    """The key of the crawls a crawl is compared with: its name, or else its whole request."""
    if name:
        basis = b"name:" + name.encode()
    else:
        basis = b"request:" + orjson.dumps(request.to_json(), option=orjson.OPT_SORT_KEYS)
    return hashlib.sha256(basis).hexdigest()


def body_hash(response: Response) -> str:
    return hashlib.sha256(response.body).hexdigest()


def state_of(page: LoadedPage) -> PageState:
    """What is remembered of a loaded page: the validators and body hash, or the rendered HTML's."""
    if page.rendered is not None:
        return PageState(None, None, RENDERED + hashlib.sha256(page.rendered.html.encode()).hexdigest()[:62])
    headers = {name.lower(): value for name, value in page.response.headers.items()}
    return PageState(headers.get("etag"), headers.get("last-modified"), body_hash(page.response))


@dataclass
class PageCheck:
    """One page's conditional request (`strategy.Conditional`)."""

    previous: PageState
    headers: Mapping[str, str] = field(init=False)

    def __post_init__(self) -> None:
        headers: dict[str, str] = {}
        if self.previous.etag:
            headers["If-None-Match"] = self.previous.etag
        if self.previous.last_modified:
            headers["If-Modified-Since"] = self.previous.last_modified
        self.headers = headers

    def unchanged(self, response: Response) -> bool:
        return response.status == 304 or (
            response.status == 200 and body_hash(response) == self.previous.content_hash
        )


class Incremental:
    """One incremental crawl's view of its lineage, and what it saw, until the next checkpoint."""

    def __init__(self, ctx: JobContext[ScrapePayload], lineage: str, states: dict[str, PageState]) -> None:
        self.ctx = ctx
        self.lineage = lineage
        self.states = states
        self.pending: list[SeenPage] = []
        self.unchanged = self.changed = self.new = 0
        self.gone: int | None = None
        # Unchanged pages waiting for their stored output: read together, one query for all the
        # pages that asked while the previous query ran (a read per page would cost more than the
        # extraction it saves).
        self._wanted: dict[str, asyncio.Future[Output | None]] = {}
        self._loader: asyncio.Task[None] | None = None

    @classmethod
    async def open(cls, ctx: JobContext[ScrapePayload]) -> Incremental:
        lineage = lineage_of(ctx.job.name, ctx.payload)
        async with ctx.db.read() as conn:
            states = await crawl_page_rows.load_states(conn, lineage)
        ctx.log.info("crawl.incremental", extra={"known_pages": len(states)})
        return cls(ctx, lineage, states)

    def check(self, key: str) -> PageCheck | None:
        """The conditional request for a page the lineage fetched before; None for a new page or
        one the browser rendered."""
        previous = self.states.get(key)
        if previous is None or previous.content_hash.startswith(RENDERED):
            return None
        return PageCheck(previous)

    async def carried_over(self, key: str) -> Output | None:
        """The records and links an unchanged page gave last time (None if no longer stored)."""
        wanted = self._wanted.get(key)
        if wanted is None:
            wanted = self._wanted[key] = asyncio.get_running_loop().create_future()
        if self._loader is None or self._loader.done():
            self._loader = asyncio.create_task(self._load(), name="incremental-outputs")
        return await asyncio.shield(wanted)

    async def _load(self) -> None:
        while self._wanted:
            batch, self._wanted = self._wanted, {}
            try:
                async with self.ctx.db.read() as conn:
                    outputs = await crawl_page_rows.load_outputs(conn, self.lineage, list(batch))
            except Exception as exc:
                for future in batch.values():
                    if not future.done():
                        future.set_exception(exc)
                continue
            for key, future in batch.items():
                if not future.done():
                    future.set_result(outputs.get(key))

    def close(self) -> None:
        if self._loader is not None:
            self._loader.cancel()

    def saw_unchanged(self) -> None:
        # Nothing to write: its row stays as it is (the end of the crawl stamps the lineage).
        self.unchanged += 1

    def saw_fetched(
        self, key: str, url: str, page: LoadedPage, records: list[dict[str, Any]], links: list[StoredLink]
    ) -> None:
        state = state_of(page)
        previous = self.states.get(key)
        if previous is None:
            self.new += 1
        elif previous.content_hash == state.content_hash:
            self.unchanged += 1  # rendered again, and the same
        else:
            self.changed += 1
        self.pending.append(SeenPage(key, url, state, records, links))

    async def store(self, conn: AsyncConnection, *, seen: Set[str] | None = None) -> None:
        """Write the pages fetched since the last checkpoint (inside the crawl's checkpoint
        transaction). At the end of a crawl that reached its whole site, `seen` is every page it
        scheduled: the lineage's pages not among them are gone."""
        pages, self.pending = self.pending, []
        try:
            now = time.time()
            await crawl_page_rows.save(conn, self.lineage, self.ctx.id, pages, now)
            if seen is not None:
                gone = [key for key in self.states if key not in seen]
                await crawl_page_rows.forget(conn, self.lineage, gone)
                await crawl_page_rows.stamp(conn, self.lineage, now)
                self.gone = len(gone)
        except BaseException:
            self.pending[:0] = pages
            raise

    async def stamp(self, conn: AsyncConnection) -> None:
        """The end of a crawl that did not reach its whole site: the lineage was crawled now."""
        await crawl_page_rows.stamp(conn, self.lineage, time.time())

    def counts(self) -> IncrementalCounts:
        return IncrementalCounts(unchanged=self.unchanged, changed=self.changed, new=self.new, gone=self.gone)
