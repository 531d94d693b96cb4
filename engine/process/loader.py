"""Load and check a BPMN model: hardened XML parse, XSD, SpiffWorkflow parse, our own rules.

Every problem is reported as ``file:line:column: rule: message [element id] — hint`` so analysts can find it;
the rules are listed, each once, in ``engine.process.lint.RULES``.
"""
from __future__ import annotations

import ast
import functools
import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from lxml import etree
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

from ..bpmn_xml import BPMN, NS, SPIFF, Problem, executable_process, parse_xml, start_message
from ..i18n import N_, Text
from . import lint, rules
from .expressions import REGISTERED_FUNCTIONS, check_expression, check_script, names_in

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
    """Validate against BPMN 2.0 XSD + spiffworkflow.xsd, reporting every error with its line and column."""
    VALIDATOR.preprocess(tree)
    schema = VALIDATOR.validator
    if schema.validate(tree):
        return []
    return [Problem(filename, err.line, N_("tidak sah menurut XSD: {reason}", reason=err.message), rule="xsd",
                    column=err.column or None) for err in schema.error_log]


def _function_hint(source: str) -> Text | None:
    """For a call to an unknown function: the closest registered one and the list of all of them."""
    try:
        tree = ast.parse(source.strip(), mode="exec")
    except (SyntaxError, RecursionError, MemoryError, ValueError):
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id not in REGISTERED_FUNCTIONS:
            close = lint.suggest(node.func.id, REGISTERED_FUNCTIONS)
            allowed = sorted(REGISTERED_FUNCTIONS)
            if close:
                return N_("maksud Anda '{suggestion}'? Fungsi yang diizinkan: {functions}", suggestion=close,
                          functions=allowed)
            return N_("fungsi yang diizinkan: {functions}", functions=allowed)
    return None


def expression_problems(tree: etree._ElementTree, source: lint.Source) -> list[Problem]:
    """Check every expression and script (and every dueDate expression) against the allow-list."""
    problems: list[Problem] = []
    for element in tree.iter(*(EXPRESSION_TAGS | SCRIPT_TAGS)):
        text = (element.text or "").strip()
        if not text:
            continue
        is_script = element.tag in SCRIPT_TAGS
        for reason in (check_script if is_script else check_expression)(text):
            message = N_("skrip ditolak: {reason}", reason=reason) if is_script else \
                N_("ekspresi ditolak: {reason}", reason=reason)
            problems.append(source.problem("expression", element, message, _function_hint(text), _owner_id(element)))
    for task in tree.iter(BPMN + "userTask"):
        expression = _properties(task).get(rules.DUE_EXPRESSION_PROPERTY, "").strip()
        for reason in check_expression(expression) if expression else ():
            problems.append(source.problem("expression", task, N_(
                "ekspresi {property} ditolak: {reason}", property=rules.DUE_EXPRESSION_PROPERTY, reason=reason),
                _function_hint(expression)))
    return problems


def structure_problems(tree: etree._ElementTree, source: lint.Source) -> list[Problem]:
    """Things the XSD and SpiffWorkflow let through: unsupported elements, dangling references."""
    problems: list[Problem] = []
    for tag, reason in rules.UNSUPPORTED_ELEMENTS.items():
        for element in tree.iter(BPMN + tag):
            problems.append(source.problem("unsupported", element, reason, N_(
                "pakai user task, script task, atau subprocess di dalam proses yang sama")))
    ids = {el.get("id") for el in tree.iter() if el.get("id")}
    for flow in tree.iter(BPMN + "sequenceFlow", BPMN + "messageFlow"):
        for ref in ("sourceRef", "targetRef"):
            if flow.get(ref) not in ids:
                problems.append(source.problem("reference", flow, N_(
                    "{ref} '{target}' tidak ada di model", ref=ref, target=flow.get(ref) or ""),
                    lint.did_you_mean(flow.get(ref) or "", ids)))
    for script_task in tree.iter(BPMN + "scriptTask"):
        if script_task.get("scriptFormat", "python").lower() != "python":
            problems.append(source.problem("unsupported", script_task, N_(
                "hanya skrip berformat python yang didukung"), N_("pakai scriptFormat=\"python\"")))
    return problems


def _properties(element: etree._Element) -> dict[str, str]:
    return {p.get("name"): p.get("value", "") for p in element.iterfind(".//spiffworkflow:property", NS)}


def user_task_problems(tree: etree._ElementTree, source: lint.Source, forms: dict[str, Any],
                       invalid_forms: set[str]) -> list[Problem]:
    """Each user task: a form that exists (and is valid), known view/action/phase, variable names, caseFile."""
    problems: list[Problem] = []
    for task in tree.iter(BPMN + "userTask"):
        props = _properties(task)
        form = props.get(rules.FORM_PROPERTY)
        if not form:
            problems.append(source.problem("form", task, N_(
                "user task '{name}' tidak punya properti {property}", name=task.get("name") or task.get("id"),
                property=rules.FORM_PROPERTY), N_("tambahkan {property} berisi nama file JSON Schema di forms/",
                                                  property=rules.FORM_PROPERTY)))
        elif form in invalid_forms:
            problems.append(source.problem("form", task, N_(
                "formulir '{form}' bukan JSON Schema yang sah (lihat temuan pada file formulir)", form=form)))
        elif form not in forms:
            problems.append(source.problem("form", task, N_("formulir '{form}' tidak ada di forms/", form=form),
                                           lint.did_you_mean(form, forms)))
        checks = ((rules.VIEW_PROPERTY, rules.VIEWS), (rules.ACTION_PROPERTY, rules.ACTIONS),
                  (rules.PHASE_PROPERTY, rules.PHASES))
        for key, known in checks:
            value = props.get(key, "")
            if value and value not in known:
                problems.append(source.problem("task-properties", task, N_(
                    "{property} '{value}' tidak dikenal", property=key, value=value),
                    lint.did_you_mean(value, known) or N_("yang dikenal: {values}", values=sorted(known))))
        for key in (rules.ASSIGNEE_PROPERTY, rules.DUE_DATE_PROPERTY, rules.SUBJECT_PROPERTY):
            if key in props and not props[key].isidentifier():
                problems.append(source.problem("task-properties", task, N_(
                    "{property} harus nama variabel, bukan '{value}'", property=key, value=props[key])))
        if props.get(rules.CASE_FILE_PROPERTY, "").strip():
            problems += [source.problem("task-properties", task, message, hint)
                         for message, hint in _case_file_problems(props[rules.CASE_FILE_PROPERTY], forms)]
    return problems


def _case_file_problems(spec: str, forms: dict[str, Any]) -> list[tuple[Text, Text | None]]:
    """A ``caseFile`` may name only forms in forms/ and their fields."""
    problems: list[tuple[Text, Text | None]] = []
    for form, fields in rules.parse_case_file(spec).items():
        if form not in forms:
            problems.append((N_("caseFile menyebut formulir '{form}', yang tidak ada di forms/", form=form),
                             lint.did_you_mean(form, forms)))
            continue
        known = forms[form].get("properties", {})
        for name in [f for f in fields or () if f not in known]:
            problems.append((N_("caseFile menyebut field '{field}' yang tidak dimiliki formulir '{form}'",
                                field=name, form=form), lint.did_you_mean(name, known)))
    return problems


def load_forms(forms_dir: Path) -> tuple[dict[str, Any], set[str], list[Problem]]:
    """Read every ``*.json`` form; each must be a valid draft 2020-12 JSON Schema. Returns the valid forms, the
    names of the invalid ones, and what is wrong with them."""
    texts: dict[str, str | OSError | UnicodeDecodeError] = {}
    for path in sorted(forms_dir.glob("*.json")) if forms_dir.is_dir() else []:
        try:
            texts[path.name] = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            texts[path.name] = exc
    return check_forms(texts, str(forms_dir))


def check_forms(texts: dict[str, Any], folder: str = "forms") -> tuple[dict[str, Any], set[str], list[Problem]]:
    """Forms given as file name → JSON text (or the error reading it): the valid ones parsed, the names of the
    invalid ones, and what is wrong with each (JSON by line and column, JSON Schema by path, our x-rules)."""
    forms: dict[str, Any] = {}
    invalid: set[str] = set()
    problems: list[Problem] = []
    for name in sorted(texts):
        label, text = f"{folder}/{name}", texts[name]
        try:
            if isinstance(text, Exception):
                raise text
            schema = json.loads(text)
            _check_schema(text)
        except json.JSONDecodeError as exc:
            problems.append(Problem(label, exc.lineno, N_("JSON tidak sah: {reason}", reason=exc.msg), rule="form",
                                    column=exc.colno))
            invalid.add(name)
            continue
        except SchemaError as exc:
            where = "/".join(str(p) for p in exc.path) or "(root)"
            problems.append(Problem(label, None, N_("JSON Schema tidak sah di {where}: {reason}", where=where,
                                                    reason=exc.message), rule="form"))
            invalid.add(name)
            continue
        except (OSError, UnicodeDecodeError) as exc:
            problems.append(Problem(label, None, N_("file tidak dapat dibaca: {reason}", reason=str(exc)), rule="form"))
            invalid.add(name)
            continue
        problems += [Problem(label, None, message, rule="form") for message in _rule_problems(schema)]
        forms[name] = schema
    return forms, invalid, problems


@functools.lru_cache(maxsize=256)
def _check_schema(text: str) -> None:
    """Raise SchemaError unless the form's text is a valid draft 2020-12 JSON Schema. Checking against the metaschema
    costs ~10–20 ms a form and every deploy, lint and draft checks all forms again; the answer depends only on the
    text, so each text is checked once per process (a raised error is not cached: it is raised again next time)."""
    Draft202012Validator.check_schema(json.loads(text))


def _rule_problems(schema: dict[str, Any]) -> list[Text]:
    """A form's cross-field rules (``x-rules``): each ``{rule, field, message}``, an allowed expression over the
    form's own fields, its message on one of them."""
    rules_, fields, problems = schema.get("x-rules", []), schema.get("properties", {}), []
    if not isinstance(rules_, list):
        return [N_("x-rules harus daftar objek berisi rule, field, dan message")]
    for number, rule in enumerate(rules_, start=1):
        if not isinstance(rule, dict) or not all(isinstance(rule.get(k), str) for k in ("rule", "field", "message")):
            problems.append(N_("x-rules #{number}: perlu teks 'rule', 'field', dan 'message'", number=number))
            continue
        if not isinstance(rule.get("message-en", ""), str):
            problems.append(N_("x-rules #{number}: 'message-en' harus teks", number=number))
        reasons = check_expression(rule["rule"])
        problems += [N_("x-rules #{number}: aturan ditolak: {reason}", number=number, reason=reason)
                     for reason in reasons]
        unknown = [] if reasons else sorted(names_in(rule["rule"]) - set(fields))
        if rule["field"] not in fields or unknown:
            problems.append(N_("x-rules #{number}: menyebut field yang tidak dimiliki formulir: {fields}",
                               number=number, fields=unknown or [rule["field"]]))
    return problems


def spiff_parse(tree: etree._ElementTree, filename: str) -> tuple[Any, list[Problem]]:
    """Run SpiffWorkflow's parser on every executable process; return (parser, problems)."""
    parser = SpiffBpmnParser()
    line_of = {el.get("id"): el.sourceline for el in tree.iter() if el.get("id")}
    try:
        parser.add_bpmn_xml(tree, filename)
        executable = [p.get("id") for p in tree.iter(BPMN + "process") if p.get("isExecutable") == "true"]
        if not executable:
            return parser, [Problem(filename, None, N_("tidak ada proses yang dapat dijalankan "
                                                       "(isExecutable=\"true\")"), rule="spiff")]
        for process_id in executable:
            parser.get_spec(process_id)
    except ValidationException as exc:
        element_id = getattr(exc, "id", None) or None
        line = exc.line_number if isinstance(exc.line_number, int) else line_of.get(element_id)
        message = str(exc).strip().rstrip(".").strip()
        return parser, [Problem(filename, line, N_("SpiffWorkflow menolak model: {reason}", reason=message),
                                element_id, rule="spiff")]
    return parser, []


def check_model(content: bytes, filename: str, forms_dir: Path | None, *,
                form_texts: dict[str, str] | None = None) -> tuple[LoadedModel | None, list[Problem]]:
    """All checks in order (the lint); a model is returned only when there is no error. The forms are the files of
    ``forms_dir``, or ``form_texts`` (file name → JSON text: an upload, the web modeler)."""
    tree, parsed = parse_xml(content, filename)
    if tree is None:
        return None, [replace(p, message=N_("XML tidak dapat dibaca: {reason}", reason=p.message)) for p in parsed]
    source = lint.Source(filename, content)
    problems = xsd_problems(tree, filename)
    if form_texts is not None:
        forms, invalid, form_problems = check_forms(form_texts)
    else:
        forms, invalid, form_problems = load_forms(forms_dir) if forms_dir else ({}, set(), [])
    problems += form_problems + expression_problems(tree, source) + structure_problems(tree, source)
    problems += user_task_problems(tree, source, forms, invalid) + lint.graph_problems(tree, source, forms)
    if any(p.severity == "error" for p in problems):
        return None, lint.ordered(problems)
    parser, parse_problems = spiff_parse(tree, filename)
    problems += parse_problems
    if parse_problems:
        return None, lint.ordered(problems)
    process = executable_process(tree)
    process_id = process.get("id", "") if process is not None else ""
    spec, subprocess_specs = parser.get_spec(process_id), parser.get_subprocess_specs(process_id)
    return LoadedModel(filename, content, process_id, spec, subprocess_specs, forms, {}, lint.ordered(problems),
                       start_message(tree)), lint.ordered(problems)


def load_model_file(path: Path) -> tuple[LoadedModel | None, list[Problem]]:
    """Check a model file, its ``forms/`` directory and its ``<name>.sop.json`` sidecar."""
    try:
        content = path.read_bytes()
    except OSError as exc:
        return None, [Problem(str(path), None, N_("file tidak dapat dibaca: {reason}", reason=str(exc.strerror)),
                              rule="xml")]
    model, problems = check_model(content, str(path), path.parent / "forms")
    sidecar = path.with_suffix(".sop.json")
    if model is not None and sidecar.exists():
        try:
            model.sop_metadata = json.loads(sidecar.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            problems.append(Problem(str(sidecar), exc.lineno, N_("JSON tidak sah: {reason}", reason=exc.msg),
                                    rule="xml", column=exc.colno))
            return None, problems
    return model, problems


def load_model_texts(filename: str, content: bytes, form_texts: dict[str, str],
                     sop_metadata: dict[str, Any]) -> tuple[LoadedModel | None, list[Problem]]:
    """Check a model held in memory (an upload, the web modeler's save) with its forms and SOP metadata: the same
    checks as ``load_model_file``."""
    model, problems = check_model(content, filename, None, form_texts=form_texts)
    if model is not None:
        model.sop_metadata = dict(sop_metadata)
    return model, problems
