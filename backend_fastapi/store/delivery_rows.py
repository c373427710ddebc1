"""The log of webhook delivery attempts, one row per attempt."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.rows import DeliveryRow, columns_of
from backend_fastapi.store.tables import webhook_deliveries

DELIVERY_COLUMNS = columns_of(webhook_deliveries, DeliveryRow)


async def webhook_attempts(conn: AsyncConnection, job_id: str) -> list[DeliveryRow]:
    """The job's delivery attempts, oldest first."""
    query = (
        sa.select(*DELIVERY_COLUMNS)
        .where(webhook_deliveries.c.job_id == job_id)
        .order_by(webhook_deliveries.c.id)
    )
    return [DeliveryRow(*row) for row in await conn.execute(query)]


async def record_webhook_attempt(conn: AsyncConnection, values: dict[str, Any]) -> None:
    await conn.execute(webhook_deliveries.insert().values(**values))
