"""How DataOps starts a Python child process (a pipeline, a capability probe, `dataops up`'s services).

`python -m module` puts the current directory first on `sys.path`, so a child started from inside
`backend_fastapi/` (where `.env` lives) would import any module there named like the standard
library's. Children run with `-P` (no unsafe path entry) and find DataOps through `PYTHONPATH`,
which names the directory that holds the package, whether or not it is installed.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
from collections.abc import Mapping
from importlib.machinery import PathFinder
from pathlib import Path

_PR_SET_PDEATHSIG = 1

# The directory that holds the `backend_fastapi` package (the checkout, or site-packages).
PACKAGE_PARENT = str(Path(__file__).resolve().parent.parent)


def python_command(module: str, *args: str) -> list[str]:
    """argv for `python -P -m module args...` with this interpreter."""
    return [sys.executable, "-P", "-m", module, *args]


def python_env(base: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment for such a child: `base` (default: this process's) with DataOps importable."""
    env = dict(os.environ if base is None else base)
    paths = [p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
    if not _on_safe_path() and PACKAGE_PARENT not in paths:
        env["PYTHONPATH"] = os.pathsep.join([*paths, PACKAGE_PARENT])
    return env


def _on_safe_path() -> bool:
    """Whether a `-P` child finds the package without help (installed, or already on PYTHONPATH).

    Only then is nothing added: a PYTHONPATH entry comes before the standard library, so naming
    site-packages there would let any installed distribution shadow a standard module.
    """
    # An editable install maps the package with a finder of its own, loaded from site-packages.
    for finder in sys.meta_path:
        if finder is not PathFinder and str(getattr(finder, "__module__", "")).startswith("__editable__"):
            return True
    # Without -P, this process's first entry is its own script's or working directory.
    paths = sys.path if sys.flags.safe_path else sys.path[1:]
    return any(p and str(Path(p).resolve()) == PACKAGE_PARENT for p in paths)


def die_with_parent(parent_pid: int) -> None:
    """Let the kernel kill this child when its parent (the worker) dies, so no orphan keeps its memory.

    Called first thing in the child; `parent_pid` is the parent's pid as the parent saw it, so a
    parent that died before `prctl` took effect is noticed too.
    """
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:
        os._exit(1)
