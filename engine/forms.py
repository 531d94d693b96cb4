"""Validate submitted task data against the task's JSON Schema; messages per field, in Bahasa Indonesia."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from .context import connection
from .errors import InvalidInput
from .i18n import N_, Count, ModelText
from .kept import Kept
from .models import User, UserRole
from .notifications import RECIPIENT, remember_recipients
from .process import evaluate, names_in
from .users import role_label

MAX_TEXT = 20_000  # characters of any one string in submitted task data
MAX_ITEMS = 500  # items of any one array (or members of any one object) in submitted task data
RULES = "x-rules"  # a form's cross-field rules, beside its JSON Schema

_FORMATS = {"date": N_("harus berupa tanggal (YYYY-MM-DD)"), "date-time": N_("harus berupa tanggal dan jam (ISO 8601)")}


def _message(error: ValidationError) -> str:
    """A field's message in Bahasa Indonesia (a Text: shown translated by the web app and the API)."""
    v, expected = error.validator, error.validator_value
    if v == "required" or (v == "minLength" and expected == 1):
        return N_("wajib diisi")
    if v == "enum":
        return N_("harus salah satu dari: {choices}", choices=[str(e) for e in expected])
    if v == "const":
        return N_("harus bernilai {value}", value=repr(expected))
    if v == "type":
        return N_("tipe isian harus {type}", type=expected)
    if v == "format":
        return _FORMATS.get(expected) or N_("format harus {format}", format=expected)
    if v == "minItems":
        return N_("pilih paling sedikit {n}", n=expected)
    if v == "uniqueItems":
        return N_("tidak boleh ada pilihan ganda")
    if v in {"minimum", "exclusiveMinimum"}:
        return N_("paling kecil {n}", n=expected)
    if v in {"maximum", "maxLength"}:
        return N_("paling besar/panjang {n}", n=expected)
    if v == "additionalProperties":
        return N_("isian tidak dikenal pada formulir ini")
    if v == "pattern":  # the forms' only pattern is "\S": not blank
        return N_("wajib diisi") if expected == r"\S" else N_("format isian tidak sesuai")
    return N_("isian tidak sesuai: {detail}", detail=error.message)


def _fields(error: ValidationError, data: dict[str, Any]) -> list[str]:
    """The form fields an error is about (every missing field of a ``required``, every unknown field). Inside a
    list of objects a field is named by its path, e.g. ``penilaian/2/kesantunan`` (the third entry's field)."""
    path = [str(p) for p in error.path]
    instance = error.instance if isinstance(error.instance, dict) else {}
    where = data if not path else instance
    if error.validator == "required":
        names = [name for name in error.validator_value if name not in where]
    elif error.validator == "additionalProperties":
        names = [k for k in where if k not in error.schema.get("properties", {})]
    else:
        return ["/".join(path)] if path else ["_form"]
    return ["/".join([*path, name]) for name in names] or ["/".join(path) or "_form"]


# Built once: building the statement on every submission cost more than running it. It reads what a notice needs
# too: the holders named are usually told next of the task they were given (``notifications.named``). One name (the
# usual case) is compared as it is: a list expanded into IN (…) is rendered again at every run.
_ACTIVE_HOLDERS = select(User.username, *RECIPIENT).join(UserRole).where(UserRole.role == bindparam("role"),
                                                                         User.active.is_(True))
_HOLDER = _ACTIVE_HOLDERS.where(User.username == bindparam("wanted"))
_HOLDERS = _ACTIVE_HOLDERS.where(User.username.in_(bindparam("wanted", expanding=True)))


def _role_errors(session: Session, schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Fields marked ``x-role`` must name active users holding that role."""
    errors: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        role = prop.get("x-role")
        if not role or name not in data:
            continue
        wanted = data[name] if isinstance(data[name], list) else [data[name]]
        found = connection(session).execute(_HOLDER if len(wanted) == 1 else _HOLDERS,
                                            {"role": role, "wanted": wanted[0] if len(wanted) == 1 else wanted}).all()
        remember_recipients(session, found)
        holders = {row.username for row in found}
        unknown = [u for u in wanted if u not in holders]
        if unknown:
            errors[name] = N_("bukan pengguna aktif dengan peran {role}: {users}", role=role_label(role),
                              users=[str(u) for u in unknown])
    return errors


def _too_many() -> str:
    return N_("terlalu banyak isian (paling banyak {n})", n=Count(MAX_ITEMS))


def _size_errors(data: dict[str, Any]) -> dict[str, str]:
    """Generic caps on top of every form's schema, so workflow state stays small and storable.

    A string longer than MAX_TEXT or containing NUL, an array (or object) with more than MAX_ITEMS entries,
    anywhere in the data, is an error on the form field (top-level key) that holds it. Iterative: any depth.
    """
    errors: dict[str, str] = {}
    if len(data) > MAX_ITEMS:
        return {"_form": _too_many()}
    for name, value in data.items():
        field = str(name)
        stack: list[Any] = [name, value]
        while stack and field not in errors:
            item = stack.pop()
            if isinstance(item, str):
                if len(item) > MAX_TEXT:
                    errors[field] = N_("terlalu panjang (paling banyak {n} karakter)", n=Count(MAX_TEXT))
                elif "\x00" in item:
                    errors[field] = N_("tidak boleh mengandung karakter NUL")
            elif isinstance(item, (list, dict)):
                if len(item) > MAX_ITEMS:
                    errors[field] = _too_many()
                elif isinstance(item, dict):
                    stack.extend(item.keys())
                    stack.extend(item.values())
                else:
                    stack.extend(item)
    return errors


def _rule_errors(schema: dict[str, Any], data: dict[str, Any], functions: Mapping[str, Callable[..., Any]],
                 known: dict[str, str]) -> dict[str, str]:
    """The form's cross-field rules (``x-rules``: ``{rule, field, message}``), each an expression of the
    sandbox over the submitted fields that must hold. A rule waits until the fields it reads are filled in
    and valid; its message goes on its ``field``."""
    errors: dict[str, str] = {}
    for rule in schema.get(RULES, []):
        field, expression = rule["field"], rule["rule"]
        needed = names_in(expression)
        if field in known or field in errors or not needed <= data.keys() or needed & known.keys():
            continue
        try:
            holds = bool(evaluate(expression, data, functions))
        except Exception:  # odd submitted values (e.g. text compared with a number) break the rule
            holds = False
        if not holds:
            errors[field] = ModelText(rule["message"], en=rule.get("message-en", ""))
    return errors


# A deployed version's form never changes (its sha256 covers the forms), so its validator is built once per process.
_VALIDATORS: Kept[tuple[int, str, str], Draft202012Validator] = Kept(256)


def _validator(schema: dict[str, Any], key: tuple[int, str, str] | None) -> Draft202012Validator:
    """The schema's validator; kept under ``key`` (version id, sha256, form name) when given."""
    def build() -> Draft202012Validator:
        return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    return build() if key is None else _VALIDATORS.get(key, build)


def validate_form(session: Session, schema: dict[str, Any], data: Any,
                  functions: Mapping[str, Callable[..., Any]] | None = None,
                  key: tuple[int, str, str] | None = None) -> dict[str, Any]:
    """Return ``data`` when it satisfies the form; otherwise raise InvalidInput with one message per field,
    every problem at once: the JSON Schema, the ``x-role`` pickers and the cross-field rules (``x-rules``,
    evaluated with ``functions`` such as ``today``). ``key`` names a deployed version's form (version id, sha256,
    form name): its validator is then built once per process."""
    if not isinstance(data, dict):
        raise InvalidInput(N_("Data formulir harus berupa objek JSON."), {"_form": N_("harus berupa objek")})
    oversized = _size_errors(data)
    if oversized:  # before the schema: its patterns and formats never run on huge or odd values
        raise InvalidInput(N_("Isian formulir belum benar."), oversized)
    validator = _validator(schema, key)
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: (len(e.path), str(e.path))):
        for name in _fields(error, data):
            errors.setdefault(name, _message(error))
    errors.update({k: v for k, v in _role_errors(session, schema, data).items() if k not in errors})
    errors.update(_rule_errors(schema, data, functions or {}, errors))
    if errors:
        raise InvalidInput(N_("Isian formulir belum benar."), errors)
    return data
