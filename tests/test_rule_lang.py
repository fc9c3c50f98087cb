"""The pit-stop rule language: malicious and random text is rejected, never executed.

Valid expressions evaluate like a tiny reference evaluator written here from the grammar in
``scalesim.common.rule_lang`` (generated trees rendered with the fewest parentheses, so operator
precedence and associativity are checked too).
"""

from __future__ import annotations

import builtins
import math
import re
import string
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scalesim.common.rule_lang import MAX_DEPTH, MAX_LENGTH, RuleSyntaxError, parse_rule
from scalesim.journey.pitstops import INDICATOR_NAMES


@pytest.fixture
def no_eval(monkeypatch: pytest.MonkeyPatch) -> None:
    """Extra guard: any call of eval, exec or compile during the test fails it."""

    def forbidden(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the rule language must never call eval/exec/compile")

    for name in ("eval", "exec", "compile"):
        monkeypatch.setattr(builtins, name, forbidden)


def sentinel_code(path: Path) -> list[str]:
    """Python snippets that would create ``path`` if they were ever executed."""
    p = str(path)
    return [
        f"open('{p}', 'w')",
        f"__import__('os').system('touch {p}')",
        f"__import__('pathlib').Path('{p}').touch()",
        f"share_enacting > 0 or open('{p}', 'w')",
        f"[open('{p}', 'w') for x in y]",
        f"(lambda: open('{p}', 'w'))()",
        f'f\'{{open("{p}", "w")}}\'',
        f"exec(\"open('{p}', 'w')\")",
        f"eval(\"open('{p}', 'w')\")",
    ]


MALICIOUS = [
    "__import__('os')",
    "__import__",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "a.b",
    "share_enacting.real",
    "open('x')",
    "lambda: 1",
    "lambda x: x",
    "f'{1}'",
    'f"{share_enacting}"',
    "[x for x in y]",
    "{1: 2}",
    "{'a'}",
    "'a' == 'a'",
    '"x"',
    "__builtins__",
    "__class__",
    "share__enacting > 1",
    "x__ > 1",
    "_private > 1",
    "globals()",
    "getattr(a, 'b')",
    "share_enacting(1)",
    "share_enacting[0]",
    "1 if 2 else 3",
    "a := 1",
    "share_enacting = 1",
    "1; 2",
    "1 # comment",
    "`1`",
    "\\x41",
    "1 & 2",
    "1 | 2",
    "~1",
    "1 ** 2",
    "1 // 2",
    "1 % 2",
    "1 < 2 < 3",
    "not",
    "1 +",
    "(1",
    "1)",
    "()",
    "",
    "   ",
    "and 1",
    "1 and",
    "true true",
    "0x10 > 1",
    "1_000 > 1",
    "1j > 0",
    "None",
    "import os",
    "yield 1",
    "await x",
    "x" * 10_000,
    "(" * 10_000 + "1" + ")" * 10_000,
    "(" * (MAX_DEPTH + 1) + "1" + ")" * (MAX_DEPTH + 1),
    "not " * (MAX_DEPTH + 1) + "1",
    "- " * (MAX_DEPTH + 1) + "1",
    "share_enacting > 0.5" + " " * MAX_LENGTH,
    "ｓhare_enacting > 0.5",  # full-width letter
    "share_enacting > ０.5",  # full-width digit
    "share_enacting > ١",  # Arabic-Indic digit
    "share_enacting\u00a0> 0.5",  # no-break space
    "share_enacting > 0.5\u200b",  # zero-width space
    "équité > 0",
    "share_enacting > 0.5\x00",
    "share_enacting > 0.5\n; import os",
    "unknown_indicator > 1",
    "os > 1",
]


@pytest.mark.parametrize("text", MALICIOUS, ids=range(len(MALICIOUS)))
def test_malicious_and_invalid_rejected(text: str, no_eval: None) -> None:
    """Each string is rejected with RuleSyntaxError and a message that says what is wrong."""
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule(text, INDICATOR_NAMES)
    msg = str(info.value)
    assert msg and len(msg) < 2000, "the message must be short and non-empty"
    assert any(
        key in msg
        for key in (
            "column",
            "not allowed",
            "longer than",
            "deeper than",
            "unknown name",
            "empty",
            "ends too early",
        )
    ), f"message {msg!r} does not say where or why"


def test_sentinel_never_created(tmp_path: Path, no_eval: None) -> None:
    """Code that would create a file if executed is rejected, and the file never appears."""
    sentinel = tmp_path / "sentinel"
    for code in sentinel_code(sentinel):
        with pytest.raises(RuleSyntaxError):
            parse_rule(code, INDICATOR_NAMES)
        with pytest.raises(RuleSyntaxError):
            parse_rule(code)  # without a list of known names too
    assert not sentinel.exists(), "a rejected rule was executed"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a.b", "unexpected character '.' at column 2"),
        ("__import__('os')", "unexpected character '_' at column 1"),
        ("share__enacting > 1", "name 'share__enacting' is not allowed"),
        ("x" * 10_000, f"expression longer than {MAX_LENGTH} characters"),
        ("(" * 40 + "1" + ")" * 40, f"expression nested deeper than {MAX_DEPTH} levels"),
        ("nope > 1", "unknown name 'nope'"),
        ("share_enacting >", "expression ends too early"),
        ("1 < 2 < 3", "unexpected '<' at column 7"),
        ("open('x')", 'unexpected character "\'" at column 6'),
        ("", "empty expression"),
    ],
)
def test_messages_say_where_and_why(text: str, expected: str) -> None:
    """The message names the offending character, name or limit (and the column)."""
    with pytest.raises(RuleSyntaxError, match="^" + re.escape(expected)):
        parse_rule(text, INDICATOR_NAMES)


def test_unknown_name_message_lists_known_names() -> None:
    """An unknown indicator is named, with the list of the ones that exist."""
    with pytest.raises(RuleSyntaxError) as info:
        parse_rule("equity_ration < 0.9", INDICATOR_NAMES)
    assert "'equity_ration'" in str(info.value)
    assert "equity_ratio" in str(info.value) and "share_enacting" in str(info.value)


@settings(
    max_examples=400,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.text(max_size=120))
def test_random_text_rejected_or_safe(text: str) -> None:
    """Any string either raises RuleSyntaxError or parses to a rule that evaluates cleanly.

    A string with a character outside the language's ASCII alphabet is always rejected.
    """
    allowed = set(string.ascii_letters + string.digits + "_ \t\n\r\f\v.()<>=!+-*/")
    try:
        rule = parse_rule(text, INDICATOR_NAMES)
    except RuleSyntaxError as exc:
        assert str(exc)
        return
    assert set(text) <= allowed, f"{text!r} has characters outside the language"
    assert rule.names <= set(INDICATOR_NAMES)
    assert not any("__" in n for n in rule.names)
    assert isinstance(rule.evaluate(dict.fromkeys(INDICATOR_NAMES, 0.5)), bool)


TOKENS = [
    "share_enacting",
    "equity_ratio",
    "month",
    "and",
    "or",
    "not",
    "true",
    "false",
    "(",
    ")",
    "<",
    "<=",
    ">",
    ">=",
    "==",
    "!=",
    "+",
    "-",
    "*",
    "/",
    "0.5",
    "1",
    "2e3",
    ".",
    "_",
    "__",
    "'",
    '"',
    "[",
    "]",
    ",",
    ":",
    "lambda",
    "import",
    "__class__",
    "é",
]


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(TOKENS), max_size=25))
def test_random_token_soup_rejected_or_safe(tokens: list[str]) -> None:
    """Random sequences of language and Python tokens never escape the language."""
    text = " ".join(tokens)
    try:
        rule = parse_rule(text, INDICATOR_NAMES)
    except RuleSyntaxError:
        return
    forbidden = {".", "_", "__", "'", '"', "[", "]", ",", ":", "lambda", "import", "__class__", "é"}
    assert not forbidden & set(tokens), f"{text!r} should have been rejected"
    assert isinstance(rule.evaluate(dict.fromkeys(INDICATOR_NAMES, 1.0)), bool)


# --------------------------------------------------------------------- reference evaluator

ENV_NAMES = ("share_enacting", "equity_ratio", "capacity_left", "month")
# Precedence levels of the grammar: or < and < not < compare < sum < product < unary < atom.
PREC = {
    "or": 1,
    "and": 2,
    "not": 3,
    "cmp": 4,
    "+": 5,
    "-": 5,
    "*": 6,
    "/": 6,
    "neg": 7,
    "num": 8,
    "name": 8,
}


def ref_eval(node: tuple[Any, ...], env: dict[str, float]) -> float:
    """Reference semantics: true = 1, false = 0; x/0 is +inf, -inf or 0 by the sign of x."""
    tag = node[0]
    if tag == "num":
        return node[1]
    if tag == "name":
        return env[node[1]]
    if tag == "neg":
        return -ref_eval(node[1], env)
    if tag == "not":
        return float(not ref_eval(node[1], env))
    if tag in ("and", "or"):
        a, b = ref_eval(node[1], env), ref_eval(node[2], env)
        return float(bool(a) and bool(b)) if tag == "and" else float(bool(a) or bool(b))
    op, a, b = node[1], ref_eval(node[2], env), ref_eval(node[3], env)
    if tag == "cmp":
        return float(
            {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b, "==": a == b, "!=": a != b}[op]
        )
    if op == "+":
        return a + b
    if op == "-":
        return a - b
    if op == "*":
        return a * b
    if b == 0:
        return math.inf if a > 0 else -math.inf if a < 0 else 0.0
    return a / b


def prec(node: tuple[Any, ...]) -> int:
    """Precedence level of a node."""
    return PREC[node[1]] if node[0] == "arith" else PREC[node[0]]


def render(node: tuple[Any, ...]) -> str:
    """Text with the fewest parentheses the grammar needs for this exact tree."""
    tag = node[0]

    def wrap(child: tuple[Any, ...], min_prec: int) -> str:
        text = render(child)
        return text if prec(child) >= min_prec else f"({text})"

    if tag == "num":
        return repr(node[1])
    if tag == "name":
        return node[1]
    if tag == "neg":
        return "- " + wrap(node[1], PREC["neg"])
    if tag == "not":
        return "not " + wrap(node[1], PREC["not"])
    if tag in ("and", "or"):
        p = PREC[tag]
        return f"{wrap(node[1], p)} {tag} {wrap(node[2], p + 1)}"
    if tag == "cmp":
        return f"{wrap(node[2], PREC['+'])} {node[1]} {wrap(node[3], PREC['+'])}"
    p = PREC[node[1]]
    return f"{wrap(node[2], p)} {node[1]} {wrap(node[3], p + 1)}"


numbers = st.floats(min_value=0, max_value=1e6, allow_nan=False, allow_infinity=False)
leaves = st.one_of(
    numbers.map(lambda v: ("num", v)), st.sampled_from(ENV_NAMES).map(lambda n: ("name", n))
)


def extend(children: st.SearchStrategy[tuple[Any, ...]]) -> st.SearchStrategy[tuple[Any, ...]]:
    """Build bigger trees from smaller ones."""
    return st.one_of(
        children.map(lambda c: ("neg", c)),
        children.map(lambda c: ("not", c)),
        st.tuples(st.just("arith"), st.sampled_from("+-*/"), children, children),
        st.tuples(
            st.just("cmp"), st.sampled_from(["<", "<=", ">", ">=", "==", "!="]), children, children
        ),
        st.tuples(st.sampled_from(["and", "or"]), children, children),
    )


trees = st.recursive(leaves, extend, max_leaves=12)
envs = st.fixed_dictionaries({n: numbers for n in ENV_NAMES})


@settings(max_examples=600, deadline=None, derandomize=True, database=None)
@given(trees, envs)
def test_valid_expressions_match_reference(tree: tuple[Any, ...], env: dict[str, float]) -> None:
    """A rendered tree parses and evaluates to the reference evaluator's truth value."""
    text = render(tree)
    if len(text) > MAX_LENGTH:
        return
    rule = parse_rule(text, INDICATOR_NAMES)
    expected = ref_eval(tree, env)
    assert rule.evaluate(env) == bool(expected), f"{text!r} with {env}"


arith = st.recursive(
    leaves,
    lambda c: st.one_of(
        c.map(lambda x: ("neg", x)), st.tuples(st.just("arith"), st.sampled_from("+-*/"), c, c)
    ),
    max_leaves=10,
)


@settings(max_examples=400, deadline=None, derandomize=True, database=None)
@given(arith, envs)
def test_arithmetic_values_exact(tree: tuple[Any, ...], env: dict[str, float]) -> None:
    """Arithmetic gives exactly the reference value (checked as ``expr == value``)."""
    value = ref_eval(tree, env)
    if math.isnan(value) or len(render(tree)) > MAX_LENGTH - 40:
        return
    rule = parse_rule(f"{render(tree)} == ref_value", None)
    assert rule.evaluate({**env, "ref_value": value}), render(tree)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("1 + 2 * 3 == 7", True),
        ("(1 + 2) * 3 == 9", True),
        ("2 - 3 - 4 == -5", True),
        ("8 / 4 / 2 == 1", True),
        ("- 2 * 3 == -6", True),
        ("not 1 < 2 or true", True),
        ("not (1 < 2 or true)", False),
        ("true and false or true", True),
        ("true and (false or false)", False),
        ("not not true", True),
        ("1 / 0 > 1e300", True),
        ("-1 / 0 < -1e300", True),
        ("0 / 0 == 0", True),
        ("share_enacting >= 0.5 and equity_ratio < 0.9", True),
        ("capacity_left < 0.1", False),
        ("month >= 12 and not (equity_ratio > 1)", True),
    ],
)
def test_hand_examples(text: str, value: bool) -> None:
    """Precedence, associativity, keywords and division by zero behave as documented."""
    env = {"share_enacting": 0.5, "equity_ratio": 0.8, "capacity_left": 0.3, "month": 12.0}
    assert parse_rule(text, INDICATOR_NAMES).evaluate(env) is value


def test_names_recorded() -> None:
    """The parsed rule lists the indicators it reads (the decision log shows their values)."""
    rule = parse_rule("equity_ratio < 0.9 and (capacity_left > 0.1 or month > 3)", INDICATOR_NAMES)
    assert rule.names == {"equity_ratio", "capacity_left", "month"}
