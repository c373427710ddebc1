"""Running the engine in a child process under a memory limit (the worker side, no pandas).

The child's resident memory is sampled every MEMORY_SAMPLE_SECONDS; past the limit it is killed
and the job fails with `memory_limit`, naming the phase it was in. A cancelled or timed-out job
kills the child in `finally` and lets the cancellation through. The child also dies with the
worker (PR_SET_PDEATHSIG), so a killed worker leaves no pipeline behind.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psutil

from backend_fastapi.child_python import python_command, python_env
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.errors import MemoryLimitExceeded, PipelineCrashed, from_code

log = logging.getLogger(__name__)

MEMORY_SAMPLE_SECONDS = 0.05
CHILD_MODULE = "backend_fastapi.pipelines.child"
STDERR_TAIL = 2000
Progress = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class ChildOutcome:
    result: dict[str, Any]
    peak_rss_bytes: int
    seconds: float


def _describe(progress: dict[str, Any]) -> str:
    phase = progress.get("phase")
    if phase == "step":
        step, op, rows = progress.get("step"), progress.get("op"), progress.get("rows", 0)
        return f" while running steps[{step}] ({op}) on {rows:,} rows"
    if phase == "reading":
        return f" while reading the source ({progress.get('rows_read', 0):,} rows read)"
    if phase == "writing":
        return f" while writing {progress.get('format')}"
    return ""


def _stderr_tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-STDERR_TAIL:].strip()


async def run_child(spec: ChildSpec, workdir: Path, limit_mb: int, on_progress: Progress) -> ChildOutcome:
    """Run the engine on `spec` in a fresh process; returns its report or raises the job's error."""
    spec_path = workdir / "spec.json"
    spec_path.write_bytes(
        spec.model_copy(update={"parent_pid": os.getpid()}).model_dump_json(by_alias=True).encode()
    )
    result_path = workdir / "result.json"
    stderr_path = workdir / "child.log"
    limit = limit_mb * 1024 * 1024
    started = time.monotonic()
    with stderr_path.open("wb") as stderr:
        proc = await asyncio.create_subprocess_exec(
            *python_command(CHILD_MODULE, str(spec_path)),
            env=python_env(),
            stdout=asyncio.subprocess.PIPE,
            stderr=stderr,
        )
    last: dict[str, Any] = {}
    peak = 0
    over_limit = False

    async def follow_progress() -> None:
        nonlocal last
        assert proc.stdout is not None
        async for line in proc.stdout:
            try:
                last = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            await on_progress(last)

    reader = asyncio.create_task(follow_progress(), name=f"pipeline-progress-{proc.pid}")
    exited = asyncio.ensure_future(proc.wait())
    try:
        watched = psutil.Process(proc.pid)
        while not exited.done():
            with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                rss = watched.memory_info().rss
                peak = max(peak, rss)
                if rss > limit:
                    over_limit = True
                    proc.kill()
            if reader.done() and reader.exception() is not None:
                proc.kill()  # reporting progress failed (the lease was lost): stop the work
            await asyncio.wait({exited}, timeout=MEMORY_SAMPLE_SECONDS)
        await reader
    finally:
        if proc.returncode is None:
            with suppress(ProcessLookupError):
                proc.kill()
            with suppress(Exception):
                await asyncio.shield(exited)
        if not reader.done():
            reader.cancel()
            with suppress(asyncio.CancelledError, Exception):
                await reader
    seconds = time.monotonic() - started
    where = _describe(last)
    if over_limit:
        raise MemoryLimitExceeded(
            f"The pipeline used more than {limit_mb} MB{where} and was stopped (PIPELINE_MEMORY_LIMIT_MB); "
            "drop unneeded columns or filter rows early, or raise the limit.",
            details={"limit_mb": limit_mb, "peak_rss_mb": round(peak / 1048576, 1)},
        )
    if not result_path.is_file():
        if proc.returncode is not None and proc.returncode < 0 and -proc.returncode == 9:
            raise MemoryLimitExceeded(
                f"The pipeline was killed by the system{where}, most likely out of memory."
            )
        tail = _stderr_tail(stderr_path)
        raise PipelineCrashed(
            f"The pipeline process exited with code {proc.returncode}{where}: {tail[-500:]}"
        )
    body = orjson.loads(result_path.read_bytes())
    if not body.get("ok"):
        error = body.get("error") or {}
        raise from_code(str(error.get("code")), str(error.get("message")), error.get("details"))
    log.info(
        "pipeline.child_finished",
        extra={"seconds": round(seconds, 3), "peak_rss_mb": round(peak / 1048576, 1), "limit_mb": limit_mb},
    )
    return ChildOutcome(body["result"], peak, seconds)
