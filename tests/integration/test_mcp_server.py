"""`dataops mcp` driven by the MCP SDK's own client, over stdio and streamable HTTP, against a real
API and worker and a local shop."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp import ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from tests.support.processes import REPO_ROOT, Service, free_port
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.sites import ShopSite, shop_server
from tests.support.waiting import BOUND, wait_for

KEY = "mcp-secret"
PRODUCTS = 12


@pytest.fixture(scope="module")
def shop() -> Iterator[LoopbackServer]:
    with shop_server(ShopSite(products=PRODUCTS, per_page=5)) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("mcp")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}", tmp, SCRAPE_ALLOW_HOSTS="127.0.0.1", API_KEY=KEY
    ) as running:
        yield running


def server_env(stack: Stack) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAOPS_", "API_KEY"))}
    env.update({"DATAOPS_URL": stack.base, "DATAOPS_API_KEY": KEY, "PYTHONPATH": str(REPO_ROOT)})
    return env


def answer(result: Any) -> dict[str, Any]:
    assert not result.is_error, result.content
    return dict(json.loads(result.content[0].text))


async def test_the_tools_over_stdio(stack: Stack, shop: LoopbackServer) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "backend_fastapi.ops.cli", "mcp"],
        env=server_env(stack),
        cwd=REPO_ROOT,
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        tools = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert set(tools) >= {"scrape", "crawl", "map_site", "get_job", "run_pipeline", "list_exports"}
        assert "url" in tools["scrape"].input_schema["properties"]
        assert tools["scrape"].description

        scraped = answer(
            await session.call_tool(
                "scrape", {"url": f"{shop.url}/p/1", "fields": {"title": "string", "price": "number"}}
            )
        )
        assert scraped["status"] == "completed"
        assert scraped["data"] == {"title": "Blue Mug 1", "price": 1235.5}
        assert "Blue Mug 1" in scraped["markdown"]

        progress: list[tuple[float, str | None]] = []

        async def on_progress(value: float, total: float | None, message: str | None) -> None:
            progress.append((value, message))

        crawled = answer(
            await session.call_tool(
                "crawl",
                {
                    "url": f"{shop.url}/catalog/1",
                    "schema": {"name": "h1"},
                    "follow_links": "a.product-link",
                    "next_page": "a[rel=next]",
                },
                progress_callback=on_progress,
            )
        )
        assert crawled["status"] == "completed"
        assert crawled["records_total"] == PRODUCTS
        assert len(crawled["records"]) == PRODUCTS
        assert progress, "a crawl that is followed reports progress"
        assert progress[-1][1] is not None
        assert progress[-1][1].startswith("completed")

        page = answer(
            await session.call_tool(
                "get_job", {"job_id": crawled["job_id"], "record_offset": 10, "record_limit": 5}
            )
        )
        assert (page["records_total"], len(page["records"]), page["record_offset"]) == (PRODUCTS, 2, 10)

        mapped = answer(await session.call_tool("map_site", {"url": f"{shop.url}/"}))
        assert f"{shop.url}/catalog/1" in mapped["urls"]

        rows = [{"sku": "A", "price": "2"}, {"sku": "A", "price": "2"}]
        pipeline = {
            "name": "mcp-prices",
            "source": {"type": "inline", "records": rows},
            "steps": [{"op": "dedupe"}],
            "output": {"format": "csv"},
        }
        ran = answer(await session.call_tool("run_pipeline", {"pipeline": pipeline}))
        assert ran["status"] == "completed", ran
        assert ran["records"] == [{"sku": "A", "price": "2"}]
        exports = answer(await session.call_tool("list_exports", {"job_id": ran["job_id"]}))
        assert [e["format"] for e in exports["exports"]] == ["csv"]

        refused = await session.call_tool("scrape", {"url": "ftp://nowhere/", "fields": {"title": "string"}})
        assert refused.is_error
        assert "validation_error" in refused.content[0].text
        assert "body.url" in refused.content[0].text
        missing = await session.call_tool("get_job", {"job_id": "no-such-job"})
        assert missing.is_error
        assert "not_found" in missing.content[0].text


async def test_streamable_http_asks_for_the_api_key(
    stack: Stack, shop: LoopbackServer, tmp_path: Path
) -> None:
    port = free_port()
    server = Service(["mcp", "--http", "--port", str(port)], server_env(stack), tmp_path / "mcp.log")
    url = f"http://127.0.0.1:{port}/mcp"
    try:

        def listening() -> bool:
            try:
                return httpx.post(url, json={}, timeout=5).status_code == 401
            except httpx.HTTPError:
                return False

        wait_for(listening, timeout=BOUND)
        wrong = httpx.post(url, json={}, headers={"Authorization": "Bearer wrong"}, timeout=5)
        assert wrong.status_code == 401
        assert wrong.json()["error"]["code"] == "unauthorized"

        headers = {"Authorization": f"Bearer {KEY}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=BOUND) as http,
            streamable_http_client(url, http_client=http) as streams,
            ClientSession(streams[0], streams[1]) as session,
        ):
            await session.initialize()
            scraped = answer(
                await session.call_tool("scrape", {"url": f"{shop.url}/p/2", "fields": {"title": "string"}})
            )
            assert scraped["data"] == {"title": "Blue Mug 2"}
    finally:
        server.stop()


async def test_an_unreachable_dataops_is_a_tool_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATAOPS_", "API_KEY"))}
    env.update({"DATAOPS_URL": f"http://127.0.0.1:{free_port()}", "PYTHONPATH": str(REPO_ROOT)})
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "backend_fastapi.ops.cli", "mcp"], env=env, cwd=REPO_ROOT
    )
    async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
        await session.initialize()
        result = await session.call_tool("get_job", {"job_id": "any"})
        assert result.is_error
        assert "could not be reached" in result.content[0].text


def test_the_dataops_command_imports_the_sdk_and_the_client_only_for_mcp() -> None:
    code = (
        "import sys; from backend_fastapi.ops import cli; cli.build_parser().parse_args(['mcp']); "
        "print(','.join(m for m in ('mcp', 'httpx', 'dataops_client', 'uvicorn') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True, timeout=BOUND, check=True
    )
    assert done.stdout.strip() == ""
