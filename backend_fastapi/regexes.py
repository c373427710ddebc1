"""Regular expressions that come from a request or a remote site, compiled and run in one place.

They run on RE2 (`google-re2`): matching takes time linear in the text, whatever the pattern, so a
pattern like `(a+)+$` cannot freeze a worker. The API validates with `check_regex`, which compiles
as the worker's `compile_regex` does, so a request is refused (422) exactly when the worker could
not run its pattern.

Patterns are written in Python's syntax and translated where RE2 means something else, so ordinary
patterns give the results Python's `re` gives:

- `\\d`, `\\w`, `\\s` (and `\\D`, `\\W`, `\\S` outside brackets) match Unicode digits, word
  characters and whitespace as in Python, not RE2's ASCII-only classes;
- `\\Z` is RE2's `\\z`; `\\uXXXX`, `\\UXXXXXXXX` and `\\N{NAME}` become `\\x{...}`;
  `{,n}` becomes `{0,n}`; `(?#...)` comments and the `u` flag are dropped.

What a linear-time engine cannot do is refused with a message saying so: backreferences,
lookahead and lookbehind, atomic groups, possessive quantifiers, conditionals. Differences that
remain (see docs/scraping.md): `\\b` and, inside brackets, `\\W`/`\\S` are ASCII; `$` matches at
the very end only, not also before a final newline; a loop over a group that can match nothing
(`(a*)*`) may stop or capture differently; at most 1000 repetitions (`a{1001}` is refused), and a
pattern whose compiled form passes MAX_MEMORY is refused as too large.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any, Protocol

import re2

# Python's classes in RE2 terms: `\w` is letters, numbers and `_`; `\s` is what str.isspace() accepts.
_WORD = r"\p{L}\p{N}_"
_SPACE = r"\t-\r\x1c-\x20\x85\p{Z}"
_OUTSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": f"[{_WORD}]", "W": f"[^{_WORD}]",
            "s": f"[{_SPACE}]", "S": f"[^{_SPACE}]", "Z": r"\z"}  # fmt: skip
_INSIDE = {"d": r"\p{Nd}", "D": r"\P{Nd}", "w": _WORD, "s": _SPACE}
# Fixed patterns over the (length-limited) pattern text itself; none of them can backtrack.
_FLAGS = re.compile(r"\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])")
_HEX = re.compile(r"[0-9a-fA-F]+")
_UNSUPPORTED_GROUPS = {
    "(?=": "lookahead (?=...) is",
    "(?!": "negative lookahead (?!...) is",
    "(?<=": "lookbehind (?<=...) is",
    "(?<!": "negative lookbehind (?<!...) is",
    "(?P=": "a backreference (?P=name) is",
    "(?>": "an atomic group (?>...) is",
    "(?(": "a conditional (?(...)...) is",
}
_LINEAR = "regexes run on a linear-time engine (RE2), which has none"


class RegexError(ValueError):
    """A pattern that cannot be run; `reason` says why in words (callers say which pattern)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(reason)


class Match(Protocol):
    """What a successful search returns (the subset of `re.Match` that RE2's matches share)."""

    def group(self, *groups: int | str) -> Any: ...
    def groups(self, default: Any = None) -> tuple[Any, ...]: ...
    def start(self, group: int = 0) -> int: ...
    def end(self, group: int = 0) -> int: ...


class Pattern(Protocol):
    """A compiled pattern (the subset of `re.Pattern` that RE2's patterns share)."""

    @property
    def pattern(self) -> str: ...
    @property
    def groups(self) -> int: ...
    @property
    def groupindex(self) -> Mapping[str, int]: ...
    def search(self, text: str) -> Match | None: ...
    def fullmatch(self, text: str) -> Match | None: ...
    def split(self, text: str, maxsplit: int = 0) -> list[str | None]: ...
    def finditer(self, text: str) -> Iterator[Match]: ...
    def sub(self, repl: str, text: str, count: int = 0) -> str: ...


def _options() -> Any:
    options = re2.Options()
    options.log_errors = False  # RE2 would print every refused pattern to stderr
    # RE2's budget per pattern (its compiled program and match-time caches). Compiling costs time in
    # proportion: Unicode classes under counted repetition (`\p{L}{1,100}`) took up to 0.6 s on the
    # default 8 MiB and take at most ~60 ms on 2 MiB, which still runs `\w{1,100}`; larger ones are
    # refused as too large. Matching stays linear either way (RE2 falls back from its DFA to an NFA).
    options.max_mem = MAX_MEMORY
    return options


MAX_MEMORY = 2 << 20
_OPTIONS = _options()


@functools.lru_cache(maxsize=128)
def compile_regex(pattern: str) -> Pattern:
    """`pattern` (Python syntax) compiled for RE2 and kept for reuse (the worker's jobs run the same
    patterns page after page); RegexError with a clear reason otherwise."""
    return check_regex(pattern)


def check_regex(pattern: str) -> Pattern:
    """`pattern` compiled for RE2 and not kept (the API checks requests with it: whatever patterns
    callers send, none stays in memory); RegexError with a clear reason otherwise."""
    translated = translate(pattern)
    try:
        # Not `re2.compile`: it keeps the last 128 patterns in a cache of its own.
        return re2._Regexp(translated, _OPTIONS)  # type: ignore[no-any-return]
    except re2.error as exc:
        raise RegexError(_reason(exc)) from None


def _reason(exc: Exception) -> str:
    raw = exc.args[0] if exc.args else str(exc)
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
    if text.startswith("bad repetition operator") and text.rstrip().endswith("+"):
        return f"{text} (possessive quantifiers are not supported: {_LINEAR}; drop the extra '+')"
    if text.startswith("invalid repetition size"):
        return f"{text} (at most 1000 repetitions)"
    if text.startswith("pattern too large"):
        return f"{text} (the pattern is too large for the engine; make it smaller)"
    return text


def translate(pattern: str) -> str:
    """`pattern` in RE2's syntax with Python's meaning (see the module docstring)."""
    out: list[str] = []
    i, n = 0, len(pattern)
    in_class = False
    class_start = -1  # where the current class's members start (a `]` there is literal)
    while i < n:
        char = pattern[i]
        if char == "\\":
            escaped, i = _escape(pattern, i, in_class)
            out.append(escaped)
            continue
        if in_class:
            if char == "[" and pattern.startswith("[:", i) and (close := pattern.find(":]", i + 2)) > 0:
                out.append(pattern[i : close + 2])  # a POSIX class such as [:alpha:]
                i = close + 2
                continue
            if char == "]" and i != class_start:
                in_class = False
            out.append(char)
            i += 1
            continue
        if char == "[":
            in_class = True
            class_start = i + 1
            if pattern.startswith("^", class_start):
                class_start += 1
            out.append(pattern[i:class_start])
            i = class_start
            continue
        if char == "(" and pattern.startswith("(?", i):
            text, i = _group_opening(pattern, i)
            out.append(text)
            continue
        if char == "{" and (fixed := _zero_lower_bound(pattern, i)):
            out.append(fixed)
            i += len(fixed) - 1
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _escape(pattern: str, i: int, in_class: bool) -> tuple[str, int]:
    """One backslash escape at `i`, translated; the index after it."""
    if i + 1 >= len(pattern):
        raise RegexError("the pattern ends with a lone backslash")
    letter = pattern[i + 1]
    table = _INSIDE if in_class else _OUTSIDE
    if letter in table:
        return table[letter], i + 2
    if letter in "123456789" and not in_class:
        raise RegexError(f"a backreference (\\{letter}) is not supported: {_LINEAR}")
    if letter == "C":
        raise RegexError("\\C (any single byte) is not supported")
    if letter in "uU":
        size = 4 if letter == "u" else 8
        digits = pattern[i + 2 : i + 2 + size]
        if len(digits) != size or not _HEX.fullmatch(digits):
            raise RegexError(f"\\{letter} needs {size} hex digits")
        return f"\\x{{{digits}}}", i + 2 + size
    if letter == "N" and pattern.startswith("{", i + 2) and (close := pattern.find("}", i + 3)) > 0:
        name = pattern[i + 3 : close]
        try:
            return f"\\x{{{ord(unicodedata.lookup(name)):x}}}", close + 1
        except KeyError:
            raise RegexError(f"unknown character name {name!r}") from None
    return pattern[i : i + 2], i + 2


def _group_opening(pattern: str, i: int) -> tuple[str, int]:
    """A `(?...` at `i`: refused, dropped (comments), or its flags cleaned; the index after it."""
    for opening, what in _UNSUPPORTED_GROUPS.items():
        if pattern.startswith(opening, i):
            raise RegexError(f"{what} not supported: {_LINEAR}")
    if pattern.startswith("(?#", i):
        close = pattern.find(")", i)
        if close < 0:
            raise RegexError("missing ) after comment")
        return "", close + 1
    flags = _FLAGS.match(pattern, i)
    if flags is None:
        return "(?", i + 2  # (?P<name>, (?: and the like: RE2 reads them as Python does
    on, off, end = flags.group(1), flags.group(2), flags.group(3)
    for flag, name in (("x", "verbose (x)"), ("a", "ASCII (a)"), ("L", "locale (L)")):
        if flag in on or flag in (off or ""):
            raise RegexError(f"the {name} flag is not supported")
    on = on.replace("u", "")  # Unicode is what the translation already gives
    if not on and not off:
        return ("(?:" if end == ":" else ""), flags.end()
    return f"(?{on}{'-' + off if off else ''}{end}", flags.end()


def _zero_lower_bound(pattern: str, i: int) -> str | None:
    """Python reads `{,n}` as `{0,n}`; RE2 would read it as literal text."""
    if not pattern.startswith("{,", i):
        return None
    close = pattern.find("}", i)
    digits = pattern[i + 2 : close] if close > 0 else ""
    return f"{{0,{digits}}}" if digits.isdigit() else None
