"""The shell commands of the docs, read from their fenced `bash` blocks and run as written.

A block may be preceded by `<!-- doc-test: MODE (reason) -->`: `skip` (not run), `stopped` (run
after the services stopped) or `docker` (run by the container test against a real compose stack);
a block without a marker is run against a real API and worker (tests/integration/test_doc_commands.py).
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.processes import REPO_ROOT

BLOCK = re.compile(r"(?:<!-- doc-test: (?P<mode>[a-z]+)[^>]*-->\n)?```bash\n(?P<code>.*?)```", re.S)
PRELUDE = 'set -euo pipefail\ncurl() { command curl --fail-with-body --max-time 60 "$@"; }\n'
DEFAULT_URL = "http://127.0.0.1:8000"


@dataclass(frozen=True)
class Block:
    doc: str
    line: int
    mode: str
    code: str


def doc_blocks(*docs: str) -> list[Block]:
    """Every fenced bash block of `docs` (paths relative to the repository), in order."""
    blocks = []
    for doc in docs:
        text = (REPO_ROOT / doc).read_text()
        for match in BLOCK.finditer(text):
            line = text[: match.start()].count("\n") + 1
            blocks.append(Block(doc, line, match.group("mode") or "run", match.group("code")))
    return blocks


def run_block(
    block: Block,
    env: dict[str, str],
    cwd: Path,
    replace: dict[str, str],
    prelude: str = "",
    timeout: float = 120,
) -> str:
    """Run `block` in bash (strict mode, a failing curl) after the `replace` substitutions; its stdout."""
    code = block.code
    for old, new in replace.items():
        code = code.replace(old, new)
    result = subprocess.run(
        ["bash", "-c", PRELUDE + prelude + code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, (
        f"{block.doc}:{block.line} failed ({result.returncode}):\n{code}\n--- stdout\n{result.stdout}\n"
        f"--- stderr\n{result.stderr}"
    )
    return result.stdout
