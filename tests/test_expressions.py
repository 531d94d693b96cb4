"""The expression allow-list and the evaluator without builtins."""
from __future__ import annotations

import pytest
import simpleeval

from engine.process.expressions import (
    PURE_FUNCTIONS,
    ExpressionRejected,
    SafeEnvironment,
    check_expression,
    check_script,
)


@pytest.fixture
def env() -> SafeEnvironment:
    return SafeEnvironment({**PURE_FUNCTIONS, "now": lambda: "2026-03-17T03:00:00+00:00",
                            "add_working_days": lambda start, n: f"{start}+{n}"})


@pytest.mark.parametrize("source", [
    'keputusan == "setuju"', 'keputusan == "kembalikan" and kembalikan_ke == "pelaksana"',
    'len(agen) >= 2', '{"campaign_id": campaign_id, "peran": ["kasi"]}', 'batas_laporan', 'x[0] if x else None',
])
def test_allowed_expressions(source: str) -> None:
    assert check_expression(source) == ()


@pytest.mark.parametrize(("source", "reason"), [
    ("__import__('os').system('id')", "__import__"),
    ("().__class__.__bases__", "attribute access"),
    ("open('/etc/passwd')", "'open'"),
    ("eval('1')", "'eval'"),
    ("hitung(1)", "'hitung'"),
    ("(lambda: 1)()", "lambda"),
    ("[x for x in y]", "comprehension"),
    ("9 ** 9 ** 9", "**"),
    ("len(x, key=1)", "keyword"),
    ("keputusan ==== 1", "syntax error"),
])
def test_rejected_expressions_say_why(source: str, reason: str) -> None:
    problems = check_expression(source)
    assert problems and any(reason in p for p in problems), problems


def test_scripts_allow_only_simple_assignments() -> None:
    assert check_script("a = now()\nb = add_working_days(a, 5)") == ()
    assert "only 'name = expression'" in check_script("import os")[0]
    assert "cannot assign to 'len'" in check_script("len = 1")[0]
    assert "cannot assign to '__builtins__'" in check_script("__builtins__ = 1")[0]


def test_evaluation_uses_task_data_and_registered_functions(env: SafeEnvironment) -> None:
    assert env.evaluate('keputusan == "setuju"', {"keputusan": "setuju"}) is True
    context = {"x": 1}
    env.execute("a = now()\nb = add_working_days(a, 5)", context)
    assert context == {"x": 1, "a": "2026-03-17T03:00:00+00:00", "b": "2026-03-17T03:00:00+00:00+5"}


def test_the_runtime_refuses_what_the_deploy_check_refuses(env: SafeEnvironment) -> None:
    """Even a tampered spec cannot run code: the evaluator re-checks every expression."""
    with pytest.raises(ExpressionRejected):
        env.evaluate("().__class__.__base__.__subclasses__()", {})
    with pytest.raises(ExpressionRejected):
        env.execute("import os", {})
    with pytest.raises(simpleeval.NameNotDefined):
        env.evaluate("open", {})  # a bare builtin name is not defined: there are no builtins


def test_huge_strings_are_refused(env: SafeEnvironment) -> None:
    with pytest.raises(simpleeval.IterableTooLong, match="(?i)too long|sorry"):
        env.evaluate('"x" * n', {"n": 100000000})
    with pytest.raises(ExpressionRejected, match="100,000,000 items"):  # written out: refused before evaluating
        env.evaluate('"x" * 100000000', {})


@pytest.mark.parametrize("source", [
    '"%02000000000d" % 1',                      # 2 GB string from 19 characters
    'sum([a] * 300, [])',                       # list concatenation through sum
    'str([s] * 9999)',                          # repr of a huge list
    '[0] * n',                                  # too many items
    'x * x * x * x * x * x * x * x',            # huge integer
])
def test_expressions_that_would_exhaust_memory_are_refused(env: SafeEnvironment, source: str) -> None:
    assert check_expression(source) == ()  # syntactically harmless: refused while evaluating, before allocating
    with pytest.raises(ExpressionRejected):
        env.evaluate(source, {"a": [0] * 5000, "s": "x" * 5000, "x": 10 ** 70, "n": 99999})


def test_huge_or_deeply_nested_expressions_are_rejected_at_deploy_without_crashing() -> None:
    assert "nested more than" in check_expression("1+" * 500 + "1")[0]
    assert check_expression("1+" * 3000 + "1")           # used to crash lint with RecursionError
    assert "nested more than" in check_expression("[" * 60 + "]" * 60)[0]
    assert "more than 400 parts" in check_expression("[" + ", ".join(["1"] * 450) + "]")[0]
    assert check_script("x = " + "1+" * 5000 + "1")


def test_script_results_are_bounded(env: SafeEnvironment) -> None:
    context: dict[str, object] = {"a": [1] * 6000}
    with pytest.raises(ExpressionRejected):
        env.execute("b = a + a", context)
    assert "b" not in context
