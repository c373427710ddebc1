"""Which of a check's changes are worth a notification: a monitor's conditions.

A condition is `{"field", "op", "value"}`. Conditions speak of what a record *became*, so a state
that holds check after check alerts once, when it starts:

- `decreased` / `increased`: a changed record whose field went down / up as a number (numbers in
  text such as "$1,299.00" or "12,99 EUR" are read too);
- `changed`: a changed record with that field among its changed fields, or a text diff of that
  format (`markdown`, `text`);
- `lt` / `gt` / `eq` / `contains`: an added record whose value satisfies it, or a changed record
  whose value satisfies it now and did not before; a removed record only for `eq` / `contains`,
  by the value it had; for `markdown` / `text`, `contains` looks in the lines a text diff added.

`eq` and `contains` compare text without regard to case or runs of whitespace. A request's
conditions are validated by `schemas.monitors.Condition`; this module only evaluates them.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

_WITHOUT_VALUE = frozenset({"decreased", "increased", "changed"})
_BECOME = frozenset({"lt", "gt", "eq", "contains"})
_TRUE, _FALSE = frozenset({"true", "yes"}), frozenset({"false", "no"})
# A number as pages write it: sign, digits grouped by spaces, dots, commas or apostrophes.
_NUMBER = re.compile(r"[-+\u2212]?(?:\d[\d.,'\u2019 \u00a0\u202f]*\d|\d)(?:[eE][-+]?\d+)?")
_GROUPING = re.compile(r"['\u2019 \u00a0\u202f]")
_MAX_TEXT = 200  # a number is looked for at the start of a value, not in a whole page


def notable(
    changes: Sequence[dict[str, Any]], conditions: Sequence[Mapping[str, Any]], match: str = "all"
) -> list[dict[str, Any]]:
    """The changes for which the conditions hold (all of them, or any); every change when there are none.

    The conditions were validated with the monitor (`schemas.monitors.Condition`)."""
    if not conditions:
        return list(changes)
    combine = all if match == "all" else any
    return [change for change in changes if combine(_holds(cond, change) for cond in conditions)]


def read_number(value: Any) -> float | None:
    """`value` as a number (numbers, and text with currency signs and either decimal mark), or None."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        number = float(value)
        return number if math.isfinite(number) else None
    if not isinstance(value, str):
        return None
    found = _NUMBER.search(value[:_MAX_TEXT])
    if found is None:
        return None
    raw = _GROUPING.sub("", found.group(0)).replace("\u2212", "-")
    mantissa, mark, exponent = raw.lower().partition("e")
    sign = "-" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("+-")
    mantissa = mantissa.replace(",", "") if _decimal_mark(mantissa) == "." else mantissa.replace(".", "")
    number = float(f"{sign}{mantissa.replace(',', '.')}{mark}{exponent}")
    return number if math.isfinite(number) else None


def _decimal_mark(digits: str) -> str:
    """Which of `.` and `,` is the decimal mark (`1.234,5` vs `1,234.5`; `1,234` groups, `12,99` does not)."""
    dots, commas = digits.count("."), digits.count(",")
    if dots and commas:
        return "." if digits.rfind(".") > digits.rfind(",") else ","
    if commas:
        return "," if commas == 1 and len(digits.rsplit(",", 1)[1]) != 3 else "."
    if dots > 1:
        return ","  # 1.234.567: dots group thousands
    return "."


def _holds(condition: Mapping[str, Any], change: Mapping[str, Any]) -> bool:
    field, op, value = condition["field"], condition["op"], condition.get("value")
    kind = change.get("kind")
    if kind == "text":
        if field != change.get("format"):
            return False
        if op == "changed":
            return True
        added = _added_lines(change.get("diff", ""))
        return op == "contains" and any(_contains(line, value) for line in added)
    if op in _WITHOUT_VALUE:
        if kind != "changed":
            return False
        entry = next((f for f in change.get("fields", ()) if f.get("field") == field), None)
        if entry is None:
            return False
        if op == "changed":
            return True
        before, after = read_number(entry.get("before")), read_number(entry.get("after"))
        if before is None or after is None:
            return False
        return after < before if op == "decreased" else after > before
    before = (change.get("before") or {}).get(field)
    after = (change.get("after") or {}).get(field)
    if kind == "added":
        return _satisfies(op, after, value)
    if kind == "changed":
        return _satisfies(op, after, value) and not _satisfies(op, before, value)
    if kind == "removed":
        return op in ("eq", "contains") and _satisfies(op, before, value)
    return False


def _satisfies(op: str, actual: Any, value: Any) -> bool:
    if op in ("lt", "gt"):
        number, limit = read_number(actual), read_number(value)
        if number is None or limit is None:
            return False
        return number < limit if op == "lt" else number > limit
    if op == "eq":
        return _equal(actual, value)
    if isinstance(actual, (list, tuple)):
        return any(_contains(item, value) for item in actual)
    return _contains(actual, value)


def _equal(actual: Any, value: Any) -> bool:
    if value is None:
        return actual is None or (isinstance(actual, str) and not actual.strip())
    if isinstance(value, bool):
        if isinstance(actual, bool):
            return actual is value
        return isinstance(actual, str) and actual.strip().casefold() in (_TRUE if value else _FALSE)
    if isinstance(actual, bool) or actual is None:
        return isinstance(value, str) and value.strip().casefold() in (_TRUE if actual else _FALSE)
    if isinstance(value, (int, float)) or isinstance(actual, (int, float)):
        number, wanted = read_number(actual), read_number(value)
        return number is not None and number == wanted
    if isinstance(actual, str):
        return _words(actual) == _words(str(value))
    return False


def _contains(actual: Any, value: Any) -> bool:
    if isinstance(actual, bool) or not isinstance(actual, (str, int, float)):
        return False
    return _words(str(value)) in _words(str(actual))


def _words(text: str) -> str:
    return " ".join(text.split()).casefold()


def _added_lines(diff: str) -> list[str]:
    lines = diff.split("\n")
    start = 2 if len(lines) >= 2 and lines[0].startswith("---") and lines[1].startswith("+++") else 0
    return [line[1:] for line in lines[start:] if line.startswith("+")]
