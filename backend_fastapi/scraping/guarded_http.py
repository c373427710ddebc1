"""The static fetcher: aiohttp behind the address guard.

The guard works at three points. Before every request (the first and each redirect hop, which
are followed here, never by aiohttp) `check_url` refuses schemes and literal addresses. The
connector's resolver is `GuardedResolver`, which returns only addresses `resolve_public` has
checked, so aiohttp connects to exactly what was checked (no DNS-rebinding gap). Finally the
peer address of the open connection is checked again before a byte of the body is read.
"""

from __future__ import annotations

import asyncio
import email.utils
import ipaddress
import socket
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from backend_fastapi import netguard
from backend_fastapi.errors import BlockedAddress
from backend_fastapi.scraping.errors import (
    ClientStatusError,
    FetchTimeout,
    NetworkError,
    PageNotFound,
    ResponseTooLarge,
    ServerBusy,
    TooManyRedirects,
)

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
MAX_RETRY_AFTER = 300.0


class GuardedResolver(AbstractResolver):
    """An aiohttp resolver that only ever returns public (or explicitly allowed) addresses."""

    def __init__(self, allow_hosts: Iterable[str]) -> None:
        self.allow_hosts = list(allow_hosts)

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = await netguard.resolve_public(host, port, self.allow_hosts)
        return [
            {
                "hostname": host,
                "host": address,
                "port": port,
                "family": socket.AF_INET6 if ":" in address else socket.AF_INET,
                "proto": 0,
                "flags": socket.AI_NUMERICHOST,
            }
            for address in addresses
        ]

    async def close(self) -> None:
        return None


@dataclass
class Response:
    """A fetched response, body read (up to the size limit) and redirects followed."""

    url: str
    status: int
    headers: Mapping[str, str]
    body: bytes
    redirects: list[str] = field(default_factory=list)
    elapsed: float = 0.0

    @property
    def content_type(self) -> str:
        return self.headers.get("Content-Type", "").split(";", 1)[0].strip().lower()


def retry_after_seconds(value: str | None) -> float | None:
    """`Retry-After` as seconds (delta or HTTP date), capped; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(max(when.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER)


def raise_for_status(response: Response) -> None:
    """Map a failed status to the job error that decides whether to retry."""
    status = response.status
    if status < 400:
        return
    details = {"url": response.url, "status_code": status}
    if status == 429 or status >= 500:
        raise ServerBusy(
            f"{response.url} answered {status}; retrying later.",
            details=details,
            retry_after=retry_after_seconds(response.headers.get("Retry-After")),
        )
    if status in (404, 410):
        raise PageNotFound(f"{response.url} answered {status}: the page does not exist.", details=details)
    raise ClientStatusError(f"{response.url} answered {status}.", details=details)


class GuardedClient:
    """One aiohttp session whose every connection and redirect hop passes the address guard."""

    def __init__(
        self,
        allow_hosts: Iterable[str],
        *,
        user_agent: str,
        headers: Mapping[str, str] | None = None,
        timeout_s: float = 30.0,
        max_bytes: int = 10 * 1024 * 1024,
        max_redirects: int = 10,
        limit: int = 100,
    ) -> None:
        self.allow_hosts = list(allow_hosts)
        self.headers = {"User-Agent": user_agent, "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        self.headers.update(headers or {})
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GuardedClient:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.allow_hosts), limit=self._limit, ttl_dns_cache=60
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            headers=self.headers,
            cookie_jar=aiohttp.CookieJar(unsafe=True),
            trust_env=False,
            auto_decompress=True,
        )
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        max_redirects: int | None = None,
        method: str = "GET",
        body: bytes | None = None,
    ) -> Response:
        """Fetch `url`, following redirects hop by hop through the guard; any status is returned."""
        assert self._session is not None, "use `async with GuardedClient(...)`"
        limit = self.max_bytes if max_bytes is None else max_bytes
        hops_allowed = self.max_redirects if max_redirects is None else max_redirects
        redirects: list[str] = []
        started = time.monotonic()
        while True:
            _, host, port = netguard.check_url(url, self.allow_hosts)
            try:
                async with self._session.request(
                    method,
                    url,
                    headers=headers,
                    data=body,
                    allow_redirects=False,
                    timeout=self.timeout,
                ) as resp:
                    self._check_peer(resp, host, port)
                    location = resp.headers.get("Location")
                    if resp.status in REDIRECT_STATUSES and location:
                        if len(redirects) >= hops_allowed:
                            raise TooManyRedirects(
                                f"{url} redirects more than {hops_allowed} times.", details={"url": url}
                            )
                        redirects.append(url)
                        url = urljoin(str(resp.url), location)
                        if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                            method, body = "GET", None
                        continue
                    data = await _read_limited(resp, limit, url)
                    return Response(
                        url=str(resp.url),
                        status=resp.status,
                        headers=dict(resp.headers),
                        body=data,
                        redirects=redirects,
                        elapsed=time.monotonic() - started,
                    )
            except (BlockedAddress, ResponseTooLarge, TooManyRedirects):
                raise
            except TimeoutError as exc:
                raise FetchTimeout(f"{url} did not answer within {self.timeout.total:g} s.") from exc
            except aiohttp.InvalidURL as exc:
                raise BlockedAddress(f"Invalid or non-canonical address in {url}: {exc}") from exc
            except (aiohttp.ClientError, OSError) as exc:
                raise NetworkError(f"Fetching {url} failed: {_describe(exc)}", details={"url": url}) from exc

    def _check_peer(self, resp: aiohttp.ClientResponse, host: str, port: int) -> None:
        """Refuse a connection whose peer is not public, whatever resolved or pooled it."""
        if netguard.is_exempt(host, port, self.allow_hosts):
            return
        transport = resp.connection.transport if resp.connection is not None else None
        peer: Any = transport.get_extra_info("peername") if transport is not None else None
        if not peer:
            return
        address = ipaddress.ip_address(str(peer[0]).split("%", 1)[0])
        if reason := netguard.blocked_reason(address):
            raise BlockedAddress(f"{host} connected to {address}, a {reason} address.")


async def _read_limited(resp: aiohttp.ClientResponse, limit: int, url: str) -> bytes:
    declared = resp.content_length
    if declared is not None and declared > limit:
        raise ResponseTooLarge(
            f"{url} is {declared} bytes, more than max_bytes ({limit}).",
            details={"url": url, "max_bytes": limit},
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in resp.content.iter_chunked(CHUNK):
        size += len(chunk)
        if size > limit:
            raise ResponseTooLarge(
                f"{url} is larger than max_bytes ({limit}); the download was cut off.",
                details={"url": url, "max_bytes": limit},
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


async def sleep_backoff(attempt: int, retry_after: float | None, cap: float = 30.0) -> None:
    """Wait before retrying a page inside a crawl: Retry-After when given, else 0.5 s doubled."""
    await asyncio.sleep(min(retry_after if retry_after is not None else 0.5 * 2**attempt, cap))
