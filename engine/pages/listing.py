"""What the paged lists (inbox, campaigns) share: the page asked for, its bounds, and a safe text search.

Lists filter, count, order and cut in SQL; a page never loads more rows than it shows.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Unpack

from sqlalchemy import Select, and_, bindparam, or_, true

from ..errors import InvalidInput
from ..i18n import N_, Count
from ..inputs import clean_text

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 200
MAX_PAGE = 1_000_000
MAX_QUERY = 200  # characters of a search
MAX_TERMS = 8  # words of a search; each must appear in one of the searched columns
# A list's statement, built once per shape (its columns vary with the list).
ListQuery = Select[Unpack[tuple[Any, ...]]]


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


def _searched(words: Sequence[Any], columns: Sequence[Any]) -> Any:
    """Every one of ``words`` (LIKE patterns escaped with LIKE_ESCAPE, or parameters bound to them) appears, in any
    case, in one of ``columns``."""
    if not words:
        return true()
    return and_(*(or_(*(column.icontains(word, escape=LIKE_ESCAPE) for column in columns)) for word in words))


def search_clause(terms: int, *columns: Any) -> Any:
    """A WHERE clause: each of ``terms`` words, bound as ``search_values`` names them, appears in one of ``columns``
    (built once per list shape)."""
    return _searched([bindparam(f"q{n}") for n in range(terms)], columns)


def search_values(terms: Sequence[str]) -> dict[str, str]:
    """The bound values of ``search_clause``: each word with ``%`` and ``_`` taken literally."""
    return {f"q{n}": _literal(term) for n, term in enumerate(terms)}


LIKE_ESCAPE = "/"


def _literal(term: str) -> str:
    """``term`` as a LIKE pattern that matches only itself (as SQLAlchemy's ``autoescape`` writes it)."""
    return term.replace(LIKE_ESCAPE, LIKE_ESCAPE * 2).replace("%", LIKE_ESCAPE + "%").replace("_", LIKE_ESCAPE + "_")


def matches(q: str, *columns: Any) -> Any:
    """A WHERE clause: every word of ``q`` appears (any case, ``%`` and ``_`` taken literally) in one of ``columns``."""
    return _searched([_literal(term) for term in search_terms(q)], columns)
