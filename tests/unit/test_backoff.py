"""Retry delays: exponential with jitter, capped, and never shorter than a server's Retry-After."""

from __future__ import annotations

import pytest

from backend_fastapi.store import jobqueue


@pytest.mark.parametrize("attempt", [1, 2, 5, 20])
def test_backoff_grows_exponentially_and_honours_retry_after(attempt: int) -> None:
    delay = jobqueue.backoff_seconds(attempt, 2.0)
    expected = min(2.0 * 2 ** (attempt - 1), jobqueue.MAX_BACKOFF_SECONDS)
    assert 0.8 * expected <= delay <= 1.2 * expected
    assert jobqueue.backoff_seconds(1, 2.0, retry_after=120) >= 120
