"""Rebuild the product corpus from a checkout (or bare mirror) of scrapinghub/product-extraction-benchmark.

    python tests/corpus/products/build_corpus.py <product-extraction-benchmark>

Each page of `dataset/html/<id>.html.gz` is kept without its scripts (JSON-LD kept), styles, SVG,
frames, templates, comments and inline `data:` pictures, as extraction reads it, and gzipped;
`cases.json` holds its ground truth (`dataset/ground-truth.json`: price, availability, sku and the
other attributes where the annotators gave them, several right values a list) and its half: a page
is held out when the SHA-1 of its id is odd.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))
from tests.support.corpus_pages import git_show, trim

HERE = Path(__file__).resolve().parent
PAGES = HERE / "pages"
ATTRIBUTES = ("price", "availability", "sku", "brand", "gtin", "mpn", "currency")
_INLINE_DATA = 200


def held_out(page_id: str) -> bool:
    """Half the pages, by a hash of the id (the ids are hashes already; hashing again keeps the split
    independent of how they were made)."""
    return int(hashlib.sha1(page_id.encode()).hexdigest(), 16) % 2 == 1


def main(repo: Path) -> None:
    PAGES.mkdir(exist_ok=True)
    for old in PAGES.glob("*.html.gz"):
        old.unlink()
    truth: dict[str, dict[str, Any]] = json.loads(git_show(repo, "dataset/ground-truth.json"))
    cases = []
    for page_id, entry in sorted(truth.items()):
        raw = gzip.decompress(git_show(repo, f"dataset/html/{page_id}.html.gz")).decode("utf-8", "replace")
        name = page_id[:16]
        kept = trim(raw, inline_data=_INLINE_DATA).html or ""
        (PAGES / f"{name}.html.gz").write_bytes(gzip.compress(kept.encode(), compresslevel=9, mtime=0))
        expected = {key: list(entry[key]) for key in ATTRIBUTES if entry.get(key)}
        cases.append({"id": page_id, "file": f"{name}.html.gz", "url": entry["url"],
                      "held_out": held_out(page_id), "expected": expected})  # fmt: skip
    (HERE / "cases.json").write_text(json.dumps(cases, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
