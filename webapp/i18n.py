"""UI language: Bahasa Indonesia by default, English available — Flask-Babel over the product's one catalogue.

The catalogue is the engine's (``engine/translations/<lang>/LC_MESSAGES/messages.po``, read by ``engine.i18n``
without a compile step; ``make i18n`` updates it, see the README). The language of a request:

* pages: the one chosen with the ID/EN switch (``/bahasa/<lang>``, kept in the session); Indonesian until then;
* the JSON API (``/api/``): the request's ``Accept-Language`` (``en`` → English); Indonesian otherwise.

Templates write the Indonesian text and wrap it in ``_()``, views in ``t()``: ``_("Halaman {n} dari {total}",
n=page, total=pages)`` looks the text up in the catalogue, then fills the ``{name}`` placeholders. A
:class:`engine.i18n.Text` from the engine (an error's message, a field's message) is shown from its template and
parameters. Missing translations fall back to Indonesian.
"""
from __future__ import annotations

from typing import Any

from flask import Flask, has_request_context, redirect, request, session, url_for
from flask_babel import Babel, Domain, get_locale

from engine.i18n import CATALOG_DIR, LANGUAGES, SOURCE_LANGUAGE, Text, localize, translate, translations
from engine.users import ROLES, role_label

from .per_request import PerRequest


class CatalogueDomain(Domain):
    """Flask-Babel's translations for the request's locale, read from the engine's .po catalogue."""

    def get_translations(self) -> Any:
        return translations(current_language())


class _Babel(Babel):
    domain_instance = CatalogueDomain(translation_directories=[str(CATALOG_DIR)])


babel = _Babel(configure_jinja=False)  # templates keep ``_()`` with brace placeholders (below), not Jinja's i18n


def select_language() -> str:
    """Flask-Babel's locale selector (see the module's docstring)."""
    if request.path.startswith("/api/"):
        return request.accept_languages.best_match(LANGUAGES) or SOURCE_LANGUAGE
    lang = session.get("lang")
    return lang if lang in LANGUAGES else SOURCE_LANGUAGE


def _request_language() -> str:
    if not has_request_context():
        return SOURCE_LANGUAGE
    found = str(get_locale() or SOURCE_LANGUAGE)
    return found if found in LANGUAGES else SOURCE_LANGUAGE


# Found on first use in a request (a choice takes effect next request): read for every text and number of a list's rows.
_LANGUAGE = PerRequest("klip_language", _request_language)


def current_language() -> str:
    """The request's language ("id" outside a request: the CLI, jobs)."""
    return _LANGUAGE.get()


def t(text: Any, **values: Any) -> str:
    """Indonesian UI text (or an engine Text) in the request's language, ``{name}`` placeholders filled in."""
    if values:  # a list page asks for many such texts: filled straight in the language shown, no Text made
        if isinstance(text, Text):
            return translate(text.msgid, current_language(), **{**text.params, **values})
        return translate(str(text), current_language(), **values)
    return localize(text, current_language())


def p_(context: str, text: str, **values: Any) -> str:
    """``t`` for a text whose translation depends on where it stands (gettext's ``msgctxt``): ``p_("one",
    "Kampanye")`` is "Campaign" where ``_("Kampanye")`` is the "Campaigns" of the menu."""
    lang = current_language()
    translated = translations(lang).pgettext(context, text) if lang != SOURCE_LANGUAGE else text
    return Text(translated, **values).render(lang) if values else translated


def role_labels(roles: Any) -> list[str]:
    """Role codes as their labels in the request's language (never the codes), in the order of the roles' table."""
    order = list(ROLES)
    ranked = sorted(roles, key=lambda code: (order.index(code) if code in order else len(order), code))
    return [t(role_label(code)) for code in ranked]


def init_app(app: Flask) -> None:
    babel.init_app(app, default_locale=SOURCE_LANGUAGE, default_translation_directories=str(CATALOG_DIR),
                   locale_selector=select_language)
    app.jinja_env.globals.update(_=t, p_=p_, current_language=current_language, role_labels=role_labels)

    @app.get("/bahasa/<lang>")
    def set_language(lang: str) -> Any:
        if lang in LANGUAGES:
            session["lang"] = lang
        target = request.referrer or ""
        return redirect(target if target.startswith(request.host_url) else url_for("tasks.inbox"))
