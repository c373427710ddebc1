"""Crawling: a frontier of pages, fetched concurrently and politely, records from `follow` pages.

The start page is fetched first (its failure fails the job). Then `max_concurrency` tasks take
pages from the frontier. On every page within `max_depth`, `follow` links become record pages
one level deeper and `next_page` links become listing pages at the same depth (pagination does
not count as depth). Without `follow` every page is a record page, and without either selector
every link is followed. With `sitemaps`, the pages the site's sitemaps list are record pages one
level below the start page. `max_pages` bounds the pages fetched, listing pages included. Failed
pages are counted and sampled in the result; 429/5xx/network errors are retried twice first.

The frontier is stored as the crawl runs (`crawl_frontier`): as soon as a page is finished, a
checkpoint writes in one transaction the pages scheduled and finished since the last one and their
records. Checkpoints run one after another in the background, so the pages that finish while one
is written go together in the next (one transaction for many pages when pages are fast) and no
page waits for the disk unless as many pages as the crawl has fetchers are waiting to be saved.
A later attempt of the same job (its worker died, or was stopped) adopts the stored records and
fetches only the pages not finished: the pages in flight at the crash, and those finished while the
last checkpoint was being written (a few fetchers' worth at most), are fetched again; no record is
stored twice.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.errors import JobError
from backend_fastapi.regexes import compile_regex
from backend_fastapi.schemas.results import CrawlResult, FailedPage
from backend_fastapi.schemas.scrape import CrawlIn, ScrapePayload
from backend_fastapi.scraping.dom import LexborTree, Selector
from backend_fastapi.scraping.errors import RequiredFieldMissing
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.formats import extract_links
from backend_fastapi.scraping.incremental import Incremental
from backend_fastapi.scraping.maincontent import RepeatedBlocks
from backend_fastapi.scraping.page import OFFLOAD_CHARS, Document, PageOutput, PageProcessor, select_links
from backend_fastapi.scraping.pagework import MAX_ERROR_SAMPLES, load_with_retries, page_concurrency
from backend_fastapi.scraping.session import ScrapeSession
from backend_fastapi.scraping.sitemaps import SitemapWalk, site_sitemaps, walk_sitemaps
from backend_fastapi.scraping.strategy import PageUnchanged
from backend_fastapi.scraping.urlnorm import canonical, on_site, site_of
from backend_fastapi.store import frontier_rows
from backend_fastapi.store.frontier_rows import FrontierRow
from backend_fastapi.worker.context import JobContext

# How long a stopping crawl may spend storing its last finished pages (a pause, a shutdown).
STOP_SAVE_SECONDS = 5.0


@dataclass
class _Task:
    url: str
    depth: int
    records: bool
    key: str = ""


class Crawler:
    """One crawl job's frontier and workers."""

    def __init__(self, ctx: JobContext[ScrapePayload], session: ScrapeSession, schema: Schema) -> None:
        request = session.request
        self.ctx = ctx
        self.session = session
        self.schema = schema
        self.config: CrawlIn = request.crawl or CrawlIn()
        self.processor = PageProcessor.for_request(schema, request)
        if {"markdown", "text"} & set(request.formats):
            self.processor.repeated = RepeatedBlocks()
        self.follow = Selector.parse(self.config.follow) if self.config.follow else None
        self.next_page = Selector.parse(self.config.next_page) if self.config.next_page else None
        self.include = [compile_regex(p) for p in self.config.include]
        self.exclude = [compile_regex(p) for p in self.config.exclude]
        self.site = site_of((urlsplit(request.url).hostname or "").lower())
        self.seen: set[str] = set()
        self.queue: asyncio.Queue[_Task] = asyncio.Queue()
        self.scheduled = 0
        self.pages_done = 0
        self.records = 0
        self.failed: list[FailedPage] = []
        self.errors = 0
        # Why pages failed, by page key, until the checkpoint that marks them finished stores it.
        self.failures: dict[str, list[dict[str, str]]] = {}
        self.concurrency = page_concurrency(request)
        # What the next checkpoint stores: pages scheduled, and pages finished (their records are
        # held by the job context until then).
        self.new_pages: list[FrontierRow] = []
        self.finished: list[str] = []
        self.checkpoint_lock = asyncio.Lock()
        self.checkpointer: asyncio.Task[None] | None = None
        self.checkpointing = False
        self.incremental: Incremental | None = None

    def _wanted(self, url: str) -> bool:
        if self.config.same_domain and not on_site(url, self.site):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def _schedule(self, url: str, depth: int, records: bool) -> None:
        if self.scheduled >= self.config.max_pages:
            return
        key = canonical(url)
        if key in self.seen or not self._wanted(url):
            return
        self.seen.add(key)
        self.scheduled += 1
        self.new_pages.append(FrontierRow(key, url, depth, records, False))
        self.queue.put_nowait(_Task(url, depth, records, key))

    async def run(self) -> CrawlResult:
        started = time.monotonic()
        if self.config.incremental:
            self.incremental = await Incremental.open(self.ctx)
        if not await self._resume():
            start = _Task(
                self.session.request.url, 0, self.follow is None, canonical(self.session.request.url)
            )
            self.seen.add(start.key)
            self.scheduled = 1
            self.new_pages.append(FrontierRow(start.key, start.url, 0, start.records, False))
            await self._page(start, first=True)
            if self.config.sitemaps:
                await self._seed_from_sitemaps()
        workers = [asyncio.create_task(self._work(), name=f"crawl-{i}") for i in range(self.concurrency)]
        joined = asyncio.ensure_future(self.queue.join())
        stopped = False
        try:
            # Workers end only by an error (a lost lease, a failed checkpoint): it ends the crawl,
            # which would otherwise wait for ever on the pages nobody takes any more.
            done, _ = await asyncio.wait([joined, *workers], return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()
            if self.checkpointer is not None:
                await self.checkpointer
        except asyncio.CancelledError:
            stopped = True
            raise
        finally:
            tasks = [joined, *workers, *([self.checkpointer] if self.checkpointer else [])]
            for task in tasks:
                task.cancel()
            if self.incremental is not None:
                self.incremental.close()
            await asyncio.gather(*tasks, return_exceptions=True)
            if stopped:
                await self._save_on_stop()
        await self._progress(force=True)
        exhausted = self.scheduled < self.config.max_pages
        # The records of the last pages; the stored frontier is no longer needed.
        await self._checkpoint(final=True, complete=exhausted)
        elapsed = time.monotonic() - started
        return CrawlResult(
            url=self.session.request.url,
            pages=self.pages_done,
            records=self.records,
            errors=self.errors,
            failed_pages=self.failed,
            stopped_by="frontier_exhausted" if exhausted else "max_pages",
            duration_s=round(elapsed, 3),
            pages_per_s=round(self.pages_done / elapsed, 1) if elapsed > 0 else None,
            incremental=self.incremental.counts() if self.incremental else None,
        )

    async def _resume(self) -> bool:
        """Continue from the frontier an earlier attempt stored, if any: its finished pages' records
        become this attempt's, its unfinished pages are queued again."""
        job_id, attempt = self.ctx.id, self.ctx.attempt
        async with self.ctx.db.read() as conn:
            rows = await frontier_rows.load(conn, job_id)
        if not rows:
            return False
        self.records = await self.ctx.db.write(lambda c: frontier_rows.adopt_records(c, job_id, attempt))
        self.ctx.record_count = self.records
        for row in rows:
            self.seen.add(row.key)
            if row.done:
                self.pages_done += 1
                for failure in row.failure or ():
                    self._count_failure(FailedPage.model_validate(failure))
            else:
                self.queue.put_nowait(_Task(row.url, row.depth, row.records, row.key))
        self.scheduled = len(rows)
        self.ctx.log.info(
            "crawl.resumed",
            extra={
                "pages_done": self.pages_done,
                "pages_queued": self.queue.qsize(),
                "records": self.records,
            },
        )
        return True

    async def _checkpoint(self, final: bool = False, complete: bool = False) -> None:
        """Store the pages scheduled and finished since the last checkpoint with their records
        (and, incremental, what the crawl saw of them)."""
        async with self.checkpoint_lock:
            if not (self.new_pages or self.finished or final):
                return  # an earlier checkpoint stored this page with others
            pages, self.new_pages = self.new_pages, []
            done, self.finished = self.finished, []
            # Only the failures of pages finished now: a page still being visited keeps its own.
            failures = {key: self.failures.pop(key) for key in done if key in self.failures}
            job_id = self.ctx.id
            incremental = self.incremental

            async def store(conn: AsyncConnection) -> None:
                if incremental is not None:
                    if final and complete:
                        await incremental.store(conn, seen=self.seen)
                    else:
                        await incremental.store(conn)
                        if final:
                            await incremental.stamp(conn)
                if final:
                    await frontier_rows.forget(conn, [job_id])
                    return
                await frontier_rows.add_pages(conn, job_id, pages)
                await frontier_rows.mark_done(conn, job_id, done, failures)

            try:
                await self.ctx.checkpoint(store)
            except asyncio.CancelledError:
                raise  # the checkpoint let it through once its write had committed: nothing to put back
            except BaseException:
                self.new_pages[:0], self.finished[:0] = pages, done
                self.failures.update(failures)
                raise

    async def _save_on_stop(self) -> None:
        """Stopped (paused, or the worker shuts down): store the pages finished since the last
        checkpoint, so the next attempt fetches again only the pages that were in flight. Best
        effort and bounded: if it cannot be written now, those pages are fetched again."""
        if not (self.new_pages or self.finished):
            return
        try:
            async with asyncio.timeout(STOP_SAVE_SECONDS):
                await self._checkpoint()
        except Exception as exc:
            self.ctx.log.warning(
                "crawl.stop_checkpoint_failed", extra={"error": str(exc) or type(exc).__name__}
            )

    async def _seed_from_sitemaps(self) -> None:
        """The pages the site's sitemaps list, as record pages one level below the start page."""
        roots, named = await site_sitemaps(self.session, self.session.request.url)
        walk = SitemapWalk()
        async for url, _ in walk_sitemaps(self.session, roots, walk, named=named):
            if self.scheduled >= self.config.max_pages:
                break
            self._schedule(url, 1, True)
        for url, code, message in walk.failed:
            self._fail(url, code, message)

    async def _work(self) -> None:
        while True:
            task = await self.queue.get()
            try:
                await self._page(task, first=False)
            finally:
                self.queue.task_done()

    async def _page(self, task: _Task, *, first: bool) -> None:
        records: list[dict[str, Any]] = []
        try:
            await self._visit(task, records)
        except JobError as exc:
            if first:
                raise
            self._fail(task.url, exc.code, exc.message, task.key)
        # The page's records and its being finished go to the next checkpoint together (no await
        # between the two: a checkpoint sees both or neither).
        self.records += len(records)
        self.ctx.hold_records(records)
        self.finished.append(task.key)
        self.pages_done += 1
        await self._progress()
        self._checkpoint_soon()
        if len(self.finished) >= self.concurrency and self.checkpointer is not None:
            # The database is behind (a slow disk, a busy machine): wait for it rather than let
            # unsaved pages pile up, so a crash re-fetches a few pages at most, never many.
            await asyncio.shield(self.checkpointer)

    def _checkpoint_soon(self) -> None:
        """Make sure a checkpoint runs after this page (a running one loops while pages wait)."""
        if self.checkpointer is not None and self.checkpointer.done() and not self.checkpointer.cancelled():
            error = self.checkpointer.exception()
            if error is not None:
                raise error  # the lease was lost, or the database failed: the crawl stops here
        if not self.checkpointing:
            self.checkpointing = True
            self.checkpointer = asyncio.create_task(self._checkpoints(), name="crawl-checkpoints")

    async def _checkpoints(self) -> None:
        try:
            while self.new_pages or self.finished:
                await self._checkpoint()
        finally:
            # No await between the loop's last test and this: a page finished later starts a new task.
            self.checkpointing = False

    async def _visit(self, task: _Task, records: list[dict[str, Any]]) -> None:
        # `next_click` pages count as pages: the button is clicked only while max_pages allows.
        clicks = max(0, self.config.max_pages - self.scheduled) if self.config.next_click else 0
        check = self.incremental.check(task.key) if self.incremental else None
        try:
            page = await load_with_retries(
                self.session, self.processor, task.url, max_clicks=clicks, conditional=check
            )
        except PageUnchanged:
            if await self._carry_over(task, records):
                return
            # Its stored output is gone (another crawl of the lineage pruned it): fetch it again.
            page = await load_with_retries(self.session, self.processor, task.url, max_clicks=clicks)
        doc, out = page.doc, page.out
        if doc.url != task.url:
            self.seen.add(canonical(doc.url))
        links = await self._follow_links(task, doc, out)
        if task.records:
            self._keep(task, out, page.records(self.schema), records)
        for clicked_doc, clicked in page.click_pages:
            # A page behind the button: a listing page like this one, counted as fetched.
            self.scheduled += 1
            self.pages_done += 1
            links += await self._follow_links(task, clicked_doc, clicked)
            if task.records:
                self._keep(task, clicked, clicked.records(self.schema), records)
        if self.incremental is not None:
            stored = [[url, depth - task.depth, wanted] for url, depth, wanted in links]
            self.incremental.saw_fetched(task.key, task.url, page, list(records), stored)

    async def _carry_over(self, task: _Task, records: list[dict[str, Any]]) -> bool:
        """An unchanged page: its records and links as the last crawl stored them."""
        assert self.incremental is not None
        output = await self.incremental.carried_over(task.key)
        if output is None:
            return False
        stored_records, links = output
        if task.records:
            records.extend(stored_records)
        for url, below, wanted in links:
            depth = task.depth + int(below)
            if depth <= self.config.max_depth:  # a named lineage's request may have changed since
                self._schedule(url, depth, bool(wanted))
        self.incremental.saw_unchanged()
        return True

    async def _follow_links(self, task: _Task, doc: Document, out: PageOutput) -> list[tuple[str, int, bool]]:
        """Schedule the page's links; the links found, as (url, depth, records)."""
        if doc.html is None or out.tree is None:
            return []
        # Selecting links on a large page runs in a thread, as its parsing did (page.OFFLOAD_CHARS).
        if len(doc.html) >= OFFLOAD_CHARS:
            found = await asyncio.to_thread(self._discover, task, out.tree, doc.html, out.url)
        else:
            found = self._discover(task, out.tree, doc.html, out.url)
        for url, depth, records in found:
            self._schedule(url, depth, records)
        return found

    def _discover(self, task: _Task, tree: LexborTree, html: str, base: str) -> list[tuple[str, int, bool]]:
        """The links of a page to schedule, as (url, depth, records); reads no mutable state."""
        # Item links first: under max_pages, records matter more than reaching the last listing.
        found: list[tuple[str, int, bool]] = []
        if task.depth < self.config.max_depth:
            if self.follow is not None:
                found += [(url, task.depth + 1, True) for url in select_links(tree, html, self.follow, base)]
            elif self.next_page is None:
                found += [(link["url"], task.depth + 1, True) for link in extract_links(tree, base)]
        if self.next_page is not None:
            records = self.follow is None
            found += [(url, task.depth, records) for url in select_links(tree, html, self.next_page, base)]
        return found

    def _keep(
        self, task: _Task, out: PageOutput, found: list[dict[str, Any]], records: list[dict[str, Any]]
    ) -> None:
        if out.extraction.required_missing:
            names = ", ".join(out.extraction.required_missing)
            self._fail(out.url, RequiredFieldMissing.code, f"Required field(s) not found: {names}.", task.key)
            return
        records.extend(found)

    def _fail(self, url: str, code: str, message: str, key: str | None = None) -> None:
        """Count a failed page; with its frontier `key`, the failure is stored with the page, so an
        attempt that resumes the crawl counts and samples it too."""
        failed = FailedPage(url=url, code=code, message=message)
        self._count_failure(failed)
        if key is not None:
            self.failures.setdefault(key, []).append(failed.model_dump())
        self.ctx.log.info("scrape.page_failed", extra={"url": url, "code": code})

    def _count_failure(self, failed: FailedPage) -> None:
        self.errors += 1
        if len(self.failed) < MAX_ERROR_SAMPLES:
            self.failed.append(failed)

    async def _progress(self, force: bool = False) -> None:
        await self.ctx.set_progress(
            {
                "pages_done": self.pages_done,
                "pages_queued": self.scheduled - self.pages_done,
                "records": self.records,
                "errors": self.errors,
            },
            force=force,
        )


async def run_crawl(ctx: JobContext[ScrapePayload], session: ScrapeSession, schema: Schema) -> CrawlResult:
    """Crawl from the request's URL; records go to the job's records, the summary is returned."""
    return await Crawler(ctx, session, schema).run()
