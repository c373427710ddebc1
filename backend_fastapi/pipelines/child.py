"""The pipeline's own process: `python -m backend_fastapi.pipelines.child SPEC.json`.

pandas is imported here and nowhere in the worker, so the worker's memory is back at its idle
size as soon as this process exits. It reads the spec the parent wrote (a `ChildSpec`), runs the
engine, writes `result.json` next to the spec (`{"ok": true, "result"}` or `{"ok": false, "error"}`), and
reports progress as one JSON object per line on stdout. The parent watches its memory and
kills it past PIPELINE_MEMORY_LIMIT_MB.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import orjson

from backend_fastapi.child_python import die_with_parent
from backend_fastapi.errors import JobError
from backend_fastapi.pipelines.child_spec import ChildSpec

log = logging.getLogger("backend_fastapi.pipelines.child")

RESULT_FILE = "result.json"


def _emit(message: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(message) + b"\n")
    sys.stdout.buffer.flush()


def _write_result(path: Path, body: dict[str, Any]) -> None:
    partial = path.with_suffix(".partial")
    partial.write_bytes(orjson.dumps(body, option=orjson.OPT_SERIALIZE_NUMPY, default=str))
    partial.replace(path)


def main(argv: list[str]) -> int:
    """Run the spec named on the command line; the outcome goes to result.json."""
    spec_path = Path(argv[1])
    raw = orjson.loads(spec_path.read_bytes())
    die_with_parent(int(raw.get("parent_pid") or os.getppid()))
    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    result_path = spec_path.with_name(RESULT_FILE)
    try:
        spec = ChildSpec.model_validate(raw)
        import pyarrow

        # Arrow's own allocator keeps freed buffers for reuse; the system's returns large ones at
        # once, so the memory limit measures live data rather than a pool's high-water mark.
        pyarrow.set_memory_pool(pyarrow.system_memory_pool())
        from backend_fastapi.pipelines import engine

        body: dict[str, Any] = {"ok": True, "result": engine.run(spec, _emit)}
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
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
