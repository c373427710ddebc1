"""The guarded client sends nothing to private addresses, in any spelling, on any redirect hop."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator, Iterator

import aiohttp
import pytest

from backend_fastapi.errors import BlockedAddress
from backend_fastapi.outbound import (
    BlockedConnection,
    GuardedClient,
    GuardedResolver,
    PageNotFound,
    ResponseTooLarge,
    ServerBusy,
    TooManyRedirects,
    guarded_socket_factory,
    raise_for_status,
)
from tests.support.guard_sites import HOP_TARGETS, REDIRECT_STATUSES, UNICODE_LOOPBACK, guard_site
from tests.support.servers import LoopbackServer


@pytest.fixture
async def client(shop: LoopbackServer) -> AsyncIterator[GuardedClient]:
    async with GuardedClient([f"127.0.0.1:{shop.port}"], user_agent="DataOps/test", max_redirects=3) as c:
        yield c


async def test_an_allowed_host_and_port_is_fetched(client: GuardedClient, shop: LoopbackServer) -> None:
    response = await client.get(f"{shop.url}/redirect/2")
    assert (response.status, response.url) == (200, f"{shop.url}/p/1")
    assert response.redirects == [f"{shop.url}/redirect/2", f"{shop.url}/redirect/1"]
    assert shop.requests[-1].headers["User-Agent"] == "DataOps/test"


SPELLINGS = [
    "http://127.0.0.1:{port}/",
    "http://127.1:{port}/",
    "http://0177.0.0.1:{port}/",
    "http://0x7f000001:{port}/",
    "http://2130706433:{port}/",
    "http://[::ffff:127.0.0.1]:{port}/",
    "http://[::ffff:7f00:1]:{port}/",
    "http://[::1]:{port}/",
    "http://0.0.0.0:{port}/",
    "http://localhost:{port}/",
    "http://LOCALHOST.:{port}/",
    "http://app.localhost:{port}/",
    "http://169.254.169.254/latest/meta-data/",
    "http://[fd00::1]:{port}/",
    "http://10.1.2.3:{port}/",
    "http://192.168.0.1:{port}/",
    "http://100.64.0.1:{port}/",
    "http://224.0.0.1:{port}/",
    "file:///etc/passwd",
    "ftp://127.0.0.1:{port}/",
    *UNICODE_LOOPBACK,
    "http://0x7f.1:{port}/",
    "http://127.0.0.1.:{port}/",
    "http://%31%32%37.0.0.1:{port}/",
]


@pytest.mark.parametrize("template", SPELLINGS)
async def test_every_spelling_of_a_private_address_is_refused_before_sending(
    client: GuardedClient, counter: LoopbackServer, template: str
) -> None:
    with pytest.raises(BlockedAddress):
        await client.get(template.format(port=counter.port))
    assert counter.requests == []


async def test_a_redirect_hop_to_a_private_address_is_refused(
    client: GuardedClient, shop: LoopbackServer, counter: LoopbackServer
) -> None:
    for target in (f"http://127.0.0.1:{counter.port}/", f"http://2130706433:{counter.port}/"):
        with pytest.raises(BlockedAddress):
            await client.get(f"{shop.url}/go?to={target}")
    assert counter.requests == []


async def test_a_name_that_resolves_to_a_private_address_is_refused(
    client: GuardedClient, counter: LoopbackServer
) -> None:
    name = socket.gethostname()
    addresses = {str(info[4][0]) for info in socket.getaddrinfo(name, None)}
    if not all(a.startswith(("127.", "10.", "192.168.", "172.")) or a == "::1" for a in addresses):
        pytest.skip(f"{name} does not resolve to a private address here")
    with pytest.raises(BlockedAddress, match="resolves to"):
        await client.get(f"http://{name}:{counter.port}/")
    with pytest.raises(BlockedAddress):
        await GuardedResolver([]).resolve("localhost", counter.port)
    assert counter.requests == []


async def test_an_allowed_host_port_does_not_open_other_ports(
    client: GuardedClient, counter: LoopbackServer
) -> None:
    with pytest.raises(BlockedAddress):
        await client.get(f"{counter.url}/")
    assert counter.requests == []


async def test_responses_over_max_bytes_are_cut_off(shop: LoopbackServer) -> None:
    async with GuardedClient([f"127.0.0.1:{shop.port}"], user_agent="t", max_bytes=50_000) as client:
        with pytest.raises(ResponseTooLarge, match="max_bytes"):
            await client.get(f"{shop.url}/huge?mb=0.1")


async def test_a_redirect_to_an_address_no_parser_reads_is_refused(
    client: GuardedClient, shop: LoopbackServer, counter: LoopbackServer
) -> None:
    for target in ("http://[bad/", f"http://[::1:{counter.port}/"):
        with pytest.raises(BlockedAddress, match="no parser reads"):
            await client.get(f"{shop.url}/go?to={target}")
    assert counter.requests == []


async def test_redirects_are_capped(client: GuardedClient, shop: LoopbackServer) -> None:
    with pytest.raises(TooManyRedirects):
        await client.get(f"{shop.url}/redirect/5")


async def test_statuses_map_to_retryable_and_permanent_errors(
    client: GuardedClient, shop: LoopbackServer
) -> None:
    with pytest.raises(ServerBusy) as busy:
        raise_for_status(await client.get(f"{shop.url}/status/503"))
    assert busy.value.retryable
    assert busy.value.retry_after == 1.0
    with pytest.raises(ServerBusy):
        raise_for_status(await client.get(f"{shop.url}/status/429"))
    with pytest.raises(PageNotFound) as missing:
        raise_for_status(await client.get(f"{shop.url}/status/404"))
    assert not missing.value.retryable


@pytest.fixture(scope="module")
def hops() -> Iterator[LoopbackServer]:
    with guard_site() as server:
        yield server


@pytest.mark.parametrize("status", REDIRECT_STATUSES)
@pytest.mark.parametrize("template", HOP_TARGETS)
async def test_every_redirect_status_to_a_blocked_address_is_refused(
    hops: LoopbackServer, counter: LoopbackServer, status: int, template: str
) -> None:
    url = f"{hops.url}/go/{status}?to={template.format(port=counter.port)}"
    async with GuardedClient([f"127.0.0.1:{hops.port}"], user_agent="DataOps/test") as client:
        for method in ("GET", "POST"):
            with pytest.raises(BlockedAddress):
                await client.get(url, method=method, body=b"x")
    assert counter.requests == []


async def test_the_socket_factory_refuses_a_blocked_address_before_connecting(
    counter: LoopbackServer,
) -> None:
    """An IP literal skips aiohttp's resolver: the socket factory still refuses it, before any byte."""
    connector = aiohttp.TCPConnector(socket_factory=guarded_socket_factory([]))
    async with aiohttp.ClientSession(connector=connector) as session:
        with pytest.raises(aiohttp.ClientConnectorError) as refused:
            await session.get(f"http://127.0.0.1:{counter.port}/")
    assert isinstance(refused.value.os_error, BlockedConnection)
    factory = guarded_socket_factory([f"127.0.0.1:{counter.port + 1}"])
    with pytest.raises(BlockedConnection, match="loopback"):
        factory((socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", ("127.0.0.1", counter.port)))
    assert counter.requests == []


async def test_the_clients_own_connections_are_checked_even_past_the_url_check(
    shop: LoopbackServer, counter: LoopbackServer
) -> None:
    """The session of a GuardedClient refuses a blocked socket by itself: a request that skipped
    `check_url` (here sent on the session directly) still connects to nothing."""
    async with GuardedClient([f"127.0.0.1:{shop.port}"], user_agent="t") as client:
        session = client._session
        assert session is not None
        with pytest.raises(aiohttp.ClientConnectorError) as refused:
            await session.get(f"http://127.0.0.1:{counter.port}/")
        assert isinstance(refused.value.os_error, BlockedConnection)
        assert (await client.get(f"{shop.url}/p/1")).status == 200
    assert counter.requests == []


async def test_an_exempt_host_is_exempt_on_its_own_port_only(
    shop: LoopbackServer, counter: LoopbackServer
) -> None:
    """An exempt name that resolves to a blocked address may reach only the port it is allowed on."""
    async with GuardedClient([f"localhost:{shop.port}"], user_agent="t") as client:
        assert (await client.get(f"http://localhost:{shop.port}/p/1")).status == 200
        with pytest.raises(BlockedAddress):
            await client.get(f"http://localhost:{counter.port}/")
    assert counter.requests == []


async def test_a_small_body_on_a_blocked_address_is_never_requested(counter: LoopbackServer) -> None:
    """The old peer check ran after the response and was skipped once a small body was read; the
    connection check runs before the request, so the counter sees nothing at all."""
    async with GuardedClient([], user_agent="t") as client:
        for url in (f"http://127.0.0.1:{counter.port}/", f"http://[::ffff:127.0.0.1]:{counter.port}/"):
            with pytest.raises(BlockedAddress):
                await client.get(url)
    assert counter.requests == []
