"""Job type -> handler, as `"module:function"` strings imported on first use.

The worker process starts small: the scraping code (parsers, HTTP client, Playwright) is
imported by the first scrape job, pandas by the first pipeline job, never before.
"""

from __future__ import annotations

import gc
import importlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from backend_fastapi.errors import PermanentJobError, UnknownJobType

if TYPE_CHECKING:
    from backend_fastapi.worker.context import JobContext

log = logging.getLogger(__name__)

Handler = Callable[["JobContext"], Awaitable[dict[str, Any] | None]]

BUILTIN_HANDLERS: dict[str, str] = {
    "scrape.page": "backend_fastapi.scraping.handler:run_scrape_job",
    "scrape.crawl": "backend_fastapi.scraping.handler:run_scrape_job",
    "pipeline.run": "backend_fastapi.pipelines.handler:run_pipeline_job",
    "pipeline.preview": "backend_fastapi.pipelines.handler:run_preview_job",
    "webhook.deliver": "backend_fastapi.worker.webhooks:deliver_webhook",
}


def parse_handler_specs(specs: Iterable[str]) -> dict[str, str]:
    """`WORKER_HANDLERS` entries `type=module:function` (plugins, or test handlers)."""
    parsed: dict[str, str] = {}
    for spec in specs:
        job_type, sep, target = spec.partition("=")
        if not sep or ":" not in target:
            raise ValueError(f"WORKER_HANDLERS entry {spec!r} is not 'type=module:function'")
        parsed[job_type.strip()] = target.strip()
    return parsed


def load_object(path: str) -> Any:
    """Import `module:attribute` (scrapy's `load_object`, with a colon)."""
    module_name, _, attribute = path.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute)


class HandlerRegistry:
    def __init__(self, extra: Iterable[str] = ()) -> None:
        self.targets = {**BUILTIN_HANDLERS, **parse_handler_specs(extra)}
        self._loaded: dict[str, Handler] = {}

    def resolve(self, job_type: str) -> Handler:
        """The handler of `job_type`, importing its module the first time it is asked for."""
        handler = self._loaded.get(job_type)
        if handler is not None:
            return handler
        target = self.targets.get(job_type)
        if target is None:
            raise UnknownJobType(f"No handler is registered for job type {job_type!r}.")
        try:
            handler = cast(Handler, load_object(target))
        except (ImportError, AttributeError) as exc:
            log.exception("worker.handler_import_failed", extra={"job_type": job_type, "target": target})
            raise PermanentJobError(f"The handler for {job_type!r} cannot be loaded: {exc}") from exc
        log.info("worker.handler_loaded", extra={"job_type": job_type, "target": target})
        # The handler's modules live as long as the process: keep them out of GC passes.
        gc.freeze()
        self._loaded[job_type] = handler
        return handler
