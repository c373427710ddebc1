"""A crawl's stored frontier (`crawl_frontier`): written at the crawl's checkpoints, read when a
later attempt of the same crawl resumes, deleted when the crawl no longer needs it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from backend_fastapi.store.tables import crawl_frontier, job_records


class FrontierRow(NamedTuple):
    """One page of a crawl: its canonical key, the URL to fetch, its depth, whether its records are
    wanted, and whether they are stored (the page is done)."""

    key: str
    url: str
    depth: int
    records: bool
    done: bool
    # Why the page failed, when it did: [{"url", "code", "message"}, ...].
    failure: list[dict[str, Any]] | None = None


async def add_pages(conn: AsyncConnection, job_id: str, pages: Sequence[FrontierRow]) -> None:
    """Store newly scheduled (or finished) pages; a page already stored is left as it is."""
    if not pages:
        return
    await conn.execute(
        crawl_frontier.insert(),
        [
            {
                "job_id": job_id,
                "key": p.key,
                "url": p.url,
                "depth": p.depth,
                "records": p.records,
                "done": p.done,
            }
            for p in pages
        ],
    )


async def mark_done(
    conn: AsyncConnection,
    job_id: str,
    keys: Sequence[str],
    failures: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
) -> None:
    """The pages whose records are now stored; `failures`: why some of them failed, by key."""
    if not keys:
        return
    failures = failures or {}
    statement = (
        crawl_frontier.update()
        .where(crawl_frontier.c.job_id == job_id, crawl_frontier.c.key == sa.bindparam("k"))
        .values(done=True, failure=sa.bindparam("f", type_=crawl_frontier.c.failure.type))
    )
    await conn.execute(statement, [{"k": key, "f": failures.get(key)} for key in keys])


async def load(conn: AsyncConnection, job_id: str) -> list[FrontierRow]:
    """Every stored page of the crawl, in no particular order."""
    rows = await conn.execute(
        sa.select(
            crawl_frontier.c.key,
            crawl_frontier.c.url,
            crawl_frontier.c.depth,
            crawl_frontier.c.records,
            crawl_frontier.c.done,
            crawl_frontier.c.failure,
        ).where(crawl_frontier.c.job_id == job_id)
    )
    return [FrontierRow(r.key, r.url, r.depth, bool(r.records), bool(r.done), r.failure) for r in rows]


async def adopt_records(conn: AsyncConnection, job_id: str, attempt: int) -> int:
    """Give this attempt the records earlier attempts stored (the pages they finished), and answer
    how many records the attempt holds. Earlier attempts' records are contiguous from 0: each
    resumed attempt adopted all of them before writing its own."""
    await conn.execute(
        job_records.update()
        .where(job_records.c.job_id == job_id, job_records.c.attempt != attempt)
        .values(attempt=attempt)
    )
    count = await conn.execute(
        sa.select(sa.func.count()).select_from(job_records).where(job_records.c.job_id == job_id)
    )
    return int(count.scalar_one())


async def forget(conn: AsyncConnection, job_ids: Sequence[str]) -> None:
    """Delete the stored frontier of these jobs."""
    if job_ids:
        await conn.execute(crawl_frontier.delete().where(crawl_frontier.c.job_id.in_(list(job_ids))))


def has_frontier(job_id: sa.ColumnElement[str]) -> sa.Exists:
    """SQL: whether the job has a stored frontier (its records are a resumable crawl's)."""
    return sa.exists().where(crawl_frontier.c.job_id == job_id)
