"""The product corpus (tests/corpus/products): real product pages of many shops with human ground truth,
scored as scrapinghub/product-extraction-benchmark's `evaluate.py` scores them.

Each attribute is judged page by page: no value where the truth has one is a false negative; a value
that is none of the right ones (several may be right) is a false positive, and also a false negative
when the truth has one. Prices are compared as Decimal numbers (currency not judged), SKUs and brands
as exact strings, availability as `InStock`/`OutOfStock` where a missing value counts as `InStock`.
Precision, recall and F1 are summed over the pages, as the benchmark does.
"""

from __future__ import annotations

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1] / "corpus" / "products"
PAGES = ROOT / "pages"
# The schema asked for by meaning on every page (what a scrape job with these fields gives).
SCHEMA = {"price": "number", "sku": "string", "in_stock": "boolean", "brand": "string"}
# Attributes scored: the benchmark's five, and brand (annotated on most pages, not in its table).
ATTRIBUTES = ("price", "sku", "availability", "InStock", "OutOfStock", "brand")


@dataclass(frozen=True)
class ProductCase:
    """One page and the values each attribute may rightly take."""

    id: str
    file: str
    url: str
    held_out: bool
    expected: dict[str, list[str]]

    def html(self) -> str:
        return gzip.decompress((PAGES / self.file).read_bytes()).decode()

    def truth(self, attribute: str) -> set[str]:
        """The right values of `attribute` (`InStock`/`OutOfStock` from the availability)."""
        if attribute in ("InStock", "OutOfStock"):
            return {attribute} if attribute in self.expected.get("availability", []) else set()
        return set(self.expected.get(attribute, []))


@dataclass(frozen=True)
class Scores:
    """One attribute over a set of pages: counts and the benchmark's metrics."""

    tp: int
    fp: int
    fn: int
    support: int

    @property
    def precision(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        if self.fp == self.fn == 0:
            return 1.0
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def load_cases() -> list[ProductCase]:
    return [ProductCase(**case) for case in json.loads((ROOT / "cases.json").read_text())]


def prediction(found: dict[str, Any]) -> dict[str, str]:
    """A schema's values as the benchmark's predictions: price as a decimal string, availability
    `InStock` unless the page says it is out of stock, and the `InStock`/`OutOfStock` flag."""
    out: dict[str, str] = {}
    price = found.get("price")
    if isinstance(price, (int, float)) and not isinstance(price, bool):
        out["price"] = str(Decimal(repr(float(price))))
    for name in ("sku", "brand"):
        if isinstance(found.get(name), str) and found[name]:
            out[name] = found[name]
    availability = "OutOfStock" if found.get("in_stock") is False else "InStock"
    out["availability"] = out[availability] = availability
    return out


def match(attribute: str, truth: set[str], predicted: str | None) -> tuple[int, int, int]:
    """(tp, fp, fn) of one page, as `evaluate.py`'s `hard_matching` and `decimal_matching`."""
    if attribute == "price":
        try:
            return _hard({Decimal(t) for t in truth}, Decimal(predicted) if predicted is not None else None)
        except InvalidOperation:
            return _hard(truth, predicted)
    return _hard(truth, predicted)


def _hard(truth: set[Any], predicted: Any) -> tuple[int, int, int]:
    if predicted is None:
        return 0, 0, int(bool(truth))
    if predicted in truth:
        return 1, 0, 0
    return 0, 1, int(bool(truth))


Extract = Callable[[str, str], dict[str, Any]]


def predict(extract: Extract, cases: list[ProductCase]) -> dict[str, dict[str, str]]:
    """The predictions for each page id, running `extract(html, url)` once a page."""
    return {case.id: prediction(extract(case.html(), case.url)) for case in cases}


def score(predictions: dict[str, dict[str, str]], cases: list[ProductCase]) -> dict[str, Scores]:
    """Each attribute's scores over `cases` (a page's counts summed, as the benchmark does)."""
    out: dict[str, Scores] = {}
    for attribute in ATTRIBUTES:
        tp = fp = fn = support = 0
        for case in cases:
            truth = case.truth(attribute)
            support += bool(truth)
            a, b, c = match(attribute, truth, predictions[case.id].get(attribute))
            tp, fp, fn = tp + a, fp + b, fn + c
        out[attribute] = Scores(tp, fp, fn, support)
    return out


def misses(
    predictions: dict[str, dict[str, str]], cases: list[ProductCase]
) -> list[tuple[str, str, str | None, list[str]]]:
    """Every wrong attribute: (page file, attribute, predicted, right values)."""
    out = []
    for case in cases:
        for attribute in ("price", "sku", "availability", "brand"):
            truth = case.truth(attribute)
            predicted = predictions[case.id].get(attribute)
            if any(match(attribute, truth, predicted)[1:]):
                out.append((case.file, attribute, predicted, sorted(truth)))
    return out
