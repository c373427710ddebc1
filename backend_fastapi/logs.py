"""Logging, configured once per entry point: plain or JSON lines, the job id on every worker line.

Events are dotted names (`job.completed`) and their fields go in `extra=`, so both formats carry
the same information.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextvars import ContextVar

current_job_id: ContextVar[str | None] = ContextVar("current_job_id", default=None)

# Attributes every LogRecord has; anything else on a record came from `extra=`.
_STANDARD = set(logging.LogRecord("", 0, "", 0, "", None, None).__dict__) | {
    "message",
    "asctime",
    "job_id",
    "color_message",
}


# A team API key (`apikeys.py`) that reached a log line anyway (an exception quoting a header, a
# URL someone pasted a key into) is cut to its prefix: keys never appear in logs.
_API_KEY = re.compile(r"(dok_[A-Za-z0-9_-]{8})[A-Za-z0-9_-]{12,}")


def redact_keys(line: str) -> str:
    return _API_KEY.sub(r"\1***", line) if "dok_" in line else line


class _JobIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.job_id = current_job_id.get()
        return True


def _extras(record: logging.LogRecord) -> dict[str, object]:
    return {k: v for k, v in record.__dict__.items() if k not in _STANDARD and not k.startswith("_")}


class PlainFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(record.created))
        parts = [f"{stamp} {record.levelname:<7} {record.name}: {record.getMessage()}"]
        job_id = getattr(record, "job_id", None)
        if job_id:
            parts.append(f"job_id={job_id}")
        parts.extend(f"{k}={v}" for k, v in _extras(record).items())
        line = " ".join(parts)
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return redact_keys(line)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, object] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "event": record.getMessage(),
        }
        job_id = getattr(record, "job_id", None)
        if job_id:
            body["job_id"] = job_id
        body.update(_extras(record))
        if record.exc_info:
            body["exc"] = self.formatException(record.exc_info)
        return redact_keys(json.dumps(body, default=str))


def configure_logging(level: str = "INFO", fmt: str = "plain") -> None:
    """Send all logs to stderr in the chosen format; safe to call again (replaces the handler)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else PlainFormatter())
    handler.addFilter(_JobIdFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # uvicorn installs its own handlers; route its records through ours instead.
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        uv = logging.getLogger(name)
        uv.handlers.clear()
        uv.propagate = True
    logging.getLogger("uvicorn.access").setLevel("WARNING" if level != "DEBUG" else "DEBUG")
    # Alembic narrates every plugin it loads; `db.migrated` says what matters.
    logging.getLogger("alembic").setLevel("WARNING")
