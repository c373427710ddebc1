"""The worker's entry point for `scrape.page` and `scrape.crawl` jobs.

A single page's records: one `{"url", "data", ...formats}` record, or, when the schema has
exactly one list-of-objects field (`many` with `fields`), one `{"url", "data": item}` record
per item, so that a CSV download of a listing has a row per item.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from backend_fastapi import netguard
from backend_fastapi.jobtypes import JobType
from backend_fastapi.schemas.results import CrawlResult, ScrapePageResult
from backend_fastapi.schemas.scrape import ScrapePayload
from backend_fastapi.scraping.captures import store_captures
from backend_fastapi.scraping.crawl import run_crawl
from backend_fastapi.scraping.errors import RequiredFieldMissing
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import Document, PageOutput, PageProcessor
from backend_fastapi.scraping.session import ScrapeSession
from backend_fastapi.scraping.strategy import load_page
from backend_fastapi.worker.context import JobContext

if TYPE_CHECKING:
    from backend_fastapi.scraping.render import Rendered

DYNAMIC_HINT = "The page looks rendered by JavaScript: use strategy 'dynamic' or 'auto'."


async def run_scrape_job(ctx: JobContext[ScrapePayload]) -> ScrapePageResult | CrawlResult:
    """Scrape one page, or crawl from it (`scrape.crawl`)."""
    request = ctx.payload
    # A blocked URL is refused by this worker's own allow list, before anything is fetched.
    netguard.check_url(request.url, ctx.settings.SCRAPE_ALLOW_HOSTS)
    # The schema was normalized when the request was validated; the worker only compiles it.
    schema = Schema.compile(request.normalized_schema)
    async with ScrapeSession(ctx, request) as session:
        if request.crawl is not None or ctx.job.type == JobType.SCRAPE_CRAWL:
            return await run_crawl(ctx, session, schema)
        return await scrape_page(ctx, session, schema)


async def scrape_page(
    ctx: JobContext[ScrapePayload], session: ScrapeSession, schema: Schema
) -> ScrapePageResult:
    """Fetch, maybe render, extract; store the records and return the result."""
    request = session.request
    processor = PageProcessor.for_request(schema, request)
    started = time.monotonic()
    page = await load_page(session, processor, request.url)
    out, doc, rendered = page.out, page.doc, page.rendered
    result = _result(out, doc, page.response.redirects, page.strategy_used, rendered, page.switched)
    result["timings"] = {
        "fetch_ms": round(page.response.elapsed * 1000, 1),
        "total_ms": round((time.monotonic() - started) * 1000, 1),
    }
    if out.extraction.required_missing:
        names = ", ".join(out.extraction.required_missing)
        hint = f" {DYNAMIC_HINT}" if out.script_rendered and not rendered else ""
        raise RequiredFieldMissing(
            f"Required field(s) not found on {doc.url}: {names}.{hint}",
            details={"missing_fields": out.extraction.required_missing, "url": doc.url},
        )
    if schema.fields or out.json is not None or out.formats or page.snapshots:
        await ctx.add_records(page.records(schema))
    if rendered is not None and rendered.captures:
        result["files"] = await store_captures(ctx.settings.files_dir, ctx.id, rendered.captures)
    return ScrapePageResult.model_validate(result)


def _result(
    out: PageOutput,
    doc: Document,
    redirects: list[str],
    strategy_used: str,
    rendered: Rendered | None,
    switched: str | None,
) -> dict[str, Any]:
    result: dict[str, Any] = {
        "url": doc.url,
        "status_code": doc.status,
        "strategy_used": strategy_used,
        "content_type": doc.content_type,
        "data": out.data,
        **out.extraction.explain(),
    }
    if redirects:
        result["redirected_from"] = redirects
    if switched:
        result["switched_to_dynamic"] = switched
    if out.json is not None:
        result["json"] = out.json
    result.update(out.formats)
    if rendered is not None and rendered.blocked:
        result["blocked_requests"] = rendered.blocked[:50]
    if rendered is not None and rendered.actions:
        result["actions"] = [report.as_dict() for report in rendered.actions]
    message = explain(out, strategy_used)
    if message:
        result["message"] = message
    return result


def explain(out: PageOutput, strategy_used: str) -> str | None:
    """Why fields are empty, in words (and what to do when the page needs a browser)."""
    parts = []
    if out.extraction.missing:
        parts.append(f"Not found on the page: {', '.join(out.extraction.missing)}.")
    if out.extraction.errors:
        parts.append(f"Found but unreadable: {', '.join(out.extraction.errors)} (see field_errors).")
    if out.script_rendered and strategy_used == "static":
        parts.append(DYNAMIC_HINT)
    return " ".join(parts) or None
