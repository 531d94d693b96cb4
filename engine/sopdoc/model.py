"""The SOP document model: steps of "G. Prosedur Kerja" in flow order, read from the BPMN and its sidecar.

The BPMN says what happens and who does it (task documentation, lanes, gateways, Mutu Baku properties);
the sidecar (``<name>.sop.json``) holds what is not process logic (Nomor, Dasar Hukum, Pengesahan, …).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from lxml import etree

from ..bpmn_xml import BPMN, NS, executable_process, parse_xml
from ..errors import InvalidBpmn

LIST_FIELDS = ("dasar_hukum", "surat_edaran", "pihak_terkait", "input", "output", "jangka_waktu")
TEXT_FIELDS = ("nomor", "revisi", "tanggal", "kementerian", "direktorat", "judul", "deskripsi")
SIGN_FIELDS = ("disahkan_oleh", "jabatan", "nama", "nip")
FLOW_NODES = ("startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
              "userTask", "scriptTask", "manualTask", "task", "sendTask", "receiveTask", "subProcess",
              "exclusiveGateway", "parallelGateway", "inclusiveGateway", "eventBasedGateway")


COUNTED = re.compile(r"^add_working_days\(\s*now\(\s*\)\s*,\s*(\d{1,3})\s*\)$")
WORKING_DAYS = re.compile(r"^\s*(\d{1,3})\s+hari\s+kerja\b", re.IGNORECASE)
PROCESS_ENDS = ""  # a branch's target when it ends the process at an end event that is not a numbered step


@dataclass(frozen=True)
class Branch:
    """One outgoing path of the decision that follows a step: 'Kembalikan' → step 2."""

    label: str
    target: str
    is_return: bool


@dataclass(frozen=True)
class Message:
    """A message flow between a step and an outside participant (the Pengguna Layanan pool)."""

    label: str
    partner: str
    incoming: bool


@dataclass(frozen=True)
class Step:
    number: str
    element_id: str
    kind: str
    actor: str
    sentence: str
    kelengkapan: str
    waktu: str
    output: str
    next_step: str | None = None
    branches: tuple[Branch, ...] = ()
    messages: tuple[Message, ...] = ()
    parallel: bool = False
    shared_waktu: str = ""  # the Mutu Baku Waktu of the subprocess the step is in (e.g. steps 6-8 together)
    shared_by: tuple[str, ...] = ()  # the steps that share it, in flow order


@dataclass(frozen=True)
class SystemDeadline:
    """A due date the system sets on a task (``dueDate``, ``dueDateVariable``): "Catatan sistem", not the SOP."""

    step: str
    element_id: str
    name: str
    actor: str
    rule: str


@dataclass(frozen=True)
class Deadline:
    """A timer on part of the flow (Jangka Waktu Penyelesaian) and the escalation path it starts."""

    name: str
    documentation: str
    covers: tuple[str, ...]
    notices: tuple[str, ...]
    escalation: tuple[Step, ...]


@dataclass(frozen=True)
class Pengesahan:
    disahkan_oleh: str
    jabatan: str
    nama: str
    nip: str


@dataclass(frozen=True)
class SopDocument:
    """Everything the SOP document prints: header data, actors, the steps in flow order, deadlines."""

    source: str
    sidecar: str
    meta: dict[str, Any]
    pengesahan: Pengesahan
    actors: tuple[str, ...]  # the parties of section D, in its order: the columns of the Permenpan-RB table
    steps: tuple[Step, ...]
    deadlines: tuple[Deadline, ...]
    system_deadlines: tuple[SystemDeadline, ...] = ()


def read_metadata(path: Path) -> dict[str, Any]:
    """Read and check the sidecar: every header field present, lists are lists of strings."""
    try:
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InvalidBpmn([f"{path.name}: cannot read SOP metadata: {exc}"]) from exc
    missing = [k for k in TEXT_FIELDS + LIST_FIELDS if k not in meta]
    missing += [f"pengesahan.{k}" for k in SIGN_FIELDS if k not in meta.get("pengesahan", {})]
    bad = [k for k in LIST_FIELDS if k in meta and not all(isinstance(v, str) for v in meta[k])]
    if missing or bad:
        raise InvalidBpmn([f"{path.name}: missing field {k}" for k in missing]
                          + [f"{path.name}: {k} must be a list of strings" for k in bad])
    return meta


def party(element: etree._Element, parties: list[str]) -> str | None:
    """The party of section D a lane or pool stands for: its name, or the party its documentation names."""
    name, text = element.get("name", "").strip(), documentation(element)
    if name in parties:
        return name
    named = [p for p in parties if text == p or text.startswith(p + " ")]
    return max(named, key=len) if named else None


class _Graph:
    """Flow nodes, sequence flows, lanes and containment of one process, indexed for walking."""

    def __init__(self, process: etree._Element, parties: list[str], source: str):
        self.nodes = {n.get("id"): n for n in process.iter(*(BPMN + t for t in FLOW_NODES))}
        self.flows = {f.get("id"): f for f in process.iter(BPMN + "sequenceFlow")}
        actors: dict[str, str] = {}
        for lane in process.iter(BPMN + "lane"):
            found = party(lane, parties)
            if found is None:
                raise InvalidBpmn([f"{source}: lane '{lane.get('name', '')}' ({lane.get('id')}) is not a party of "
                                   f"section D ({'; '.join(parties)}): name the lane as section D does, or write "
                                   "that name as the lane's documentation"])
            actors[lane.get("id", "")] = found
        self.lane_of = {ref.text.strip(): actors[lane.get("id", "")] for lane in process.iter(BPMN + "lane")
                        for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}

    def outgoing(self, node_id: str) -> list[etree._Element]:
        return [f for f in self.flows.values() if f.get("sourceRef") == node_id]

    def parent(self, node_id: str) -> etree._Element | None:
        parent = self.nodes[node_id].getparent()
        return parent if parent is not None and parent.tag == BPMN + "subProcess" else None

    def kind(self, node_id: str) -> str:
        return etree.QName(self.nodes[node_id]).localname

    def step_number(self, node_id: str) -> str | None:
        value = properties(self.nodes[node_id]).get("sopStep", "")
        return value if value.isdigit() else None

    def starts(self, container: etree._Element) -> list[str]:
        return sorted(c.get("id") for c in container.iterchildren(BPMN + "startEvent"))

    def successors(self, node_id: str) -> list[str]:
        """Targets of a node's outgoing flows, the lowest step reached first."""
        targets = [f.get("targetRef") for f in self.outgoing(node_id)]
        return sorted(targets, key=lambda t: (_num(self.resolve(t)), t))

    def resolve(self, node_id: str, seen: frozenset[str] = frozenset()) -> str | None:
        """The first numbered step reached from a node (the node itself when it is one)."""
        if node_id in seen or node_id not in self.nodes:
            return None
        number = self.step_number(node_id)
        if number is not None:
            return number
        if self.kind(node_id) == "subProcess":
            nexts = self.starts(self.nodes[node_id])
        else:
            nexts = [f.get("targetRef") for f in self.outgoing(node_id)]
            parent = self.parent(node_id)
            if not nexts and self.kind(node_id) == "endEvent" and parent is not None:
                nexts = [f.get("targetRef") for f in self.outgoing(parent.get("id"))]
        found = [r for r in (self.resolve(n, seen | {node_id}) for n in nexts) if r is not None]
        return min(found, key=_num) if found else None


def _num(step: str | None) -> int:
    return int(step) if step else 10**6  # None or PROCESS_ENDS: after every step


def properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def documentation(element: etree._Element) -> str:
    text = element.findtext("bpmn:documentation", default="", namespaces=NS)
    return " ".join(text.split())


def walk(graph: _Graph, start_ids: list[str]) -> list[str]:
    """Depth-first walk along sequence flows, into a subprocess before past it, lowest step first."""
    order: list[str] = []
    stack = list(reversed(start_ids))
    while stack:
        node_id = stack.pop()
        if node_id in order:
            continue
        order.append(node_id)
        if graph.kind(node_id) == "subProcess":
            stack.extend(reversed(graph.successors(node_id)))  # popped after the inside is done
            stack.extend(reversed(graph.starts(graph.nodes[node_id])))
        else:
            stack.extend(reversed(graph.successors(node_id)))
    return order


def load_document(bpmn_path: Path) -> SopDocument:
    """Read ``<name>.bpmn`` and its ``<name>.sop.json`` sidecar into a document model."""
    sidecar = bpmn_path.with_suffix(".sop.json")
    folder = bpmn_path.parent.name
    return build_document(bpmn_path.read_bytes(), read_metadata(sidecar),
                          source=f"{folder}/{bpmn_path.name}", sidecar=f"{folder}/{sidecar.name}")


def build_document(content: bytes, meta: dict[str, Any], *, source: str, sidecar: str) -> SopDocument:
    """Build the document model; the steps' order must agree with their ``sopStep`` numbers."""
    tree, problems = parse_xml(content, source)
    if tree is None:
        raise InvalidBpmn([str(p) for p in problems])
    process = executable_process(tree)
    if process is None:
        raise InvalidBpmn([f"{source}: no executable process"])
    parties = list(meta["pihak_terkait"])
    graph = _Graph(process, parties, source)
    order = walk(graph, graph.starts(process))
    messages = _messages(tree, graph, process.get("id"), order, parties)
    steps = _shared_waktu(graph, tuple(_step(graph, n, messages.get(n, ())) for n in order if graph.step_number(n)))
    _check_numbering(graph, steps, source)
    return SopDocument(source, sidecar, meta, Pengesahan(**{k: meta["pengesahan"][k] for k in SIGN_FIELDS}),
                       tuple(parties), steps, _deadlines(graph, order), _system_deadlines(graph, order))


def _shared_waktu(graph: _Graph, steps: tuple[Step, ...]) -> tuple[Step, ...]:
    """Steps inside a subprocess that states a Mutu Baku Waktu share it (the SOP gives one time for them)."""
    groups: dict[str, list[str]] = {}
    for step in steps:
        parent = graph.parent(step.element_id)
        if parent is not None and properties(parent).get("mutuBakuWaktu", "").strip():
            groups.setdefault(parent.get("id"), []).append(step.number)
    shared = {number: (properties(graph.nodes[pid]).get("mutuBakuWaktu", "").strip(), tuple(numbers))
              for pid, numbers in groups.items() for number in numbers}
    return tuple(replace(s, shared_waktu=shared[s.number][0], shared_by=shared[s.number][1]) if s.number in shared
                 else s for s in steps)


def _system_deadlines(graph: _Graph, order: list[str]) -> tuple[SystemDeadline, ...]:
    """Every user task's due date as the system sets it (what the engine reads: dueDateVariable, dueDate, else a
    Mutu Baku Waktu of "N hari kerja")."""
    found = []
    boundaries = sorted(n for n in graph.nodes if graph.kind(n) == "boundaryEvent")
    followed = [n for n in walk(graph, boundaries) if n not in order]  # what timers start (escalation)
    for node_id in order + followed + sorted(set(graph.nodes) - set(order) - set(followed)):
        if graph.kind(node_id) != "userTask":
            continue
        props = properties(graph.nodes[node_id])
        variable, expression = props.get("dueDateVariable", "").strip(), props.get("dueDate", "").strip()
        standard = WORKING_DAYS.match(props.get("mutuBakuWaktu", ""))
        counted = COUNTED.match(expression) if expression else standard
        if variable:
            rule = f"tanggal yang tercatat pada data proses “{variable}”"
        elif counted:
            rule = f"{int(counted.group(1))} hari kerja sejak tugas tersedia"
        elif expression:
            rule = f"tanggal hasil ekspresi “{expression}” saat tugas tersedia"
        else:
            continue
        found.append(SystemDeadline(graph.step_number(node_id) or "-", node_id,
                                    " ".join((graph.nodes[node_id].get("name") or node_id).split()),
                                    graph.lane_of.get(node_id, ""), rule))
    return tuple(found)


def _check_numbering(graph: _Graph, steps: tuple[Step, ...], source: str) -> None:
    numbers = [int(s.number) for s in steps]
    declared = sorted(int(n) for n in (graph.step_number(i) for i in graph.nodes) if n)
    if numbers != sorted(set(numbers)) or numbers != declared:
        found = ", ".join(f"{s.number} ({s.element_id})" for s in steps)
        raise InvalidBpmn([f"{source}: sopStep numbers do not follow the flow from the start event: {found}"])


def _step(graph: _Graph, node_id: str, messages: tuple[Message, ...], number: str | None = None) -> Step:
    node, props = graph.nodes[node_id], properties(graph.nodes[node_id])
    number = number or props.get("sopStep", "")
    branches = _branches(graph, node_id, number)
    forward = [b.target for b in branches if not b.is_return]
    successors = graph.successors(node_id)
    next_step = min(forward, key=_num) if forward else (graph.resolve(successors[0]) if successors else None)
    loop = node.find("bpmn:multiInstanceLoopCharacteristics", NS)
    return Step(number, node_id, graph.kind(node_id), graph.lane_of.get(node_id, ""), documentation(node),
                props.get("mutuBakuKelengkapan", ""), props.get("mutuBakuWaktu", ""),
                props.get("mutuBakuOutput", ""), next_step, branches, messages,
                loop is not None and loop.get("isSequential") != "true")


def _branches(graph: _Graph, node_id: str, number: str) -> tuple[Branch, ...]:
    """The outgoing paths of a gateway directly after the step, labelled with their flow names."""
    successors = graph.successors(node_id)
    if len(successors) != 1 or not graph.kind(successors[0]).endswith("Gateway"):
        return ()
    flows = graph.outgoing(successors[0])
    if len(flows) < 2:
        return ()
    found = [(graph.resolve(f.get("targetRef")) or _ending(graph, f.get("targetRef")), f.get("name") or "")
             for f in flows]
    return tuple(Branch(label, target, target != PROCESS_ENDS and _num(target) <= _num(number))
                 for target, label in sorted(found, key=lambda t: (_num(t[0]), t[1])) if target is not None)


def _ending(graph: _Graph, node_id: str | None) -> str | None:
    """``PROCESS_ENDS`` for a path that ends the process without a numbered step (e.g. nothing to assess)."""
    return PROCESS_ENDS if node_id is not None and node_id in graph.nodes and graph.kind(node_id) == "endEvent" \
        else None


def _messages(tree: etree._ElementTree, graph: _Graph, process_id: str, order: list[str],
              parties: list[str]) -> dict[str, tuple[Message, ...]]:
    """Message flows to/from other pools, attached to the step they belong to (a pool that is a party of
    section D is named as section D names it)."""
    pools = {p.get("id"): p for p in tree.iter(BPMN + "participant")}
    partners = {i: party(p, parties) or p.get("name", "") for i, p in pools.items()
                if p.get("processRef") != process_id}
    first = next((n for n in order if graph.step_number(n)), None)
    owner: dict[str, str] = {}
    current: str | None = None
    for node_id in order:
        current = node_id if graph.step_number(node_id) else current
        if (owner_id := current or first) is not None:
            owner[node_id] = owner_id
    found: dict[str, list[Message]] = {}
    for flow in tree.iter(BPMN + "messageFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        if source in partners and target in owner:
            found.setdefault(owner[target], []).append(Message(flow.get("name", ""), partners[source], True))
        elif target in partners and source in owner:
            found.setdefault(owner[source], []).append(Message(flow.get("name", ""), partners[target], False))
    return {k: tuple(v) for k, v in found.items()}


def _deadlines(graph: _Graph, order: list[str]) -> tuple[Deadline, ...]:
    """Timers on boundary events: the steps they watch and the escalation path they start."""
    deadlines = []
    for node_id in sorted(graph.nodes):
        node = graph.nodes[node_id]
        if graph.kind(node_id) != "boundaryEvent" or node.find("bpmn:timerEventDefinition", NS) is None:
            continue
        watched = graph.nodes[node.get("attachedToRef")]
        inside = {watched.get("id")} | {n.get("id") for n in watched.iter() if n.get("id")}
        covers = tuple(graph.step_number(n) or "" for n in order if n in inside and graph.step_number(n))
        path = walk(graph, [node_id])[1:]
        notices = tuple(documentation(graph.nodes[n]) for n in path
                        if graph.kind(n).endswith("Event") and documentation(graph.nodes[n]))
        tasks = tuple(_step(graph, n, (), properties(graph.nodes[n]).get("sopStep") or "-")
                      for n in path if graph.kind(n).endswith("Task"))
        deadlines.append(Deadline(node.get("name", ""), documentation(node), covers, notices, tasks))
    return tuple(deadlines)
