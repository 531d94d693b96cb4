"""Validate submitted task data against the task's JSON Schema; messages per field, in Bahasa Indonesia."""
from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from .errors import InvalidInput
from .models import User, UserRole
from .process import evaluate, names_in

MAX_TEXT = 20_000  # characters of any one string in submitted task data
MAX_ITEMS = 500  # items of any one array (or members of any one object) in submitted task data
RULES = "x-rules"  # a form's cross-field rules, beside its JSON Schema

_FORMATS = {"date": "harus berupa tanggal (YYYY-MM-DD)", "date-time": "harus berupa tanggal dan jam (ISO 8601)"}


def _message(error: ValidationError) -> str:
    v, expected = error.validator, error.validator_value
    if v == "required" or (v == "minLength" and expected == 1):
        return "wajib diisi"
    if v == "enum":
        return "harus salah satu dari: " + ", ".join(map(str, expected))
    if v == "const":
        return f"harus bernilai {expected!r}"
    if v == "type":
        return f"tipe isian harus {expected}"
    if v == "format":
        return _FORMATS.get(expected, f"format harus {expected}")
    if v == "minItems":
        return f"pilih paling sedikit {expected}"
    if v == "uniqueItems":
        return "tidak boleh ada pilihan ganda"
    if v in {"minimum", "exclusiveMinimum"}:
        return f"paling kecil {expected}"
    if v in {"maximum", "maxLength"}:
        return f"paling besar/panjang {expected}"
    if v == "additionalProperties":
        return "isian tidak dikenal pada formulir ini"
    return error.message


def _fields(error: ValidationError, data: dict[str, Any]) -> list[str]:
    """The form fields an error is about (every missing field of a ``required``, every unknown field)."""
    if error.validator == "required":
        return [name for name in error.validator_value if name not in data] or ["_form"]
    if error.validator == "additionalProperties":
        return [k for k in data if k not in error.schema.get("properties", {})] or ["_form"]
    return [str(error.path[0])] if error.path else ["_form"]


def _role_errors(session: Session, schema: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Fields marked ``x-role`` must name active users holding that role."""
    errors: dict[str, str] = {}
    for name, prop in schema.get("properties", {}).items():
        role = prop.get("x-role")
        if not role or name not in data:
            continue
        wanted = data[name] if isinstance(data[name], list) else [data[name]]
        holders = set(session.scalars(
            select(User.username).join(UserRole).where(UserRole.role == role, User.active.is_(True),
                                                       User.username.in_(wanted))))
        unknown = [u for u in wanted if u not in holders]
        if unknown:
            errors[name] = f"bukan pengguna aktif dengan peran {role}: {', '.join(map(str, unknown))}"
    return errors


def _size_errors(data: dict[str, Any]) -> dict[str, str]:
    """Generic caps on top of every form's schema, so workflow state stays small and storable.

    A string longer than MAX_TEXT or containing NUL, an array (or object) with more than MAX_ITEMS entries,
    anywhere in the data, is an error on the form field (top-level key) that holds it. Iterative: any depth.
    """
    errors: dict[str, str] = {}
    if len(data) > MAX_ITEMS:
        return {"_form": f"terlalu banyak isian (paling banyak {MAX_ITEMS:_})".replace("_", ".")}
    for name, value in data.items():
        field = str(name)
        stack: list[Any] = [name, value]
        while stack and field not in errors:
            item = stack.pop()
            if isinstance(item, str):
                if len(item) > MAX_TEXT:
                    errors[field] = f"terlalu panjang (paling banyak {MAX_TEXT:_} karakter)".replace("_", ".")
                elif "\x00" in item:
                    errors[field] = "tidak boleh mengandung karakter NUL"
            elif isinstance(item, (list, dict)):
                if len(item) > MAX_ITEMS:
                    errors[field] = f"terlalu banyak isian (paling banyak {MAX_ITEMS:_})".replace("_", ".")
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
            errors[field] = rule["message"]
    return errors


def validate_form(session: Session, schema: dict[str, Any], data: Any,
                  functions: Mapping[str, Callable[..., Any]] | None = None) -> dict[str, Any]:
    """Return ``data`` when it satisfies the form; otherwise raise InvalidInput with one message per field,
    every problem at once: the JSON Schema, the ``x-role`` pickers and the cross-field rules (``x-rules``,
    evaluated with ``functions`` such as ``today``)."""
    if not isinstance(data, dict):
        raise InvalidInput("Data formulir harus berupa objek JSON.", {"_form": "harus berupa objek"})
    oversized = _size_errors(data)
    if oversized:  # before the schema: its patterns and formats never run on huge or odd values
        raise InvalidInput("Isian formulir belum benar.", oversized)
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: (len(e.path), str(e.path))):
        for name in _fields(error, data):
            errors.setdefault(name, _message(error))
    errors.update({k: v for k, v in _role_errors(session, schema, data).items() if k not in errors})
    errors.update(_rule_errors(schema, data, functions or {}, errors))
    if errors:
        raise InvalidInput("Isian formulir belum benar.", errors)
    return data
