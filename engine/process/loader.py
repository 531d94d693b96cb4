"""Load and check a BPMN model: hardened XML parse, XSD, SpiffWorkflow parse, our own rules.

Every problem is reported as ``file:line: message [element id]`` so analysts can find it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from ..bpmn_xml import BPMN, BPMNDI, NS, SPIFF, Problem, executable_process, parse_xml, start_message
from . import rules
from .expressions import check_expression, check_script, names_in

EXPRESSION_TAGS = {
    BPMN + "conditionExpression", BPMN + "timeDate", BPMN + "timeDuration", BPMN + "timeCycle",
    BPMN + "loopCardinality", BPMN + "completionCondition", BPMN + "formalExpression",
    SPIFF + "messagePayload",
}
SCRIPT_TAGS = {BPMN + "script", SPIFF + "preScript", SPIFF + "postScript"}


@dataclass
class LoadedModel:
    """A checked model: the parsed specs plus the forms and SOP metadata that travel with it."""

    filename: str
    content: bytes
    process_id: str
    spec: Any
    subprocess_specs: dict[str, Any]
    forms: dict[str, Any]
    sop_metadata: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)
    start_message: str | None = None  # the message whose arrival starts an instance (another process throws it)


def _owner_id(element: etree._Element) -> str | None:
    """The id of the nearest ancestor that has one (the flow element an expression belongs to)."""
    node: etree._Element | None = element
    while node is not None:
        local = etree.QName(node).localname
        if node.get("id") and not local.endswith(("EventDefinition", "LoopCharacteristics")):
            return node.get("id")
        node = node.getparent()
    return None


def xsd_problems(tree: etree._ElementTree, filename: str) -> list[Problem]:
    """Validate against BPMN 2.0 XSD + spiffworkflow.xsd, reporting every error with its line."""
    VALIDATOR.preprocess(tree)
    schema = VALIDATOR.validator
    if schema.validate(tree):
        return []
    return [Problem(filename, err.line, err.message) for err in schema.error_log]


def expression_problems(tree: etree._ElementTree, filename: str) -> list[Problem]:
    """Check every expression and script against the allow-list."""
    problems: list[Problem] = []
    for element in tree.iter(*(EXPRESSION_TAGS | SCRIPT_TAGS)):
        source = (element.text or "").strip()
        if not source:
            continue
        check = check_script if element.tag in SCRIPT_TAGS else check_expression
        kind = "script" if element.tag in SCRIPT_TAGS else "expression"
        for reason in check(source):
            problems.append(Problem(filename, element.sourceline, f"{kind} rejected: {reason}", _owner_id(element)))
    return problems


def structure_problems(tree: etree._ElementTree, filename: str) -> list[Problem]:
    """Things the XSD and SpiffWorkflow let through: unsupported elements, dangling references."""
    problems: list[Problem] = []
    for tag, reason in rules.UNSUPPORTED_ELEMENTS.items():
        for element in tree.iter(BPMN + tag):
            problems.append(Problem(filename, element.sourceline, reason, element.get("id")))
    ids = {el.get("id") for el in tree.iter() if el.get("id")}
    for flow in tree.iter(BPMN + "sequenceFlow", BPMN + "messageFlow"):
        for ref in ("sourceRef", "targetRef"):
            if flow.get(ref) not in ids:
                message = f"{ref} '{flow.get(ref)}' does not exist"
                problems.append(Problem(filename, flow.sourceline, message, flow.get("id")))
    for script_task in tree.iter(BPMN + "scriptTask"):
        if script_task.get("scriptFormat", "python").lower() != "python":
            problems.append(Problem(filename, script_task.sourceline, "only python-style scripts are supported",
                                    script_task.get("id")))
    return problems


def _properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in element.iterfind(".//spiffworkflow:property", NS)}


def _lanes(tree: etree._ElementTree) -> dict[str, str]:
    return {ref.text.strip(): lane.get("name", "") for lane in tree.iter(BPMN + "lane")
            for ref in lane.iterfind("bpmn:flowNodeRef", NS) if ref.text}


def user_task_problems(tree: etree._ElementTree, filename: str, forms: dict[str, Any]) -> list[Problem]:
    """Each user task: a known lane, a form that exists and is a valid JSON Schema, known properties."""
    problems: list[Problem] = []
    lanes = _lanes(tree)
    for task in tree.iter(BPMN + "userTask"):
        task_id, line = task.get("id"), task.sourceline
        messages: list[str] = []
        add = messages.append
        lane = lanes.get(task_id)
        if lane not in rules.LANE_ROLES:
            add(f"user task is in lane {lane!r}, which maps to no role (known: {', '.join(rules.LANE_ROLES)})")
        props = _properties(task)
        form = props.get(rules.FORM_PROPERTY)
        if not form:
            add(f"user task has no {rules.FORM_PROPERTY} property")
        elif form not in forms:
            add(f"form file '{form}' not found in forms/")
        if props.get(rules.VIEW_PROPERTY, "") not in rules.VIEWS | {""}:
            add(f"unknown view '{props[rules.VIEW_PROPERTY]}'")
        if props.get(rules.PHASE_PROPERTY, "") not in (*rules.PHASES, ""):
            add(f"unknown campaignPhase '{props[rules.PHASE_PROPERTY]}' (known: {', '.join(rules.PHASES)})")
        if props.get(rules.ACTION_PROPERTY, "") not in rules.ACTIONS | {""}:
            add(f"unknown action '{props[rules.ACTION_PROPERTY]}'")
        for key in (rules.ASSIGNEE_PROPERTY, rules.DUE_DATE_PROPERTY, rules.SUBJECT_PROPERTY):
            if key in props and not props[key].isidentifier():
                add(f"{key} must be a variable name, got '{props[key]}'")
        if props.get(rules.CASE_FILE_PROPERTY, "").strip():
            messages += _case_file_problems(props[rules.CASE_FILE_PROPERTY], forms)
        if props.get(rules.DUE_EXPRESSION_PROPERTY, "").strip():
            messages += [f"{rules.DUE_EXPRESSION_PROPERTY} expression rejected: {reason}"
                         for reason in check_expression(props[rules.DUE_EXPRESSION_PROPERTY].strip())]
        problems.extend(Problem(filename, line, message, task_id) for message in messages)
    return problems


def _case_file_problems(spec: str, forms: dict[str, Any]) -> list[str]:
    """A ``caseFile`` may name only forms in forms/ and their fields."""
    problems = []
    for form, fields in rules.parse_case_file(spec).items():
        if form not in forms:
            problems.append(f"caseFile names form '{form}', which is not in forms/")
            continue
        unknown = [f for f in fields or () if f not in forms[form].get("properties", {})]
        if unknown:
            problems.append(f"caseFile names fields {', '.join(unknown)} that form '{form}' does not have")
    return problems


def load_forms(forms_dir: Path, filename: str) -> tuple[dict[str, Any], list[Problem]]:
    """Read every ``*.json`` form; each must be a valid draft 2020-12 JSON Schema."""
    forms: dict[str, Any] = {}
    problems: list[Problem] = []
    for path in sorted(forms_dir.glob("*.json")) if forms_dir.is_dir() else []:
        label = str(path)
        try:
            schema = json.loads(path.read_text(encoding="utf-8"))
            Draft202012Validator.check_schema(schema)
        except json.JSONDecodeError as exc:
            problems.append(Problem(label, exc.lineno, f"invalid JSON: {exc.msg}"))
            continue
        except SchemaError as exc:
            problems.append(Problem(label, None, f"invalid JSON Schema: {exc.message}"))
            continue
        problems += [Problem(label, None, message) for message in _rule_problems(schema)]
        forms[path.name] = schema
    return forms, problems


def _rule_problems(schema: dict[str, Any]) -> list[str]:
    """A form's cross-field rules (``x-rules``): each ``{rule, field, message}``, an allowed expression over the
    form's own fields, its message on one of them."""
    rules_, fields, problems = schema.get("x-rules", []), schema.get("properties", {}), []
    if not isinstance(rules_, list):
        return ["x-rules must be a list of {rule, field, message}"]
    for number, rule in enumerate(rules_, start=1):
        if not isinstance(rule, dict) or not all(isinstance(rule.get(k), str) for k in ("rule", "field", "message")):
            problems.append(f"x-rules #{number}: needs text 'rule', 'field' and 'message'")
            continue
        if not isinstance(rule.get("message-en", ""), str):
            problems.append(f"x-rules #{number}: 'message-en' must be text")
        reasons = check_expression(rule["rule"])
        problems += [f"x-rules #{number}: rule rejected: {reason}" for reason in reasons]
        unknown = [] if reasons else sorted(names_in(rule["rule"]) - set(fields))
        if rule["field"] not in fields or unknown:
            problems.append(f"x-rules #{number}: names a field the form does not have: "
                            f"{', '.join(unknown or [rule['field']])}")
    return problems


def spiff_parse(tree: etree._ElementTree, filename: str) -> tuple[Any, list[Problem]]:
    """Run SpiffWorkflow's parser on every executable process; return (parser, problems)."""
    parser = SpiffBpmnParser()
    line_of = {el.get("id"): el.sourceline for el in tree.iter() if el.get("id")}
    try:
        parser.add_bpmn_xml(tree, filename)
        executable = [p.get("id") for p in tree.iter(BPMN + "process") if p.get("isExecutable") == "true"]
        if not executable:
            return parser, [Problem(filename, None, "no executable process (isExecutable=\"true\")")]
        for process_id in executable:
            parser.get_spec(process_id)
    except ValidationException as exc:
        element_id = getattr(exc, "id", None) or None
        line = exc.line_number if isinstance(exc.line_number, int) else line_of.get(element_id)
        message = str(exc).strip().rstrip(".").strip()
        return parser, [Problem(filename, line, message, element_id)]
    return parser, []


def di_problems(tree: etree._ElementTree, filename: str) -> list[Problem]:
    """Every flow node, flow, lane and pool should be drawn (bpmn.io needs it; so do our docs)."""
    drawn = {el.get("bpmnElement") for el in tree.iter(BPMNDI + "BPMNShape", BPMNDI + "BPMNEdge")}
    kinds = ("participant", "lane", "sequenceFlow", "messageFlow", "startEvent", "endEvent", "boundaryEvent",
             "intermediateThrowEvent", "intermediateCatchEvent", "userTask", "scriptTask", "manualTask", "task",
             "sendTask", "receiveTask", "subProcess", "exclusiveGateway", "parallelGateway",
             "inclusiveGateway", "eventBasedGateway")
    return [Problem(filename, el.sourceline, "element has no diagram shape/edge (BPMNDI)", el.get("id"), "warning")
            for el in tree.iter(*(BPMN + k for k in kinds)) if el.get("id") not in drawn]


def check_model(content: bytes, filename: str, forms_dir: Path | None) -> tuple[LoadedModel | None, list[Problem]]:
    """All checks in order; a model is returned only when there is no error."""
    tree, problems = parse_xml(content, filename)
    if tree is None:
        return None, problems
    problems += xsd_problems(tree, filename)
    forms, form_problems = load_forms(forms_dir, filename) if forms_dir else ({}, [])
    problems += form_problems + expression_problems(tree, filename) + structure_problems(tree, filename)
    problems += user_task_problems(tree, filename, forms) + di_problems(tree, filename)
    if any(p.severity == "error" for p in problems):
        return None, problems
    parser, parse_problems = spiff_parse(tree, filename)
    problems += parse_problems
    if parse_problems:
        return None, problems
    process = executable_process(tree)
    process_id = process.get("id", "") if process is not None else ""
    spec, subprocess_specs = parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    return LoadedModel(filename, content, process_id, spec, subprocess_specs, forms, {}, problems,
                       start_message(tree)), problems


def load_model_file(path: Path) -> tuple[LoadedModel | None, list[Problem]]:
    """Check a model file, its ``forms/`` directory and its ``<name>.sop.json`` sidecar."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        return None, [Problem(str(path), None, f"cannot read file: {exc.strerror}")]
    model, problems = check_model(content, str(path), path.parent / "forms")
    sidecar = path.with_suffix(".sop.json")
    if model is not None and sidecar.exists():
        try:
            model.sop_metadata = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(sidecar), exc.lineno, f"invalid JSON: {exc.msg}"))
            return None, problems
    return model, problems
