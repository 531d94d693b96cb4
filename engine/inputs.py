"""Free text as it enters the engine (service arguments, cells of an uploaded file): one cleaning rule."""
from __future__ import annotations


def clean_text(value: str | None) -> str:
    """The text without NUL characters: PostgreSQL cannot store them and no user means one."""
    if not value:
        return ""
    return value.replace("\x00", "") if "\x00" in value else value
