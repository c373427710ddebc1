"""docs/architecture.md's table of rooms names every module of the package, and only those."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "backend_fastapi"
DOC = ROOT / "docs" / "architecture.md"


def _modules_in_tree() -> set[str]:
    """Every module as a path under the package (`store/jobqueue.py`); package `__init__`s and
    migration scripts (data for Alembic, not code others import) are left out."""
    found = set()
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE)
        if path.name == "__init__.py" or "versions" in relative.parts:
            continue
        found.add(relative.as_posix())
    return found


def _modules_in_table() -> set[str]:
    section = DOC.read_text().split("## Rooms", 1)[1].split("\n## ", 1)[0]
    listed = set()
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) != 3 or (not cells[0].startswith("`") and cells[0] != "leaves"):
            continue
        room = cells[0].strip("`")
        names = re.findall(r"`([^`]+)`", cells[1])
        if room.endswith(".py"):
            assert not names, f"{room} is a module: its row lists no modules"
            listed.add(room)
        else:
            prefix = "" if room == "leaves" else room
            listed.update(prefix + name for name in names)
    return listed


def test_the_table_of_rooms_lists_every_module_of_the_tree_and_nothing_else() -> None:
    tree, table = _modules_in_tree(), _modules_in_table()
    assert "store/jobqueue.py" in tree
    assert sorted(tree - table) == [], "modules missing from docs/architecture.md"
    assert sorted(table - tree) == [], "docs/architecture.md names modules that do not exist"
