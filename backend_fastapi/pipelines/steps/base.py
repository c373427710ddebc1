"""What a step function receives besides its frame: counters for the report and state across chunks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd


@dataclass
class StepContext:
    """One step of one run. Streamed steps see many chunks with the same context."""

    index: int
    op: str
    load_source: Callable[[], pd.DataFrame] | None = None
    preview: bool = False
    details: dict[str, Any] = field(default_factory=dict)
    state: dict[str, Any] = field(default_factory=dict)
    # Set by a step that needs no more input rows (limit), so reading can stop early.
    exhausted: bool = False
    # The run gives each frame up to the step (it never reads it again): a step that keeps some
    # rows may take the input's columns apart as it builds its result (`frames.keep_rows`).
    owns_input: bool = False

    def count(self, key: str, n: int) -> None:
        """Add `n` to a counter of the report (summed over chunks)."""
        self.details[key] = int(self.details.get(key, 0)) + int(n)

    def count_in(self, key: str, sub: str, n: int) -> None:
        """Add `n` to a per-column counter of the report (`{"invalid": {"price": 3}}`)."""
        if n:
            bucket = self.details.setdefault(key, {})
            bucket[sub] = int(bucket.get(sub, 0)) + int(n)

    def other(self) -> pd.DataFrame:
        """The rows of this step's own source (join, append)."""
        if self.load_source is None:
            raise RuntimeError(f"step {self.index} has no source")
        return self.load_source()
