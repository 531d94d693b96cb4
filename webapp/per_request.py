"""Values worked out once per request and read many times while it renders — its language, the office's time zone,
the clock's reading — kept in context variables rather than in ``flask.g``: a list page reads them for every text,
time and number of every row, and reaching them through Flask's proxies cost more than the formatting. Each is
worked out on first use, and all are forgotten when a request starts and ends; outside a request (the CLI, jobs) a
value is worked out at each use and never kept."""
from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Generic, TypeVar

from flask import Flask, has_request_context

T = TypeVar("T")
_KEPT: list[ContextVar[Any]] = []


class PerRequest(Generic[T]):
    def __init__(self, name: str, work_out: Callable[[], T]):
        self._value: ContextVar[T | None] = ContextVar(name, default=None)
        self._work_out = work_out
        _KEPT.append(self._value)

    def get(self) -> T:
        value = self._value.get()
        if value is None:
            value = self._work_out()
            if has_request_context():  # kept only where a request's end forgets it
                self._value.set(value)
        return value


def _forget(_exc: BaseException | None = None) -> None:
    for value in _KEPT:
        value.set(None)


def init_app(app: Flask) -> None:
    app.before_request(_forget)
    app.teardown_request(_forget)
