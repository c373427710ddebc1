"""Column names, value types and the rules of `validate` steps (one model per `check`)."""

from __future__ import annotations

from typing import Annotated, Literal, get_args

from pydantic import Field, field_validator, model_validator

from backend_fastapi import expressions
from backend_fastapi.schemas.common import StrictModel

ColumnName = Annotated[str, Field(min_length=1, max_length=200)]
Scalar = str | int | float | bool | None
CastType = Literal["string", "number", "integer", "boolean", "date", "datetime"]
CAST_TYPES: tuple[str, ...] = get_args(CastType)
OnFail = Literal["drop", "warn", "fail"]
MAX_COLUMNS = 1000


def check_regex(pattern: str) -> str:
    """A regular expression that compiles (a ValueError naming the problem otherwise)."""
    try:
        expressions.check_pattern(pattern)
    except expressions.ExpressionError as exc:
        raise ValueError(str(exc)) from exc
    return pattern


class _Rule(StrictModel):
    column: ColumnName
    on_fail: OnFail | None = Field(default=None, description="Overrides the step's on_fail for this rule.")


class NotNullRule(_Rule):
    check: Literal["not_null"]
    blank_as_null: bool = False


class UniqueRule(StrictModel):
    """Values (or combinations of `columns`) appear once; every repeat after the first fails."""

    check: Literal["unique"]
    column: ColumnName | None = None
    columns: list[ColumnName] | None = Field(default=None, min_length=1, max_length=20)
    on_fail: OnFail | None = None

    @model_validator(mode="after")
    def _one_of(self) -> UniqueRule:
        if (self.column is None) == (self.columns is None):
            raise ValueError("give either 'column' or 'columns'")
        return self

    @property
    def keys(self) -> list[str]:
        """The columns whose combined values must be unique."""
        return self.columns or [self.column or ""]


class BetweenRule(_Rule):
    check: Literal["between"]
    min: int | float | str | None = Field(
        default=None, description="A number, or an ISO date for date columns."
    )
    max: int | float | str | None = None
    inclusive: bool = True

    @model_validator(mode="after")
    def _a_bound(self) -> BetweenRule:
        if self.min is None and self.max is None:
            raise ValueError("give 'min', 'max' or both")
        return self


class MatchesRule(_Rule):
    check: Literal["matches"]
    pattern: str = Field(min_length=1, max_length=expressions.MAX_PATTERN_LENGTH)

    _pattern = field_validator("pattern")(check_regex)


class InSetRule(_Rule):
    check: Literal["in_set"]
    values: list[Scalar] = Field(min_length=1, max_length=10_000)


class TypeRule(_Rule):
    check: Literal["type"]
    type: CastType


Rule = Annotated[
    NotNullRule | UniqueRule | BetweenRule | MatchesRule | InSetRule | TypeRule, Field(discriminator="check")
]
