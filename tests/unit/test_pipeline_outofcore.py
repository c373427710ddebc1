"""The out-of-core path (large inputs: whole-table steps in DuckDB) gives what the in-memory path gives."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backend_fastapi.pipelines import engine
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.errors import StepFailed, ValidationFailed

REPO_ROOT = Path(__file__).resolve().parents[2]
ROWS = 6_000


def orders_csv(path: Path) -> Path:
    """Orders with repeats, missing values in keys and numbers, text numbers and bad values."""
    rng = np.random.default_rng(7)
    n = ROWS
    frame = pd.DataFrame(
        {
            "order_id": rng.integers(0, n // 2, n),
            "sku": [f"SKU-{i:03d}" for i in rng.integers(0, 300, n)],
            "category": rng.choice(["books", "music", "toys", "", "Games"], n),
            "price": np.round(rng.gamma(2.0, 15.0, n), 2).astype(str),
            "qty": rng.integers(0, 6, n),
            "rating": np.where(rng.random(n) < 0.2, np.nan, rng.integers(1, 6, n)),
            "country": rng.choice(["DE", "FR", "NL", "AT"], n),
            "ts": (
                pd.Timestamp("2024-01-01") + pd.to_timedelta(rng.integers(0, 86400 * 90, n), unit="s")
            ).strftime("%Y-%m-%dT%H:%M:%S"),
            "flag": rng.choice(["yes", "no", ""], n),
            "day": rng.choice(["2024-02-29", "2023-12-31", "5 Jan 2024", ""], n),
            "stamp": rng.choice(
                ["2024-03-01T10:00:00+02:00", "2024-03-01T09:30:00Z", "2024-03-02T00:00:00-05:00"], n
            ),
            # Empty in most chunks, text in a few: each chunk types it by itself.
            "note": np.where(np.arange(n) % 2000 < 40, "gift", ""),
        }
    )
    frame.loc[rng.random(n) < 0.03, "price"] = "n/a"
    frame.loc[rng.random(n) < 0.05, "country"] = ""
    repeats = frame.sample(n // 10, random_state=3)
    frame = pd.concat([frame, repeats]).sample(frac=1, random_state=4)
    frame.to_csv(path, index=False)
    return path


CAST: dict[str, Any] = {
    "op": "cast",
    "columns": {"price": "number", "qty": "integer", "ts": "datetime", "flag": "boolean"},
}
AGGREGATIONS: list[dict[str, Any]] = [
    {"fn": "count"},
    {"fn": "count", "column": "rating"},
    {"fn": "count_distinct", "column": "sku"},
    {"fn": "sum", "column": "price"},
    {"fn": "sum", "column": "qty"},
    {"fn": "mean", "column": "price"},
    {"fn": "mean", "column": "qty"},
    {"fn": "median", "column": "rating"},
    {"fn": "min", "column": "sku"},
    {"fn": "max", "column": "ts"},
    {"fn": "max", "column": "qty"},
    {"fn": "first", "column": "rating"},
    {"fn": "last", "column": "price"},
]
# The rows' labels have gaps after the filter: samples must name the same rows either way.
VALIDATE: dict[str, Any] = {
    "op": "validate",
    "on_fail": "warn",
    "rules": [
        {"check": "unique", "column": "order_id"},
        {"check": "unique", "columns": ["sku", "country", "rating"], "on_fail": "drop"},
        {"check": "not_null", "column": "rating"},
        {"check": "between", "column": "price", "min": 5},
    ],
}
PIPELINES: dict[str, list[dict[str, Any]]] = {
    "cast-dedupe-filter-aggregate": [
        CAST,
        {"op": "dedupe"},
        {"op": "filter", "expr": "qty > 0 and price >= 1"},
        {
            "op": "aggregate",
            "group_by": ["category", "country"],
            "aggregations": [
                {"fn": "count", "as": "orders"},
                {"fn": "sum", "column": "price", "as": "revenue"},
                {"fn": "mean", "column": "price", "as": "avg_price"},
                {"fn": "max", "column": "qty", "as": "max_qty"},
            ],
        },
    ],
    "dedupe-keep-first-by-key": [CAST, {"op": "dedupe", "subset": ["order_id"]}],
    "dedupe-by-no-columns-keeps-every-row": [{"op": "dedupe", "subset": []}],
    "dedupe-keep-last-by-keys-with-nulls": [
        {"op": "dedupe", "subset": ["country", "category"], "keep": "last"},
    ],
    "every-aggregate-with-null-keys": [
        CAST,
        {"op": "aggregate", "group_by": ["country", "flag"], "aggregations": AGGREGATIONS},
    ],
    "sort-stable-nulls-last-then-derive-and-limit": [
        CAST,
        {"op": "sort", "by": [{"column": "rating", "descending": True}, "country"]},
        {"op": "derive", "columns": {"total": "price * qty"}},
        {"op": "limit", "n": 2_500, "offset": 10},
    ],
    "dates-times-and-a-column-typed-per-chunk": [
        {"op": "cast", "columns": {"day": "date", "stamp": "datetime"}},
        {"op": "dedupe", "subset": ["day", "stamp", "note"], "keep": "last"},
        {"op": "sort", "by": ["stamp", {"column": "day", "descending": True}]},
    ],
    "aggregate-dates-times-and-sparse-text": [
        {"op": "cast", "columns": {"day": "date", "stamp": "datetime"}},
        {
            "op": "aggregate",
            "group_by": ["day", "note"],
            "aggregations": [
                {"fn": "min", "column": "stamp"},
                {"fn": "max", "column": "stamp"},
                {"fn": "first", "column": "note"},
                {"fn": "count", "column": "note"},
            ],
        },
    ],
    "sort-nulls-first-select-rename": [
        {"op": "select", "columns": ["order_id", "category", "rating"]},
        {"op": "sort", "by": ["category", "rating"], "descending": True, "nulls": "first"},
        {"op": "rename", "columns": {"rating": "stars"}},
    ],
    "every-aggregate-over-all-rows": [CAST, {"op": "aggregate", "aggregations": AGGREGATIONS}],
    "validate-unique-keys-with-nulls-and-other-rules": [CAST, {"op": "filter", "expr": "qty > 0"}, VALIDATE],
    "validate-unique-drop-then-aggregate": [
        CAST,
        {"op": "validate", "rules": [{"check": "unique", "columns": ["order_id", "ts"]}], "on_fail": "drop"},
        {"op": "aggregate", "group_by": ["country"], "aggregations": [{"fn": "count"}]},
    ],
    "aggregate-over-no-rows": [
        CAST,
        {"op": "filter", "expr": "qty < 0"},
        {"op": "aggregate", "aggregations": AGGREGATIONS},
    ],
    "dedupe-sort-aggregate-chain": [
        CAST,
        {"op": "dedupe", "subset": ["sku", "country"]},
        {"op": "validate", "on_fail": "drop", "rules": [{"check": "between", "column": "price", "min": 5}]},
        {"op": "sort", "by": ["price"]},
        {"op": "aggregate", "group_by": ["sku"], "aggregations": [{"fn": "first", "column": "country"}]},
    ],
}


def run(
    tmp_path: Path,
    source: Path,
    steps: list[dict[str, Any]],
    *,
    large: bool,
    large_input_mb: int | None = None,
    inputs: dict[str, Any] | None = None,
    chunk_rows: int = 1_000,
) -> dict[str, Any]:
    """Run the engine on `source` to Parquet; `large` makes every file count as a large input."""
    out_dir = tmp_path / ("large" if large else "memory") / "out"
    out_dir.mkdir(parents=True)
    spec = ChildSpec.model_validate(
        {
            "steps": steps,
            "inputs": {"source": {"path": str(source), "format": "csv"}, **(inputs or {})},
            "outputs": [{"format": "parquet", "name": "result"}],
            "out_dir": str(out_dir),
            "records_path": None,
            "preview_rows": None,
            # Small chunks so that every step sees many of them and spilled parts.
            "chunk_rows": chunk_rows,
            "large_input_mb": 0 if large else large_input_mb,
            "memory_limit_mb": 512,
        }
    )
    result = engine.run(spec)
    result["frame"] = pd.read_parquet(out_dir / "result.parquet")
    return result


def comparable(report: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in step.items() if k != "seconds"} for step in report["steps"]]


@pytest.mark.parametrize("name", PIPELINES)
def test_the_out_of_core_path_gives_the_in_memory_result(tmp_path: Path, name: str) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    memory = run(tmp_path, source, PIPELINES[name], large=False)
    large = run(tmp_path, source, PIPELINES[name], large=True)

    assert "out_of_core_steps" not in memory["source"]
    assert large["source"]["out_of_core_steps"], "the large input ran in memory"
    # Types, nulls, row order, dedupe's kept rows and aggregate names all equal; float sums may
    # differ in the last bits (the order of additions).
    pd.testing.assert_frame_equal(large["frame"], memory["frame"], check_exact=False, rtol=1e-12)
    assert comparable(large) == comparable(memory)
    assert large.get("validation") == memory.get("validation")  # counts and samples, row by row
    assert large["rows"] == memory["rows"]
    assert large["source"]["rows"] == memory["source"]["rows"] == ROWS + ROWS // 10


def test_a_unique_rule_out_of_core_sees_every_row_when_a_later_limit_stops_reading(tmp_path: Path) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    steps = [CAST, {"op": "filter", "expr": "qty > 0"}, VALIDATE, {"op": "limit", "n": 900}]
    memory = run(tmp_path, source, steps, large=False)
    large = run(tmp_path, source, steps, large=True)
    assert large["source"]["out_of_core_steps"] == [2]
    pd.testing.assert_frame_equal(large["frame"], memory["frame"])
    # The limit stopped after a few chunks out of core, but the rules counted every row.
    assert comparable(large)[:3] == comparable(memory)[:3]
    assert large["validation"] == memory["validation"]
    assert large["validation"]["rules"][0]["failed"] > 0


def test_a_failing_unique_rule_fails_the_run_out_of_core_as_in_memory(tmp_path: Path) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    steps = [{"op": "validate", "rules": [{"check": "unique", "column": "order_id"}], "on_fail": "fail"}]
    errors = []
    for large in (False, True):
        with pytest.raises(ValidationFailed) as failed:
            run(tmp_path / str(large), source, [*steps, {"op": "dedupe"}], large=large)
        errors.append((failed.value.message, failed.value.details["rules"]))
    assert errors[0] == errors[1]
    assert "rows fail rule 0 (order_id unique)" in errors[0][0]


def lookup_csv(path: Path) -> Path:
    """SKUs with a brand, a whole-number weight and a flag: some SKUs twice (a row joins twice),
    one in 100 of the orders' SKUs missing, so that some chunks of 50 orders match every row (whole
    numbers stay whole) and others do not (their gaps make them floats)."""
    skus = [f"SKU-{i:03d}" for i in range(300) if i % 100 != 2]
    frame = pd.DataFrame(
        {
            "sku": skus + skus[:5],
            "brand": [f"brand {i % 7}" for i in range(len(skus) + 5)],
            "weight": list(range(len(skus) + 5)),
            "fragile": [i % 2 == 0 for i in range(len(skus) + 5)],
        }
    )
    frame.to_csv(path, index=False)
    return path


@pytest.mark.parametrize("how", ["left", "inner"])
def test_a_left_or_inner_join_streams_and_gives_the_whole_frames_join_in_memory_and_out_of_core(
    tmp_path: Path, how: str
) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    lookup = lookup_csv(tmp_path / "lookup.csv")
    steps: list[dict[str, Any]] = [
        {"op": "cast", "columns": {"price": "number"}},
        {"op": "join", "source": {"type": "inline", "records": []}, "on": ["sku"], "how": how},
        {"op": "dedupe", "subset": ["order_id", "brand"]},
    ]
    inputs = {"1": {"path": str(lookup), "format": "csv"}}
    known = set(pd.read_csv(lookup)["sku"])
    matched = pd.read_csv(source)["sku"].isin(known)
    assert matched.head(50).all()  # the first chunk matches every row: its weights stay whole
    assert not matched.all()  # others do not: theirs become floats
    streamed = run(tmp_path / "streamed", source, steps, large=False, inputs=inputs, chunk_rows=50)
    large = run(tmp_path / "large", source, steps, large=True, inputs=inputs, chunk_rows=50)
    whole = run(tmp_path / "whole", source, steps, large=False, inputs=inputs, chunk_rows=1_000_000)

    assert streamed["source"]["streamed_steps"] == 2  # cast and join ran chunk by chunk
    assert whole["source"]["rows"] == streamed["source"]["rows"]
    assert large["source"]["out_of_core_steps"] == [2]
    frame = whole["frame"]
    assert 0 < frame["brand"].notna().sum() < len(frame) or how == "inner"
    assert frame["weight"].dtype == ("float64" if how == "left" else "int64")
    pd.testing.assert_frame_equal(streamed["frame"], frame)
    pd.testing.assert_frame_equal(large["frame"], frame)
    assert comparable(streamed) == comparable(whole) == comparable(large)


def shelves_csv(path: Path, key: str) -> Path:
    """Shelves by category (`key` names the column): a category twice (a row joins twice), one with
    no order (a row only this side has), a missing category (it matches the orders' missing ones,
    as pandas matches missing keys), a country key, whole numbers and a column named as an order's."""
    frame = pd.DataFrame(
        {
            key: ["books", "music", None, "comics", "books", "Games"],
            "country": ["DE", "FR", "NL", "DE", "AT", None],
            "shelf": [1, 2, 3, 4, 5, 6],
            "qty": [10, 20, 30, 40, 50, 60],
            "fragile": [True, False, True, False, True, False],
        }
    )
    frame.to_csv(path, index=False)
    return path


JOINS: dict[str, dict[str, Any]] = {
    "right-on-a-key": {"how": "right", "on": ["category"]},
    "outer-on-a-key": {"how": "outer", "on": ["category"]},
    "outer-on-two-keys": {"how": "outer", "on": ["category", "country"]},
    "right-on-differently-named-keys": {"how": "right", "left_on": ["category"], "right_on": ["kind"]},
    "outer-on-differently-named-keys": {"how": "outer", "left_on": ["category"], "right_on": ["kind"]},
}


@pytest.mark.parametrize("then", ["nothing", "dedupe-sort-validate"])
@pytest.mark.parametrize("join", list(JOINS))
def test_a_right_or_outer_join_runs_out_of_core_as_in_memory(tmp_path: Path, join: str, then: str) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    spec = JOINS[join]
    shelves = shelves_csv(tmp_path / "shelves.csv", "kind" if "left_on" in spec else "category")
    after: list[dict[str, Any]] = []
    if then != "nothing":
        after = [
            {"op": "dedupe", "subset": ["order_id", "shelf"]},
            {"op": "sort", "by": ["shelf", "order_id"], "nulls": "first"},
            {"op": "validate", "rules": [{"check": "not_null", "column": "order_id"}], "on_fail": "warn"},
        ]
    steps = [
        {"op": "cast", "columns": {"price": "number"}},
        {"op": "join", "source": {"type": "inline", "records": []}, **spec},
        *after,
    ]
    inputs = {"1": {"path": str(shelves), "format": "csv"}}
    memory = run(tmp_path / "memory", source, steps, large=False, inputs=inputs)
    large = run(tmp_path / "large", source, steps, large=True, inputs=inputs)
    assert large["source"]["out_of_core_steps"][0] == 1
    frame = memory["frame"]
    assert frame["order_id"].isna().any()  # rows only the shelves have
    assert frame["shelf"].isna().any() == (spec["how"] == "outer")  # and rows only the orders have
    pd.testing.assert_frame_equal(large["frame"], frame)
    assert comparable(large) == comparable(memory)
    assert large.get("validation") == memory.get("validation")


def returns_csv(path: Path, rows: int) -> Path:
    """Returned orders: some columns of the orders (`qty` as decimals), one of their own."""
    frame = pd.DataFrame(
        {
            "order_id": range(rows),
            "sku": [f"SKU-{i % 50:03d}" for i in range(rows)],
            "qty": [i % 4 + 0.5 for i in range(rows)],
            "reason": [["damaged", "late", ""][i % 3] for i in range(rows)],
        }
    )
    frame.to_csv(path, index=False)
    return path


AFTER_APPEND: dict[str, list[dict[str, Any]]] = {
    "dedupe-sort": [
        {"op": "dedupe", "subset": ["order_id", "sku"]},
        {"op": "sort", "by": ["sku", "order_id"]},
    ],
    # Rows numbered anew after the append: samples name the same rows either way.
    "validate-unique": [
        {
            "op": "validate",
            "on_fail": "warn",
            "rules": [
                {"check": "unique", "columns": ["order_id", "sku"]},
                {"check": "between", "column": "qty", "min": 1},
            ],
        },
    ],
    # Streamed steps and a summary after it use columns only one side has.
    "derive-aggregate": [
        {"op": "derive", "columns": {"double": "qty * 2", "why": "coalesce(reason, category)"}},
        {
            "op": "aggregate",
            "aggregations": [
                {"fn": "count"},
                {"fn": "sum", "column": "double"},
                {"fn": "sum", "column": "units"},  # whole numbers on one side only: floats in all
                {"fn": "max", "column": "units"},
                {"fn": "count_distinct", "column": "why"},
                {"fn": "max", "column": "rating"},
                {"fn": "first", "column": "reason"},
            ],
        },
    ],
}


@pytest.mark.parametrize("after", list(AFTER_APPEND))
@pytest.mark.parametrize(
    ("kept", "returned"),
    [("qty >= 0", 2_500), ("qty >= 0", 0), ("qty < 0", 2_500), ("qty < 0", 0)],
    ids=["both-sides", "no-returns", "no-orders", "neither"],
)
def test_append_runs_out_of_core_as_in_memory(tmp_path: Path, kept: str, returned: int, after: str) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    inputs = {"2": {"path": str(returns_csv(tmp_path / "returns.csv", returned)), "format": "csv"}}
    steps: list[dict[str, Any]] = [
        {"op": "filter", "expr": kept},
        {"op": "derive", "columns": {"units": "qty + 1"}},
        {"op": "append", "source": {"type": "inline", "records": []}},
        *AFTER_APPEND[after],
    ]
    if after == "derive-aggregate" and (kept != "qty >= 0" or not returned):
        # One side is empty: it adds no columns, so a column only it has is unknown both ways.
        messages = []
        for large_input in (False, True):
            with pytest.raises(StepFailed) as failed:
                run(tmp_path / str(large_input), source, steps, large=large_input, inputs=inputs)
            messages.append(failed.value.message)
        assert messages[0] == messages[1]
        assert "unknown column" in messages[0]
        return
    memory = run(tmp_path / "memory", source, steps, large=False, inputs=inputs)
    large = run(tmp_path / "large", source, steps, large=True, inputs=inputs)
    whole_steps = {"dedupe-sort": [2, 3, 4], "derive-aggregate": [2, 4], "validate-unique": [2, 3]}
    assert large["source"]["out_of_core_steps"] == whole_steps[after]
    pd.testing.assert_frame_equal(large["frame"], memory["frame"])
    assert comparable(large) == comparable(memory)
    assert large.get("validation") == memory.get("validation")


def write_every_format(
    tmp_path: Path,
    source: Path,
    steps: list[dict[str, Any]],
    large: bool,
    inputs: dict[str, Any] | None = None,
) -> Path:
    out_dir = tmp_path / ("large" if large else "memory")
    (out_dir / "out").mkdir(parents=True)
    outputs = [
        {"format": "csv", "name": "escaped"},
        {"format": "csv", "name": "raw", "escape_formulas": False},
        {"format": "json", "name": "rows"},
        {"format": "jsonl", "name": "lines"},
        {"format": "xlsx", "name": "sheet"},
        {"format": "parquet", "name": "table"},
    ]
    spec = {
        "steps": steps,
        "inputs": {"source": {"path": str(source), "format": "csv"}, **(inputs or {})},
        "outputs": outputs,
        "out_dir": str(out_dir / "out"),
        "records_path": str(out_dir / "records.jsonl"),
        "preview_rows": None,
        "chunk_rows": 1_000,
        "large_input_mb": 0 if large else None,
    }
    result = engine.run(ChildSpec.model_validate(spec))
    assert ("out_of_core_steps" in result["source"]) is large
    assert [o["rows"] for o in result["outputs"]] == [result["rows"]] * len(outputs)
    return out_dir


@pytest.mark.parametrize("appended", [False, True], ids=["dedupe", "dedupe-then-append"])
def test_every_output_format_and_the_records_are_written_slice_by_slice_as_in_memory(
    tmp_path: Path, appended: bool
) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    steps: list[dict[str, Any]] = [
        CAST,
        {"op": "dedupe", "subset": ["order_id"]},
        {"op": "derive", "columns": {"label": "concat('=', sku)"}},
    ]
    inputs = None
    if appended:  # the result's last parts lack the orders' columns and have one of their own
        steps.append({"op": "append", "source": {"type": "inline", "records": []}})
        inputs = {"3": {"path": str(returns_csv(tmp_path / "returns.csv", 2_500)), "format": "csv"}}
    memory = write_every_format(tmp_path, source, steps, large=False, inputs=inputs)
    large = write_every_format(tmp_path, source, steps, large=True, inputs=inputs)
    for name in ("escaped.csv", "raw.csv", "rows.json", "lines.jsonl"):
        assert (large / "out" / name).read_bytes() == (memory / "out" / name).read_bytes(), name
    assert (large / "records.jsonl").read_bytes() == (memory / "records.jsonl").read_bytes()
    pd.testing.assert_frame_equal(
        pd.read_parquet(large / "out" / "table.parquet"), pd.read_parquet(memory / "out" / "table.parquet")
    )
    sheets = [pd.read_excel(d / "out" / "sheet.xlsx", sheet_name=None) for d in (large, memory)]
    assert sheets[0].keys() == sheets[1].keys()
    for name in sheets[0]:
        pd.testing.assert_frame_equal(sheets[0][name], sheets[1][name])
    assert not (large / "outofcore-result").exists()
    assert "'=SKU" in (large / "out" / "escaped.csv").read_text()


def test_a_small_input_stays_in_memory_under_the_threshold(tmp_path: Path) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    result = run(tmp_path, source, [{"op": "dedupe"}], large=False, large_input_mb=1)  # the file: < 1 MB
    assert "out_of_core_steps" not in result["source"]


def test_an_out_of_core_step_error_names_the_step_as_in_memory(tmp_path: Path) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    steps = [{"op": "aggregate", "group_by": ["country"], "aggregations": [{"fn": "sum", "column": "sku"}]}]
    messages = []
    for large in (False, True):
        with pytest.raises(StepFailed) as caught:
            run(tmp_path / str(large), source, steps, large=large)
        messages.append(caught.value.message)
    assert messages[0] == messages[1]
    assert "steps[0] (aggregate) failed" in messages[0]


def test_a_column_mixing_text_and_numbers_fails_out_of_core_naming_the_step(tmp_path: Path) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    steps: list[dict[str, Any]] = [{"op": "fill_null", "columns": {"rating": "none"}}, {"op": "dedupe"}]
    with pytest.raises(StepFailed) as caught:
        run(tmp_path, source, steps, large=True)
    message = "steps[1] (dedupe) failed: a column mixes types, which cannot run out of core; cast it"
    assert caught.value.message.startswith(message)


LAZY_PROBE = """
import json, sys
from pathlib import Path
from backend_fastapi.pipelines import engine, forkserver, handler
from backend_fastapi.pipelines.child_spec import ChildSpec
import backend_fastapi.worker
out = Path(sys.argv[1])
body = {"steps": [{"op": "dedupe"}], "inputs": {"source": {"path": sys.argv[2], "format": "csv"}},
        "outputs": [], "out_dir": str(out), "records_path": None, "preview_rows": None,
        "large_input_mb": int(sys.argv[3]), "memory_limit_mb": 512}
engine.run(ChildSpec.model_validate(body))
print(json.dumps("duckdb" in sys.modules))
"""


@pytest.mark.parametrize(("large_input_mb", "imported"), [(100, False), (0, True)])
def test_duckdb_is_imported_only_by_runs_that_take_the_large_path(
    tmp_path: Path, large_input_mb: int, imported: bool
) -> None:
    source = orders_csv(tmp_path / "orders.csv")
    (tmp_path / "out").mkdir()
    command = [sys.executable, "-c", LAZY_PROBE, str(tmp_path / "out"), str(source), str(large_input_mb)]
    done = subprocess.run(command, cwd=REPO_ROOT, capture_output=True, text=True, check=True, timeout=120)
    assert json.loads(done.stdout.strip().splitlines()[-1]) is imported
