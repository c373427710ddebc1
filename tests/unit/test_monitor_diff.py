"""A monitor's check against its last good snapshot: keyed records added, removed, changed, text diffs."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from backend_fastapi.monitors.diff import (
    Eraser,
    Kept,
    Outcome,
    Rules,
    compare,
    flatten,
    key_of,
    unified_diff,
)
from backend_fastapi.regexes import RegexError, compile_regex

DEFAULT = Rules()


def product(sku: int, price: Any = 10.0, **data: Any) -> dict[str, Any]:
    return {"url": f"https://shop.test/p/{sku}", "data": {"sku": sku, "price": price, **data}}


def page(markdown: str, url: str = "https://shop.test/news") -> dict[str, Any]:
    return {"url": url, "data": {"title": "News"}, "markdown": markdown}


def baseline(records: list[dict[str, Any]], rules: Rules = DEFAULT) -> dict[str, Kept]:
    return compare({}, records, rules, baseline=True).state


def check(state: dict[str, Kept], records: list[dict[str, Any]], rules: Rules = DEFAULT) -> Outcome:
    return compare(state, records, rules, baseline=False)


def kinds(outcome: Outcome) -> list[tuple[str, dict[str, Any]]]:
    return [(change["kind"], change["key"]) for change in outcome.changes]


def test_flatten_puts_data_url_and_text_formats_side_by_side_with_the_records_url_winning() -> None:
    record = {"url": "https://a.test/", "data": {"url": "/relative", "title": "T"}, "markdown": "# T", "x": 1}
    assert flatten(record) == {"url": "https://a.test/", "title": "T", "markdown": "# T"}


def test_key_is_canonical_json_so_spelling_of_numbers_spacing_and_field_order_do_not_split_a_record() -> None:
    rules = Rules(key=("sku", "shop"))
    assert key_of({"shop": " A  b", "sku": 1.0}, rules) == key_of({"sku": 1, "shop": "A b"}, rules)
    assert key_of({"sku": 1, "shop": "A b"}, rules) == '{"shop":"A b","sku":1}'
    assert key_of({"sku": 2, "shop": "A b"}, rules) != key_of({"sku": 1, "shop": "A b"}, rules)


def test_the_first_check_is_the_baseline_every_record_added_in_order_and_never_suspect() -> None:
    previous = baseline([product(i) for i in range(100)])
    outcome = compare(previous, [product(7), product(3)], Rules(), baseline=True)
    assert outcome.suspect is None
    assert [c["after"]["sku"] for c in outcome.changes] == [7, 3]
    assert {c["kind"] for c in outcome.changes} == {"added"}
    assert outcome.counts["added"] == outcome.counts["records"] == 2
    assert sorted(outcome.state) == sorted(key_of(flatten(r), Rules()) for r in (product(3), product(7)))


def test_the_same_records_again_change_nothing_and_keep_the_stored_records_as_they_are() -> None:
    records = [product(i, name=f"Item {i}", tags=["a", "b"]) for i in range(50)]
    state = baseline(records)
    outcome = check(state, copy.deepcopy(records))
    assert outcome.changes == []
    assert outcome.suspect is None
    assert all(outcome.state[key] is kept for key, kept in state.items())
    assert outcome.counts == dict.fromkeys(
        ("added", "removed", "changed", "text", "pending", "duplicates"), 0
    ) | {"records": 50}


def test_values_compare_as_they_read_numbers_as_numbers_whitespace_collapsed_missing_same_as_null() -> None:
    state = baseline([product(1, price=10, name="Blue  shirt", note=None, extra={"a": 1, "b": None})])
    same = product(1, price=10.0, name=" Blue shirt\n", extra={"a": 1.0})
    assert check(state, [same]).changes == []


def test_a_snapshot_read_back_with_its_fields_in_another_order_is_unchanged() -> None:
    records = [product(i, name=f"Item {i}", tags=["a"]) for i in range(20)]
    state = baseline(records)
    reordered = {key: Kept(dict(reversed(kept.data.items())), kept.digest) for key, kept in state.items()}
    assert check(reordered, records).changes == []


def test_the_digest_covers_what_is_compared_as_it_reads() -> None:
    rules = Rules(ignore=(r"\d\d:\d\d",))

    def digest(record: dict[str, Any]) -> str:
        (kept,) = baseline([record], rules).values()
        return kept.digest

    first = digest(product(1, seen="seen 10:31", name="A"))
    assert digest(product(1, seen="seen  11:02", name="A")) == first
    assert (
        digest({"url": "https://shop.test/p/1", "data": {"name": "A", "price": 10, "seen": "seen", "sku": 1}})
        == first
    )
    assert digest(product(1, seen="seen 10:31", name="B")) != first
    state = baseline([product(1, name="A")], rules)
    (kept,) = check(state, [product(1, name="B")], rules).state.values()
    assert kept.digest == digest(product(1, name="B"))


def test_a_changed_field_is_reported_with_its_before_and_after_values_as_scraped() -> None:
    state = baseline([product(1, price=10.0, name="Shirt"), product(2)])
    outcome = check(state, [product(1, price="8.50", name="Shirt"), product(2)])
    assert outcome.counts["changed"] == 1
    (change,) = outcome.changes
    assert change["kind"] == "changed"
    assert change["key"] == {"url": "https://shop.test/p/1"}
    assert change["fields"] == [{"field": "price", "before": 10.0, "after": "8.50"}]
    assert change["before"]["price"] == 10.0
    assert change["after"] == {"url": "https://shop.test/p/1", "sku": 1, "price": "8.50", "name": "Shirt"}


def test_true_and_one_are_different_values() -> None:
    state = baseline([product(1, in_stock=True)])
    assert kinds(check(state, [product(1, in_stock=1)])) == [("changed", {"url": "https://shop.test/p/1"})]


def test_lists_are_compared_in_order_a_reordered_list_is_a_change() -> None:
    state = baseline([product(1, sizes=["S", "M", "L"])])
    assert check(state, [product(1, sizes=["S", "M", "L"])]).changes == []
    (change,) = check(state, [product(1, sizes=["L", "M", "S"])]).changes
    assert change["fields"] == [{"field": "sizes", "before": ["S", "M", "L"], "after": ["L", "M", "S"]}]


def test_changes_are_ordered_changed_added_removed_then_text() -> None:
    rules = Rules(key=("sku",), confirm_removals=False)
    first = [{**product(1), "markdown": "a"}, product(2), product(3)]
    state = baseline(first, rules)
    second = [{**product(1, price=5), "markdown": "b"}, product(4), product(2)]
    outcome = check(state, second, rules)
    assert kinds(outcome) == [
        ("changed", {"sku": 1}),
        ("added", {"sku": 4}),
        ("removed", {"sku": 3}),
        ("text", {"sku": 1}),
    ]
    assert outcome.counts | {"records": 0} == {
        "added": 1, "removed": 1, "changed": 1, "text": 1, "pending": 0, "duplicates": 0, "records": 0
    }  # fmt: skip


def test_a_removal_is_confirmed_by_a_second_check_before_it_is_reported() -> None:
    state = baseline([product(1), product(2), product(3)])
    second = check(state, [product(1), product(2)])
    assert second.changes == []
    assert second.counts["pending"] == 1
    pending = second.state[key_of(flatten(product(3)), Rules())]
    assert pending.missing == 1
    third = check(second.state, [product(1), product(2)])
    assert kinds(third) == [("removed", {"url": "https://shop.test/p/3"})]
    assert third.changes[0]["before"]["sku"] == 3
    assert third.changes[0]["after"] is None
    assert key_of(flatten(product(3)), Rules()) not in third.state


def test_a_pending_record_that_comes_back_is_not_reported() -> None:
    state = baseline([product(1), product(2), product(3)])
    missing_once = check(state, [product(1), product(2)]).state
    back = check(missing_once, [product(1), product(2), product(3)])
    assert back.changes == []
    assert all(kept.missing == 0 for kept in back.state.values())
    assert check(back.state, [product(1), product(2)]).changes == []  # pending again, not removed


def test_a_pending_record_that_comes_back_changed_is_reported_as_changed() -> None:
    state = baseline([product(1), product(2), product(3)])
    missing_once = check(state, [product(1), product(2)]).state
    assert kinds(check(missing_once, [product(1), product(2), product(3, price=1)]))[0][0] == "changed"


def test_without_confirmation_a_missing_record_is_removed_at_once() -> None:
    rules = Rules(confirm_removals=False)
    state = baseline([product(1), product(2)], rules)
    outcome = check(state, [product(1)], rules)
    assert kinds(outcome) == [("removed", {"url": "https://shop.test/p/2"})]
    assert len(outcome.state) == 1


def test_a_sudden_drop_in_records_is_suspect_and_applies_nothing() -> None:
    state = baseline([product(i) for i in range(100)])
    outcome = check(state, [product(i, price=1) for i in range(40)])
    assert outcome.suspect is not None
    assert "40 records" in outcome.suspect
    assert "100" in outcome.suspect
    assert outcome.changes == []
    assert outcome.state == state
    assert check(state, [product(i) for i in range(50)]).suspect is None  # at the threshold: fine


def test_an_empty_check_after_a_full_one_is_suspect_not_everything_removed() -> None:
    state = baseline([product(1)], Rules(confirm_removals=False))
    outcome = check(state, [], Rules(confirm_removals=False))
    assert outcome.suspect is not None
    assert outcome.changes == []


def test_the_threshold_is_configurable_and_zero_turns_it_off() -> None:
    state = baseline([product(i) for i in range(10)])
    assert check(state, [product(1)], Rules(min_ratio=0.05)).suspect is None
    assert check(state, [product(1)], Rules(min_ratio=0.2)).suspect is not None
    assert check(state, [], Rules(min_ratio=0)).suspect is None


def test_pending_records_do_not_count_towards_the_previous_size() -> None:
    state = baseline([product(i) for i in range(10)])
    after_drop = check(state, [product(i) for i in range(6)]).state  # 4 pending
    assert check(after_drop, [product(i) for i in range(3)]).suspect is None  # 3 of 6 seen last time


def test_duplicate_keys_keep_the_first_record_and_are_counted() -> None:
    outcome = compare(
        {}, [product(1, price=1), product(1, price=2), product(1, price=3)], Rules(), baseline=True
    )
    assert outcome.counts["duplicates"] == 2
    assert outcome.counts["records"] == 1
    assert [c["after"]["price"] for c in outcome.changes] == [1]


def test_ignore_patterns_suppress_timestamp_only_changes_in_fields_and_text() -> None:
    rules = Rules(ignore=(r"Updated \d{1,2}:\d\d", r"\d+ views"))
    before = {**page("# News\nStory one\nUpdated 10:31"), "data": {"title": "News (1204 views)"}}
    after = {**page("# News\nStory one\nUpdated 11:02"), "data": {"title": "News (1390 views)"}}
    state = baseline([before], rules)
    assert check(state, [after], rules).changes == []
    assert len(check(state, [after], Rules()).changes) == 2  # without the patterns: both change


def test_a_check_under_new_ignore_patterns_reports_nothing_for_what_they_now_ignore() -> None:
    state = baseline([product(1, seen="10:31")])
    rules = Rules(ignore=(r"\d\d:\d\d",))
    outcome = check(state, [product(1, seen="11:02")], rules)
    assert outcome.changes == []
    assert check(outcome.state, [product(1, seen="12:00")], rules).changes == []


def test_hostile_and_unsupported_ignore_patterns_are_safe() -> None:
    started = time.perf_counter()
    rules = Rules(ignore=(r"(a+)+$",))
    state = baseline([product(1, name="a" * 50_000 + "!")], rules)
    assert check(state, [product(1, name="a" * 50_000 + "?")], rules).changes
    # Backtracking would take longer than the universe's age on 50,000 characters; RE2 is linear.
    # The bound is generous so a busy machine never trips it.
    assert time.perf_counter() - started < 30
    with pytest.raises(RegexError):
        check(state, [product(1)], Rules(ignore=(r"(a)\1",)))


def test_compare_limits_the_fields_that_count() -> None:
    rules = Rules(key=("sku",), compare=("price",))
    state = baseline([{**product(1, name="A"), "markdown": "one"}], rules)
    assert check(state, [{**product(1, name="B"), "markdown": "two"}], rules).changes == []
    (change,) = check(state, [product(1, price=3, name="B")], rules).changes
    assert [f["field"] for f in change["fields"]] == ["price"]
    with_text = Rules(key=("sku",), compare=("price", "markdown"))
    state = baseline([{**product(1), "markdown": "one"}], with_text)
    assert kinds(check(state, [{**product(1), "markdown": "two"}], with_text)) == [("text", {"sku": 1})]


def test_a_text_format_gets_one_unified_diff_per_record_with_line_counts() -> None:
    state = baseline(
        [page("# News\n\nFirst story\n\nSecond story\n"), page("# Other", url="https://o.test/")]
    )
    outcome = check(
        state,
        [
            page("# News\n\nFirst   story\n\nThird story\n\nFourth story"),
            page("# Other", url="https://o.test/"),
        ],
    )
    (change,) = outcome.changes
    assert change["kind"] == "text"
    assert change["format"] == "markdown"
    assert change["key"] == {"url": "https://shop.test/news"}
    assert change["added_lines"] == 2
    assert change["removed_lines"] == 1
    assert change["diff"].splitlines() == [
        "--- before",
        "+++ after",
        "@@ -1,3 +1,4 @@",
        " # News",
        " First story",
        "-Second story",
        "+Third story",
        "+Fourth story",
    ]
    assert "markdown" not in change["before"]
    assert "markdown" not in change["after"]


def test_blank_lines_and_spacing_alone_are_not_a_text_change() -> None:
    state = baseline([page("# News\nStory")])
    assert check(state, [page("# News\n\n\n   Story  \n")]).changes == []


def test_a_text_format_on_one_side_only_is_not_a_change() -> None:
    state = baseline([page("# News")])
    assert check(state, [{"url": "https://shop.test/news", "data": {"title": "News"}}]).changes == []


def test_a_long_diff_is_cut_and_says_so_while_counting_every_line() -> None:
    result = unified_diff([f"old {i}" for i in range(3000)], [f"new {i}" for i in range(3000)])
    lines = result["diff"].splitlines()
    assert len(lines) == 2001
    assert lines[-1].startswith("\\ diff cut at 2000 of ")
    assert result["truncated"] is True
    assert result["added_lines"] == result["removed_lines"] == 3000
    assert "truncated" not in unified_diff(["a"], ["b"])


def patched(before: list[str], diff: str) -> list[str]:
    """`before` with a unified diff applied, checking every context and removed line on the way."""
    out: list[str] = []
    position = 0
    for line in diff.split("\n")[2:] if diff else []:
        if line.startswith("@@"):
            start, _, length = line.split()[1][1:].partition(",")
            target = int(start) if length == "0" else int(start) - 1
            out.extend(before[position:target])
            position = target
        elif line.startswith("+"):
            out.append(line[1:])
        else:
            assert before[position] == line[1:]
            if line.startswith(" "):
                out.append(line[1:])
            position += 1
    return out + before[position:]


_LINES = st.lists(st.sampled_from(["a", "b", "c", "d", "", "x", "y"]), max_size=30)


@given(_LINES, _LINES)
@settings(max_examples=400, deadline=None)
def test_property_a_text_diff_turns_the_old_lines_into_the_new(before: list[str], after: list[str]) -> None:
    result = unified_diff(before, after, limit=10_000)
    assert patched(before, result["diff"]) == after
    assert result["added_lines"] - result["removed_lines"] == len(after) - len(before)
    assert (result["diff"] == "") == (before == after)


# Speed is measured by bench/bench_monitors.py (docs/benchmarks.md), never timed here.
def test_a_long_page_with_scattered_edits_shows_only_the_edits() -> None:
    before = [f"Line {k} of the page" for k in range(20_000)]
    after = [f"Line {k} was edited" if k % 100 == 0 else line for k, line in enumerate(before)]
    result = unified_diff(before, after)
    assert result["added_lines"] == result["removed_lines"] == 200
    assert patched(before, unified_diff(before, after, limit=100_000)["diff"]) == after


def test_one_change_among_ten_thousand_records_is_the_only_one_reported() -> None:
    records = [product(i, name=f"Item {i}", stock=i % 7, tags=["x", "y"]) for i in range(10_000)]
    state = baseline(records)
    records[5] = product(5, price=1, name="Item 5", stock=5, tags=["x", "y"])
    outcome = check(state, records)
    assert outcome.counts["changed"] == 1
    assert outcome.counts["added"] == outcome.counts["removed"] == 0


ERASED = [r"Updated \d{1,2}:\d\d", r"(?i)views?", r"x*", r"\s+$", r"^\w", r"é+", r"\b\d+\b"]


_TEXTS = st.text(alphabet="ab xé☃\n0123456789:UpdatedVIEWS", max_size=40)


@given(_TEXTS, st.sampled_from(ERASED))
@settings(max_examples=300, deadline=None)
def test_property_an_ignore_pattern_removes_what_substitution_removes(text: str, pattern: str) -> None:
    assert Eraser((pattern,))(text) == compile_regex(pattern).sub("", text)


@given(_TEXTS, st.lists(st.sampled_from(ERASED), min_size=1, max_size=3))
@settings(max_examples=300, deadline=None)
def test_property_asking_the_engine_directly_removes_what_the_wrapper_removes(
    text: str, patterns: list[str]
) -> None:
    fast, slow = Eraser(tuple(patterns)), Eraser(tuple(patterns))
    slow.engines = []
    assert fast.engines
    assert fast(text) == slow(text)


def test_several_ignore_patterns_are_removed_in_one_pass_leftmost_first() -> None:
    erase = Eraser((r"Updated \d\d:\d\d", r"\d+ views"))
    assert len(erase.patterns) == 1
    assert erase("Updated 10:31, 1204 views, 3 likes") == ", , 3 likes"


# Property checks over arbitrary JSON-like records.
_scalars = st.one_of(
    st.none(), st.booleans(), st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
)  # fmt: skip
_values = st.recursive(_scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=6)
_records = st.dictionaries(
    st.integers(0, 30),
    st.dictionaries(st.sampled_from(["price", "name", "stock", "tags"]), _values),
    max_size=20,
).map(lambda rows: [{"url": f"https://p.test/{k}", "data": data} for k, data in rows.items()])


@given(_records)
@settings(max_examples=150, deadline=None)
def test_property_the_same_records_twice_change_nothing(records: list[dict[str, Any]]) -> None:
    state = baseline(records)
    outcome = check(state, copy.deepcopy(records))
    assert outcome.changes == []
    assert outcome.state == state


@given(_records, _records)
@settings(max_examples=150, deadline=None)
def test_property_added_removed_and_changed_keys_follow_from_the_two_snapshots(
    first: list[dict[str, Any]], second: list[dict[str, Any]]
) -> None:
    rules = Rules(confirm_removals=False, min_ratio=0)
    state = baseline(first, rules)
    outcome = check(state, second, rules)
    before, after = {r["url"] for r in first}, {r["url"] for r in second}
    by_kind: dict[str, set[str]] = {"added": set(), "removed": set(), "changed": set()}
    for change in outcome.changes:
        by_kind[change["kind"]].add(change["key"]["url"])
    assert by_kind["added"] == after - before
    assert by_kind["removed"] == before - after
    assert by_kind["changed"] <= before & after
    assert check(outcome.state, copy.deepcopy(second), rules).changes == []  # the new state is the new truth
