"""Products by meaning on real shop pages (tests/corpus/products), scored as the benchmark scores them.

The floors are the F1 measured by bench/bench_products.py: a drop below them is a regression. The
tuning half is the one rules were made on; the held-out half was only ever scored.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.product_corpus import Scores, load_cases, match, predict, prediction, score

# attribute -> (tuning half, held-out half): F1 floors, as the bench rounds them.
FLOORS = {
    "price": (0.892, 0.841),
    "sku": (0.934, 0.826),
    "availability": (0.940, 0.973),
    "brand": (0.833, 0.789),
}


def _extract(html: str, url: str) -> dict[str, Any]:
    from bench.bench_products import dataops_products

    return dataops_products(html, url)


@pytest.fixture(scope="module")
def predictions() -> dict[str, dict[str, str]]:
    return predict(_extract, load_cases())


@pytest.mark.parametrize("held_out", [False, True], ids=["tuning", "held-out"])
def test_product_corpus_scores_do_not_drop(predictions: dict[str, dict[str, str]], held_out: bool) -> None:
    cases = [c for c in load_cases() if c.held_out == held_out]
    scores = score(predictions, cases)
    for attribute, floors in FLOORS.items():
        assert round(scores[attribute].f1, 3) >= floors[held_out], (attribute, held_out, scores[attribute])


def test_corpus_halves_and_ground_truth() -> None:
    cases = load_cases()
    assert len(cases) == 140
    assert 60 <= sum(c.held_out for c in cases) <= 80
    assert sum(bool(c.truth("price")) for c in cases) == 134
    assert sum(bool(c.truth("OutOfStock")) for c in cases) == 9


def test_scoring_follows_the_benchmark() -> None:
    # A price is a Decimal number: 34.0 is "34"; one of several right values is enough.
    assert match("price", {"34", "30.60"}, "34.0") == (1, 0, 0)
    # A wrong value is a false positive, and a false negative where there was a right one.
    assert match("sku", {"A-1"}, "A1") == (0, 1, 1)
    assert match("sku", set(), "A1") == (0, 1, 0)
    assert match("sku", {"A-1"}, None) == (0, 0, 1)
    # No stock value counts as in stock; only a page read as out of stock is OutOfStock.
    assert prediction({})["availability"] == "InStock"
    assert prediction({"in_stock": False, "price": 19.9}) == {
        "price": "19.9", "availability": "OutOfStock", "OutOfStock": "OutOfStock"
    }  # fmt: skip
    assert Scores(tp=3, fp=1, fn=1, support=4).f1 == pytest.approx(0.75)
