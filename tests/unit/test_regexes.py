"""User and remote regexes run on RE2: linear time, Python's meaning for ordinary patterns, clear refusals."""

from __future__ import annotations

import re
import time

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from backend_fastapi.regexes import RegexError, compile_regex

ORDINARY = [
    (r"(\d+)", "Price: 1234 EUR"),
    (r"([0-9.]+) (\w+)", "total 12.50 EUR"),
    (r"(?P<cur>[A-Z]{3})", "12 EUR"),
    (r"(?i)^new\b", "NEW arrivals"),
    (r"(a)|(b)", "b"),
    (r"(a)+", "aaa"),
    (r"a|ab", "ab"),
    (r"\s+", "a \t\u00a0\x0b b"),
    (r"[\w-]+", "  héllo-wörld!"),
    (r"\d+", "٣٤٥ (Arabic-Indic digits)"),
    (r"[^\d\s]+", "12 abc"),
    (r"\W+", "héllo, wörld"),
    (r"x{,3}y", "xxxxy"),
    (r"\u00e9+|\N{EURO SIGN}", "caf\u00e9\u00e9 10\u20ac"),
    (r"end\Z", "the end"),
    (r"(?s)a.b", "a\nb"),
    (r"(?m)^b$", "a\nb\nc"),
    (r"(?#a comment)ab", "xaby"),
    (r"\bword\b", "a word here"),
    (r"[]a]+", "x]a]y"),
]


@pytest.mark.parametrize(("pattern", "text"), ORDINARY)
def test_ordinary_patterns_find_what_python_finds(pattern: str, text: str) -> None:
    ours, python = compile_regex(pattern).search(text), re.search(pattern, text)
    assert (ours is None) == (python is None)
    if ours is not None and python is not None:
        assert ours.group(0) == python.group(0)
        assert ours.groups() == python.groups()
        assert compile_regex(pattern).groups == re.compile(pattern).groups


_ATOMS = [
    "a",
    "b",
    ".",
    r"\d",
    r"\w",
    r"\s",
    r"\W",
    r"\S",
    r"\D",
    "[ab]",
    "[^a]",
    r"[\w-]",
    r"[^\s\d]",
    "é",
    "^",
]
_QUANTIFIERS = ["", "", "*", "+", "?", "{1,2}", "*?", "+?", "{,2}"]


def _loop_safe(body: str) -> bool:
    """A body that cannot match the empty string: how a loop over an empty match ends is where
    backtracking engines and RE2 part ways (`(a*)*` captures '' in Python, 'a' in RE2)."""
    try:
        return re.fullmatch(body, "") is None and re.search(r"[*?^]|\{,", body) is None
    except re.error:
        return False


def _patterns() -> st.SearchStrategy[str]:
    atom = st.tuples(st.sampled_from(_ATOMS), st.sampled_from(_QUANTIFIERS)).map("".join)
    return st.recursive(
        atom,
        lambda inner: st.one_of(
            st.lists(inner, min_size=1, max_size=3).map("".join),
            st.tuples(inner, inner).map("|".join),
            st.tuples(inner, st.sampled_from(["", "?", "??"])).map(lambda t: f"({t[0]}){t[1]}"),
            st.tuples(inner, st.sampled_from(["", "?"])).map(lambda t: f"(?:{t[0]}){t[1]}"),
            st.tuples(inner, st.sampled_from(["*", "+", "{1,3}"])).map(
                lambda t: f"({t[0]}){t[1]}" if _loop_safe(t[0]) else f"({t[0]})"
            ),
        ),
        max_leaves=6,
    )


@settings(max_examples=300, deadline=None)
@given(pattern=_patterns(), text=st.text(alphabet="ab1 _\t-é٣\u00a0x", max_size=12))
def test_random_patterns_match_the_same_span_and_groups_as_python(pattern: str, text: str) -> None:
    # Unicode digits, letters and spaces included: the translated classes keep Python's meaning.
    try:
        python_pattern = re.compile(pattern)
    except re.error:  # such as `^*`: nothing to compare with
        assume(False)
    python, ours = python_pattern.search(text), compile_regex(pattern).search(text)
    assert (python is None) == (ours is None), (pattern, text)
    if python is not None and ours is not None:
        assert (ours.start(), ours.end()) == python.span(), (pattern, text)
        assert ours.groups() == python.groups(), (pattern, text)


@pytest.mark.parametrize(
    ("pattern", "text", "maxsplit"),
    [(r",\s*", "a, b,c", 0), (r"(,)", "a,b,c", 1), (r"\s+", " a  b ", 0), (r"x*", "abc", 0)],
)
def test_split_cuts_where_python_cuts(pattern: str, text: str, maxsplit: int) -> None:
    assert compile_regex(pattern).split(text, maxsplit) == re.split(pattern, text, maxsplit=maxsplit)


def test_named_groups_keep_their_names() -> None:
    assert dict(compile_regex(r"(?P<amount>\d+) (?P<cur>\w+)").groupindex) == {"amount": 1, "cur": 2}


@pytest.mark.parametrize(
    ("pattern", "text"),
    [
        (r"(a+)+$", "a" * 34 + "!"),
        (r"^(.|.)*z$", "https://s.example/" + "a" * 50_000),
        (r"(x+x+)+y", "x" * 5_000),
        (r"(\w+\s?)+$", "word " * 5_000 + "!"),
    ],
)
def test_catastrophic_patterns_take_linear_time(pattern: str, text: str) -> None:
    # Python's backtracking engine needs longer than the universe's age for each of these.
    started = time.monotonic()
    assert compile_regex(pattern).search(text) is None
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("pattern", "says"),
    [
        (r"(a)\1", "backreference (\\1) is not supported"),
        (r"(?P<x>a)(?P=x)", "backreference (?P=name) is not supported"),
        (r"foo(?=bar)", "lookahead (?=...) is not supported"),
        (r"foo(?!bar)", "negative lookahead"),
        (r"(?<=\$)\d+", "lookbehind (?<=...) is not supported"),
        (r"(?<!x)y", "negative lookbehind"),
        (r"(?>a+)b", "atomic group"),
        (r"a++b", "possessive quantifiers are not supported"),
        (r"(a)?(?(1)b|c)", "conditional"),
        (r"(?x) a b", "verbose (x) flag"),
        (r"a{2000}", "at most 1000 repetitions"),
        (r"\w{1,1000}", "too large"),
        (r"(", "missing )"),
        (r"[z-a]", "invalid character class range"),
        ("a\\", "lone backslash"),
    ],
)
def test_what_re2_cannot_run_is_refused_with_a_reason(pattern: str, says: str) -> None:
    with pytest.raises(RegexError) as caught:
        compile_regex(pattern)
    assert says in caught.value.reason
    if "not supported" in says:
        assert "linear-time engine" in caught.value.reason


def test_pipeline_columns_give_what_pandas_gives_with_python_re() -> None:
    import pandas as pd

    from backend_fastapi.pipelines import regex_columns

    values = ["Price: 12.50 EUR", "free", None, "3 USD, 4 GBP", "a, b,c"]
    text, python = pd.Series(values).astype("str"), pd.Series(values, dtype=object)
    for pattern in (r"([0-9.]+) (\w+)", r"(\d+)", r"[A-Z]{3}"):
        expected = [isinstance(v, str) and re.search(pattern, v) is not None for v in values]
        assert regex_columns.contains(text, pattern, na=False).tolist() == expected
    ours = regex_columns.extract(text, compile_regex(r"([0-9.]+) (\w+)"))
    theirs = python.str.extract(r"([0-9.]+) (\w+)", expand=True)
    assert ours.isna().equals(theirs.isna())
    assert ours.fillna("").astype(object).values.tolist() == theirs.fillna("").values.tolist()
    assert regex_columns.split(text, compile_regex(r",\s*")).tolist()[4] == ["a", "b", "c"]
    pieces = regex_columns.split_columns(text, compile_regex(r"\s+"), 1)
    assert pieces.fillna("-").values.tolist()[0] == ["Price:", "12.50 EUR"]


def test_a_catastrophic_pattern_in_a_pipeline_step_ends_at_once() -> None:
    import pandas as pd

    from backend_fastapi.pipelines import regex_columns

    text = pd.Series(["a" * 34 + "!"] * 1000).astype("str")
    started = time.monotonic()
    assert not regex_columns.contains(text, r"(a+)+$", na=False).any()
    assert regex_columns.extract(text, compile_regex(r"(a+)+$")).isna().all().all()
    assert time.monotonic() - started < 5.0


XPATHS = [
    "//a[re:test(@href, '^/p/')]/text()",
    "//a[re:test(., 'one', 'i')]/@href",
    r"re:replace(string(//a[1]), '(\d+)', 'g', '<\1>')",
    r"re:replace(string(//a[1]), '[aeiou]', '', '_')",
    r"re:match(string(//a[1]), '(\w+) (\w+)')",
    "re:match(string(//a[1]), '[A-Z]+', 'g')",
    "re:match(string(//a[2]), 'z')",
]


@pytest.mark.parametrize("expr", XPATHS)
def test_xpath_regex_functions_answer_as_lxml_s_own_do(expr: str) -> None:
    from lxml import etree
    from lxml import html as lxml_html

    from backend_fastapi.scraping.dom import EXSLT_REGEX, compile_xpath

    doc = lxml_html.fromstring("<div><a href='/p/1'>Item ONE 12</a><a href='/q/2'>two</a></div>")

    def plain(result: object) -> object:
        return [getattr(x, "text", x) for x in result] if isinstance(result, list) else result

    theirs = etree.XPath(expr, namespaces={"re": EXSLT_REGEX})(doc)
    assert plain(compile_xpath(expr)(doc)) == plain(theirs)


def test_a_catastrophic_xpath_regex_ends_at_once_and_a_bad_literal_one_is_refused_early() -> None:
    from lxml import html as lxml_html

    from backend_fastapi.extraction.xpath import XPathSyntaxError, check_xpath
    from backend_fastapi.scraping.dom import compile_xpath

    doc = lxml_html.fromstring(f"<div><p>{'a' * 40}!</p></div>")
    started = time.monotonic()
    assert compile_xpath("//p[re:test(., '(a+)+$')]")(doc) == []
    assert time.monotonic() - started < 1.0
    with pytest.raises(XPathSyntaxError, match="lookbehind"):
        check_xpath(r"//p[re:test(., '(?<=\$)\d+')]")
    check_xpath("//p[re:test(., concat('a', 'b'))]")  # computed: checked when the worker runs it


def test_a_hostile_page_cannot_stall_the_script_rendered_check() -> None:
    from backend_fastapi.scraping.dom import parse_html
    from backend_fastapi.scraping.spa import script_rendered_reason

    html = "<html><body>" + "<div id" * 40_000 + "</body></html>"  # minutes on Python's `re`
    started = time.monotonic()
    script_rendered_reason(parse_html(html))
    assert time.monotonic() - started < 2.0
    empty_root = "<html><body><div id='root'> </div><script src='/app.js'></script></body></html>"
    assert script_rendered_reason(parse_html(empty_root)) is not None
