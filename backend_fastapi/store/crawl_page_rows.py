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
    """A page this crawl fetched (changed or new): how it looked, what it gave."""

    key: str
    url: str
    state: PageState
    records: list[dict[str, Any]]
    links: list[list[Any]]


async def load_states(conn: AsyncConnection, lineage: str) -> dict[str, PageState]:
    """Every remembered page of the lineage: key -> state (records and links stay in the database)."""
    rows = await conn.execute(
        sa.select(
            crawl_pages.c.key, crawl_pages.c.etag, crawl_pages.c.last_modified, crawl_pages.c.content_hash
        ).where(crawl_pages.c.lineage == lineage)
    )
    return {r.key: PageState(r.etag, r.last_modified, r.content_hash) for r in rows}


async def load_outputs(
    conn: AsyncConnection, lineage: str, keys: Sequence[str]
) -> dict[str, tuple[list[dict[str, Any]], list[list[Any]]]]:
    """The records and links unchanged pages gave last time, by key (a key no longer stored is left out)."""
    found: dict[str, tuple[list[dict[str, Any]], list[list[Any]]]] = {}
    for start in range(0, len(keys), 500):
        rows = await conn.execute(
            sa.select(crawl_pages.c.key, crawl_pages.c.records, crawl_pages.c.links).where(
                crawl_pages.c.lineage == lineage, crawl_pages.c.key.in_(keys[start : start + 500])
            )
        )
        for row in rows:
            found[row.key] = (list(row.records), list(row.links))
    return found


async def save(
    conn: AsyncConnection, lineage: str, job_id: str, pages: Sequence[SeenPage], now: float
) -> None:
    """Remember what this crawl fetched: each page's state and output replace the old ones."""
    if not pages:
        return
    # Delete then insert: one statement shape on SQLite and PostgreSQL, in this transaction.
    await forget(conn, lineage, [p.key for p in pages])
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
                "links": p.links,
                "job_id": job_id,
                "seen_at": now,
            }
            for p in pages
        ],
    )


async def forget(conn: AsyncConnection, lineage: str, keys: Sequence[str]) -> None:
    """Drop pages of the lineage (gone from its site)."""
    for start in range(0, len(keys), 500):
        await conn.execute(
            crawl_pages.delete().where(
                crawl_pages.c.lineage == lineage, crawl_pages.c.key.in_(keys[start : start + 500])
            )
        )


async def stamp(conn: AsyncConnection, lineage: str, now: float) -> None:
    """The lineage was crawled at `now`: its pages are kept for another JOB_RETENTION_DAYS."""
    await conn.execute(crawl_pages.update().where(crawl_pages.c.lineage == lineage).values(seen_at=now))


async def forget_unseen_since(conn: AsyncConnection, older_than: float) -> int:
    """Retention: forget the pages no crawl has seen since `older_than` (a lineage not crawled within
    JOB_RETENTION_DAYS starts afresh); how many."""
    result = await conn.execute(crawl_pages.delete().where(crawl_pages.c.seen_at < older_than))
    return int(result.rowcount or 0)
