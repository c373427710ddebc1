#!/usr/bin/env python3
"""Write the Python client's models from the API's OpenAPI document (`make client`); with `--check`,
fail when the committed module is not what the document gives (`make lint`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCUMENT = ROOT / "frontend" / "openapi.json"
MODELS = ROOT / "clients" / "python" / "src" / "dataops_client" / "models.py"
HEADER = (
    "# The API's models, generated from frontend/openapi.json by scripts/python-client-models.py\n"
    "# (`make client`): never edit by hand."
)
# Answers keep keys a newer API adds (`extra="allow"`): an old client still reads a new server.
OPTIONS = [
    "--input-file-type=openapi",
    "--output-model-type=pydantic_v2.BaseModel",
    "--target-python-version=3.11",
    "--use-annotated",
    "--field-constraints",
    "--use-standard-collections",
    "--use-union-operator",
    "--use-double-quotes",
    "--disable-timestamp",
    "--collapse-root-models",
    "--enum-field-as-literal=all",
    "--extra-fields=allow",
    "--formatters=ruff-format",
]


def generate(document: Path) -> str:
    """The models module for `document`, formatted as the repository formats Python."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "models.py"
        command = [sys.executable, "-m", "datamodel_code_generator", f"--input={document}", f"--output={out}"]
        subprocess.run([*command, *OPTIONS, f"--custom-file-header={HEADER}"], check=True)
        ruff = [sys.executable, "-m", "ruff"]
        config = f"--config={ROOT / 'pyproject.toml'}"
        subprocess.run([*ruff, "check", "--fix-only", "--quiet", config, str(out)], check=True)
        subprocess.run([*ruff, "format", "--quiet", config, str(out)], check=True)
        return out.read_text(encoding="utf-8")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true", help="only compare with the committed module")
    args = parser.parse_args()
    text = generate(DOCUMENT)
    if not args.check:
        MODELS.write_text(text, encoding="utf-8")
        return 0
    if not MODELS.exists() or MODELS.read_text(encoding="utf-8") != text:
        sys.stderr.write(
            f"The Python client's models are out of date with {DOCUMENT.relative_to(ROOT)}: run "
            f"'make client' and commit {MODELS.relative_to(ROOT)}.\n"
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
