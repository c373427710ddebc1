"""When the worker's warm pipeline process is started anew: after its number of runs, or when its
own memory has grown (it only forks runs, so growth would be a leak)."""

from __future__ import annotations

import pytest

from backend_fastapi.pipelines.warm import MB, WarmPolicy, recycle_reason
from backend_fastapi.settings import Settings

POLICY = WarmPolicy(idle_seconds=300, max_runs=3, max_growth_mb=64)


@pytest.mark.parametrize(
    ("forked", "grown", "reason"),
    [
        (1, 0, None),
        (2, 64 * MB, None),  # at the bound: not yet
        (2, None, None),  # its memory could not be read
        (3, 0, "runs"),
        (2, 64 * MB + 1, "memory"),
        (5, 100 * MB, "runs"),
    ],
)
def test_a_warm_process_is_due_after_its_runs_or_when_its_memory_grew(
    forked: int, grown: int | None, reason: str | None
) -> None:
    assert recycle_reason(forked, grown, POLICY) == reason


def test_the_defaults_recycle_rarely_and_refuse_nonsense() -> None:
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    assert settings.PIPELINE_WARM_MAX_RUNS == 1000
    assert settings.PIPELINE_WARM_MAX_GROWTH_MB == 64
    with pytest.raises(ValueError, match="greater than or equal to 1"):
        Settings(_env_file=None, PIPELINE_WARM_MAX_RUNS=0)  # type: ignore[call-arg]
