"""The field corpus (tests/corpus/fields): real product pages, their variants, and how a field is judged.

Each case names a page (stored gzipped, as published but without scripts and styles), a kind and
the values a reader should get. The variants are made here from the page, the same way for the
corpus builder and for the tests: `meta` drops JSON-LD and microdata, `labelled` also drops the
meta tags, `script` is the labelled page as a script renders it into an app root (its static
shell, with "Loading..." and template expressions where the values go, is `script_shell`).
"""

from __future__ import annotations

import gzip
import html as htmllib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from selectolax.lexbor import LexborHTMLParser

ROOT = Path(__file__).resolve().parents[1] / "corpus" / "fields"
PAGES = ROOT / "pages"
KINDS = ("structured", "meta", "labelled", "script")
SCHEMA = {"title": "string", "price": "number", "brand": "string", "sku": "string", "image": "url",
          "description": "string", "in_stock": "boolean", "rating": "number"}  # fmt: skip
META_TAGS = {"title": "og:title", "description": "og:description", "image": "og:image",
             "price": "product:price:amount"}  # fmt: skip
_META = "meta[property], meta[name='description'], meta[name^='twitter:'], meta[itemprop]"
_FILLERS = ("Loading...", "{{ product.price }}", "—", "N/A", "Cargando…", "${brand}", "Chargement…")
_WORDS = re.compile(r"\w+")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True)
class FieldCase:
    """One page variant and the values its fields should have."""

    page: str
    kind: str
    variant: str
    url: str
    held_out: bool
    expected: dict[str, Any]
    file: str

    def html(self) -> str:
        """The page as the extractor sees it (for `script`: after the script ran)."""
        published = gzip.decompress((PAGES / self.file).read_bytes()).decode()
        if self.kind == "structured" or self.variant == "as published":
            return published
        if self.kind == "meta":
            return meta_variant(published).html or ""
        labelled = labelled_variant(published)
        if self.kind == "script":
            return rendered_by_script(labelled)
        return labelled.html or ""

    def static_shell(self) -> str:
        """For `script` cases: the HTML served before the script runs."""
        return script_shell(labelled_variant(gzip.decompress((PAGES / self.file).read_bytes()).decode()),
                            self.expected)  # fmt: skip


def load_cases() -> list[FieldCase]:
    return [FieldCase(**{k: v for k, v in c.items() if k != "source"})
            for c in json.loads((ROOT / "cases.json").read_text())]  # fmt: skip


def _without(html: str, selector: str, attrs: tuple[str, ...] = ()) -> LexborHTMLParser:
    tree = LexborHTMLParser(html)
    for node in tree.css(selector):
        node.decompose()
    for attr in attrs:
        for node in tree.css(f"[{attr}]"):
            del node.attrs[attr]
    return tree


def meta_variant(html: str) -> LexborHTMLParser:
    """The page without JSON-LD and microdata: its meta tags and what people see."""
    return _without(html, "script[type='application/ld+json']", ("itemprop", "itemscope", "itemtype"))


def labelled_variant(html: str) -> LexborHTMLParser:
    """The page without structured data or meta tags: only what people see."""
    return _without(meta_variant(html).html or "", _META)


def rendered_by_script(tree: LexborHTMLParser) -> str:
    """The labelled page as a single-page app shows it once rendered: the body inside an app root."""
    body = tree.body
    inner = body.inner_html if body is not None else ""
    head = tree.head.html if tree.head is not None else "<head></head>"
    app = f"<div id=app>{inner}</div><script src=/app.js></script>"
    return f"<!doctype html><html>{head}<body>{app}</body></html>"


def script_shell(tree: LexborHTMLParser, expected: dict[str, Any]) -> str:
    """The static HTML of a script-rendered page: where the values go, it says "Loading...", "—",
    "N/A" or an unfilled template expression."""
    shell = LexborHTMLParser(rendered_by_script(tree))
    values = [str(v) for k, v in expected.items() if k in ("title", "brand", "sku")]
    n = 0
    for node in list(shell.body.traverse(include_text=True)) if shell.body is not None else []:
        text = (node.text_content or "").strip() if node.tag == "-text" else ""
        if text and (any(v and v in text for v in values) or re.search(r"\d[.,]\d\d", text)):
            node.replace_with(_FILLERS[n % len(_FILLERS)])
            n += 1
    html = shell.html or ""
    return re.sub(r"<title>.*?</title>", "<title>Loading...</title>", html, count=1, flags=re.S)


def _norm(value: Any) -> str:
    return _SPACES.sub(" ", htmllib.unescape(str(value))).strip().casefold()


def _words(value: Any) -> list[str]:
    return _WORDS.findall(_norm(value))


def is_right(name: str, found: Any, expected: Any) -> bool:
    """Whether a found value is the expected one, as a reader would judge it."""
    if found is None:
        return False
    if name in ("price", "rating"):
        try:
            return abs(float(found) - float(expected)) <= 0.011
        except (TypeError, ValueError):
            return False
    if name == "in_stock":
        return found is expected
    if name == "image":
        # The same picture in another size counts: the same file name, or the same long image id.
        tail = str(expected).split("?")[0].rstrip("/").rsplit("/", 1)[-1].casefold()
        if str(found) == str(expected) or str(found).split("?")[0].rstrip("/").casefold().endswith(tail):
            return True
        ids = set(re.findall(r"\d{7,}", str(expected)))
        return bool(ids & set(re.findall(r"\d{7,}", str(found))))
    if name == "description":
        want, got = _words(expected)[:60], _words(found)
        if not want or not got:
            return False
        common = len(set(want) & set(got))
        recall, precision = common / len(set(want)), common / len(set(got[: max(len(want) * 2, 20)]))
        return recall >= 0.8 and precision >= 0.5
    return _norm(found) == _norm(expected)


Extract = Callable[[str, str], dict[str, Any]]


def score(extract: Extract, cases: list[FieldCase]) -> dict[str, tuple[int, int]]:
    """(right, expected) fields per kind and `all`, running `extract(html, url)` on each case."""
    totals: dict[str, list[int]] = {kind: [0, 0] for kind in (*KINDS, "all")}
    for case in cases:
        found = extract(case.html(), case.url)
        for name, expected in case.expected.items():
            right = is_right(name, found.get(name), expected)
            for key in (case.kind, "all"):
                totals[key][0] += right
                totals[key][1] += 1
    return {k: (v[0], v[1]) for k, v in totals.items()}


def misses(extract: Extract, cases: list[FieldCase]) -> list[tuple[str, str, str, Any, Any]]:
    """Every wrong field: (page, kind, field, found, expected)."""
    out = []
    for case in cases:
        found = extract(case.html(), case.url)
        for name, expected in case.expected.items():
            if not is_right(name, found.get(name), expected):
                out.append((case.page, case.kind, name, found.get(name), expected))
    return out


def load_price_strings() -> list[dict[str, Any]]:
    return list(json.loads((ROOT / "price_strings.json").read_text()))
