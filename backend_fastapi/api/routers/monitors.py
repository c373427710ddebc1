"""`/api/monitors`: pages watched on a schedule; each check is a scrape job, compared by the worker.

A monitor owns a schedule row (hidden from /api/schedules) that fires its checks exactly once per
due time; the check job's payload names the monitor, and its finish queues the comparison.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import scheduling
from backend_fastapi.api.auth import CallerDep, over_daily_quota, quota_exceeded
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.downloads import MEDIA_TYPES, download_pages
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import PageLimit, file_content, model_response
from backend_fastapi.api.routers.sessions import require_session
from backend_fastapi.errors import Conflict, InvalidRequest, NotFound
from backend_fastapi.jobtypes import JobStatus
from backend_fastapi.schemas.common import parse_time
from backend_fastapi.schemas.monitor_notify import is_redacted, redacted_url
from backend_fastapi.schemas.monitors import (
    ChangePage,
    CheckPage,
    KeySeries,
    MonitorIn,
    MonitorOut,
    MonitorPage,
    SeriesOut,
    SeriesPoint,
    change_body,
    check_body,
    monitor_body,
)
from backend_fastapi.schemas.responses import JobCreated, at
from backend_fastapi.store import monitor_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import JsonObject, MonitorRow

router = APIRouter(prefix="/api/monitors", tags=["monitors"], route_class=CheckedJsonRoute)
NOT_FOUND = error_answers(404)
ChangeKind = Literal["added", "removed", "changed", "text"]
# A series answers for this many records at most (ask for one `key` to see any other).
MAX_SERIES_KEYS = 100
DOWNLOAD_PAGE = 1000


def _missing(ref: str) -> NotFound:
    return NotFound(f"No monitor with id or name {ref!r}.", details={"monitor_id": ref})


def _name_conflict(name: str) -> Conflict:
    return Conflict(f"A monitor named {name!r} already exists.", details={"name": name})


async def _load(db: Database, ref: str) -> MonitorOut:
    async with db.read() as conn:
        found = await monitor_rows.view(conn, ref)
    if found is None:
        raise _missing(ref)
    return monitor_body(*found)


async def _monitor(db: Database, ref: str) -> MonitorRow:
    row = await db.fetch(lambda conn: monitor_rows.find(conn, ref))
    if row is None:
        raise _missing(ref)
    return row


def _schedule_values(body: MonitorIn) -> dict[str, Any]:
    return {"cron": body.schedule_cron, "timezone": body.timezone, "job": body.target_json()}


def _keep_secrets(body: MonitorIn, stored: JsonObject) -> dict[str, Any]:
    """The definition to store: a notify URL sent back redacted (as GET showed it) keeps the secret
    it stands for; a redacted URL that stands for nothing stored is refused."""
    definition = body.definition()
    by_redacted = {redacted_url(str(t["url"])): t["url"] for t in stored.get("notify") or []}
    for index, target in enumerate(definition["notify"]):
        target["url"] = by_redacted.get(target["url"], target["url"])
        if is_redacted(target["url"]):
            raise InvalidRequest(
                "A redacted notify URL (with ***) stands for one the monitor has: give the whole URL.",
                details=[{"field": f"body.notify.{index}.url", "message": "redacted", "type": "value_error"}],
            )
    return definition


@router.post("", status_code=201, response_model=MonitorOut, responses=error_answers(409, 422))
async def create_monitor(body: MonitorIn, db: DbDep) -> Response:
    """Create a monitor; its first check (the baseline) runs at the first due time (an interval's
    first check falls at a point of its first period, spreading many monitors out), or now with
    `POST /api/monitors/{id}/check`."""
    await require_session(db, body.target.session, "body.target.session")
    now = await db.now()
    schedule = _schedule_values(body)
    schedule["enabled"] = body.enabled
    definition = _keep_secrets(body, {})

    def first_run(monitor_id: str) -> float | None:
        return (
            scheduling.first_run(body.schedule_cron, body.timezone, now, monitor_id) if body.enabled else None
        )

    async def insert(conn: AsyncConnection) -> str | None:
        if await monitor_rows.name_taken(conn, body.name):
            return None
        return await monitor_rows.insert(conn, body.name, definition, schedule, now, first_run)

    try:
        monitor_id = await db.write(insert)
    except IntegrityError:  # a concurrent create of the same name on PostgreSQL
        monitor_id = None
    if monitor_id is None:
        raise _name_conflict(body.name)
    async with db.read() as conn:
        created = await monitor_rows.view(conn, monitor_id)
    assert created is not None  # written above; only a delete by id could race it
    return model_response(monitor_body(*created), 201, {"Location": f"/api/monitors/{monitor_id}"})


@router.get("", response_model=MonitorPage)
async def list_monitors(db: DbDep) -> Response:
    """Every monitor, by name, with its last check, last change and next check."""
    async with db.read() as conn:
        views = await monitor_rows.list_views(conn)
    return model_response(MonitorPage(items=[monitor_body(*v) for v in views]))


@router.get("/{ref}", response_model=MonitorOut, responses=NOT_FOUND)
async def get_monitor(ref: str, db: DbDep) -> Response:
    """A monitor by id or name (notify URLs redacted)."""
    return model_response(await _load(db, ref))


@router.put("/{ref}", response_model=MonitorOut, responses=error_answers(404, 409, 422))
async def replace_monitor(ref: str, body: MonitorIn, db: DbDep) -> Response:
    """Replace a monitor. A new target or key starts a new baseline; new timing computes the next
    check from now."""
    await require_session(db, body.target.session, "body.target.session")
    now = await db.now()

    async def change(conn: AsyncConnection) -> str:
        row = await monitor_rows.find(conn, ref)
        if row is None:
            return "missing"
        if await monitor_rows.name_taken(conn, body.name, except_id=row.id):
            return "taken"
        schedule_row = await monitor_rows.schedule_of(conn, row)
        definition = _keep_secrets(body, row.definition)
        schedule = _schedule_values(body)
        schedule["enabled"] = body.enabled
        timing = (schedule["cron"], body.timezone, body.enabled)
        old_timing = (
            (schedule_row.cron, schedule_row.timezone, bool(schedule_row.enabled)) if schedule_row else None
        )
        if not body.enabled:
            schedule["next_run_at"] = None
        elif timing != old_timing or schedule_row is None or schedule_row.next_run_at is None:
            schedule["next_run_at"] = scheduling.first_run(schedule["cron"], body.timezone, now, row.id)
        values: dict[str, Any] = {"name": body.name, "definition": definition}
        old = row.definition
        if (definition["target"], definition["key"]) != (old.get("target"), old.get("key")):
            await monitor_rows.reset_snapshot(conn, row)
            values["records"] = 0
            values["applied_job_created_at"] = None
            values["state_version"] = row.state_version + 1
        await monitor_rows.update(conn, row, values, schedule, now)
        return str(row.id)

    try:
        outcome = await db.write(change)
    except IntegrityError:
        outcome = "taken"
    if outcome == "missing":
        raise _missing(ref)
    if outcome == "taken":
        raise _name_conflict(body.name)
    return model_response(await _load(db, outcome))


@router.delete("/{ref}", status_code=204, responses=NOT_FOUND)
async def delete_monitor(ref: str, db: DbDep) -> Response:
    """Delete a monitor with its snapshot and history; its check jobs stay in the jobs list."""

    async def remove(conn: AsyncConnection) -> bool:
        row = await monitor_rows.find(conn, ref)
        if row is None:
            return False
        await monitor_rows.delete(conn, row)
        return True

    if not await db.write(remove):
        raise _missing(ref)
    return Response(status_code=204)


@router.post("/{ref}/check", status_code=202, response_model=JobCreated, responses=error_answers(404, 409))
async def check_now(ref: str, db: DbDep, settings: SettingsDep, caller: CallerDep) -> Response:
    """Run a check now (its next due time stays); 409 while the last check is still queued or running."""
    now = await db.now()

    async def trigger(conn: AsyncConnection) -> tuple[str, str | None]:
        row = await monitor_rows.find(conn, ref)
        schedule = None if row is None else await monitor_rows.schedule_of(conn, row)
        if row is None or schedule is None:
            return "missing", None
        if await over_daily_quota(conn, caller, now):
            return "quota", None
        return "ok", await scheduling.run_now(conn, schedule, now, settings, caller.name)

    outcome, job_id = await db.write(trigger)
    if outcome == "missing":
        raise _missing(ref)
    if outcome == "quota":
        raise quota_exceeded(caller, now)
    if job_id is None:
        raise Conflict("The monitor's last check is still queued or running.")
    return model_response(
        JobCreated(job_id=job_id, status=JobStatus.QUEUED), 202, {"Location": f"/api/jobs/{job_id}"}
    )


async def _set_enabled(db: Database, ref: str, enabled: bool) -> Response:
    now = await db.now()

    async def switch(conn: AsyncConnection) -> str | None:
        row = await monitor_rows.find(conn, ref)
        schedule = None if row is None else await monitor_rows.schedule_of(conn, row)
        if row is None or schedule is None:
            return None
        if bool(schedule.enabled) != enabled:
            next_run = (
                scheduling.first_run(schedule.cron, schedule.timezone, now, row.id) if enabled else None
            )
            await monitor_rows.update(conn, row, {}, {"enabled": enabled, "next_run_at": next_run}, now)
        return str(row.id)

    monitor_id = await db.write(switch)
    if monitor_id is None:
        raise _missing(ref)
    return model_response(await _load(db, monitor_id))


@router.post("/{ref}/pause", response_model=MonitorOut, responses=NOT_FOUND)
async def pause_monitor(ref: str, db: DbDep) -> Response:
    """Stop scheduled checks (a check can still be run by hand)."""
    return await _set_enabled(db, ref, False)


@router.post("/{ref}/resume", response_model=MonitorOut, responses=NOT_FOUND)
async def resume_monitor(ref: str, db: DbDep) -> Response:
    """Schedule checks again, the next one at the next due time from now."""
    return await _set_enabled(db, ref, True)


TimeQuery = Annotated[str | None, Query(max_length=40, description="ISO 8601, e.g. 2026-12-01T00:00:00Z.")]


def _time(value: str | None, name: str) -> float | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise InvalidRequest(
            f"'{name}' is not a time like 2026-12-01T00:00:00Z.",
            details=[{"field": f"query.{name}", "message": str(exc), "type": "value_error"}],
        ) from exc


def _cursor(value: str | None) -> int | None:
    if value is None:
        return None
    if not value.isdigit():
        raise InvalidRequest(
            "'cursor' is the `next_cursor` of the previous page.",
            details=[{"field": "query.cursor", "message": "not a cursor", "type": "value_error"}],
        )
    return int(value)


@router.get("/{ref}/changes", response_model=ChangePage, responses=error_answers(404, 422))
async def list_changes(
    ref: str,
    db: DbDep,
    kind: Annotated[list[ChangeKind] | None, Query()] = None,
    since: TimeQuery = None,
    until: TimeQuery = None,
    check_id: Annotated[str | None, Query(max_length=36)] = None,
    limit: PageLimit = 50,
    cursor: Annotated[str | None, Query(max_length=20)] = None,
) -> Response:
    """Record-level changes, newest first; filter by kind (repeatable), time and check."""
    row = await _monitor(db, ref)
    start, end, before = _time(since, "since"), _time(until, "until"), _cursor(cursor)
    rows = await db.fetch(
        lambda conn: monitor_rows.changes(
            conn,
            row.id,
            kinds=kind or (),
            since=start,
            until=end,
            before_id=before,
            check_id=check_id,
            limit=limit + 1,
        )
    )
    next_cursor = str(rows[limit - 1].id) if len(rows) > limit else None
    return model_response(ChangePage(items=[change_body(r) for r in rows[:limit]], next_cursor=next_cursor))


def _change_rows(change: JsonObject, created_at: float) -> list[JsonObject]:
    """A change as table rows: one per changed field (added, removed and text changes: one)."""
    base = {
        "changed_at": at(created_at),
        "kind": change["kind"],
        **{f"key.{k}": v for k, v in change["key"].items()},
    }
    if change["kind"] == "changed":
        return [
            {**base, "field": f["field"], "before": f["before"], "after": f["after"]}
            for f in change["fields"]
        ]
    if change["kind"] == "text":
        return [{**base, "field": change.get("format"), "diff": change.get("diff")}]
    record = change.get("after") if change["kind"] == "added" else change.get("before")
    return [{**base, "record": record}]


@router.get(
    "/{ref}/changes/download",
    response_model=list[JsonObject],
    responses={
        **error_answers(404, 422),
        200: {
            "description": "Every change as a file, one row per changed field (`format=json`: one array).",
            "content": file_content(MEDIA_TYPES[f] for f in ("csv", "jsonl", "xlsx")),
        },
    },
)
async def download_changes(
    ref: str,
    db: DbDep,
    format: Literal["csv", "json", "jsonl", "xlsx"] = "csv",
    kind: Annotated[list[ChangeKind] | None, Query()] = None,
    since: TimeQuery = None,
    until: TimeQuery = None,
) -> Response:
    """The changes as a file, oldest first: one row per changed field."""
    row = await _monitor(db, ref)
    start, end = _time(since, "since"), _time(until, "until")

    async def pages() -> AsyncIterator[list[JsonObject]]:
        after = 0
        while True:
            async with db.read() as conn:
                batch = await monitor_rows.changes(
                    conn, row.id, kinds=kind or (), since=start, until=end, limit=DOWNLOAD_PAGE,
                    oldest_first=True, after_id=after,
                )  # fmt: skip
            if not batch:
                return
            yield [r for change in batch for r in _change_rows(change.change, change.created_at)]
            after = batch[-1].id

    return await download_pages(pages, format, f"monitor-{row.name}-changes")


@router.get("/{ref}/snapshots", response_model=CheckPage, responses=error_answers(404, 422))
async def list_snapshots(
    ref: str, db: DbDep, limit: PageLimit = 50, cursor: Annotated[str | None, Query(max_length=40)] = None
) -> Response:
    """Checks, newest first: each is a snapshot (its status, record counts and what changed)."""
    row = await _monitor(db, ref)
    before = _time(cursor, "cursor")
    rows = await db.fetch(lambda conn: monitor_rows.checks(conn, row.id, before=before, limit=limit + 1))
    next_cursor = at(rows[limit - 1].checked_at) if len(rows) > limit else None
    return model_response(CheckPage(items=[check_body(r) for r in rows[:limit]], next_cursor=next_cursor))


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    try:
        return float(str(value).replace(",", "").strip().lstrip("$€£"))
    except ValueError:
        return None


@router.get("/{ref}/series", response_model=SeriesOut, responses=error_answers(404, 422))
async def field_series(
    ref: str,
    db: DbDep,
    field: Annotated[str, Query(min_length=1, max_length=200)],
    key: Annotated[str | None, Query(max_length=2000, description="One record: its key's value.")] = None,
) -> Response:
    """A numeric field's values over time, per record (e.g. a price history), from the baseline on."""
    row = await _monitor(db, ref)
    changes = await db.fetch(
        lambda conn: monitor_rows.changes(
            conn, row.id, kinds=("added", "changed", "removed"), limit=None, oldest_first=True
        )
    )
    series: dict[str, KeySeries] = {}
    for change in changes:
        body = change.change
        if key is not None and key not in (change.key, *map(str, body["key"].values())):
            continue
        if change.key not in series:
            if len(series) >= MAX_SERIES_KEYS:
                continue
            series[change.key] = KeySeries(key=body["key"], points=[])
        if body["kind"] == "added":
            value = _number((body.get("after") or {}).get(field))
        elif body["kind"] == "removed":
            value = None
        else:
            moved = [f for f in body.get("fields") or [] if f["field"] == field]
            if not moved:
                continue
            value = _number(moved[0]["after"])
        series[change.key].points.append(SeriesPoint(at=at(change.created_at), value=value))
    answer = SeriesOut(field=field, series=[s for s in series.values() if s.points])
    return model_response(answer)
