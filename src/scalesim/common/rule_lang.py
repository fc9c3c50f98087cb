"""A small, safe expression language for pit-stop adaptation rules.

Grammar (no Python ``eval``, no attribute access, no calls, no strings)::

    expr    := or
    or      := and ("or" and)*
    and     := not ("and" not)*
    not     := "not" not | compare
    compare := sum (("<" | "<=" | ">" | ">=" | "==" | "!=") sum)?
    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := "-" unary | atom
    atom    := NUMBER | NAME | "true" | "false" | "(" expr ")"

Names must be known indicator names (validated when the scenario loads). Expressions are
parsed once into a tree of tuples and evaluated over a mapping of observed values.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scalesim.common.validation import did_you_mean

MAX_LENGTH = 400
MAX_DEPTH = 32

_TOKEN = re.compile(
    r"\s*(?:(?P<num>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]*)"
    r"|(?P<op><=|>=|==|!=|<|>|\(|\)|\+|-|\*|/))",
    re.ASCII,  # ASCII digits, letters and spaces only: no look-alike Unicode characters
)
_SPACE = " \t\n\r\f\v"
_KEYWORDS = {"and", "or", "not", "true", "false"}


class RuleSyntaxError(ValueError):
    """The expression is not in the rule language (the message says where and why)."""


@dataclass(frozen=True)
class Rule:
    """A parsed condition."""

    text: str
    tree: tuple[Any, ...]
    names: frozenset[str]

    def evaluate(self, values: Mapping[str, float]) -> bool:
        """Evaluate over observed values; a missing name is an error, never a guess."""
        return bool(_eval(self.tree, values))


def _tokenize(text: str) -> list[tuple[str, str, int]]:
    if len(text) > MAX_LENGTH:
        raise RuleSyntaxError(f"expression longer than {MAX_LENGTH} characters")
    pos, out = 0, []
    while pos < len(text):
        if text[pos:].strip(_SPACE) == "":
            break
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            bad = text[pos:].lstrip(_SPACE)[:1]
            col = len(text) - len(text[pos:].lstrip(_SPACE)) + 1
            raise RuleSyntaxError(f"unexpected character {bad!r} at column {col}")
        kind = m.lastgroup or ""
        val = m.group(kind)
        if kind == "name" and "__" in val:
            raise RuleSyntaxError(f"name {val!r} is not allowed")
        out.append((kind, val, m.start(kind) + 1))
        pos = m.end()
    out.append(("end", "", len(text) + 1))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, int]]) -> None:
        self.toks = tokens
        self.i = 0
        self.depth = 0
        self.names: set[str] = set()

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def is_word(self, word: str) -> bool:
        kind, val, _ = self.peek()
        return kind == "name" and val == word

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleSyntaxError(f"expression nested deeper than {MAX_DEPTH} levels")

    def parse(self) -> tuple[Any, ...]:
        tree = self.or_()
        kind, val, col = self.peek()
        if kind != "end":
            raise RuleSyntaxError(f"unexpected {val!r} at column {col}")
        return tree

    def or_(self) -> tuple[Any, ...]:
        left = self.and_()
        while self.is_word("or"):
            self.take()
            left = ("or", left, self.and_())
        return left

    def and_(self) -> tuple[Any, ...]:
        left = self.not_()
        while self.is_word("and"):
            self.take()
            left = ("and", left, self.not_())
        return left

    def not_(self) -> tuple[Any, ...]:
        if self.is_word("not"):
            self.take()
            self.enter()
            node = ("not", self.not_())
            self.depth -= 1
            return node
        return self.compare()

    def compare(self) -> tuple[Any, ...]:
        left = self.sum_()
        kind, val, _ = self.peek()
        if kind == "op" and val in ("<", "<=", ">", ">=", "==", "!="):
            self.take()
            return ("cmp", val, left, self.sum_())
        return left

    def sum_(self) -> tuple[Any, ...]:
        left = self.product()
        while self.peek()[0] == "op" and self.peek()[1] in "+-":
            op = self.take()[1]
            left = ("arith", op, left, self.product())
        return left

    def product(self) -> tuple[Any, ...]:
        left = self.unary()
        while self.peek()[0] == "op" and self.peek()[1] in "*/":
            op = self.take()[1]
            left = ("arith", op, left, self.unary())
        return left

    def unary(self) -> tuple[Any, ...]:
        if self.peek()[:2] == ("op", "-"):
            self.take()
            self.enter()
            node = ("neg", self.unary())
            self.depth -= 1
            return node
        return self.atom()

    def atom(self) -> tuple[Any, ...]:
        kind, val, col = self.take()
        if kind == "num":
            return ("num", float(val))
        if kind == "name":
            if val in ("true", "false"):
                return ("num", 1.0 if val == "true" else 0.0)
            if val in _KEYWORDS:
                raise RuleSyntaxError(f"unexpected {val!r} at column {col}")
            self.names.add(val)
            return ("name", val)
        if (kind, val) == ("op", "("):
            self.enter()
            inner = self.or_()
            self.depth -= 1
            k2, v2, c2 = self.take()
            if (k2, v2) != ("op", ")"):
                raise RuleSyntaxError(f"expected ')' at column {c2}")
            return inner
        if kind == "end":
            raise RuleSyntaxError("expression ends too early")
        raise RuleSyntaxError(f"unexpected {val!r} at column {col}")


def parse_rule(text: str, known: Iterable[str] | None = None) -> Rule:
    """Parse a condition, checking its names against ``known``.

    Raises:
        RuleSyntaxError: With what is wrong and where.
    """
    if not isinstance(text, str) or not text.strip():
        raise RuleSyntaxError("empty expression")
    p = _Parser(_tokenize(text))
    tree = p.parse()
    if known is not None:
        allowed = set(known)
        unknown = sorted(p.names - allowed)
        if unknown:
            raise RuleSyntaxError(
                f"unknown name {unknown[0]!r}{did_you_mean(unknown[0], allowed)}; "
                f"known names: {', '.join(sorted(allowed))}"
            )
    return Rule(text, tree, frozenset(p.names))


def _eval(node: tuple[Any, ...], env: Mapping[str, float]) -> float:
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "name":
        return float(env[node[1]])
    if tag == "not":
        return 0.0 if _eval(node[1], env) else 1.0
    if tag == "and":
        return 1.0 if (_eval(node[1], env) and _eval(node[2], env)) else 0.0
    if tag == "or":
        return 1.0 if (_eval(node[1], env) or _eval(node[2], env)) else 0.0
    if tag == "neg":
        return -_eval(node[1], env)
    a, b = _eval(node[2], env), _eval(node[3], env)
    op = node[1]
    if tag == "arith":
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        return a / b if b != 0 else float("inf") if a > 0 else float("-inf") if a < 0 else 0.0
    return float(
        {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
    )
