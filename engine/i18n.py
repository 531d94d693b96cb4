"""Texts shown to people: written in Bahasa Indonesia (the users' language), English from a gettext catalogue.

The catalogue is ``engine/translations/<lang>/LC_MESSAGES/messages.po`` (``pybabel extract`` collects every
``_()``/``N_()`` text of the engine and the web app; see the README). Texts use ``{name}`` placeholders, filled
after translation. The engine uses it for what it sends by itself (notifications, e-mails); the web app
for every page.
"""
from __future__ import annotations

import gettext
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LANGUAGES = ("id", "en")
SOURCE_LANGUAGE = "id"
CATALOG_DIR = Path(__file__).resolve().parent / "translations"
DOMAIN = "messages"


def N_(text: str) -> str:
    """Mark a text for extraction where it is defined; it is translated where it is shown."""
    return text


def catalog_path(lang: str) -> Path:
    return CATALOG_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(lang: str) -> gettext.NullTranslations:
    """The language's catalogue, read from its .po file once per process (no compile step to forget)."""
    path = catalog_path(lang)
    if lang == SOURCE_LANGUAGE or not path.exists():
        return gettext.NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=lang)
    compiled = BytesIO()
    write_mo(compiled, catalog)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


def translate(msgid: str, lang: str, /, **params: Any) -> str:
    """``msgid`` in ``lang`` (Indonesian when the catalogue lacks it), with ``{name}`` placeholders filled in."""
    translated = translations(lang if lang in LANGUAGES else SOURCE_LANGUAGE).gettext(msgid)
    return translated.format(**params) if params else translated
