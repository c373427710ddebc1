#!/usr/bin/env python3
"""Write the OpenAPI document (JSON) without starting a server; `make client` turns it into TypeScript."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from backend_fastapi.api.app import create_app
from backend_fastapi.settings import Settings


class DocumentSettings(Settings):
    """Defaults only: the environment and `.env` of this machine must not change the document."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


def openapi_document() -> dict[str, Any]:
    """The document as the API serves it at /openapi.json when no API key is set."""
    return create_app(DocumentSettings(API_KEY="")).openapi()


def main(argv: list[str] | None = None) -> int:
    """Write the document to the given file, or to stdout."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("output", nargs="?", type=Path, help="file to write (default: stdout)")
    args = parser.parse_args(argv)
    # Sorted keys and a fixed layout, so the same API always gives the same bytes.
    text = json.dumps(openapi_document(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if args.output is None:
        sys.stdout.write(text)
    else:
        args.output.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
