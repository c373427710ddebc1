"""One pipeline run inside its own process (a child forked by `pipelines.forkserver`).

pandas lives in that process and never in the worker, so the worker's memory stays at its idle
size. The run reads the spec the worker wrote (a `ChildSpec`), runs the engine, writes
`result.json` next to the spec (`{"ok": true, "result"}` or `{"ok": false, "error"}`) and reports
progress through `emit`. The worker watches its memory and kills it past PIPELINE_MEMORY_LIMIT_MB.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson

from backend_fastapi.errors import JobError
from backend_fastapi.pipelines.child_spec import ChildSpec

log = logging.getLogger("backend_fastapi.pipelines.child")

RESULT_FILE = "result.json"
LOG_FILE = "child.log"
Emit = Callable[[dict[str, Any]], None]


def _write_result(path: Path, body: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_bytes(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY, default=str))
    partial.replace(path)


def run_spec(spec_path: Path, emit: Emit) -> None:
    """Run the spec at `spec_path`; the outcome goes to result.json beside it."""
    result_path = spec_path.with_name(RESULT_FILE)
    try:
        spec = ChildSpec.model_validate_json(spec_path.read_bytes())
        from backend_fastapi.pipelines import engine

        body: dict[str, Any] = {"ok": True, "result": engine.run(spec, emit)}
    except JobError as exc:
        body = {"ok": False, "error": {"code": exc.code, "message": exc.message, "details": exc.details}}
    except MemoryError:
        body = {
            "ok": False,
            "error": {"code": "memory_limit", "message": "The pipeline ran out of memory.", "details": None},
        }
    except Exception as exc:
        log.exception("pipeline.crashed")
        body = {
            "ok": False,
            "error": {"code": "pipeline_crashed", "message": f"{type(exc).__name__}: {exc}", "details": None},
        }
    _write_result(result_path, body)
