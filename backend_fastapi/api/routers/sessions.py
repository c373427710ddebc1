"""`/api/sessions`: logged-in sessions scrapes use by name; their secrets never leave the database.

Secrets (the login's typed text, the cookies and storage state) are sealed with SECRET_KEY before
they are stored (`sealing.py`, which loads `cryptography` on first use only); answers show a
summary (cookie count and domains, timestamps, status). The login itself runs in the worker.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi import sealing
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep, SettingsDep
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import PageCursor, PageLimit, model_response, page_response
from backend_fastapi.errors import AppError, Conflict, InvalidRequest, NotFound
from backend_fastapi.schemas.sessions import (
    RedactedText,
    SessionIn,
    SessionOut,
    SessionPage,
    has_redacted_text,
    has_typed_text,
    keep_typed_text,
    session_body,
    spec_of,
    state_summary,
)
from backend_fastapi.settings import Settings
from backend_fastapi.store import session_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import JsonObject, SessionRow

router = APIRouter(prefix="/api/sessions", tags=["sessions"], route_class=CheckedJsonRoute)
NOT_FOUND = error_answers(404)


class SecretKeyRequired(AppError):
    """This server has no SECRET_KEY: sessions are stored encrypted with it, so none can be saved.
    The operator sets SECRET_KEY (see docs/security.md)."""

    status_code = 409
    code = "secret_key_required"


class SessionKeyMismatch(AppError):
    """The session's stored secrets do not open with this server's SECRET_KEY (it was changed):
    send the whole login (or upload the state) again."""

    status_code = 409
    code = "session_key_mismatch"


def _missing(ref: str) -> NotFound:
    return NotFound(f"No session with id or name {ref!r}.", details={"session": ref})


async def _row(db: Database, ref: str) -> SessionRow:
    row = await db.fetch(lambda conn: session_rows.find(conn, ref))
    if row is None:
        raise _missing(ref)
    return row


async def require_session(db: Database, name: str | None, field: str) -> None:
    """A request naming a session that does not exist is refused (422 naming it) before anything is
    queued or saved."""
    if name is None:
        return
    if not await db.fetch(lambda conn: session_rows.exists(conn, name)):
        raise InvalidRequest(
            f"No session named {name!r}: create it with POST /api/sessions first.",
            details=[{"field": field, "message": f"no session named {name!r}", "type": "not_found"}],
        )


def _sealed_values(settings: Settings, body: SessionIn, login: JsonObject | None) -> dict[str, Any]:
    """The columns a body sets: spec, the sealed login (when it has typed text), an uploaded state."""
    key = settings.SECRET_KEY
    values: dict[str, Any] = {
        "spec": spec_of(body, login),
        "sealed_login": sealing.seal(key, login) if login is not None and has_typed_text(login) else None,
    }
    state = body.uploaded_state()
    if state is not None:
        sealed = sealing.seal(key, state)
        values.update(sealed_state=sealed, state_summary=state_summary(state), last_error=None)
    return values


def _stored_login(settings: Settings, row: SessionRow) -> JsonObject | None:
    if row.sealed_login is None:
        login = row.spec.get("login")
        return None if login is None else dict(login)
    try:
        login = sealing.unseal(settings.SECRET_KEY, row.sealed_login)
    except sealing.SealBroken as exc:
        raise SessionKeyMismatch() from exc
    return dict(login)


def _key_required(settings: Settings) -> None:
    if not settings.SECRET_KEY:
        raise SecretKeyRequired()


@router.post("", status_code=201, response_model=SessionOut, responses=error_answers(409, 422))
async def create_session(body: SessionIn, db: DbDep, settings: SettingsDep) -> Response:
    """Save a session: a `login` the worker runs when needed (with an optional `check`), or an
    uploaded `storage_state` or `cookies`. Refused (409 `secret_key_required`) without SECRET_KEY."""
    _key_required(settings)
    values = _sealed_values(settings, body, body.login_json())
    now = await db.now()

    async def insert(conn: AsyncConnection) -> str | None:
        if await session_rows.name_taken(conn, body.name):
            return None
        return await session_rows.insert(conn, {"name": body.name, **values}, now)

    try:
        session_id = await db.write(insert)
    except IntegrityError:  # a concurrent create of the same name on PostgreSQL
        session_id = None
    if session_id is None:
        raise Conflict(f"A session named {body.name!r} already exists.", details={"name": body.name})
    created = await db.fetch(lambda conn: session_rows.find(conn, session_id))
    assert created is not None  # written above; only a delete by id could race it
    return model_response(session_body(created, now), 201, {"Location": f"/api/sessions/{session_id}"})


@router.get("", response_model=SessionPage)
async def list_sessions(db: DbDep, limit: PageLimit = 50, cursor: PageCursor = None) -> Response:
    """Sessions, newest first; pass `next_cursor` back as `cursor` for the next page."""
    rows = await db.fetch(lambda conn: session_rows.list_page(conn, limit + 1, cursor))
    now = await db.now()
    return page_response(rows, limit, lambda row: session_body(row, now), SessionPage)


@router.get("/{ref}", response_model=SessionOut, responses=NOT_FOUND)
async def get_session(ref: str, db: DbDep) -> Response:
    """A session by id or name (no secret: cookie count and domains, status, timestamps)."""
    row = await _row(db, ref)
    return model_response(session_body(row, await db.now()))


@router.put("/{ref}", response_model=SessionOut, responses=error_answers(404, 409, 422))
async def replace_session(ref: str, body: SessionIn, db: DbDep, settings: SettingsDep) -> Response:
    """Replace a session. A login's `***` texts (as GET shows them) keep the stored texts; a new login
    drops the stored state (the next use logs in), a new check keeps it; an upload replaces it."""
    _key_required(settings)
    row = await _row(db, ref)
    login = body.login_json()
    try:
        stored_login = _stored_login(settings, row) if row.spec.get("login") else None
    except SessionKeyMismatch:
        # After a key change the old login cannot be read: a whole new login replaces it.
        if login is not None and has_redacted_text(login):
            raise
        stored_login = None
    if login is not None:
        try:
            login = keep_typed_text(login, stored_login)
        except RedactedText as exc:
            raise InvalidRequest(
                str(exc), details=[{"field": exc.field, "message": "redacted", "type": "value_error"}]
            ) from exc
    values = _sealed_values(settings, body, login)
    if body.kind == "login" and login != stored_login:
        # Another login: what the old one stored is not this login's state.
        values.update(sealed_state=None, state_summary=None, last_error=None, last_login_at=None)
    now = await db.now()

    async def change(conn: AsyncConnection) -> str:
        current = await session_rows.find(conn, row.id)
        if current is None:
            return "missing"
        if body.name != current.name:
            if await session_rows.name_taken(conn, body.name, except_id=current.id):
                return "taken"
            if await session_rows.users(conn, current):
                return "in_use"
        if "sealed_state" in values:
            values["state_version"] = current.state_version + 1
        await session_rows.update(conn, current.id, {"name": body.name, **values}, now)
        return "ok"

    try:
        outcome = await db.write(change)
    except IntegrityError:
        outcome = "taken"
    if outcome == "missing":
        raise _missing(ref)
    if outcome == "taken":
        raise Conflict(f"A session named {body.name!r} already exists.", details={"name": body.name})
    if outcome == "in_use":
        raise Conflict(
            f"The session {row.name!r} is named by schedules or monitors: it keeps its name.",
            details={"name": row.name},
        )
    return model_response(session_body(await _row(db, row.id), now))


@router.delete("/{ref}", status_code=204, responses=error_answers(404, 409))
async def delete_session(ref: str, db: DbDep) -> Response:
    """Delete a session and its secrets (not while a schedule or monitor scrapes with it; queued jobs
    that name it fail with `session_not_found`)."""
    row = await _row(db, ref)

    async def remove(conn: AsyncConnection) -> list[str]:
        users = await session_rows.users(conn, row)
        if not users:
            await session_rows.delete(conn, row.id)
        return users

    users = await db.write(remove)
    if users:
        raise Conflict(
            f"The session {row.name!r} is used by {', '.join(users)}; change or delete them first.",
            details={"used_by": users},
        )
    return Response(status_code=204)


@router.post("/{ref}/login", response_model=SessionOut, responses=error_answers(404, 409))
async def login_again(ref: str, db: DbDep) -> Response:
    """Log in again at the next use: the stored state is dropped, so the next job that uses the
    session runs the login first (its status is `needs_login` until then). 409 for an uploaded
    session, which has no login to run."""
    row = await _row(db, ref)
    if row.spec.get("kind") != "login":
        raise Conflict(
            f"The session {row.name!r} was uploaded and has no login to run: upload a new state with PUT.",
            details={"session": row.name},
        )
    now = await db.now()
    await db.write(lambda conn: session_rows.drop_state(conn, row.id, now))
    return model_response(session_body(await _row(db, row.id), now))
