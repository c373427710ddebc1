"""The log of webhook delivery attempts, one row per attempt."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.tables import webhook_deliveries


async def webhook_attempts(conn: AsyncConnection, job_id: str) -> list[Any]:
    query = (
        sa.select(webhook_deliveries)
        .where(webhook_deliveries.c.job_id == job_id)
        .order_by(webhook_deliveries.c.id)
    )
    return list((await conn.execute(query)).all())


async def record_webhook_attempt(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(webhook_deliveries.insert().values(**values))
