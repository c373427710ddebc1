"""What jobs of many pages (crawls, batches) share: a page loaded with retries, and how many at once."""

from __future__ import annotations

from backend_fastapi.errors import JobError
from backend_fastapi.outbound import sleep_backoff
from backend_fastapi.schemas.scrape import ScrapeFields
from backend_fastapi.scraping.page import PageProcessor
from backend_fastapi.scraping.session import BROWSER_PAGES_PER_JOB, ScrapeSession
from backend_fastapi.scraping.strategy import Conditional, LoadedPage, load_page

# A page failing with 429, 5xx or a network error is tried this many more times, backing off.
PAGE_RETRIES = 2
# Failed pages named in a job's result; the count covers them all.
MAX_ERROR_SAMPLES = 100
# Static pages in flight per job, over all hosts (each host is bounded by its own gate too).
MAX_STATIC_PAGES = 64


def page_concurrency(request: ScrapeFields) -> int:
    """Pages one job loads at once: `max_concurrency`, within the browser's pages for `dynamic`."""
    dynamic = request.strategy == "dynamic"
    return min(request.options.max_concurrency, BROWSER_PAGES_PER_JOB if dynamic else MAX_STATIC_PAGES)


async def load_with_retries(
    session: ScrapeSession,
    processor: PageProcessor,
    url: str,
    retries: int = PAGE_RETRIES,
    *,
    max_clicks: int = 0,
    conditional: Conditional | None = None,
) -> LoadedPage:
    """`load_page`, tried again after a backoff while it fails with a retryable error."""
    attempt = 0
    while True:
        try:
            return await load_page(session, processor, url, max_clicks=max_clicks, conditional=conditional)
        except JobError as exc:
            if not exc.retryable or attempt >= retries:
                raise
            await sleep_backoff(attempt, exc.retry_after)
            attempt += 1
