"""What the paged lists (inbox, campaigns) share: the page asked for, its bounds, and a safe text search.

Lists filter, count, order and cut in SQL; a page never loads more rows than it shows.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, or_, true

from ..errors import InvalidInput
from ..i18n import N_, Count
from ..inputs import clean_text

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
MAX_QUERY = 200  # characters of a search
MAX_TERMS = 8  # words of a search; each must appear in one of the searched columns


@dataclass(frozen=True)
class Paging:
    """Page ``page`` (from 1) of ``per_page`` rows out of ``total``."""

    page: int
    per_page: int
    total: int

    @property
    def pages(self) -> int:
        """How many pages there are (one, even when the list is empty)."""
        return max(1, -(-self.total // self.per_page))

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    @property
    def first_row(self) -> int:
        """The number (from 1) of the page's first row; 0 when the page is empty."""
        return self.offset + 1 if self.offset < self.total else 0

    @property
    def last_row(self) -> int:
        return min(self.total, self.offset + self.per_page)


def paging(page: int, per_page: int, total: int, clamp: bool) -> Paging:
    """The page to show; ``clamp``: a page past the last shows the last (the web), else it is empty (the API)."""
    shown = Paging(page, per_page, total)
    return Paging(min(page, shown.pages), per_page, total) if clamp else shown


def check_list_args(page: int, per_page: int, q: str, choices: Mapping[str, tuple[str, Sequence[str]]],
                    fields: Mapping[str, str] | None = None) -> None:
    """InvalidInput naming each bad parameter: page, per_page, q, each ``{name: (value, allowed)}`` choice and
    the list's own ``fields`` already found bad."""
    fields = dict(fields or {})
    if not 1 <= page <= MAX_PAGE:
        fields["page"] = N_("harus berupa bilangan bulat {low}–{high}", low=1, high=Count(MAX_PAGE))
    if not 1 <= per_page <= MAX_PER_PAGE:
        fields["per_page"] = N_("harus berupa bilangan bulat {low}–{high}", low=1, high=MAX_PER_PAGE)
    if len(q) > MAX_QUERY:
        fields["q"] = N_("paling panjang {n} karakter", n=MAX_QUERY)
    for name, (value, allowed) in choices.items():
        if value not in allowed:
            fields[name] = N_("harus salah satu dari: {choices}", choices=list(allowed))
    if fields:
        raise InvalidInput(N_("Parameter tidak valid."), fields)


def search_terms(q: str) -> tuple[str, ...]:
    """The words of a search (cleaned, at most MAX_TERMS)."""
    return tuple(clean_text(q).split()[:MAX_TERMS])


def matches(q: str, *columns: Any) -> Any:
    """A WHERE clause: every word of ``q`` appears (any case, ``%`` and ``_`` taken literally) in one of ``columns``."""
    terms = search_terms(q)
    if not terms:
        return true()
    return and_(*(or_(*(column.icontains(term, autoescape=True) for column in columns)) for term in terms))
