"""Helpers for route and API tests: logging in, tokens, and reading pages as lxml trees (XPath, not regexes)."""
from __future__ import annotations

from typing import Any

from lxml import etree
from lxml import html as lxml_html

from engine.users import create_token, find_user
from webapp.auth import IDENTITY


def login_as(client: Any, username: str) -> Any:
    """Log a test client in as ``username`` (the session a real login makes: the user's current session stamp, used
    just now by the app's clock) without paying for a password hash."""
    ctx = client.application.extensions["klip"]
    with ctx.transaction() as session:
        user = find_user(session, username)
        identity = {"full_name": user.full_name if user else "", "roles": sorted(user.role_names) if user else [],
                    "stamp": user.session_stamp if user else "", "seen": ctx.now().isoformat()}
    with client.session_transaction() as cookie:
        cookie["_user_id"] = username
        cookie["_fresh"] = True
        cookie[IDENTITY] = identity
    return client


def bearer(ctx: Any, username: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {create_token(ctx, username)}"}


# --- reading markup -----------------------------------------------------------------------------------

def page_tree(source: Any) -> lxml_html.HtmlElement:
    """An HTML page, or a fragment of one, as an lxml tree: ``source`` is a test-client response or markup text."""
    text = source if isinstance(source, str) else source.get_data(as_text=True)
    return lxml_html.document_fromstring(text)


def xml_tree(source: str | bytes) -> etree._Element:
    """An XML document (an SVG drawing, a BPMN file) as an lxml element tree."""
    return etree.fromstring(source.encode("utf-8") if isinstance(source, str) else source)


def has_class(name: str) -> str:
    """An XPath predicate body: the element's class attribute lists ``name`` (e.g. ``//tr[%s]``)."""
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {name} ')"


def text_of(element: Any) -> str:
    """The text a reader sees in ``element`` (its text and that of its descendants), whitespace folded."""
    return " ".join(element.xpath("string()").split())


def one(tree: Any, xpath: str, **variables: Any) -> Any:
    """The single element (or value) ``xpath`` selects in ``tree``; fails naming the path when there is none or more."""
    found = tree.xpath(xpath, **variables)
    assert len(found) == 1, f"expected exactly one match for {xpath} {variables or ''}, found {len(found)}"
    return found[0]


def rows_of(table: Any) -> list[list[str]]:
    """The body rows of ``table`` (not its head or foot), each as the folded texts of its ``td`` cells."""
    body = table.xpath("./tbody/tr") or table.xpath("./tr[td]")
    return [[text_of(cell) for cell in row.xpath("./td")] for row in body]
