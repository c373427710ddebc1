"""What incremental crawls remember of each page (`crawl_pages`), per lineage: read when a crawl
starts (validators and content hashes) and per unchanged page (its records and links), written at
the crawl's checkpoints, pruned of pages gone when a crawl reached its whole site."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.tables import crawl_pages


class PageState(NamedTuple):
    """How a page looked when last fetched: its HTTP validators and the hash of its body."""

    etag: str | None
    last_modified: str | None
    content_hash: str


class SeenPage(NamedTuple):
    """A page this crawl fetched (changed or new: `records`/`links` set) or found unchanged (None)."""

    key: str
    url: str
    state: PageState
    records: list[dict[str, Any]] | None
    links: list[list[Any]] | None


async def load_states(conn: AsyncConnection, lineage: str) -> dict[str, PageState]:
    """Every remembered page of the lineage: key -> state (records and links stay in the database)."""
    rows = await conn.execute(
        sa.select(
            crawl_pages.c.key, crawl_pages.c.etag, crawl_pages.c.last_modified, crawl_pages.c.content_hash
        ).where(crawl_pages.c.lineage == lineage)
    )
    return {r.key: PageState(r.etag, r.last_modified, r.content_hash) for r in rows}


async def load_output(
    conn: AsyncConnection, lineage: str, key: str
) -> tuple[list[dict[str, Any]], list[list[Any]]] | None:
    """The records and links an unchanged page gave last time."""
    row = (
        await conn.execute(
            sa.select(crawl_pages.c.records, crawl_pages.c.links).where(
                crawl_pages.c.lineage == lineage, crawl_pages.c.key == key
            )
        )
    ).first()
    return None if row is None else (list(row.records), list(row.links))


async def save(
    conn: AsyncConnection, lineage: str, job_id: str, pages: Sequence[SeenPage], now: float
) -> None:
    """Remember what this crawl saw: a fetched page's state and output replace the old ones, an
    unchanged page is only stamped with this job (so it is not taken for gone)."""
    if not pages:
        return
    unchanged = [p.key for p in pages if p.records is None]
    fetched = [p for p in pages if p.records is not None]
    if unchanged:
        await conn.execute(
            crawl_pages.update()
            .where(crawl_pages.c.lineage == lineage, crawl_pages.c.key == sa.bindparam("k"))
            .values(job_id=job_id, seen_at=now),
            [{"k": key} for key in unchanged],
        )
    if fetched:
        # Delete then insert: one statement shape on SQLite and PostgreSQL, in this transaction.
        keys = [p.key for p in fetched]
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            await conn.execute(
                crawl_pages.delete().where(crawl_pages.c.lineage == lineage, crawl_pages.c.key.in_(chunk))
            )
        await conn.execute(
            crawl_pages.insert(),
            [
                {
                    "lineage": lineage,
                    "key": p.key,
                    "url": p.url,
                    "etag": p.state.etag,
                    "last_modified": p.state.last_modified,
                    "content_hash": p.state.content_hash,
                    "records": p.records,
                    "links": p.links or [],
                    "job_id": job_id,
                    "seen_at": now,
                }
                for p in fetched
            ],
        )


async def forget_gone(conn: AsyncConnection, lineage: str, job_id: str) -> int:
    """Drop the pages this crawl (which reached its whole site) did not see; how many there were."""
    result = await conn.execute(
        crawl_pages.delete().where(crawl_pages.c.lineage == lineage, crawl_pages.c.job_id != job_id)
    )
    return int(result.rowcount or 0)


async def forget_unseen_since(conn: AsyncConnection, older_than: float) -> int:
    """Retention: forget the pages no crawl has seen since `older_than` (a lineage not crawled within
    JOB_RETENTION_DAYS starts afresh); how many."""
    result = await conn.execute(crawl_pages.delete().where(crawl_pages.c.seen_at < older_than))
    return int(result.rowcount or 0)
