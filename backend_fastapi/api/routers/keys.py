"""`/api/keys`: a team's API keys (admin), and `/api/keys/me`: the key a request came with."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from sqlalchemy.exc import IntegrityError

from backend_fastapi.api.auth import OPEN, CallerDep, KeyCache
from backend_fastapi.api.bodies import CheckedJsonRoute
from backend_fastapi.api.deps import DbDep
from backend_fastapi.api.openapi import error_answers
from backend_fastapi.api.responses import model_response
from backend_fastapi.apikeys import hash_key, new_key, shown_prefix
from backend_fastapi.errors import Conflict, NotFound
from backend_fastapi.schemas.keys import CallerOut, KeyCreated, KeyIn, KeyOut, KeyPage, key_body
from backend_fastapi.store import key_rows

router = APIRouter(prefix="/api/keys", tags=["keys"], route_class=CheckedJsonRoute)


def _forget(request: Request) -> None:
    # This process sees a new or revoked key at once; other processes within the cache time.
    cache: KeyCache = request.app.state.key_cache
    cache.forget()


@router.get("/me", response_model=CallerOut)
async def who_am_i(caller: CallerDep) -> Response:
    """The name and scope of the key this request came with (the web app shows admin screens by it)."""
    return model_response(CallerOut(name=caller.name, scope=caller.scope, open=caller is OPEN))


@router.get("", response_model=KeyPage)
async def list_keys(db: DbDep) -> Response:
    """Every key, newest first, revoked ones included (their jobs still name them)."""
    rows = await db.fetch(key_rows.list_all)
    return model_response(KeyPage(items=[key_body(row) for row in rows]))


@router.post("", status_code=201, response_model=KeyCreated, responses=error_answers(409, 422))
async def create_key(body: KeyIn, request: Request, db: DbDep) -> Response:
    """Create a key; the answer holds the key itself, shown this once (only its hash is stored)."""
    key = new_key()
    now = await db.now()
    try:
        row = await db.write(
            lambda c: key_rows.insert(
                c,
                name=body.name,
                prefix=shown_prefix(key),
                key_hash=hash_key(key),
                scope=body.scope.value,
                rate_per_minute=body.rate_per_minute,
                daily_jobs=body.daily_jobs,
                now=now,
            )
        )
    except IntegrityError:  # a concurrent create of the same name on PostgreSQL
        row = None
    if row is None:
        raise Conflict(
            f"A key named {body.name!r} exists (or existed: names of revoked keys stay taken).",
            details={"name": body.name},
        )
    _forget(request)
    created = KeyCreated(**key_body(row).model_dump(), key=key)
    return model_response(created, 201, {"Location": f"/api/keys/{row.id}"})


@router.delete("/{ref}", response_model=KeyOut, responses=error_answers(404))
async def revoke_key(ref: str, request: Request, db: DbDep) -> Response:
    """Revoke a key by id or name: it stops working at once here, within seconds on other API
    processes. The row stays, so the jobs it queued still name it."""
    now = await db.now()
    row = await db.write(lambda c: key_rows.revoke(c, ref, now))
    if row is None:
        raise NotFound(f"No key with id or name {ref!r}.", details={"key": ref})
    _forget(request)
    return model_response(key_body(row))
