"""Paged lists in the web app and the API: forgiving query parameters for pages, the links between pages.

Pages read their list parameters leniently (a bad value falls back to its default, as a hand-edited address
should still show the list); the API reads them strictly (``webapp.api``: 422 naming the parameter).
"""
from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from flask import request, url_for
from markupsafe import escape

from engine.pages import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_QUERY, Paging
from engine.pages.listing import MAX_PAGE


def lenient_int(name: str, default: int | None, low: int, high: int) -> int | None:
    """An integer query parameter within [low, high]; ``default`` when it is missing, unreadable or out of range."""
    raw = request.args.get(name, "").strip()
    if not (raw.isascii() and raw.isdigit()) or len(raw.lstrip("0")) > len(str(high)):
        return default
    value = int(raw)
    return value if low <= value <= high else default


def lenient_choice(name: str, choices: Iterable[str], default: str) -> str:
    value = request.args.get(name, "")
    return value if value in tuple(choices) else default


def lenient_text(name: str, limit: int = MAX_QUERY) -> str:
    return request.args.get(name, "").strip()[:limit]


def page_args() -> tuple[int, int]:
    """``page`` and ``per_page`` of a page's list, within bounds."""
    return (lenient_int("page", 1, 1, MAX_PAGE) or 1,
            lenient_int("per_page", DEFAULT_PER_PAGE, 1, MAX_PER_PAGE) or DEFAULT_PER_PAGE)


ROW_MARK = 7_390_125_846_731  # stands for a row's value in a row address built once (no address of the app holds it)
PATH_SAFE = "!$&'()*+,/:;=@"  # what werkzeug's string and int converters leave unquoted in a path segment
UNQUOTED = re.compile(r"[A-Za-z0-9_.~-]*")  # what quote() never changes: ids and task ids (UUIDs) as they are


def row_url(endpoint: str, name: str, html: bool = False) -> Callable[[Any], str]:
    """``url_for(endpoint, **{name: value})`` for each row of a list: the address is built once and each row's
    value put in as werkzeug's string and int converters would put it (a page of 50 rows has 200 row links).
    ``html``: the address as markupsafe's ``escape`` writes it in an attribute, its fixed parts escaped once (a value
    ``quote()`` leaves as it is holds no character HTML escapes)."""
    values: dict[str, Any] = {name: ROW_MARK}
    prefix, mark, suffix = url_for(endpoint, **values).partition(str(ROW_MARK))
    if not mark:
        raise ValueError(f"{endpoint} has no <{name}> in its path")
    if html:
        prefix, suffix = str(escape(prefix)), str(escape(suffix))

    def url(value: Any) -> str:
        text = str(value)
        if UNQUOTED.fullmatch(text):
            return f"{prefix}{text}{suffix}"
        quoted = quote(text, safe=PATH_SAFE)
        return f"{prefix}{escape(quoted) if html else quoted}{suffix}"
    return url


QUERY_SAFE = "!$'()*,/:;?@"  # what werkzeug leaves unquoted in a query (its ``_urlencode``, after the URL standard)


def list_url(endpoint: str) -> Callable[..., str]:
    """``url_for(endpoint, **params)`` for the many links of one list page (its tabs), ``endpoint`` taking no path
    parameter (the pager, shared with lists whose address has one, keeps ``url_for``): the address is built once and
    each link's query encoded as werkzeug encodes it (parameters in the order given, those that are None left out)."""
    base = url_for(endpoint)

    def url(**params: Any) -> str:
        query = urlencode([(key, value) for key, value in params.items() if value is not None], safe=QUERY_SAFE)
        return f"{base}?{query}" if query else base
    return url


def kept(values: Mapping[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The parameters a link must carry to show the same list: those set and not at their default."""
    return {name: value for name, value in values.items()
            if value not in (None, "") and value != defaults.get(name)}


def page_links(paging: Paging) -> list[tuple[str, int]]:
    """(rel, page) of the links between pages that apply (RFC 8288 relations first, prev, next, last)."""
    links: list[tuple[str, int]] = []
    if paging.page > 1:
        links += [("first", 1), ("prev", min(paging.page - 1, paging.pages))]
    if paging.page < paging.pages:
        links.append(("next", paging.page + 1))
    if paging.page != paging.pages:
        links.append(("last", paging.pages))
    return links


def link_header(paging: Paging, url: Callable[[int], str]) -> str:
    """The ``Link`` header of a page of an API list (empty when everything fits on one page)."""
    return ", ".join(f'<{url(page)}>; rel="{rel}"' for rel, page in page_links(paging))
