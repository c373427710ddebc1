"""Real pages for the corpora, as their builders keep them: read from a source checkout, without
what extraction never reads (scripts but JSON-LD, styles, SVG, frames, templates, comments)."""

from __future__ import annotations

import subprocess
from pathlib import Path

from selectolax.lexbor import LexborHTMLParser

STRIP = (
    "script:not([type='application/ld+json']), style, svg, noscript, iframe, link[rel=stylesheet], template"
)


def git_show(repo: Path, path: str) -> bytes:
    """A file of a checkout (or of a bare mirror) at HEAD."""
    data = subprocess.run(["git", "-C", str(repo), "show", f"HEAD:{path}"], capture_output=True, check=True)
    return data.stdout


def trim(html: str, inline_data: int | None = None) -> LexborHTMLParser:
    """The page without scripts (JSON-LD kept), styles, SVG and comments: what extraction reads.
    With `inline_data`, an inline picture longer than that (`src="data:image/png;base64,..."`)
    becomes `data:,`: it is no address a field can take."""
    tree = LexborHTMLParser(html)
    for node in tree.css(STRIP):
        node.decompose()
    for node in list(tree.root.traverse(include_text=False)) if tree.root else []:
        if node.tag == "-comment":
            node.decompose()
            continue
        if inline_data is None:
            continue
        for attr, value in list((node.attributes or {}).items()):
            if value and value.startswith("data:") and len(value) > inline_data:
                node.attrs[attr] = "data:,"
    return tree
