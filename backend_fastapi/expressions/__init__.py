"""The small, safe expression language of `filter` and `derive` steps: text in, a tree of allowed nodes out.

Light (the standard library and `backend_fastapi.regexes` only), so the API validates every expression at
request time; the worker evaluates the tree against pandas (`pipelines/evaluate.py`). User text is
never handed to `eval`/`exec`: the tokenizer knows a fixed set of tokens, the parser builds only the
node types below, names can only be columns or functions from `FUNCTIONS`, and there is no
attribute access, no subscripting and no name starting with `__`.

    price > 10 and category in ["books", "music"]
    not (title contains "refurbished") or title matches "^New "
    round(price * 1.19, 2)          `unit price` / 100          coalesce(brand, "unknown")
"""

from __future__ import annotations

from backend_fastapi.expressions.parser import parse
from backend_fastapi.expressions.tokens import Token, tokenize
from backend_fastapi.expressions.tree import (
    ARITHMETIC,
    COMPARISONS,
    FUNCTIONS,
    KEYWORDS,
    LITERAL_ARGUMENTS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_LIST_ITEMS,
    MAX_NODES,
    MAX_PATTERN_LENGTH,
    Arithmetic,
    Call,
    Column,
    Compare,
    ExpressionError,
    ListOf,
    Literal,
    Logical,
    Membership,
    Node,
    Scalar,
    TextMatch,
    Unary,
    check_pattern,
    columns_used,
    walk,
)

__all__ = [
    "ARITHMETIC",
    "COMPARISONS",
    "FUNCTIONS",
    "KEYWORDS",
    "LITERAL_ARGUMENTS",
    "MAX_DEPTH",
    "MAX_EXPONENT",
    "MAX_LENGTH",
    "MAX_LIST_ITEMS",
    "MAX_NODES",
    "MAX_PATTERN_LENGTH",
    "Arithmetic",
    "Call",
    "Column",
    "Compare",
    "ExpressionError",
    "ListOf",
    "Literal",
    "Logical",
    "Membership",
    "Node",
    "Scalar",
    "TextMatch",
    "Token",
    "Unary",
    "check_pattern",
    "columns_used",
    "parse",
    "tokenize",
    "walk",
]
