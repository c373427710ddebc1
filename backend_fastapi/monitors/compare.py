"""The `monitor.compare` job: a finished check applied to its monitor's snapshot, and notifications.

Queued in the transaction that finished the check job (so a crash loses none), it reads the
snapshot, diffs in a thread (the event loop keeps heartbeating), and writes the check, its changes,
the changed snapshot records and the notification jobs in one transaction, only over the state it
read (`state_version`; else it reads again). Comparing the same job twice is a no-op, and a check
older than the last one applied is recorded as stale, never applied over newer data.
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.ids import new_id
from backend_fastapi.jobtypes import MONITOR_PRIORITY, JobStatus, JobType, NewJob
from backend_fastapi.monitors.conditions import notable
from backend_fastapi.monitors.diff import Kept, Outcome, Rules, compare, key_of
from backend_fastapi.schemas.monitor_notify import MAX_NOTIFIED
from backend_fastapi.schemas.monitors import MonitorComparePayload
from backend_fastapi.schemas.results import MonitorCompareResult
from backend_fastapi.store import jobqueue, monitor_rows, record_rows
from backend_fastapi.store.monitor_rows import SnapshotRecord
from backend_fastapi.store.rows import MonitorRow
from backend_fastapi.worker.context import JobContext

log = logging.getLogger(__name__)
READ_BATCH = 1000
# Another check applied between reading and writing: read again, this many times at most.
MAX_RETRIES = 5
NOTIFY_ATTEMPTS = 5
NOTIFY_TIMEOUT_SECONDS = 120.0


def rules_of(definition: dict[str, Any]) -> Rules:
    """The diff rules a monitor's definition sets."""
    compared = definition.get("compare")
    return Rules(
        key=tuple(definition.get("key") or ("url",)),
        compare=tuple(compared) if compared is not None else None,
        ignore=tuple(definition.get("ignore") or ()),
        confirm_removals=bool(definition.get("confirm_removals", True)),
        min_ratio=float(definition.get("min_ratio", 0.5)),
    )


async def _job_records(conn: AsyncConnection, job_id: str, attempt: int) -> list[dict[str, Any]]:
    records: list[dict[str, Any]] = []
    while True:
        page = await record_rows.page_records(conn, job_id, attempt, len(records), READ_BATCH)
        records.extend(page)
        if len(page) < READ_BATCH:
            return records


def _status(outcome: Outcome, baseline: bool) -> str:
    if outcome.suspect:
        return "suspect"
    if baseline:
        return "baseline"
    return "changed" if outcome.changes else "unchanged"


def _snapshot_writes(
    previous: dict[str, Kept], state: dict[str, Kept]
) -> tuple[list[SnapshotRecord], list[str]]:
    """Only what differs from the stored snapshot: new or changed records, and keys now gone."""
    upserts = [
        SnapshotRecord(key, kept.data, kept.digest, kept.missing)
        for key, kept in state.items()
        if (old := previous.get(key)) is None or old.digest != kept.digest or old.missing != kept.missing
    ]
    deletes = [key for key in previous if key not in state]
    return upserts, deletes


def _notifications(
    monitor: MonitorRow, check_id: str, job_id: str, event: str, changes: list[dict[str, Any]],
    counts: dict[str, int], message: str | None, now: float,
) -> list[NewJob]:  # fmt: skip
    """One `monitor.notify` job per target that asked for this event."""
    jobs = []
    for target in monitor.definition.get("notify") or []:
        if event not in target.get("events", ["change"]):
            continue
        payload = {
            "monitor_id": monitor.id,
            "monitor_name": monitor.name,
            "check_id": check_id,
            "job_id": job_id,
            "event": event,
            "target": target,
            "counts": counts,
            "changes": changes[:MAX_NOTIFIED],
            "truncated": max(0, len(changes) - MAX_NOTIFIED),
            "message": message,
            "checked_at": now,
            "delivery_id": new_id(),
        }
        jobs.append(
            NewJob(
                type=JobType.MONITOR_NOTIFY.value,
                payload={k: v for k, v in payload.items() if v is not None},
                max_attempts=NOTIFY_ATTEMPTS,
                timeout_seconds=NOTIFY_TIMEOUT_SECONDS,
                priority=MONITOR_PRIORITY,
                label=monitor.name,
                parent_id=job_id,
            )
        )
    return jobs


async def run_monitor_compare(ctx: JobContext[MonitorComparePayload]) -> MonitorCompareResult:
    monitor_id, job_id = ctx.payload.monitor_id, ctx.payload.job_id
    for _ in range(MAX_RETRIES):
        async with ctx.db.read() as conn:
            monitor = await monitor_rows.get_monitor(conn, monitor_id)
            if monitor is None:
                return MonitorCompareResult(
                    monitor_id=monitor_id, check_id=None, status="gone", counts={}, notified=0
                )
            done = await monitor_rows.check_of_job(conn, job_id)
            if done is not None:
                return MonitorCompareResult(
                    monitor_id=monitor_id, check_id=done.id, status=done.status,  # type: ignore[arg-type]
                    counts=done.counts, notified=done.notified,
                )  # fmt: skip
            facts = await monitor_rows.job_facts(conn, job_id)
            records: list[dict[str, Any]] = []
            previous: dict[str, Kept] = {}
            usable = facts is not None and facts[0] == JobStatus.COMPLETED
            stale = facts is not None and (monitor.applied_job_created_at or 0) > facts[2]
            if usable and not stale:
                assert facts is not None
                records = await _job_records(conn, job_id, facts[1])
                previous = {
                    r.key: Kept(dict(r.data), r.digest, r.missing)
                    for r in await monitor_rows.snapshot(conn, monitor.id)
                }
        message: str | None = None
        outcome: Outcome | None = None
        if facts is None:
            status, message = "failed", "The check's job was deleted before it was compared."
        elif not usable:
            status = "failed"
            message = facts[3] or f"The check's job ended {facts[0]}."
        elif stale:
            status, message = "stale", "A newer check was applied first; this one was left out."
        else:
            baseline = monitor.applied_job_created_at is None
            rules = rules_of(monitor.definition)
            outcome = await asyncio.to_thread(compare, previous, records, rules, baseline=baseline)
            status = _status(outcome, baseline)
            message = outcome.suspect
        written = await _write(
            ctx, monitor, job_id, facts[2] if facts else 0.0, status, message, outcome, previous
        )
        if written is not None:
            return written
    raise RuntimeError("the monitor kept changing while this check was compared; it will be retried")


async def _write(
    ctx: JobContext[MonitorComparePayload], monitor: MonitorRow, job_id: str, job_created_at: float,
    status: str, message: str | None, outcome: Outcome | None, previous: dict[str, Kept],
) -> MonitorCompareResult | None:  # fmt: skip
    counts = dict(outcome.counts) if outcome is not None else {}
    changes: list[tuple[str, str, dict[str, Any]]] = []
    upserts: list[SnapshotRecord] = []
    deletes: list[str] = []
    shown: list[dict[str, Any]] = []
    rules = rules_of(monitor.definition)
    if outcome is not None and status != "suspect":
        changes = [(c["kind"], key_of(c["key"], rules), c) for c in outcome.changes]
        upserts, deletes = _snapshot_writes(previous, outcome.state)
        if status == "changed":
            definition = monitor.definition
            shown = notable(
                outcome.changes, definition.get("conditions") or [], definition.get("match", "all")
            )
    records = len(outcome.state) if outcome is not None and status != "suspect" else None
    event = {"changed": "change", "failed": "failed", "suspect": "suspect"}.get(status)
    now = time.time()

    async def apply(conn: AsyncConnection) -> tuple[str, int] | None:
        check_id = await monitor_rows.apply_check(
            conn, monitor, job_id=job_id, job_created_at=job_created_at, status=status, counts=counts,
            message=message, changes=changes, upserts=upserts, deletes=deletes, records=records, now=now,
        )  # fmt: skip
        if check_id is None:
            return None
        notify: list[NewJob] = []
        if event is not None and (event != "change" or shown):
            notify = _notifications(monitor, check_id, job_id, event, shown, counts, message, now)
        for job in notify:
            await jobqueue.enqueue(conn, job, now)
        if notify:
            await monitor_rows.set_notified(conn, check_id, len(notify))
        return check_id, len(notify)

    applied = await ctx.db.write(apply)
    if applied is None:
        return None
    check_id, notified = applied
    log.info(
        "monitor.checked",
        extra={"monitor": monitor.name, "status": status, "job": job_id, **counts, "notified": notified},
    )
    return MonitorCompareResult(
        monitor_id=monitor.id, check_id=check_id, status=status,  # type: ignore[arg-type]
        counts=counts, notified=notified,
    )  # fmt: skip
