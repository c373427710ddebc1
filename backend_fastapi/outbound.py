"""The one guarded HTTP client: aiohttp behind the address guard, for every outbound request.

Scrapes, robots.txt, the browser's intercepted requests, webhooks and pipeline URL sources all
fetch through `GuardedClient`. The guard works at three points. Before every request (the first
and each redirect hop, which are followed here, never by aiohttp) `check_url` normalises the host
and refuses schemes, local names and literal addresses, and aiohttp is handed the normalised URL,
so it connects to the host that was checked. The connector's resolver is `GuardedResolver`,
which returns only addresses `resolve_public` has checked (no DNS-rebinding gap). Finally the
connector's socket factory checks the address of every socket before it connects, IP literals,
exempt names and all, so nothing is sent to a blocked address whatever produced it.
"""

from __future__ import annotations

import asyncio
import email.utils
import socket
import time
from collections.abc import AsyncIterator, Callable, Iterable, Mapping
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from backend_fastapi import netguard
from backend_fastapi.errors import BlockedAddress, PermanentJobError, TransientJobError

if TYPE_CHECKING:
    from aiohappyeyeballs import AddrInfoType

# --- why a request failed: each says whether another attempt can help --------------------------


class NetworkError(TransientJobError):
    """The connection to the site failed."""

    code = "network_error"


class FetchTimeout(TransientJobError):
    """The site did not answer in time."""

    code = "fetch_timeout"


class ServerBusy(TransientJobError):
    """The site answered 429 or 5xx; it is asked again later (honouring Retry-After)."""

    code = "http_status"


class ClientStatusError(PermanentJobError):
    """The site refused the request (a 4xx other than 429)."""

    code = "http_status"


class PageNotFound(ClientStatusError):
    """The page does not exist (404 or 410)."""

    code = "not_found"


class ResponseTooLarge(PermanentJobError):
    """The response is larger than options.max_bytes."""

    code = "response_too_large"


class TooManyRedirects(PermanentJobError):
    """The page redirects more often than options.max_redirects allows."""

    code = "too_many_redirects"


REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
CHUNK = 64 * 1024
MAX_RETRY_AFTER = 300.0


@dataclass
class _Target:
    """The host and port a request is for, seen by the socket factory (exemptions are per host)."""

    host: str
    port: int
    refused: list[BlockedAddress] = field(default_factory=list)


# Set around each request: aiohttp opens its sockets in the requesting task (or in tasks it
# starts from it, which copy the context), so the factory knows which request a socket serves.
_TARGET: ContextVar[_Target | None] = ContextVar("guarded_target", default=None)


class BlockedConnection(OSError):
    """A socket the guard refused to connect (aiohttp reports it as a connection error)."""


def guarded_socket_factory(allow_hosts: Iterable[str]) -> Callable[[AddrInfoType], socket.socket]:
    """aiohttp's `socket_factory`: refuses a blocked address before the socket connects."""
    allow = list(allow_hosts)

    def factory(addr_info: AddrInfoType) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        target = _TARGET.get()
        try:
            netguard.check_connection(
                str(sockaddr[0]), target.host if target else "", int(sockaddr[1]), allow
            )
        except BlockedAddress as exc:
            if target is not None:
                target.refused.append(exc)
            raise BlockedConnection(exc.message) from None
        return socket.socket(family=family, type=type_, proto=proto)

    return factory


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
        accept: str = "text/html,application/xhtml+xml,*/*;q=0.8",
    ) -> None:
        self.allow_hosts = list(allow_hosts)
        self.headers = {"User-Agent": user_agent, "Accept": accept}
        self.headers.update(headers or {})
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> GuardedClient:
        connector = aiohttp.TCPConnector(
            resolver=GuardedResolver(self.allow_hosts),
            socket_factory=guarded_socket_factory(self.allow_hosts),
            limit=self._limit,
            ttl_dns_cache=60,
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

    @property
    def cookie_jar(self) -> aiohttp.CookieJar:
        """The cookies every request of this client carries (and every answer's Set-Cookie lands in)."""
        assert self._session is not None, "use `async with GuardedClient(...)`"
        jar = self._session.cookie_jar
        assert isinstance(jar, aiohttp.CookieJar)
        return jar

    async def get(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_bytes: int | None = None,
        max_redirects: int | None = None,
        method: str = "GET",
        body: bytes | None = None,
        follow_redirects: bool = True,
    ) -> Response:
        """Fetch `url`, following redirects hop by hop through the guard; any status is returned."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        started = time.monotonic()
        async with self.open(
            url,
            headers=headers,
            max_redirects=max_redirects,
            method=method,
            body=body,
            follow_redirects=follow_redirects,
        ) as (resp, redirects):
            declared = resp.content_length
            if declared is not None and declared > limit:
                raise ResponseTooLarge(
                    f"{resp.url} is {declared} bytes, more than max_bytes ({limit}).",
                    details={"url": str(resp.url), "max_bytes": limit},
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in read_chunks(resp):
                size += len(chunk)
                if size > limit:
                    raise ResponseTooLarge(
                        f"{resp.url} is larger than max_bytes ({limit}); the download was cut off.",
                        details={"url": str(resp.url), "max_bytes": limit},
                    )
                chunks.append(chunk)
            return Response(
                url=str(resp.url),
                status=resp.status,
                headers=dict(resp.headers),
                body=b"".join(chunks),
                redirects=redirects,
                elapsed=time.monotonic() - started,
            )

    @asynccontextmanager
    async def open(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        max_redirects: int | None = None,
        method: str = "GET",
        body: bytes | None = None,
        follow_redirects: bool = True,
    ) -> AsyncIterator[tuple[aiohttp.ClientResponse, list[str]]]:
        """The final response of `url` (body unread: see `read_chunks`) and the URLs redirected from."""
        assert self._session is not None, "use `async with GuardedClient(...)`"
        hops_allowed = self.max_redirects if max_redirects is None else max_redirects
        redirects: list[str] = []
        while True:
            resp = await self._send(url, method, headers, body)
            location = resp.headers.get("Location")
            if not (follow_redirects and resp.status in REDIRECT_STATUSES and location):
                break
            resp.release()
            if len(redirects) >= hops_allowed:
                raise TooManyRedirects(
                    f"{url} redirects more than {hops_allowed} times.", details={"url": url}
                )
            redirects.append(url)
            url = urljoin(str(resp.url), location)
            if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                method, body = "GET", None
        try:
            yield resp, redirects
        finally:
            resp.release()

    async def _send(
        self, url: str, method: str, headers: Mapping[str, str] | None, body: bytes | None
    ) -> aiohttp.ClientResponse:
        """One request through the guard: host normalised and checked, every socket checked."""
        assert self._session is not None
        _, host, port = netguard.check_url(url, self.allow_hosts)
        target = _Target(host, port)
        token = _TARGET.set(target)
        try:
            return await self._session.request(
                method,
                netguard.normalise_url(url),
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=self.timeout,
            )
        except TimeoutError as exc:  # before OSError, of which it is a subclass
            raise FetchTimeout(f"{url} did not answer within {self.timeout.total:g} s.") from exc
        except (aiohttp.ClientError, OSError) as exc:
            if target.refused:
                raise target.refused[0] from None
            if isinstance(exc, aiohttp.InvalidURL):
                raise BlockedAddress(f"Invalid or non-canonical address in {url}: {exc}") from exc
            raise NetworkError(f"Fetching {url} failed: {_describe(exc)}", details={"url": url}) from exc
        finally:
            _TARGET.reset(token)


async def read_chunks(resp: aiohttp.ClientResponse) -> AsyncIterator[bytes]:
    """The body of a response from `GuardedClient.open`, chunk by chunk, with network errors mapped."""
    try:
        async for chunk in resp.content.iter_chunked(CHUNK):
            yield chunk
    except TimeoutError as exc:
        raise FetchTimeout(f"{resp.url} did not finish in time.") from exc
    except (aiohttp.ClientError, OSError) as exc:
        raise NetworkError(
            f"Reading {resp.url} failed: {_describe(exc)}", details={"url": str(resp.url)}
        ) from exc


def _describe(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if len(text) < 300 else text[:300] + "..."


async def sleep_backoff(attempt: int, retry_after: float | None, cap: float = 30.0) -> None:
    """Wait before retrying a page inside a crawl: Retry-After when given, else 0.5 s doubled."""
    await asyncio.sleep(min(retry_after if retry_after is not None else 0.5 * 2**attempt, cap))
