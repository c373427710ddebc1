"""The expression language's tree: the only node types there are, its limits, and its functions."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from backend_fastapi.regexes import Pattern, RegexError, check_regex

MAX_LENGTH = 2000
MAX_NODES = 400
MAX_DEPTH = 40
MAX_EXPONENT = 100
MAX_LIST_ITEMS = 1000
MAX_PATTERN_LENGTH = 500

Scalar = str | int | float | bool | None

# name -> (fewest, most) arguments; the worker implements each one.
FUNCTIONS: dict[str, tuple[int, int]] = {
    "lower": (1, 1),
    "upper": (1, 1),
    "trim": (1, 1),
    "length": (1, 1),
    "abs": (1, 1),
    "round": (1, 2),
    "floor": (1, 1),
    "ceil": (1, 1),
    "coalesce": (2, 10),
    "concat": (2, 10),
    "number": (1, 1),
    "string": (1, 1),
    "is_null": (1, 1),
    "not_null": (1, 1),
    "replace": (3, 3),
    "substr": (2, 3),
    "startswith": (2, 2),
    "endswith": (2, 2),
    "if_else": (3, 3),
    "min": (2, 10),
    "max": (2, 10),
    "year": (1, 1),
    "month": (1, 1),
    "day": (1, 1),
    "today": (0, 0),
}
# Arguments that must be literals (the worker passes them to pandas as plain values).
LITERAL_ARGUMENTS: dict[str, tuple[int, ...]] = {
    "round": (1,),
    "replace": (1, 2),
    "substr": (1, 2),
    "startswith": (1,),
    "endswith": (1,),
}
COMPARISONS = ("==", "!=", "<", "<=", ">", ">=")
ARITHMETIC = ("+", "-", "*", "/", "//", "%", "**")
KEYWORDS = ("and", "or", "not", "in", "contains", "matches", "true", "false", "null")


class ExpressionError(ValueError):
    """The expression is not valid; the message says where and why."""


# --- the tree --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Literal:
    value: Scalar


@dataclass(frozen=True)
class Column:
    name: str


@dataclass(frozen=True)
class ListOf:
    items: tuple[Scalar, ...]


@dataclass(frozen=True)
class Unary:
    op: str  # "-" or "not"
    operand: Node


@dataclass(frozen=True)
class Arithmetic:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Compare:
    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Logical:
    op: str  # "and" or "or"
    operands: tuple[Node, ...]


@dataclass(frozen=True)
class Membership:
    operand: Node
    items: ListOf
    negated: bool = False


@dataclass(frozen=True)
class TextMatch:
    op: str  # "contains" (plain substring) or "matches" (regular expression, search)
    operand: Node
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class Call:
    name: str
    args: tuple[Node, ...]


Node = Literal | Column | ListOf | Unary | Arithmetic | Compare | Logical | Membership | TextMatch | Call


def check_pattern(pattern: str) -> Pattern:
    """Compile a regular expression of a `matches` test or a step (RE2), with a clear error."""
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise ExpressionError(f"the regular expression is longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return check_regex(pattern)
    except RegexError as exc:
        raise ExpressionError(f"invalid regular expression {pattern!r}: {exc.reason}") from exc


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, parents first."""
    yield node
    children: tuple[Node, ...] = ()
    if isinstance(node, Unary):
        children = (node.operand,)
    elif isinstance(node, (Arithmetic, Compare)):
        children = (node.left, node.right)
    elif isinstance(node, Logical):
        children = node.operands
    elif isinstance(node, (Membership, TextMatch)):
        children = (node.operand,)
    elif isinstance(node, Call):
        children = node.args
    for child in children:
        yield from walk(child)


def columns_used(node: Node) -> list[str]:
    """The columns an expression reads, in order of first use."""
    seen: dict[str, None] = {}
    for part in walk(node):
        if isinstance(part, Column):
            seen.setdefault(part.name, None)
    return list(seen)
