"""Turn a task's JSON Schema into form fields, and submitted form values back into JSON data.

Pure functions (no Flask): the view passes the language, a translate function and the users for ``x-role``
pickers. The engine validates the result; this module only shapes it.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, overload
from zoneinfo import ZoneInfo

from engine.forms import MAX_ITEMS

RADIO_MAX = 4  # enums with more options become a select


class UserLike(Protocol):
    """Read-only, so that frozen dataclasses such as ``engine.users.UserView`` qualify."""

    @property
    def username(self) -> str: ...
    @property
    def full_name(self) -> str: ...


class FormData(Protocol):
    """The part of Werkzeug's ``MultiDict`` (``request.form``) that ``coerce`` reads."""

    @overload
    def get(self, key: str) -> str | None: ...
    @overload
    def get(self, key: str, default: str) -> str: ...
    def getlist(self, key: str) -> list[str]: ...
    def __contains__(self, key: object) -> bool: ...
    def keys(self) -> Any: ...


ROW = "/"  # a field of an entry of a list of objects is named "<list>/<index>/<field>" (as the engine names errors)
MAX_INDEX_DIGITS = 6  # an entry's index: ASCII digits, no more than this many (others are not an entry's)


def _object_rows(prop: Mapping[str, Any]) -> bool:
    """A list of objects (e.g. a score sheet's calls): posted as ``<list>/<index>/<field>``."""
    return prop.get("type") == "array" and prop.get("items", {}).get("type") == "object"


class _Row:
    """One entry of a posted list of objects, read like a form of its own: ``fields`` are the names of its keys
    after ``prefix`` (found in one pass over the form, so that reading nested lists stays linear)."""

    def __init__(self, form: FormData, prefix: str, fields: list[str]):
        self.form, self.prefix, self.fields = form, prefix, fields

    def get(self, key: str, default: Any = None) -> Any:
        return self.form.get(self.prefix + key, default)

    def getlist(self, key: str) -> list[str]:
        return self.form.getlist(self.prefix + key)

    def __contains__(self, key: object) -> bool:
        return f"{self.prefix}{key}" in self.form

    def keys(self) -> list[str]:
        return self.fields


def _entries(form: FormData, name: str) -> dict[int, list[str]]:
    """The posted entries of the list of objects ``name``: index → the names of its fields, in index order and at
    most one more than the engine accepts (it then says how many are allowed). One pass over the form's keys; a
    key whose index is not a small number of ASCII digits (``²``, 5,000 nines) is no entry's."""
    prefix, found = name + ROW, dict[int, list[str]]()
    for key in form.keys():
        if key.startswith(prefix):
            index, _, field = key[len(prefix):].partition(ROW)
            if index.isascii() and index.isdigit() and len(index) <= MAX_INDEX_DIGITS:
                found.setdefault(int(index), []).append(field)
    return {i: found[i] for i in sorted(found)[:MAX_ITEMS + 1]}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class Field:
    """One form control. ``value`` is a string for single inputs, a list of strings for checkboxes."""

    name: str
    label: str
    widget: str  # text textarea number date datetime radio select checkbox checkboxes
    required: bool
    hint: str
    value: Any
    error: str = ""
    options: tuple[Option, ...] = ()
    step: str = ""

    def checked(self, option: str) -> bool:
        return option in self.value if isinstance(self.value, list) else option == self.value


def _free_list(prop: Mapping[str, Any]) -> bool:
    """An array without choices (no enum, no x-role): typed as one item per line."""
    return prop.get("type") == "array" and not prop.get("x-role") and "enum" not in prop.get("items", {})


def _widget(prop: Mapping[str, Any]) -> str:
    kind = prop.get("type")
    if kind == "array":
        return "lines" if _free_list(prop) else "checkboxes"
    if "enum" in prop or prop.get("x-role"):
        return "radio" if "enum" in prop and len(prop["enum"]) <= RADIO_MAX else "select"
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return "number"
    if prop.get("format") == "date":
        return "date"
    if prop.get("format") == "date-time":
        return "datetime"
    return "textarea" if prop.get("x-widget") == "textarea" else "text"


def model_text(node: Mapping[str, Any], key: str, lang: str = "id", tr: Callable[[str], str] = str) -> str:
    """A text the model writes (a form's or field's ``title`` or ``description``) in ``lang``: the translation beside
    it (``x-title-en``, ``x-description-en``: model data, not the code's catalogue), else the Indonesian through
    ``tr``."""
    translated = node.get(f"x-{key}-{lang}") if lang != "id" else None
    if isinstance(translated, str) and translated:
        return translated
    value = node.get(key)
    return tr(value) if isinstance(value, str) and value else ""


def enum_title(node: Mapping[str, Any], value: Any, lang: str = "id", tr: Callable[[str], str] = str) -> str:
    """The title of an enum value (``x-enum-titles``, translated by ``x-enum-titles-<lang>``); the value itself
    when it has none."""
    titles = (node.get(f"x-enum-titles-{lang}") or {}) if lang != "id" else {}
    base = node.get("x-enum-titles") or {}
    return str(titles.get(value) or tr(str(base.get(value, value))))


def _options(prop: Mapping[str, Any], lang: str, tr: Callable[[str], str],
             holders: Callable[[str], Sequence[UserLike]]) -> tuple[Option, ...]:
    if prop.get("x-role"):
        return tuple(Option(u.username, u.full_name or u.username, u.username) for u in holders(prop["x-role"]))
    source = prop.get("items", {}) if prop.get("type") == "array" else prop
    if not source.get("x-enum-titles"):
        source = {**source, **{k: v for k, v in prop.items() if k.startswith("x-enum-titles")}}
    return tuple(Option(str(v), enum_title(source, v, lang, tr)) for v in source.get("enum", ()))


def _display(prop: Mapping[str, Any], value: Any, tz: ZoneInfo) -> Any:
    """A JSON value as the control shows it (datetime-local has no offset: office time)."""
    if value is None:
        return [] if prop.get("type") == "array" else ""
    if prop.get("type") == "array":
        return [str(v) for v in value] if isinstance(value, list) else [str(value)]
    if prop.get("type") == "boolean":
        return "true" if value is True else ""
    if prop.get("format") == "date-time" and isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            return value
        return (parsed.astimezone(tz) if parsed.tzinfo else parsed).strftime("%Y-%m-%dT%H:%M")
    return str(value)


def fields(schema: Mapping[str, Any], values: Mapping[str, Any], errors: Mapping[str, str], *, lang: str = "id",
           tr: Callable[[str], str] = str, holders: Callable[[str], Sequence[UserLike]] = lambda role: (),
           tz: str = "Asia/Jakarta") -> list[Field]:
    """The schema's properties as fields, in schema order, with current values and the engine's messages."""
    required, zone = set(schema.get("required", ())), ZoneInfo(tz)
    out = []
    for name, prop in schema.get("properties", {}).items():
        widget = _widget(prop)
        value = _display(prop, values.get(name), zone)
        out.append(Field(
            name=name, label=model_text(prop, "title", lang, tr) or name, widget=widget, required=name in required,
            hint=model_text(prop, "description", lang, tr) or _range(prop),
            value="\n".join(value) if widget == "lines" else value, error=tr(errors[name]) if errors.get(name) else "",
            options=_options(prop, lang, tr, holders) if widget in ("radio", "select", "checkboxes") else (),
            step="1" if prop.get("type") == "integer" else "any"))
    return out


def row_fields(schema: Mapping[str, Any], name: str, index: int, values: Mapping[str, Any],
               errors: Mapping[str, str], **options: Any) -> list[Field]:
    """The fields of entry ``index`` of the list of objects ``name``, named ``name/index/field``."""
    prefix = f"{name}{ROW}{index}{ROW}"
    items = schema.get("properties", {}).get(name, {}).get("items", {})
    row_errors = {k[len(prefix):]: v for k, v in errors.items() if k.startswith(prefix)}
    return [Field(**{**f.__dict__, "name": prefix + f.name}) for f in fields(items, values, row_errors, **options)]


def _range(prop: Mapping[str, Any]) -> str:
    """A number's allowed range, as its hint when the model gives none (e.g. a score sheet's "0–10")."""
    if prop.get("type") in ("integer", "number") and "minimum" in prop and "maximum" in prop:
        return f"{prop['minimum']}–{prop['maximum']}"
    return ""


def general_errors(schema: Mapping[str, Any], errors: Mapping[str, str]) -> list[str]:
    """Messages not tied to a field of the form (``_form``, or keys the schema does not know, e.g. an action's)."""
    known = set(schema.get("properties", {}))
    return [text for key, text in errors.items() if key.split(ROW)[0] not in known]


# --- submitted values → JSON --------------------------------------------------------------------------

def _number(raw: str, kind: str) -> Any:
    text = raw.strip().replace(",", ".")
    try:
        number = float(text)
    except ValueError:
        return raw  # the engine answers "tipe isian harus …" and the input is kept
    if kind == "integer":
        return int(number) if number.is_integer() else raw
    return int(number) if number.is_integer() and "." not in text else number


def _datetime(raw: str, tz: ZoneInfo) -> str:
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return raw
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=tz)).isoformat()


def _scalar(prop: Mapping[str, Any], raw: str, tz: ZoneInfo) -> Any:
    kind = prop.get("type")
    if kind in ("integer", "number"):
        return _number(raw, kind)
    if prop.get("format") == "date-time":
        return _datetime(raw, tz)
    return raw


def coerce(schema: Mapping[str, Any], form: FormData, tz: str = "Asia/Jakarta") -> dict[str, Any]:
    """Submitted values as the JSON the schema expects; empty optional fields are left out."""
    zone = ZoneInfo(tz)
    data: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "boolean":
            data[name] = form.get(name, "") in ("true", "on", "1", "ya")
        elif _object_rows(prop):
            rows = [coerce(prop["items"], _Row(form, f"{name}{ROW}{i}{ROW}", fields), tz)
                    for i, fields in _entries(form, name).items()]
            if rows:
                data[name] = rows
        elif kind == "array":
            raw_items = (form.get(name) or "").splitlines() if _free_list(prop) else form.getlist(name)
            items = [v.strip() for v in raw_items if v.strip()][:MAX_ITEMS + 1]
            if items:
                data[name] = [_scalar(prop.get("items", {}), v, zone) for v in items]
        else:
            raw = (form.get(name) or "").strip()
            if raw:
                data[name] = _scalar(prop, raw, zone)
    return data
