"""The measurement behind the scraping engine's library choice: HTTP client x HTML parser.

Each stack fetches the same shop pages from an aiohttp server in its own process, 16 requests in
flight, and extracts title and price with CSS selectors; then each parser parses one 10 MB page.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

from bench.common import machine, stamp, update_section
from bench.services import start_site

NAME = "parsers"
CONCURRENCY = 16
Parse = Callable[[bytes], tuple[Any, Any]]


def parse_lexbor(body: bytes) -> tuple[Any, Any]:
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(body)
    title, price = tree.css_first("h1"), tree.css_first(".price")
    return (title.text() if title else None, price.text() if price else None)


def parse_lxml(body: bytes) -> tuple[Any, Any]:
    import lxml.html

    tree = lxml.html.document_fromstring(body)
    return (tree.xpath("string(//h1)"), tree.xpath("string(//*[contains(@class, 'price')])"))


def parse_bs4(body: bytes) -> tuple[Any, Any]:
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(body, "lxml")
    title, price = soup.select_one("h1"), soup.select_one(".price")
    return (title.get_text() if title else None, price.get_text() if price else None)


PARSERS: dict[str, Parse] = {
    "lexbor (selectolax)": parse_lexbor,
    "lxml": parse_lxml,
    "BeautifulSoup(lxml)": parse_bs4,
}


async def _crawl(urls: list[str], get: Callable[[str], Awaitable[bytes]], parse: Parse) -> float:
    slots = asyncio.Semaphore(CONCURRENCY)

    async def one(url: str) -> None:
        async with slots:
            parse(await get(url))

    started = time.monotonic()
    await asyncio.gather(*(one(url) for url in urls))
    return len(urls) / (time.monotonic() - started)


async def with_aiohttp(urls: list[str], parse: Parse) -> float:
    import aiohttp

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=CONCURRENCY)) as session:

        async def get(url: str) -> bytes:
            async with session.get(url) as response:
                return await response.read()

        return await _crawl(urls, get, parse)


async def with_httpx(urls: list[str], parse: Parse) -> float:
    import httpx

    async with httpx.AsyncClient(limits=httpx.Limits(max_connections=CONCURRENCY)) as client:

        async def get(url: str) -> bytes:
            return (await client.get(url)).content

        return await _crawl(urls, get, parse)


def parse_seconds(parse: Parse, body: bytes) -> float:
    started = time.perf_counter()
    parse(body)
    return time.perf_counter() - started


def run(quick: bool = False) -> str:
    """Pages/s of each client + parser pair and the time to parse a 10 MB page."""
    pages = 300 if quick else 2000
    site, base = start_site(pages)
    urls = [f"{base}/plain/{i}" for i in range(1, pages + 1)]
    rows = []
    try:
        for client_name, client in (("aiohttp", with_aiohttp), ("httpx", with_httpx)):
            for parser_name, parse in PARSERS.items():
                asyncio.run(client(urls[:20], parse))  # warm up: imports, connections
                rate = asyncio.run(client(urls, parse))
                rows.append(f"| {client_name} + {parser_name} | {rate:.0f} |")
    finally:
        site.terminate()
    rows_in_big_page = 32_000 if quick else 160_000  # 2 MB or 10 MB
    big = (
        b"<html><body>"
        + b"<div class=row><h2>Item</h2><p class=price>EUR 1.234,50</p></div>" * rows_in_big_page
    )
    big += b"<h1>End</h1></body></html>"
    parse_rows = [f"| {name} | {parse_seconds(parse, big):.2f} s |" for name, parse in PARSERS.items()]
    return "\n".join(
        [
            f"## HTTP client and parser ({stamp()}{', quick' if quick else ''})",
            "",
            f"{machine()}. {pages} shop pages (~1 KB), {CONCURRENCY} requests in flight, title and price "
            "by CSS; site served by aiohttp in another process.",
            "",
            "| stack | pages/s |",
            "| --- | --- |",
            *rows,
            "",
            f"Parsing one {len(big) / 2**20:.0f} MB page:",
            "",
            "| parser | time |",
            "| --- | --- |",
            *parse_rows,
        ]
    )


if __name__ == "__main__":
    update_section(NAME, run(quick="--quick" in sys.argv))
