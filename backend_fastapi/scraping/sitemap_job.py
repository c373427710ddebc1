"""The worker's entry point for `scrape.map` jobs: a site's URLs from its sitemaps and start page.

The start page is fetched first (robots.txt respected, as for any page): it is the first URL (its
`<link rel=canonical>` when it names one on the site), and its links come last. Then the sitemaps
robots.txt names (else /sitemap.xml and /sitemap_index.xml) are walked, indexes included. Every URL
is normalised (`urlnorm.canonical`: no fragment, default port or tracking parameters), kept once,
only on the site (subdomains when asked), through `include`/`exclude`, and, with `search`, only
when it holds every word. A record per URL: `url`, `lastmod` (from a sitemap), `source`.
"""

from __future__ import annotations

import re
import time
from typing import Any
from urllib.parse import unquote, urlsplit

from backend_fastapi import netguard
from backend_fastapi.errors import JobError
from backend_fastapi.regexes import compile_regex
from backend_fastapi.schemas.map import MapPayload
from backend_fastapi.schemas.results import FailedPage, MapResult
from backend_fastapi.schemas.scrape import ScrapePayload
from backend_fastapi.scraping.dom import parse_html
from backend_fastapi.scraping.formats import absolute_link, extract_links
from backend_fastapi.scraping.pagework import MAX_ERROR_SAMPLES
from backend_fastapi.scraping.session import ScrapeSession
from backend_fastapi.scraping.sitemaps import SitemapWalk, site_sitemaps, walk_sitemaps
from backend_fastapi.scraping.urlnorm import canonical, on_site, site_of
from backend_fastapi.worker.context import JobContext

_WORD = re.compile(r"\w+")


class UrlMap:
    """The URLs found so far, each once, in the order found (with `search`: best matches first)."""

    def __init__(self, request: MapPayload) -> None:
        self.request = request
        self.site = site_of((urlsplit(request.url).hostname or "").lower())
        self.include = [compile_regex(p) for p in request.include]
        self.exclude = [compile_regex(p) for p in request.exclude]
        self.words = _WORD.findall(request.search.lower()) if request.search else []
        self.phrase = " ".join(self.words)
        self.seen: set[str] = set()
        # With `search`, URLs holding the words as one phrase come before those holding them apart.
        self.whole: list[dict[str, Any]] = []
        self.scattered: list[dict[str, Any]] = []

    @property
    def full(self) -> bool:
        return len(self.whole) >= self.request.max_urls

    def add(self, url: str, source: str, lastmod: str | None = None) -> None:
        if self.full:
            return
        key = canonical(url)
        if key in self.seen or not self._wanted(key):
            return
        self.seen.add(key)
        where = self._match(key)
        if where is None:
            return
        where.append({"url": key, "lastmod": lastmod, "source": source})

    def _wanted(self, url: str) -> bool:
        if not on_site(url, self.site, self.request.include_subdomains):
            return False
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)

    def _match(self, url: str) -> list[dict[str, Any]] | None:
        if not self.words:
            return self.whole
        text = " ".join(_WORD.findall(unquote(url).lower().replace("_", " ")))
        if self.phrase in text:
            return self.whole
        if all(word in text for word in self.words) and len(self.scattered) < self.request.max_urls:
            return self.scattered
        return None

    def records(self) -> list[dict[str, Any]]:
        return (self.whole + self.scattered)[: self.request.max_urls]


class SiteMapper:
    """One map job: the start page, then the sitemaps."""

    def __init__(self, ctx: JobContext[MapPayload], session: ScrapeSession) -> None:
        self.ctx = ctx
        self.session = session
        self.request = ctx.payload
        self.found = UrlMap(self.request)
        self.walk = SitemapWalk()
        self.failed: list[FailedPage] = []

    async def run(self) -> MapResult:
        started = time.monotonic()
        links, start_error = await self._start_page()
        if self.request.sitemaps:
            roots, named = await site_sitemaps(self.session, self.request.url)
            async for url, lastmod in walk_sitemaps(self.session, roots, self.walk, named=named):
                self.found.add(url, "sitemap", lastmod)
                if self.found.full:
                    break
                await self._progress()
        for url in links:
            self.found.add(url, "links")
        records = self.found.records()
        if not records and start_error is not None:
            raise start_error  # nothing to list: the start page's failure is the job's
        await self.ctx.add_records(records)
        await self._progress(force=True)
        self.failed += [FailedPage(url=u, code=c, message=m) for u, c, m in self.walk.failed]
        return MapResult(
            url=self.request.url,
            records=len(records),
            from_sitemaps=sum(1 for r in records if r["source"] == "sitemap"),
            from_links=sum(1 for r in records if r["source"] == "links"),
            sitemap_files=self.walk.files,
            failed_sitemaps=self.failed[:MAX_ERROR_SAMPLES],
            stopped_by="max_urls" if self.found.full else "complete",
            duration_s=round(time.monotonic() - started, 3),
        )

    async def _start_page(self) -> tuple[list[str], JobError | None]:
        """The start page as the first URL, and its links (when asked); or the error it gave."""
        try:
            _, doc = await self.session.fetch(self.request.url)
        except JobError as exc:
            self.failed.append(FailedPage(url=self.request.url, code=exc.code, message=exc.message))
            return [], exc
        first = doc.url
        links: list[str] = []
        if doc.html is not None:
            tree = parse_html(doc.html)
            node = tree.root.css_first("link[rel~=canonical][href]")
            named = absolute_link(doc.url, node.attributes.get("href")) if node is not None else None
            if named is not None and on_site(named, self.found.site, self.request.include_subdomains):
                first = named
            if self.request.links:
                links = [link["url"] for link in extract_links(tree, doc.url)]
        self.found.add(first, "start")
        return links, None

    async def _progress(self, force: bool = False) -> None:
        await self.ctx.set_progress(
            {"urls": len(self.found.whole) + len(self.found.scattered), "sitemap_files": self.walk.files},
            force=force,
        )


async def run_map_job(ctx: JobContext[MapPayload]) -> MapResult:
    """List the URLs of the request's site; a record per URL, the counts returned."""
    request = ctx.payload
    netguard.check_url(request.url, ctx.settings.SCRAPE_ALLOW_HOSTS)
    # The fetching side of a scrape (guarded client, robots.txt, per-host gates, a saved session's
    # cookies) serves a map as it is: it reads the URL, the options and the session only.
    fetching = ScrapePayload.model_construct(
        url=request.url, options=request.options, session=request.session, actions=[], formats=["links"]
    )
    async with ScrapeSession(ctx, fetching) as session:  # type: ignore[arg-type]
        return await SiteMapper(ctx, session).run()
