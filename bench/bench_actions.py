"""Browser actions at WORKER_CONCURRENCY=2: memory of the worker with its browser, jobs/s, job time.

A real API and worker; jobs posted over HTTP against the loopback action site the tests use: a
"load more" button clicked until it goes (50 items, 5 clicks), an infinite list scrolled until it
stops growing (100 rows), a tabbed page read by a `scrape` action per tab (3 records). PSS is of
the worker with all its processes (Playwright's driver, every Chromium process), sampled while the
measured jobs run; the issue's target is under 450 MB.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from backend_fastapi.chromium import find_chromium
from bench.common import PeakPss, PeakRss, machine, percentile, stamp, update_section
from bench.services import service_env, start_api, start_worker
from tests.support.action_site import LOAD_MORE_TOTAL, SCROLL_TOTAL, action_site

NAME = "actions"
CONCURRENCY = 2
TARGET_MB = 450
TABS = ["specs", "reviews", "shipping"]


@dataclass(frozen=True)
class Kind:
    """One kind of page and the actions that reach its content."""

    name: str
    path: str
    body: dict[str, Any]
    # Whether a finished job's body holds all the content the page hides.
    complete: Callable[[dict[str, Any]], bool]


KINDS = [
    Kind(
        "load more: click `#more` (repeat 20) until it goes",
        "/load-more",
        {
            "schema": {"items": {"selector": "li.item", "many": True}},
            "actions": [{"type": "click", "selector": "#more", "repeat": 20}],
        },
        lambda job: len(job["result"]["data"]["items"]) == LOAD_MORE_TOTAL,
    ),
    Kind(
        "infinite list: scroll until the end",
        "/infinite",
        {
            "schema": {"rows": {"selector": ".row", "many": True}},
            "actions": [{"type": "scroll", "until": "end", "max_scrolls": 50}],
        },
        lambda job: len(job["result"]["data"]["rows"]) == SCROLL_TOTAL,
    ),
    Kind(
        "tabs: a `scrape` per tab, two clicks",
        "/tabs",
        {
            "schema": {"tab": ".panel-title", "body": ".body"},
            "actions": [
                {"type": "scrape"},
                {"type": "click", "selector": "#tab-reviews"},
                {"type": "scrape"},
                {"type": "click", "selector": "#tab-shipping"},
                {"type": "scrape"},
            ],
        },
        lambda job: (
            job["result"]["data"]["tab"] == TABS[-1] and all(a["ok"] for a in job["result"]["actions"])
        ),
    ),
]


# Measured 2026-12-04 on the machine of the section while finding where the memory goes: the peak
# split by process, and what was tried against it (runs of 18 to 66 jobs).
WHERE_IT_GOES = """Where the memory goes, at the PSS peak of a typical run (437 MB): Playwright's Node.js driver
126-132 MB (about 50 MB of it the pages of the Node binary itself, which no other process of the
stack maps: 26 MB of its code, 16 MB of its read-only data such as ICU), Chromium's browser process
90 MB (its network service and compositor run in it), the Python worker 85-88 MB, the two jobs'
renderers 100 MB and Chromium's two zygotes 35 MB. Actions add little to the light pages of the
dynamic bench: the renderers hold a little more while they click and scroll.

A context (and its renderer) is opened ahead for the next job only while a job slot is free, and
when a page closes: before, a spare was opened beside WORKER_CONCURRENCY pages in use and, while a
finished page's renderer was still exiting, four renderers were alive at once. Twelve runs then
gave 417-470 MB (median 436 MB); seven runs since gave 436-445 MB (the median over each run's
samples 426-429 MB), and light pages' job time p50 went from 196 to 239 ms in the dynamic bench
(same machine, same hour). What else was tried:

| change | peak PSS | cost |
| --- | --- | --- |
| no context opened ahead at all | 417 / 420 MB | each job waits for its context to open |
| driver with `--jitless` (`NODE_OPTIONS`) | 406 / 421 MB | light pages' job time p50 268 -> 365-450 ms: not taken |
| driver with `MALLOC_ARENA_MAX=2`, `--max-old-space-size=40` or `--v8-pool-size=0` | 426-452 MB | within the noise: not taken |
| renderers with `--js-flags=--max-lazy --optimize-for-size`, Chromium features off (back-forward cache, paint holding, media router, translate, lazy frame loading) | 442 / 445 MB | no change: not taken |

PSS also falls when another browser or Node.js process on the machine maps the same binaries
(runs beside other test suites measured 340-360 MB): compare runs made on a quiet machine."""


@dataclass
class Run:
    """The measured jobs' bodies and the memory peaks while they ran."""

    jobs: list[tuple[Kind, dict[str, Any]]]
    rss: int
    pss: int
    parts: dict[str, int]
    # Processes outside the worker that ran its Chromium or Node.js binaries (see `_other_stacks`).
    others: int = 0

    def seconds(self) -> float:
        """From the first job's start to the last one's end, by the jobs' own clock."""
        starts = [_at(job["started_at"]) for _, job in self.jobs]
        ends = [_at(job["finished_at"]) for _, job in self.jobs]
        return max(ends) - min(starts)


def _other_stacks(pid: int) -> int:
    """Processes on the machine outside process `pid`'s tree that run one of its tree's Chromium
    or Node.js binaries: they share those binaries' pages and so lower the tree's PSS."""
    import psutil

    tree = [psutil.Process(pid), *psutil.Process(pid).children(recursive=True)]
    mine = {p.pid for p in tree}
    binaries = set()
    for proc in tree:
        with contextlib.suppress(psutil.Error):
            if proc.name().startswith(("chrom", "node")):
                binaries.add(proc.exe())
    count = 0
    for proc in psutil.process_iter(["pid", "exe"]):
        count += proc.info["pid"] not in mine and proc.info["exe"] in binaries
    return count


def _at(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def _job_seconds(job: dict[str, Any]) -> float:
    return _at(job["finished_at"]) - _at(job["started_at"])


def _times(jobs: list[dict[str, Any]]) -> str:
    seconds = [_job_seconds(job) for job in jobs]
    return f"{percentile(seconds, 50) * 1000:.0f} ms | {percentile(seconds, 95) * 1000:.0f} ms"


def _post_and_wait(
    client: httpx.Client, bodies: list[dict[str, Any]], timeout: float
) -> list[dict[str, Any]]:
    """Post every scrape, then wait for them all, polling one job at a time: polling every job
    would take the CPU the worker is measured on."""
    ids = []
    for body in bodies:
        response = client.post("/api/scrape", json=body)
        response.raise_for_status()
        ids.append(response.json()["job_id"])
    deadline = time.monotonic() + timeout
    pending = list(ids)
    while pending:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{len(pending)} jobs did not finish")
        if client.get(f"/api/jobs/{pending[0]}").json()["status"] in ("completed", "failed", "cancelled"):
            pending.pop(0)
            continue
        time.sleep(0.2)
    return [client.get(f"/api/jobs/{job_id}").json() for job_id in ids]


def measure(count: int) -> Run:
    """`count` jobs, the kinds in turn, through a fresh API and worker (after a warm-up job per kind)."""
    with action_site() as site, tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        env = service_env(
            f"sqlite+aiosqlite:///{tmp / 'bench.db'}",
            tmp,
            SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.port}",
            WORKER_CONCURRENCY=str(CONCURRENCY),
        )
        api, base = start_api(env, tmp)
        worker = start_worker(env, tmp)

        def body(kind: Kind) -> dict[str, Any]:
            return {"url": f"{site.url}{kind.path}", "strategy": "dynamic", **kind.body}

        try:
            with httpx.Client(base_url=base, timeout=30) as client:
                _post_and_wait(client, [body(kind) for kind in KINDS], 300)
                kinds = [KINDS[i % len(KINDS)] for i in range(count)]
                pss = PeakPss([worker.pid], interval=0.2)
                with PeakRss([worker.pid]) as rss, pss:
                    jobs = _post_and_wait(client, [body(kind) for kind in kinds], 900)
                    others = _other_stacks(worker.pid)
        finally:
            worker.terminate()
            worker.wait(30)
            api.terminate()
            api.wait(30)
    return Run(list(zip(kinds, jobs, strict=True)), rss.peak, pss.peak, pss.parts, others)


def run(quick: bool = False) -> str:
    """The Markdown section: per kind of page and in all, job time, jobs/s and peak memory."""
    measured = measure(12 if quick else 66)
    done = [job for _, job in measured.jobs if job["status"] == "completed"]
    seconds = measured.seconds()
    rows = []
    for kind in KINDS:
        jobs = [job for k, job in measured.jobs if k is kind]
        complete = sum(1 for job in jobs if job["status"] == "completed" and kind.complete(job))
        rows.append(f"| {kind.name} | {len(jobs)} | {complete} | {_times(jobs)} |")
    split = ", ".join(f"{part} {size / 2**20:.0f} MB" for part, size in sorted(measured.parts.items()))
    pss_mb = round(measured.pss / 2**20)
    verdict = "within" if pss_mb < TARGET_MB else "not within"
    lines = [
        f"## Browser actions ({stamp()}{', quick' if quick else ''})",
        "",
        f"{machine()}; a `dataops api` and one `dataops worker` at WORKER_CONCURRENCY={CONCURRENCY}, "
        f"browser `{find_chromium() or 'Playwright bundled'}`, jobs posted over HTTP against the "
        "loopback pages of the actions tests (the browser warm: one job per kind ran first). Job time "
        "is `finished_at - started_at` of each job; RSS and PSS are of the worker with all its "
        "processes (Playwright's driver, every Chromium process), sampled every 0.2 s while the jobs "
        "ran. Command: `.venv/bin/python -m bench.bench_actions`.",
        "",
        "| page and actions | jobs | with all the content | job time p50 | job time p95 |",
        "| --- | --- | --- | --- | --- |",
        *rows,
        "",
        "| jobs | completed | seconds | jobs/s | job time p50 | job time p95 | peak RSS | peak PSS |",
        "| --- | --- | --- | --- | --- | --- | --- | --- |",
        f"| {len(measured.jobs)} | {len(done)} | {seconds:.1f} | {len(measured.jobs) / seconds:.2f} "
        f"| {_times([job for _, job in measured.jobs])} | {measured.rss / 2**20:.0f} MB | {pss_mb} MB |",
        "",
        f"At the PSS peak: {split}. Target: worker plus browser under {TARGET_MB} MB PSS "
        f"({verdict} it in this run). Other processes of the same Chromium and Node.js binaries on "
        f"the machine at the end of the run: {measured.others}.",
        "",
        WHERE_IT_GOES,
    ]
    return "\n".join(lines)


def main() -> None:
    update_section(NAME, run(quick="--quick" in sys.argv))


if __name__ == "__main__":
    main()
