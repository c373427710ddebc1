"""The `strategy` of a request applied to one URL: static, dynamic, or auto (static, then the
browser when the page needs it, or straight to the browser when the request has actions or asks
for a capture)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from backend_fastapi.outbound import Response
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import Document, PageOutput, PageProcessor
from backend_fastapi.scraping.session import ScrapeSession
from backend_fastapi.scraping.spa import placeholder_fields

if TYPE_CHECKING:
    from backend_fastapi.scraping.render import Rendered


class Conditional(Protocol):
    """What an incremental crawl knows of a page: validators to send, and a test of the answer."""

    @property
    def headers(self) -> Mapping[str, str]: ...

    def unchanged(self, response: Response) -> bool: ...


class PageUnchanged(Exception):
    """The page is as the last crawl saw it (304 Not Modified, or the same body): not processed."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.url)
        self.response = response


@dataclass
class LoadedPage:
    """A page fetched (and maybe rendered) and processed."""

    response: Response
    doc: Document
    out: PageOutput
    rendered: Rendered | None = None
    switched: str | None = None
    # The outputs of the request's `scrape` actions, by action index.
    snapshots: list[tuple[int, PageOutput]] = field(default_factory=list)
    # The pages a crawl's `next_click` led to, processed.
    click_pages: list[tuple[Document, PageOutput]] = field(default_factory=list)

    @property
    def strategy_used(self) -> str:
        return "dynamic" if self.rendered is not None else "static"

    def records(self, schema: Schema) -> list[dict[str, Any]]:
        """The page's records: those of its `scrape` actions (each record says which) when the
        request has any, else the page's own."""
        if not self.snapshots:
            return self.out.records(schema)
        return [
            {**record, "action": index} for index, out in self.snapshots for record in out.records(schema)
        ]


def switch_reason(out: PageOutput, processor: PageProcessor) -> str | None:
    """Why `auto` should render a statically fetched page in the browser, or None."""
    if out.script_rendered:
        return out.script_rendered
    fields = processor.schema.fields
    if fields and len(out.extraction.missing) == len(fields):
        return "no field was found in the static HTML"
    if placeholders := placeholder_fields(out.data):
        return f"the value of {', '.join(placeholders)} is a placeholder ({out.data[placeholders[0]]!r})"
    return None


async def load_page(
    session: ScrapeSession,
    processor: PageProcessor,
    url: str,
    *,
    max_clicks: int = 0,
    conditional: Conditional | None = None,
) -> LoadedPage:
    """Fetch `url` as the request's strategy says and run the processor over it (and over the pages
    the crawl's `next_click` leads to, at most `max_clicks`). With `conditional`, a page found
    unchanged raises PageUnchanged before anything is processed or rendered."""
    strategy = session.request.strategy
    response, doc = await session.fetch(url, conditional.headers if conditional else None)
    if conditional is not None and conditional.unchanged(response):
        raise PageUnchanged(response)
    out: PageOutput | None = None
    switched: str | None = None
    if doc.html is not None and strategy == "auto":
        if reason := session.request.browser_reason:
            switched = reason
        elif max_clicks and session.request.crawl is not None and session.request.crawl.next_click:
            switched = "the crawl clicks next_click"
        else:
            out = await processor.run(doc)
            switched = switch_reason(out, processor)
    rendered: Rendered | None = None
    snapshots: list[tuple[int, PageOutput]] = []
    click_pages: list[tuple[Document, PageOutput]] = []
    if doc.html is not None and (strategy == "dynamic" or switched):
        rendered = await session.render(response.url, response, max_clicks)
        for snap in rendered.snapshots:
            shot = Document(snap.url, doc.status, doc.content_type, html=snap.html)
            snapshots.append((snap.action, await processor.run(shot)))
        for snap in rendered.click_pages:
            shot = Document(snap.url, doc.status, doc.content_type, html=snap.html)
            click_pages.append((shot, await processor.run(shot)))
        doc = Document(rendered.url, doc.status, doc.content_type, html=rendered.html)
        out = None
    if out is None:
        out = await processor.run(doc)
    return LoadedPage(response, doc, out, rendered, switched, snapshots, click_pages)
