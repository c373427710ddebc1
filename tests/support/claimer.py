"""A claiming process for the concurrency test: claims until the queue is empty, prints ids."""

from __future__ import annotations

import asyncio
import random
import sys

from backend_fastapi.settings import Settings
from backend_fastapi.store import jobqueue
from backend_fastapi.store.engine import Database


async def main(url: str, name: str, out: str) -> None:
    db = Database(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
    claimed: list[str] = []
    empty_rounds = 0
    while empty_rounds < 5:
        now = await db.now()
        batch = await db.write(
            lambda c, now=now: jobqueue.claim_jobs(c, name, random.randint(1, 8), 300, now)
        )
        if not batch:
            empty_rounds += 1
            await asyncio.sleep(0.02)
            continue
        empty_rounds = 0
        claimed.extend(f"{job.id} {job.attempt}" for job in batch)
        for job in batch:
            await db.write(
                lambda c, j=job, now=now: jobqueue.complete_job(c, name, j.id, j.attempt, {"by": name}, now)
            )
    await db.close()
    with open(out, "w") as fh:
        fh.write("\n".join(claimed))


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3]))
