"""The steps of a pipeline and the rules of its `validate` steps (one model per `op` and per `check`).

Everything here is checked when a definition arrives, so a bad step is a 422 naming
`steps.<index>.<op>.<field>`, never a job that fails later: expressions are parsed, regular
expressions compiled, group counts matched with the columns they fill.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from backend_fastapi import expressions
from backend_fastapi.schemas.common import StrictModel
from backend_fastapi.schemas.pipeline_rules import (
    CAST_TYPES,
    MAX_COLUMNS,
    CastType,
    ColumnName,
    OnFail,
    Rule,
    Scalar,
    check_regex,
)
from backend_fastapi.schemas.pipeline_sources import Source


def _expression(text: str) -> str:
    try:
        expressions.parse(text)
    except expressions.ExpressionError as exc:
        raise ValueError(str(exc)) from exc
    return text


Columns = Annotated[list[ColumnName], Field(min_length=1, max_length=MAX_COLUMNS)]
Expression = Annotated[str, Field(min_length=1, max_length=expressions.MAX_LENGTH)]


class SelectStep(StrictModel):
    """Keep these columns, in this order."""

    op: Literal["select"]
    columns: Columns


class DropStep(StrictModel):
    """Remove these columns."""

    op: Literal["drop"]
    columns: Columns
    missing_ok: bool = Field(default=False, description="Skip columns that do not exist instead of failing.")


class RenameStep(StrictModel):
    """Rename columns: `{"old": "new"}`."""

    op: Literal["rename"]
    columns: dict[ColumnName, ColumnName] = Field(min_length=1, max_length=MAX_COLUMNS)

    @field_validator("columns")
    @classmethod
    def _distinct_targets(cls, value: dict[str, str]) -> dict[str, str]:
        targets = list(value.values())
        if len(set(targets)) != len(targets):
            raise ValueError("two columns cannot be renamed to the same name")
        return value


class CastSpec(StrictModel):
    """A target type with parsing options."""

    type: CastType
    format: str | None = Field(
        default=None, max_length=100, description="date/datetime: strptime format such as `%d.%m.%Y`."
    )
    decimal: Literal[".", ","] = "."
    thousands: Literal[",", ".", " ", "'", ""] = ","

    @model_validator(mode="after")
    def _separators_differ(self) -> CastSpec:
        if self.decimal == self.thousands:
            raise ValueError("decimal and thousands separators must differ")
        return self


class CastStep(StrictModel):
    """Convert columns: `{"price": "number"}` or `{"day": {"type": "date", "format": "%d.%m.%Y"}}`.

    Values that cannot be converted become null (and are counted in the report), or fail the step
    with `errors: "fail"`.
    """

    op: Literal["cast"]
    columns: dict[ColumnName, CastType | CastSpec] = Field(min_length=1, max_length=MAX_COLUMNS)
    errors: Literal["null", "fail"] = "null"

    @field_validator("columns", mode="before")
    @classmethod
    def _known_types(cls, value: object) -> object:
        # One clear message instead of pydantic's two (one per member of the union).
        if isinstance(value, dict):
            for column, target in value.items():
                if isinstance(target, str) and target not in CAST_TYPES:
                    raise ValueError(f"{column}: unknown type {target!r}; use one of {', '.join(CAST_TYPES)}")
        return value

    def specs(self) -> dict[str, CastSpec]:
        """Every column's target type with its parsing options."""
        return {k: v if isinstance(v, CastSpec) else CastSpec(type=v) for k, v in self.columns.items()}


class FillNullStep(StrictModel):
    """Replace missing values per column: `{"price": 0, "brand": "unknown"}`."""

    op: Literal["fill_null"]
    columns: dict[ColumnName, Scalar] = Field(min_length=1, max_length=MAX_COLUMNS)
    blank_as_null: bool = Field(default=False, description="Treat empty or whitespace-only text as missing.")


class DropNullStep(StrictModel):
    """Drop rows with missing values in `columns` (all columns when left out)."""

    op: Literal["drop_null"]
    columns: list[ColumnName] | None = Field(default=None, max_length=MAX_COLUMNS)
    how: Literal["any", "all"] = "any"
    blank_as_null: bool = False


class DedupeStep(StrictModel):
    """Drop repeated rows, comparing `subset` (all columns when left out)."""

    op: Literal["dedupe"]
    subset: list[ColumnName] | None = Field(default=None, max_length=MAX_COLUMNS)
    keep: Literal["first", "last"] = "first"


class FilterStep(StrictModel):
    """Keep the rows for which `expr` is true (see the expression language in docs/pipelines.md)."""

    op: Literal["filter"]
    expr: Expression

    _expr = field_validator("expr")(_expression)


class SortKey(StrictModel):
    column: ColumnName
    descending: bool = False


class SortStep(StrictModel):
    """Order rows by columns; stable, missing values last."""

    op: Literal["sort"]
    by: list[ColumnName | SortKey] = Field(min_length=1, max_length=50)
    descending: bool = Field(default=False, description="Direction of the keys given as plain names.")
    nulls: Literal["first", "last"] = "last"

    def keys(self) -> list[SortKey]:
        """The sort keys, plain names with the step's direction."""
        return [
            k if isinstance(k, SortKey) else SortKey(column=k, descending=self.descending) for k in self.by
        ]


class LimitStep(StrictModel):
    """Keep `n` rows after skipping `offset`."""

    op: Literal["limit"]
    n: int = Field(ge=0, le=10**9)
    offset: int = Field(default=0, ge=0, le=10**9)


class TrimStep(StrictModel):
    """Strip leading and trailing whitespace from text columns (all text columns when left out)."""

    op: Literal["trim"]
    columns: list[ColumnName] | None = Field(default=None, max_length=MAX_COLUMNS)


class NormalizeStep(StrictModel):
    """Clean text: whitespace, letter case, Unicode compatibility forms, blanks to null."""

    op: Literal["normalize"]
    columns: list[ColumnName] | None = Field(default=None, max_length=MAX_COLUMNS)
    whitespace: Literal["collapse", "trim", "keep"] = Field(
        default="collapse", description="collapse: trim and turn inner runs of whitespace into one space."
    )
    case: Literal["lower", "upper", "title"] | None = None
    unicode: bool = Field(default=False, description="Apply NFKC (full-width letters, ligatures, nbsp).")
    blank_as_null: bool = False


class RegexExtractStep(StrictModel):
    """Copy what a regular expression captures from `column` into new columns."""

    op: Literal["regex_extract"]
    column: ColumnName
    pattern: str = Field(min_length=1, max_length=expressions.MAX_PATTERN_LENGTH)
    into: ColumnName | list[ColumnName] | None = Field(
        default=None, description="One column per group; named groups name the columns when left out."
    )

    _pattern = field_validator("pattern")(check_regex)

    @model_validator(mode="after")
    def _groups_fit(self) -> RegexExtractStep:
        compiled = expressions.check_pattern(self.pattern)
        if self.into is None:
            if not compiled.groupindex or len(compiled.groupindex) != compiled.groups:
                raise ValueError("give 'into', or name every group of the pattern: (?P<name>...)")
        elif isinstance(self.into, list):
            if len(self.into) != compiled.groups:
                raise ValueError(
                    f"'into' names {len(self.into)} columns but the pattern has {compiled.groups} groups"
                )
        elif compiled.groups > 1:
            raise ValueError(
                f"the pattern has {compiled.groups} groups: give 'into' as a list of as many columns"
            )
        return self

    def targets(self) -> list[str]:
        """The columns the groups fill, in group order."""
        compiled = expressions.check_pattern(self.pattern)
        if self.into is None:
            return sorted(compiled.groupindex, key=compiled.groupindex.__getitem__)
        return self.into if isinstance(self.into, list) else [self.into]


class SplitStep(StrictModel):
    """Split text at `separator` into the columns `into`, or into one row per part with `explode`."""

    op: Literal["split"]
    column: ColumnName
    separator: str = Field(min_length=1, max_length=100)
    regex: bool = False
    into: list[ColumnName] | None = Field(default=None, min_length=1, max_length=100)
    explode: bool = False
    trim: bool = Field(default=True, description="Strip whitespace around every part.")

    @model_validator(mode="after")
    def _one_mode(self) -> SplitStep:
        if (self.into is None) == (not self.explode):
            raise ValueError("give either 'into' (columns) or 'explode': true (rows)")
        if self.regex:
            check_regex(self.separator)
        return self


class MergeStep(StrictModel):
    """Join the text of several columns into one."""

    op: Literal["merge"]
    columns: list[ColumnName] = Field(min_length=2, max_length=MAX_COLUMNS)
    into: ColumnName
    separator: str = Field(default=" ", max_length=100)
    drop: bool = Field(default=False, description="Remove the merged columns afterwards.")
    skip_null: bool = Field(default=True, description="Leave missing values out instead of writing ''.")


class DeriveStep(StrictModel):
    """Compute columns from expressions, in order: `{"total": "price * qty"}`."""

    op: Literal["derive"]
    columns: dict[ColumnName, Expression] = Field(min_length=1, max_length=100)

    @field_validator("columns")
    @classmethod
    def _parse_all(cls, value: dict[str, str]) -> dict[str, str]:
        for name, text in value.items():
            try:
                expressions.parse(text)
            except expressions.ExpressionError as exc:
                raise ValueError(f"{name}: {exc}") from exc
        return value


class JoinStep(StrictModel):
    """Join the rows of another source on key columns."""

    op: Literal["join"]
    source: Source
    on: list[ColumnName] | None = Field(default=None, min_length=1, max_length=20)
    left_on: list[ColumnName] | None = Field(default=None, min_length=1, max_length=20)
    right_on: list[ColumnName] | None = Field(default=None, min_length=1, max_length=20)
    how: Literal["inner", "left", "right", "outer"] = "left"
    suffix: str = Field(default="_right", min_length=1, max_length=50)

    @model_validator(mode="after")
    def _keys(self) -> JoinStep:
        if self.on is not None and (self.left_on or self.right_on):
            raise ValueError("give either 'on' or 'left_on' with 'right_on', not both")
        if self.on is None and (self.left_on is None or self.right_on is None):
            raise ValueError("give 'on', or both 'left_on' and 'right_on'")
        if self.on is None and len(self.left_on or []) != len(self.right_on or []):
            raise ValueError("'left_on' and 'right_on' must name as many columns")
        return self


class AppendStep(StrictModel):
    """Add the rows of another source below (columns are matched by name)."""

    op: Literal["append"]
    source: Source


AggregateFn = Literal["count", "count_distinct", "sum", "mean", "median", "min", "max", "first", "last"]


class Aggregation(StrictModel):
    fn: AggregateFn
    column: ColumnName | None = Field(default=None, description="Not needed for `count` (counts rows).")
    as_: ColumnName | None = Field(default=None, alias="as")

    @model_validator(mode="after")
    def _column_needed(self) -> Aggregation:
        if self.column is None and self.fn != "count":
            raise ValueError(f"'{self.fn}' needs a 'column'")
        return self

    @property
    def output(self) -> str:
        """The output column's name: `as`, or `<column>_<fn>` (`count` alone: `count`)."""
        if self.as_:
            return self.as_
        return "count" if self.column is None else f"{self.column}_{self.fn}"


class AggregateStep(StrictModel):
    """Group rows by `group_by` (one group when empty) and compute one row per group."""

    op: Literal["aggregate"]
    group_by: list[ColumnName] = Field(default_factory=list, max_length=50)
    aggregations: list[Aggregation] = Field(min_length=1, max_length=200)

    @model_validator(mode="after")
    def _distinct_outputs(self) -> AggregateStep:
        names = [*self.group_by, *(a.output for a in self.aggregations)]
        if len(set(names)) != len(names):
            raise ValueError("output column names must be distinct (use 'as' to rename)")
        return self


class ValidateStep(StrictModel):
    """Check rules; failing rows are dropped, reported (`warn`) or fail the job (`fail`)."""

    op: Literal["validate"]
    rules: list[Rule] = Field(min_length=1, max_length=100)
    on_fail: OnFail = "fail"


Step = Annotated[
    SelectStep
    | DropStep
    | RenameStep
    | CastStep
    | FillNullStep
    | DropNullStep
    | DedupeStep
    | FilterStep
    | SortStep
    | LimitStep
    | TrimStep
    | NormalizeStep
    | RegexExtractStep
    | SplitStep
    | MergeStep
    | DeriveStep
    | JoinStep
    | AppendStep
    | AggregateStep
    | ValidateStep,
    Field(discriminator="op"),
]
STEP_OPS = (
    "select drop rename cast fill_null drop_null dedupe filter sort limit trim normalize regex_extract "
    "split merge derive join append aggregate validate"
).split()
