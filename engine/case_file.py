"""The case file of a task: what earlier steps of its instance submitted, as the model says the task shows it.

A user task's ``caseFile`` property lists forms, each optionally narrowed to some of its fields:
``rencana-kerja.json:materi,naskah; distribusi.json:instruksi``. The task page (and the agent's contact pages)
show every submission of those forms in the instance, newest first; a resubmission after a return marks what
changed since the draft that was returned.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AuditEvent, User
from .process.rules import parse_case_file


@dataclass(frozen=True)
class CaseField:
    name: str
    title: str  # Indonesian; the web app shows the schema's x-title-en in English
    value: Any
    schema: dict[str, Any]  # the field's JSON Schema (enum titles, format, widget) for showing the value
    changed: bool = False  # differs from the earlier submission of the same step (after a return)
    previous: Any = None


@dataclass(frozen=True)
class CaseEntry:
    """One earlier submission: which step, who, when, and the fields the current task shows."""

    task: str
    form: str
    by: str
    by_name: str
    at: datetime
    fields: tuple[CaseField, ...]

    @property
    def data(self) -> dict[str, Any]:
        return {f.name: f.value for f in self.fields}


def case_of(session: Session, instance_id: int, spec: str | None, forms: dict[str, Any]) -> tuple[CaseEntry, ...]:
    """The submissions the ``caseFile`` spec asks for, in this instance, newest first."""
    wanted = parse_case_file(spec)
    if not wanted:
        return ()
    rows = session.execute(
        select(AuditEvent, User.full_name).outerjoin(User, User.username == AuditEvent.username)
        .where(AuditEvent.instance_id == instance_id, AuditEvent.action == "task_completed",
               AuditEvent.task_form.in_(sorted(wanted)))
        .order_by(AuditEvent.id)).all()
    entries: list[CaseEntry] = []
    last_by_step: dict[tuple[str | None, str], dict[str, Any]] = {}
    for event, full_name in rows:
        form = event.task_form or ""
        schema = forms.get(form, {}).get("properties", {})
        names = wanted[form] or tuple(schema)
        earlier = last_by_step.get((event.task_bpmn_id, event.username))
        fields = tuple(_field(name, schema.get(name, {}), event.data, earlier) for name in names
                       if event.data.get(name) not in (None, "", []))
        last_by_step[(event.task_bpmn_id, event.username)] = event.data
        entries.append(CaseEntry(event.task_name or "", form, event.username, full_name or event.username,
                                 event.at, fields))
    return tuple(reversed(entries))


def _field(name: str, schema: dict[str, Any], data: dict[str, Any], earlier: dict[str, Any] | None) -> CaseField:
    changed = earlier is not None and earlier.get(name) != data.get(name)
    return CaseField(name, schema.get("title", name), data.get(name), schema, changed,
                     earlier.get(name) if changed and earlier else None)
