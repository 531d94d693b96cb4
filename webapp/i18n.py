"""UI language: Bahasa Indonesia by default, English available.

Templates and views write the Indonesian text and wrap it in ``_()``; ``translations/en/*.json`` map
that Indonesian text to English (one file per area, merged at start-up). Missing entries fall back to Indonesian.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from flask import Flask, redirect, request, session, url_for

LANGUAGES = ("id", "en")
CATALOG_DIR = Path(__file__).resolve().parent / "translations"
_catalogs: dict[str, dict[str, str]] = {}


def load_catalogs() -> dict[str, dict[str, str]]:
    catalogs: dict[str, dict[str, str]] = {"id": {}}
    for lang in LANGUAGES[1:]:
        merged: dict[str, str] = {}
        for path in sorted((CATALOG_DIR / lang).glob("*.json")):
            merged.update(json.loads(path.read_text(encoding="utf-8")))
        catalogs[lang] = merged
    return catalogs


def current_language() -> str:
    lang = session.get("lang") if request else None
    return lang if lang in LANGUAGES else "id"


def t(text: str, **values: Any) -> str:
    """Translate Indonesian UI text into the user's language, then fill ``{name}`` placeholders."""
    translated = _catalogs.get(current_language(), {}).get(text, text)
    return translated.format(**values) if values else translated


def init_app(app: Flask) -> None:
    _catalogs.update(load_catalogs())
    app.jinja_env.globals.update(_=t, current_language=current_language)

    @app.get("/bahasa/<lang>")
    def set_language(lang: str) -> Any:
        if lang in LANGUAGES:
            session["lang"] = lang
        target = request.referrer or ""
        return redirect(target if target.startswith(request.host_url) else url_for("tasks.inbox"))
