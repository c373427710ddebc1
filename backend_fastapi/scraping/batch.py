"""The worker's entry point for `scrape.batch` jobs: every URL of the batch, a record each.

URLs are loaded `page_concurrency` at a time through `load_page`, with the request's strategy and
options, as a crawl loads its pages: each host behind its own gate (robots.txt, max_concurrency,
delay_ms, Crawl-delay), 429/5xx/network errors retried twice. A URL that fails is a record with
`error`, counted, and the batch goes on. Records are written in the order of `urls`: a page that
finished before an earlier one waits for it, and at most WINDOW pages run ahead of the oldest
unfinished one, so that memory stays bounded. A retried attempt writes its records afresh (records
belong to the attempt that wrote them).
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from backend_fastapi import netguard
from backend_fastapi.errors import JobError
from backend_fastapi.schemas.batch import BatchPayload
from backend_fastapi.schemas.results import BatchResult, FailedPage
from backend_fastapi.scraping.errors import RequiredFieldMissing
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import PageProcessor
from backend_fastapi.scraping.pagework import MAX_ERROR_SAMPLES, load_with_retries, page_concurrency
from backend_fastapi.scraping.session import ScrapeSession
from backend_fastapi.worker.context import JobContext

# Pages finished (or running) ahead of the oldest unfinished one, whose records wait in memory.
WINDOW = 500


class Batch:
    """One batch job's URLs, loaders and counts."""

    def __init__(self, ctx: JobContext[BatchPayload], session: ScrapeSession, schema: Schema) -> None:
        self.ctx = ctx
        self.session = session
        self.urls = ctx.payload.urls
        self.processor = PageProcessor.for_request(schema, ctx.payload)
        self.concurrency = min(page_concurrency(ctx.payload), len(self.urls))
        self.next = 0  # the next URL to load
        self.written = 0  # URLs whose records went to the job, all before any later one
        self.finished: dict[int, dict[str, Any]] = {}
        self.room = asyncio.Condition()
        self.pages_done = 0
        self.succeeded = 0
        self.errors = 0
        self.failed: list[FailedPage] = []

    async def run(self) -> BatchResult:
        started = time.monotonic()
        await self._progress(force=True)
        loaders = [asyncio.create_task(self._work(), name=f"batch-{i}") for i in range(self.concurrency)]
        try:
            await asyncio.gather(*loaders)
        finally:
            for loader in loaders:
                loader.cancel()
            await asyncio.gather(*loaders, return_exceptions=True)
        await self._progress(force=True)
        elapsed = time.monotonic() - started
        return BatchResult(
            urls=len(self.urls),
            records=self.written,
            succeeded=self.succeeded,
            errors=self.errors,
            failed_pages=self.failed,
            duration_s=round(elapsed, 3),
            pages_per_s=round(self.pages_done / elapsed, 1) if elapsed > 0 else None,
        )

    async def _work(self) -> None:
        while True:
            async with self.room:
                await self.room.wait_for(lambda: self.next - self.written < WINDOW)
                if self.next >= len(self.urls):
                    return
                index = self.next
                self.next += 1
            self.finished[index] = await self._scrape(self.urls[index])
            self.pages_done += 1
            ready = []
            while self.written in self.finished:
                ready.append(self.finished.pop(self.written))
                self.written += 1
            if ready:
                await self.ctx.add_records(ready)
                async with self.room:
                    self.room.notify_all()
            await self._progress()

    async def _scrape(self, url: str) -> dict[str, Any]:
        """The record of one URL: `status` ok with `data` (and formats), or failed with `error`."""
        try:
            page = await load_with_retries(self.session, self.processor, url)
        except JobError as exc:
            return self._fail(url, exc.code, exc.message)
        out = page.out
        if out.extraction.required_missing:
            names = ", ".join(out.extraction.required_missing)
            return self._fail(url, RequiredFieldMissing.code, f"Required field(s) not found: {names}.")
        self.succeeded += 1
        record: dict[str, Any] = {"url": url, "status": "ok", "data": out.data}
        if out.url != url:
            record["final_url"] = out.url
        if out.json is not None:
            record["json"] = out.json
        record.update(out.formats)
        if page.snapshots:
            # The request's `scrape` actions: what each saw, still one record for the URL.
            record["scrapes"] = [{"action": index, "data": snap.data} for index, snap in page.snapshots]
        if page.rendered is not None and page.rendered.actions:
            record["actions"] = [report.as_dict() for report in page.rendered.actions]
        return record

    def _fail(self, url: str, code: str, message: str) -> dict[str, Any]:
        self.errors += 1
        if len(self.failed) < MAX_ERROR_SAMPLES:
            self.failed.append(FailedPage(url=url, code=code, message=message))
        self.ctx.log.info("scrape.page_failed", extra={"url": url, "code": code})
        return {"url": url, "status": "failed", "error": {"code": code, "message": message}}

    async def _progress(self, force: bool = False) -> None:
        await self.ctx.set_progress(
            {
                "pages_done": self.pages_done,
                "pages_total": len(self.urls),
                "records": self.written,
                "errors": self.errors,
            },
            force=force,
        )


async def run_batch_job(ctx: JobContext[BatchPayload]) -> BatchResult:
    """Scrape every URL of the batch; a record per URL, the counts returned."""
    request = ctx.payload
    # Blocked URLs are refused by this worker's own allow list, before anything is fetched.
    for url in request.urls:
        netguard.check_url(url, ctx.settings.SCRAPE_ALLOW_HOSTS)
    schema = Schema.compile(request.normalized_schema)
    async with ScrapeSession(ctx, request) as session:
        return await Batch(ctx, session, schema).run()
