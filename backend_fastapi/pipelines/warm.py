"""The worker's one warm pipeline process (`pipelines.forkserver`): started by the first pipeline
job, shared by concurrent runs, stopped after `PIPELINE_WARM_IDLE_SECONDS` without runs, and
started anew (once no run is in it) after `PIPELINE_WARM_MAX_RUNS` runs or when its memory has
grown by `PIPELINE_WARM_MAX_GROWTH_MB`.

Each run gets a socket pair: one end goes to the warm process with the spec's path, which forks
the run's child and hands it that end; the worker reads the run's pid, progress and exit status
from the other. A warm process that died (killed, crashed) is started again by the next run.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import socket
from dataclasses import dataclass
from pathlib import Path

import psutil

from backend_fastapi.child_python import python_command, python_env
from backend_fastapi.pipelines.errors import PipelineCrashed

log = logging.getLogger(__name__)

SERVER_MODULE = "backend_fastapi.pipelines.forkserver"
READY = b"ready"
START_TIMEOUT = 120.0  # importing pandas on a busy small box
STOP_TIMEOUT = 10.0
MB = 1024 * 1024


@dataclass(frozen=True)
class WarmPolicy:
    """When the warm process goes: idle this long, or due for a new one (`WarmProcess.due`)."""

    idle_seconds: float
    max_runs: int
    max_growth_mb: int


def recycle_reason(forked: int, grown_bytes: int | None, policy: WarmPolicy) -> str | None:
    """Why a warm process that forked `forked` runs and whose resident memory grew `grown_bytes`
    since it was ready should be started anew: `runs` after `max_runs`, `memory` past
    `max_growth_mb` (it only forks, so growth is a leak); None while neither."""
    if forked >= policy.max_runs:
        return "runs"
    if grown_bytes is not None and grown_bytes > policy.max_growth_mb * MB:
        return "memory"
    return None


class WarmProcess:
    """One warm process and the runs using it."""

    def __init__(self) -> None:
        self._proc: asyncio.subprocess.Process | None = None
        self._control: socket.socket | None = None
        self._lock = asyncio.Lock()
        self._runs = 0
        self._forked = 0  # runs since it started
        self._start_rss = 0
        self._idle_task: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int | None:
        """The warm process's pid while it runs."""
        return self._proc.pid if self._proc is not None and self._proc.returncode is None else None

    async def start_run(self, spec_path: Path) -> socket.socket:
        """Fork a run of `spec_path`; the worker's end of its channel. Pair with `finish_run`."""
        async with self._lock:
            if self._idle_task is not None:
                self._idle_task.cancel()
                self._idle_task = None
            if self.pid is None:
                await self._stop("gone")
                await self._start()
            try:
                channel = self._fork(spec_path)
            except OSError:
                await self._stop("gone")  # died since the last run: start a new one
                await self._start()
                channel = self._fork(spec_path)
            self._runs += 1
            self._forked += 1
            return channel

    def _fork(self, spec_path: Path) -> socket.socket:
        if self._control is None:
            raise BrokenPipeError("no warm process")
        ours, theirs = socket.socketpair()
        try:
            socket.send_fds(self._control, [os.fsencode(spec_path)], [theirs.fileno()])
        except OSError:
            ours.close()
            raise
        finally:
            theirs.close()
        return ours

    async def finish_run(self, policy: WarmPolicy) -> None:
        """A run has ended: the last one stops a warm process that is due for a new one, or
        starts the idle countdown."""
        async with self._lock:
            self._runs -= 1
            if self._runs == 0 and self._proc is not None:
                reason = self.due(policy)
                if reason is not None:
                    await self._stop(reason)  # the next run starts a new one
                else:
                    self._idle_task = asyncio.create_task(self._stop_when_idle(policy.idle_seconds))

    def due(self, policy: WarmPolicy) -> str | None:
        """Why the warm process should be started anew (`recycle_reason`), or None."""
        grown = None
        if self.pid is not None and self._start_rss:
            with contextlib.suppress(psutil.Error):
                grown = psutil.Process(self.pid).memory_info().rss - self._start_rss
        return recycle_reason(self._forked, grown, policy)

    async def _stop_when_idle(self, seconds: float) -> None:
        await asyncio.sleep(seconds)
        async with self._lock:
            if self._runs == 0:
                await self._stop("idle")

    async def _start(self) -> None:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            proc = await asyncio.create_subprocess_exec(
                *python_command(SERVER_MODULE, str(os.getpid()), str(theirs.fileno())),
                env=python_env(),
                stdin=asyncio.subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        ours.setblocking(False)
        self._proc, self._control = proc, ours
        try:
            ready = await asyncio.wait_for(asyncio.get_running_loop().sock_recv(ours, 64), START_TIMEOUT)
        except (OSError, TimeoutError):
            ready = b""
        if ready != READY:
            await self._stop("failed")
            raise PipelineCrashed("The pipeline process could not be started (see the worker's log).")
        self._forked = 0
        with contextlib.suppress(psutil.Error):
            self._start_rss = psutil.Process(proc.pid).memory_info().rss
        log.info("pipeline.warm_started", extra={"pid": proc.pid})

    async def _stop(self, reason: str) -> None:
        proc, control = self._proc, self._control
        self._proc = self._control = None
        if control is not None:
            control.close()  # the warm process stops when it sees the socket closed
        if proc is None:
            return
        try:
            await asyncio.wait_for(proc.wait(), STOP_TIMEOUT)
        except TimeoutError:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        log.info("pipeline.warm_stopped", extra={"pid": proc.pid, "reason": reason})


# One per worker process: pipeline runs of every concurrent job share it.
warm_process = WarmProcess()
