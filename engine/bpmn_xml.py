"""Hardened parsing of untrusted BPMN XML, shared by the model loader and the diagram renderer.

No DTD, no entities, no network, bounded size; every problem is a ``Problem`` that prints as
``file:line:column: rule: message [element id] — hint``.
"""
from __future__ import annotations

from dataclasses import dataclass

from lxml import etree

MAX_BPMN_BYTES = 5 * 1024 * 1024
NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "spiffworkflow": "http://spiffworkflow.org/bpmn/schema/1.0/core",
}
BPMN = "{%s}" % NS["bpmn"]
SPIFF = "{%s}" % NS["spiffworkflow"]
BPMNDI = "{%s}" % NS["bpmndi"]


@dataclass(frozen=True)
class Problem:
    """One finding about a model: where (file, line, column, element), which lint rule, what, and a hint.

    ``str()`` gives ``file:line:column: rule: message [element] — hint`` (Indonesian; the lint's CLI renders the
    message and hint in the reader's language, see ``engine.process.lint``)."""

    file: str
    line: int | None
    message: str
    element_id: str | None = None
    severity: str = "error"
    rule: str = ""
    column: int | None = None
    hint: str = ""

    def __str__(self) -> str:
        return self.render(str(self.message), str(self.hint))

    def render(self, message: str, hint: str) -> str:
        """The one-line form with ``message`` and ``hint`` as given (already in the reader's language)."""
        where = self.file + "".join(f":{n}" for n in (self.line, self.column if self.line else None) if n)
        rule = f" {self.rule}:" if self.rule else ""
        label = "" if self.severity == "error" else f" {self.severity}:"
        suffix = f" [{self.element_id}]" if self.element_id else ""
        tail = f" — {hint}" if hint else ""
        return f"{where}:{rule}{label} {message}{suffix}{tail}"


def parse_xml(content: bytes, filename: str) -> tuple[etree._ElementTree | None, list[Problem]]:
    """Parse untrusted XML: no DTD, no entities, no network, bounded size."""
    if len(content) > MAX_BPMN_BYTES:
        return None, [Problem(filename, None, f"file is larger than {MAX_BPMN_BYTES // 1024} KiB", rule="xml")]
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        tree = etree.ElementTree(etree.fromstring(content, parser))
    except etree.XMLSyntaxError as exc:
        return None, [Problem(filename, exc.lineno, f"malformed XML: {exc.msg}", rule="xml",
                              column=exc.position[1] or None)]
    if tree.docinfo.doctype or tree.docinfo.internalDTD is not None:
        return None, [Problem(filename, 1, "DOCTYPE declarations are not allowed", rule="xml")]
    if tree.getroot().tag != BPMN + "definitions":
        return None, [Problem(filename, tree.getroot().sourceline, "root element is not bpmn:definitions", rule="xml")]
    return tree, []


def executable_process(tree: etree._ElementTree) -> etree._Element | None:
    """The model's executable process (the one the engine runs)."""
    return next((p for p in tree.iter(BPMN + "process") if p.get("isExecutable") == "true"), None)


def start_message(tree: etree._ElementTree) -> str | None:
    """The name of the message that starts the executable process (its message start event), if it has one."""
    process = executable_process(tree)
    if process is None:
        return None
    names = {m.get("id"): m.get("name") or m.get("id") for m in tree.iter(BPMN + "message")}
    for event in process.iterfind("bpmn:startEvent/bpmn:messageEventDefinition", NS):
        if event.get("messageRef") in names:
            return names[event.get("messageRef")]
    return None


# Attributes a modeller writes about itself, not about the process (bpmn.io's and Camunda's exporter stamp).
TOOL_ATTRIBUTES = frozenset({"exporter", "exporterVersion"})
XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"


# Attributes whose value is the BPMN 2.0 XSD's default: written or left out, they mean the same (bpmn.io leaves out
# isSequential="false"), by the element that carries them.
DEFAULT_ATTRIBUTES = {
    "multiInstanceLoopCharacteristics": {"isSequential": "false", "behavior": "All"},
    "startEvent": {"isInterrupting": "true", "parallelMultiple": "false"},
    "boundaryEvent": {"cancelActivity": "true", "parallelMultiple": "false"},
    "intermediateCatchEvent": {"parallelMultiple": "false"},
    "subProcess": {"triggeredByEvent": "false"},
    "adHocSubProcess": {"triggeredByEvent": "false", "cancelRemainingInstances": "true"},
    "process": {"isClosed": "false", "processType": "None"},
    "eventBasedGateway": {"instantiate": "false", "eventGatewayType": "Exclusive"},
    "dataObject": {"isCollection": "false"},
    "standardLoopCharacteristics": {"testBefore": "false"},
    "exclusiveGateway": {"gatewayDirection": "Unspecified"},
    "inclusiveGateway": {"gatewayDirection": "Unspecified"},
    "parallelGateway": {"gatewayDirection": "Unspecified"},
}
ACTIVITY_DEFAULTS = {"isForCompensation": "false", "startQuantity": "1", "completionQuantity": "1"}
ACTIVITIES = {"task", "userTask", "manualTask", "scriptTask", "serviceTask", "sendTask", "receiveTask",
              "businessRuleTask", "callActivity", "subProcess", "adHocSubProcess", "transaction"}


def drop_default_attributes(tree: etree._ElementTree) -> None:
    """Leave out attributes holding the XSD's default value: written or not, they mean the same."""
    for element in tree.iter(BPMN + "*"):
        name = etree.QName(element).localname
        defaults = {**DEFAULT_ATTRIBUTES.get(name, {}), **(ACTIVITY_DEFAULTS if name in ACTIVITIES else {})}
        for attribute, value in defaults.items():
            if element.get(attribute) == value:
                del element.attrib[attribute]


def _without_defaults_and_di_order(tree: etree._ElementTree) -> None:
    """No attribute repeating the XSD's default, and each BPMN plane's shapes and edges in one order (by the element
    they draw): bpmn.io writes them in an order of its own, which means nothing."""
    drop_default_attributes(tree)
    for plane in tree.iter(BPMNDI + "BPMNPlane"):
        children = [c for c in plane if isinstance(c.tag, str)]
        for child in children:
            plane.remove(child)
        plane.extend(sorted(children, key=lambda c: (c.get("bpmnElement") or "", c.get("id") or "", c.tag)))


def canonical_bpmn(content: bytes) -> bytes:
    """The model's meaning as bytes: C14N 2.0 with whitespace around text stripped, attributes in order, namespace
    prefixes renamed (also inside ``xsi:type`` values), no comments and no exporter stamp, no attribute that only
    repeats the XSD's default, the diagram's shapes and edges in one order — so that opening and saving a model in
    another modeller (bpmn.io, Camunda Modeler) without changing it gives the same bytes."""
    tree, problems = parse_xml(content, "BPMN")
    if tree is None:
        raise ValueError(problems[0].message if problems else "not XML")
    _without_defaults_and_di_order(tree)
    text = etree.canonicalize(tree, with_comments=False, strip_text=True, rewrite_prefixes=True,
                              qname_aware_attrs={XSI_TYPE}, exclude_attrs=TOOL_ATTRIBUTES)
    return text.encode("utf-8")
