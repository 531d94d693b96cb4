"""Model drafts: a BPMN model with its forms, uploaded or saved from the web modeler, linted, then deployed.

Upload (or save) and deploy are two requests: the draft is kept in ``model_drafts`` with the lint's findings, so the
analyst reviews them (listed, and marked on the diagram) and deploys it with a note without uploading it again.
A draft with any lint error cannot be deployed; a draft whose meaning is already deployed deploys nothing and says
which version holds it (the canonical identity, ``engine.process.deployment.content_hash``). Every upload, save
and deploy is written to the audit trail. Only role ``analis`` (``access.may_model``).
"""
from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import access
from .access import Who
from .audit import audit
from .bpmn_xml import MAX_BPMN_BYTES, Problem, executable_process, parse_xml
from .context import Context
from .errors import InvalidInput, NotFound
from .i18n import N_, Text
from .models import ModelDraft, ProcessVersion
from .process import current_version, load_model_texts, store_version
from .process.deployment import content_hash

MAX_FORM_BYTES = 256 * 1024
MAX_FORMS = 60
FILE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}$")
FORM_FIELD = "files"  # the upload's one input (several files)


@dataclass(frozen=True)
class Finding:
    """One lint finding of a draft, numbered as on the diagram."""

    number: int
    rule: str
    severity: str  # error | warning
    element_id: str | None
    file: str
    line: int | None
    column: int | None
    message: Text
    hint: Text | None


@dataclass(frozen=True)
class DraftView:
    id: int
    process_id: str
    filename: str
    bpmn_xml: str
    forms: dict[str, str]  # file name → JSON text
    findings: tuple[Finding, ...]
    created_by: str
    updated_at: datetime
    deployed_version_id: int | None
    same_as_version: int | None  # the deployed version that already holds this meaning, if any

    @property
    def errors(self) -> int:
        return sum(1 for f in self.findings if f.severity == "error")

    @property
    def warnings(self) -> int:
        return len(self.findings) - self.errors


@dataclass(frozen=True)
class DeployOutcome:
    version_id: int
    number: int  # the version's number within its process (v1, v2 …)
    process_id: str
    created: bool  # False: the draft's meaning was deployed already, nothing new was stored


def upload(ctx: Context, who: Who, files: Sequence[tuple[str, bytes]]) -> DraftView:
    """A draft from uploaded files: one ``.bpmn`` model, its forms (``*.json``) and optionally its SOP header
    (``<model>.sop.json``). Forms and header not uploaded are taken from the process's current version."""
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        bpmn_name, bpmn, forms, sop = _sorted_files(files)
        row = _new_draft(session, ctx.now(), user.username, bpmn_name, bpmn, forms, sop)
        audit(session, ctx.now(), user.username, "model_uploaded", None, None, data=_summary(row))
        return _view(session, row)


def save(ctx: Context, who: Who, draft_id: int | None, bpmn_xml: str, forms: dict[str, str],
         filename: str | None = None) -> DraftView:
    """The web modeler's save: the model as bpmn-js exported it and the forms edited beside it, linted. Saving
    again into a draft not yet deployed updates it; otherwise a new draft is made."""
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        bpmn = bpmn_xml.encode("utf-8")
        _check_forms(forms)
        row = session.get(ModelDraft, draft_id) if draft_id is not None else None
        if draft_id is not None and row is None:
            raise NotFound(N_("Draf model {id} tidak ada.", id=draft_id))
        if row is None or row.deployed_version_id is not None:
            name = filename or (row.filename if row is not None else "")
            row = _new_draft(session, ctx.now(), user.username, name, bpmn, forms, None,
                             base=dict(row.forms) if row is not None else None)
        else:
            process_id = _process_id(bpmn, row.filename)
            _apply(row, ctx.now(), bpmn, {**row.forms, **forms}, row.sop_metadata, process_id)
        audit(session, ctx.now(), user.username, "model_saved", None, None, data=_summary(row))
        return _view(session, row)


def draft(ctx: Context, who: Who, draft_id: int) -> DraftView:
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        return _view(session, _draft(session, draft_id))


def deploy(ctx: Context, who: Who, draft_id: int, note: str) -> DeployOutcome:
    """Deploy a draft as a new version with ``note`` (required): linted again, refused with any error; a meaning
    already deployed stores nothing (that version becomes current again if it was an older one)."""
    note = " ".join(note.split())
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        row = _draft(session, draft_id)
        if not note:
            raise InvalidInput(N_("Catatan versi wajib diisi: apa yang berubah dan mengapa."),
                               {"note": N_("Wajib diisi.")})
        model, problems = load_model_texts(row.filename, row.bpmn_xml.encode("utf-8"), row.forms, row.sop_metadata)
        errors = [p for p in problems if p.severity == "error"]
        if model is None or errors:
            raise InvalidInput(N_("Model ini tidak dapat di-deploy: lint menemukan {n} kesalahan.", n=len(errors)),
                               {"note": N_("Perbaiki kesalahan lint terlebih dahulu.")})
        version = store_version(session, model, user.username, ctx.now(), note=note,
                                source_file=f"bpmn/{row.filename}")
        row.deployed_version_id = version.id
        number = version_number(session, version.id, version.process_id)
        audit(session, ctx.now(), user.username, "model_deployed" if version.created else "model_deploy_unchanged",
              None, None, data={**_summary(row), "version_id": version.id, "version_number": number, "note": note})
        return DeployOutcome(version.id, number, version.process_id, version.created)


def modeler_source(ctx: Context, who: Who, draft_id: int | None, process_id: str | None,
                   ) -> tuple[DraftView, tuple[str, ...]]:
    """What the web modeler opens — a draft, else a process's current version (as an unsaved draft, id 0) — and
    every deployed process's id (to open another)."""
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        ids = _process_ids(session)
        if draft_id is not None:
            return _view(session, _draft(session, draft_id)), ids
        version = current_version(session, process_id or _first_process(session))
        forms = {name: _form_text(schema) for name, schema in (version.forms or {}).items()}
        filename = (version.source_file or f"{version.process_id}.bpmn").rsplit("/", 1)[-1]
        return DraftView(0, version.process_id, filename, version.bpmn_xml, forms, (), version.deployed_by,
                         version.deployed_at, None, version.id), ids


def process_ids(ctx: Context, who: Who) -> tuple[str, ...]:
    """Every deployed process's id (the upload form and the modeler offer them)."""
    with access.acting(ctx, who) as (session, user):
        access.may_model(user)
        return _process_ids(session)


def _process_ids(session: Session) -> tuple[str, ...]:
    return tuple(session.scalars(select(ProcessVersion.process_id).distinct().order_by(ProcessVersion.process_id)))


def version_number(session: Session, version_id: int, process_id: str) -> int:
    """A version's number within its process: 1 for its first version."""
    return int(session.scalar(select(func.count()).where(ProcessVersion.process_id == process_id,
                                                         ProcessVersion.id <= version_id)) or 0)


# --- the parts ------------------------------------------------------------------------------------------

def _sorted_files(files: Sequence[tuple[str, bytes]]) -> tuple[str, bytes, dict[str, str], dict[str, Any] | None]:
    """The upload's files by kind; InvalidInput naming the file and what is wrong with it."""
    bpmn: list[tuple[str, bytes]] = []
    forms: dict[str, str] = {}
    sop: dict[str, Any] | None = None
    for raw_name, content in files:
        name = raw_name.replace("\\", "/").rsplit("/", 1)[-1]
        if not name and not content:
            continue
        if not FILE_NAME.match(name) or not name.lower().endswith((".bpmn", ".json")):
            raise InvalidInput(N_("File '{name}' ditolak: unggah satu file .bpmn dan formulirnya (.json).", name=name),
                               {FORM_FIELD: N_("'{name}' bukan file .bpmn atau .json.", name=name)})
        if name.lower().endswith(".bpmn"):
            bpmn.append((name, _text(name, content, MAX_BPMN_BYTES).encode("utf-8")))
        elif name.lower().endswith(".sop.json"):
            sop = _sop_json(name, content)
        else:
            forms[name] = _text(name, content, MAX_FORM_BYTES)
    if len(bpmn) != 1:
        raise InvalidInput(N_("Unggah tepat satu file .bpmn (ada {n}).", n=len(bpmn)),
                           {FORM_FIELD: N_("Pilih tepat satu file .bpmn beserta formulirnya.")})
    _check_forms(forms)
    return bpmn[0][0], bpmn[0][1], forms, sop


def _text(name: str, content: bytes, limit: int) -> str:
    if len(content) > limit:
        raise InvalidInput(N_("File '{name}' lebih besar dari {kib} KiB.", name=name, kib=limit // 1024),
                           {FORM_FIELD: N_("'{name}' terlalu besar.", name=name)})
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(N_("File '{name}' bukan teks UTF-8 (byte {at}).", name=name, at=exc.start),
                           {FORM_FIELD: N_("'{name}' bukan teks UTF-8.", name=name)}) from exc


def _sop_json(name: str, content: bytes) -> dict[str, Any]:
    text = _text(name, content, MAX_FORM_BYTES)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidInput(N_("{name} baris {line} kolom {column}: JSON tidak sah: {reason}", name=name,
                              line=exc.lineno, column=exc.colno, reason=exc.msg),
                           {FORM_FIELD: N_("'{name}' bukan JSON yang sah.", name=name)}) from exc
    if not isinstance(value, dict):
        raise InvalidInput(N_("{name} harus berisi objek JSON.", name=name),
                           {FORM_FIELD: N_("'{name}' bukan objek JSON.", name=name)})
    return value


def _check_forms(forms: dict[str, str]) -> None:
    if len(forms) > MAX_FORMS:
        raise InvalidInput(N_("Paling banyak {n} formulir.", n=MAX_FORMS), {FORM_FIELD: N_("Terlalu banyak file.")})
    for name, text in forms.items():
        if not FILE_NAME.match(name) or not name.endswith(".json") or name.endswith(".sop.json"):
            raise InvalidInput(N_("Nama formulir '{name}' tidak sah.", name=name),
                               {"forms": N_("'{name}' bukan nama file formulir .json.", name=name)})
        if len(text.encode("utf-8")) > MAX_FORM_BYTES:
            raise InvalidInput(N_("File '{name}' lebih besar dari {kib} KiB.", name=name, kib=MAX_FORM_BYTES // 1024),
                               {"forms": N_("'{name}' terlalu besar.", name=name)})


def _process_id(bpmn: bytes, filename: str) -> str:
    """The executable process's id; InvalidInput when the file is not a BPMN model one can tell it from (not XML,
    a DOCTYPE — e.g. an XXE attempt —, not bpmn:definitions, no executable process)."""
    tree, problems = parse_xml(bpmn, filename)
    if tree is None:
        problem = problems[0]
        where = N_("baris {line}", line=problem.line) if problem.line else N_("awal file")
        raise InvalidInput(N_("{file} bukan model BPMN yang dapat dibaca ({where}): {reason}", file=filename,
                              where=where, reason=problem.message), {FORM_FIELD: N_("Bukan model BPMN 2.0.")})
    process = executable_process(tree)
    if process is None or not process.get("id"):
        raise InvalidInput(N_("{file} tidak punya proses yang dapat dijalankan (isExecutable=\"true\").",
                              file=filename), {FORM_FIELD: N_("Tidak ada proses yang dapat dijalankan.")})
    return str(process.get("id"))


def _new_draft(session: Session, now: datetime, actor: str, filename: str, bpmn: bytes, forms: dict[str, str],
               sop: dict[str, Any] | None, base: dict[str, str] | None = None) -> ModelDraft:
    """A draft whose forms and SOP header not given are the process's current version's (``base``: a draft's)."""
    process_id = _process_id(bpmn, filename or "model.bpmn")
    deployed = _current_or_none(session, process_id)
    if base is None:
        base = {name: _form_text(schema) for name, schema in (deployed.forms or {}).items()} if deployed else {}
    if sop is None:
        sop = dict(deployed.sop_metadata or {}) if deployed else {}
    if not filename:
        filename = (deployed.source_file or "").rsplit("/", 1)[-1] if deployed else ""
    row = ModelDraft(process_id=process_id, filename=filename or f"{process_id}.bpmn", bpmn_xml="", forms={},
                     sop_metadata={}, findings=[], errors=0, created_by=actor, created_at=now, updated_at=now)
    _apply(row, now, bpmn, {**base, **forms}, sop, process_id)
    session.add(row)
    session.flush()
    return row


def _apply(row: ModelDraft, now: datetime, bpmn: bytes, forms: dict[str, str], sop: dict[str, Any],
           process_id: str) -> None:
    """Store the content and its lint findings."""
    model, problems = load_model_texts(row.filename, bpmn, forms, sop)
    row.process_id, row.bpmn_xml, row.forms, row.sop_metadata = process_id, bpmn.decode("utf-8"), forms, sop
    row.findings = [_finding_json(p) for p in problems]
    row.errors = sum(1 for p in problems if p.severity == "error") + (1 if model is None and not problems else 0)
    row.sha256 = content_hash(model) if model is not None else None
    row.updated_at = now


def _finding_json(problem: Problem) -> dict[str, Any]:
    return {"rule": problem.rule, "severity": problem.severity, "element": problem.element_id, "file": problem.file,
            "line": problem.line, "column": problem.column, "message": _text_json(problem.message),
            "hint": _text_json(problem.hint) if problem.hint else None}


def _text_json(value: str) -> dict[str, Any]:
    return (value if isinstance(value, Text) else Text("{text}", text=str(value))).to_json()


def _view(session: Session, row: ModelDraft) -> DraftView:
    findings = tuple(Finding(n, f["rule"], f["severity"], f.get("element"), f["file"], f.get("line"),
                             f.get("column"), Text.from_json(f["message"]),
                             Text.from_json(f["hint"]) if f.get("hint") else None)
                     for n, f in enumerate(row.findings, start=1))
    return DraftView(row.id, row.process_id, row.filename, row.bpmn_xml, dict(row.forms), findings, row.created_by,
                     row.updated_at, row.deployed_version_id, _same_as(session, row))


def _same_as(session: Session, row: ModelDraft) -> int | None:
    """The deployed version holding the draft's meaning already, if any."""
    if row.sha256 is None:
        return None
    return session.scalars(select(ProcessVersion.id).where(ProcessVersion.sha256 == row.sha256)).first()


def _summary(row: ModelDraft) -> dict[str, Any]:
    return {"draft_id": row.id, "process_id": row.process_id, "file": row.filename, "forms": sorted(row.forms),
            "errors": row.errors, "warnings": len(row.findings) - row.errors}


def _draft(session: Session, draft_id: int) -> ModelDraft:
    row = session.get(ModelDraft, draft_id)
    if row is None:
        raise NotFound(N_("Draf model {id} tidak ada.", id=draft_id))
    return row


def _current_or_none(session: Session, process_id: str) -> ProcessVersion | None:
    try:
        return current_version(session, process_id)
    except NotFound:
        return None


def _first_process(session: Session) -> str:
    process_id = session.scalars(select(ProcessVersion.process_id).order_by(ProcessVersion.id).limit(1)).first()
    if process_id is None:
        raise NotFound(N_("Belum ada proses yang di-deploy."))
    return process_id


def _form_text(schema: Any) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2) + "\n"
