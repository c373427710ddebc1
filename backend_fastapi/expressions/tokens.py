"""Splitting expression text into tokens: a fixed set of kinds, anything else is an error."""

from __future__ import annotations

import re
from dataclasses import dataclass

from backend_fastapi.expressions.tree import KEYWORDS, ExpressionError, Scalar


@dataclass(frozen=True)
class Token:
    kind: str  # number, string, name, column, op, keyword, end
    text: str
    pos: int
    value: Scalar = None


_NUMBER = re.compile(r"(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# Longest first, so `**` is never read as two `*`.
_OPERATORS = tuple("** // == != <> <= >= < > = + - * / % ( ) [ ] ,".split())
_ESCAPES = {"n": "\n", "t": "\t", "\\": "\\", "'": "'", '"': '"'}


def _read_string(text: str, pos: int) -> tuple[str, int]:
    quote = text[pos]
    out: list[str] = []
    i = pos + 1
    while i < len(text):
        char = text[i]
        if char == quote:
            return "".join(out), i + 1
        if char == "\\" and i + 1 < len(text):
            out.append(_ESCAPES.get(text[i + 1], "\\" + text[i + 1]))
            i += 2
            continue
        out.append(char)
        i += 1
    raise ExpressionError(f"unterminated string starting at position {pos}")


def tokenize(text: str) -> list[Token]:
    """Split an expression into tokens; anything outside the language is an error."""
    tokens: list[Token] = []
    i = 0
    while i < len(text):
        char = text[i]
        if char.isspace():
            i += 1
        elif char in "'\"":
            string, end = _read_string(text, i)
            tokens.append(Token("string", text[i:end], i, string))
            i = end
        elif char == "`":
            end = text.find("`", i + 1)
            if end < 0:
                raise ExpressionError(f"unterminated `column name` starting at position {i}")
            name = text[i + 1 : end]
            if not name:
                raise ExpressionError(f"empty `column name` at position {i}")
            tokens.append(Token("column", text[i : end + 1], i, name))
            i = end + 1
        elif (number := _NUMBER.match(text, i)) is not None:
            raw = number.group()
            if len(raw) > 40:
                raise ExpressionError(f"number too long at position {i}")
            value: Scalar = float(raw) if any(c in raw for c in ".eE") else int(raw)
            tokens.append(Token("number", raw, i, value))
            i = number.end()
        elif (name_match := _NAME.match(text, i)) is not None:
            word = name_match.group()
            kind = "keyword" if word.lower() in KEYWORDS else "name"
            tokens.append(Token(kind, word.lower() if kind == "keyword" else word, i))
            i = name_match.end()
        elif char == ".":
            raise ExpressionError(
                f"attribute access is not allowed (position {i}); write a column name containing dots "
                "in backticks, like `price.amount`"
            )
        else:
            for op in _OPERATORS:
                if text.startswith(op, i):
                    tokens.append(Token("op", {"=": "==", "<>": "!="}.get(op, op), i))
                    i += len(op)
                    break
            else:
                raise ExpressionError(f"unexpected character {char!r} at position {i}")
    tokens.append(Token("end", "", len(text)))
    return tokens
