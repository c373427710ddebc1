"""A monitor's check compared with its last good snapshot: records added, removed and changed.

Records are matched by their key fields. Values are compared as they read, not as they are spelled:
numbers as numbers (1 == 1.0), strings after the ignore patterns with runs of whitespace collapsed,
a missing field the same as null. Lists keep their order (a reordered list is a change: a ranking
or a list of steps means something by its order). Text formats (`markdown`, `text`) are compared
as lines, blank lines left out, and reported as a unified diff. Several ignore patterns are removed
in one pass, the leftmost match of any first.

Most records come back unchanged, so the work goes where the changes are: a record scraped again
byte for byte costs one comparison of its JSON; any other is compared field by field, and only a
field whose value differs from before is read as above. `Kept.digest` covers what is compared, as
it reads, so the store can tell which records to write.
"""

from __future__ import annotations

import bisect
import difflib
import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import re2

from backend_fastapi.regexes import RegexError, compile_regex

TEXT_FORMATS = ("markdown", "text")
MAX_DIFF_LINES = 2000
# orjson writes integers of at most 64 bits; larger ones (rare in scraped data) are compared as text.
_INT_RANGE = range(-(2**63), 2**64)


@dataclass(frozen=True)
class Rules:
    """How a monitor matches and compares records (from its definition)."""

    key: tuple[str, ...] = ("url",)
    compare: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    text_formats: tuple[str, ...] = TEXT_FORMATS
    confirm_removals: bool = True
    min_ratio: float = 0.5


@dataclass
class Kept:
    """One record of the last good snapshot, as the store keeps it."""

    data: dict[str, Any]
    digest: str
    missing: int = 0


@dataclass
class Outcome:
    """What a check changed, and the snapshot to keep for the next one."""

    changes: list[dict[str, Any]]
    state: dict[str, Kept]
    counts: dict[str, int]
    suspect: str | None = None


def flatten(record: Mapping[str, Any]) -> dict[str, Any]:
    """A scrape record as one flat mapping: its data fields, its url and its text formats."""
    data = record.get("data")
    flat: dict[str, Any] = {"url": None, **data} if isinstance(data, Mapping) else {}
    flat["url"] = record.get("url")
    for name in TEXT_FORMATS:
        value = record.get(name)
        if isinstance(value, str):
            flat[name] = value
    return flat


def key_of(flat: Mapping[str, Any], rules: Rules) -> str:
    """The record's identity: canonical JSON of its key values (so 1 and 1.0, or spacing, do not split it)."""
    values = {name: _canonical(flat.get(name), None) for name in rules.key}
    return orjson.dumps(values, option=orjson.OPT_SORT_KEYS).decode()


def compare(
    previous: Mapping[str, Kept], records: Sequence[Mapping[str, Any]], rules: Rules, *, baseline: bool
) -> Outcome:
    """The changes from `previous` to `records` and the snapshot that follows (see the module docstring)."""
    reader = _Reader(rules)
    current: dict[str, dict[str, Any]] = {}
    duplicates = 0
    for record in records:
        flat = flatten(record)
        key = key_of(flat, rules)
        if key in current:
            duplicates += 1
        else:
            current[key] = flat
    counts = dict.fromkeys(("added", "removed", "changed", "text", "pending"), 0)
    counts.update(duplicates=duplicates, records=len(current))
    if baseline:
        state = {key: Kept(flat, reader.digest(flat)) for key, flat in current.items()}
        counts["added"] = len(state)
        added = [reader.change("added", None, flat) for flat in current.values()]
        return Outcome(added, state, counts)
    seen_last = sum(1 for kept in previous.values() if kept.missing == 0)
    if seen_last and len(current) < rules.min_ratio * seen_last:
        suspect = (
            f"{len(current)} records where the last good check had {seen_last} "
            f"(fewer than min_ratio {rules.min_ratio:g} of them): nothing applied"
        )
        return Outcome([], dict(previous), counts, suspect)
    return _apply(previous, current, rules, reader, counts)


def _apply(
    previous: Mapping[str, Kept],
    current: dict[str, dict[str, Any]],
    rules: Rules,
    reader: _Reader,
    counts: dict[str, int],
) -> Outcome:
    changed: list[dict[str, Any]] = []
    added: list[dict[str, Any]] = []
    removed: list[dict[str, Any]] = []
    texts: list[dict[str, Any]] = []
    state: dict[str, Kept] = {}
    for key, flat in current.items():
        kept = previous.get(key)
        if kept is None:
            added.append(reader.change("added", None, flat))
            state[key] = Kept(flat, reader.digest(flat))
            continue
        found = None if _identical(kept.data, flat) else reader.differences(kept.data, flat)
        if found is None or not (found.fields or found.texts):
            # Unchanged: the kept record stays as it was (what differs is only what is ignored).
            state[key] = kept if kept.missing == 0 else Kept(kept.data, kept.digest)
        else:
            if found.fields:
                change = reader.change("changed", kept.data, flat)
                change["fields"] = found.fields
                changed.append(change)
            for text in found.texts:
                change = reader.change("text", kept.data, flat)
                change.update(text)
                texts.append(change)
            state[key] = Kept(flat, reader.digest(flat))
    for key, kept in previous.items():
        if key in current:
            continue
        if kept.missing == 0 and rules.confirm_removals:
            # Missing once: held as pending, reported only if the next check misses it too.
            state[key] = Kept(kept.data, kept.digest, 1)
            counts["pending"] += 1
        else:
            removed.append(reader.change("removed", kept.data, None))
    counts.update(added=len(added), removed=len(removed), changed=len(changed), text=len(texts))
    return Outcome(changed + added + removed + texts, state, counts)


@dataclass
class _Differences:
    fields: list[dict[str, Any]]
    texts: list[dict[str, Any]]


class _Reader:
    """The rules applied to records: what is compared, as it reads, and its digest."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.erase = Eraser(rules.ignore) if rules.ignore else None
        self.key_set = frozenset(rules.key)
        self.text_formats = tuple(
            name for name in rules.text_formats if rules.compare is None or name in rules.compare
        )
        self.hidden = frozenset(rules.text_formats)
        self.skipped = self.key_set | self.hidden

    def change(
        self, kind: str, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None
    ) -> dict[str, Any]:
        """A change of `kind` between two flattened records (either may be None)."""
        record = after if after is not None else before
        assert record is not None
        return {
            "kind": kind,
            "key": {name: record.get(name) for name in self.rules.key},
            "before": None if before is None else self.shown(before),
            "after": None if after is None else self.shown(after),
        }

    def shown(self, flat: Mapping[str, Any]) -> dict[str, Any]:
        """The record as a change shows it: text formats left out (the text diff carries them)."""
        return {name: value for name, value in flat.items() if name not in self.hidden}

    def fields(self, flat: Mapping[str, Any]) -> Iterable[str]:
        if self.rules.compare is not None:
            return (name for name in self.rules.compare if name not in self.hidden)
        return (name for name in flat if name not in self.skipped)

    def compared(self, flat: Mapping[str, Any]) -> dict[str, Any]:
        """Compared fields as they read; null and missing fields both left out."""
        out = {}
        for name in self.fields(flat):
            value = flat.get(name)
            if value is not None:
                out[name] = _canonical(value, self.erase)
        return out

    def lines(self, flat: Mapping[str, Any]) -> dict[str, list[str]]:
        out = {}
        for name in self.text_formats:
            text = flat.get(name)
            if isinstance(text, str):
                out[name] = _text_lines(text, self.erase)
        return out

    def digest(self, flat: Mapping[str, Any]) -> str:
        body = orjson.dumps((self.compared(flat), self.lines(flat)), option=orjson.OPT_SORT_KEYS)
        return hashlib.blake2b(body, digest_size=16).hexdigest()

    def differences(self, before: Mapping[str, Any], after: Mapping[str, Any]) -> _Differences:
        """Field by field and text by text; a value the same as before is not read."""
        names = list(self.fields(after))
        if self.rules.compare is None:
            names += [name for name in before if name not in self.skipped and name not in after]
        fields = []
        for name in names:
            old, new = before.get(name), after.get(name)
            if _same(old, new):
                continue
            if _encoded(_canonical(old, self.erase)) != _encoded(_canonical(new, self.erase)):
                fields.append({"field": name, "before": old, "after": new})
        texts = []
        for name in self.text_formats:
            old, new = before.get(name), after.get(name)
            # A format present on one side only was added to or dropped from the target: not a change.
            if isinstance(old, str) and isinstance(new, str) and old != new:
                old_lines, new_lines = _text_lines(old, self.erase), _text_lines(new, self.erase)
                if old_lines != new_lines:
                    texts.append({"format": name, **unified_diff(old_lines, new_lines)})
        return _Differences(fields, texts)


def unified_diff(before: Sequence[str], after: Sequence[str], limit: int = MAX_DIFF_LINES) -> dict[str, Any]:
    """A unified diff of two texts' lines, cut at `limit` lines (counts cover the whole diff)."""
    shown = ["--- before", "+++ after"]
    added = removed = 0
    total = 2
    for group in _line_matcher(before, after).get_grouped_opcodes(3):
        hunk = [f"@@ -{_span(group[0][1], group[-1][2])} +{_span(group[0][3], group[-1][4])} @@"]
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                hunk.extend(" " + line for line in before[i1:i2])
                continue
            hunk.extend("-" + line for line in before[i1:i2])
            hunk.extend("+" + line for line in after[j1:j2])
            removed += i2 - i1
            added += j2 - j1
        shown.extend(hunk[: max(0, limit - total)])
        total += len(hunk)
    out: dict[str, Any] = {"diff": "", "added_lines": added, "removed_lines": removed}
    if total > limit:
        # A line starting with a backslash is a note in unified diff syntax: diff readers skip it.
        shown.append(f"\\ diff cut at {limit} of {total} lines")
        out["truncated"] = True
    out["diff"] = "\n".join(shown) if total > 2 else ""
    return out


def _span(start: int, stop: int) -> str:
    """A hunk header's range, as `diff -u` writes it."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _line_matcher(a: Sequence[str], b: Sequence[str]) -> difflib.SequenceMatcher[str]:
    """difflib's matcher, first anchored on the lines found once in each text, in order (patience
    diff, as git's): difflib alone rescans the whole text for every edit, which takes seconds on a
    page of 20,000 lines; between anchors it only sees the few lines that moved."""
    blocks: list[tuple[int, int, int]] = []
    start_a = start_b = 0
    for i, j in [*_anchors(a, b), (len(a), len(b))]:
        if i > start_a and j > start_b:
            gap = difflib.SequenceMatcher(None, a[start_a:i], b[start_b:j])
            blocks.extend((start_a + x, start_b + y, n) for x, y, n in gap.get_matching_blocks()[:-1])
        if i < len(a):
            blocks.append((i, j, 1))
        start_a, start_b = i + 1, j + 1
    merged: list[tuple[int, int, int]] = []
    for x, y, n in blocks:
        if merged and merged[-1][0] + merged[-1][2] == x and merged[-1][1] + merged[-1][2] == y:
            merged[-1] = (merged[-1][0], merged[-1][1], merged[-1][2] + n)
        else:
            merged.append((x, y, n))
    merged.append((len(a), len(b), 0))
    matcher = difflib.SequenceMatcher(None, a, b)
    # The opcodes are built from `matching_blocks` when it is set (CPython's difflib since 2.x).
    matcher.matching_blocks = [difflib.Match(*block) for block in merged]  # type: ignore[attr-defined]
    return matcher


def _anchors(a: Sequence[str], b: Sequence[str]) -> list[tuple[int, int]]:
    """Pairs (i, j) of lines that occur once in `a` and once in `b`, the longest run in order in both."""
    in_a, in_b = Counter(a), Counter(b)
    where_b = {line: j for j, line in enumerate(b) if in_b[line] == 1}
    pairs = [(i, where_b[line]) for i, line in enumerate(a) if in_a[line] == 1 and line in where_b]
    # Longest increasing subsequence of j (patience sorting): tails[k] ends the best run of length k+1.
    tails: list[int] = []
    ends: list[int] = []
    before = [-1] * len(pairs)
    for index, (_, j) in enumerate(pairs):
        k = bisect.bisect_left(tails, j)
        if k == len(tails):
            tails.append(j)
            ends.append(index)
        else:
            tails[k], ends[k] = j, index
        before[index] = ends[k - 1] if k else -1
    run = []
    index = ends[-1] if ends else -1
    while index >= 0:
        run.append(pairs[index])
        index = before[index]
    return run[::-1]


def _text_lines(text: str, erase: Callable[[str], str] | None) -> list[str]:
    if erase is not None:
        text = erase(text)
    out = []
    for line in text.splitlines():
        words = line.split()
        if words:
            out.append(" ".join(words))
    return out


def _canonical(value: Any, erase: Callable[[str], str] | None) -> Any:
    """`value` as it reads: ignore patterns removed and whitespace collapsed in strings, whole floats
    as integers, nulls dropped from objects; list order kept."""
    kind = type(value)  # exact types first: this runs for every field of every record read
    if kind is str:
        return " ".join((value if erase is None else erase(value)).split())
    if kind is float:
        return int(value) if value.is_integer() and -(2**53) < value < 2**53 else value
    if value is None or kind is bool:
        return value
    if isinstance(value, int):
        return value if value in _INT_RANGE else str(value)
    if isinstance(value, float):
        return _canonical(float(value), erase)
    if isinstance(value, Mapping):
        return {str(k): _canonical(v, erase) for k, v in value.items() if v is not None}
    if isinstance(value, (list, tuple)):
        return [_canonical(v, erase) for v in value]
    return _canonical(str(value), erase)


def _same(before: Any, after: Any) -> bool:
    """The very same value (True is not 1, 1.0 is not 1 here: those are left to `_canonical`)."""
    kind = type(before)
    if kind is not type(after):
        return False
    if kind is str or kind is float or kind is int or kind is bool or before is None:
        return bool(before == after)
    try:
        return orjson.dumps(before) == orjson.dumps(after)
    except orjson.JSONEncodeError:
        return False


def _identical(before: Mapping[str, Any], after: Mapping[str, Any]) -> bool:
    try:
        return orjson.dumps(before) == orjson.dumps(after)
    except orjson.JSONEncodeError:
        return False


class Eraser:
    """Removes every match of the ignore patterns from a text."""

    def __init__(self, patterns: tuple[str, ...]) -> None:
        compiled = [compile_regex(p) for p in patterns]  # each alone first, so an error names its pattern
        if len(compiled) > 1:
            try:
                # One pass with all of them: the leftmost match of any pattern goes first.
                compiled = [compile_regex("|".join(f"(?:{p})" for p in patterns))]
            except RegexError:
                pass  # too large together for the engine: one after another
        self.patterns = compiled
        # google-re2's wrapper maps each match between str and UTF-8 offsets in Python; asking the
        # engine directly about the encoded text is about 4x faster, and most texts have no match.
        engines = [getattr(p, "_regexp", None) for p in compiled]
        anchor = getattr(getattr(re2, "_Anchor", None), "UNANCHORED", None)
        self.engines = engines if anchor is not None and None not in engines else []
        self.anchor = anchor

    def __call__(self, text: str) -> str:
        if not self.engines:
            for pattern in self.patterns:
                text = pattern.sub("", text)
            return text
        for engine in self.engines:
            text = self._erase(engine, text)
        return text

    def _erase(self, engine: Any, text: str) -> str:
        data = text.encode()
        end = len(data)
        start, stop = engine.Match(self.anchor, data, 0, end)[0]
        if start < 0:
            return text
        pieces = []
        kept_from = 0
        while start >= 0:
            if stop > start:
                pieces.append(data[kept_from:start])
                kept_from = position = stop
            else:  # an empty match removes nothing: step over one character
                position = stop + 1
                while position < end and data[position] & 0xC0 == 0x80:
                    position += 1
            if position > end:
                break
            start, stop = engine.Match(self.anchor, data, position, end)[0]
        pieces.append(data[kept_from:])
        return b"".join(pieces).decode()


def _encoded(value: Any) -> bytes:
    # Python's == says True == 1 and [1] == [True]; the JSON spelling keeps them apart.
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
