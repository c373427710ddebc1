"""An XPath 1.0 syntax checker in pure Python, so the API can refuse a bad XPath at request time.

The worker compiles expressions with lxml; the API must not import lxml (it stays slim), so this
module parses the XPath 1.0 grammar (W3C XPath 1.0, sections 2 and 3, with the lexical rules of
3.7) and knows the function library lxml offers without extra setup: the core functions and the
EXSLT regular expressions (`re:test`, `re:match`, `re:replace`), which the worker runs on RE2
(a literal pattern is checked here with the same engine).
"""

from __future__ import annotations

import re

from backend_fastapi.regexes import RegexError, check_regex

CORE_FUNCTIONS = frozenset(
    {
        "last", "position", "count", "id", "local-name", "namespace-uri", "name", "string", "concat",
        "starts-with", "contains", "substring-before", "substring-after", "substring", "string-length",
        "normalize-space", "translate", "boolean", "not", "true", "false", "lang", "number", "sum",
        "floor", "ceiling", "round", "re:test", "re:match", "re:replace",
    }
)  # fmt: skip
NODE_TYPES = frozenset({"comment", "text", "processing-instruction", "node"})
AXES = frozenset(
    {
        "ancestor", "ancestor-or-self", "attribute", "child", "descendant", "descendant-or-self",
        "following", "following-sibling", "namespace", "parent", "preceding", "preceding-sibling", "self",
    }
)  # fmt: skip
OPERATOR_NAMES = frozenset({"and", "or", "mod", "div"})
_SYMBOLS = ("//", "::", "..", "!=", "<=", ">=", "/", "(", ")", "[", "]", ".", "@", ",", "|", "+", "-", "=",
            "<", ">", "*")  # fmt: skip
# A preceding token of one of these kinds makes `*` a name test and a name a name (XPath 1.0, 3.7).
_OPERAND_STARTERS = frozenset(
    {"@", "::", "(", "[", ",", "/", "//", "|", "+", "-", "=", "!=", "<", "<=", ">", ">="}
)
_NCNAME = r"[A-Za-z_\u00c0-\uffff][\w.\-\u00b7\u00c0-\uffff]*"
_TOKEN = re.compile(
    rf"""\s*(?:
    (?P<literal>"[^"]*"|'[^']*')
  | (?P<number>\d+(?:\.\d*)?|\.\d+)
  | (?P<var>\${_NCNAME}(?::{_NCNAME})?)
  | (?P<name>{_NCNAME}(?::(?:\*|{_NCNAME}))?)
  | (?P<symbol>{"|".join(re.escape(s) for s in _SYMBOLS)})
    )""",
    re.X,
)


class XPathSyntaxError(ValueError):
    """The expression is not valid XPath 1.0."""


Token = tuple[str, str]  # (kind, text); kinds: literal number var name function axis nodetype op


def tokenize(expr: str) -> list[Token]:
    """Split an expression into tokens, applying XPath's rules for `*` and operator names."""
    tokens: list[Token] = []
    pos, end = 0, len(expr.rstrip())
    while pos < end:
        match = _TOKEN.match(expr, pos)
        if match is None or match.end() == pos:
            raise XPathSyntaxError(f"unexpected character {expr[pos:].lstrip()[:1]!r} at position {pos}")
        pos = match.end()
        kind = match.lastgroup or ""
        text = match.group(kind)
        prev = tokens[-1] if tokens else None
        operand_expected = prev is None or prev[1] in _OPERAND_STARTERS or prev[0] == "op"
        if kind == "symbol":
            if text == "*" and not operand_expected:
                tokens.append(("op", "*"))
            else:
                tokens.append(("sym", text))
            continue
        if kind == "name":
            rest = expr[pos:].lstrip()
            if not operand_expected:
                if text not in OPERATOR_NAMES:
                    raise XPathSyntaxError(f"expected an operator, found {text!r}")
                tokens.append(("op", text))
            elif rest.startswith("::"):
                tokens.append(("axis", text))
            elif rest.startswith("("):
                tokens.append(("nodetype" if text in NODE_TYPES else "function", text))
            else:
                tokens.append(("name", text))
            continue
        tokens.append((kind, text))
    return tokens


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.i = 0

    def peek(self) -> Token | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self, *texts: str) -> Token | None:
        token = self.peek()
        if token is not None and token[1] in texts and token[0] in ("sym", "op"):
            self.i += 1
            return token
        return None

    def expect(self, text: str) -> None:
        if self.take(text) is None:
            found = self.peek()
            raise XPathSyntaxError(f"expected {text!r}, found {found[1] if found else 'end of expression'!r}")

    def binary(self, operators: tuple[str, ...], operand: str) -> None:
        getattr(self, operand)()
        while self.take(*operators):
            getattr(self, operand)()

    def expr(self) -> None:
        self.binary(("or",), "and_expr")

    def and_expr(self) -> None:
        self.binary(("and",), "equality")

    def equality(self) -> None:
        self.binary(("=", "!="), "relational")

    def relational(self) -> None:
        self.binary(("<", "<=", ">", ">="), "additive")

    def additive(self) -> None:
        self.binary(("+", "-"), "multiplicative")

    def multiplicative(self) -> None:
        self.binary(("*", "div", "mod"), "unary")

    def unary(self) -> None:
        while self.take("-"):
            pass
        self.binary(("|",), "path")

    def path(self) -> None:
        token = self.peek()
        if token is None:
            raise XPathSyntaxError("unexpected end of expression")
        kind, text = token
        if kind in ("literal", "number", "var", "function") or (kind == "sym" and text == "("):
            self.primary()
            while self.take("["):
                self.predicate_body()
            if self.take("/", "//"):
                self.relative_path()
        elif self.take("//"):
            self.relative_path()
        elif self.take("/"):
            nxt = self.peek()
            if nxt is not None and (
                nxt[0] in ("name", "axis", "nodetype") or nxt[1] in (".", "..", "@", "*")
            ):
                self.relative_path()
        else:
            self.relative_path()

    def primary(self) -> None:
        kind, text = self.tokens[self.i]
        self.i += 1
        if kind == "var":
            raise XPathSyntaxError(f"variables ({text}) are not supported")
        if kind == "function":
            if text not in CORE_FUNCTIONS:
                raise XPathSyntaxError(f"unknown XPath function {text}()")
            self.expect("(")
            if not self.take(")"):
                starts = [self.i]
                self.expr()
                while self.take(","):
                    starts.append(self.i)
                    self.expr()
                self.expect(")")
                if text.startswith("re:") and len(starts) > 1:
                    self._check_pattern(starts[1])
        elif kind == "sym":  # "("
            self.expr()
            self.expect(")")

    def _check_pattern(self, at: int) -> None:
        """A literal pattern of `re:test`/`re:match`/`re:replace` must be one the worker's RE2 runs."""
        kind, text = self.tokens[at]
        if kind == "literal" and self.tokens[at + 1][1] in (",", ")"):
            try:
                check_regex(text[1:-1])
            except RegexError as exc:
                raise XPathSyntaxError(f"invalid regex {text}: {exc.reason}") from exc

    def predicate_body(self) -> None:
        self.expr()
        self.expect("]")

    def relative_path(self) -> None:
        self.step()
        while self.take("/", "//"):
            self.step()

    def step(self) -> None:
        if self.take(".", ".."):
            return
        token = self.peek()
        if token is not None and token[0] == "axis":
            if token[1] not in AXES:
                raise XPathSyntaxError(f"unknown axis {token[1]!r}")
            self.i += 1
            self.expect("::")
        else:
            self.take("@")
        self.node_test()
        while self.take("["):
            self.predicate_body()

    def node_test(self) -> None:
        token = self.peek()
        if token is None:
            raise XPathSyntaxError("expected a node test, found end of expression")
        kind, text = token
        self.i += 1
        if kind == "name" and ":" in text:
            raise XPathSyntaxError(f"namespace prefixes ({text}) are not supported in HTML documents")
        if kind == "name" or (kind == "sym" and text == "*"):
            return
        if kind == "nodetype":
            self.expect("(")
            nxt = self.peek()
            if text == "processing-instruction" and nxt is not None and nxt[0] == "literal":
                self.i += 1
            self.expect(")")
            return
        raise XPathSyntaxError(f"expected a node test, found {text!r}")


def check_xpath(expr: str) -> None:
    """Raise XPathSyntaxError when `expr` is not a valid XPath 1.0 expression."""
    if not expr.strip():
        raise XPathSyntaxError("empty expression")
    parser = _Parser(tokenize(expr))
    parser.expr()
    leftover = parser.peek()
    if leftover is not None:
        raise XPathSyntaxError(f"unexpected {leftover[1]!r} after a complete expression")
