"""Memory of process trees: RSS (or PSS, split by part of the browser stack) of a process and all
its descendants, sampled in a thread."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from typing import Any


def process_tree_rss(pid: int) -> int:
    """RSS in bytes of a process and all its descendants (Chromium's helpers included)."""
    import psutil

    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0
    total = 0
    for proc in procs:
        try:
            total += proc.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


class PeakRss:
    """Samples the RSS of process trees in a thread; `peak` is the largest sum seen."""

    def __init__(self, pids: Iterable[int], interval: float = 0.05) -> None:
        self.pids = list(pids)
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, sum(process_tree_rss(pid) for pid in self.pids))
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def stack_part(proc: Any) -> str:
    """Which part of the browser stack a process is."""
    name = proc.name()
    if name.startswith("node"):
        return "Playwright driver (Node.js)"
    if name.startswith("chrom") or "headless_shell" in name:
        return "Chromium (all its processes)"
    return "worker (Python)"


class PeakPss(PeakRss):
    """Like PeakRss, but proportional set size: pages shared between Chromium's processes (its
    binary, the zygote's memory) are counted once instead of once per process. Keeps the split by
    part (`stack_part`) at the peak."""

    parts: dict[str, int]

    def _sample(self) -> None:
        import psutil

        self.parts = {}
        while not self._stop.is_set():
            parts: dict[str, int] = {}
            for pid in self.pids:
                try:
                    root = psutil.Process(pid)
                    procs = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    continue
                for proc in procs:
                    try:
                        part = stack_part(proc)
                        parts[part] = parts.get(part, 0) + proc.memory_full_info().pss
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        pass
            total = sum(parts.values())
            if total > self.peak:
                self.peak, self.parts = total, parts
            time.sleep(self.interval)
