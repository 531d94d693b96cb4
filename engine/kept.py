"""Per-process caches of what never changes under its key — a deployed version's parsed spec, forms and form
validators (keyed by version id and content hash), the working-day calendar under the fingerprint of its overrides —
the least recently used dropped past a size. One implementation for all of them."""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Kept(Generic[K, V]):
    """At most ``size`` values by key, the least recently used dropped first. Values are shared: never change one."""

    def __init__(self, size: int):
        self.size = size
        self._values: OrderedDict[K, V] = OrderedDict()

    def find(self, key: K) -> V | None:
        value = self._values.get(key)
        if value is not None:
            self._values.move_to_end(key)
        return value

    def keep(self, key: K, value: V) -> V:
        self._values[key] = value
        self._values.move_to_end(key)
        while len(self._values) > self.size:
            self._values.popitem(last=False)
        return value

    def get(self, key: K, build: Callable[[], V]) -> V:
        """The value kept under ``key``, built (and kept) on a miss."""
        value = self.find(key)
        return self.keep(key, build()) if value is None else value

    def __len__(self) -> int:
        return len(self._values)
