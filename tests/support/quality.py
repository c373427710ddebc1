"""Main-content quality: the corpus of real pages with expected bodies, and the shingle F1 scorer.

One definition, used by the corpus test and by bench/bench_quality.py. A page's score compares the
word 4-gram shingles (a multiset, lower-cased, `\\w+` words) of the extracted text with those of the
expected body: precision is the share of extracted shingles that are in the body, recall the share
of the body's shingles that were extracted. Corpus figures are means over pages.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "maincontent" / "pages"
# The URL the source suite resolves the pages against.
BASE_URL = "http://fakehost/test/page.html"
SHINGLE = 4
_WORD = re.compile(r"\w+")


class Page:
    """One corpus page: its HTML and the text of its expected body (read when first asked for)."""

    def __init__(self, name: str, html: str, expected_path: Path) -> None:
        self.name = name
        self.html = html
        self._expected_path = expected_path

    @cached_property
    def expected(self) -> str:
        return html_text(gzip.decompress(self._expected_path.read_bytes()).decode("utf-8"))

    @property
    def held_out(self) -> bool:
        """One page in three, chosen by name hash, is never looked at while tuning."""
        return int(hashlib.sha1(self.name.encode()).hexdigest(), 16) % 3 == 0


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float


# Elements that start a new line when a browser shows them; the rest join their text without a space.
BLOCKS = frozenset(
    "address article aside blockquote br dd div dl dt figcaption figure footer h1 h2 h3 h4 h5 h6 header "
    "hr li main nav ol p pre section table td th tr ul".split()
)


def html_text(html: str) -> str:
    """The text of an HTML fragment as a reader sees it: blocks apart, inline elements joined."""
    from selectolax.lexbor import LexborHTMLParser

    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    out: list[str] = []
    if root is not None:
        _collect_text(root, out)
    return "".join(out)


def _collect_text(node: Any, out: list[str]) -> None:
    for child in node.iter(include_text=True):
        tag = child.tag
        if tag == "-text":
            out.append(child.text_content or "")
        elif tag in ("script", "style", "-comment"):
            continue
        elif tag in BLOCKS:
            out.append("\n")
            _collect_text(child, out)
            out.append("\n")
        else:
            _collect_text(child, out)


def load_pages() -> list[Page]:
    """Every corpus page, in name order."""
    pages = []
    for path in sorted(CORPUS.glob("*.source.html.gz")):
        name = path.name.removesuffix(".source.html.gz")
        html = gzip.decompress(path.read_bytes()).decode("utf-8")
        pages.append(Page(name, html, CORPUS / f"{name}.expected.html.gz"))
    return pages


def shingles(text: str) -> Counter[tuple[str, ...]]:
    """The multiset of word n-grams of a text (a text shorter than n is one shingle)."""
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE:
        return Counter([tuple(words)]) if words else Counter()
    return Counter(tuple(words[i : i + SHINGLE]) for i in range(len(words) - SHINGLE + 1))


def score(extracted: str, expected: str) -> Score:
    """Shingle precision, recall and F1 of one extracted text against the expected body."""
    got, want = shingles(extracted), shingles(expected)
    if not got or not want:
        same = float(not got and not want)
        return Score(same, same, same)
    overlap = sum((got & want).values())
    precision = overlap / sum(got.values())
    recall = overlap / sum(want.values())
    f1 = 2 * precision * recall / (precision + recall) if overlap else 0.0
    return Score(precision, recall, f1)


def mean_score(scores: Iterable[Score]) -> Score:
    """The per-page mean of precision, recall and F1."""
    items = list(scores)
    n = len(items) or 1
    return Score(
        sum(s.precision for s in items) / n, sum(s.recall for s in items) / n, sum(s.f1 for s in items) / n
    )


def evaluate(extract: Callable[[str], str], pages: Iterable[Page]) -> dict[str, Score]:
    """Each page's score for an extractor taking HTML and returning text."""
    return {page.name: score(extract(page.html), page.expected) for page in pages}


# A second suite, scored differently: text segments that must appear in the main content and
# segments (boilerplate) that must not. Precision = found wanted / all found segments.
SNIPPETS = CORPUS.parent / "snippets"


@dataclass(frozen=True)
class SnippetPage:
    """A page with segments its main content must hold (`with`) and must not (`without`)."""

    name: str
    url: str
    html: str
    wanted: tuple[str, ...]
    unwanted: tuple[str, ...]
    # "a": the first 70 pages taken; "b" (69) and "c" (71): added later from other slices of the same set.
    part: str = "a"


def load_snippet_pages() -> list[SnippetPage]:
    """Every snippet-suite page, in name order, decoded as a fetch would decode it."""
    from backend_fastapi.scraping.charset import decode_body

    table = json.loads((SNIPPETS / "snippets.json").read_text())
    pages = []
    for name, item in sorted(table.items()):
        html, _ = decode_body(gzip.decompress((SNIPPETS / f"{name}.html.gz").read_bytes()), "text/html")
        wanted, unwanted = tuple(item["with"]), tuple(item["without"])
        pages.append(SnippetPage(name, item["url"], html, wanted, unwanted, item.get("part", "a")))
    return pages


def snippet_score(outputs: dict[str, str], pages: Iterable[SnippetPage]) -> Score:
    """Segment precision, recall and F1 over all pages (whitespace-insensitive substring checks)."""
    found_wanted = missed = found_unwanted = 0
    for page in pages:
        text = " ".join(outputs[page.name].split())
        for segment in page.wanted:
            if " ".join(segment.split()) in text:
                found_wanted += 1
            else:
                missed += 1
        found_unwanted += sum(" ".join(s.split()) in text for s in page.unwanted)
    precision = found_wanted / ((found_wanted + found_unwanted) or 1)
    recall = found_wanted / ((found_wanted + missed) or 1)
    f1 = 2 * precision * recall / ((precision + recall) or 1)
    return Score(precision, recall, f1)
