"""Monitors: diffing a check's records against the last good snapshot (time and memory).

Each case runs in a fresh process: the previous snapshot and the new records are built first, then
`compare` runs alone. Time is the median of several runs; memory is how far the process's peak RSS
rose during one run (the inputs already in memory), and the peak of Python allocations while it ran
(tracemalloc, in a separate run since tracing slows it down). "Rows to write" counts snapshot records
whose digest or pending state changed: what the store writes after the check.
"""

from __future__ import annotations

import multiprocessing
import os
import resource
import statistics
import time
import tracemalloc
from typing import Any

from bench.common import machine, stamp, update_section

NAME = "monitors"
RECORDS = 10_000
IGNORE = (r"Updated \d{1,2}:\d\d", r"\d+ (?:views|watching)")
WORDS = "soft cotton shirt with long sleeves and a relaxed fit made in portugal".split()


def product(i: int, price: float | None = None, tick: int = 0) -> dict[str, Any]:
    """A listing record as a shop's scrape gives it (11 fields); `tick` moves its time stamp and
    watcher count (what the ignore patterns remove)."""
    return {
        "url": f"https://shop.test/p/{i}",
        "data": {
            "sku": f"SKU-{i:06d}",
            "name": f"{WORDS[i % len(WORDS)].title()} item {i}",
            "price": price if price is not None else round(5 + (i % 400) * 0.25, 2),
            "currency": "EUR",
            "in_stock": i % 9 != 0,
            "rating": round(3 + (i % 20) / 10, 1),
            "reviews": i % 311,
            "sizes": ["S", "M", "L"] if i % 2 else ["M"],
            "image": f"https://cdn.shop.test/img/{i}.jpg",
            "description": " ".join(WORDS[(i + k) % len(WORDS)] for k in range(30)),
            "seen": f"Updated {(i + tick) % 24}:{(i + tick) % 60:02d} - {(i + tick) % 97} watching",
        },
    }


def article(i: int, version: int = 0) -> dict[str, Any]:
    """A page watched as Markdown (about 3 KB, 40 lines)."""
    lines = [f"# Article {i}", f"Updated {(i + version) % 24}:{i % 60:02d}"]
    lines += [f"Paragraph {n} of article {i}: " + " ".join(WORDS[(i + n) % 7 :]) for n in range(38)]
    if version == 1:
        lines[10 + i % 20] = "A rewritten paragraph."
    return {
        "url": f"https://news.test/a/{i}",
        "data": {"title": f"Article {i}"},
        "markdown": "\n".join(lines),
    }


def case(name: str, n: int) -> tuple[Any, list[dict[str, Any]], Any, bool]:
    """(previous snapshot, records of the new check, rules, baseline) for the case `name`."""
    from backend_fastapi.monitors.diff import Rules, compare

    rules = Rules(ignore=IGNORE)
    if name == "baseline":
        return {}, [product(i) for i in range(n)], rules, True
    if name == "text":
        rules = Rules(key=("url",), ignore=IGNORE)
        first = [article(i) for i in range(n // 10)]
        state = compare({}, first, rules, baseline=True).state
        # every page's time stamp moves; one page in ten has a paragraph rewritten
        return state, [article(i, version=1 if i % 10 == 0 else 2) for i in range(n // 10)], rules, False
    if name == "page":
        rules = Rules(ignore=IGNORE)
        body = [f"Line {k}: " + " ".join(WORDS[k % 7 :]) for k in range(20_000)]
        changed = list(body)
        for k in range(0, 20_000, 100):
            changed[k] = f"Line {k} was edited"
        old = {"url": "https://docs.test/", "data": {}, "markdown": "\n".join(body)}
        new = {"url": "https://docs.test/", "data": {}, "markdown": "\n".join(changed)}
        return compare({}, [old], rules, baseline=True).state, [new], rules, False
    if name == "identical":
        rules = Rules()
    state = compare({}, [product(i) for i in range(n)], rules, baseline=True).state
    if name == "identical":
        return state, [product(i) for i in range(n)], rules, False
    if name == "ignored":
        return state, [product(i, tick=1) for i in range(n)], rules, False
    # busy: time stamps move, 1 % of the records change price, 1 % are new, 1 % are gone (pending)
    step = 100
    records = [product(i, price=1.0 if i % step == 1 else None, tick=1) for i in range(n) if i % step != 0]
    records += [product(n + i, tick=1) for i in range(n // step)]
    return state, records, rules, False


def measure(name: str, n: int, runs: int) -> dict[str, Any]:
    """Runs in a fresh process: time, RSS growth and traced peak of `compare` for one case."""
    import gc

    from backend_fastapi.monitors.diff import compare

    previous, records, rules, baseline = case(name, n)
    compare(previous, records[:10], rules, baseline=True)  # compiled patterns and imports warm
    gc.collect()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    outcome = compare(previous, records, rules, baseline=baseline)
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        compare(previous, records, rules, baseline=baseline)
        times.append(time.perf_counter() - started)
    gc.collect()
    tracemalloc.start()
    compare(previous, records, rules, baseline=baseline)
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    writes = sum(
        1
        for key, kept in outcome.state.items()
        if (old := previous.get(key)) is None or old.digest != kept.digest or old.missing != kept.missing
    ) + sum(1 for key in previous if key not in outcome.state)
    counts = outcome.counts
    return {
        "seconds": statistics.median(times),
        "rss_mb": rss_growth / 1024,
        "traced_mb": traced_peak / 2**20,
        "writes": writes,
        "found": ", ".join(
            f"{counts[k]:,} {k}" for k in ("added", "changed", "text", "pending", "removed") if counts[k]
        )
        or "nothing",
        "records": counts["records"],
        "previous": len(previous),
    }


def _child(name: str, n: int, runs: int, queue: Any) -> None:
    queue.put(measure(name, n, runs))


def in_fresh_process(name: str, n: int, runs: int) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    queue = context.Queue()
    process = context.Process(target=_child, args=(name, n, runs, queue))
    process.start()
    result: dict[str, Any] = queue.get(timeout=600)
    process.join()
    return result


CASES = [
    ("baseline", "first check (baseline): every record added"),
    ("identical", "unchanged, scraped byte for byte the same"),
    ("ignored", "unchanged but for time stamps and counts the 2 ignore patterns remove"),
    ("busy", "as above, and 1 % changed, 1 % added, 1 % gone"),
    ("text", "{pages:,} pages as Markdown (3 KB, 40 lines): time stamps ignored, 10 % rewrote a paragraph"),
    ("page", "one page of 20,000 lines, every 100th line edited"),
]


def run(quick: bool = False) -> str:
    n, runs = (2_000, 1) if quick else (RECORDS, 5)
    load = os.getloadavg()[0]
    rows = []
    for name, label in CASES:
        m = in_fresh_process(name, n, runs)
        rows.append(
            f"| {label.format(pages=n // 10)} | {m['previous']:,} -> {m['records']:,} | {m['seconds'] * 1000:,.0f} ms "
            f"| {m['rss_mb']:.1f} | {m['traced_mb']:.1f} | {m['writes']:,} | {m['found']} |"
        )
    table = "\n".join(rows)
    return f"""## Monitors: diffing a snapshot ({stamp()})

`backend_fastapi.monitors.diff.compare` on one core: the last good snapshot against a new check's
records, keyed by URL. Records are shop listings of 11 fields (strings, numbers, booleans, a list);
the rules ignore `{IGNORE[0]}` and `{IGNORE[1]}`, and each record's "seen" field
moves between checks where the case says so. Time is the median of {runs} runs; "RSS growth" is how
far the process's peak RSS rose during a run with the inputs already in memory; "traced peak" is the
most Python memory allocated at once during a run (tracemalloc). "Rows to write" is how many snapshot
records the store writes after the check: unchanged records are not written again. The target is
under 1 s and under 100 MB for 10,000 records against 10,000.

| Case | Records (previous -> now) | Time | RSS growth MB | Traced peak MB | Rows to write | Found |
|---|---|---:|---:|---:|---:|---|
{table}

{machine()}; load average {load:.1f} when the run started (other work on the machine slows every row alike).
"""


if __name__ == "__main__":
    update_section(NAME, run())
