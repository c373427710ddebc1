"""Which changes are worth a notification: conditions say what a record became."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest

from backend_fastapi.monitors.conditions import notable, read_number
from backend_fastapi.monitors.diff import Rules, compare

KEY = {"url": "https://shop.test/p/1"}


def changed(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    fields = [
        {"field": name, "before": before.get(name), "after": after.get(name)}
        for name in sorted(set(before) | set(after))
        if before.get(name) != after.get(name)
    ]
    return {"kind": "changed", "key": KEY, "before": before, "after": after, "fields": fields}


def added(after: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "added", "key": KEY, "before": None, "after": after}


def removed(before: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "removed", "key": KEY, "before": before, "after": None}


def text(diff: str, format: str = "markdown") -> dict[str, Any]:
    return {"kind": "text", "key": KEY, "before": {}, "after": {}, "format": format, "diff": diff}


def passes(change: dict[str, Any], *conditions: dict[str, Any], match: str = "all") -> bool:
    return notable([change], list(conditions), match) == [change]


@pytest.mark.parametrize(
    ("raw", "number"),
    [
        ("$1,299.00", 1299.0), ("12,99 €", 12.99), ("EUR 1.234,50", 1234.5), ("1.234.567,89", 1234567.89),
        ("CHF 1'234.50", 1234.5), ("1 234,5", 1234.5), ("\u22123", -3.0), ("1,000", 1000.0), ("9.99", 9.99),
        (7, 7.0), (2.5, 2.5), ("2e3", 2000.0), (True, None), (None, None), ("call us", None),
        (float("nan"), None), ([1], None),
    ],
)  # fmt: skip
def test_numbers_are_read_from_text_as_pages_write_them(raw: Any, number: float | None) -> None:
    assert read_number(raw) == number


def test_no_conditions_let_every_change_through() -> None:
    changes = [added({"price": 1}), removed({"price": 2}), text("--- before\n+++ after\n+x")]
    assert notable(changes, []) == changes


def test_decreased_and_increased_read_numbers_in_text() -> None:
    cheaper = changed({"price": "$9.99"}, {"price": "$8.50"})
    assert passes(cheaper, {"field": "price", "op": "decreased"})
    assert not passes(cheaper, {"field": "price", "op": "increased"})
    assert passes(changed({"price": 8}, {"price": "1.299,00 €"}), {"field": "price", "op": "increased"})
    assert not passes(changed({"price": "call"}, {"price": 5}), {"field": "price", "op": "increased"})
    assert not passes(added({"price": 1}), {"field": "price", "op": "decreased"})
    assert not passes(
        changed({"price": 1, "name": "a"}, {"price": 1, "name": "b"}), {"field": "price", "op": "decreased"}
    )


def test_changed_means_the_field_is_among_the_changed_fields() -> None:
    change = changed({"price": 1, "name": "a"}, {"price": 1, "name": "b"})
    assert passes(change, {"field": "name", "op": "changed"})
    assert not passes(change, {"field": "price", "op": "changed"})
    assert not passes(added({"name": "b"}), {"field": "name", "op": "changed"})
    assert passes(text("--- before\n+++ after\n-a\n+b"), {"field": "markdown", "op": "changed"})
    assert not passes(text("--- before\n+++ after\n-a\n+b", "text"), {"field": "markdown", "op": "changed"})


def test_below_a_threshold_alerts_when_a_price_becomes_lower_not_while_it_stays_lower() -> None:
    below = {"field": "price", "op": "lt", "value": 100}
    assert passes(added({"price": "$90"}), below)
    assert not passes(added({"price": 120}), below)
    assert passes(changed({"price": 120}, {"price": 90}), below)
    assert not passes(changed({"price": 90}, {"price": 80}), below)
    assert passes(changed({"price": None}, {"price": 80}), below)
    assert not passes(removed({"price": 50}), below)
    assert passes(changed({"price": 90}, {"price": 120}), {"field": "price", "op": "gt", "value": "100"})


def test_in_stock_became_true() -> None:
    back = {"field": "in_stock", "op": "eq", "value": True}
    assert passes(changed({"in_stock": False, "price": 1}, {"in_stock": True, "price": 1}), back)
    assert not passes(changed({"in_stock": True, "price": 1}, {"in_stock": True, "price": 2}), back)
    assert passes(changed({"in_stock": "no"}, {"in_stock": "Yes"}), back)
    assert not passes(changed({"in_stock": False}, {"in_stock": 1}), back)


def test_eq_compares_numbers_as_numbers_and_text_without_case_or_spacing() -> None:
    assert passes(added({"price": "$10.00"}), {"field": "price", "op": "eq", "value": 10})
    assert passes(added({"price": 10}), {"field": "price", "op": "eq", "value": "10.0"})
    assert passes(added({"status": "  In   Stock "}), {"field": "status", "op": "eq", "value": "in stock"})
    assert not passes(
        added({"status": "In stock soon"}), {"field": "status", "op": "eq", "value": "in stock"}
    )
    assert passes(changed({"note": "x"}, {"note": None}), {"field": "note", "op": "eq", "value": None})


def test_contains_looks_in_text_and_in_lists_without_case() -> None:
    sale = {"field": "title", "op": "contains", "value": "SALE"}
    assert passes(added({"title": "Summer sale now"}), sale)
    assert passes(added({"title": ["new", "On Sale"]}), sale)
    assert not passes(added({"title": "Summer"}), sale)
    assert not passes(changed({"title": "Sale 1"}, {"title": "Sale 2"}), sale)  # already on sale


def test_a_removed_record_matches_eq_and_contains_by_what_it_was_and_nothing_else() -> None:
    gone = removed({"title": "Senior engineer", "salary": 90})
    assert passes(gone, {"field": "title", "op": "contains", "value": "engineer"})
    assert passes(gone, {"field": "salary", "op": "eq", "value": 90})
    assert not passes(gone, {"field": "salary", "op": "lt", "value": 100})
    assert not passes(gone, {"field": "salary", "op": "changed"})


def test_text_contains_looks_only_at_the_lines_a_diff_added() -> None:
    diff = "--- before\n+++ after\n@@ -1,2 +1,2 @@\n Sale ends soon\n-Old offer\n+New Offer: 20% off"
    assert passes(text(diff), {"field": "markdown", "op": "contains", "value": "offer"})
    assert not passes(text(diff), {"field": "markdown", "op": "contains", "value": "sale"})  # context line
    assert not passes(text(diff), {"field": "markdown", "op": "contains", "value": "old"})  # removed line
    assert not passes(text(diff), {"field": "text", "op": "contains", "value": "offer"})  # other format
    assert not passes(text(diff), {"field": "price", "op": "lt", "value": 5})


def test_match_all_needs_every_condition_and_any_needs_one() -> None:
    change = changed({"price": 120, "in_stock": False}, {"price": 90, "in_stock": False})
    conditions = ({"field": "price", "op": "decreased"}, {"field": "in_stock", "op": "eq", "value": True})
    assert not passes(change, *conditions)
    assert passes(change, *conditions, match="any")


def test_conditions_filter_what_a_check_found() -> None:
    rules = Rules(key=("sku",))
    rows = [{"sku": 1, "price": 120}, {"sku": 2, "price": 50}, {"sku": 3, "price": 200}]
    state = compare({}, [{"url": "u", "data": r} for r in rows], rules, baseline=True).state
    now = [
        {"sku": 1, "price": 95},
        {"sku": 2, "price": 45},
        {"sku": 3, "price": 210},
        {"sku": 4, "price": 10},
    ]
    outcome = compare(state, [{"url": "u", "data": r} for r in now], rules, baseline=False)
    found = notable(outcome.changes, [{"field": "price", "op": "lt", "value": 100}])
    assert [(c["kind"], c["key"]) for c in found] == [("changed", {"sku": 1}), ("added", {"sku": 4})]


def test_the_module_is_light_enough_for_the_api_to_validate_with() -> None:
    code = (
        "import sys; import backend_fastapi.monitors.conditions; "
        "heavy = ('re2', 'orjson', 'backend_fastapi.monitors.diff', 'backend_fastapi.regexes'); "
        "print(sorted(m for m in heavy if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
