"""Tests of the process model files: the BPMN of SOP LIP20-0008, its forms and the SOP sidecar.

They check RULES, not a snapshot of today's file:

* what the engine relies on (``engine.process.rules``, the loader's lint, the campaign actions, the ``x-role``
  convention of ``engine.forms``): known views, actions and phases; variables set before they are read;
  assignees picked by the role of the lane; decisions that route every answer of their form; messages that
  connect the requester with the KLIP process; forms that follow our conventions;
* what ties the model to the SOP itself: its steps 1–10, its actors as lanes, its sentences as documentation,
  the 5-working-day report deadline, the parallel work of the agents, the return loops of steps 3, 7 and 8;
* the quality of the drawing: shapes in their lanes, no overlaps, orthogonal edges, every element drawn.

An analyst may rename ids and messages, move shapes, re-point a due date to an earlier date, add a step with its
own form or leave a Mutu Baku value empty; the last section shows that such edits keep the rules passing while
broken copies of the model (edited in a tmp dir) fail the rule they break.
"""
from __future__ import annotations

import ast
import itertools
import json
import keyword
import re
import shutil
from collections.abc import Callable, Iterable
from functools import cached_property
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from engine import tasks
from engine.campaign.services import ASSIGNMENT_VIEW
from engine.campaign.services import DATA_MESSAGE as START_MESSAGE
from engine.process import load_model_file, rules
from engine.process.expressions import REGISTERED_FUNCTIONS

BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"
BPMN_FILE = BPMN_DIR / "lip20-0008.bpmn"
FORMS_DIR = BPMN_DIR / "forms"
SIDECAR = BPMN_FILE.with_suffix(".sop.json")

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
FLOW_NODE_TAGS = (
    "startEvent", "endEvent", "intermediateThrowEvent", "intermediateCatchEvent", "boundaryEvent",
    "userTask", "scriptTask", "serviceTask", "sendTask", "receiveTask", "manualTask", "task",
    "subProcess", "callActivity", "exclusiveGateway", "parallelGateway", "inclusiveGateway",
    "eventBasedGateway",
)
CATCH_EVENTS = ("startEvent", "intermediateCatchEvent", "boundaryEvent")
THROW_EVENTS = ("intermediateThrowEvent", "endEvent")
DRAFT_2020_12 = "https://json-schema.org/draft/2020-12/schema"

# --- the SOP
# The actors of the SOP's flowchart; the lanes carry exactly these names.
SOP_ACTORS = {"Kepala Kantor", "Kepala Seksi Operasional", "Pelaksana Seksi Operasional", "Agen",
              "Seksi Penjaminan Kualitas Layanan"}
SOP_STEPS = [str(n) for n in range(1, 11)]
# The follow-up of a late report: system behaviour the SOP does not describe, so not a step of its document.
SOP_DEADLINE_STEP = "-"
SOP_PROPERTIES = ("sopStep", "mutuBakuKelengkapan", "mutuBakuWaktu", "mutuBakuOutput")  # read by engine.sopdoc

# --- the engine
ENGINE_PROPERTIES = rules.TASK_PROPERTIES
KNOWN_VALUES = {rules.VIEW_PROPERTY: rules.VIEWS, rules.ACTION_PROPERTY: rules.ACTIONS & set(tasks.ACTIONS),
                rules.PHASE_PROPERTY: set(rules.PHASES)}
ROLES = set(rules.LANE_ROLES.values())
ENGINE_VARIABLES = frozenset({"campaign_id"})  # set by engine.process.runtime.start_instance before the start
DECISION_FIELD, NOTE_FIELD = "keputusan", "catatan"  # an approval's choice and what to fix when returning work
ESCALATION_ROLES = "untuk_peran"  # message payload key: the roles engine.process.runtime notifies
AGENTS_FIELD = "agen"  # engine.campaign.actions distribute_contacts reads the chosen agents from this field
SIGN_DECISION = "tandatangani"  # engine.campaign.actions sign_report signs only on this decision
ACTION_ORDER = (  # (earlier, later): the later action needs the earlier one's work on every path
    ("distribute_contacts", "finish_assignment"),  # agents finish the contacts distributed to them
    ("draft_report", "sign_report"),  # the Kepala Kantor signs the drafted report
    ("sign_report", "send_report"),  # only a signed report is sent
)


# ---------------------------------------------------------------- reading the model
def xp(node, path: str) -> list:
    return node.xpath(path, namespaces=NS)


def one(node, path: str):
    found = xp(node, path)
    assert len(found) == 1, f"{path}: expected one match, got {len(found)}"
    return found[0]


def local(node) -> str:
    return etree.QName(node).localname


def is_flow_node(element) -> bool:
    return (isinstance(element.tag, str) and etree.QName(element).namespace == NS["bpmn"]
            and local(element) in FLOW_NODE_TAGS)


def loaded_names(tree: ast.AST) -> set[str]:
    """The variables an expression reads (the registered functions it calls are not variables)."""
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} \
        - REGISTERED_FUNCTIONS


class Model:
    """One BPMN file with its ``forms/`` folder, indexed for the rules.

    XML only (lxml), so that a broken copy still loads and the rules can say what is wrong with it.
    """

    def __init__(self, path: Path):
        self.path = path
        self.root = etree.parse(str(path)).getroot()
        self.process = one(self.root, "//bpmn:process[@isExecutable='true']")
        self.nodes = {n.get("id"): n for n in self.process.iter() if is_flow_node(n)}
        self.flows = {f.get("id"): f for f in xp(self.process, ".//bpmn:sequenceFlow")}
        self.lane_of = {ref.text.strip(): lane.get("name") for lane in xp(self.process, ".//bpmn:lane")
                        for ref in xp(lane, "./bpmn:flowNodeRef")}

    # -- elements
    @property
    def forms_dir(self) -> Path:
        return self.path.parent / "forms"

    def kind(self, node_id: str) -> str:
        return local(self.nodes[node_id])

    def of_kind(self, *kinds: str) -> list[str]:
        return [i for i in self.nodes if self.kind(i) in kinds]

    @property
    def user_tasks(self) -> list[str]:
        return self.of_kind("userTask")

    def props(self, node_id: str) -> dict[str, str]:
        path = "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property"
        return {p.get("name"): p.get("value", "") for p in xp(self.nodes[node_id], path)}

    def documentation(self, node_id: str) -> str:
        return " ".join((self.nodes[node_id].findtext("bpmn:documentation", "", NS)).split())

    def step(self, number: str) -> str:
        """The element that carries the SOP step ``number`` (its sopStep property)."""
        found = [i for i in self.nodes if self.props(i).get("sopStep") == number]
        assert len(found) == 1, f"SOP step {number}: expected one element, got {found}"
        return found[0]

    def form(self, node_id: str) -> dict[str, Any]:
        filename = self.props(node_id).get(rules.FORM_PROPERTY)
        return json.loads((self.forms_dir / filename).read_text(encoding="utf-8")) if filename else {}

    def form_fields(self) -> dict[str, list[tuple[str, dict[str, Any]]]]:
        """Field name → (user task, field schema) of every form field in the model."""
        fields: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        for task in self.user_tasks:
            for name, prop in self.form(task).get("properties", {}).items():
                fields.setdefault(name, []).append((task, prop))
        return fields

    def outgoing(self, node_id: str) -> list:
        return [f for f in self.flows.values() if f.get("sourceRef") == node_id]

    def incoming(self, node_id: str) -> list:
        return [f for f in self.flows.values() if f.get("targetRef") == node_id]

    def loop(self, node_id: str) -> tuple[str | None, str | None]:
        """(collection, item) of a multi-instance task, named as SpiffWorkflow names them; else (None, None)."""
        mi = xp(self.nodes[node_id], "./bpmn:multiInstanceLoopCharacteristics")
        if not mi:
            return None, None
        collection = mi[0].findtext("bpmn:loopDataInputRef", None, NS)
        item = xp(mi[0], "./bpmn:inputDataItem/@id")
        return (collection.strip() if collection else None), (item[0] if item else None)

    # -- control flow
    @cached_property
    def starts(self) -> set[str]:
        return {n.get("id") for n in xp(self.process, "./bpmn:startEvent")}

    @cached_property
    def successors(self) -> dict[str, set[str]]:
        """Where control can go next: along sequence flows, into a subprocess and out through its end events,
        and from an activity to the boundary events attached to it."""
        graph: dict[str, set[str]] = {i: set() for i in self.nodes}
        for flow in self.flows.values():
            graph[flow.get("sourceRef")].add(flow.get("targetRef"))
        for sub in self.of_kind("subProcess"):
            exits, graph[sub] = graph[sub], {c.get("id") for c in xp(self.nodes[sub], "./bpmn:startEvent")}
            for end in xp(self.nodes[sub], "./bpmn:endEvent"):
                graph[end.get("id")] |= exits
        for boundary in self.of_kind("boundaryEvent"):
            graph[self.nodes[boundary].get("attachedToRef")].add(boundary)
        return graph

    def reachable(self, sources: Iterable[str], blocked: Iterable[str] = ()) -> set[str]:
        blocked = set(blocked)
        seen: set[str] = set()
        todo = [s for s in sources if s not in blocked]
        while todo:
            node = todo.pop()
            if node not in seen:
                seen.add(node)
                todo.extend(n for n in self.successors[node] if n not in blocked)
        return seen

    def always_after(self, node_id: str, earlier: Iterable[str]) -> bool:
        """Whether every path from the start to ``node_id`` passes one of the ``earlier`` elements."""
        return node_id not in self.reachable(self.starts, set(earlier) - {node_id})

    def next_steps(self, node_id: str) -> set[str]:
        """The numbered SOP steps reached first from ``node_id`` (its own, if it has one)."""
        found, seen, todo = set(), set(), [node_id]
        while todo:
            node = todo.pop()
            if node in seen:
                continue
            seen.add(node)
            step = self.props(node).get("sopStep", "")
            if step.isdigit():
                found.add(step)
            else:
                todo.extend(self.successors[node])
        return found

    # -- data
    def sets(self, node_id: str) -> set[str]:
        """The variables an element surely sets: required form fields, script assignments, message variables."""
        element, kind = self.nodes[node_id], self.kind(node_id)
        if kind == "userTask":
            return set(self.form(node_id).get("required", []))
        if kind == "scriptTask":
            body = ast.parse(element.findtext("bpmn:script", "", NS).strip()).body
            return {t.id for stmt in body if isinstance(stmt, ast.Assign) for t in stmt.targets
                    if isinstance(t, ast.Name)}
        return {v.text.strip() for v in xp(element, "./bpmn:messageEventDefinition//spiffworkflow:messageVariable")}

    def reads(self, node_id: str) -> set[str]:
        """The variables an element needs when it runs (gateway conditions: see ``decision_routes``)."""
        element, props = self.nodes[node_id], self.props(node_id)
        found = {props[p] for p in (rules.ASSIGNEE_PROPERTY, rules.DUE_DATE_PROPERTY) if props.get(p)}
        collection, _ = self.loop(node_id)
        if collection:
            found.add(collection)
        for expression in xp(element, "./bpmn:timerEventDefinition/* | .//spiffworkflow:messagePayload"):
            found |= loaded_names(ast.parse(expression.text.strip(), mode="eval"))
        assigned: set[str] = set()
        for stmt in ast.parse(element.findtext("bpmn:script", "", NS).strip()).body:
            found |= loaded_names(stmt) - assigned
            assigned |= {t.id for t in getattr(stmt, "targets", []) if isinstance(t, ast.Name)}
        return found

    def is_set_before(self, node_id: str, variable: str) -> bool:
        """Whether ``variable`` is set on every path from the start to ``node_id``."""
        if variable in ENGINE_VARIABLES or variable == self.loop(node_id)[1]:
            return True
        return self.always_after(node_id, {n for n in self.nodes if variable in self.sets(n)})

    # -- decisions
    def deciding_task(self, gateway: str) -> str | None:
        """The user task whose form a decision gateway reads: its one predecessor."""
        sources = [f.get("sourceRef") for f in self.incoming(gateway)]
        return sources[0] if len(sources) == 1 and self.kind(sources[0]) == "userTask" else None

    def returns(self, gateway: str, flow_id: str) -> bool:
        """Whether a gateway's flow sends the work back: to an element before the deciding task."""
        task, target = self.deciding_task(gateway), self.flows[flow_id].get("targetRef")
        return task in self.reachable({target}) and not self.always_after(target, {task})

    def decision_gateways(self) -> list[str]:
        return [g for g in self.of_kind("exclusiveGateway") if len(self.outgoing(g)) > 1]

    def gateway_after(self, task: str) -> str:
        targets = [f.get("targetRef") for f in self.outgoing(task)]
        assert len(targets) == 1 and self.kind(targets[0]) == "exclusiveGateway", f"no decision after {task}"
        return targets[0]


# ---------------------------------------------------------------- decisions: the answers of a form and their flows
CONDITION_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare, ast.Eq,
                   ast.NotEq, ast.In, ast.NotIn, ast.Name, ast.Load, ast.Constant, ast.Tuple, ast.List)
ABSENT = object()  # a form field left out of an answer


class FieldLeftOut(Exception):
    """A condition reads a field the answer does not contain (the engine would fail on it)."""


def comparisons(tree: ast.AST) -> list[tuple[str, Any]]:
    """(field, value) of every ``field == value`` / ``field in (values)`` in a condition."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            values = ast.literal_eval(node.comparators[0])
            for value in values if isinstance(values, (tuple, list)) else [values]:
                found.append((node.left.id, value))
    return found


def condition_shape_problems(tree: ast.AST) -> list[str]:
    """A decision condition compares form fields with constants, joined by and/or/not."""
    for node in ast.walk(tree):
        if not isinstance(node, CONDITION_NODES):
            return [f"{type(node).__name__} in a decision condition"]
        if isinstance(node, ast.Compare) and (
                len(node.ops) != 1 or not isinstance(node.left, ast.Name)
                or not isinstance(node.comparators[0], (ast.Constant, ast.Tuple, ast.List))):
            return [f"'{ast.unparse(node)}' is not a comparison of a form field with a value"]
    return []


def holds(node: ast.AST, answer: dict[str, Any]) -> bool:
    """Evaluate a condition (of the shape above) on a form answer, short-circuiting like the engine."""
    if isinstance(node, ast.Expression):
        return holds(node.body, answer)
    if isinstance(node, ast.BoolOp):
        combine = all if isinstance(node.op, ast.And) else any
        return combine(holds(value, answer) for value in node.values)
    if isinstance(node, ast.UnaryOp):
        return not holds(node.operand, answer)
    assert isinstance(node, ast.Compare) and isinstance(node.left, ast.Name)
    if node.left.id not in answer:
        raise FieldLeftOut(node.left.id)
    value, other, op = answer[node.left.id], ast.literal_eval(node.comparators[0]), node.ops[0]
    if isinstance(op, (ast.In, ast.NotIn)):
        return (value in other) == isinstance(op, ast.In)
    return (value == other) == isinstance(op, ast.Eq)


def answer_allowed(validator: Draft202012Validator, answer: dict[str, Any], decided: set[str]) -> bool:
    """Whether the form accepts an answer to its choice fields once its other required fields are filled in."""
    for error in validator.iter_errors(answer):
        if error.validator != "required" or {n for n in error.validator_value if n not in answer} & decided:
            return False
    return True


def decision_routes(model: Model, gateway: str) -> tuple[list[tuple[dict[str, Any], str]], list[str]]:
    """Every answer the deciding form allows with the flow it takes; and what is wrong with the gateway."""
    where = f"gateway {gateway}"
    task = model.deciding_task(gateway)
    if task is None:
        return [], [f"{where}: must directly follow the one user task whose form decides"]
    schema = model.form(task)
    fields = schema.get("properties", {})
    if "enum" not in fields.get(DECISION_FIELD, {}):
        return [], [f"{where}: the form of {task} has no '{DECISION_FIELD}' choice"]
    default, conditions, problems = model.nodes[gateway].get("default"), {}, []
    for flow in model.outgoing(gateway):
        flow_id, text = flow.get("id"), (flow.findtext("bpmn:conditionExpression", "", NS) or "").strip()
        if flow_id == default:
            problems += [f"{where}: its default flow {flow_id} has a condition"] if text else []
            continue
        if not text:
            problems.append(f"{where}: {flow_id} has no condition and is not the default")
            continue
        tree = ast.parse(text, mode="eval")
        shape = condition_shape_problems(tree)
        problems += [f"{where}: {flow_id}: {p}" for p in shape]
        if shape:
            continue
        if DECISION_FIELD not in {name for name, _ in comparisons(tree)}:
            problems.append(f"{where}: {flow_id} does not read '{DECISION_FIELD}'")
        for name, value in comparisons(tree):
            if value not in fields.get(name, {}).get("enum", []):
                problems.append(f"{where}: {flow_id} compares {name} with {value!r}, not a choice of {task}'s form")
        conditions[flow_id] = tree
    if problems:
        return [], problems

    decided = sorted({DECISION_FIELD} | {name for tree in conditions.values() for name, _ in comparisons(tree)})
    validator = Draft202012Validator(schema)
    routes = []
    for values in itertools.product(*[[*fields[name]["enum"], ABSENT] for name in decided]):
        answer = {name: value for name, value in zip(decided, values, strict=True) if value is not ABSENT}
        if not answer_allowed(validator, answer, set(decided)):
            continue
        try:
            taken = [flow_id for flow_id, tree in conditions.items() if holds(tree, answer)]
        except FieldLeftOut as exc:
            problems.append(f"{where}: a condition reads '{exc}', which the answer {answer} may leave out")
            continue
        if len(taken) > 1:
            problems.append(f"{where}: the answer {answer} matches several flows {taken}")
        elif taken or default:
            routes.append((answer, taken[0] if taken else default))
        else:
            problems.append(f"{where}: no flow for the answer {answer} and no default flow")
    for flow in model.outgoing(gateway):
        decisions = {answer[DECISION_FIELD] for answer, flow_id in routes if flow_id == flow.get("id")}
        if not decisions:
            problems.append(f"{where}: no answer of {task}'s form takes {flow.get('id')}")
        elif len(decisions) > 1:
            problems.append(f"{where}: {flow.get('id')} is taken for different decisions {sorted(decisions)}")
    return routes, problems


def field_errors(validator: Draft202012Validator, data: dict[str, Any], field: str) -> list[str]:
    """The form's complaints about one field (missing or invalid)."""
    return [e.message for e in validator.iter_errors(data)
            if (e.validator == "required" and field in e.validator_value and field not in data)
            or (e.path and e.path[0] == field)]


# ---------------------------------------------------------------- the rules (each returns what breaks it)
def property_problems(model: Model) -> list[str]:
    """Properties are ones the engine or the SOP document reads, with values the engine knows, where it reads them."""
    problems = []
    for node_id in model.nodes:
        props = model.props(node_id)
        for name, value in props.items():
            if name not in ENGINE_PROPERTIES + SOP_PROPERTIES:
                problems.append(f"{node_id}: property {name!r} is read by nobody")
            elif name in ENGINE_PROPERTIES and model.kind(node_id) != "userTask":
                problems.append(f"{node_id}: the engine reads {name!r} on user tasks only")
            elif name in KNOWN_VALUES and value not in KNOWN_VALUES[name]:
                problems.append(f"{node_id}: unknown {name} {value!r} (known: {sorted(KNOWN_VALUES[name])})")
        spans_steps = model.kind(node_id) == "subProcess" and set(props) == {"mutuBakuWaktu"}  # e.g. steps 6-8
        if any(name.startswith("mutuBaku") for name in props) and "sopStep" not in props and not spans_steps:
            problems.append(f"{node_id}: Mutu Baku without a sopStep is not printed in the SOP document")
    problems += [f"{task}: user task without a form" for task in model.user_tasks
                 if not model.props(task).get(rules.FORM_PROPERTY)]
    return problems


def variable_problems(model: Model) -> list[str]:
    """Every variable a task, event or script reads is set on every path before it (form field, script, message)."""
    return [f"{node_id} reads {variable!r}, which is not set on every path before it"
            for node_id in model.nodes for variable in sorted(model.reads(node_id))
            if not model.is_set_before(node_id, variable)]


def assignee_problems(model: Model) -> list[str]:
    """An assignee is picked in a form field whose x-role is the role of the task's lane (one user, or an array
    of users for a multi-instance task over them); engine.forms checks the picked users hold that role."""
    problems, fields = [], model.form_fields()
    for task in model.user_tasks:
        variable = model.props(task).get(rules.ASSIGNEE_PROPERTY)
        if not variable:
            continue
        collection, item = model.loop(task)
        field, shape = (collection, "array") if variable == item else (variable, "string")
        role = rules.LANE_ROLES.get(model.lane_of.get(task, ""))
        if not fields.get(field):
            problems.append(f"{task}: its assignee {variable!r} is not picked in any form")
        for source, prop in fields.get(field, []):
            if prop.get("x-role") != role:
                problems.append(f"{task} (role {role}): {source}'s field {field!r} has x-role {prop.get('x-role')!r}")
            if prop.get("type") != shape:
                problems.append(f"{task}: {source}'s field {field!r} should be a {shape} of users")
    return problems


def due_date_problems(model: Model) -> list[str]:
    """A due date is a date: a form field of format date/date-time, or a script's computed deadline."""
    problems, fields = [], model.form_fields()
    scripted = set().union(*(model.sets(s) for s in model.of_kind("scriptTask")))
    for task in model.user_tasks:
        variable = model.props(task).get(rules.DUE_DATE_PROPERTY)
        if not variable:
            continue
        if not fields.get(variable) and variable not in scripted:
            problems.append(f"{task}: its due date {variable!r} is neither a form field nor set by a script")
        for source, prop in fields.get(variable, []):
            if prop.get("format") not in ("date", "date-time"):
                problems.append(f"{task}: its due date is {source}'s field {variable!r}, which is not a date")
    return problems


def action_problems(model: Model) -> list[str]:
    """Each domain action finds what engine.campaign.actions needs: earlier actions done, its form's fields."""
    problems = []
    by_action: dict[str, list[str]] = {}
    for task in model.user_tasks:
        by_action.setdefault(model.props(task).get(rules.ACTION_PROPERTY, ""), []).append(task)
    for earlier, later in ACTION_ORDER:
        for task in by_action.get(later, []):
            if not model.always_after(task, by_action.get(earlier, [])):
                problems.append(f"{task} ({later}) can be reached without {earlier} before it")
    for task in by_action.get("distribute_contacts", []):
        form = model.form(task)
        agents = form.get("properties", {}).get(AGENTS_FIELD, {})
        if AGENTS_FIELD not in form.get("required", []) or agents.get("type") != "array" \
                or agents.get("x-role") != rules.LANE_ROLES["Agen"]:
            problems.append(f"{task}: distribute_contacts needs a required array of agents '{AGENTS_FIELD}'")
    for task in by_action.get("sign_report", []):
        if SIGN_DECISION not in model.form(task).get("properties", {}).get(DECISION_FIELD, {}).get("enum", []):
            problems.append(f"{task}: sign_report signs on {DECISION_FIELD} == {SIGN_DECISION!r}, not offered")
    for task in model.user_tasks:
        props = model.props(task)
        if (props.get(rules.ACTION_PROPERTY) == "finish_assignment" or props.get(rules.VIEW_PROPERTY)
                == ASSIGNMENT_VIEW) and not props.get(rules.ASSIGNEE_PROPERTY):
            problems.append(f"{task}: an agent's assignment is found by its assignee, but it has none")
    return problems


def decision_problems(model: Model) -> list[str]:
    """Each decision gateway follows the task whose form decides; its conditions compare the form's choices with
    values of their enum; every allowed answer takes exactly one flow (or the default), one decision per flow."""
    return [p for gateway in model.decision_gateways() for p in decision_routes(model, gateway)[1]]


def return_note_problems(model: Model) -> list[str]:
    """An answer that sends the work back requires a non-blank catatan (what to fix); going forward does not.

    Checked by validating answers against the form, so it holds whatever the enum's values and however the
    schema's conditional (if/then) is written."""
    problems = []
    for gateway in model.decision_gateways():
        task = model.deciding_task(gateway)
        routes, _ = decision_routes(model, gateway)
        if not routes:
            continue
        form = Draft202012Validator(model.form(task), format_checker=Draft202012Validator.FORMAT_CHECKER)
        for answer, flow_id in routes:
            if not model.returns(gateway, flow_id):
                if field_errors(form, answer, NOTE_FIELD):
                    problems.append(f"{task}: the answer {answer} goes forward but requires {NOTE_FIELD}")
                continue
            if not field_errors(form, answer, NOTE_FIELD):
                problems.append(f"{task}: the answer {answer} returns the work without a required {NOTE_FIELD}")
            if not field_errors(form, {**answer, NOTE_FIELD: "   "}, NOTE_FIELD):
                problems.append(f"{task}: the answer {answer} returns the work with a blank {NOTE_FIELD}")
            if not form.is_valid({**answer, NOTE_FIELD: "Perbaiki angka rekapitulasi."}):
                problems.append(f"{task}: the answer {answer} cannot return the work even with a {NOTE_FIELD}")
    return problems


def message_problems(model: Model) -> list[str]:
    """Message events name declared messages; message flows connect the requester pool with message events of
    the KLIP process; a message start waits for the message the engine sends; escalations notify known roles."""
    problems = []
    declared = {m.get("id"): m.get("name") for m in xp(model.root, "/bpmn:definitions/bpmn:message")}
    events = {d.getparent().get("id"): d for d in xp(model.process, ".//bpmn:messageEventDefinition")}
    for event, definition in events.items():
        if definition.get("messageRef") not in declared:
            problems.append(f"{event}: message {definition.get('messageRef')!r} is not declared")
        elif event in model.starts and declared[definition.get("messageRef")] != START_MESSAGE:
            problems.append(f"{event}: starts on {declared[definition.get('messageRef')]!r}, "
                            f"the engine sends {START_MESSAGE!r}")
    used = {d.get("messageRef") for d in events.values()}
    problems += [f"message {m} is declared but no event uses it" for m in sorted(declared.keys() - used)]

    requester = {p.get("id") for p in xp(model.root, "//bpmn:participant[not(@processRef)]")}
    for flow in xp(model.root, "//bpmn:messageFlow"):
        source, target = flow.get("sourceRef"), flow.get("targetRef")
        event, kinds = (target, CATCH_EVENTS) if source in requester else (source, THROW_EVENTS)
        if (source in requester) == (target in requester):
            problems.append(f"{flow.get('id')}: does not connect the requester pool with the process")
        elif event not in events or model.kind(event) not in kinds:
            problems.append(f"{flow.get('id')}: {event} is not a message {'/'.join(kinds)} of the process")

    for event, definition in events.items():
        for payload in xp(definition, ".//spiffworkflow:messagePayload"):
            body = ast.parse(payload.text.strip(), mode="eval").body
            for key, value in zip(getattr(body, "keys", []), getattr(body, "values", []), strict=True):
                if isinstance(key, ast.Constant) and key.value == ESCALATION_ROLES:
                    unknown = set(ast.literal_eval(value)) - ROLES
                    problems += [f"{event}: notifies unknown roles {sorted(unknown)}"] if unknown else []
    return problems


def form_problems(model: Model) -> list[str]:
    """Each user task's form is a draft 2020-12 object schema following our conventions; every form is used (by
    a task of this model or of another model in its folder: the folder's models share forms/)."""
    used = {model.props(t).get(rules.FORM_PROPERTY) for t in model.user_tasks} - {None, ""}
    elsewhere = {p.get("value") for other in model.path.parent.glob("*.bpmn") if other != model.path
                 for p in xp(etree.parse(str(other)).getroot(), "//spiffworkflow:property[@name='"
                             + rules.FORM_PROPERTY + "']")}
    files = {p.name for p in model.forms_dir.glob("*.json")}
    problems = [f"form {name} is used but missing" for name in sorted(used - files)]
    problems += [f"form {name} is used by no task" for name in sorted(files - used - elsewhere)]
    for name in sorted(used & files):
        problems += [f"{name}: {p}" for p in schema_problems(json.loads((model.forms_dir / name).read_text("utf-8")))]
    return problems


def schema_problems(schema: dict[str, Any]) -> list[str]:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        return [f"not a JSON Schema: {exc.message}"]
    problems = []
    if schema.get("$schema") != DRAFT_2020_12:
        problems.append("not declared as draft 2020-12")
    if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
        problems.append("must be an object with additionalProperties false")
    if not (schema.get("title") and schema.get("x-title-en")):
        problems.append("needs a title and an English title (x-title-en)")
    fields = schema.get("properties", {})
    required = [*schema.get("required", []), *schema.get("then", {}).get("required", []),
                *schema.get("else", {}).get("required", [])]
    problems += [f"requires {name!r}, which it does not define" for name in required if name not in fields]
    for name, prop in fields.items():
        if not name.isidentifier() or keyword.iskeyword(name) or name.startswith("_"):
            problems.append(f"{name!r} cannot be read in an expression")
        if name in REGISTERED_FUNCTIONS | ENGINE_VARIABLES:
            problems.append(f"{name!r} would shadow a registered function or an engine variable")
        if not (prop.get("title") and prop.get("x-title-en")):
            problems.append(f"{name!r} needs a title and an English title (x-title-en)")
        if "enum" in prop and set(prop.get("x-enum-titles", {})) != set(prop["enum"]):
            problems.append(f"{name!r}: x-enum-titles must title exactly its enum")
        if "x-role" in prop:
            items = prop.get("items", {}) if prop.get("type") == "array" else prop
            if prop["x-role"] not in ROLES or items.get("type") != "string":
                problems.append(f"{name!r}: x-role must be a known role on a string or an array of strings")
        plain_text = prop.get("type") == "string" and not {"format", "enum", "const"} & prop.keys()
        if name in schema.get("required", []) and plain_text and not prop.get("minLength", 0) >= 1:
            problems.append(f"{name!r} is required but may be left empty (minLength)")
    return problems


MODEL_RULES: dict[str, Callable[[Model], list[str]]] = {
    "properties": property_problems,
    "variables": variable_problems,
    "assignees": assignee_problems,
    "due dates": due_date_problems,
    "actions": action_problems,
    "decisions": decision_problems,
    "return notes": return_note_problems,
    "messages": message_problems,
    "forms": form_problems,
}


# ---------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def model() -> Model:
    return Model(BPMN_FILE)


@pytest.fixture(scope="module")
def sop() -> dict[str, Any]:
    return json.loads(SIDECAR.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def specs(model) -> dict[str, Any]:
    """SpiffWorkflow's task specs of the process and its subprocesses, by name (the BPMN id for BPMN elements)."""
    parser = SpiffBpmnParser(validator=VALIDATOR)  # validates against the BPMN and spiffworkflow XSDs
    parser.add_bpmn_file(str(model.path))
    process_id = model.process.get("id")
    found = dict(parser.get_spec(process_id).task_specs)
    for sub in parser.get_subprocess_specs(process_id).values():
        found.update(sub.task_specs)
    return found


def sop_report_days(sop: dict[str, Any]) -> int:
    """The SOP's deadline for the report: "paling lama 5 (lima) hari kerja" in its Jangka Waktu Penyelesaian."""
    days = [int(d) for line in sop["jangka_waktu"] for d in re.findall(r"paling lama (\d+) \(\w+\) hari kerja", line)]
    assert len(days) == 1, sop["jangka_waktu"]
    return days[0]


# ---------------------------------------------------------------- the engine accepts the model
def test_the_engine_loads_the_model_without_any_problem():
    """The loader's lint: XSD, SpiffWorkflow parse, expression allow-list, lanes → roles, forms, known
    views/actions/phases, diagram interchange. Not even a warning."""
    loaded, problems = load_model_file(BPMN_FILE)
    assert [str(p) for p in problems] == []
    assert loaded is not None


def test_spiffworkflow_parses_every_element(model, specs):
    assert set(model.nodes) - set(specs) == set()


def test_parsed_tasks_carry_the_lane_they_are_drawn_in(model, specs):
    """The task index takes a task's role from its parsed lane; a subprocess's children keep their own lanes.
    A multi-instance task's users work its instances, its ``[child]`` spec."""
    for node_id in model.nodes:
        expected = None if model.kind(node_id) == "subProcess" else model.lane_of[node_id]
        worked = specs[specs[node_id].task_spec] if model.loop(node_id)[0] else specs[node_id]
        assert worked.lane == expected, node_id
    for task in model.user_tasks:
        assert model.lane_of[task] in rules.LANE_ROLES, task


# ---------------------------------------------------------------- the engine's rules
def test_properties_are_read_by_the_engine_or_the_sop_document(model):
    assert property_problems(model) == []


def test_variables_are_set_before_they_are_read(model):
    """assigneeVariable, dueDateVariable, multi-instance collections, timers, message payloads, scripts."""
    assert variable_problems(model) == []


def test_assignees_are_picked_by_the_role_of_their_lane(model):
    assert assignee_problems(model) == []


def test_due_dates_are_dates(model):
    assert due_date_problems(model) == []


def test_actions_find_what_they_need(model):
    assert action_problems(model) == []


def test_decisions_route_every_answer_of_their_form(model):
    assert model.decision_gateways(), "the SOP's approvals are decisions"
    assert decision_problems(model) == []


def test_returning_work_requires_a_note(model):
    assert return_note_problems(model) == []


def test_messages_connect_the_requester_with_the_process(model):
    assert message_problems(model) == []


def test_spiffworkflow_resolves_every_message_event(model, specs):
    declared = {m.get("id"): m.get("name") for m in xp(model.root, "/bpmn:definitions/bpmn:message")}
    for definition in xp(model.process, ".//bpmn:messageEventDefinition"):
        event = definition.getparent().get("id")
        assert specs[event].event_definition.name == declared[definition.get("messageRef")], event


def test_forms_follow_our_conventions(model):
    assert form_problems(model) == []


def test_sequence_flows_match_incoming_and_outgoing(model):
    for flow_id, flow in model.flows.items():
        source, target = model.nodes[flow.get("sourceRef")], model.nodes[flow.get("targetRef")]
        assert [o.text for o in xp(source, "./bpmn:outgoing")].count(flow_id) == 1, flow_id
        assert [i.text for i in xp(target, "./bpmn:incoming")].count(flow_id) == 1, flow_id
    for node in model.nodes.values():
        for ref in xp(node, "./bpmn:incoming | ./bpmn:outgoing"):
            assert ref.text in model.flows, ref.text


def test_every_flow_node_lies_in_exactly_one_lane_except_subprocesses(model):
    refs = [ref.text for ref in xp(model.process, ".//bpmn:lane/bpmn:flowNodeRef")]
    subprocesses = set(model.of_kind("subProcess"))

    assert len(refs) == len(set(refs)), "a node is listed in two lanes"
    assert not subprocesses & set(refs), "its children would inherit the subprocess's lane"
    assert set(refs) == set(model.nodes) - subprocesses


# ---------------------------------------------------------------- ties to the SOP
def test_the_executable_process_is_the_sops_procedure(model, sop):
    assert len(xp(model.root, "//bpmn:process[@isExecutable='true']")) == 1
    assert model.process.get("name").casefold() == sop["judul"].casefold()
    pool = one(model.root, f"//bpmn:participant[@processRef='{model.process.get('id')}']")
    assert local(pool.getparent()) == "collaboration"


def test_lanes_carry_exactly_the_sop_actor_names(model, sop):
    names = [lane.get("name") for lane in xp(model.process, ".//bpmn:lane")]
    assert sorted(names) == sorted(SOP_ACTORS)
    assert set(names) <= set(rules.LANE_ROLES), "each lane maps to the role that works it"
    parties = " ".join(sop["pihak_terkait"]).casefold()
    assert [n for n in names if n.casefold() not in parties] == [], "a lane is not a party of the SOP"


def test_sop_steps_1_to_10_are_numbered_once_each(model):
    steps = [model.props(n).get("sopStep") for n in model.nodes if "sopStep" in model.props(n)]
    assert sorted((s for s in steps if s.isdigit()), key=int) == SOP_STEPS
    assert {s for s in steps if not s.isdigit()} <= {SOP_DEADLINE_STEP}
    assert all(model.kind(model.step(n)) == "userTask" for n in SOP_STEPS[:-1]), "someone does steps 1-9"

    end = model.step(SOP_STEPS[-1])
    assert model.kind(end) == "endEvent" and model.nodes[end].getparent() is model.process
    assert model.documentation(end) == "Proses selesai."


def test_the_start_event_receives_the_sop_input(model, sop):
    (start,) = model.starts
    assert all(item.casefold() in model.documentation(start).casefold() for item in sop["input"])


def test_user_tasks_carry_the_sop_sentence_of_their_lane_actor(model):
    """The SOP sentence of a step names its actor first: the task is in that actor's lane."""
    for task in model.user_tasks:
        text = model.documentation(task)
        assert text, f"{task} has no documentation"
        if "sopStep" in model.props(task):
            first = min(((text.find(actor), actor) for actor in SOP_ACTORS if actor in text), default=(0, None))[1]
            assert first == model.lane_of[task], f"{task}: the SOP gives it to {first}"


def test_sop_sentences_are_the_task_documentation(model):
    first, delivery = model.documentation(model.step("1")), model.documentation(model.step("9"))
    assert first.startswith("Setelah Kepala Seksi Operasional menerima")
    assert first.endswith("membuat konsep rencana kerja penyampaian informasi perpajakan.")
    assert delivery.startswith("Pelaksana Seksi Penjaminan Kualitas Layanan menyampaikan")
    assert delivery.endswith("dengan menggunakan SOP Penyampaian Dokumen di KLIP.")
    assert "paling lama 5 (lima) hari kerja sejak Pekerjaan Penyampaian Informasi Perpajakan selesai" in \
        model.documentation(model.step(SOP_DEADLINE_STEP))


def test_the_requester_is_a_black_box_party_of_the_sop(model, sop):
    """The requesting unit sends the SOP's input (it starts the process) and receives its output."""
    (pool,) = xp(model.root, "//bpmn:participant[not(@processRef)]")
    assert pool.get("name").casefold() in " ".join(sop["pihak_terkait"]).casefold()
    flows = xp(model.root, "//bpmn:messageFlow")
    assert any(f.get("sourceRef") == pool.get("id") and f.get("targetRef") in model.starts for f in flows)
    assert any(f.get("targetRef") == pool.get("id") and f.get("sourceRef") in model.nodes for f in flows)


def test_step_5_is_a_parallel_multi_instance_over_the_agents_chosen_in_step_4(model, specs):
    task = model.step("5")
    mi = one(model.nodes[task], "./bpmn:multiInstanceLoopCharacteristics")
    assert mi.get("isSequential") in (None, "false")  # bpmn.io omits the default (parallel) when saving
    collection, item = model.loop(task)
    assert model.props(task)[rules.ASSIGNEE_PROPERTY] == item, "each agent gets their own task"

    chooser = model.form(model.step("4"))
    agents = chooser["properties"][collection]
    assert collection in chooser["required"]
    assert (agents["type"], agents["x-role"]) == ("array", rules.LANE_ROLES[model.lane_of[task]])
    assert agents["minItems"] >= 1 and agents["uniqueItems"] is True, "at least one agent, each once"

    spec = specs[task]
    assert type(spec).__name__ == "ParallelMultiInstanceTask"
    assert (spec.data_input.bpmn_id, spec.input_item.bpmn_id) == (collection, item)


def test_the_report_deadline_is_5_working_days_after_step_5(model, specs, sop):
    """Jangka Waktu Penyelesaian: the report (steps 6-8) is due N working days after the agents' work ends; the
    timer does not stop the report, it starts the SOP's follow-up of the delay."""
    container = model.nodes[model.step("6")].getparent()
    assert local(container) == "subProcess"
    inside = [model.props(n.get("id")).get("sopStep") for n in container.iter() if is_flow_node(n)]
    assert sorted(s for s in inside if s) == ["6", "7", "8"]

    (timer,) = [b for b in model.of_kind("boundaryEvent") if model.nodes[b].get("attachedToRef") ==
                container.get("id") and xp(model.nodes[b], "./bpmn:timerEventDefinition")]
    assert model.nodes[timer].get("cancelActivity") == "false"
    assert specs[timer].cancel_activity is False
    assert type(specs[timer].event_definition).__name__ == "TimeDateEventDefinition"
    variable = one(model.nodes[timer], "./bpmn:timerEventDefinition/bpmn:timeDate").text.strip()
    assert variable.isidentifier()
    assert model.is_set_before(container.get("id"), variable)

    (script,) = [s for s in model.of_kind("scriptTask") if variable in model.sets(s)]
    assert model.always_after(script, {model.step("5")}), "the clock starts when the agents' work is done"
    assigned = {stmt.targets[0].id: stmt.value for stmt in ast.parse(model.nodes[script].findtext(
        "bpmn:script", "", NS).strip()).body}
    call = assigned[variable]
    assert ast.unparse(call.func) == "add_working_days"
    start, days = call.args
    start = assigned.get(start.id, start) if isinstance(start, ast.Name) else start
    assert ast.unparse(start) == "now()"
    assert ast.literal_eval(days) == sop_report_days(sop)

    assert model.step(SOP_DEADLINE_STEP) in model.reachable({timer}), "the delay is followed up"


@pytest.mark.parametrize("step, back_to", [("3", {"2"}), ("7", {"6"}), ("8", {"6", "7"})])
def test_sop_return_loops(model, step, back_to):
    """Steps 3, 7 and 8 may send the work back: 3 → 2, 7 → 6, 8 → 6 or 7."""
    gateway = model.gateway_after(model.step(step))
    routes, problems = decision_routes(model, gateway)
    assert problems == []
    returned = {back for _, flow_id in routes if model.returns(gateway, flow_id)
                for back in model.next_steps(model.flows[flow_id].get("targetRef"))}
    assert returned == back_to


def test_sidecar_holds_the_sop_header(sop):
    list_keys = ("dasar_hukum", "surat_edaran", "pihak_terkait", "input", "output", "jangka_waktu")
    assert {"nomor", "revisi", "tanggal", "kementerian", "direktorat", "judul", "deskripsi", "pengesahan",
            *list_keys} <= set(sop)
    assert (sop["nomor"], sop["revisi"], sop["tanggal"]) == ("LIP20-0008", "1", "24 November 2014")
    assert sop["kementerian"] == "Kementerian Keuangan Republik Indonesia"
    assert sop["direktorat"] == "Direktorat Jenderal Pajak"
    assert sop["judul"] and sop["deskripsi"]
    for key in list_keys:
        assert isinstance(sop[key], list) and sop[key] and all(isinstance(s, str) and s for s in sop[key]), key
    assert len(sop["pihak_terkait"]) == 6
    assert sop["pengesahan"] == {"disahkan_oleh": "Direktur Jenderal", "jabatan": "Sekretaris Direktorat Jenderal",
                                 "nama": "Awan Nurmawan Nuh", "nip": "196809261993101001"}


# ---------------------------------------------------------------- diagram interchange
def bounds(root, element_id: str) -> tuple[float, float, float, float]:
    b = one(root, f"//bpmndi:BPMNShape[@bpmnElement='{element_id}']/dc:Bounds")
    return tuple(float(b.get(k)) for k in ("x", "y", "width", "height"))


def waypoints(root, element_id: str) -> list[tuple[float, float]]:
    edge = one(root, f"//bpmndi:BPMNEdge[@bpmnElement='{element_id}']")
    return [(float(w.get("x")), float(w.get("y"))) for w in xp(edge, "./di:waypoint")]


def inside(inner, outer) -> bool:
    x, y, w, h = inner
    ox, oy, ow, oh = outer
    return ox <= x and oy <= y and x + w <= ox + ow and y + h <= oy + oh


def overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def on_border(point, box, tolerance: float = 0.5) -> bool:
    px, py = point
    x, y, w, h = box
    within_x = x - tolerance <= px <= x + w + tolerance
    within_y = y - tolerance <= py <= y + h + tolerance
    on_vertical = within_y and (abs(px - x) <= tolerance or abs(px - x - w) <= tolerance)
    on_horizontal = within_x and (abs(py - y) <= tolerance or abs(py - y - h) <= tolerance)
    return on_vertical or on_horizontal


def test_every_element_has_a_shape_or_an_edge(model):
    root = model.root
    shaped = {s.get("bpmnElement") for s in xp(root, "//bpmndi:BPMNShape")}
    edged = {e.get("bpmnElement") for e in xp(root, "//bpmndi:BPMNEdge")}
    needs_shape = set(model.nodes) | {n.get("id") for n in xp(root, "//bpmn:lane | //bpmn:participant")}
    needs_edge = {f.get("id") for f in xp(root, "//bpmn:sequenceFlow | //bpmn:messageFlow")}

    assert needs_shape - shaped == set()
    assert needs_edge - edged == set()
    assert one(root, "//bpmndi:BPMNPlane").get("bpmnElement") == one(root, "//bpmn:collaboration").get("id")


def test_lanes_are_stacked_inside_their_pool(model):
    pool = one(model.root, f"//bpmn:participant[@processRef='{model.process.get('id')}']").get("id")
    lanes = [lane.get("id") for lane in xp(model.process, ".//bpmn:lane")]
    for lane in lanes:
        assert inside(bounds(model.root, lane), bounds(model.root, pool)), lane
    for a, b in itertools.combinations(lanes, 2):
        assert not overlap(bounds(model.root, a), bounds(model.root, b)), f"{a} overlaps {b}"


def test_node_shapes_lie_within_their_lane(model):
    for lane in xp(model.process, ".//bpmn:lane"):
        for ref in xp(lane, "./bpmn:flowNodeRef"):
            assert inside(bounds(model.root, ref.text), bounds(model.root, lane.get("id"))), \
                f"{ref.text} is drawn outside {lane.get('name')}"


def test_subprocesses_are_expanded_around_their_children(model):
    for sub in model.of_kind("subProcess"):
        assert one(model.root, f"//bpmndi:BPMNShape[@bpmnElement='{sub}']").get("isExpanded") == "true"
        for child in model.nodes[sub]:
            if is_flow_node(child):
                assert inside(bounds(model.root, child.get("id")), bounds(model.root, sub)), child.get("id")


def test_boundary_events_sit_on_their_activitys_border(model):
    for boundary in model.of_kind("boundaryEvent"):
        x, y, w, h = bounds(model.root, boundary)
        centre = (x + w / 2, y + h / 2)
        assert on_border(centre, bounds(model.root, model.nodes[boundary].get("attachedToRef"))), boundary


def test_edges_are_orthogonal_and_dock_on_their_shapes(model):
    for flow in xp(model.root, "//bpmn:sequenceFlow | //bpmn:messageFlow"):
        flow_id = flow.get("id")
        points = waypoints(model.root, flow_id)
        assert len(points) >= 2, flow_id
        for (x1, y1), (x2, y2) in pairwise(points):
            assert x1 == x2 or y1 == y2, f"{flow_id} has a diagonal segment"
        assert on_border(points[0], bounds(model.root, flow.get("sourceRef"))), f"{flow_id} does not leave its source"
        assert on_border(points[-1], bounds(model.root, flow.get("targetRef"))), f"{flow_id} does not reach its target"


def test_node_shapes_do_not_overlap(model):
    """Containers (subprocesses) hold shapes and boundary events sit on their activity; nothing else touches."""
    ids = [i for i in model.nodes if model.kind(i) != "subProcess"]
    attached = {(b, model.nodes[b].get("attachedToRef")) for b in model.of_kind("boundaryEvent")}
    for a, b in itertools.combinations(ids, 2):
        if (a, b) not in attached and (b, a) not in attached:
            assert not overlap(bounds(model.root, a), bounds(model.root, b)), f"{a} overlaps {b}"


def test_labels_are_placed_for_events_gateways_and_named_flows(model):
    root = model.root
    for node_id in model.nodes:
        if model.kind(node_id).endswith(("Event", "Gateway")):
            assert xp(root, f"//bpmndi:BPMNShape[@bpmnElement='{node_id}']/bpmndi:BPMNLabel/dc:Bounds"), node_id
    for flow in xp(root, "//bpmn:sequenceFlow[@name] | //bpmn:messageFlow[@name]"):
        assert xp(root, f"//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']/bpmndi:BPMNLabel/dc:Bounds"), \
            flow.get("id")


# ---------------------------------------------------------------- the rules bite: edited copies in a tmp dir
def edited_copy(tmp_path: Path, edit: Callable[[Model], None]) -> Model:
    """A copy of the models, their forms and sidecars in ``tmp_path``; the SOP's own changed by ``edit`` (never
    the real files)."""
    shutil.copytree(BPMN_DIR, tmp_path, dirs_exist_ok=True)
    path = tmp_path / BPMN_FILE.name
    copy = Model(path)
    edit(copy)
    etree.ElementTree(copy.root).write(str(path), xml_declaration=True, encoding="UTF-8")
    return Model(path)


def set_property(model: Model, node_id: str, name: str, value: str | None) -> None:
    """Set (or with None remove) a spiffworkflow property of an element."""
    prop = one(model.nodes[node_id], f".//spiffworkflow:property[@name='{name}']")
    if value is None:
        prop.getparent().remove(prop)
    else:
        prop.set("value", value)


def edit_form(model: Model, task: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = model.forms_dir / model.props(task)[rules.FORM_PROPERTY]
    schema = json.loads(path.read_text(encoding="utf-8"))
    change(schema)
    path.write_text(json.dumps(schema, ensure_ascii=False, indent=2), encoding="utf-8")


def bpmn(tag: str, **attributes: str):
    return etree.Element(etree.QName(NS["bpmn"], tag), **attributes)


# -- edits an analyst may make
def rename_every_message(model: Model) -> None:
    """New ids for all messages; new names for those the engine does not send itself."""
    for message in xp(model.root, "/bpmn:definitions/bpmn:message"):
        old = message.get("id")
        message.set("id", f"{old}_baru")
        if message.get("name") != START_MESSAGE:
            message.set("name", f"{message.get('name')}_baru")
        for definition in xp(model.root, f"//bpmn:messageEventDefinition[@messageRef='{old}']"):
            definition.set("messageRef", f"{old}_baru")


def due_date_on_another_earlier_date(model: Model) -> None:
    """Step 5 falls due on another required date of the work plan (step 2), e.g. its start date."""
    task, plan = model.step("5"), model.form(model.step("2"))
    current = model.props(task)[rules.DUE_DATE_PROPERTY]
    other = next(name for name, prop in plan["properties"].items()
                 if prop.get("format") == "date" and name in plan["required"] and name != current)
    set_property(model, task, rules.DUE_DATE_PROPERTY, other)


def empty_every_mutu_baku(model: Model) -> None:
    for prop in xp(model.process, ".//spiffworkflow:property[starts-with(@name, 'mutuBaku')]"):
        prop.set("value", "")


def other_decision_values(model: Model) -> None:
    """Step 3's form says "disetujui" instead of its forward value; the condition follows."""
    gateway = model.gateway_after(model.step("3"))
    (flow,) = [f for f in model.outgoing(gateway) if f.find("bpmn:conditionExpression", NS) is not None]
    condition = flow.find("bpmn:conditionExpression", NS)
    ((_, old),) = comparisons(ast.parse(condition.text, mode="eval"))
    condition.text = condition.text.replace(f'"{old}"', '"disetujui"')

    def rename(schema: dict[str, Any]) -> None:
        choice = schema["properties"][DECISION_FIELD]
        choice["enum"] = ["disetujui" if v == old else v for v in choice["enum"]]
        choice["x-enum-titles"]["disetujui"] = choice["x-enum-titles"].pop(old)
    edit_form(model, model.step("3"), rename)


def add_a_step_with_its_own_form(model: Model) -> None:
    """The Kasi checks the uploaded data before step 1 (a new user task, a new form, drawn, and marked
    sopStep="-": a step the SOP document leaves out)."""
    start = next(iter(model.starts))
    (flow,) = model.outgoing(start)
    step_1 = flow.get("targetRef")
    task = bpmn("userTask", id="periksa_data", name="Memeriksa data layanan")
    etree.SubElement(task, etree.QName(NS["bpmn"], "documentation")).text = \
        "Kepala Seksi Operasional memeriksa kelengkapan data layanan penyampaian informasi."
    properties = etree.SubElement(etree.SubElement(task, etree.QName(NS["bpmn"], "extensionElements")),
                                  etree.QName(NS["spiffworkflow"], "properties"))
    etree.SubElement(properties, etree.QName(NS["spiffworkflow"], "property"), name=rules.FORM_PROPERTY,
                     value="periksa-data.json")
    etree.SubElement(properties, etree.QName(NS["spiffworkflow"], "property"), name="sopStep", value="-")
    etree.SubElement(task, etree.QName(NS["bpmn"], "incoming")).text = flow.get("id")
    etree.SubElement(task, etree.QName(NS["bpmn"], "outgoing")).text = "flow_periksa_data"
    model.nodes[start].addnext(task)
    flow.set("targetRef", "periksa_data")
    model.flows[flow.get("id")].addnext(bpmn("sequenceFlow", id="flow_periksa_data", sourceRef="periksa_data",
                                             targetRef=step_1))
    one(model.nodes[step_1], f"./bpmn:incoming[text()='{flow.get('id')}']").text = "flow_periksa_data"
    lane = one(model.process, f".//bpmn:lane[bpmn:flowNodeRef[text()='{start}']]")
    etree.SubElement(lane, etree.QName(NS["bpmn"], "flowNodeRef")).text = "periksa_data"
    plane = one(model.root, "//bpmndi:BPMNPlane")
    shape = etree.SubElement(plane, etree.QName(NS["bpmndi"], "BPMNShape"), id="periksa_data_di",
                             bpmnElement="periksa_data")
    etree.SubElement(shape, etree.QName(NS["dc"], "Bounds"), x="0", y="0", width="100", height="80")
    edge = etree.SubElement(plane, etree.QName(NS["bpmndi"], "BPMNEdge"), id="flow_periksa_data_di",
                            bpmnElement="flow_periksa_data")
    for x in ("100", "200"):
        etree.SubElement(edge, etree.QName(NS["di"], "waypoint"), x=x, y="40")
    (model.forms_dir / "periksa-data.json").write_text(json.dumps({
        "$schema": DRAFT_2020_12, "title": "Pemeriksaan Data Layanan", "x-title-en": "Service data check",
        "type": "object", "additionalProperties": False, "required": ["data_lengkap"],
        "properties": {"data_lengkap": {"type": "boolean", "title": "Data lengkap", "x-title-en": "Data complete"}},
    }), encoding="utf-8")


LEGITIMATE_EDITS = [rename_every_message, due_date_on_another_earlier_date, empty_every_mutu_baku,
                    other_decision_values, add_a_step_with_its_own_form]


@pytest.mark.parametrize("edit", LEGITIMATE_EDITS, ids=lambda e: e.__name__)
def test_legitimate_edits_keep_every_rule(tmp_path, edit):
    edited = edited_copy(tmp_path, edit)
    assert {name: rule(edited) for name, rule in MODEL_RULES.items() if rule(edited)} == {}
    _, lint = load_model_file(edited.path)
    assert [str(p) for p in lint if p.severity == "error"] == []


# -- edits that break the model, and the rule that catches each
def due_date_computed_after_the_task(model: Model) -> None:
    """Step 5 falls due on the report deadline, which is computed only when step 5 is done."""
    timer = one(model.process, ".//bpmn:boundaryEvent/bpmn:timerEventDefinition/bpmn:timeDate")
    set_property(model, model.step("5"), rules.DUE_DATE_PROPERTY, timer.text.strip())


def decision_on_a_value_the_form_lacks(model: Model) -> None:
    gateway = model.gateway_after(model.step("3"))
    condition = next(f.find("bpmn:conditionExpression", NS) for f in model.outgoing(gateway)
                     if f.find("bpmn:conditionExpression", NS) is not None)
    condition.text = f'{DECISION_FIELD} == "diterima"'


def assignee_picked_from_another_role(model: Model) -> None:
    """The form naming step 2's assignee offers users of another role than step 2's lane."""
    task = model.step("2")
    variable, lane_role = model.props(task)[rules.ASSIGNEE_PROPERTY], rules.LANE_ROLES[model.lane_of[task]]
    (source,) = [t for t in model.user_tasks if variable in model.form(t).get("properties", {})]
    other = sorted(ROLES - {lane_role})[0]
    edit_form(model, source, lambda schema: schema["properties"][variable].update({"x-role": other}))


def return_without_a_note(model: Model) -> None:
    """Step 7's form drops its "catatan when returning" conditional."""
    def drop_conditional(schema: dict[str, Any]) -> None:
        for key in ("if", "then", "else"):
            schema.pop(key, None)
    edit_form(model, model.step("7"), drop_conditional)


def undeclared_message(model: Model) -> None:
    definition = next(d for d in xp(model.process, ".//bpmn:messageEventDefinition")
                      if d.getparent().get("id") not in model.starts)
    definition.set("messageRef", "msg_tidak_ada")


def unknown_view(model: Model) -> None:
    task = next(t for t in model.user_tasks if model.props(t).get(rules.VIEW_PROPERTY))
    set_property(model, task, rules.VIEW_PROPERTY, "report_preview")


def report_sent_unsigned(model: Model) -> None:
    """Nobody signs the report any more before it is sent."""
    (task,) = [t for t in model.user_tasks if model.props(t).get(rules.ACTION_PROPERTY) == "sign_report"]
    set_property(model, task, rules.ACTION_PROPERTY, None)


@pytest.mark.parametrize("edit, rule", [
    (due_date_computed_after_the_task, variable_problems),
    (decision_on_a_value_the_form_lacks, decision_problems),
    (assignee_picked_from_another_role, assignee_problems),
    (return_without_a_note, return_note_problems),
    (undeclared_message, message_problems),
    (unknown_view, property_problems),
    (report_sent_unsigned, action_problems),
], ids=lambda v: v.__name__)
def test_broken_copies_fail_the_rule_they_break(tmp_path, edit, rule):
    assert rule(Model(BPMN_FILE)) == []
    assert rule(edited_copy(tmp_path, edit)) != []
