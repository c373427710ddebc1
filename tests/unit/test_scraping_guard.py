"""The guarded client sends nothing to private addresses, in any spelling, on any redirect hop."""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator

import pytest

from backend_fastapi.errors import BlockedAddress
from backend_fastapi.scraping.errors import PageNotFound, ResponseTooLarge, ServerBusy, TooManyRedirects
from backend_fastapi.scraping.guarded_http import GuardedClient, GuardedResolver, raise_for_status
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
    addresses = {info[4][0] for info in socket.getaddrinfo(name, None)}
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
