"""SpiffWorkflow (de)serialization with the spec stored once per version, not once per instance."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

from ..kept import Kept

SERIALIZER = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(SPIFF_CONFIG))
ENCODER = create_encoder(SERIALIZER.registry)
SPEC_KEYS = ("spec", "subprocess_specs")


def spec_to_json(spec: Any, subprocess_specs: dict[str, Any]) -> str:
    """Serialize a process spec (and its embedded subprocess specs) once, at deployment."""
    dct = SERIALIZER.to_dict(BpmnWorkflow(spec, subprocess_specs))
    return json.dumps({key: dct[key] for key in SPEC_KEYS}, cls=ENCODER, sort_keys=True)


def state_to_json(workflow: BpmnWorkflow) -> str:
    """Serialize an instance's state without its spec."""
    dct = SERIALIZER.to_dict(workflow)
    for key in SPEC_KEYS:
        dct.pop(key)
    dct[SERIALIZER.VERSION_KEY] = SERIALIZER.VERSION
    return json.dumps(dct, cls=ENCODER, separators=(",", ":"))


@dataclass(frozen=True)
class ParsedSpec:
    """A version's process spec and its embedded subprocess specs, as SpiffWorkflow objects (never mutated)."""

    spec: Any
    subprocess_specs: dict[str, Any]


SPEC_CACHE_SIZE = 64  # versions kept parsed per process; a site deploys a handful
_SPECS: Kept[tuple[int, str], ParsedSpec] = Kept(SPEC_CACHE_SIZE)
_FORMS: Kept[tuple[int, str], Mapping[str, Any]] = Kept(SPEC_CACHE_SIZE)


def parse_spec(spec_json: str) -> ParsedSpec:
    dct = json.loads(spec_json)
    return ParsedSpec(SERIALIZER.registry.restore(dct["spec"]),
                      {name: SERIALIZER.registry.restore(s) for name, s in dct["subprocess_specs"].items()})


def version_spec(version_id: int, sha256: str, spec_json: Callable[[], str]) -> ParsedSpec:
    """The version's parsed spec, built once per process: a version's spec JSON never changes (keyed by id and
    content hash, so two databases in one process never share a wrong one). ``spec_json`` is read on a miss only."""
    return _SPECS.get((version_id, sha256), lambda: parse_spec(spec_json()))


def version_forms(version_id: int, sha256: str, forms: Callable[[], dict[str, Any]]) -> Mapping[str, Any]:
    """The version's forms (JSON Schema by name), kept once per process like its spec (the sha256 covers them too);
    read-only: never change them. ``forms`` is read on a miss only."""
    return _FORMS.get((version_id, sha256), lambda: MappingProxyType(dict(forms())))


def state_from_json(state_json: str, specs: ParsedSpec, spec_json: Callable[[], str]) -> BpmnWorkflow:
    """Rebuild a workflow from its stored state on its version's parsed spec (shared, not copied: SpiffWorkflow's
    registry passes objects that are not dicts through unchanged). A state an older SpiffWorkflow wrote is migrated
    with the spec as JSON (``spec_json``), as its migrations read it."""
    dct = json.loads(state_json)
    if dct.get(SERIALIZER.VERSION_KEY) != SERIALIZER.VERSION:
        dct.update(json.loads(spec_json()))
        SERIALIZER.migrate(dct)
        return SERIALIZER.from_dict(dct)
    dct.pop(SERIALIZER.VERSION_KEY)
    dct["spec"], dct["subprocess_specs"] = specs.spec, dict(specs.subprocess_specs)
    return SERIALIZER.from_dict(dct)


def new_workflow(specs: ParsedSpec) -> BpmnWorkflow:
    """A fresh workflow of a deployed version's spec (so new instances use exactly the deployed version)."""
    return BpmnWorkflow(specs.spec, dict(specs.subprocess_specs))


@contextmanager
def engine_clock(clock: Callable[[], datetime], is_system: bool) -> Iterator[None]:
    """Make SpiffWorkflow's timers read our clock (it calls ``datetime.now(timezone.utc)`` directly)."""
    if is_system:
        yield
        return
    original = spiff_timer.datetime

    class _ClockDatetime(datetime):
        @classmethod
        def now(cls, tz: Any = None) -> datetime:  # type: ignore[override]  # only the call SpiffWorkflow makes
            value = clock()
            return value.astimezone(tz or timezone.utc)

    spiff_timer.datetime = _ClockDatetime
    try:
        yield
    finally:
        spiff_timer.datetime = original
