"""Deploy process versions: content-addressed, stored once, running instances keep theirs."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..access import DEPLOY_ROLES, acting_user, require_roles
from ..bpmn_xml import canonical_bpmn
from ..context import Context
from ..errors import InvalidBpmn, NotFound
from ..i18n import N_
from ..models import ProcessVersion
from ..settings import DEFAULT_BPMN, MODELS_DIR, model_files
from .loader import LoadedModel, load_model_file
from .store import spec_to_json


@dataclass(frozen=True)
class VersionView:
    id: int
    process_id: str
    sha256: str
    deployed_by: str
    deployed_at: datetime
    created: bool  # False when identical content was already deployed
    note: str = ""


def content_hash(model: LoadedModel) -> str:
    """The version's identity: a hash of its meaning — the canonical BPMN (``canonical_bpmn``: a round trip through
    a modeller without a change keeps it), its forms and its SOP metadata (as sorted JSON)."""
    return content_identity(model.content, model.forms, model.sop_metadata)


def content_identity(bpmn: bytes, forms: dict[str, Any], sop_metadata: dict[str, Any]) -> str:
    digest = hashlib.sha256(canonical_bpmn(bpmn))
    extra = json.dumps({"forms": forms, "sop": sop_metadata}, sort_keys=True, ensure_ascii=False)
    digest.update(extra.encode("utf-8"))
    return digest.hexdigest()


def _view(row: ProcessVersion, created: bool) -> VersionView:
    return VersionView(row.id, row.process_id, row.sha256, row.deployed_by, row.deployed_at, created, row.note or "")


def deploy(ctx: Context, actor: str, path: Path = DEFAULT_BPMN, *, system: bool = False,
           note: str = "") -> VersionView:
    """Check and store a model; redeploying the same meaning is a no-op returning the existing version. ``note``:
    what changed and why, shown in the version list."""
    model, problems = load_model_file(Path(path))
    if model is None:
        raise InvalidBpmn([str(p) for p in problems if p.severity == "error"])
    with ctx.transaction() as session:
        if not system:
            require_roles(acting_user(session, actor, ctx.now()), DEPLOY_ROLES)
        return store_version(session, model, actor, ctx.now(), note=note,
                             source_file=f"{Path(path).parent.name}/{Path(path).name}")


def store_version(session: Session, model: LoadedModel, actor: str, now: datetime, *, note: str = "",
                  source_file: str) -> VersionView:
    """Store a checked model as a new version in the caller's transaction (the caller authorized ``actor``); the
    same meaning deployed before is not stored again: that version is returned (``created=False``), made current
    again when it was an older one (the rollback)."""
    sha = content_hash(model)
    existing = session.scalars(select(ProcessVersion).where(ProcessVersion.sha256 == sha)).one_or_none()
    if existing is not None:
        active = current_version(session, existing.process_id)
        if existing.id != active.id:  # an older version deployed again: roll back to it
            existing.activated_at = max(now, (active.activated_at or now) + timedelta(microseconds=1))
        return _view(existing, created=False)
    row = ProcessVersion(process_id=model.process_id, sha256=sha, bpmn_xml=model.content.decode("utf-8"),
                         spec_json=spec_to_json(model.spec, model.subprocess_specs), forms=model.forms,
                         sop_metadata=model.sop_metadata, deployed_by=actor, deployed_at=now,
                         activated_at=now, start_message=model.start_message,
                         source_file=source_file, note=note.strip()[:500])
    session.add(row)
    session.flush()
    return _view(row, created=True)


def deploy_models(ctx: Context, actor: str, directory: Path = MODELS_DIR, *, system: bool = False,
                  note: str = "") -> list[VersionView]:
    """Deploy every model of a directory (``bpmn/``: the SOP's process and the processes its messages start)."""
    paths = model_files(directory)
    if not paths:
        raise InvalidBpmn([f"{directory}: no *.bpmn model to deploy"])
    return [deploy(ctx, actor, path, system=system, note=note) for path in paths]


def current_versions(session: Session) -> list[ProcessVersion]:
    """The current version of every deployed process, by process id."""
    process_ids = session.scalars(select(ProcessVersion.process_id).distinct().order_by(ProcessVersion.process_id))
    return [current_version(session, process_id) for process_id in process_ids]


def current_version(session: Session, process_id: str) -> ProcessVersion:
    """The most recently deployed version of a process: new instances start on it."""
    row = session.scalars(select(ProcessVersion).where(ProcessVersion.process_id == process_id)
                          .order_by(ProcessVersion.activated_at.desc().nulls_last(), ProcessVersion.id.desc())
                          .limit(1)).one_or_none()
    if row is None:
        raise NotFound(N_("Proses {process_id} belum di-deploy. Jalankan 'klip deploy'.", process_id=process_id))
    return row
