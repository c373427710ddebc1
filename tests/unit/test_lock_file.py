"""requirements.lock pins every dependency pyproject.toml names, in every extra (`make lock` refreshes it)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "dataops"


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lines = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        lines.extend(extra)
    return [req for req in map(Requirement, lines) if canonicalize_name(req.name) != PROJECT]


def _pinned() -> dict[str, list[Version]]:
    pins: dict[str, list[Version]] = {}
    for raw in (ROOT / "requirements.lock").read_text().splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9._-]+)==([^\s;]+)(\s*;.*)?", line)
        assert match, f"requirements.lock line is not an exact pin: {raw!r}"
        pins.setdefault(canonicalize_name(match[1]), []).append(Version(match[2]))
    return pins


def test_lock_pins_every_dependency_of_every_extra_within_its_declared_range() -> None:
    pins = _pinned()
    for req in _declared():
        versions = pins.get(canonicalize_name(req.name))
        assert versions, (
            f"{req.name} is in pyproject.toml but not pinned in requirements.lock: run `make lock`"
        )
        assert any(req.specifier.contains(v, prereleases=True) for v in versions), (
            f"requirements.lock pins {req.name} at {versions}, outside {req.specifier}: run `make lock`"
        )


def test_lock_does_not_pin_the_project_itself() -> None:
    assert PROJECT not in _pinned()
