"""`dataops scrape URL --field title:string ...`: a scrape from the shell, through the API.

It sends `POST /api/scrape` to a running DataOps (`--api`, else DATAOPS_URL, else this host's API
port) with the API key (`--key`, else DATAOPS_API_KEY, else API_KEY). Without `--wait` it prints the
job id; with it, it waits for the job and prints its records (`--format json|jsonl|csv`, or writes
them to `-o FILE`). Exit codes: 0 done, 1 the job failed or was cancelled (its error on stderr), 2
the request was refused or the API could not be reached.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from backend_fastapi.settings import Settings

if TYPE_CHECKING:
    import httpx

FORMATS = ("json", "jsonl", "csv")
FIELD_TYPES = ("string", "number", "integer", "boolean", "date", "datetime", "url", "html")
FINISHED = ("completed", "failed", "cancelled")
# The scrape request waits at most this long for the job (the API caps `?wait=` too); then the job
# is polled every POLL_SECONDS, as the web app does.
WAIT_STEP_SECONDS = 30.0
POLL_SECONDS = 1.0


class CommandError(Exception):
    """What the command says on stderr before exiting with `code`."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


def add_parser(sub: Any) -> None:
    """The `scrape` subcommand's arguments."""
    p = sub.add_parser("scrape", help="scrape a page through a running DataOps API")
    p.add_argument("url")
    p.add_argument(
        "--field",
        action="append",
        default=[],
        metavar="NAME[:TYPE]",
        help=f"a field found by meaning, of a type ({', '.join(FIELD_TYPES)}, list[...]); repeat it",
    )
    p.add_argument("--schema", type=Path, help="a JSON file with the schema (any form the API takes)")
    strategy = p.add_mutually_exclusive_group()
    strategy.add_argument("--dynamic", action="store_true", help="render the page in the browser")
    strategy.add_argument("--auto", action="store_true", help="the browser only when the page needs it")
    p.add_argument(
        "--wait",
        nargs="?",
        type=float,
        const=300.0,
        metavar="SECONDS",
        help="wait for the job (default 300 s) and print its records instead of its id",
    )
    p.add_argument("--format", choices=FORMATS, default="json", help="how records are printed (--wait)")
    p.add_argument("-o", "--output", type=Path, help="write the records to this file instead")
    p.add_argument("--api", help="the API's address (default DATAOPS_URL, else http://127.0.0.1:API_PORT)")
    p.add_argument("--key", help="the API key (default DATAOPS_API_KEY, else API_KEY)")
    p.set_defaults(func=cmd_scrape)


def build_request(args: argparse.Namespace) -> dict[str, Any]:
    """The `POST /api/scrape` body the arguments describe."""
    schema: dict[str, Any] = {}
    if args.schema is not None:
        try:
            loaded = json.loads(args.schema.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise CommandError(f"--schema {args.schema}: {exc}") from exc
        if not isinstance(loaded, dict):
            raise CommandError(f"--schema {args.schema}: the schema must be a JSON object")
        schema.update(loaded)
    for field in args.field:
        name, _, kind = field.partition(":")
        if not name.strip():
            raise CommandError(f"--field {field!r}: a field needs a name (NAME or NAME:TYPE)")
        schema[name.strip()] = kind.strip() or "string"
    if not schema:
        raise CommandError("say what to extract: --field NAME[:TYPE] (repeatable) or --schema FILE")
    strategy = "dynamic" if args.dynamic else "auto" if args.auto else "static"
    return {"url": args.url, "schema": schema, "strategy": strategy}


def cmd_scrape(args: argparse.Namespace, settings: Settings) -> int:
    base = (args.api or os.environ.get("DATAOPS_URL") or f"http://127.0.0.1:{settings.API_PORT}").rstrip("/")
    key = args.key or os.environ.get("DATAOPS_API_KEY") or settings.API_KEY
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        # Imported here: `dataops` starts the API and workers too, whose images need no HTTP client.
        import httpx
    except ImportError:
        sys.stderr.write("dataops scrape: the httpx package is needed (pip install httpx)\n")
        return 2
    try:
        body = build_request(args)
        with httpx.Client(base_url=base, headers=headers, timeout=WAIT_STEP_SECONDS + 30) as client:
            # With --wait, the API itself holds the answer until the job is done (or the step is up).
            params = {"wait": min(args.wait, WAIT_STEP_SECONDS)} if args.wait is not None else {}
            job = _answer(client.post("/api/scrape", json=body, params=params))
            if args.wait is None:
                sys.stdout.write(f"{job['job_id']}\n")
                return 0
            job = _wait(client, job, args.wait)
            if job["status"] != "completed":
                error = job.get("error") or {}
                why = f"{error.get('code', '')} {error.get('message', '')}".strip()
                raise CommandError(f"job {job['job_id']} {job['status']}: {why}", code=1)
            response = client.get(f"/api/jobs/{job['job_id']}/results", params={"format": args.format})
            if response.status_code != 200:
                _answer(response)
            if args.output is not None:
                args.output.write_bytes(response.content)
                sys.stderr.write(f"{job['job_id']}: records written to {args.output}\n")
            else:
                sys.stdout.buffer.write(response.content)
                if not response.content.endswith(b"\n"):
                    sys.stdout.write("\n")
            return 0
    except CommandError as exc:
        sys.stderr.write(f"dataops scrape: {exc.message}\n")
        return exc.code
    except httpx.HTTPError as exc:
        sys.stderr.write(f"dataops scrape: the API at {base} could not be reached: {exc}\n")
        return 2


def _answer(response: httpx.Response) -> dict[str, Any]:
    """The JSON body of a successful answer; the API's error (code, message, details) otherwise."""
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code >= 400:
        error = body.get("error", {}) if isinstance(body, dict) else {}
        message = error.get("message") or response.text[:200] or response.reason_phrase
        details = error.get("details")
        where = f" ({json.dumps(details)[:300]})" if details else ""
        raise CommandError(f"{response.status_code} {error.get('code', 'error')}: {message}{where}")
    if not isinstance(body, dict):
        raise CommandError(f"unexpected answer from the API: {response.text[:200]}")
    return body


def _wait(client: httpx.Client, job: dict[str, Any], seconds: float) -> dict[str, Any]:
    """The job once finished, polled every POLL_SECONDS (304 while nothing changed), within `seconds`."""
    deadline = time.monotonic() + seconds
    etag = ""
    while job.get("status") not in FINISHED:
        if time.monotonic() > deadline:
            raise CommandError(
                f"job {job['job_id']} is still {job.get('status')} after {seconds:g} s", code=1
            )
        time.sleep(POLL_SECONDS)
        response = client.get(f"/api/jobs/{job['job_id']}", headers={"If-None-Match": etag} if etag else {})
        if response.status_code == 304:
            continue
        job = _answer(response)
        etag = response.headers.get("ETag", "")
    return job
