"""Expressions are not code: an AST allow-list checked at deploy, and an evaluator without builtins.

SpiffWorkflow hands every condition, script, timer, payload and cardinality expression to its
script-engine environment. ``SafeEnvironment`` is that environment: it re-checks the allow-list and
evaluates with ``simpleeval`` (an AST walker: no ``eval``, no builtins, bounded string and power sizes).

Evaluation has a budget: every AST node evaluated and every item of every value it produces or reads counts as
an operation (``MAX_OPERATIONS`` per expression or script statement), and a caller may set a wall-clock limit for
everything evaluated while it runs (``time_limit``: the timer loop runs each instance under one). Sizes that are
plain to see in the source (a repetition of a repetition, ``[0] * 99999``) are refused at lint and deploy.
"""
from __future__ import annotations

import ast
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from functools import lru_cache
from time import monotonic
from typing import Any

import simpleeval
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

# Names callable from BPMN. The deploy check only needs the names; the runtime binds the functions.
PURE_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "len": len, "str": str, "int": int, "float": float, "bool": bool, "min": min, "max": max,
    "abs": abs, "round": round, "sum": sum, "any": any, "all": all, "sorted": sorted,
}
CONTEXT_FUNCTIONS = ("now", "today", "add_working_days")
REGISTERED_FUNCTIONS = frozenset(PURE_FUNCTIONS) | frozenset(CONTEXT_FUNCTIONS)

_ALLOWED_NODES: tuple[type[ast.AST], ...] = (
    ast.Expression, ast.Constant, ast.Name, ast.Load, ast.List, ast.Tuple, ast.Dict,
    ast.Compare, ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.In, ast.NotIn,
    ast.Is, ast.IsNot, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.USub, ast.UAdd,
    ast.BinOp, ast.Add, ast.Sub, ast.Mult, ast.Div, ast.FloorDiv, ast.Mod, ast.IfExp,
    ast.Subscript, ast.Slice, ast.Call,
)
_NODE_NAMES = {
    ast.Attribute: "attribute access", ast.Lambda: "lambda", ast.Import: "import",
    ast.ImportFrom: "import", ast.ListComp: "comprehension", ast.DictComp: "comprehension",
    ast.SetComp: "comprehension", ast.GeneratorExp: "comprehension", ast.Pow: "the ** operator",
    ast.JoinedStr: "f-string", ast.NamedExpr: "the := operator", ast.Starred: "* unpacking",
}


class ExpressionRejected(Exception):
    """An expression or script uses something outside the allow-list."""


class BudgetExceeded(ExpressionRejected):
    """Evaluation took more operations, or more time, than it is allowed; ``task`` is the element being run when
    the time limit struck between elements (an expression's own failure is named by SpiffWorkflow)."""

    def __init__(self, message: str, task: Any = None):
        super().__init__(message)
        self.task = task


# Size limits: an expression may not build huge values or deep trees (memory and recursion are resources too).
MAX_SOURCE = 4000        # characters of one expression or script
MAX_NODES = 400          # AST nodes of one expression or statement
MAX_DEPTH = 40           # nesting depth of an AST
MAX_ITEMS = 10_000       # length of a string, list, tuple or dict an expression may produce or consume
MAX_INT_BITS = 256       # integers beyond 77 decimal digits are refused
MAX_OPERATIONS = 100_000  # AST nodes evaluated + items of the values produced or read, per expression or statement
_CLOCK_EVERY = 256       # operations between two looks at the clock


_DEADLINE: ContextVar[float | None] = ContextVar("klip_expression_deadline", default=None)


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Everything evaluated in this block (and ``check_time`` between elements) fails with BudgetExceeded once
    ``seconds`` have passed; a limit already set by an outer block stays if it is sooner."""
    deadline = monotonic() + seconds
    outer = _DEADLINE.get()
    token = _DEADLINE.set(deadline if outer is None else min(outer, deadline))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def check_time(task: Any = None) -> None:
    """Raise BudgetExceeded (naming ``task``) when the block's time limit has passed."""
    deadline = _DEADLINE.get()
    if deadline is not None and monotonic() > deadline:
        raise BudgetExceeded("time limit exceeded: the process ran too long and was stopped", task)


def _bounded(value: Any) -> Any:
    """Refuse values that are too large to be a decision, a date or a small payload."""
    if isinstance(value, int) and not isinstance(value, bool) and value.bit_length() > MAX_INT_BITS:
        raise ExpressionRejected("integer result is too large")
    if isinstance(value, (str, bytes, list, tuple, dict, set)) and len(value) > MAX_ITEMS:
        raise ExpressionRejected(f"result has more than {MAX_ITEMS} items/characters")
    return value


def _operator(fn: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    return lambda a, b: _bounded(fn(_bounded(a), _bounded(b)))


def _mod(a: Any, b: Any) -> Any:
    if isinstance(a, (str, bytes)):
        raise ExpressionRejected("string formatting with % is not allowed")
    return _bounded(a % b)


def _function(fn: Callable[..., Any]) -> Callable[..., Any]:
    def call(*args: Any) -> Any:
        for arg in args:
            _bounded(arg)
        if fn is sum and (len(args) > 1 and not isinstance(args[1], (int, float))):
            raise ExpressionRejected("sum() adds numbers only")
        if fn is str and args and not isinstance(args[0], (str, int, float, bool, type(None))):
            raise ExpressionRejected("str() takes a single value, not a collection")
        return _bounded(fn(*args))

    return call


class _BudgetedEval(simpleeval.EvalWithCompoundTypes):
    """simpleeval's evaluator, counting operations: each node evaluated and each item of each value it yields
    (simpleeval looks at every item of every result for forbidden functions: that walk is what a nested value
    costs, so it is what is counted), and looking at the clock of ``time_limit`` every few hundred."""

    def __init__(self, operators: Any, functions: Any, names: Any):
        super().__init__(operators=operators, functions=functions, names=names)
        self.operations = 0

    def _spend(self, operations: int) -> None:
        before, self.operations = self.operations, self.operations + operations
        if self.operations > MAX_OPERATIONS:
            raise BudgetExceeded(f"expression exceeded its budget of {MAX_OPERATIONS:,} operations "
                                 "(values too large or nested too deeply)")
        if before // _CLOCK_EVERY != self.operations // _CLOCK_EVERY:
            check_time()

    def _eval(self, node: ast.AST) -> Any:
        self._spend(1)
        return super()._eval(node)

    def _check_disallowed_items(self, item: Any) -> None:
        """simpleeval's check of a value (no module, no forbidden function inside it), iterative and counted."""
        stack = [item]
        while stack:
            value = stack.pop()
            self._spend(1)
            if isinstance(value, (list, tuple, set, frozenset)):
                stack.extend(value)
            elif isinstance(value, dict):
                stack.extend(value.values())
            elif not isinstance(value, (str, bytes, int, float, bool, type(None))):
                super()._check_disallowed_items(value)


OPERATORS = {**simpleeval.DEFAULT_OPERATORS,
             ast.Add: _operator(simpleeval.safe_add), ast.Sub: _operator(lambda a, b: a - b),
             ast.Mult: _operator(simpleeval.safe_mult), ast.Mod: _mod}


def _describe(node: ast.AST) -> str:
    return _NODE_NAMES.get(type(node), type(node).__name__)


def _size_problems(tree: ast.AST) -> list[str]:
    """Too many nodes or too deep a tree (checked without recursion)."""
    count, stack = 0, [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        count += 1
        if depth > MAX_DEPTH:
            return [f"expression is nested more than {MAX_DEPTH} levels deep"]
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return [f"expression has more than {MAX_NODES} parts"] if count > MAX_NODES else []


def _is_sequence(node: ast.AST) -> bool:
    """A value the source shows to be a sequence: a display, a text, or a repetition or concatenation of one."""
    if isinstance(node, (ast.List, ast.Tuple, ast.Dict)):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, (str, bytes))
    return isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Mult, ast.Add)) and (
        _is_sequence(node.left) or _is_sequence(node.right))


def _literal_length(node: ast.AST) -> int | None:
    """The length of a display or text written out in the source (None when it is not one)."""
    if isinstance(node, (ast.List, ast.Tuple)):
        return len(node.elts)
    if isinstance(node, ast.Dict):
        return len(node.keys)
    if isinstance(node, ast.Constant) and isinstance(node.value, (str, bytes)):
        return len(node.value)
    return None


def _constant_count(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


def _repetitions(tree: ast.AST) -> Iterator[tuple[ast.BinOp, ast.AST, ast.AST]]:
    """Every ``sequence * count`` of the tree: (node, the repeated sequence, the count)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            if _is_sequence(node.left):
                yield node, node.left, node.right
            elif _is_sequence(node.right):
                yield node, node.right, node.left


def _holds_repetition(sequence: ast.AST) -> bool:
    """Whether an item of a display inside ``sequence`` is itself a repetition (``[[1] * 999]``, ``("ab" * 9,)``)."""
    for display in ast.walk(sequence):
        if isinstance(display, (ast.List, ast.Tuple)):
            items: list[ast.expr | None] = list(display.elts)
        elif isinstance(display, ast.Dict):
            items = [*display.keys, *display.values]
        else:
            continue
        if any(item is not None and next(_repetitions(item), None) for item in items):
            return True
    return False


def _blow_up_problems(tree: ast.AST) -> list[str]:
    """Size blow-ups plain in the source: a repetition of a sequence that holds a repetition (``[[1] * 999] * 999``
    is a million items from 17 characters; three levels, a billion), and a repetition whose written-out size
    exceeds MAX_ITEMS (``[0] * 99999``)."""
    problems: list[str] = []
    for _, sequence, count in _repetitions(tree):
        if _holds_repetition(sequence):
            problems.append("nested sequence repetition is not allowed (a repeated sequence holds a repetition)")
        length, times = _literal_length(sequence), _constant_count(count)
        if length is not None and times is not None and length * times > MAX_ITEMS:
            problems.append(f"sequence repetition makes {length * times:,} items (at most {MAX_ITEMS:,})")
    return list(dict.fromkeys(problems))


def _expression_problems(tree: ast.AST) -> list[str]:
    size = _size_problems(tree) or _blow_up_problems(tree)
    if size:
        return size
    problems: list[str] = []
    for node in ast.walk(tree):
        if not isinstance(node, _ALLOWED_NODES):
            problems.append(f"{_describe(node)} is not allowed")
        elif isinstance(node, ast.Name) and node.id.startswith("_"):
            problems.append(f"name '{node.id}' is not allowed (leading underscore)")
        elif isinstance(node, ast.Call):
            if not isinstance(node.func, ast.Name) or node.func.id not in REGISTERED_FUNCTIONS:
                called = node.func.id if isinstance(node.func, ast.Name) else _describe(node.func)
                problems.append(f"call to '{called}' is not allowed (not a registered function)")
            if node.keywords:
                problems.append("keyword arguments are not allowed")
    return list(dict.fromkeys(problems))


def _parse(source: str, kind: str) -> ast.AST | str:
    """The AST of an expression (``kind`` "expression") or a script, or why it cannot be checked."""
    if len(source) > MAX_SOURCE:
        return f"{kind} is longer than {MAX_SOURCE} characters"
    try:
        return ast.parse(source.strip(), mode="eval" if kind == "expression" else "exec")
    except SyntaxError as exc:
        return f"syntax error: {exc.msg}" if kind == "expression" else f"syntax error on line {exc.lineno}: {exc.msg}"
    except (RecursionError, MemoryError):
        return f"{kind} is nested too deeply"


@lru_cache(maxsize=1024)
def check_expression(source: str) -> tuple[str, ...]:
    """Return the reasons ``source`` is not an allowed expression (empty when it is)."""
    tree = _parse(source, "expression")
    return (tree,) if isinstance(tree, str) else tuple(_expression_problems(tree))


@lru_cache(maxsize=1024)
def check_script(source: str) -> tuple[str, ...]:
    """Return the reasons ``source`` is not an allowed script: simple assignments only."""
    tree = _parse(source, "script")
    if isinstance(tree, str):
        return (tree,)
    assert isinstance(tree, ast.Module)
    problems: list[str] = []
    for stmt in tree.body:
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1 or not isinstance(stmt.targets[0], ast.Name):
            problems.append(f"line {stmt.lineno}: only 'name = expression' statements are allowed")
            continue
        target = stmt.targets[0].id
        if target.startswith("_") or target in REGISTERED_FUNCTIONS:
            problems.append(f"line {stmt.lineno}: cannot assign to '{target}'")
        problems.extend(f"line {stmt.lineno}: {p}" for p in _expression_problems(ast.Expression(stmt.value)))
    return tuple(dict.fromkeys(problems))


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """SpiffWorkflow script environment that never calls eval/exec and exposes no builtins."""

    def __init__(self, functions: Mapping[str, Callable[..., Any]]):
        super().__init__({})
        self.functions = {name: _function(fn) for name, fn in functions.items()}

    def _evaluator(self, names: dict[str, Any]) -> simpleeval.EvalWithCompoundTypes:
        check_time()
        return _BudgetedEval(operators=OPERATORS, functions=self.functions, names=names)

    def evaluate(self, expression: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> Any:
        problems = check_expression(expression)
        if problems:
            raise ExpressionRejected(f"{expression!r}: {'; '.join(problems)}")
        names = {**(external_context or {}), **context}
        return _bounded(self._evaluator(names).eval(expression.strip()))

    def execute(self, script: str, context: dict[str, Any], external_context: dict[str, Any] | None = None) -> bool:
        problems = check_script(script)
        if problems:
            raise ExpressionRejected(f"script rejected: {'; '.join(problems)}")
        for stmt in ast.parse(script.strip()).body:
            assert isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name)
            names = {**(external_context or {}), **context}
            context[stmt.targets[0].id] = _bounded(self._evaluator(names).eval(ast.unparse(stmt.value)))
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise ExpressionRejected("service tasks are not supported")


def names_in(expression: str) -> frozenset[str]:
    """The variable names an allowed expression reads (functions left out)."""
    tree = ast.parse(expression.strip(), mode="eval")
    return frozenset(n.id for n in ast.walk(tree) if isinstance(n, ast.Name)) - REGISTERED_FUNCTIONS


def evaluate(expression: str, names: Mapping[str, Any], functions: Mapping[str, Callable[..., Any]]) -> Any:
    """Evaluate an allowed expression outside a workflow, e.g. a form's cross-field rule over its fields."""
    return SafeEnvironment({**PURE_FUNCTIONS, **functions}).evaluate(expression, dict(names))


def make_script_engine(functions: Mapping[str, Callable[..., Any]]) -> PythonScriptEngine:
    """A SpiffWorkflow script engine bound to the given registered functions."""
    missing = REGISTERED_FUNCTIONS - set(functions) - set(PURE_FUNCTIONS)
    if missing:
        raise ValueError(f"unbound registered functions: {sorted(missing)}")
    return PythonScriptEngine(environment=SafeEnvironment({**PURE_FUNCTIONS, **functions}))
