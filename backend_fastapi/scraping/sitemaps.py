"""Sitemaps: reading a site's list of pages (sitemaps.org XML, sitemap indexes, gzipped files, plain
text lists, RSS and Atom feeds) and walking them from robots.txt's `Sitemap:` lines.

A sitemap comes from a remote site: it is parsed as a stream (lxml's iterparse, elements cleared as
they are read, so a 50 MB file never becomes a tree) with entities left unresolved and no DTD or
network access (no entity-expansion or external-entity tricks), bare `&`s in URLs escaped first; a
gzipped file is inflated up to
MAX_SITEMAP_BYTES (the protocol's own limit), so a small bomb cannot fill the memory; malformed XML
gives what was read before the error.
"""

from __future__ import annotations

import asyncio
import io
import re
import zlib
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from lxml import etree

from backend_fastapi.errors import JobError
from backend_fastapi.outbound import raise_for_status
from backend_fastapi.scraping.hostlimits import host_turn
from backend_fastapi.scraping.robots import ROBOTS, Rules
from backend_fastapi.scraping.urlnorm import canonical, web_url

if TYPE_CHECKING:
    from backend_fastapi.scraping.session import ScrapeSession

# The sitemaps.org limits: 50,000 URLs and 50 MB (uncompressed) a file.
MAX_SITEMAP_BYTES = 50 * 1024 * 1024
# Sitemap files read for one site (an index of indexes of ... stops here), and how deep indexes go.
MAX_SITEMAP_FILES = 1000
MAX_INDEX_DEPTH = 5
# Where sitemaps usually are when robots.txt names none.
DEFAULT_PATHS = ("/sitemap.xml", "/sitemap_index.xml")
_GZIP_MAGIC = b"\x1f\x8b"
# Files this large are parsed in a thread: the event loop keeps serving the job's other requests.
OFFLOAD_BYTES = 256 * 1024


@dataclass
class SitemapFile:
    """What one sitemap file lists: pages (with `lastmod` when given) and other sitemaps."""

    pages: list[tuple[str, str | None]] = field(default_factory=list)
    sitemaps: list[str] = field(default_factory=list)


class SitemapTooLarge(ValueError):
    """The file inflates to more than MAX_SITEMAP_BYTES."""


def inflate(data: bytes, limit: int = MAX_SITEMAP_BYTES) -> bytes:
    """`data`, gunzipped when it is gzip, refusing more than `limit` bytes of output."""
    if not data.startswith(_GZIP_MAGIC):
        return data
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    out = inflater.decompress(data, limit + 1)
    if len(out) > limit or inflater.unconsumed_tail:
        raise SitemapTooLarge(f"the file inflates to more than {limit} bytes")
    return out


# Elements that are one listed page or sitemap, and the fields read inside them.
_ENTRIES = frozenset({"url", "item", "entry", "sitemap"})
_FIELDS = frozenset({"loc", "lastmod", "updated", "pubdate", "link"})
_BARE_AMPERSAND = re.compile(rb"&(?!(?:#[0-9]+|#[xX][0-9a-fA-F]+|[A-Za-z][A-Za-z0-9]*);)")


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1].lower()


def _text(value: str | None) -> str:
    return value.strip() if value else ""


def parse_sitemap(data: bytes) -> SitemapFile:
    """The pages and sitemaps one file lists (gzip, XML sitemap or index, RSS, Atom or plain text)."""
    data = inflate(data)
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head.startswith(b"<"):
        return _parse_text(data)
    return _parse_xml(data)


def _parse_text(data: bytes) -> SitemapFile:
    """A plain list, one URL a line (sitemaps.org's text format)."""
    found = SitemapFile()
    for line in data.decode("utf-8-sig", errors="replace").splitlines():
        if url := web_url(line.strip()):
            found.pages.append((url, None))
    return found


def _parse_xml(data: bytes) -> SitemapFile:
    if b"&" in data:
        # Many sitemaps write query strings with a bare `&` (`?a=1&b=2`), which XML forbids.
        data = _BARE_AMPERSAND.sub(b"&amp;", data)
    found = SitemapFile()
    loc: str | None = None
    lastmod: str | None = None
    try:
        for _, element in etree.iterparse(
            io.BytesIO(data),
            events=("end",),
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            huge_tree=False,
            remove_comments=True,
            remove_pis=True,
        ):
            name = _local(element.tag)
            if name in _FIELDS and _local(element.getparent().tag) not in _ENTRIES:
                continue  # a feed's own link or date, not an entry's
            if name == "loc":
                loc = web_url(_text(element.text))
            elif name in ("lastmod", "updated", "pubdate"):
                lastmod = _text(element.text) or None
            elif name == "link":
                # RSS: the link is the text; Atom: the `href` of the alternate (or only) link.
                rel = element.get("rel", "alternate")
                if loc is None and rel == "alternate":
                    loc = web_url(_text(element.get("href") or element.text))
            elif name in ("url", "item", "entry"):
                if loc:
                    found.pages.append((loc, lastmod))
                loc = lastmod = None
                element.clear()
            elif name == "sitemap":
                if loc:
                    found.sitemaps.append(loc)
                loc = lastmod = None
                element.clear()
            else:
                continue
            if name in _ENTRIES:
                # Drop what the finished element's parent still holds: memory stays flat.
                parent = element.getparent()
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError:
        pass  # what was read before the error stands
    return found


@dataclass
class SitemapWalk:
    """What walking a site's sitemaps read: files, the failures (url, code, message), and whether
    MAX_SITEMAP_FILES stopped it."""

    files: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    stopped: bool = False


async def site_sitemaps(session: ScrapeSession, start_url: str) -> tuple[list[str], bool]:
    """The sitemaps robots.txt names for the site of `start_url` (True), else the usual places
    (False: a missing one there is no failure)."""
    rules = await _rules(session, start_url)
    if rules is not None and rules.sitemaps:
        return list(rules.sitemaps), True
    parts = urlsplit(start_url)
    return [f"{parts.scheme}://{parts.netloc}{path}" for path in DEFAULT_PATHS], False


async def walk_sitemaps(
    session: ScrapeSession, roots: list[str], walk: SitemapWalk, *, named: bool = True
) -> AsyncIterator[tuple[str, str | None]]:
    """Every page the sitemaps at `roots` list (indexes followed breadth first), as (url, lastmod).
    With `named=False` the roots are guesses: one that is missing is not a failure."""
    queue = deque((url, 0) for url in roots)
    seen: set[str] = set()
    guesses = set() if named else set(roots)
    while queue:
        url, depth = queue.popleft()
        key = canonical(url)
        if key in seen:
            continue
        if walk.files >= MAX_SITEMAP_FILES:
            walk.stopped = True
            return
        seen.add(key)
        try:
            found = await read_sitemap(session, url)
        except JobError as exc:
            if url not in guesses:
                walk.failed.append((url, exc.code, exc.message))
            continue
        except SitemapTooLarge as exc:
            walk.failed.append((url, "sitemap_too_large", f"{url}: {exc}."))
            continue
        walk.files += 1
        for page in found.pages:
            yield page
        if depth < MAX_INDEX_DEPTH:
            queue.extend((child, depth + 1) for child in found.sitemaps)


async def _rules(session: ScrapeSession, url: str) -> Rules | None:
    """robots.txt's rules for `url` (from the worker's cache), None when it cannot be read."""
    try:
        return await ROBOTS.rules_for(session.client, url, session.token)
    except JobError:
        return None


async def read_sitemap(session: ScrapeSession, url: str) -> SitemapFile:
    """Fetch one sitemap through its host's politeness gate; parse a large one off the event loop."""
    rules = await _rules(session, url) if session.options.respect_robots else None
    async with session.gate(url, rules).turn(), host_turn(session.ctx.db, session.ctx.settings, url, 60.0):
        response = await session.client.get(url, max_bytes=MAX_SITEMAP_BYTES)
    raise_for_status(response)
    if len(response.body) >= OFFLOAD_BYTES:
        return await asyncio.to_thread(parse_sitemap, response.body)
    return parse_sitemap(response.body)
