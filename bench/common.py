"""Shared pieces of the benchmarks: machine description, RSS sampling, and the results file.

Each benchmark module has a `run(quick: bool = False) -> str` returning a Markdown section and
can run alone (`python -m bench.<module>`): its section of docs/benchmarks.md is replaced
between `<!-- bench:NAME -->` markers, so benchmarks can be re-run one at a time.
"""

from __future__ import annotations

import os
import platform
import re
import statistics
import time
from collections.abc import Iterable
from pathlib import Path

# Memory sampling lives with the test helpers: the small-box test measures the same way.
from tests.support.memory import PeakPss, PeakRss, process_tree_rss

__all__ = [
    "PeakPss",
    "PeakRss",
    "machine",
    "median",
    "percentile",
    "process_tree_rss",
    "stamp",
    "update_section",
]

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "docs" / "benchmarks.md"
HEADER = """# Benchmarks

Run on demand with `make bench` (all) or `.venv/bin/python -m bench.<name>` (one); each run
replaces its own section below. Figures are from the machine named in each section; read them as
ratios between rows, not as promises for other hardware.
"""


def machine() -> str:
    """One line describing where the numbers were taken."""
    cpus = os.cpu_count()
    mem = ""
    try:
        with open("/proc/meminfo") as fh:
            kb = int(fh.readline().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except OSError:
        pass
    return f"{platform.system()} {platform.machine()}, {cpus} cores{mem}, Python {platform.python_version()}"


def percentile(values: Iterable[float], p: float) -> float:
    data = sorted(values)
    if not data:
        return float("nan")
    k = max(0, min(len(data) - 1, round(p / 100 * (len(data) - 1))))
    return data[k]


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def update_section(name: str, markdown: str) -> None:
    """Replace (or append) the section `name` of docs/benchmarks.md."""
    start, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{start}\n{markdown.strip()}\n{end}"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    pattern = re.compile(re.escape(start) + r".*?" + re.escape(end), re.S)
    if pattern.search(text):
        text = pattern.sub(lambda _: block, text)
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)


def stamp() -> str:
    return time.strftime("%Y-%m-%d")
