"""Job type -> handler, as `"module:function"` strings imported on first use, and its payload model.

The worker process starts small: the scraping code (parsers, HTTP client, Playwright) is
imported by the first scrape job, pandas by the first pipeline job, never before.
"""

from __future__ import annotations

import gc
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from pydantic import BaseModel, ValidationError

from backend_fastapi.errors import InvalidPayload, PermanentJobError, UnknownJobType
from backend_fastapi.jobtypes import BUILTIN_HANDLERS as BUILTIN_HANDLERS
from backend_fastapi.jobtypes import load_object as load_object
from backend_fastapi.jobtypes import payload_model
from backend_fastapi.schemas.common import JobPayload, blocked_address_in

if TYPE_CHECKING:
    from backend_fastapi.worker.context import JobContext

log = logging.getLogger(__name__)

# A built-in handler returns its type's result model; a plugin may return a plain dict.
Handler = Callable[["JobContext[Any]"], Awaitable[BaseModel | dict[str, Any] | None]]


def parse_handler_specs(specs: Iterable[str]) -> dict[str, str]:
    """`WORKER_HANDLERS` entries `type=module:function` (plugins, or test handlers)."""
    parsed: dict[str, str] = {}
    for spec in specs:
        job_type, sep, target = spec.partition("=")
        if not sep or ":" not in target:
            raise ValueError(f"WORKER_HANDLERS entry {spec!r} is not 'type=module:function'")
        parsed[job_type.strip()] = target.strip()
    return parsed


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

    def parse_payload(self, job_type: str, payload: dict[str, Any]) -> JobPayload | dict[str, Any]:
        """The payload as its type's model, validated here once; a plugin's handler (also one that
        replaces a built-in type's) gets the JSON as it was stored.

        A payload that does not validate fails the job for good: `InvalidPayload`, or
        `BlockedAddress` when the address guard refused a URL in it.
        """
        model = (
            payload_model(job_type) if self.targets.get(job_type) == BUILTIN_HANDLERS.get(job_type) else None
        )
        if model is None:
            return payload
        try:
            return model.model_validate(payload)
        except ValidationError as exc:
            if (blocked := blocked_address_in(exc)) is not None:
                raise blocked from exc
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first.get("loc", ()))
            raise InvalidPayload(f"Invalid {job_type} payload: {where}: {first.get('msg')}") from exc
