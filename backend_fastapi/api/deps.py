"""Dependencies shared by the routers: the database and the settings (the key check: `auth.py`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

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
