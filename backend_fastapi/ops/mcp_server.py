"""`dataops mcp`: an MCP server that lets AI assistants scrape, crawl and map sites, read jobs and
their records, run pipelines and list exports on a running DataOps.

It is a client of the API (through `dataops_client`, at `--url`, else DATAOPS_URL, else this host's
API port, with `--key`, else DATAOPS_API_KEY, else API_KEY): it holds no database of its own. Over
stdio by default (an assistant starts it); `--http` serves the streamable HTTP transport at
`/mcp`, which then asks every request for `Authorization: Bearer <the API key>` when a key is set.
Tools that start a job follow it and report its progress as MCP progress notifications.

`dataops` imports this module only when `dataops mcp` runs: the command is also the API and worker
images' entry point, which have neither the SDK nor the client.
"""

from __future__ import annotations

import hmac
import json
from typing import Any, Literal

import httpx
import uvicorn
from dataops_client import AsyncDataOps, DataOpsError, WaitTimeout
from dataops_client.models import JobOut
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from starlette.types import ASGIApp, Receive, Scope, Send

# What a tool answers at most, so a big job does not flood the assistant's context: it reads on
# with `get_job` and `record_offset`.
RECORDS_SHOWN = 50
MARKDOWN_CHARS = 20_000
DEFAULT_WAIT_SECONDS = 300.0
INSTRUCTIONS = (
    "DataOps turns web pages into data. `scrape` reads one page (fields you name, and its "
    "markdown); `crawl` follows links and makes a record per page; `map_site` lists a site's URLs; "
    "`get_job` reads any job and pages through its records; `run_pipeline` cleans records with a "
    "saved or inline pipeline; `list_exports` lists the files pipelines wrote. Jobs run on the "
    "DataOps server: a tool that waits reports progress, and one that times out returns the job "
    "id to read later with `get_job`."
)
Strategy = Literal["static", "dynamic", "auto"]


def serve(url: str, key: str | None, *, http: bool = False, host: str = "127.0.0.1", port: int = 0) -> None:
    """Serve the tools over stdio, or (`http`) streamable HTTP at `/mcp` behind the API key."""
    server = build_server(url, key)
    if not http:
        server.run("stdio")
        return
    app = require_bearer(server.streamable_http_app(host=host), key)
    uvicorn.run(app, host=host, port=port, log_config=None, server_header=False)


def require_bearer(app: ASGIApp, key: str | None) -> ASGIApp:
    """`app`, answering 401 to HTTP requests without `Authorization: Bearer <key>` (when a key is set)."""
    if not key:
        return app
    expected = f"Bearer {key}".encode()

    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            sent = dict(scope["headers"]).get(b"authorization", b"")
            if not hmac.compare_digest(sent, expected):
                message = "Send Authorization: Bearer <API key>."
                body = json.dumps(
                    {"error": {"code": "unauthorized", "message": message, "details": None}}
                ).encode()
                headers = [(b"content-type", b"application/json"), (b"www-authenticate", b"Bearer")]
                await send({"type": "http.response.start", "status": 401, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
        await app(scope, receive, send)

    return guarded


def build_server(url: str, key: str | None) -> MCPServer[Any]:
    """The MCP server and its tools, each a call of the DataOps API at `url`."""
    server: MCPServer[Any] = MCPServer("DataOps", instructions=INSTRUCTIONS)

    def client() -> AsyncDataOps:
        return AsyncDataOps(url, api_key=key or "", timeout=DEFAULT_WAIT_SECONDS + 60)

    async def finish(ctx: Context, dataops: AsyncDataOps, job: JobOut, wait_seconds: float) -> JobOut:
        """The job once final, its progress reported on the way; as it is when the time runs out."""
        try:
            return await follow(ctx, dataops, job, wait_seconds)
        except WaitTimeout as timeout:
            return timeout.job

    async def call(work: Any) -> Any:
        """Run a tool's work, turning the API's refusals into tool errors with its message."""
        try:
            return await work
        except DataOpsError as exc:
            details = f" {json.dumps(exc.details)[:1000]}" if exc.details else ""
            raise ToolError(f"DataOps refused: {exc}{details}") from exc
        except httpx.HTTPError as exc:
            raise ToolError(f"DataOps at {url} could not be reached: {exc}") from exc

    @server.tool()
    async def scrape(
        ctx: Context,
        url: str,
        fields: dict[str, str] | None = None,
        schema: dict[str, Any] | None = None,
        strategy: Strategy = "static",
        markdown: bool = True,
        only_main_content: bool = True,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> dict[str, Any]:
        """Scrape one web page: the values of `fields` (name -> type: string, number, integer,
        boolean, date, datetime, url, html, list[...]), found by meaning, or of a full DataOps
        `schema` (CSS selectors etc.); and the page's main content as markdown.
        `strategy`: static (plain HTTP), dynamic (a browser) or auto."""
        formats = ["data", "markdown"] if markdown else ["data"]
        body = {**(schema or {}), **(fields or {})} or None

        async def work() -> dict[str, Any]:
            async with client() as dataops:
                job = await dataops.scrape(
                    url,
                    body,
                    strategy=strategy,
                    formats=formats,
                    only_main_content=only_main_content,
                    wait=False,
                )
                job = await finish(ctx, dataops, job, wait_seconds)
                answer = summary(job)
                result = job.model_dump(mode="json").get("result") or {}
                answer["data"] = result.get("data")
                if markdown:
                    answer["markdown"] = (result.get("markdown") or "")[:MARKDOWN_CHARS]
                answer["field_errors"] = result.get("field_errors")
                return answer

        return dict(await call(work()))

    @server.tool()
    async def crawl(
        ctx: Context,
        url: str,
        schema: dict[str, Any] | None = None,
        follow_links: str | None = None,
        next_page: str | None = None,
        max_pages: int = 50,
        max_depth: int = 3,
        include: list[str] | None = None,
        exclude: list[str] | None = None,
        strategy: Strategy = "static",
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> dict[str, Any]:
        """Crawl a site from `url`: a record per page reached through the CSS selector
        `follow_links` (e.g. `a.product-link`), following `next_page` (e.g. `a[rel=next]`)
        through listing pages, each with the fields of `schema`; `include`/`exclude` are URL
        regexes. Answers the job and its first records (read on with `get_job`)."""

        async def work() -> dict[str, Any]:
            async with client() as dataops:
                job = await dataops.crawl(
                    url,
                    schema,
                    follow=follow_links,
                    next_page=next_page,
                    max_pages=max_pages,
                    max_depth=max_depth,
                    include=include,
                    exclude=exclude,
                    strategy=strategy,
                    wait=False,
                )
                job = await finish(ctx, dataops, job, wait_seconds)
                return await with_records(dataops, job, 0, RECORDS_SHOWN)

        return dict(await call(work()))

    @server.tool()
    async def map_site(
        ctx: Context,
        url: str,
        search: str | None = None,
        max_urls: int = 500,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> dict[str, Any]:
        """List a site's URLs from its sitemaps and its start page's links; `search` ranks them by
        a text (those holding it first)."""

        async def work() -> dict[str, Any]:
            async with client() as dataops:
                job = await dataops.map(url, search=search, max_urls=max_urls, wait=False)
                job = await finish(ctx, dataops, job, wait_seconds)
                answer = summary(job)
                answer["urls"] = [record["url"] async for record in dataops.results(job.job_id)]
                return answer

        return dict(await call(work()))

    @server.tool()
    async def get_job(
        job_id: str, record_offset: int = 0, record_limit: int = RECORDS_SHOWN
    ) -> dict[str, Any]:
        """A DataOps job (status, progress, error, result) and a page of its records, from
        `record_offset` (at most 200 records per call)."""

        async def work() -> dict[str, Any]:
            async with client() as dataops:
                job = await dataops.job(job_id)
                return await with_records(dataops, job, record_offset, min(record_limit, 200))

        return dict(await call(work()))

    @server.tool()
    async def run_pipeline(
        ctx: Context,
        pipeline_id: str | None = None,
        pipeline: dict[str, Any] | None = None,
        source: dict[str, Any] | None = None,
        wait_seconds: float = DEFAULT_WAIT_SECONDS,
    ) -> dict[str, Any]:
        """Run a saved DataOps pipeline (`pipeline_id`: its id or name) or an inline `pipeline`
        definition (`source`, `steps`, `output`); `source` replaces its source for this run
        (e.g. `{"type": "job", "job_id": ...}` to clean a scrape's records). Answers the job and
        its first output records."""

        async def work() -> dict[str, Any]:
            async with client() as dataops:
                job = await dataops.run_pipeline(pipeline_id, pipeline=pipeline, source=source, wait=False)
                job = await finish(ctx, dataops, job, wait_seconds)
                return await with_records(dataops, job, 0, RECORDS_SHOWN)

        return dict(await call(work()))

    @server.tool()
    async def list_exports(
        job_id: str | None = None, pipeline_id: str | None = None, limit: int = 50
    ) -> dict[str, Any]:
        """Files pipelines wrote (CSV, JSON, XLSX, Parquet...), newest first, with their download
        paths on the DataOps server; `job_id` or `pipeline_id` narrow the list."""

        async def work() -> dict[str, Any]:
            async with client() as dataops:
                page = await dataops.exports(job_id=job_id, pipeline_id=pipeline_id, limit=min(limit, 200))
                return {"exports": [e.model_dump(mode="json") for e in page.items]}

        return dict(await call(work()))

    return server


async def follow(ctx: Context, dataops: AsyncDataOps, job: JobOut, wait_seconds: float) -> JobOut:
    """Watch the job until it is final, each change a progress notification."""
    if job.status in ("completed", "failed", "cancelled"):
        return job
    step = 0
    async for state in dataops.watch(job.job_id, timeout=wait_seconds):
        step += 1
        job = state
        await ctx.report_progress(step, None, progress_message(state))
    return job


def progress_message(job: JobOut) -> str:
    """`running: pages_done 12, records 10` from the job's progress counters."""
    progress = job.model_dump(mode="json").get("progress") or {}
    counts = ", ".join(
        f"{k} {v}" for k, v in progress.items() if isinstance(v, int | float) and v is not True
    )
    return f"{job.status}: {counts}" if counts else job.status


def summary(job: JobOut) -> dict[str, Any]:
    """What the assistant needs of a job: its id, type, status, error, and when it is not final a hint."""
    answer: dict[str, Any] = {"job_id": job.job_id, "type": job.type, "status": job.status}
    if job.error is not None:
        answer["error"] = job.error.model_dump(mode="json")
    if job.status in ("queued", "running"):
        answer["note"] = "The job is still running: read it later with get_job."
    return answer


async def with_records(dataops: AsyncDataOps, job: JobOut, offset: int, limit: int) -> dict[str, Any]:
    """The job's summary, its result and a page of its records."""
    answer = summary(job)
    body = job.model_dump(mode="json")
    answer["progress"], answer["result"] = body.get("progress"), body.get("result")
    page = await dataops.record_page(job.job_id, offset=offset, limit=limit)
    answer["records_total"] = page.total
    answer["records"] = page.items
    answer["record_offset"] = offset
    return answer
