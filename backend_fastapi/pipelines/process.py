"""Running the engine in a child process under a memory limit (the worker side, no pandas).

The child is forked by the worker's warm pipeline process (`pipelines.warm`), so a run starts
with pandas already imported. Its resident memory is sampled every MEMORY_SAMPLE_SECONDS; past
the limit it is killed and the job fails with `memory_limit`, naming the phase it was in. A
cancelled or timed-out job kills the child in `finally` and lets the cancellation through. The
child dies with the warm process, which dies with the worker (PR_SET_PDEATHSIG), so a killed
worker leaves no pipeline behind.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import psutil

from backend_fastapi.pipelines.child import LOG_FILE, RESULT_FILE
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.errors import MemoryLimitExceeded, PipelineCrashed, from_code
from backend_fastapi.pipelines.warm import WarmPolicy, warm_process

log = logging.getLogger(__name__)

MEMORY_SAMPLE_SECONDS = 0.05
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
        read = f"{progress.get('rows_read', 0):,} rows read"
        if progress.get("op") is not None:  # a step that runs on each chunk as it is read
            step, op = progress.get("step"), progress.get("op")
            return f" while running steps[{step}] ({op}) on the chunks of the source ({read})"
        return f" while reading the source ({read})"
    if phase == "writing":
        return f" while writing {progress.get('format')}"
    return ""


def _stderr_tail(path: Path) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError:
        return ""
    return text[-STDERR_TAIL:].strip()


class _Run:
    """What the worker hears from one run over its channel: pid, progress, exit status."""

    def __init__(self, reader: asyncio.StreamReader, on_progress: Progress) -> None:
        self.reader = reader
        self.on_progress = on_progress
        self.pid: int | None = None
        self.process: psutil.Process | None = None
        self.returncode: int | None = None
        self.last: dict[str, Any] = {}

    async def follow(self) -> None:
        """Read the channel to its end (the warm process closes it once the run has exited)."""
        async for line in self.reader:
            try:
                message = orjson.loads(line)
            except orjson.JSONDecodeError:
                continue
            if "pid" in message and self.pid is None:
                self.pid = int(message["pid"])
                with suppress(psutil.NoSuchProcess):
                    self.process = psutil.Process(self.pid)
            elif "exit" in message:
                self.returncode = int(message["exit"])
            else:
                self.last = message
                await self.on_progress(message)

    def kill(self) -> None:
        """Kill the run (psutil checks it is still the process it was, not a reused pid)."""
        if self.process is not None and self.returncode is None:
            with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                self.process.kill()


async def run_child(
    spec: ChildSpec, workdir: Path, limit_mb: int, on_progress: Progress, warm: WarmPolicy
) -> ChildOutcome:
    """Run the engine on `spec` in a process of its own; returns its report or raises the job's error."""
    spec_path = workdir / "spec.json"
    spec_path.write_bytes(spec.model_dump_json(by_alias=True).encode())
    result_path = workdir / RESULT_FILE
    limit = limit_mb * 1024 * 1024
    started = time.monotonic()
    channel = await warm_process.start_run(spec_path)
    peak = 0
    over_limit = False
    try:
        reader, writer = await asyncio.open_unix_connection(sock=channel)
        run = _Run(reader, on_progress)
        follower = asyncio.create_task(run.follow(), name=f"pipeline-run-{spec_path.parent.name}")
        try:
            while not follower.done():
                if run.process is not None and run.returncode is None:
                    with suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                        rss = run.process.memory_info().rss
                        peak = max(peak, rss)
                        if rss > limit:
                            over_limit = True
                            run.kill()
                await asyncio.wait({follower}, timeout=MEMORY_SAMPLE_SECONDS)
            follower.result()  # reporting progress failed (the lease was lost): raise it
        finally:
            if not follower.done() or follower.exception() is not None:
                run.kill()
            if not follower.done():
                follower.cancel()
                with suppress(BaseException):
                    await follower
            writer.close()
    finally:
        channel.close()
        await warm_process.finish_run(warm)
    seconds = time.monotonic() - started
    where = _describe(run.last)
    if over_limit:
        raise MemoryLimitExceeded(
            f"The pipeline used more than {limit_mb} MB{where} and was stopped (PIPELINE_MEMORY_LIMIT_MB); "
            "drop unneeded columns or filter rows early, or raise the limit.",
            details={"limit_mb": limit_mb, "peak_rss_mb": round(peak / 1048576, 1)},
        )
    if not result_path.is_file():
        if run.returncode == -9:
            raise MemoryLimitExceeded(
                f"The pipeline was killed by the system{where}, most likely out of memory."
            )
        if run.returncode is None:
            raise PipelineCrashed(f"The warm pipeline process stopped during the run{where}.")
        tail = _stderr_tail(workdir / LOG_FILE)
        raise PipelineCrashed(f"The pipeline process exited with code {run.returncode}{where}: {tail[-500:]}")
    body = orjson.loads(result_path.read_bytes())
    if not body.get("ok"):
        error = body.get("error") or {}
        raise from_code(str(error.get("code")), str(error.get("message")), error.get("details"))
    log.info(
        "pipeline.child_finished",
        extra={"seconds": round(seconds, 3), "peak_rss_mb": round(peak / 1048576, 1), "limit_mb": limit_mb},
    )
    return ChildOutcome(body["result"], peak, seconds)
