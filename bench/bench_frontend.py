"""Frontend bundle size: build the web app and report the gzipped JS and CSS sent to a browser.

The issue's budget is 250 KB of gzipped JavaScript; the first page load of a phone on a slow
link is what it protects.
"""

from __future__ import annotations

import gzip
import subprocess

from bench.common import ROOT, machine, stamp, update_section

NAME = "frontend-bundle"

FRONTEND = ROOT / "frontend"
DIST = FRONTEND / "dist"
JS_BUDGET_BYTES = 250 * 1024


def build() -> None:
    """`npm ci` when node_modules is missing, then `npm run build` into frontend/dist."""
    if not (FRONTEND / "node_modules").is_dir():
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=FRONTEND, check=True)
    subprocess.run(["npm", "run", "--silent", "build"], cwd=FRONTEND, check=True, capture_output=True)


def sizes(suffix: str) -> tuple[int, int]:
    """Raw and gzipped (level 9) bytes of every built asset ending in `suffix`."""
    raw = gz = 0
    for path in sorted((DIST / "assets").glob(f"*{suffix}")):
        data = path.read_bytes()
        raw += len(data)
        gz += len(gzip.compress(data, compresslevel=9))
    return raw, gz


def kb(n: int) -> str:
    return f"{n / 1024:.1f} KB"


def run(quick: bool = False) -> str:
    """Build (also in quick mode: a build is the measurement) and return the Markdown section."""
    build()
    js_raw, js_gz = sizes(".js")
    css_raw, css_gz = sizes(".css")
    verdict = "within" if js_gz <= JS_BUDGET_BYTES else "OVER"
    index = (DIST / "index.html").stat().st_size
    return f"""## Frontend bundle

{stamp()} · {machine()} · `npm run build` (Vite, production)

| Asset | Raw | Gzipped |
| --- | ---: | ---: |
| JavaScript | {kb(js_raw)} | {kb(js_gz)} |
| CSS | {kb(css_raw)} | {kb(css_gz)} |
| index.html | {kb(index)} | |

Gzipped JavaScript is {verdict} the 250 KB budget ({js_gz / JS_BUDGET_BYTES:.0%} of it).
"""


if __name__ == "__main__":
    update_section(NAME, run())
