"""URL converters: ``<int:…>`` ids bounded to what the database can hold, so an oversized id is a 404."""
from __future__ import annotations

from typing import Any

from werkzeug.routing import IntegerConverter, Map

MAX_ID = 2**31 - 1  # INTEGER primary keys (PostgreSQL int4); SQLite raises OverflowError beyond 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """Werkzeug's ``int`` converter with ``max`` defaulting to MAX_ID: a larger number matches no route (404)."""

    def __init__(self, map: Map, *args: Any, **kwargs: Any) -> None:
        if len(args) < 3:  # positional order: fixed_digits, min, max, signed
            kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
