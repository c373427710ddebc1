"""The one guarded HTTP client: aiohttp behind the address guard, for every outbound request.

Scrapes, robots.txt, the browser's intercepted requests, webhooks and pipeline URL sources all
fetch through `GuardedClient`. The guard works at three points. Before every request (the first
and each redirect hop, which are followed here, never by aiohttp) `check_url` normalises the host
and refuses schemes, local names and literal addresses, and aiohttp is handed the normalised URL,
so it connects to the host that was checked. The connector's resolver is `GuardedResolver`,
which returns only addresses `resolve_public` has checked (no DNS-rebinding gap). Finally the
connector's socket factory checks the address of every socket before it connects, IP literals,
exempt names and all, so nothing is sent to a blocked address whatever produced it.

With a proxy (a `ProxyChooser` picks one per request, scraping/proxies.py) the guard still
checks the target: its host is resolved and checked here before the request is handed to the
proxy (which resolves it again itself), and the sockets, which now go to the proxy, are checked
against the proxy's own address, allowed only when it is public or exempt (`ProxyAddress.exempt`).
A request that fails on the proxy's side is tried again through another proxy (`get`).
"""

from __future__ import annotations

import asyncio
import email.utils
import functools
import socket
import time
from collections.abc import AsyncIterator, Callable, Collection, Iterable, Mapping
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol
from urllib.parse import urljoin

import aiohttp
import aiohttp_socks
from aiohttp.abc import AbstractResolver, ResolveResult

from backend_fastapi import netguard
from backend_fastapi.errors import BlockedAddress, PermanentJobError, TransientJobError
from backend_fastapi.netguard import ProxyAddress

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


class ProxyFailed(NetworkError):
    """The request failed on its way through a proxy (refused, reset, timed out, or the proxy said no)."""

    code = "proxy_error"


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
    # With a proxy every socket of the request goes to the proxy: its address is what is checked.
    proxy: ProxyAddress | None = None

    def connection(self, allow_hosts: list[str]) -> tuple[str, int, list[str]]:
        """The host and port the request's sockets connect to, and the exemptions that apply there."""
        if self.proxy is None:
            return self.host, self.port, allow_hosts
        return self.proxy.host, self.proxy.port, [self.proxy.address] if self.proxy.exempt else []


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
        host, port, exempt = target.connection(allow) if target else ("", int(sockaddr[1]), allow)
        try:
            netguard.check_connection(str(sockaddr[0]), host, port, exempt)
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
        target = _TARGET.get()
        allow = self.allow_hosts
        if target is not None and target.proxy is not None:
            allow = target.connection(allow)[2] if host.rstrip(".") == target.proxy.host else []
        addresses = await netguard.resolve_public(host, port, allow)
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


class ProxyChooser(Protocol):
    """Which proxy a request goes through, and what its answer says about the proxy."""

    @property
    def attempts(self) -> int:
        """How many proxies one request may try."""
        ...

    async def choose(self, host: str, tried: Collection[ProxyAddress]) -> ProxyAddress | None:
        """The proxy for a request to `host` (not one of `tried` while others are left); None: direct."""
        ...

    def judge(self, proxy: ProxyAddress, response: Response | None, error: Exception | None) -> str | None:
        """Note how the request through `proxy` went; a reason when the proxy failed or was banned."""
        ...


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
        proxies: ProxyChooser | None = None,
    ) -> None:
        self.allow_hosts = list(allow_hosts)
        self.headers = {"User-Agent": user_agent, "Accept": accept}
        self.headers.update(headers or {})
        self.timeout = aiohttp.ClientTimeout(total=timeout_s)
        self.max_bytes = max_bytes
        self.max_redirects = max_redirects
        self._limit = limit
        self._session: aiohttp.ClientSession | None = None
        self.proxies = proxies
        # SOCKS proxies need a connector each (aiohttp speaks HTTP proxies itself): a session per
        # proxy, sharing the main session's cookies.
        self._socks: dict[ProxyAddress, aiohttp.ClientSession] = {}

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
        socks, self._socks = self._socks, {}
        for session in socks.values():
            await session.close()
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
        """Fetch `url`, following redirects hop by hop through the guard; any status is returned.

        Through proxies, a request whose proxy fails or is banned is sent again through another,
        up to the chooser's `attempts`; the last answer (or failure) is the request's."""
        limit = self.max_bytes if max_bytes is None else max_bytes
        opener = functools.partial(
            self.open,
            url,
            headers=headers,
            max_redirects=max_redirects,
            method=method,
            body=body,
            follow_redirects=follow_redirects,
        )
        if self.proxies is None:
            return await _read(opener(proxy=None), limit, None)
        host = netguard.check_url(url, self.allow_hosts)[1]
        tried: list[ProxyAddress] = []
        for attempt in range(self.proxies.attempts):
            proxy = await self.proxies.choose(host, tried)
            if proxy is None:
                return await _read(opener(proxy=None), limit, None)
            tried.append(proxy)
            last = attempt + 1 == self.proxies.attempts
            try:
                response = await _read(opener(proxy=proxy), limit, proxy)
            except ProxyFailed as exc:
                self.proxies.judge(proxy, None, exc)
                if last:
                    raise
                continue
            if self.proxies.judge(proxy, response, None) is None or last:
                return response
        raise AssertionError("unreachable: the last attempt returns or raises")

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
        proxy: ProxyAddress | Literal["choose"] | None = "choose",
    ) -> AsyncIterator[tuple[aiohttp.ClientResponse, list[str]]]:
        """The final response of `url` (body unread: see `read_chunks`) and the URLs redirected from.

        `proxy`: the proxy to go through (None: directly); by default the chooser picks one and is
        told when it fails (once: a streamed body is not sent twice)."""
        assert self._session is not None, "use `async with GuardedClient(...)`"
        chosen = proxy == "choose"
        if proxy == "choose":
            host = netguard.check_url(url, self.allow_hosts)[1]
            proxy = await self.proxies.choose(host, ()) if self.proxies is not None else None
        hops_allowed = self.max_redirects if max_redirects is None else max_redirects
        redirects: list[str] = []
        try:
            while True:
                resp = await self._send(url, method, headers, body, proxy)
                location = resp.headers.get("Location")
                if not (follow_redirects and resp.status in REDIRECT_STATUSES and location):
                    break
                resp.release()
                if len(redirects) >= hops_allowed:
                    raise TooManyRedirects(
                        f"{url} redirects more than {hops_allowed} times.", details={"url": url}
                    )
                redirects.append(url)
                try:
                    url = urljoin(str(resp.url), location)
                except ValueError as exc:  # `Location: http://[bad`: a hostile server's header
                    raise BlockedAddress(
                        f"{url} redirects to an address no parser reads: {exc}",
                        details={"url": url, "location": location[:200], "reason": "invalid host"},
                    ) from exc
                if resp.status == 303 or (resp.status in (301, 302) and method == "POST"):
                    method, body = "GET", None
        except ProxyFailed as exc:
            if chosen and self.proxies is not None and proxy is not None:
                self.proxies.judge(proxy, None, exc)
            raise
        try:
            yield resp, redirects
        finally:
            resp.release()

    async def _send(
        self,
        url: str,
        method: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        proxy: ProxyAddress | None = None,
    ) -> aiohttp.ClientResponse:
        """One request through the guard: host normalised and checked, every socket checked."""
        assert self._session is not None
        _, host, port = netguard.check_url(url, self.allow_hosts)
        if proxy is not None:
            # The proxy resolves the name itself: the guard checks what it resolves to first.
            try:
                await netguard.resolve_public(host, port, self.allow_hosts)
            except OSError as exc:
                raise NetworkError(f"Fetching {url} failed: {exc}", details={"url": url}) from exc
        target = _Target(host, port, proxy=proxy)
        token = _TARGET.set(target)
        try:
            session, proxy_url, proxy_auth = await self._route(proxy)
            return await session.request(
                method,
                netguard.normalise_url(url),
                headers=headers,
                data=body,
                allow_redirects=False,
                timeout=self.timeout,
                proxy=proxy_url,
                proxy_auth=proxy_auth,
            )
        except TimeoutError as exc:  # before OSError, of which it is a subclass
            if proxy is not None:
                raise ProxyFailed(
                    f"{url} did not answer within {self.timeout.total:g} s through the proxy {proxy.shown}.",
                    details={"url": url, "proxy": proxy.shown},
                ) from exc
            raise FetchTimeout(f"{url} did not answer within {self.timeout.total:g} s.") from exc
        except (aiohttp.ClientError, OSError, *SOCKS_ERRORS) as exc:
            if target.refused:
                raise target.refused[0] from None
            if isinstance(exc, aiohttp.InvalidURL):
                raise BlockedAddress(f"Invalid or non-canonical address in {url}: {exc}") from exc
            if proxy is not None:
                raise ProxyFailed(
                    f"Fetching {url} through the proxy {proxy.shown} failed: {_describe(exc, proxy)}",
                    details={"url": url, "proxy": proxy.shown},
                ) from exc
            raise NetworkError(f"Fetching {url} failed: {_describe(exc)}", details={"url": url}) from exc
        finally:
            _TARGET.reset(token)

    async def _route(
        self, proxy: ProxyAddress | None
    ) -> tuple[aiohttp.ClientSession, str | None, aiohttp.BasicAuth | None]:
        """The session a request goes through, and the proxy and its credentials for aiohttp."""
        assert self._session is not None
        if proxy is None:
            return self._session, None, None
        if proxy.scheme in ("http", "https"):
            auth = aiohttp.BasicAuth(proxy.username, proxy.password or "") if proxy.username else None
            return self._session, f"{proxy.scheme}://{proxy.address}", auth
        session = self._socks.get(proxy)
        if session is None:
            # Resolved and checked once: the connector connects to exactly this address.
            allow = [proxy.address] if proxy.exempt else []
            address = (await netguard.resolve_public(proxy.host, proxy.port, allow))[0]
            connector = aiohttp_socks.ProxyConnector(
                host=address,
                port=proxy.port,
                proxy_type=aiohttp_socks.ProxyType.SOCKS5,
                username=proxy.username,
                password=proxy.password,
                rdns=True,  # the target's name goes to the proxy (checked by `_send` first)
                limit=self._limit,
            )
            session = self._socks[proxy] = aiohttp.ClientSession(
                connector=connector,
                headers=self.headers,
                cookie_jar=self.cookie_jar,
                trust_env=False,
                auto_decompress=True,
            )
        return session, None, None


async def _read(
    opened: AbstractAsyncContextManager[tuple[aiohttp.ClientResponse, list[str]]],
    limit: int,
    proxy: ProxyAddress | None,
) -> Response:
    """The response `opened` yields, its body read up to `limit` bytes."""
    started = time.monotonic()
    async with opened as (resp, redirects):
        declared = resp.content_length
        if declared is not None and declared > limit:
            raise ResponseTooLarge(
                f"{resp.url} is {declared} bytes, more than max_bytes ({limit}).",
                details={"url": str(resp.url), "max_bytes": limit},
            )
        chunks: list[bytes] = []
        size = 0
        async for chunk in read_chunks(resp, proxy):
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


async def read_chunks(
    resp: aiohttp.ClientResponse, proxy: ProxyAddress | None = None
) -> AsyncIterator[bytes]:
    """The body of a response from `GuardedClient.open`, chunk by chunk, with network errors mapped."""
    try:
        async for chunk in resp.content.iter_chunked(CHUNK):
            yield chunk
    except TimeoutError as exc:
        if proxy is not None:
            raise ProxyFailed(f"{resp.url} did not finish in time through the proxy {proxy.shown}.") from exc
        raise FetchTimeout(f"{resp.url} did not finish in time.") from exc
    except (aiohttp.ClientError, OSError) as exc:
        error = ProxyFailed if proxy is not None else NetworkError
        raise error(
            f"Reading {resp.url} failed: {_describe(exc, proxy)}", details={"url": str(resp.url)}
        ) from exc


# What aiohttp-socks raises when the SOCKS proxy refuses, fails or times out.
SOCKS_ERRORS = (aiohttp_socks.ProxyError, aiohttp_socks.ProxyConnectionError, aiohttp_socks.ProxyTimeoutError)


def _describe(exc: BaseException, proxy: ProxyAddress | None = None) -> str:
    text = str(exc) or type(exc).__name__
    if proxy is not None and proxy.password:
        text = text.replace(proxy.password, "***")  # an error that quotes the proxy URL
    return text if len(text) < 300 else text[:300] + "..."


async def sleep_backoff(attempt: int, retry_after: float | None, cap: float = 30.0) -> None:
    """Wait before retrying a page inside a crawl: Retry-After when given, else 0.5 s doubled."""
    await asyncio.sleep(min(retry_after if retry_after is not None else 0.5 * 2**attempt, cap))
