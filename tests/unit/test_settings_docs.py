"""Every setting is documented in the README table and in .env.example, with its real default."""

from __future__ import annotations

import re
from pathlib import Path

from backend_fastapi.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _default_text(name: str) -> str:
    value = Settings.model_fields[name].default
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list | dict) and not value:
        return ""
    if isinstance(value, list):
        return ",".join(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def test_readme_table_lists_every_setting_with_its_default() -> None:
    rows = re.findall(r"^\| `([A-Z_]+)` \| (.+?) \| .+ \|$", (ROOT / "README.md").read_text(), re.M)
    documented = {name: default.strip("`") for name, default in rows}
    assert set(documented) == set(Settings.model_fields)
    for name, default in documented.items():
        expected = _default_text(name)
        assert default == (expected or "(empty)"), name


def test_env_example_lists_every_setting_with_its_default() -> None:
    lines = re.findall(r"^([A-Z_]+)=(.*)$", (ROOT / ".env.example").read_text(), re.M)
    documented = dict(lines)
    assert set(documented) == set(Settings.model_fields)
    for name, default in documented.items():
        assert default == _default_text(name), name


def test_env_example_values_parse_as_settings() -> None:
    settings = Settings(_env_file=ROOT / ".env.example")  # type: ignore[call-arg]
    assert settings == Settings(_env_file=None)  # type: ignore[call-arg]
