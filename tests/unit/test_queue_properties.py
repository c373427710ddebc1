"""Property-based test of the job state machine: random sequences of every queue operation,
with the clock moving, keep the invariants the whole queue stands on."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

import sqlalchemy as sa
from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from backend_fastapi import store
from backend_fastapi.settings import Settings
from backend_fastapi.store import jobqueue
from backend_fastapi.store.engine import Database
from backend_fastapi.store.tables import FINISHED_STATUSES, jobs
from tests.support.postgres import BOTH_BACKENDS

pytestmark = BOTH_BACKENDS

T = TypeVar("T")
WORKERS = ("w1", "w2")
LEASE = 10.0


class QueueMachine(RuleBasedStateMachine):
    def __init__(self, url: str) -> None:
        super().__init__()
        self.loop = asyncio.new_event_loop()
        self.db = Database(Settings(_env_file=None, DATABASE_URL=url))  # type: ignore[call-arg]
        self.run(store.prepare(self.db))
        self.run(self._empty_tables())
        self.now = 1_000_000.0
        # Every (worker, job, attempt) ever handed out by a claim: stale ones must stay powerless.
        self.claims: list[tuple[str, str, int]] = []
        # Snapshots of finished jobs: they must never change except through retry or delete.
        self.finished: dict[str, tuple[Any, ...]] = {}
        self.ids: list[str] = []

    async def _empty_tables(self) -> None:
        async with self.db.transaction() as conn:
            await conn.execute(sa.text("DELETE FROM job_records"))
            await conn.execute(sa.text("DELETE FROM jobs"))

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        return self.loop.run_until_complete(coro)

    def teardown(self) -> None:
        self.run(self.db.close())
        self.loop.close()

    def row(self, job_id: str) -> Any:
        async def read() -> Any:
            async with self.db.read() as conn:
                return (await conn.execute(sa.select(jobs).where(jobs.c.id == job_id))).first()

        return self.run(read())

    def owns(self, worker: str, job_id: str, attempt: int) -> bool:
        r = self.row(job_id)
        return r is not None and r.status == "running" and r.locked_by == worker and r.attempts == attempt

    def try_complete(self, worker: str, job_id: str, attempt: int) -> bool:
        result = {"by": worker, "attempt": attempt}
        return self.run(
            self.db.write(lambda c: jobqueue.complete_job(c, worker, job_id, attempt, result, self.now))
        )

    def try_renew(self, worker: str, owned: list[tuple[str, int]]) -> jobqueue.LeaseRenewal:
        return self.run(self.db.write(lambda c: jobqueue.renew_leases(c, worker, owned, LEASE, self.now)))

    # --- rules ---------------------------------------------------------------------------

    @rule(max_attempts=st.integers(1, 3), priority=st.integers(0, 2), delay=st.sampled_from([0, 0, 5]))
    def create(self, max_attempts: int, priority: int, delay: float) -> None:
        job = jobqueue.NewJob("t", {}, max_attempts, 60, priority=priority, delay_seconds=delay)
        self.ids.append(self.run(self.db.write(lambda c: jobqueue.enqueue(c, job, self.now))).job_id)

    @rule(worker=st.sampled_from(WORKERS), limit=st.integers(1, 3))
    def claim(self, worker: str, limit: int) -> None:
        claimed = self.run(self.db.write(lambda c: jobqueue.claim_jobs(c, worker, limit, LEASE, self.now)))
        assert len(claimed) <= limit
        for job in claimed:
            assert job.attempt <= job.max_attempts
            self.claims.append((worker, job.id, job.attempt))

    @rule(data=st.data())
    def complete(self, data: st.DataObject) -> None:
        if not self.claims:
            return
        worker, job_id, attempt = data.draw(st.sampled_from(self.claims[-8:]))
        expected = self.owns(worker, job_id, attempt)
        assert self.try_complete(worker, job_id, attempt) == expected

    @rule(data=st.data(), retryable=st.booleans())
    def fail(self, data: st.DataObject, retryable: bool) -> None:
        if not self.claims:
            return
        worker, job_id, attempt = data.draw(st.sampled_from(self.claims[-8:]))
        expected = self.owns(worker, job_id, attempt)
        status = self.run(
            self.db.write(
                lambda c: jobqueue.fail_job(
                    c, worker, job_id, attempt, "e", "m", retryable=retryable, retry_delay=3, now=self.now
                )
            )
        )
        assert (status is not None) == expected

    @rule(data=st.data())
    def release(self, data: st.DataObject) -> None:
        if not self.claims:
            return
        worker, job_id, attempt = data.draw(st.sampled_from(self.claims[-8:]))
        expected = self.owns(worker, job_id, attempt)
        assert (
            self.run(self.db.write(lambda c: jobqueue.release_job(c, worker, job_id, attempt, self.now)))
            == expected
        )

    @rule(worker=st.sampled_from(WORKERS))
    def heartbeat(self, worker: str) -> None:
        owned = [(j, a) for w, j, a in self.claims if w == worker]
        before = {j: self.row(j) for j, _ in owned}
        renewal = self.try_renew(worker, owned)
        for job_id in renewal.renewed:
            r = before[job_id]
            # Only a live lease of this worker's current attempt is ever renewed.
            assert r.status == "running"
            assert r.locked_by == worker
            assert r.locked_until > self.now
            assert (job_id, r.attempts) in owned

    @rule(data=st.data())
    def cancel(self, data: st.DataObject) -> None:
        if not self.ids:
            return
        job_id = data.draw(st.sampled_from(self.ids))
        self.run(self.db.write(lambda c: jobqueue.cancel_job(c, job_id, self.now)))

    @rule(data=st.data())
    def retry(self, data: st.DataObject) -> None:
        if not self.ids:
            return
        job_id = data.draw(st.sampled_from(self.ids))
        retried, _ = self.run(self.db.write(lambda c: jobqueue.retry_job(c, job_id, self.now)))
        if retried:
            self.finished.pop(job_id, None)

    @rule()
    def reap(self) -> None:
        for job_id, status in self.run(self.db.write(lambda c: jobqueue.reap_expired(c, self.now))):
            assert status in ("queued", "failed", "cancelled")
            assert job_id not in self.finished

    @rule()
    def stale_attempts_change_nothing(self) -> None:
        """Every claim that is no longer current (lost lease, finished, reclaimed) is powerless."""
        for worker, job_id, attempt in self.claims[-20:]:
            if self.owns(worker, job_id, attempt):
                continue
            done = self.run(
                self.db.write(
                    lambda c, w=worker, j=job_id, a=attempt: jobqueue.complete_job(
                        c, w, j, a, {"stale": True}, self.now
                    )
                )
            )
            assert not done, f"stale attempt {attempt} of {worker} completed {job_id}"
            renewal = self.run(
                self.db.write(
                    lambda c, w=worker, j=job_id, a=attempt: jobqueue.renew_leases(
                        c, w, [(j, a)], LEASE, self.now
                    )
                )
            )
            assert not renewal.renewed

    @rule(worker=st.sampled_from(WORKERS))
    def expire_and_reclaim(self, worker: str) -> None:
        """A worker freezes past its lease, the reaper requeues, the same worker claims again:
        the one case where owner alone cannot tell a stale attempt from the current one."""
        self.now += LEASE + 1
        self.reap()
        self.claim(worker, 3)

    @rule(seconds=st.sampled_from([0.5, 3, 9, 11, 30]))
    def advance_clock(self, seconds: float) -> None:
        self.now += seconds

    # --- invariants ----------------------------------------------------------------------

    @invariant()
    def invariants_hold(self) -> None:
        async def read_all() -> list[Any]:
            async with self.db.read() as conn:
                return list((await conn.execute(sa.select(jobs).where(jobs.c.type == "t"))).all())

        for r in self.run(read_all()):
            assert 0 <= r.attempts <= r.max_attempts
            if r.status == "running":
                assert r.locked_by is not None
                assert r.locked_until is not None
                assert r.finished_at is None
            else:
                assert r.locked_by is None
                assert r.locked_until is None
            if r.status == "completed":
                assert r.result is not None
                assert r.error_code is None
            if r.status == "failed":
                assert r.error_code is not None
            if r.status in FINISHED_STATUSES:
                assert r.finished_at is not None
                snapshot = (r.status, r.result, r.finished_at, r.attempts, r.error_code)
                assert self.finished.setdefault(r.id, snapshot) == snapshot, "a finished job changed"
            else:
                assert r.id not in self.finished, "a finished job went back without a retry"


# QUEUE_PROPERTIES_NO_SHRINK=1 reports a failing sequence at once instead of minimising it
# (minimising a long stateful failure can take minutes).
_phases = (
    tuple(Phase)
    if not os.environ.get("QUEUE_PROPERTIES_NO_SHRINK")
    else tuple(p for p in Phase if p != Phase.shrink)
)
SETTINGS = settings(
    max_examples=60,
    stateful_step_count=50,
    deadline=None,
    phases=_phases,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


def test_random_operation_sequences_keep_the_queue_invariants(db_url: str) -> None:
    run_state_machine_as_test(lambda: QueueMachine(db_url), settings=SETTINGS)
