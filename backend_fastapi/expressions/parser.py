"""Parsing tokens into a tree by recursive descent, refusing whatever is not in the language."""

from __future__ import annotations

from backend_fastapi.expressions.tokens import Token, tokenize
from backend_fastapi.expressions.tree import (
    COMPARISONS,
    FUNCTIONS,
    LITERAL_ARGUMENTS,
    MAX_DEPTH,
    MAX_EXPONENT,
    MAX_LENGTH,
    MAX_LIST_ITEMS,
    MAX_NODES,
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
)


class _Parser:
    """Recursive descent, lowest precedence first: or, and, not, comparison, + -, * / // %, unary, **."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0
        self.depth = 0
        self.nodes = 0

    @property
    def current(self) -> Token:
        """The token being looked at."""
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def _at(self, kind: str, *texts: str) -> bool:
        token = self.current
        return token.kind == kind and (not texts or token.text in texts)

    def _expect(self, kind: str, text: str, what: str) -> Token:
        if not self._at(kind, text):
            raise ExpressionError(f"expected {what} at position {self.current.pos}, found {self._shown()}")
        return self._advance()

    def _shown(self) -> str:
        return "the end" if self.current.kind == "end" else repr(self.current.text)

    def _node(self, node: Node) -> Node:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise ExpressionError(f"the expression is too complex (more than {MAX_NODES} parts)")
        return node

    def parse(self) -> Node:
        """The whole expression, which must use every token."""
        node = self._or()
        if self.current.kind != "end":
            raise ExpressionError(f"unexpected {self._shown()} at position {self.current.pos}")
        return node

    def _nested(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression is nested too deeply (more than {MAX_DEPTH} levels)")

    def _or(self) -> Node:
        operands = [self._and()]
        while self._at("keyword", "or"):
            self._advance()
            operands.append(self._and())
        return operands[0] if len(operands) == 1 else self._node(Logical("or", tuple(operands)))

    def _and(self) -> Node:
        operands = [self._not()]
        while self._at("keyword", "and"):
            self._advance()
            operands.append(self._not())
        return operands[0] if len(operands) == 1 else self._node(Logical("and", tuple(operands)))

    def _not(self) -> Node:
        if self._at("keyword", "not"):
            self._advance()
            self._nested()
            operand = self._not()
            self.depth -= 1
            return self._node(Unary("not", operand))
        return self._comparison()

    def _comparison(self) -> Node:
        left = self._additive()
        negated = False
        if self._at("keyword", "not") and self.tokens[self.index + 1].text in ("in", "contains", "matches"):
            self._advance()
            negated = True
        token = self.current
        if token.kind == "op" and token.text in COMPARISONS and not negated:
            self._advance()
            return self._node(Compare(token.text, left, self._additive()))
        if token.kind == "keyword" and token.text == "in":
            self._advance()
            return self._node(Membership(left, self._list(), negated))
        if token.kind == "keyword" and token.text in ("contains", "matches"):
            self._advance()
            pattern = self._string_literal(token.text)
            if token.text == "matches":
                check_pattern(pattern)
            return self._node(TextMatch(token.text, left, pattern, negated))
        if negated:
            raise ExpressionError(f"expected in, contains or matches after 'not' at position {token.pos}")
        return left

    def _string_literal(self, after: str) -> str:
        token = self.current
        if token.kind != "string":
            raise ExpressionError(f"'{after}' needs a quoted text at position {token.pos}")
        self._advance()
        return str(token.value)

    def _list(self) -> ListOf:
        start = self._expect("op", "[", '\'[\' (a list like [1, 2] or ["a", "b"])')
        items: list[Scalar] = []
        while not self._at("op", "]"):
            if items:
                self._expect("op", ",", "',' or ']'")
            items.append(self._literal_value())
            if len(items) > MAX_LIST_ITEMS:
                raise ExpressionError(
                    f"the list at position {start.pos} has more than {MAX_LIST_ITEMS} items"
                )
        self._advance()
        node = ListOf(tuple(items))
        self._node(node)
        return node

    def _literal_value(self) -> Scalar:
        node = self._unary()
        if not isinstance(node, Literal):
            raise ExpressionError(f"lists may only hold literal values (before position {self.current.pos})")
        return node.value

    def _additive(self) -> Node:
        node = self._multiplicative()
        while self._at("op", "+", "-"):
            op = self._advance().text
            node = self._node(_arithmetic(op, node, self._multiplicative()))
        return node

    def _multiplicative(self) -> Node:
        node = self._unary()
        while self._at("op", "*", "/", "//", "%"):
            op = self._advance().text
            node = self._node(_arithmetic(op, node, self._unary()))
        return node

    def _unary(self) -> Node:
        if self._at("op", "-", "+"):
            op = self._advance().text
            self._nested()
            operand = self._unary()
            self.depth -= 1
            if isinstance(operand, Literal) and isinstance(operand.value, (int, float)):
                if isinstance(operand.value, bool):
                    raise ExpressionError("a sign cannot stand before true or false")
                return Literal(-operand.value if op == "-" else operand.value)
            return operand if op == "+" else self._node(Unary("-", operand))
        return self._power()

    def _power(self) -> Node:
        base = self._primary()
        if not self._at("op", "**"):
            return base
        token = self._advance()
        exponent = self._unary()
        value = exponent.value if isinstance(exponent, Literal) else None
        if not isinstance(value, (int, float)) or isinstance(value, bool) or abs(value) > MAX_EXPONENT:
            raise ExpressionError(
                f"the exponent at position {token.pos} must be a number between "
                f"-{MAX_EXPONENT} and {MAX_EXPONENT}"
            )
        return self._node(_arithmetic("**", base, exponent))

    def _primary(self) -> Node:
        token = self.current
        if token.kind in ("number", "string"):
            self._advance()
            return self._node(Literal(token.value))
        if token.kind == "keyword" and token.text in ("true", "false", "null"):
            self._advance()
            return self._node(Literal({"true": True, "false": False, "null": None}[token.text]))
        if token.kind == "column":
            self._advance()
            return self._node(Column(str(token.value)))
        if token.kind == "name":
            return self._name()
        if self._at("op", "("):
            self._advance()
            self._nested()
            node = self._or()
            self.depth -= 1
            self._expect("op", ")", "')'")
            return node
        if self._at("op", "["):
            raise ExpressionError(f"a list is only allowed after 'in' (position {token.pos})")
        raise ExpressionError(f"unexpected {self._shown()} at position {token.pos}")

    def _name(self) -> Node:
        token = self._advance()
        name = token.text
        if name.startswith("__"):
            raise ExpressionError(
                f"names starting with '__' are not allowed ({name!r} at position {token.pos})"
            )
        if not self._at("op", "("):
            return self._node(Column(name))
        bounds = FUNCTIONS.get(name.lower())
        if bounds is None:
            known = ", ".join(sorted(FUNCTIONS))
            raise ExpressionError(f"unknown function {name!r} at position {token.pos}; available: {known}")
        self._advance()
        self._nested()
        args: list[Node] = []
        while not self._at("op", ")"):
            if args:
                self._expect("op", ",", "',' or ')'")
            args.append(self._or())
        self._advance()
        self.depth -= 1
        low, high = bounds
        if not low <= len(args) <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise ExpressionError(
                f"{name}() takes {wanted} arguments, not {len(args)} (position {token.pos})"
            )
        for index in LITERAL_ARGUMENTS.get(name.lower(), ()):
            if index < len(args) and not isinstance(args[index], Literal):
                raise ExpressionError(f"argument {index + 1} of {name}() must be a literal value")
        return self._node(Call(name.lower(), tuple(args)))


def _arithmetic(op: str, left: Node, right: Node) -> Arithmetic:
    for side in (left, right):
        if isinstance(side, Literal) and (side.value is None or isinstance(side.value, bool)):
            raise ExpressionError(f"'{op}' cannot take {side.value!r}")
        if isinstance(side, Literal) and isinstance(side.value, str) and op != "+":
            raise ExpressionError(f"'{op}' needs numbers, not the text {side.value!r}")
    return Arithmetic(op, left, right)


def parse(text: str) -> Node:
    """Parse an expression into its tree; raises ExpressionError (a ValueError) naming the position."""
    if not isinstance(text, str) or not text.strip():
        raise ExpressionError("the expression is empty")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_LENGTH} characters")
    return _Parser(tokenize(text)).parse()
