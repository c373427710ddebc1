"""The `dataops` command: run the API and workers, migrate, back up, and manage jobs."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Coroutine, Sequence
from contextlib import suppress
from pathlib import Path
from typing import Any

from backend_fastapi.jobtypes import JobStatus
from backend_fastapi.logs import configure_logging
from backend_fastapi.settings import Settings, get_settings

log = logging.getLogger("backend_fastapi.ops.cli")


def _run(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    return asyncio.run(coro_factory())


def _run_worker_loop(coro_factory: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """The worker's event loop: uvloop where the worker extra installed it. A crawl spends most of
    its time in the loop's socket handling, and uvloop's is faster there (measured +10 % crawl
    pages/s: docs/benchmarks.md); the API stays on asyncio, where it measured no faster."""
    try:
        import uvloop
    except ImportError:
        return _run(coro_factory)
    return uvloop.run(coro_factory())


def freeze_startup_objects() -> None:
    """Move everything imported so far out of the garbage collector's sight.

    Modules, classes and compiled validators live as long as the process; without this every
    full collection walks them all again, pausing requests for tens of milliseconds (measured:
    job creation p99 68 ms -> 27 ms, throughput +25 %).
    """
    gc.collect()
    gc.freeze()


# --- services ------------------------------------------------------------------------------


def cmd_api(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from backend_fastapi.api.app import create_app

    if _run(lambda: _schema_outdated(settings)):
        # Alembic stays out of the long-lived API process (~8 MB): a forked child migrates (it
        # inherits everything imported so far, so this costs little more than the DDL itself).
        child = multiprocessing.get_context("fork").Process(target=cmd_migrate, args=(args, settings))
        child.start()
        child.join()
        if child.exitcode != 0:
            raise SystemExit(f"dataops: migrating the database failed (exit code {child.exitcode})")
    app = create_app(settings)
    freeze_startup_objects()
    config = uvicorn.Config(
        app,
        host=args.host or settings.API_HOST,
        port=args.port or settings.API_PORT,
        log_config=None,
        loop="asyncio",
        http="httptools",
        proxy_headers=True,
        server_header=False,
        timeout_graceful_shutdown=5,
    )
    uvicorn.Server(config).run()
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    if not settings.WORKER_ENABLED:
        log.warning("worker.disabled", extra={"reason": "WORKER_ENABLED is false"})
        return 0
    if args.concurrency:
        settings = settings.model_copy(update={"WORKER_CONCURRENCY": args.concurrency})

    async def main() -> int:
        from backend_fastapi.worker.loop import Worker

        worker = Worker(settings)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, worker.request_stop)
        try:
            await worker.run()
        finally:
            await worker.db.close()
        return 0

    return _run_worker_loop(main)


# A worker that dies within this many seconds of its start, this many times in a row, is not
# restarted again by `dataops up` (it would only crash again: a bad setting, a broken install).
UP_QUICK_EXIT_SECONDS = 10.0
UP_MAX_QUICK_EXITS = 3


def cmd_up(args: argparse.Namespace, settings: Settings) -> int:
    """API and one worker as child processes; Ctrl-C (or SIGTERM) stops both cleanly.

    A worker that dies (a crash, an out-of-memory kill) is started again, as the compose file's
    `restart: unless-stopped` would: its jobs come back when their leases expire. If the API
    exits, or the worker keeps dying at start, everything stops.
    """
    from backend_fastapi.child_python import python_command, python_env

    base, env = python_command("backend_fastapi.ops.cli"), python_env()
    api_cmd = [*base, "api"]
    if args.host:
        api_cmd += ["--host", args.host]
    if args.port:
        api_cmd += ["--port", str(args.port)]
    # The API migrates first, so the worker finds the schema ready.
    _run(lambda: _migrate(settings))
    children = {"api": subprocess.Popen(api_cmd, env=env)}
    started: dict[str, float] = {}
    if settings.WORKER_ENABLED:
        children["worker"] = subprocess.Popen([*base, "worker"], env=env)
        started["worker"] = time.monotonic()
    stopping = False
    quick_exits = 0

    def stop(signum: int, _frame: Any) -> None:
        nonlocal stopping
        for proc in children.values():
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT if stopping else signal.SIGTERM)
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    host, port = args.host or settings.API_HOST, args.port or settings.API_PORT
    log.info("up.started", extra={"url": f"http://{host}:{port}/", "worker": "worker" in children})
    exit_code = 0
    try:
        while any(p.poll() is None for p in children.values()):
            for name, proc in list(children.items()):
                code = proc.poll()
                if code is None or stopping:
                    continue
                if name == "worker":
                    lived = time.monotonic() - started[name]
                    quick_exits = quick_exits + 1 if lived < UP_QUICK_EXIT_SECONDS else 0
                    if quick_exits < UP_MAX_QUICK_EXITS:
                        log.error(
                            "up.worker_restarting", extra={"code": code, "ran_seconds": round(lived, 1)}
                        )
                        children["worker"] = subprocess.Popen([*base, "worker"], env=env)
                        started["worker"] = time.monotonic()
                        continue
                log.error("up.child_exited", extra={"child": name, "code": code})
                exit_code = code or 1
                stop(signal.SIGTERM, None)
            time.sleep(0.2)
    finally:
        # Never leave a child behind, whatever ended this loop.
        for proc in children.values():
            if proc.poll() is None:
                proc.terminate()
                with suppress(subprocess.TimeoutExpired):
                    proc.wait(30)
                if proc.poll() is None:
                    proc.kill()
    return exit_code


def cmd_health(args: argparse.Namespace, settings: Settings) -> int:
    """Exit 0 when healthy: the API answers /health, or (--worker) this host's worker beats and can
    run every kind of job it is configured for."""
    if args.worker:
        return _run(lambda: _worker_alive(settings))
    import urllib.request

    url = args.url or f"http://127.0.0.1:{settings.API_PORT}/health"
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return 0 if response.status == 200 else 1
    except OSError as exc:
        sys.stderr.write(f"unhealthy: {exc}\n")
        return 1


async def _worker_alive(settings: Settings) -> int:
    """0 when a worker on this host beats and can run every kind of job it is configured for."""
    import socket

    from backend_fastapi import capabilities
    from backend_fastapi.store import worker_rows
    from backend_fastapi.store.engine import Database

    db = Database(settings)
    try:
        alive_after = await db.now() - settings.worker_alive_seconds
        async with db.read() as conn:
            alive = await worker_rows.live_workers(conn, alive_after)
        mine = [w for w in alive if w.hostname == socket.gethostname()]
    finally:
        await db.close()
    if not mine:
        sys.stderr.write("unhealthy: no worker on this host has sent a heartbeat recently\n")
        return 1
    problems = []
    for worker in mine:
        if worker.capabilities is None:
            problems.append(f"worker {worker.id} is still checking what it can run")
        for kind, reason in capabilities.unavailable(worker.capabilities).items():
            problems.append(f"worker {worker.id}: {capabilities.problem(kind, reason)}")
    for line in problems:
        sys.stderr.write(f"unhealthy: {line}\n")
    if not problems:
        kinds = sorted({kind for w in mine for kind in w.capabilities or {}})
        sys.stdout.write(f"healthy: {len(mine)} worker(s) here can run {', '.join(kinds)}\n")
    return 1 if problems else 0


# --- database ------------------------------------------------------------------------------


async def _migrate(settings: Settings) -> int:
    from backend_fastapi.store import migrations, open_database

    db = await open_database(settings)
    try:
        log.info("migrate.done", extra={"revision": await migrations.current_revision(db)})
    finally:
        await db.close()
    return 0


async def _schema_outdated(settings: Settings) -> int:
    from backend_fastapi.store import migrations
    from backend_fastapi.store.engine import Database

    db = Database(settings)
    try:
        return int(await migrations.current_revision(db) != migrations.HEAD)
    finally:
        await db.close()


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    return _run(lambda: _migrate(settings))


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    from backend_fastapi.ops.backup import backup_database

    size = backup_database(settings, Path(args.path), overwrite=args.force)
    print(f"Backed up to {args.path} ({size} bytes, integrity ok).")  # noqa: T201 - command output
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    from backend_fastapi.ops.backup import restore_database

    restore_database(settings, Path(args.path), force=args.force)
    print(f"Restored {args.path}.")  # noqa: T201 - command output
    return 0


def cmd_db(args: argparse.Namespace, settings: Settings) -> int:
    from backend_fastapi.ops.dbcopy import copy_database

    alive_after = None if args.force else time.time() - settings.worker_alive_seconds
    counts = asyncio.run(copy_database(args.source, args.target, alive_after=alive_after))
    for count in counts:
        sys.stdout.write(f"{count.table:20} {count.rows:>10} rows\n")
    sys.stdout.write("Copied and verified: every table has the same number of rows in both databases.\n")
    return 0


# --- jobs ----------------------------------------------------------------------------------


async def _jobs(args: argparse.Namespace, settings: Settings) -> int:
    from backend_fastapi.schemas.common import iso
    from backend_fastapi.schemas.jobs import job_body
    from backend_fastapi.store import job_rows, jobqueue
    from backend_fastapi.store.engine import Database

    db = Database(settings)
    out = sys.stdout
    try:
        if args.action == "list":
            async with db.read() as conn:
                rows = await job_rows.list_jobs(
                    conn, status=args.status, job_type=args.type, limit=args.limit
                )
            out.write(
                f"{'JOB ID':36}  {'TYPE':14}  {'STATUS':9}  {'ATT':>3}  {'CREATED':24}  {'BY':16}  LABEL\n"
            )
            for item in rows:
                by = (item.created_by or "-")[:16]
                out.write(
                    f"{item.id:36}  {item.type:14}  {item.status:9}  {item.attempts:>3}  "
                    f"{iso(item.created_at):24}  {by:16}  {(item.label or '')[:60]}\n"
                )
            return 0
        now = await db.now()
        retried = True
        status: str | None = "shown"
        if args.action == "cancel":
            status = await db.write(lambda c: jobqueue.cancel_job(c, args.job_id, now))
        elif args.action == "retry":
            retried, status = await db.write(lambda c: jobqueue.retry_job(c, args.job_id, now))
        async with db.read() as conn:
            row = await job_rows.get_job(conn, args.job_id)
        if row is None or status is None:
            sys.stderr.write(f"No job with id {args.job_id}\n")
            return 1
        out.write(job_body(row, detail=True).model_dump_json(exclude_unset=True, indent=2) + "\n")
        if not retried:
            sys.stderr.write(f"Only failed or cancelled jobs can be retried; this one is {status}.\n")
            return 1
        return 0
    finally:
        await db.close()


def cmd_jobs(args: argparse.Namespace, settings: Settings) -> int:
    return _run(lambda: _jobs(args, settings))


# --- MCP ------------------------------------------------------------------------------------

MCP_HTTP_PORT = 8765


def cmd_mcp(args: argparse.Namespace, settings: Settings) -> int:
    """The MCP server for AI assistants, a client of the API at --url (docs/clients.md)."""
    try:
        # Imported here: the API and worker images have neither the MCP SDK nor the Python client.
        from backend_fastapi.ops.mcp_server import serve
    except ImportError as exc:
        sys.stderr.write(
            f"dataops mcp: {exc.name} is not installed: pip install 'dataops[mcp]' ./clients/python\n"
        )
        return 2
    url = args.url or os.environ.get("DATAOPS_URL") or f"http://127.0.0.1:{settings.API_PORT}"
    key = args.key or os.environ.get("DATAOPS_API_KEY") or settings.API_KEY or None
    serve(url, key, http=args.http, host=args.host, port=args.port)
    return 0


# --- entry point ---------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dataops", description="DataOps: turn web pages into clean data.")
    sub = parser.add_subparsers(dest="command", required=True)

    for name, helptext in (("api", "run the API server"), ("up", "run the API and a worker together")):
        p = sub.add_parser(name, help=helptext)
        p.add_argument("--host", help="bind address (default API_HOST)")
        p.add_argument("--port", type=int, help="port (default API_PORT)")
        p.set_defaults(func=cmd_api if name == "api" else cmd_up)

    p = sub.add_parser("worker", help="run one worker process")
    p.add_argument("--concurrency", type=int, help="jobs at once (default WORKER_CONCURRENCY)")
    p.set_defaults(func=cmd_worker)

    sub.add_parser("migrate", help="apply database migrations").set_defaults(func=cmd_migrate)

    p = sub.add_parser("health", help="exit 0 when the API (or this host's worker) is healthy")
    p.add_argument("--url", help="health URL (default http://127.0.0.1:API_PORT/health)")
    p.add_argument(
        "--worker",
        action="store_true",
        help="check this host's worker instead: alive and able to run its jobs",
    )
    p.set_defaults(func=cmd_health)

    p = sub.add_parser("backup", help="online, consistent copy of the SQLite database")
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="overwrite an existing file")
    p.set_defaults(func=cmd_backup)

    p = sub.add_parser("restore", help="replace the SQLite database with a backup (services stopped)")
    p.add_argument("path")
    p.add_argument("--force", action="store_true", help="restore even if a worker looks alive")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("db", help="database tools")
    db_sub = p.add_subparsers(dest="action", required=True)
    p_copy = db_sub.add_parser(
        "copy", help="copy everything into an empty database (e.g. SQLite -> PostgreSQL)"
    )
    p_copy.add_argument("--from", dest="source", required=True, help="source DATABASE_URL")
    p_copy.add_argument("--to", dest="target", required=True, help="target DATABASE_URL (empty)")
    p_copy.add_argument("--force", action="store_true", help="copy even if a worker still uses the source")
    p.set_defaults(func=cmd_db)

    from backend_fastapi.ops.scrape_command import add_parser as add_scrape_parser

    add_scrape_parser(sub)

    from backend_fastapi.ops.keys_command import add_parser as add_keys_parser

    add_keys_parser(sub)

    p = sub.add_parser("mcp", help="serve DataOps to AI assistants over MCP (stdio, or --http)")
    p.add_argument("--url", help="the DataOps API (default DATAOPS_URL, else http://127.0.0.1:API_PORT)")
    p.add_argument("--key", help="the API key (default DATAOPS_API_KEY, else API_KEY)")
    p.add_argument("--http", action="store_true", help="serve streamable HTTP at /mcp instead of stdio")
    p.add_argument("--host", default="127.0.0.1", help="--http: bind address (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=MCP_HTTP_PORT, help=f"--http: port (default {MCP_HTTP_PORT})")
    p.set_defaults(func=cmd_mcp)

    p = sub.add_parser("jobs", help="list, show, cancel or retry jobs")
    jobs_sub = p.add_subparsers(dest="action", required=True)
    p_list = jobs_sub.add_parser("list", help="newest jobs first")
    p_list.add_argument("--status", choices=list(JobStatus))
    p_list.add_argument("--type")
    p_list.add_argument("--limit", type=int, default=20)
    for action in ("show", "cancel", "retry"):
        jobs_sub.add_parser(action).add_argument("job_id")
    p.set_defaults(func=cmd_jobs)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    settings = get_settings()
    configure_logging(settings.LOG_LEVEL, settings.LOG_FORMAT)
    try:
        return int(args.func(args, settings))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        from backend_fastapi.errors import DataOpsError

        if isinstance(exc, DataOpsError):
            sys.stderr.write(f"dataops: {exc.message}\n")
            return 2
        raise


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
