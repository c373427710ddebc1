"""The worker loop: wake up, claim, run handlers concurrently, renew leases, reap, shut down.

Modelled on procrastinate's worker: concurrency is a set of asyncio tasks bounded by
`WORKER_CONCURRENCY`, background loops renew leases and reap expired ones, and shutdown goes
through a stop event. An idle worker notices new jobs through the database's change counter
(`PRAGMA data_version` on SQLite) within milliseconds and otherwise sleeps
`WORKER_POLL_INTERVAL` seconds between polls.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import secrets
import socket
import time
from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import __version__, capabilities, jobfiles, scheduling, store
from backend_fastapi.errors import JobError, JobTimeout
from backend_fastapi.jobtypes import JobStatus
from backend_fastapi.logs import current_job_id
from backend_fastapi.scheduling import CHECK_SECONDS as SCHEDULE_CHECK_SECONDS
from backend_fastapi.settings import Settings
from backend_fastapi.store import (
    catalog,
    crawl_page_rows,
    job_rows,
    jobqueue,
    monitor_rows,
    retention,
    worker_rows,
)
from backend_fastapi.store.changefeed import change_feed
from backend_fastapi.store.engine import Database
from backend_fastapi.store.jobqueue import ClaimedJob
from backend_fastapi.worker.context import JobContext, LeaseLost
from backend_fastapi.worker.probe import run_probe
from backend_fastapi.worker.registry import HandlerRegistry

log = logging.getLogger(__name__)

# Where inotify is missing, how often SQLite's change counter is read (new jobs then start ~10 ms
# after their creation on average, for ~1 % of a core).
WAKEUP_POLL_SECONDS = 0.02
CANCEL_CHECK_SECONDS = 1.0
PRUNE_EVERY_SECONDS = 600.0
StopReason = Literal["cancel", "pause", "lease_lost", "shutdown"]


@dataclass
class _Running:
    job: ClaimedJob
    task: asyncio.Task[None]
    stop_reason: StopReason | None = None
    started: float = field(default_factory=time.monotonic)
    # Set while the outcome is being written: a heartbeat that finds the job no longer running
    # then sees a finished job, not a lost lease.
    finishing: bool = False

    def stop(self, reason: StopReason) -> None:
        if self.stop_reason is None and not self.task.done():
            self.stop_reason = reason
            self.task.cancel()


class Worker:
    """One worker process's job runner."""

    def __init__(
        self,
        settings: Settings,
        *,
        db: Database | None = None,
        registry: HandlerRegistry | None = None,
        worker_id: str | None = None,
    ) -> None:
        self.settings = settings
        self.db = db or Database(settings)
        self.registry = registry or HandlerRegistry(settings.WORKER_HANDLERS)
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.concurrency = settings.WORKER_CONCURRENCY
        self.lease = settings.JOB_LEASE_SECONDS
        self._running: dict[str, _Running] = {}
        self._wakeup = asyncio.Event()
        self._stopping = asyncio.Event()
        self._stop_now = asyncio.Event()
        self._background: list[asyncio.Task[None]] = []
        self._last_prune = 0.0
        self._feed = change_feed(self.db, WAKEUP_POLL_SECONDS)
        self.kinds = capabilities.configured_kinds(self.registry.targets)
        # {kind: "ok" | reason}; None until the start-up check has answered.
        self.capabilities: dict[str, str] | None = None

    # --- lifecycle -------------------------------------------------------------------------

    def request_stop(self) -> None:
        """First call: stop claiming and let running jobs finish (up to the grace period).
        Second call: release running jobs back to the queue now."""
        if self._stopping.is_set():
            self._stop_now.set()
        self._stopping.set()
        self._wakeup.set()

    async def run(self) -> None:
        """Run until `request_stop`; then drain, release what is left and deregister."""
        await store.prepare(self.db)
        await self._register()
        gc.collect()
        gc.freeze()
        log.info(
            "worker.started",
            extra={
                "worker_id": self.id,
                "concurrency": self.concurrency,
                "poll_interval": self.settings.WORKER_POLL_INTERVAL,
            },
        )
        self._background = [
            asyncio.create_task(
                self._every(self.settings.heartbeat_interval, self._heartbeat), name="heartbeat"
            ),
            asyncio.create_task(
                self._every(self.settings.heartbeat_interval, self._maintain), name="maintenance"
            ),
            asyncio.create_task(self._every(CANCEL_CHECK_SECONDS, self._check_cancellations), name="cancels"),
            asyncio.create_task(self._every(SCHEDULE_CHECK_SECONDS, self._fire_schedules), name="schedules"),
            asyncio.create_task(self._probe_capabilities(), name="capabilities"),
        ]
        if self._feed is not None:
            await self._feed.start(self._on_database_change)
        try:
            await self._claim_loop()
        finally:
            await self._drain()
            for task in self._background:
                task.cancel()
            await asyncio.gather(*self._background, return_exceptions=True)
            with suppress(Exception):
                await self.db.write(lambda c: worker_rows.deregister_worker(c, self.id))
            if self._feed is not None:
                await self._feed.stop()
            log.info("worker.stopped", extra={"worker_id": self.id})

    async def _register(self) -> None:
        info = {
            "id": self.id,
            "hostname": socket.gethostname(),
            "pid": os.getpid(),
            "concurrency": self.concurrency,
            "running": 0,
            "version": __version__,
        }
        now = await self.db.now()
        await self.db.write(lambda c: worker_rows.register_worker(c, info, now))

    async def _probe_capabilities(self) -> None:
        """Check once, in a child process, that every configured kind of job can run; store the answer.

        Runs beside the claim loop: jobs are taken meanwhile, and the child's Chromium and pandas
        are gone when it exits, so an idle worker stays as small as before.
        """
        started = time.monotonic()
        try:
            found = await run_probe(self.kinds)
        except Exception as exc:
            log.exception("worker.capabilities_failed")
            found = dict.fromkeys(
                self.kinds, capabilities.short_reason(f"the capability check failed: {exc}")
            )
        log.info(
            "worker.capabilities",
            extra={"capabilities": found, "seconds": round(time.monotonic() - started, 2)},
        )
        await self._store_capabilities(found)

    async def _store_capabilities(self, found: dict[str, str]) -> None:
        for kind, reason in capabilities.unavailable(found).items():
            log.warning("worker.kind_unavailable", extra={"kind": kind, "reason": reason})
        self.capabilities = found
        await self.db.write(lambda c: worker_rows.set_worker_capabilities(c, self.id, found))

    async def _note_unavailable(self, kind: str, reason: str) -> None:
        """A job just showed that `kind` cannot run here: say so in /health at once."""
        reason = capabilities.short_reason(reason)
        if self.capabilities is not None and self.capabilities.get(kind) != reason:
            await self._store_capabilities({**self.capabilities, kind: reason})

    async def _another_worker_can(self, kind: str) -> bool:
        alive_after = await self.db.now() - self.settings.worker_alive_seconds
        async with self.db.read() as conn:
            alive = await worker_rows.live_workers(conn, alive_after)
        return any(w.id != self.id and (w.capabilities or {}).get(kind) == capabilities.OK for w in alive)

    async def _drain(self) -> None:
        """Wait up to the grace period for running jobs, then release the rest to the queue."""
        if not self._running:
            return
        log.info("worker.draining", extra={"running": len(self._running)})
        tasks = {r.task for r in self._running.values()}
        stop_now = asyncio.ensure_future(self._stop_now.wait())
        deadline = time.monotonic() + self.settings.WORKER_SHUTDOWN_GRACE_SECONDS
        pending = set(tasks)
        while pending and not self._stop_now.is_set() and (remaining := deadline - time.monotonic()) > 0:
            await asyncio.wait(pending | {stop_now}, timeout=remaining, return_when=asyncio.FIRST_COMPLETED)
            pending = {t for t in pending if not t.done()}
        stop_now.cancel()
        for running in list(self._running.values()):
            running.stop("shutdown")
        await asyncio.gather(*tasks, return_exceptions=True)

    # --- claiming --------------------------------------------------------------------------

    async def _claim_loop(self) -> None:
        while not self._stopping.is_set():
            self._wakeup.clear()
            timeout = self.settings.WORKER_POLL_INTERVAL
            free = self.concurrency - len(self._running)
            if free > 0:
                try:
                    timeout = min(timeout, await self._claim(free))
                except Exception:
                    log.exception("worker.claim_failed")
                    timeout = min(timeout, 1.0)
            if timeout > 0:
                with suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), timeout)

    async def _claim(self, free: int) -> float:
        """Claim due jobs; returns how long to sleep before looking again (0: look again now)."""
        now = await self.db.now()
        async with self.db.read() as conn:
            next_due = await job_rows.next_due(conn)
        if next_due is None:
            return self.settings.WORKER_POLL_INTERVAL
        if next_due > now:
            return next_due - now
        claimed = await self.db.write_timed(
            lambda c, at: jobqueue.claim_jobs(c, self.id, free, self.lease, at)
        )
        for job in claimed:
            task = asyncio.create_task(self._run_job(job), name=f"job-{job.id}")
            self._running[job.id] = _Running(job, task)
        # Claimed some: look again at once. Claimed none: another worker was faster; wait.
        return 0.0 if claimed else self.settings.WORKER_POLL_INTERVAL

    def _on_database_change(self) -> None:
        """Another process committed: maybe a new job; look if there is room for one."""
        if len(self._running) < self.concurrency:
            self._wakeup.set()

    # --- running one job -------------------------------------------------------------------

    async def _run_job(self, job: ClaimedJob) -> None:
        token = current_job_id.set(job.id)
        log.debug("job.started", extra={"job_type": job.type, "attempt": job.attempt})
        started = time.monotonic()
        try:
            # The worker's edge: the payload is validated here, once, and handed on as a model.
            ctx = JobContext(
                self.db, self.settings, self.id, job, self.registry.parse_payload(job.type, job.payload)
            )
            result = await self._execute(job, ctx)
        except asyncio.CancelledError:
            await self._after_stop(job)
        except LeaseLost:
            log.warning("job.lease_lost", extra={"attempt": job.attempt})
        except BaseException as exc:
            await self._record_failure(job, exc, time.monotonic() - started)
        else:
            await self._finish(
                job,
                "job.completed",
                lambda c, now: jobqueue.complete_job(
                    c, self.id, job.id, job.attempt, result, now, ctx.progress
                ),
                duration=time.monotonic() - started,
            )
        finally:
            self._running.pop(job.id, None)
            self._wakeup.set()
            current_job_id.reset(token)

    async def _execute(self, job: ClaimedJob, ctx: JobContext[Any]) -> dict[str, Any]:
        handler = self.registry.resolve(job.type)
        timeout = asyncio.timeout(job.timeout_seconds)
        try:
            async with timeout:
                returned = await handler(ctx)
                await ctx.flush()
        except TimeoutError as exc:
            if timeout.expired():
                raise JobTimeout(f"The job ran longer than its limit of {job.timeout_seconds:g} s.") from exc
            raise
        # A result model leaves out what does not apply to this run, as the handlers always did.
        result = (
            returned.model_dump(mode="json", exclude_unset=True)
            if isinstance(returned, BaseModel)
            else dict(returned or {})
        )
        if ctx.record_count:
            result.setdefault("records", ctx.record_count)
        return result

    async def _after_stop(self, job: ClaimedJob) -> None:
        running = self._running.get(job.id)
        reason = running.stop_reason if running else "shutdown"
        if reason == "cancel":
            await self._finish(
                job,
                "job.cancelled",
                lambda c, now: jobqueue.acknowledge_cancel(c, self.id, job.id, job.attempt, now),
            )
        elif reason == "lease_lost":
            log.warning("job.lease_lost", extra={"attempt": job.attempt})
        else:
            # A paused job is released like one at shutdown; the queue lets it rest as paused.
            await self._finish(
                job,
                "job.paused" if reason == "pause" else "job.released",
                lambda c, now: jobqueue.release_job(c, self.id, job.id, job.attempt, now),
            )

    async def _record_failure(self, job: ClaimedJob, exc: BaseException, duration: float) -> None:
        if isinstance(exc, JobError):
            code, retryable, retry_after = exc.code, exc.retryable, exc.retry_after
        elif isinstance(exc, TimeoutError):
            code, retryable, retry_after = "request_timeout", True, None
        elif isinstance(exc, OSError):
            code, retryable, retry_after = "network_error", True, None
        else:
            code, retryable, retry_after = "internal_error", True, None
            log.error("job.crashed", exc_info=exc)
        message = str(exc) or type(exc).__name__
        if code == capabilities.BROWSER_UNAVAILABLE_CODE:
            # Failing again here would be as quick as this: retry only where a browser works.
            with suppress(Exception):
                await self._note_unavailable(capabilities.BROWSER, message)
                retryable = await self._another_worker_can(capabilities.BROWSER)
        delay = jobqueue.backoff_seconds(job.attempt, self.settings.JOB_RETRY_BACKOFF_SECONDS, retry_after)
        status = await self._finish(
            job,
            "job.failed",
            lambda c, now: jobqueue.fail_job(
                c,
                self.id,
                job.id,
                job.attempt,
                code,
                message,
                retryable=retryable,
                retry_delay=delay,
                now=now,
            ),
            duration=duration,
            code=code,
            error=message,
        )
        if status == JobStatus.QUEUED:
            log.info("job.retry_scheduled", extra={"attempt": job.attempt, "delay": round(delay, 2)})

    async def _finish(
        self,
        job: ClaimedJob,
        event: str,
        change: Callable[[AsyncConnection, float], Awaitable[Any]],
        **fields: Any,
    ) -> Any:
        """Apply a fenced state change; a change that matches nothing means the lease was lost."""
        if (running := self._running.get(job.id)) is not None:
            running.finishing = True
        try:
            write = asyncio.ensure_future(self.db.write_timed(change))
            try:
                outcome = await asyncio.shield(write)
            except asyncio.CancelledError:
                # A stop request that arrives while the outcome is being written comes too late
                # to matter: record the outcome (fencing still decides whether it counts).
                outcome = await write
        except Exception:
            # The lease will run out and the job will be retried: at-least-once, never lost.
            log.exception("job.finish_failed", extra={"event": event})
            return None
        if outcome is None or outcome is False:
            log.warning("job.result_discarded", extra={"event": event, "reason": "lease lost"})
        else:
            if "duration" in fields:
                fields["duration"] = round(fields["duration"], 3)
            log.info(event, extra={"outcome": outcome, **fields})
        return outcome

    # --- background loops ------------------------------------------------------------------

    async def _every(self, interval: float, action: Callable[[], Awaitable[None]]) -> None:
        while True:
            await asyncio.sleep(interval)
            try:
                await action()
            except Exception:
                log.exception("worker.background_failed", extra={"action": action.__name__})

    async def _heartbeat(self) -> None:
        owned = [(r.job.id, r.job.attempt) for r in self._running.values() if not r.finishing]

        async def beat(conn: AsyncConnection, now: float) -> jobqueue.LeaseRenewal:
            renewal = await jobqueue.renew_leases(conn, self.id, owned, self.lease, now)
            await worker_rows.beat_worker(conn, self.id, len(owned), now)
            return renewal

        renewal = await self.db.write_timed(beat)
        for job_id, attempt in owned:
            running = self._running.get(job_id)
            if running is None or running.job.attempt != attempt or running.finishing:
                continue
            if job_id not in renewal.renewed:
                log.warning("job.lease_expired", extra={"job": job_id})
                running.stop("lease_lost")
            elif job_id in renewal.cancel_requested:
                running.stop("cancel")
            elif job_id in renewal.pause_requested:
                running.stop("pause")

    async def _fire_schedules(self) -> None:
        """Queue the jobs of due schedules (exactly once across workers, see schedules.py)."""
        await scheduling.fire_due(self.db, self.settings)

    async def _check_cancellations(self) -> None:
        if not self._running:
            return
        async with self.db.read() as conn:
            requests = await job_rows.stop_requests(conn, self.id)
        for job_id, cancel in requests:
            if (running := self._running.get(job_id)) is not None:
                running.stop("cancel" if cancel else "pause")

    async def _maintain(self) -> None:
        now = await self.db.now()
        reaped = await self.db.write_timed(jobqueue.reap_expired)
        for job_id, status in reaped:
            log.warning("job.reaped", extra={"job": job_id, "status": status})
        dead_before = now - max(3 * self.lease, 60.0)
        await self.db.write(lambda c: worker_rows.prune_dead_workers(c, dead_before))
        if time.monotonic() - self._last_prune > PRUNE_EVERY_SECONDS:
            self._last_prune = time.monotonic()
            await self._apply_retention(now)

    async def _apply_retention(self, now: float) -> None:
        """Delete finished jobs (with their records and files) and exports and captures older than
        their retention, a batch per transaction; a file goes once its row's deletion has committed."""
        job_days, export_days = self.settings.JOB_RETENTION_DAYS, self.settings.EXPORT_RETENTION_DAYS
        job_cutoff, export_cutoff = now - job_days * 86400, now - export_days * 86400
        jobs_pruned = exports_pruned = 0
        while job_days > 0:
            ids = await self.db.write(lambda c: retention.prune_finished(c, job_cutoff))
            await asyncio.to_thread(jobfiles.remove_job_files, self.settings.files_dir, ids)
            jobs_pruned += len(ids)
            if len(ids) < retention.PRUNE_BATCH:
                await self.db.write(lambda c: crawl_page_rows.forget_unseen_since(c, job_cutoff))
                break
        if export_days > 0:
            # Captures keep as long as exports: a job folder last written before the cutoff goes.
            files_pruned = await asyncio.to_thread(
                jobfiles.prune_files, self.settings.files_dir, export_cutoff
            )
            if files_pruned:
                log.info("job_files.pruned", extra={"count": files_pruned})
        while export_days > 0:
            paths = await self.db.write(
                lambda c: catalog.prune_exports(c, export_cutoff, retention.PRUNE_BATCH)
            )
            for path in paths:
                catalog.remove_export_file(self.settings.exports_dir, path)
            exports_pruned += len(paths)
            if len(paths) < retention.PRUNE_BATCH:
                break
        history_days = self.settings.MONITOR_HISTORY_DAYS
        history_cutoff, checks_pruned = now - history_days * 86400, 0
        while history_days > 0:
            n = await self.db.write(
                lambda c: monitor_rows.prune_checks(c, history_cutoff, retention.PRUNE_BATCH)
            )
            checks_pruned += n
            if n < retention.PRUNE_BATCH:
                break
        if checks_pruned:
            log.info("monitor_checks.pruned", extra={"count": checks_pruned})
        if jobs_pruned:
            log.info("jobs.pruned", extra={"count": jobs_pruned})
        if exports_pruned:
            log.info("exports.pruned", extra={"count": exports_pruned})
