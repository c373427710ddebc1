"""The capability probe, a child of the worker: `python -P -m backend_fastapi.worker.probe KINDS_JSON PID`.

For each kind it imports what the kind's jobs import and runs its check (the browser: launch
Chromium, open a blank page, close it), then prints `{"kind": ..., "status": "ok" | reason}` as one
line. Everything it loaded (pandas, Playwright, Chromium) goes away when it exits, so checking
costs the worker no memory. `run_probe` is the worker's side.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sys
from collections.abc import Mapping
from typing import Any

import orjson

from backend_fastapi.capabilities import OK, Kind, short_reason
from backend_fastapi.child_python import die_with_parent, python_command, python_env

log = logging.getLogger(__name__)

MODULE = "backend_fastapi.worker.probe"
# Generous: on a loaded two-core box Chromium's first start has been seen to take 10 s.
PROBE_TIMEOUT_SECONDS = 120.0
STDERR_TAIL = 500


def check_kind(kind: Kind, settings: Any) -> str:
    """ "ok", or why this process cannot run the kind's jobs."""
    from backend_fastapi.worker.registry import load_object

    try:
        for target in kind.loads:
            load_object(target)
        if kind.check is not None:
            asyncio.run(load_object(kind.check)(settings))
    except Exception as exc:
        return short_reason(getattr(exc, "message", None) or str(exc) or type(exc).__name__)
    return OK


def main(argv: list[str]) -> int:
    # A worker killed while its probe runs takes the probe (and so its Chromium) with it.
    die_with_parent(int(argv[1]))
    from backend_fastapi.settings import get_settings

    settings = get_settings()
    for name, fields in orjson.loads(argv[0]).items():
        kind = Kind(fields["label"], tuple(fields["job_types"]), tuple(fields["loads"]), fields["check"])
        status = check_kind(kind, settings)
        sys.stdout.write(orjson.dumps({"kind": name, "status": status}).decode() + "\n")
        sys.stdout.flush()
    return 0


async def run_probe(kinds: Mapping[str, Kind], timeout: float = PROBE_TIMEOUT_SECONDS) -> dict[str, str]:
    """Check `kinds` in a child process; a kind the child did not answer for gets the reason why."""
    spec = {
        name: {"label": k.label, "job_types": k.job_types, "loads": k.loads, "check": k.check}
        for name, k in kinds.items()
    }
    proc = await asyncio.create_subprocess_exec(
        *python_command(MODULE, orjson.dumps(spec).decode(), str(os.getpid())),
        env=python_env(),
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    answers: dict[str, str] = {}

    async def read() -> bytes:
        assert proc.stdout is not None
        assert proc.stderr is not None
        stderr = asyncio.ensure_future(proc.stderr.read())
        async for line in proc.stdout:
            try:
                answer = orjson.loads(line)
                answers[str(answer["kind"])] = str(answer["status"])
            except (orjson.JSONDecodeError, KeyError, TypeError):
                continue
        await proc.wait()
        return await stderr

    missing = "the capability check did not finish"
    try:
        stderr = await asyncio.wait_for(read(), timeout)
        if proc.returncode:
            tail = stderr.decode(errors="replace").strip()[-STDERR_TAIL:]
            missing = f"the capability check exited with code {proc.returncode}: {short_reason(tail)}"
    except TimeoutError:
        missing = f"the capability check did not finish within {timeout:g} s"
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    return {name: answers.get(name, missing) for name in kinds}


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
