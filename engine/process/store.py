"""SpiffWorkflow (de)serialization with the spec stored once per version, not once per instance."""
from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from typing import Any

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.helpers.encoder import create_encoder
from SpiffWorkflow.bpmn.specs.event_definitions import timer as spiff_timer
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG

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


def state_from_json(state_json: str, spec_json: str) -> BpmnWorkflow:
    """Rebuild a workflow from its stored state and its version's stored spec."""
    dct = json.loads(state_json)
    dct.update(json.loads(spec_json))
    if dct.get(SERIALIZER.VERSION_KEY) != SERIALIZER.VERSION:
        SERIALIZER.migrate(dct)
    else:
        dct.pop(SERIALIZER.VERSION_KEY)
    return SERIALIZER.from_dict(dct)


def specs_from_json(spec_json: str) -> tuple[Any, dict[str, Any]]:
    """A stored version's process spec and its subprocess specs."""
    dct = json.loads(spec_json)
    spec = SERIALIZER.registry.restore(dct["spec"])
    return spec, {name: SERIALIZER.registry.restore(s) for name, s in dct["subprocess_specs"].items()}


def new_workflow(spec_json: str) -> BpmnWorkflow:
    """A fresh workflow from a stored spec (so new instances use exactly the deployed version)."""
    return BpmnWorkflow(*specs_from_json(spec_json))


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
