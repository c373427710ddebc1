"""`GET /health`: is the database up, what can the live workers run, how deep is the queue,
which operator-enabled features requests may use, and how the operator's proxies are doing.

Always open, even when keys are required; without a valid key it tells counts and per-kind status
only (no worker ids, hostnames or PIDs). With any key, or when the API is open, each worker is listed.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Sequence

from fastapi import APIRouter, Request, Response
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import __version__, capabilities
from backend_fastapi.api.auth import identify
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.responses import model_response
from backend_fastapi.schemas.responses import (
    CapabilityHealth,
    DatabaseDown,
    DatabaseHealth,
    Features,
    HealthDown,
    HealthOut,
    Limits,
    ProxiesHealth,
    ProxyOut,
    QueueCounts,
    WorkerOut,
    WorkersHealth,
    at,
)
from backend_fastapi.store import job_rows, worker_rows
from backend_fastapi.store.rows import WorkerRow

log = logging.getLogger(__name__)
router = APIRouter(tags=["health"])


def summarize_capabilities(workers: Sequence[WorkerRow]) -> dict[str, CapabilityHealth]:
    """Per kind over the live workers: how many can and cannot run it, and the commonest reason.

    `status` is `ok` (every worker that checked can), `unavailable` (none can), `partial`, or
    `unknown` (no worker has finished its start-up check yet).
    """
    counts: dict[str, list[int]] = {}  # kind -> [available, unavailable]
    reasons: dict[str, Counter[str]] = {}
    checking = 0
    for worker in workers:
        if worker.capabilities is None:
            checking += 1
            continue
        for kind, reason in worker.capabilities.items():
            tally = counts.setdefault(kind, [0, 0])
            if reason == capabilities.OK:
                tally[0] += 1
            else:
                tally[1] += 1
                reasons.setdefault(kind, Counter())[reason] += 1
    kinds = {}
    for kind, (available, unavailable) in sorted(counts.items()):
        entry = CapabilityHealth(available=available, unavailable=unavailable, checking=checking, status="ok")
        if unavailable:
            # Set only when some worker cannot: an `ok` kind has no `reason` key at all.
            entry.status = "partial" if available else "unavailable"
            entry.reason = reasons[kind].most_common(1)[0][0]
        kinds[kind] = entry
    return kinds


def describe_problems(kinds: dict[str, CapabilityHealth]) -> list[str]:
    """One line per kind some live worker cannot run: "browser unavailable: <reason>"."""
    problems = []
    for kind, entry in kinds.items():
        if entry.status == "unavailable":
            problems.append(capabilities.problem(kind, entry.reason or ""))
        elif entry.status == "partial":
            on = f"on {entry.unavailable} of {entry.available + entry.unavailable} workers"
            problems.append(f"{capabilities.label(kind)} unavailable {on}: {entry.reason}")
    return problems


def summarize_proxies(workers: Sequence[WorkerRow], now: float, detail: bool) -> ProxiesHealth | None:
    """Each proxy over the live workers: cooling when it rests on any, requests and failures added
    up, the latest error; None when no worker has used proxies."""
    merged: dict[str, ProxyOut] = {}
    resting: dict[str, float] = {}
    for worker in workers:
        for entry in worker.proxies:
            name = str(entry.get("proxy", ""))
            item = merged.setdefault(name, ProxyOut(proxy=name, state="ok", requests=0, failures=0))
            item.requests += int(entry.get("requests") or 0)
            item.failures += int(entry.get("failures") or 0)
            item.last_error = entry.get("last_error") or item.last_error
            until = entry.get("cooling_until")
            if isinstance(until, (int, float)) and until > now:
                item.state = "cooling"
                resting[name] = max(resting.get(name, 0.0), float(until))
    if not merged:
        return None
    for name, until in resting.items():
        merged[name].cooling_until = at(until)
    cooling = sum(item.state == "cooling" for item in merged.values())
    body = ProxiesHealth(total=len(merged), cooling=cooling)
    if detail:
        body.items = list(merged.values())
    return body


def _worker_item(w: WorkerRow) -> WorkerOut:
    return WorkerOut(
        id=w.id,
        hostname=w.hostname,
        pid=w.pid,
        concurrency=w.concurrency,
        running=w.running,
        version=w.version,
        started_at=at(w.started_at),
        last_heartbeat=at(w.last_heartbeat),
        capabilities=w.capabilities,
    )


@router.get(
    "/health",
    summary="Service health",
    response_model=HealthOut,
    responses={503: {"model": HealthDown, "description": "The database cannot be read."}},
)
async def health(request: Request, db: DbDep, settings: SettingsDep) -> Response:
    """Database status, live workers and what they can run, queue depth by status (always open)."""
    now = await db.now()
    alive_after = now - settings.worker_alive_seconds
    try:

        async def read(conn: AsyncConnection) -> tuple[dict[str, int], list[WorkerRow]]:
            return await job_rows.count_by_status(conn), await worker_rows.live_workers(conn, alive_after)

        counts, workers = await db.fetch(read)
    except Exception as exc:
        log.exception("health.database_error")
        down = HealthDown(
            status="error",
            version=__version__,
            database=DatabaseDown(status="error", dialect=db.engine.dialect.name, error=type(exc).__name__),
        )
        return model_response(down, status_code=503)
    kinds = summarize_capabilities(workers)
    workers_body = WorkersHealth(
        alive=len(workers),
        slots=sum(w.concurrency for w in workers),
        running=sum(w.running for w in workers),
    )
    keyed = await identify(request) is not None
    if keyed:
        workers_body.items = [_worker_item(w) for w in workers]
    body = HealthOut(
        status="ok",
        version=__version__,
        database=DatabaseHealth(status="ok", dialect=db.engine.dialect.name),
        workers=workers_body,
        capabilities=kinds,
        problems=describe_problems(kinds),
        queue=QueueCounts.model_validate(counts),
        limits=Limits(max_queued_jobs=settings.MAX_QUEUED_JOBS),
        # The web app offers `evaluate` actions only where the API accepts them.
        features=Features(script_actions=settings.ALLOW_SCRIPT_ACTIONS),
    )
    proxies = summarize_proxies(workers, now, keyed)
    if proxies is not None:
        body.proxies = proxies
    return model_response(body)
