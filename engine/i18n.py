"""Texts shown to people: written in Bahasa Indonesia (the users' language), English from a gettext catalogue.

There is ONE catalogue for the whole product, ``engine/translations/<lang>/LC_MESSAGES/messages.po``: ``make i18n``
(``pybabel extract`` + ``pybabel update``, see the README) collects every ``_()``/``t()``/``N_()`` text of the
engine and the web app into it. It is read here at run time, with Babel: there is no compile step to forget. The
engine never imports Flask; the web app reads the same catalogue (``webapp.i18n``).

Texts use ``{name}`` placeholders, filled *after* translation. A text the engine produces for people (an error's
message, a form field's message, a reason on the import report) is a :class:`Text`: a ``str`` holding the
Indonesian sentence — what ``str(exc)``, logs, the CLI and the database see — that also remembers its catalogue
template and parameters, so the web app and the API can show it in the reader's language
(``localize(text, "en")``). ``N_("Kontak {name} tidak ditemukan.", name=name)`` both marks the template for
extraction and builds the Text.
"""
from __future__ import annotations

import gettext
import string
from collections.abc import Iterable, Mapping
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any, Self

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("id", "en")
SOURCE_LANGUAGE = "id"
CATALOG_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


class Text(str):
    """Indonesian text that can be shown in another language: the filled-in template, remembering the template
    (``msgid``, the catalogue key) and its parameters.

    Parameters are shown as they are (names, numbers, codes), except Texts, which are localized too, Counts, shown
    with the language's thousands separator, and lists or tuples, whose items are shown so and joined with ", ".
    """

    msgid: str
    params: dict[str, Any]

    def __new__(cls, msgid: str, /, **params: Any) -> Self:
        self = super().__new__(cls, _fill(str(msgid), params, SOURCE_LANGUAGE))
        self.msgid, self.params = str(msgid), params
        return self

    def render(self, lang: str) -> str:
        """The text in ``lang``: the template's translation (the Indonesian template when there is none), filled."""
        return translate(self.msgid, lang, **self.params)

    def __reduce__(self) -> tuple[Any, ...]:
        return _rebuild, (self.msgid, self.params)

    def to_json(self) -> dict[str, Any]:
        """Template and parameters as JSON (kept beside stored texts, e.g. the import report's reasons)."""
        return {"msgid": self.msgid, "params": {k: _encode(v) for k, v in self.params.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Text:
        return cls(data["msgid"], **{k: _decode(v) for k, v in (data.get("params") or {}).items()})


class ModelText(Text):
    """A text written in the process model (a form's rule message), with its translations beside it in the model
    (the ``x-…-en`` convention: model data, not code, so not in the catalogue)."""

    translated: dict[str, str]

    def __new__(cls, text: str, /, **translated: str) -> Self:
        self = super().__new__(cls, text)
        self.translated = {k: v for k, v in translated.items() if v}
        return self

    def render(self, lang: str) -> str:
        return self.translated.get(lang) or self.msgid

    def __reduce__(self) -> tuple[Any, ...]:
        return ModelText, (self.msgid,), {"translated": self.translated}


class Count(int):
    """A number shown with the reader's thousands separator: 200.000 (Indonesian), 200,000 (English)."""

    def shown(self, lang: str) -> str:
        text = f"{int(self):,}"
        return text.replace(",", ".") if lang == SOURCE_LANGUAGE else text


def _rebuild(msgid: str, params: dict[str, Any]) -> Text:
    return Text(msgid, **params)


def _encode(value: Any) -> Any:
    if isinstance(value, Text):
        return value.to_json()
    if isinstance(value, (list, tuple)):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, Mapping) and "msgid" in value:
        return Text.from_json(value)
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def _param(value: Any, lang: str) -> Any:
    """A parameter as shown in ``lang``: Texts localized, lists joined, anything else (names, numbers) as is."""
    if isinstance(value, Text):
        return value.render(lang)
    if isinstance(value, Count):
        return value.shown(lang)
    if isinstance(value, (list, tuple)):
        return ", ".join(str(_param(v, lang)) for v in value)
    return value


class _Formatter(string.Formatter):
    """``str.format`` plus word choice by number for languages that inflect: ``{n} {n:call|calls}`` gives the first
    word when ``n`` is 1, else the second (Indonesian never needs it; an English translation may use it)."""

    def format_field(self, value: Any, format_spec: str) -> Any:
        if "|" not in format_spec:
            return super().format_field(value, format_spec)
        one, other = format_spec.split("|", 1)
        digits = "".join(c for c in str(value) if c.isdigit())
        return one if digits and int(digits) == 1 else other


_FORMATTER = _Formatter()


def _fill(template: str, params: Mapping[str, Any], lang: str) -> str:
    if not params:
        return template
    values = {k: _param(v, lang) for k, v in params.items()}
    return _FORMATTER.vformat(template, (), values) if "|" in template else template.format(**values)


def N_(msgid: str, /, **params: Any) -> Text:
    """Mark a text for the catalogue where it is written; it is translated where it is shown.

    With parameters, fill them in: ``N_("Tugas {task_id} tidak ditemukan.", task_id=task_id)``.
    """
    return Text(msgid, **params)


def join(items: Iterable[Any], separator: str) -> Text:
    """Items (texts or values) joined with ``separator``, each localized where the whole is shown."""
    values = {f"item{i}": item for i, item in enumerate(items)}
    return Text(separator.join("{" + key + "}" for key in values), **values)


def either(items: Iterable[Any]) -> Any:
    """"a, b atau c" in the language shown."""
    items = list(items)
    if len(items) < 2:
        return items[0] if items else ""
    return N_("{a} atau {b}", a=join(items[:-1], ", "), b=items[-1])


def catalog_path(lang: str) -> Path:
    return CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The language's catalogue, read from its .po file once per process (no compile step to forget)."""
    path = catalog_path(lang)
    if lang == SOURCE_LANGUAGE or lang not in LANGUAGES or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translate(msgid: str, lang: str, /, **params: Any) -> str:
    """``msgid`` in ``lang`` (Indonesian when the catalogue lacks it), with ``{name}`` placeholders filled in."""
    if lang == SOURCE_LANGUAGE or lang not in LANGUAGES:
        return _fill(msgid, params, SOURCE_LANGUAGE)
    translated = translations(lang).gettext(msgid)
    try:
        return _fill(translated, params, lang)
    except (KeyError, IndexError, ValueError):  # a translation naming other placeholders: never fail a page
        return _fill(msgid, params, lang)


def localize(value: Any, lang: str) -> str:
    """Any text meant for people in ``lang``: a :class:`Text` is rendered from its template; a plain string is
    looked up in the catalogue as it is (a constant Indonesian text), else shown unchanged."""
    if isinstance(value, Text):
        return value.render(lang)
    text = "" if value is None else str(value)
    if not text or lang == SOURCE_LANGUAGE or lang not in LANGUAGES:
        return text
    return translations(lang).gettext(text)

