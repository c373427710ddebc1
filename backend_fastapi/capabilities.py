"""What a worker can run: kinds of work, how each is checked, and how a failure is told.

A worker checks every kind it is configured for once at start-up, in a child process (see
`probe.py`: the worker itself keeps its lazy imports and never holds the probe's Chromium), and
stores the answer in its `workers` row: `{kind: "ok" | reason}`. `/health`, `dataops health
--worker` and the web app read it from there. Light on purpose: the API imports this module.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from backend_fastapi.jobtypes import BUILTIN_HANDLERS, JobType

OK = "ok"
BROWSER = "scrape.browser"
# The error code of `scraping.errors.BrowserUnavailable`: a job that failed with it is evidence
# that this worker's browser cannot start.
BROWSER_UNAVAILABLE_CODE = "browser_unavailable"
REASON_MAX_CHARS = 300


@dataclass(frozen=True)
class Kind:
    """One kind of work: the job types that need it and what the probe loads or runs to check it."""

    label: str
    job_types: tuple[str, ...]
    loads: tuple[str, ...] = ()
    # "module:function", an async function taking Settings that raises when the kind cannot run.
    check: str | None = None


_SCRAPES = (JobType.SCRAPE_PAGE, JobType.SCRAPE_CRAWL, JobType.SCRAPE_BATCH)
BUILTIN_KINDS: dict[str, Kind] = {
    "scrape.static": Kind("static scraping", _SCRAPES, (BUILTIN_HANDLERS[JobType.SCRAPE_PAGE],)),
    BROWSER: Kind("browser", _SCRAPES, check="backend_fastapi.scraping.browser:probe"),
    "pipeline": Kind(
        "pipelines",
        (JobType.PIPELINE_RUN, JobType.PIPELINE_PREVIEW),
        # The engine (pandas) runs in the pipeline's own process; loading it here checks that.
        (BUILTIN_HANDLERS[JobType.PIPELINE_RUN], "backend_fastapi.pipelines.engine:run"),
    ),
    "webhook": Kind("webhooks", (JobType.WEBHOOK_DELIVER,), (BUILTIN_HANDLERS[JobType.WEBHOOK_DELIVER],)),
}


def configured_kinds(targets: Mapping[str, str]) -> dict[str, Kind]:
    """The kinds a worker with these handlers (`job type -> "module:function"`) must be able to run.

    A built-in handler brings its built-in kinds; any other handler (WORKER_HANDLERS) is a kind
    of its own, named by its job type and checked by importing it.
    """
    kinds: dict[str, Kind] = {}
    for job_type, target in targets.items():
        if BUILTIN_HANDLERS.get(job_type) == target:
            kinds.update({name: k for name, k in BUILTIN_KINDS.items() if job_type in k.job_types})
        else:
            kinds[str(job_type)] = Kind(str(job_type), (job_type,), (target,))
    return kinds


def label(kind: str) -> str:
    """How people call a kind ("browser" for scrape.browser)."""
    builtin = BUILTIN_KINDS.get(kind)
    return builtin.label if builtin else kind


def problem(kind: str, reason: str) -> str:
    """The one-line message for a kind that cannot run: "browser unavailable: <reason>"."""
    return f"{label(kind)} unavailable: {reason}"


def short_reason(text: str) -> str:
    """A reason fit for a status line: one line, bounded."""
    line = " ".join(text.split())
    return line if len(line) <= REASON_MAX_CHARS else line[: REASON_MAX_CHARS - 1] + "…"


def unavailable(capabilities: Mapping[str, str] | None) -> dict[str, str]:
    """The kinds of one worker that cannot run, with their reasons."""
    return {kind: reason for kind, reason in (capabilities or {}).items() if reason != OK}
