"""One fetched page turned into outputs: extracted data, formats, links to follow."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import orjson

from backend_fastapi.outbound import Response, raise_for_status
from backend_fastapi.schemas.scrape import ScrapeFields
from backend_fastapi.scraping.charset import decode_body
from backend_fastapi.scraping.dom import LexborTree, Selector, parse_html
from backend_fastapi.scraping.errors import UnsupportedContent
from backend_fastapi.scraping.extract import Extraction, Extractor, Schema
from backend_fastapi.scraping.formats import absolute_link, content_nodes, extract_links, render
from backend_fastapi.scraping.maincontent import ContentOptions, RepeatedBlocks
from backend_fastapi.scraping.spa import script_rendered_reason
from backend_fastapi.scraping.structured import PageMetadata, extract_metadata
from backend_fastapi.scraping.urlnorm import web_url

HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
# Pages from this size on are parsed and extracted in a thread: at ~0.1 ms per KB, a bigger page
# would hold the event loop (heartbeats, the job's time limit, the other jobs) for more than ~6 ms;
# a smaller one costs less than the thread hand-off (~80 us against ~50 us for a 1 KB page).
OFFLOAD_CHARS = 64 * 1024


def is_json_type(content_type: str) -> bool:
    return content_type in ("application/json", "text/json") or content_type.endswith("+json")


@dataclass
class Document:
    """A page's content: HTML text, or a JSON value passed through."""

    url: str
    status: int
    content_type: str
    html: str | None = None
    json: Any = None
    encoding: str | None = None


def document_from(response: Response) -> Document:
    """The document of a successful response; raises for failed statuses and other content types."""
    raise_for_status(response)
    kind = response.content_type
    head = response.body[:512].lstrip().lower()
    if not kind:
        if head.startswith((b"{", b"[")):
            kind = "application/json"
        elif head.startswith(b"<"):
            kind = "text/html"
    if kind in HTML_TYPES:
        html, encoding = decode_body(response.body, response.headers.get("Content-Type"))
        return Document(response.url, response.status, kind, html=html, encoding=encoding)
    if is_json_type(kind):
        try:
            value = orjson.loads(response.body)
        except orjson.JSONDecodeError as exc:
            raise UnsupportedContent(f"{response.url} claims to be JSON but is not: {exc}") from exc
        return Document(response.url, response.status, kind, json=value)
    raise UnsupportedContent(
        f"{response.url} is {kind or 'of unknown type'}, not HTML or JSON; it cannot be scraped.",
        details={"url": response.url, "content_type": kind},
    )


@dataclass
class PageOutput:
    """Everything one page produced."""

    url: str
    data: dict[str, Any]
    extraction: Extraction
    formats: dict[str, Any] = field(default_factory=dict)
    # Why the page looks filled in by its scripts (see spa.py), or None.
    script_rendered: str | None = None
    tree: LexborTree | None = None
    json_items: list[Any] | None = None
    json: Any = None

    def records(self, schema: Schema) -> list[dict[str, Any]]:
        """The page's records: one per item of the schema's one list of objects (or of a JSON
        list), else one."""
        if self.json_items is not None:
            return [{"url": self.url, "data": item if isinstance(item, dict) else {"value": item}}
                    for item in self.json_items]  # fmt: skip
        item_field = schema.item_field
        if item_field is not None:
            # An item's own `url` (a product link) is the record's URL; else the page's.
            items = self.data.get(item_field.name) or []
            return [{"url": _item_url(item) or self.url, "data": item} for item in items]
        return [{"url": self.url, "data": self.data, **self.formats}]


def _item_url(item: dict[str, Any]) -> str | None:
    value = item.get("url")
    return web_url(value) if isinstance(value, str) else None


class PageProcessor:
    """Turns documents into outputs for one job (schema compiled once)."""

    @classmethod
    def for_request(cls, schema: Schema, request: ScrapeFields) -> PageProcessor:
        """The processor of a scrape request: its formats, date order and content choice."""
        content = ContentOptions(
            request.only_main_content, tuple(request.include_selectors), tuple(request.exclude_selectors)
        )
        processor = cls(schema, request.formats, request.options.date_order, content)
        # `auto` decides on every page whether the browser is needed; the others only explain
        # empty fields.
        processor.always_check_scripts = request.strategy == "auto"
        return processor

    def __init__(
        self,
        schema: Schema,
        formats: Sequence[str],
        date_order: str | None = None,
        content: ContentOptions | None = None,
    ) -> None:
        self.schema = schema
        self.content = content or ContentOptions()
        self.extractor = Extractor(schema, date_order)
        self.formats = [f for f in formats if f != "data"]
        self.needs_metadata = "metadata" in self.formats or any(f.selector is None for f in schema.fields)
        self.always_check_scripts = False
        # Set by a crawl: text blocks its pages repeat (a newsletter box inside every article)
        # are dropped from `markdown` and `text` once a site has shown them a few times.
        self.repeated: RepeatedBlocks | None = None

    async def run(self, doc: Document) -> PageOutput:
        """`process`, in a thread for a large page so that the event loop goes on meanwhile."""
        if doc.html is not None and len(doc.html) >= OFFLOAD_CHARS:
            return await asyncio.to_thread(self.process, doc)
        return self.process(doc)

    def process(self, doc: Document) -> PageOutput:
        if doc.html is None:
            return self._json(doc)
        tree = parse_html(doc.html)
        metadata = extract_metadata(tree, doc.url) if self.needs_metadata else PageMetadata()
        extraction = self.extractor.run(doc.html, tree, metadata, doc.url)
        out = PageOutput(doc.url, extraction.data, extraction, tree=tree)
        # `markdown` and `text` render the same content: it is chosen once.
        nodes: list[Any] = []
        if {"markdown", "text"} & set(self.formats):
            nodes = content_nodes(doc.html, self.content, self.repeated, urlsplit(doc.url).hostname or "")
        for name in self.formats:
            if name in ("markdown", "text"):
                out.formats[name] = render(nodes, doc.url, plain=name == "text")
            elif name == "links":
                out.formats["links"] = extract_links(tree, doc.url)
            elif name == "metadata":
                out.formats["metadata"] = metadata.as_dict()
            elif name == "html":
                out.formats["html"] = doc.html
        if self.always_check_scripts or extraction.missing or not self.schema.fields:
            out.script_rendered = script_rendered_reason(tree)
        return out

    def _json(self, doc: Document) -> PageOutput:
        value = doc.json
        metadata = PageMetadata(json_ld=[value] if isinstance(value, dict) else [])
        tree = parse_html("")
        extraction = self.extractor.run("", tree, metadata, doc.url)
        out = PageOutput(doc.url, extraction.data, extraction)
        if not self.schema.fields:
            out.data = value if isinstance(value, dict) else {}
            out.json_items = value if isinstance(value, list) else None
        out.json = value
        if "metadata" in self.formats:
            out.formats["metadata"] = metadata.as_dict()
        return out


def select_links(tree: LexborTree, html: str, selector: Selector, base_url: str) -> list[str]:
    """URLs of the links a crawl selector picks (`href` of elements, or strings an XPath returns)."""
    from backend_fastapi.scraping.dom import LxmlTree, Tree

    selector_tree: Tree = LxmlTree(html) if selector.needs_lxml else tree
    urls: list[str] = []
    for node in selector_tree.select(selector_tree.root, selector):
        href = node if isinstance(node, str) else selector_tree.attr(node, "href")
        if href is None and not isinstance(node, str):
            inner = selector_tree.select(node, Selector(css="a[href]"))
            href = selector_tree.attr(inner[0], "href") if inner else None
        url = absolute_link(base_url, href)
        if url is not None:
            urls.append(url)
    return urls
