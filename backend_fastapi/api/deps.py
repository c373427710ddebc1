"""Dependencies shared by the routers: the database, the settings, the API key check."""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import Depends, Request

from backend_fastapi.errors import Unauthorized
from backend_fastapi.settings import Settings
from backend_fastapi.store.engine import Database

# Dependencies are `async def` on purpose: FastAPI runs plain `def` dependencies in a thread pool,
# a thread hop per dependency per request.


async def get_db(request: Request) -> Database:
    db: Database = request.app.state.db
    return db


async def get_settings_dep(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


DbDep = Annotated[Database, Depends(get_db)]
SettingsDep = Annotated[Settings, Depends(get_settings_dep)]


def has_api_key(request: Request) -> bool:
    """True when `API_KEY` is unset or the request carries it as `Authorization: Bearer <key>`."""
    expected = request.app.state.settings.API_KEY
    if not expected:
        return True
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    return scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), expected.encode())


async def require_api_key(request: Request) -> None:
    """When `API_KEY` is set, every `/api/*` call needs `Authorization: Bearer <key>`."""
    if not has_api_key(request):
        raise Unauthorized()
