"""No module of DataOps is named like a standard-library module, and its Python children start safely.

A process started with `backend_fastapi/` (or the checkout) first on `sys.path` would import ours
instead of the standard one: `backend_fastapi/queue.py` once broke every pipeline that way.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from backend_fastapi.child_python import python_command, python_env

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "backend_fastapi"


def _module_names(directory: Path) -> set[str]:
    names = {p.stem for p in directory.glob("*.py")}
    names |= {p.name for p in directory.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}
    return names


def test_no_module_of_any_package_folder_shadows_the_standard_library() -> None:
    # Any folder may end up first on `sys.path` (a script run from it), so every level counts.
    folders = [PACKAGE, *(p.parent for p in PACKAGE.rglob("__init__.py"))]
    names = set().union(*(_module_names(folder) for folder in folders))
    assert {"jobqueue", "store", "outbound"} <= names  # the walk sees the package's modules
    assert sorted(names & sys.stdlib_module_names) == []


def test_no_top_level_entry_of_the_checkout_shadows_the_standard_library() -> None:
    # Children may get the checkout on PYTHONPATH (see child_python.py), ahead of the standard library.
    names = _module_names(ROOT) | {p.name for p in ROOT.iterdir() if p.is_dir()}
    assert sorted(names & sys.stdlib_module_names) == []


def test_a_child_started_in_a_directory_with_a_shadowing_module_imports_the_standard_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "queue.py").write_text("raise SystemExit('the working directory shadowed queue')\n")
    unsafe = subprocess.run(
        [sys.executable, "-m", "queue"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert "shadowed" in unsafe.stderr  # what happens without -P
    safe = subprocess.run(
        python_command("queue"),
        cwd=tmp_path,
        env=python_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert safe.returncode == 0, safe.stderr
    assert "shadowed" not in safe.stderr


def test_python_command_runs_a_dataops_module_from_any_working_directory(tmp_path: Path) -> None:
    done = subprocess.run(
        python_command("backend_fastapi.ops.cli", "--help"),
        cwd=tmp_path,
        env=python_env({k: v for k, v in python_env().items() if k != "PYTHONPATH"}),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "dataops" in done.stdout
