"""The model lint: every rule a process model must pass, documented once (``RULES``), and the rules that read the
model as a graph (reachability, gateways, diagram, variables, SOP steps, decisions, lanes, durations).

Each finding is a ``Problem`` with its rule id, line and column, element id and a hint, printed by ``klip lint`` as
``file:line:column: rule: message [element] — hint`` or as JSON (``--format json``). Messages are Indonesian
``Text``s with English in the catalogue. The README's rules table is ``rules_table()`` (tests/test_lint.py checks
they match) and every rule has a failing and a passing fixture, ``tests/data/lint/**/<rule>.fail.bpmn`` and
``<rule>.pass.bpmn``.
"""
from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from lxml import etree

from ..bpmn_xml import BPMN, BPMNDI, NS, Problem
from ..i18n import N_, Text, localize
from . import rules
from .expressions import REGISTERED_FUNCTIONS, check_expression, check_script, names_in


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str  # "error" (exit 1, deploy refused) or "warning"
    description: Text  # what the rule asks, for the README table and `klip lint`
    example: str  # what breaks it (the failing fixture shows it whole)


RULES: dict[str, Rule] = {rule.id: rule for rule in (
    Rule("xml", "error", N_("File adalah XML yang utuh, tanpa DOCTYPE, dengan akar bpmn:definitions."),
         "`<bpmn:process id=\"p\">` never closed"),
    Rule("xsd", "error", N_("Model sah menurut XSD BPMN 2.0 dan spiffworkflow."),
         "`<bpmn:userTsk>` (a misspelt element)"),
    Rule("spiff", "error", N_("SpiffWorkflow dapat membaca proses yang dapat dijalankan (isExecutable=\"true\")."),
         "no process with `isExecutable=\"true\"`"),
    Rule("expression", "error", N_("Kondisi, skrip, timer, payload, dan dueDate hanya memakai bentuk dan fungsi "
                                   "yang diizinkan."),
         "`hitung_bonus(keputusan)` — `hitung_bonus` is not a registered function"),
    Rule("unsupported", "error", N_("Tidak ada service task, business rule task, call activity, atau skrip selain "
                                    "python."),
         "`<bpmn:serviceTask>`"),
    Rule("reference", "error", N_("Setiap sequence flow dan message flow menunjuk elemen yang ada."),
         "`targetRef=\"tidak_ada\"`"),
    Rule("task-properties", "error", N_("Properti user task bernilai yang dikenal mesin (view, action, "
                                        "campaignPhase, nama variabel, caseFile)."),
         "`view=\"report_preview\"`"),
    Rule("form", "error", N_("Setiap user task punya formulir (formJsonSchemaFilename) yang ada di forms/ dan "
                             "merupakan JSON Schema yang sah, termasuk x-rules-nya."),
         "`formJsonSchemaFilename=\"persetujuan.jsn\"`"),
    Rule("decision", "error", N_("Nilai keputusan formulir (field enum seperti keputusan) cocok dengan kondisi "
                                 "gateway sesudahnya: tidak ada kondisi yang menguji nilai yang tidak mungkin, "
                                 "dan setiap nilai ditangani oleh suatu kondisi atau alur default."),
         "`keputusan == \"diterima\"` while the form offers `setuju`, `kembalikan`"),
    Rule("lane-role", "error", N_("Nama lane yang memuat user task dipetakan ke suatu peran (dilaporkan sekali, "
                                  "pada lane)."),
         "a lane named `Kepala Seksi Operasinal`"),
    Rule("reachable", "error", N_("Setiap elemen alur dapat dicapai dari start event dan dapat mencapai end "
                                  "event."),
         "a task no sequence flow leads to"),
    Rule("gateway-exit", "error", N_("Gateway eksklusif/inklusif selalu punya jalan keluar: bila semua alur "
                                     "keluarnya bersyarat, salah satunya default; alur tanpa kondisi adalah "
                                     "default."),
         "two conditional flows out of a gateway, none default"),
    Rule("diagram", "error", N_("Setiap elemen alur, sequence flow, message flow, lane, dan pool digambar "
                                "(BPMNDI)."),
         "a task with no `BPMNShape`"),
    Rule("variable-set", "error", N_("Setiap variabel yang dibaca kondisi, skrip, timer, payload, atau properti "
                                     "tugas (assigneeVariable, dueDate, dueDateVariable, subjectVariable, koleksi "
                                     "multi-instance) sudah diisi pada SETIAP jalur sebelumnya (formulir, skrip, "
                                     "data input, atau pesan)."),
         "`keputusan` read by a condition on a path where no form sets it"),
    Rule("sop-step", "error", N_("Setiap user task punya sopStep (nomor langkah SOP, nama bagian SOP, atau \"-\" "
                                 "bila SOP tidak memuatnya); nomor langkah unik dan tidak menurun sepanjang alur "
                                 "(kembali dalam loop boleh)."),
         "a new user task without `sopStep`; step 4 after step 5"),
    Rule("duration", "error", N_("Jangka waktu yang disebut nama, dokumentasi, dan mutuBakuWaktu (\"5 hari kerja\") "
                                 "cocok dengan ekspresi timer dan batas waktu (add_working_days(x, 5)) yang "
                                 "berlaku."),
         "\"Batas 5 hari kerja\" on a timer whose deadline is `add_working_days(selesai, 3)`"),
)}

FLOW_NODES = ("startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
              "userTask", "scriptTask", "manualTask", "task", "sendTask", "receiveTask", "serviceTask",
              "businessRuleTask", "callActivity", "subProcess", "exclusiveGateway", "parallelGateway",
              "inclusiveGateway", "eventBasedGateway")
DRAWN = ("participant", "lane", "sequenceFlow", "messageFlow", *FLOW_NODES)
DAYS = re.compile(r"(\d+)\s*(?:\([^)]*\)\s*)?hari\s+kerja", re.IGNORECASE)
DECISION_SOP_NONE = "-"


def local(element: etree._Element) -> str:
    return etree.QName(element).localname


def properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name", ""): p.get("value", "") for p in element.iterfind(
        "bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property", NS)}


def suggest(word: str, candidates: Iterable[str]) -> str | None:
    """The closest candidate, if one is close enough to be what was meant."""
    found = difflib.get_close_matches(word, sorted(set(candidates)), n=1, cutoff=0.6)
    return found[0] if found else None


def did_you_mean(word: str, candidates: Iterable[str]) -> Text | None:
    close = suggest(word, candidates)
    return N_("maksud Anda '{suggestion}'?", suggestion=close) if close else None


class Source:
    """A model's text, to place findings at the line and column where an element's tag starts."""

    def __init__(self, filename: str, content: bytes):
        self.filename = filename
        self.lines = content.decode("utf-8", "replace").splitlines()

    def at(self, element: etree._Element) -> tuple[int | None, int | None]:
        line = element.sourceline
        if not isinstance(line, int) or not isinstance(element.tag, str):
            return None, None
        token = f"<{element.prefix}:{local(element)}" if element.prefix else f"<{local(element)}"
        for number in range(min(line, len(self.lines)), max(0, line - 20), -1):
            text = self.lines[number - 1]
            at = text.rfind(token)
            if at >= 0 and (len(text) == at + len(token) or not text[at + len(token)].isalnum()):
                return number, at + 1
        return line, None

    def problem(self, rule: str, element: etree._Element, message: Text, hint: Text | None = None,
                element_id: str | None = None) -> Problem:
        line, column = self.at(element)
        return Problem(self.filename, line, message, element_id or element.get("id"), RULES[rule].severity, rule,
                       column, hint or "")


# ---------------------------------------------------------------- the process as a graph
class Graph:
    """The flow nodes and sequence flows of one executable process, its subprocesses included."""

    def __init__(self, process: etree._Element):
        self.process = process
        self.nodes = {n.get("id"): n for n in process.iter(*(BPMN + k for k in FLOW_NODES)) if n.get("id")}
        self.flows = {f.get("id"): f for f in process.iter(BPMN + "sequenceFlow") if f.get("id")}
        self.outgoing: dict[str, list[etree._Element]] = {n: [] for n in self.nodes}
        self.incoming: dict[str, list[etree._Element]] = {n: [] for n in self.nodes}
        for flow in self.flows.values():
            if flow.get("sourceRef") in self.nodes and flow.get("targetRef") in self.nodes:
                self.outgoing[flow.get("sourceRef")].append(flow)
                self.incoming[flow.get("targetRef")].append(flow)
        self.boundaries: dict[str, list[str]] = {}
        for node_id, node in self.nodes.items():
            if local(node) == "boundaryEvent" and node.get("attachedToRef") in self.nodes:
                self.boundaries.setdefault(node.get("attachedToRef"), []).append(node_id)
        self.links: dict[str, list[str]] = {}  # link name → catching events
        for node_id, node in self.nodes.items():
            link = node.find("bpmn:linkEventDefinition", NS)
            if link is not None and local(node) == "intermediateCatchEvent":
                self.links.setdefault(link.get("name", ""), []).append(node_id)

    def kind(self, node_id: str) -> str:
        return local(self.nodes[node_id])

    def container(self, node_id: str) -> etree._Element:
        """The process or subprocess the node is a direct child of."""
        parent = self.nodes[node_id].getparent()
        return parent if parent is not None else self.process

    def children(self, container: etree._Element) -> list[str]:
        return [c.get("id") for c in container if c.get("id") in self.nodes]

    def starts(self, container: etree._Element) -> list[str]:
        return [c for c in self.children(container) if self.kind(c) == "startEvent"]

    def ends(self, container: etree._Element) -> list[str]:
        return [c for c in self.children(container) if self.kind(c) == "endEvent"]

    def is_event_subprocess(self, node_id: str) -> bool:
        return self.kind(node_id) == "subProcess" and self.nodes[node_id].get("triggeredByEvent") == "true"

    def level_successors(self, node_id: str) -> list[str]:
        """Where control goes next on the node's own level: its flows, its boundary events, a link's catch."""
        found = [f.get("targetRef") for f in self.outgoing[node_id]] + self.boundaries.get(node_id, [])
        link = self.nodes[node_id].find("bpmn:linkEventDefinition", NS)
        if link is not None and self.kind(node_id) == "intermediateThrowEvent":
            found += self.links.get(link.get("name", ""), [])
        return found

    def step(self, node_id: str) -> str:
        return properties(self.nodes[node_id]).get("sopStep", "").strip()

    def number(self, node_id: str) -> int | None:
        step = self.step(node_id)
        return int(step) if step.isdigit() else None


def _reach(start: Iterable[str], successors: dict[str, list[str]]) -> set[str]:
    seen: set[str] = set()
    todo = list(start)
    while todo:
        node = todo.pop()
        if node not in seen:
            seen.add(node)
            todo.extend(successors.get(node, []))
    return seen


def reachable_problems(graph: Graph, source: Source) -> list[Problem]:
    """On each level (the process, each subprocess): every node reachable from the level's start events and able
    to reach one of its end events (a subprocess's end leads on along the subprocess's own flows)."""
    problems = []
    containers = [graph.process] + [graph.nodes[n] for n in graph.nodes if graph.kind(n) == "subProcess"]
    for container in containers:
        level = set(graph.children(container))
        forward = {n: [s for s in graph.level_successors(n) if s in level] for n in level}
        backward: dict[str, list[str]] = {n: [] for n in level}
        for node, targets in forward.items():
            for target in targets:
                backward[target].append(node)
        roots = graph.starts(container) + [n for n in level if graph.is_event_subprocess(n)]
        reached = _reach(roots, forward)
        finishing = _reach(graph.ends(container) + [n for n in level if graph.is_event_subprocess(n)], backward)
        for node_id in sorted(level, key=lambda n: graph.nodes[n].sourceline or 0):
            node = graph.nodes[node_id]
            name = node.get("name") or node_id
            if node_id not in reached:
                problems.append(source.problem("reachable", node, N_(
                    "'{name}' tidak dapat dicapai dari start event mana pun", name=name), N_(
                    "hubungkan dengan sequence flow dari elemen sebelumnya, atau hapus elemen ini")))
            elif node_id not in finishing:
                problems.append(source.problem("reachable", node, N_(
                    "dari '{name}' tidak ada jalan menuju end event", name=name), N_(
                    "tambahkan sequence flow keluar menuju langkah berikutnya atau end event")))
    return problems


def gateway_problems(graph: Graph, source: Source) -> list[Problem]:
    """An exclusive or inclusive gateway always has a way out: a default flow when every flow is conditional, and
    no flow that has neither a condition nor the default mark (SpiffWorkflow refuses those)."""
    problems = []
    for node_id, node in graph.nodes.items():
        if graph.kind(node_id) not in ("exclusiveGateway", "inclusiveGateway") or not graph.outgoing[node_id]:
            continue
        flows, default = graph.outgoing[node_id], node.get("default")
        name = node.get("name") or node_id
        hint = N_("tandai satu alur keluar gateway '{name}' ({gateway}) sebagai default, atau beri kondisi",
                  name=name, gateway=node_id)
        if default and default not in {f.get("id") for f in flows}:
            problems.append(source.problem("gateway-exit", node, N_(
                "alur default '{flow}' bukan alur keluar gateway ini", flow=default), hint))
            continue
        conditional = [f for f in flows if (f.findtext("bpmn:conditionExpression", "", NS) or "").strip()]
        if len(flows) == len(conditional) and not default:
            problems.append(source.problem("gateway-exit", node, N_(
                "gateway '{name}' bisa tidak punya jalan keluar: semua alur keluarnya bersyarat dan tidak ada "
                "alur default", name=name), hint))
        elif len(flows) > 1:
            for flow in flows:
                if flow not in conditional and flow.get("id") != default:
                    problems.append(source.problem("gateway-exit", flow, N_(
                        "alur '{flow}' keluar dari gateway '{name}' tanpa kondisi dan bukan alur default",
                        flow=flow.get("id"), name=name), hint))
    return problems


def diagram_problems(tree: etree._ElementTree, source: Source) -> list[Problem]:
    """Every flow node, flow, lane and pool is drawn: bpmn.io needs it, so do the docs and the live diagram."""
    drawn = {el.get("bpmnElement") for el in tree.iter(BPMNDI + "BPMNShape", BPMNDI + "BPMNEdge")}
    return [source.problem("diagram", el, N_("'{name}' tidak digambar di diagram (tidak ada BPMNShape/BPMNEdge)",
                                            name=el.get("name") or el.get("id")),
                           N_("buka model di bpmn.io dan letakkan ulang elemen ini, atau tambahkan "
                              "bpmndi:BPMNShape/BPMNEdge dengan bpmnElement=\"{element}\"", element=el.get("id")))
            for el in tree.iter(*(BPMN + k for k in DRAWN)) if el.get("id") and el.get("id") not in drawn]


# ---------------------------------------------------------------- lanes, SOP steps
def lane_problems(graph: Graph, source: Source) -> list[Problem]:
    """A lane holding a user task maps to a role (reported once, at the lane); a user task sits in a lane."""
    problems, in_lane = [], set()
    user_tasks = {n for n in graph.nodes if graph.kind(n) == "userTask"}
    for lane in graph.process.iter(BPMN + "lane"):
        refs = {(r.text or "").strip() for r in lane.iterfind("bpmn:flowNodeRef", NS)}
        in_lane |= refs
        name = lane.get("name", "")
        if refs & user_tasks and name not in rules.LANE_ROLES:
            hint = did_you_mean(name, rules.LANE_ROLES) or N_("nama lane yang dikenal: {names}",
                                                             names=list(rules.LANE_ROLES))
            problems.append(source.problem("lane-role", lane, N_(
                "lane '{name}' tidak dipetakan ke peran mana pun, jadi tidak ada yang dapat mengerjakan "
                "{count} user task di dalamnya", name=name, count=len(refs & user_tasks)), hint))
    for task in sorted(user_tasks - in_lane):
        problems.append(source.problem("lane-role", graph.nodes[task], N_(
            "user task '{name}' tidak berada di lane mana pun", name=graph.nodes[task].get("name") or task), N_(
            "letakkan tugas ini di lane peran yang mengerjakannya")))
    return problems


def _back_edges(graph: Graph) -> set[tuple[str, str]]:
    """Edges that close a loop (their target is on the depth-first path to their source), from the start."""
    successors = {n: _flow_successors(graph, n) for n in graph.nodes}
    back: set[tuple[str, str]] = set()
    state: dict[str, int] = {}  # 1: on the path, 2: done
    roots = graph.starts(graph.process) + sorted(graph.nodes)
    for root in roots:
        if root in state:
            continue
        stack: list[tuple[str, Iterator[str]]] = [(root, iter(successors[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                back.add((node, child))
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(successors[child])))
    return back


def _flow_successors(graph: Graph, node_id: str) -> list[str]:
    """Control flow across levels: into a subprocess through its start, out of it through its ends."""
    if graph.kind(node_id) == "subProcess" and not graph.is_event_subprocess(node_id):
        found = graph.starts(graph.nodes[node_id]) + graph.boundaries.get(node_id, [])
    else:
        found = graph.level_successors(node_id)
    parent = graph.container(node_id)
    if graph.kind(node_id) == "endEvent" and parent is not graph.process and parent.get("id") in graph.nodes:
        found = found + [f.get("targetRef") for f in graph.outgoing[parent.get("id")]]
    return found


def sop_step_problems(graph: Graph, source: Source) -> list[Problem]:
    """Every user task says which SOP step it is (or "-"); step numbers are unique and do not go down along the
    flow, loops back excepted (what the SOP document's numbering needs)."""
    problems = []
    for node_id, node in graph.nodes.items():
        if graph.kind(node_id) == "userTask" and not graph.step(node_id):
            problems.append(source.problem("sop-step", node, N_(
                "user task '{name}' tidak punya sopStep, jadi tidak muncul di dokumen SOP",
                name=node.get("name") or node_id), N_(
                "tambahkan properti sopStep=\"N\" (nomor langkah di SOP) atau sopStep=\"-\" bila SOP tidak "
                "memuat langkah ini")))
    holders: dict[int, list[str]] = {}
    for node_id in graph.nodes:
        number = graph.number(node_id)
        if number is not None:
            holders.setdefault(number, []).append(node_id)
    for number, ids in sorted(holders.items()):
        for node_id in sorted(ids)[1:]:
            problems.append(source.problem("sop-step", graph.nodes[node_id], N_(
                "sopStep {number} juga dipakai oleh '{other}'; setiap langkah SOP bernomor satu kali",
                number=number, other=sorted(ids)[0]), N_("beri nomor lain, atau sopStep=\"-\"")))
    back = _back_edges(graph)
    reported: set[tuple[str, str]] = set()
    for node_id in graph.nodes:
        number = graph.number(node_id)
        if number is None:
            continue
        seen, todo = {node_id}, [(node_id, s) for s in _flow_successors(graph, node_id)]
        while todo:
            source_id, target = todo.pop()
            if (source_id, target) in back or target in seen or target not in graph.nodes:
                continue
            seen.add(target)
            later = graph.number(target)
            if later is None:
                todo.extend((target, s) for s in _flow_successors(graph, target))
            elif later < number and (node_id, target) not in reported:
                reported.add((node_id, target))
                problems.append(source.problem("sop-step", graph.nodes[target], N_(
                    "langkah SOP {later} ('{name}') datang sesudah langkah {number} ('{before}') dalam alur",
                    later=later, name=graph.nodes[target].get("name") or target, number=number,
                    before=graph.nodes[node_id].get("name") or node_id), N_(
                    "nomori langkah sesuai urutan alur, atau pakai sopStep=\"-\" untuk langkah di luar SOP")))
    return problems


# ---------------------------------------------------------------- variables: a must-be-set dataflow
@dataclass
class Read:
    variable: str
    element: etree._Element  # where it is written (the finding's place)
    what: Text  # what reads it
    element_id: str


def _expression_names(source: str) -> set[str]:
    return set(names_in(source)) if source.strip() and not check_expression(source.strip()) else set()


def _script(source: str) -> tuple[set[str], set[str]]:
    """(reads before any assignment of the same name, names assigned) of an allowed script."""
    if not source.strip() or check_script(source.strip()):
        return set(), set()
    reads: set[str] = set()
    assigned: set[str] = set()
    for stmt in ast.parse(source.strip()).body:
        if isinstance(stmt, ast.Assign):
            reads |= {n.id for n in ast.walk(stmt.value) if isinstance(n, ast.Name)} - REGISTERED_FUNCTIONS - assigned
            assigned |= {t.id for t in stmt.targets if isinstance(t, ast.Name)}
    return reads, assigned


def _loop(node: etree._Element) -> tuple[str | None, str | None, str | None]:
    """(collection, item, output collection) of a multi-instance activity."""
    mi = node.find("bpmn:multiInstanceLoopCharacteristics", NS)
    if mi is None:
        return None, None, None
    item = mi.find("bpmn:inputDataItem", NS)
    return ((mi.findtext("bpmn:loopDataInputRef", "", NS) or "").strip() or None,
            (item.get("name") or item.get("id")) if item is not None else None,
            (mi.findtext("bpmn:loopDataOutputRef", "", NS) or "").strip() or None)


class Dataflow:
    """Which variables are surely set when control reaches each node (intersection over paths; a parallel join
    has all of its branches' data)."""

    def __init__(self, graph: Graph, tree: etree._ElementTree, forms: dict[str, Any]):
        self.graph, self.forms = graph, forms
        self.initial = set(rules.ENGINE_VARIABLES) | {
            d.get("name") or d.get("id") for d in graph.process.iterfind("bpmn:ioSpecification/bpmn:dataInput", NS)}
        self.sets = {n: self._sets(n) for n in graph.nodes}
        self.entry: dict[str, set[str] | None] = {n: None for n in graph.nodes}
        self.exit: dict[str, set[str] | None] = {n: None for n in graph.nodes}
        self._solve()

    def form_fields(self, node_id: str) -> set[str]:
        form = self.forms.get(properties(self.graph.nodes[node_id]).get(rules.FORM_PROPERTY, ""), {})
        return set(form.get("properties", {})) if isinstance(form, dict) else set()

    def _sets(self, node_id: str) -> set[str]:
        node, kind = self.graph.nodes[node_id], self.graph.kind(node_id)
        found: set[str] = set()
        collection, _, output = _loop(node)
        if kind == "userTask":
            action = properties(node).get(rules.ACTION_PROPERTY, "")
            if collection is None:
                found |= self.form_fields(node_id) | set(rules.ACTION_SETS.get(action, ()))
        if kind == "scriptTask":
            found |= _script(node.findtext("bpmn:script", "", NS) or "")[1]
        if output:
            found.add(output)
        for tag in ("preScript", "postScript"):
            found |= _script(node.findtext(f"bpmn:extensionElements/spiffworkflow:{tag}", "", NS) or "")[1]
        found |= {(v.text or "").strip() for v in node.iterfind(
            "bpmn:messageEventDefinition/bpmn:extensionElements/spiffworkflow:messageVariable", NS) if v.text}
        for association in node.iterfind("bpmn:dataOutputAssociation", NS):
            found |= self._data_object_names((association.findtext("bpmn:targetRef", "", NS) or "").strip())
        return found

    def _data_object_names(self, ref: str) -> set[str]:
        for element in self.graph.process.iter(BPMN + "dataObjectReference", BPMN + "dataObject"):
            if element.get("id") == ref:
                target = element.get("dataObjectRef")
                if target:
                    return self._data_object_names(target)
                return {element.get("id") or ""}
        return set()

    def _meet(self, values: list[set[str] | None], union: bool) -> set[str] | None:
        known = [v for v in values if v is not None]
        if not known:
            return None
        return set().union(*known) if union else set.intersection(*known)

    def _entry(self, node_id: str) -> set[str] | None:
        graph, node = self.graph, self.graph.nodes[node_id]
        kind, parent = graph.kind(node_id), graph.container(node_id)
        if kind == "boundaryEvent":
            return self.entry.get(node.get("attachedToRef", ""))
        if kind == "startEvent":
            if parent is graph.process or graph.is_event_subprocess(parent.get("id", "")):
                return set(self.initial)
            outer = self.entry.get(parent.get("id", ""))
            item = _loop(parent)[1]
            return None if outer is None else outer | ({item} if item else set())
        sources = [f.get("sourceRef") for f in graph.incoming[node_id]]
        sources += [t for t, n in graph.nodes.items() if graph.kind(t) == "intermediateThrowEvent"
                    and n.find("bpmn:linkEventDefinition", NS) is not None and node_id in graph.level_successors(t)]
        if not sources:
            return set(self.initial)
        return self._meet([self.exit[s] for s in sources], kind == "parallelGateway" and len(sources) > 1)

    def _exit(self, node_id: str) -> set[str] | None:
        entry = self.entry[node_id]
        if entry is None:
            return None
        if self.graph.kind(node_id) == "subProcess" and not self.graph.is_event_subprocess(node_id):
            ends = self.graph.ends(self.graph.nodes[node_id])
            inner = self._meet([self.exit[e] for e in ends], False) if ends else entry
            return None if inner is None else inner | self.sets[node_id]
        return entry | self.sets[node_id]

    def _solve(self) -> None:
        for _ in range(4 * len(self.graph.nodes) + 4):
            changed = False
            for node_id in self.graph.nodes:
                entry = self._entry(node_id)
                if entry != self.entry[node_id]:
                    self.entry[node_id], changed = entry, True
                out = self._exit(node_id)
                if out != self.exit[node_id]:
                    self.exit[node_id], changed = out, True
            if not changed:
                return

    def setters(self, variable: str) -> list[str]:
        return sorted(n for n, names in self.sets.items() if variable in names)

    def reads(self) -> Iterator[tuple[Read, set[str] | None]]:
        """Every read with the variables surely set where it happens."""
        graph = self.graph
        for node_id, node in graph.nodes.items():
            entry, kind = self.entry[node_id], graph.kind(node_id)
            collection, item, _ = _loop(node)
            props = properties(node) if kind == "userTask" else {}
            available = None if entry is None else entry | ({item} if item else set())
            pre_reads, pre_sets = _script(node.findtext("bpmn:extensionElements/spiffworkflow:preScript", "", NS)
                                          or "")
            for name in sorted(pre_reads):
                yield Read(name, node, N_("preScript"), node_id), available
            if available is not None:
                available = available | pre_sets
            for key in (rules.ASSIGNEE_PROPERTY, rules.DUE_DATE_PROPERTY, rules.SUBJECT_PROPERTY):
                if props.get(key, "").strip().isidentifier():
                    yield Read(props[key].strip(), node, Text(key), node_id), available
            for name in sorted(_expression_names(props.get(rules.DUE_EXPRESSION_PROPERTY, ""))):
                yield Read(name, node, Text(rules.DUE_EXPRESSION_PROPERTY), node_id), available
            if collection:
                yield Read(collection, node, N_("koleksi multi-instance"), node_id), entry
            for expression in node.iterfind("bpmn:multiInstanceLoopCharacteristics/bpmn:loopCardinality", NS):
                for name in sorted(_expression_names(expression.text or "")):
                    yield Read(name, expression, N_("loopCardinality"), node_id), entry
            if kind == "scriptTask":
                for name in sorted(_script(node.findtext("bpmn:script", "", NS) or "")[0]):
                    yield Read(name, node, N_("skrip"), node_id), available
            for timer in node.iterfind("bpmn:timerEventDefinition/*", NS):
                for name in sorted(_expression_names(timer.text or "")):
                    yield Read(name, timer, N_("timer"), node_id), available
            for payload in node.iterfind("bpmn:messageEventDefinition/bpmn:extensionElements/"
                                         "spiffworkflow:messagePayload", NS):
                for name in sorted(_expression_names(payload.text or "")):
                    yield Read(name, payload, N_("payload pesan"), node_id), available
            post_reads, _ = _script(node.findtext("bpmn:extensionElements/spiffworkflow:postScript", "", NS) or "")
            out = self.exit[node_id]
            for name in sorted(post_reads):
                yield Read(name, node, N_("postScript"), node_id), out
            for flow in graph.outgoing[node_id]:
                condition = flow.find("bpmn:conditionExpression", NS)
                if condition is not None:
                    for name in sorted(_expression_names(condition.text or "")):
                        yield Read(name, condition, N_("kondisi alur"), flow.get("id")), out


def variable_problems(graph: Graph, source: Source, forms: dict[str, Any], tree: etree._ElementTree) -> list[Problem]:
    """Every variable read is set on every path before the read (forms, scripts, actions, messages, data inputs)."""
    flow = Dataflow(graph, tree, forms)
    known = set().union(flow.initial, *flow.sets.values())
    problems = []
    for read, available in flow.reads():
        if available is None or read.variable in available:
            continue  # unreachable (the reachable rule says so), or set
        setters = flow.setters(read.variable)
        if setters:
            hint = N_("'{variable}' diisi oleh {setters}, tetapi tidak pada setiap jalur menuju '{element}'",
                      variable=read.variable, setters=setters, element=read.element_id)
        else:
            hint = did_you_mean(read.variable, known) or N_(
                "isi '{variable}' lewat field formulir, skrip ('{variable} = …'), atau data input sebelum elemen "
                "ini", variable=read.variable)
        problems.append(source.problem("variable-set", read.element, N_(
            "variabel '{variable}' dibaca oleh {what} sebelum diisi pada setiap jalur", variable=read.variable,
            what=read.what), hint, read.element_id))
    return problems


# ---------------------------------------------------------------- decisions: form values and gateway conditions
def _comparisons(tree: ast.AST) -> list[tuple[str, Any, ast.AST]]:
    """(variable, constant, node) of every ``name == c``, ``name != c``, ``name in (c, …)`` and ``c == name``."""
    found: list[tuple[str, Any, ast.AST]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare) or len(node.ops) != 1:
            continue
        left, right = node.left, node.comparators[0]
        if isinstance(right, ast.Name) and isinstance(left, ast.Constant):
            left, right = right, left
        if not isinstance(left, ast.Name):
            continue
        try:
            value = ast.literal_eval(right)
        except ValueError:
            continue
        for item in value if isinstance(value, (list, tuple, set)) else [value]:
            found.append((left.id, item, node))
    return found


def _may_hold(node: ast.AST, variable: str, value: Any) -> bool | None:
    """Three-valued: whether a condition holds when ``variable == value`` (None: cannot tell)."""
    if isinstance(node, ast.Expression):
        return _may_hold(node.body, variable, value)
    if isinstance(node, ast.BoolOp):
        results = [_may_hold(v, variable, value) for v in node.values]
        if isinstance(node.op, ast.And):
            return False if False in results else (None if None in results else True)
        return True if True in results else (None if None in results else False)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        inner = _may_hold(node.operand, variable, value)
        return None if inner is None else not inner
    found = _comparisons(node) if isinstance(node, ast.Compare) else []
    if not found or found[0][0] != variable:
        return None
    op = node.ops[0] if isinstance(node, ast.Compare) else None
    constants = {item for _, item, _ in found}
    if isinstance(op, (ast.Eq, ast.In)):
        return value in constants
    if isinstance(op, (ast.NotEq, ast.NotIn)):
        return value not in constants
    return None


def _deciders(graph: Graph, gateway: str) -> list[str]:
    """The user tasks that run last before a gateway (through other gateways and events only)."""
    found, seen, todo = [], set(), [gateway]
    while todo:
        node_id = todo.pop()
        for flow in graph.incoming.get(node_id, []):
            source = flow.get("sourceRef")
            if source in seen:
                continue
            seen.add(source)
            kind = graph.kind(source)
            if kind == "userTask":
                found.append(source)
            elif kind.endswith(("Gateway", "Event")) and kind not in ("startEvent", "boundaryEvent"):
                todo.append(source)
    return sorted(found)


def decision_problems(graph: Graph, source: Source, forms: dict[str, Any]) -> list[Problem]:
    """A condition tests only values the deciding form can produce; without a default flow, each value of a tested
    choice field is handled by some condition."""
    problems = []
    for gateway, node in graph.nodes.items():
        if graph.kind(gateway) not in ("exclusiveGateway", "inclusiveGateway"):
            continue
        choices: dict[str, list[Any]] = {}
        deciders = _deciders(graph, gateway)
        for task in deciders:
            form = forms.get(properties(graph.nodes[task]).get(rules.FORM_PROPERTY, ""), {})
            for field, schema in (form.get("properties", {}) if isinstance(form, dict) else {}).items():
                if isinstance(schema, dict) and isinstance(schema.get("enum"), list):
                    choices.setdefault(field, [])
                    choices[field] += [v for v in schema["enum"] if v not in choices[field]]
        conditions: list[tuple[etree._Element, ast.AST]] = []
        for flow in graph.outgoing[gateway]:
            element = flow.find("bpmn:conditionExpression", NS)
            text = (element.text or "").strip() if element is not None else ""
            if not text or check_expression(text):
                continue
            tree = ast.parse(text, mode="eval")
            conditions.append((flow, tree))
            for variable, value, _ in _comparisons(tree):
                if variable in choices and value not in choices[variable]:
                    problems.append(source.problem("decision", element, N_(
                        "kondisi menguji {variable} == {value!r}, tetapi formulir {tasks} hanya menghasilkan "
                        "{choices}", variable=variable, value=value, tasks=deciders,
                        choices=[repr(c) for c in choices[variable]]),
                        did_you_mean(str(value), [str(c) for c in choices[variable]]) or N_(
                            "ujilah salah satu nilai formulir: {choices}",
                            choices=[repr(c) for c in choices[variable]]), flow.get("id")))
        if node.get("default") or not conditions:
            continue
        tested = sorted({v for _, tree in conditions for v, _, _ in _comparisons(tree) if v in choices})
        for variable in tested:
            for value in choices[variable]:
                if all(_may_hold(tree, variable, value) is False for _, tree in conditions):
                    problems.append(source.problem("decision", node, N_(
                        "jawaban {variable} = {value!r} dari formulir tidak ditangani kondisi mana pun dan gateway "
                        "'{name}' tidak punya alur default", variable=variable, value=value,
                        name=node.get("name") or gateway), N_(
                        "tambahkan kondisi untuk {value!r} atau tandai satu alur keluar '{gateway}' sebagai default",
                        value=value, gateway=gateway)))
    return problems


# ---------------------------------------------------------------- durations: texts agree with the deadlines
def _days_of_call(node: ast.AST) -> int | None:
    """N of ``add_working_days(x, N)``."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "add_working_days"
            and len(node.args) == 2 and isinstance(node.args[1], ast.Constant) and isinstance(node.args[1].value, int)):
        return int(node.args[1].value)
    return None


def _expression_days(source: str, scripted: dict[str, int]) -> int | None:
    """The working days of a deadline expression: ``add_working_days(x, N)`` or a variable a script set so."""
    text = source.strip()
    if not text or check_expression(text):
        return None
    body = ast.parse(text, mode="eval").body
    if isinstance(body, ast.Name):
        return scripted.get(body.id)
    return _days_of_call(body)


def duration_problems(graph: Graph, source: Source) -> list[Problem]:
    """Every "N hari kerja" a name, documentation or mutuBakuWaktu states is one of the deadlines in force there:
    the element's own due date (``dueDate``, ``dueDateVariable``, else the time standard), the timer it is or that
    watches it (or its subprocess), the deadline a script computes, or the timer whose follow-up it is."""
    scripted: dict[str, int] = {}
    own: dict[str, set[int]] = {n: set() for n in graph.nodes}
    for node_id, node in graph.nodes.items():
        if graph.kind(node_id) == "scriptTask" and not check_script((node.findtext("bpmn:script", "", NS) or "x=1")):
            for stmt in ast.parse((node.findtext("bpmn:script", "", NS) or "").strip()).body:
                days = _days_of_call(stmt.value) if isinstance(stmt, ast.Assign) else None
                if days is not None and isinstance(stmt, ast.Assign) and isinstance(stmt.targets[0], ast.Name):
                    scripted[stmt.targets[0].id] = days
                    own[node_id].add(days)
    for node_id, node in graph.nodes.items():
        props = properties(node)
        if graph.kind(node_id) == "userTask":
            expression, variable = props.get(rules.DUE_EXPRESSION_PROPERTY, ""), props.get(rules.DUE_DATE_PROPERTY, "")
            standard = DAYS.match(props.get(rules.TIME_STANDARD_PROPERTY, "").strip())
            if variable.strip():
                days = scripted.get(variable.strip())
            elif expression.strip():
                days = _expression_days(expression, scripted)
            else:
                days = int(standard.group(1)) if standard else None
            if days is not None:
                own[node_id].add(days)
        for timer in node.iterfind("bpmn:timerEventDefinition/*", NS):
            days = _expression_days(timer.text or "", scripted)
            if days is not None:
                own[node_id].add(days)
    in_force = {n: set(days) for n, days in own.items()}
    for node_id, node in graph.nodes.items():
        if graph.kind(node_id) != "boundaryEvent" or not own[node_id]:
            continue
        watched = node.get("attachedToRef", "")
        inside = [watched] + [c.get("id") for c in graph.nodes[watched].iter() if c.get("id") in graph.nodes] \
            if watched in graph.nodes else []
        follow_up = _reach([node_id], {n: graph.level_successors(n) for n in graph.nodes})
        for other in set(inside) | follow_up:
            in_force[other] |= own[node_id]
    problems = []
    for node_id, node in graph.nodes.items():
        if not in_force[node_id]:
            continue
        texts = [(N_("nama elemen"), node.get("name") or ""),
                 (N_("dokumentasi elemen"), " ".join(node.findtext("bpmn:documentation", "", NS).split())),
                 (Text(rules.TIME_STANDARD_PROPERTY), properties(node).get(rules.TIME_STANDARD_PROPERTY, ""))]
        for label, text in texts:
            stated = sorted({int(d) for d in DAYS.findall(text)})
            if stated and not set(stated) & in_force[node_id]:
                deadline = sorted(in_force[node_id])
                problems.append(source.problem("duration", node, N_(
                    "{label} '{name}' menyebut {stated} hari kerja, tetapi batas waktu yang berlaku di sini adalah "
                    "{deadline} hari kerja", label=label, name=node.get("name") or node_id,
                    stated=[str(s) for s in stated], deadline=[str(d) for d in deadline]), N_(
                    "samakan teks dengan ekspresi batas waktu ({deadline} hari kerja), atau ubah ekspresinya",
                    deadline=[str(d) for d in deadline])))
    return problems


# ---------------------------------------------------------------- all graph rules, output
def graph_problems(tree: etree._ElementTree, source: Source, forms: dict[str, Any]) -> list[Problem]:
    """The rules that read the executable process as a graph (run once the XML is sound)."""
    problems = diagram_problems(tree, source)
    for process in tree.iter(BPMN + "process"):
        if process.get("isExecutable") != "true":
            continue
        graph = Graph(process)
        problems += lane_problems(graph, source) + reachable_problems(graph, source)
        problems += gateway_problems(graph, source) + decision_problems(graph, source, forms)
        problems += variable_problems(graph, source, forms, tree) + sop_step_problems(graph, source)
        problems += duration_problems(graph, source)
    return problems


def ordered(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, p.line or 0, p.column or 0, p.rule, str(p.message)))


def as_text(problem: Problem, lang: str) -> str:
    return problem.render(localize(problem.message, lang), localize(problem.hint, lang) if problem.hint else "")


def as_json(problem: Problem, lang: str) -> dict[str, Any]:
    return {"file": problem.file, "line": problem.line, "column": problem.column, "rule": problem.rule,
            "severity": problem.severity, "element": problem.element_id, "message": localize(problem.message, lang),
            "hint": localize(problem.hint, lang) if problem.hint else None}


def rules_table(lang: str = "en") -> str:
    """The README's table of rules (Markdown), generated from ``RULES``."""
    rows = ["| rule | severity | what it asks | example of a finding |", "|---|---|---|---|"]
    rows += [f"| `{r.id}` | {r.severity} | {localize(r.description, lang)} | {r.example} |" for r in RULES.values()]
    return "\n".join(rows)
