"""No module reaches into another's private names: what a module shares, it names without `_`.

A private name is free to change with its module; an import of it from elsewhere (or an
attribute read through the module, `guarded_http._pinned_request`) turns it into a contract
nobody sees. Tests and benchmarks keep the same rule: they use what the modules export.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "backend_fastapi", ROOT / "tests", ROOT / "bench"]


def _python_files() -> list[Path]:
    return sorted(p for folder in SOURCES for p in folder.rglob("*.py") if "__pycache__" not in p.parts)


# A named tuple's documented API starts with `_` so that it cannot clash with a field name.
NAMEDTUPLE_API = frozenset({"_fields", "_field_defaults", "_asdict", "_replace", "_make"})


def _private(name: str) -> bool:
    dunder = name.startswith("__") and name.endswith("__")
    return name.startswith("_") and not dunder and name not in NAMEDTUPLE_API


def _private_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    where = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
    modules: set[str] = set()  # local names bound to our modules (`from backend_fastapi.x import y`)
    found: list[str] = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.startswith(("backend_fastapi", "tests", "bench"))
        ):
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{where}:{node.lineno} imports {node.module}.{alias.name}")
                modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith(("backend_fastapi", "tests", "bench")):
                    modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and _private(node.attr)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
        ):
            found.append(f"{where}:{node.lineno} reads {node.value.id}.{node.attr}")
    return found


def test_the_walk_sees_every_package_and_catches_a_private_import(tmp_path: Path) -> None:
    files = _python_files()
    assert any(p.name == "jobqueue.py" for p in files)
    assert any(p.parent.name == "unit" for p in files)
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from backend_fastapi.scraping.dom import _css_as_xpath\n"
        "from backend_fastapi.store import jobqueue\n"
        "jobqueue._owned\n"
        "jobqueue.__name__\n"
    )
    assert len(_private_uses(probe)) == 2


def test_no_module_imports_or_reads_another_modules_private_name() -> None:
    found = [use for path in _python_files() for use in _private_uses(path)]
    assert found == []
