"""Log calls never pass an `extra` field that LogRecord already has: logging raises KeyError on
those at the moment of logging, which is usually an error path that tests rarely reach."""

from __future__ import annotations

import ast
import logging
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "backend_fastapi"
RESERVED = set(vars(logging.LogRecord("n", logging.INFO, "p", 1, "m", (), None))) | {"message", "asctime"}


def extra_keys() -> list[tuple[str, int, str]]:
    found = []
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if not isinstance(node, ast.Call):
                continue
            for keyword in node.keywords:
                if keyword.arg == "extra" and isinstance(keyword.value, ast.Dict):
                    for key in keyword.value.keys:
                        if isinstance(key, ast.Constant) and isinstance(key.value, str):
                            found.append((str(path.relative_to(PACKAGE)), node.lineno, key.value))
    return found


def test_the_scan_sees_the_log_calls() -> None:
    assert len(extra_keys()) > 50


def test_no_log_call_overwrites_a_log_record_attribute() -> None:
    clashes = [f"{file}:{line} extra key {key!r}" for file, line, key in extra_keys() if key in RESERVED]
    assert not clashes, clashes
