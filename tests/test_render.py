"""The BPMN → SVG renderer: every DI element drawn, markers right, labels placed, errors clear, output stable."""
from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from engine.render import RenderError, render_diagrams
from engine.render.text import text_width
from engine.settings import DEFAULT_BPMN

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "data" / "render"
MODEL = ROOT / "bpmn" / "lip20-0008.bpmn"
NS = {"s": "http://www.w3.org/2000/svg"}
DI = "{http://www.omg.org/spec/BPMN/20100524/DI}"
BPMN_HEAD = ('<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" '
             'xmlns:bpmndi="http://www.omg.org/spec/BPMN/20100524/DI" '
             'xmlns:dc="http://www.omg.org/spec/DD/20100524/DC" id="d" targetNamespace="t">')


def svg_of(name: str, **kwargs: object) -> etree._Element:
    """Render a fixture that has one diagram and parse the SVG."""
    (diagram,) = render_diagrams((FIXTURES / name).read_bytes(), **kwargs)  # type: ignore[arg-type]
    return etree.fromstring(diagram.svg.encode())


def group(svg: etree._Element, element_id: str) -> etree._Element:
    """The element group drawn for a BPMN id."""
    found = svg.xpath("//s:g[@data-element-id=$id]", namespaces=NS, id=element_id)
    assert len(found) == 1, f"{element_id}: {len(found)} groups"
    return found[0]


def classes(node: etree._Element) -> set[str]:
    return set((node.get("class") or "").split())


def parts(g: etree._Element, css: str) -> list[etree._Element]:
    """Descendants of a group carrying a CSS class."""
    return [n for n in g.iter("{%s}*" % NS["s"]) if css in classes(n)]


def lines_of(g: etree._Element) -> list[str]:
    return [t.text or "" for t in g.iterfind(".//s:text/s:tspan", NS) if "bpmn-space" not in classes(t)]


def di_references(content: bytes) -> list[set[str]]:
    """Per diagram, the bpmnElement of every BPMNShape and BPMNEdge."""
    root = etree.fromstring(content)
    return [{n.get("bpmnElement") for n in d.iter(DI + "BPMNShape", DI + "BPMNEdge")}
            for d in root.iter(DI + "BPMNDiagram")]


def bpmn(body: str, di: str) -> bytes:
    """A tiny inline model: process ``body`` and plane contents ``di``."""
    return (f'{BPMN_HEAD}<bpmn:process id="p">{body}</bpmn:process><bpmndi:BPMNDiagram id="dg">'
            f'<bpmndi:BPMNPlane id="pl" bpmnElement="p">{di}</bpmndi:BPMNPlane></bpmndi:BPMNDiagram>'
            '</bpmn:definitions>').encode()


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.bpmn")) + [MODEL], ids=lambda p: p.name)
def test_every_shape_and_edge_is_drawn_with_its_id_in_valid_stable_svg(path: Path) -> None:
    content = path.read_bytes()
    diagrams = render_diagrams(content)
    expected = di_references(content)
    assert len(diagrams) == len(expected)
    for diagram, ids in zip(diagrams, expected, strict=True):
        svg = etree.fromstring(diagram.svg.encode())
        drawn = set(svg.xpath("//s:g[contains(@class, 'bpmn-element')]/@data-element-id", namespaces=NS))
        assert drawn == ids
        assert svg.get("viewBox", "").endswith(f"{diagram.width:g} {diagram.height:g}")
    assert [d.svg for d in render_diagrams(content)] == [d.svg for d in diagrams]


def test_the_project_model_draws_every_flow_node_and_flow() -> None:
    root = etree.fromstring(MODEL.read_bytes())
    wanted = {e.get("id") for e in root.iter() if isinstance(e.tag, str) and etree.QName(e).localname in {
        "userTask", "scriptTask", "startEvent", "endEvent", "intermediateThrowEvent", "boundaryEvent",
        "exclusiveGateway", "subProcess", "sequenceFlow", "messageFlow", "participant", "lane"}}
    svg = etree.fromstring(render_diagrams(MODEL.read_bytes())[0].svg.encode())
    assert wanted <= set(svg.xpath("//s:g/@data-element-id", namespaces=NS))


def test_task_types_have_their_icons_and_markers() -> None:
    svg = svg_of("tasks.bpmn")
    for task_id, kind in [("t_user", "userTask"), ("t_manual", "manualTask"), ("t_service", "serviceTask"),
                          ("t_script", "scriptTask"), ("t_send", "sendTask"), ("t_receive", "receiveTask"),
                          ("t_rule", "businessRuleTask")]:
        assert parts(group(svg, task_id), f"bpmn-icon-{kind}"), task_id
    assert not parts(group(svg, "t_plain"), "bpmn-task-icon")
    assert parts(group(svg, "t_loop"), "bpmn-marker-loop")
    assert parts(group(svg, "t_compensation"), "bpmn-marker-compensation")
    both = group(svg, "t_loop_compensation")
    assert parts(both, "bpmn-marker-loop") and parts(both, "bpmn-marker-compensation")


def test_parallel_and_sequential_multi_instance_markers_differ() -> None:
    svg = svg_of("tasks.bpmn")
    (parallel,) = parts(group(svg, "t_mi_parallel"), "bpmn-marker-parallel")
    (sequential,) = parts(group(svg, "t_mi_sequential"), "bpmn-marker-sequential")
    assert etree.tostring(parallel[0]) != etree.tostring(sequential[0])
    assert not parts(group(svg, "t_mi_parallel"), "bpmn-marker-sequential")


def test_task_names_wrap_inside_the_shape() -> None:
    lines = lines_of(group(svg_of("tasks.bpmn"), "t_long"))
    assert len(lines) > 2
    assert " ".join(lines) == "Verify the taxpayer's identity and record the outcome of every call attempt"
    assert all(text_width(line) <= 100 - 14 for line in lines)


def test_events_show_every_definition_throwing_filled_and_catching_hollow() -> None:
    svg = svg_of("events.bpmn")
    icons = {"s_message": "message", "s_timer": "timer", "s_conditional": "conditional", "s_signal": "signal",
             "s_multiple": "multiple", "s_parallel_multiple": "parallelMultiple", "c_link": "link",
             "i_escalation": "escalation", "i_compensation": "compensate", "e_error": "error",
             "e_cancel": "cancel", "e_terminate": "terminate", "b_compensation": "compensate"}
    for event_id, kind in icons.items():
        assert parts(group(svg, event_id), f"bpmn-icon-{kind}"), event_id
    assert parts(group(svg, "i_message"), "bpmn-icon-filled-light")  # thrown: black envelope
    assert not parts(group(svg, "c_message"), "bpmn-icon-filled-light")
    assert parts(group(svg, "e_signal"), "bpmn-icon-filled") and not parts(group(svg, "s_signal"), "bpmn-icon-filled")
    assert len(parts(group(svg, "c_timer"), "bpmn-inner")) == 1  # intermediate: double ring
    assert not parts(group(svg, "s_none"), "bpmn-inner") and not parts(group(svg, "e_none"), "bpmn-event-icon")


def test_non_interrupting_boundary_events_are_dashed() -> None:
    svg = svg_of("events.bpmn")
    assert ".bpmn-non-interrupting{stroke-dasharray:6}" in svg.findtext("s:style", namespaces=NS)
    for event_id in ("b_timer_non", "b_escalation_non", "b_conditional_non"):
        assert len(parts(group(svg, event_id), "bpmn-non-interrupting")) == 2, event_id
    for event_id in ("b_error", "b_message", "b_cancel"):
        assert not parts(group(svg, event_id), "bpmn-non-interrupting"), event_id


def test_gateways_markers_and_the_exclusive_x_only_when_visible() -> None:
    svg = svg_of("gateways.bpmn")
    assert parts(group(svg, "g_xor_marked"), "bpmn-gateway-marker")
    assert not parts(group(svg, "g_xor_plain"), "bpmn-gateway-marker")
    assert parts(group(svg, "g_or"), "bpmn-icon-bold")
    assert len(parts(group(svg, "g_complex"), "bpmn-icon-filled")) == 2
    assert len(parts(group(svg, "g_event"), "bpmn-icon")) == 2  # two rings (pentagon is a line)
    assert len(parts(group(svg, "g_event_start"), "bpmn-icon")) == 1
    assert len(parts(group(svg, "g_event_parallel"), "bpmn-icon")) == 2  # ring + hollow plus


def test_pools_lanes_vertical_and_black_box() -> None:
    svg = svg_of("pools_lanes.bpmn")
    for lane in ("lane_section", "lane_head", "lane_agent", "lane_quality"):
        assert "rotate(-90" in group(svg, lane).find(".//s:text", NS).get("transform", "")
    for vertical in ("pool_vertical", "lane_left", "lane_right"):
        assert group(svg, vertical).find(".//s:text", NS).get("transform") is None
    black_box = group(svg, "pool_taxpayer")
    assert not parts(black_box, "bpmn-lane-header") and lines_of(black_box) == ["Taxpayer (black box)"]
    assert parts(group(svg, "pool_office"), "bpmn-lane-header")
    assert parts(group(svg, "pool_agents"), "bpmn-marker-parallel")


def test_data_objects_stores_annotations_groups_and_associations() -> None:
    svg = svg_of("data_artifacts.bpmn")
    assert parts(group(svg, "in_list"), "bpmn-icon") and parts(group(svg, "out_report"), "bpmn-icon-filled")
    assert parts(group(svg, "ref_calls"), "bpmn-marker-parallel")
    assert lines_of(group(svg, "ref_plan")) == ["Work plan", "[draft]"]
    assert lines_of(group(svg, "grp_review")) == ["Review stage"]
    assert " ".join(lines_of(group(svg, "note_plan"))).startswith("The plan lists every taxpayer")
    assert not parts(group(svg, "as_none"), "bpmn-arrowhead-line")
    assert len(parts(group(svg, "as_one"), "bpmn-arrowhead-line")) == 1
    assert len(parts(group(svg, "as_both"), "bpmn-arrowhead-line")) == 2
    assert len(parts(group(svg, "dia_list"), "bpmn-arrowhead-line")) == 1
    assert "bpmn-data-store-reference" in classes(group(svg, "ref_store"))


def test_sub_processes_call_activity_transaction_event_and_ad_hoc() -> None:
    svg = svg_of("subprocesses.bpmn")
    css = svg.findtext("s:style", namespaces=NS)
    assert ".bpmn-thick{stroke-width:5}" in css
    assert parts(group(svg, "ca_report"), "bpmn-thick")
    assert not parts(group(svg, "sp_open"), "bpmn-marker-subprocess")
    assert parts(group(svg, "sp_closed"), "bpmn-marker-subprocess")
    assert parts(group(svg, "sp_closed_mi"), "bpmn-marker-parallel")
    assert len(parts(group(svg, "tx_pay"), "bpmn-inner")) == 1  # double border
    assert parts(group(svg, "sp_events"), "bpmn-event-sub-process")
    assert parts(group(svg, "esp_closed"), "bpmn-icon-timer")
    for adhoc in ("adhoc_open", "adhoc_closed"):
        assert parts(group(svg, adhoc), "bpmn-marker-adhoc")
    label = group(svg, "sp_open").find(".//s:tspan", NS)
    assert float(label.get("y")) < 60 + 25  # expanded: name at the top


def test_sequence_flow_default_and_conditional_markers() -> None:
    svg = svg_of("flows.bpmn")
    assert parts(group(svg, "f_check_default"), "bpmn-default-marker")  # default out of a task
    assert parts(group(svg, "f_no"), "bpmn-default-marker")  # default out of a gateway
    assert parts(group(svg, "f_check_urgent"), "bpmn-conditional-marker")  # condition out of a task
    assert not parts(group(svg, "f_yes"), "bpmn-conditional-marker")  # out of a gateway: no diamond
    assert len(parts(group(svg, "f_start"), "bpmn-arrowhead")) == 1


def test_message_flows_are_dashed_with_a_circle_at_the_source_and_a_hollow_arrow() -> None:
    svg = svg_of("flows.bpmn")
    css = svg.findtext("s:style", namespaces=NS)
    assert ".bpmn-message-flow .bpmn-line{stroke-dasharray:10 6" in css
    flow = group(svg, "mf_out")
    assert "bpmn-message-flow" in classes(flow)
    (start,) = parts(flow, "bpmn-message-start")
    assert (start.get("cx"), start.get("cy")) == ("580", "220")
    assert parts(flow, "bpmn-arrowhead-open")
    assert parts(group(svg, "mf_in"), "bpmn-message-envelope")


def test_labels_use_bpmnlabel_bounds_or_sit_below_the_shape() -> None:
    svg = svg_of("events.bpmn")
    placed = group(svg, "s_timer").findall(".//s:tspan", NS)  # BPMNLabel x=280 y=60 width=76 height=27
    assert {float(t.get("x")) for t in placed} == {318.0}
    assert 60 < float(placed[0].get("y")) < 87
    default = group(svg, "s_none").find(".//s:tspan", NS)  # shape y=100 height=36, no BPMNLabel
    assert float(default.get("x")) == 118 and 136 < float(default.get("y")) < 156
    flow = group(svg_of("flows.bpmn"), "f_yes").find(".//s:tspan", NS)  # BPMNLabel x=489 y=162 width=18
    assert float(flow.get("x")) == 498 and 162 < float(flow.get("y")) < 176


def test_several_diagrams_give_several_svgs() -> None:
    main, detail = render_diagrams((FIXTURES / "multi_diagram.bpmn").read_bytes())
    assert (main.id, main.name, detail.id, detail.name) == (
        "diagram_main", "Main", "diagram_sub", "Prepare report (detail)")
    assert 'data-element-id="m_sub"' in main.svg and 'data-element-id="m_sub"' not in detail.svg
    assert 'data-element-id="m_sub_task"' in detail.svg


def test_styles_add_classes_and_title_and_text_is_escaped() -> None:
    svg = svg_of("tasks.bpmn", styles={"t_user": "state-active", "t_plain": "state-completed"}, title="SOP <x>")
    assert {"bpmn-element", "bpmn-activity", "bpmn-user-task", "state-active"} <= classes(group(svg, "t_user"))
    assert "state-completed" in classes(group(svg, "t_plain"))
    assert svg.findtext("s:title", namespaces=NS) == "SOP <x>"
    content = bpmn('<bpmn:task id="t" name="A &lt;b&gt; &amp; &quot;c&quot;"/>',
                   '<bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="0" y="0" width="100" height="80"/>'
                   '</bpmndi:BPMNShape>')
    text = render_diagrams(content)[0].svg
    assert "&lt;b&gt; &amp;" in text and lines_of(etree.fromstring(text.encode()))[0] == 'A <b> & "c"'


def test_modeller_colours_are_applied_only_when_safe() -> None:
    shape = ('<bpmndi:BPMNShape id="t_di" bpmnElement="t" xmlns:bioc="http://bpmn.io/schema/bpmn/biocolor/1.0" '
             'bioc:fill="{fill}" bioc:stroke="#1e88e5"><dc:Bounds x="0" y="0" width="100" height="80"/>'
             '</bpmndi:BPMNShape>')
    safe = render_diagrams(bpmn('<bpmn:task id="t"/>', shape.format(fill="#bbdefb")))[0].svg
    assert 'style="fill:#bbdefb;stroke:#1e88e5"' in safe
    unsafe = render_diagrams(bpmn('<bpmn:task id="t"/>', shape.format(fill="red;}&lt;/style&gt;")))[0].svg
    assert "red;" not in unsafe and 'style="stroke:#1e88e5"' in unsafe


@pytest.mark.parametrize("content, message", [
    (b"this is not xml", "not a BPMN 2.0 file"),
    (b"<?xml version='1.0'?><!DOCTYPE x [<!ENTITY e 'boom'>]>" + BPMN_HEAD.encode() + b"</bpmn:definitions>",
     "DOCTYPE"),
    (b"<svg xmlns='http://www.w3.org/2000/svg'/>", "root element is not bpmn:definitions"),
    (BPMN_HEAD.encode() + b'<bpmn:process id="p"/></bpmn:definitions>', "no bpmndi:BPMNDiagram"),
    (BPMN_HEAD.encode() + b'<bpmn:process id="p"/><bpmndi:BPMNDiagram id="dg"/></bpmn:definitions>',
     "no diagram of the file can be drawn: line 1: BPMNDiagram 'dg': has no BPMNPlane"),
])
def test_broken_input_raises_a_clear_render_error(content: bytes, message: str) -> None:
    with pytest.raises(RenderError, match=message):
        render_diagrams(content)


def test_klip_render_writes_svg_files(klip, tmp_path: Path) -> None:
    out = tmp_path / "flow.svg"
    done = klip("render", str(MODEL), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == render_diagrams(MODEL.read_bytes())[0].svg
    several = klip("render", str(FIXTURES / "multi_diagram.bpmn"), "-o", str(tmp_path / "multi.svg"))
    assert several.returncode == 0, several.stderr
    assert (tmp_path / "multi.svg").exists() and (tmp_path / "multi-2.svg").exists()


def test_klip_render_refuses_a_broken_file_without_a_traceback(klip, tmp_path: Path) -> None:
    broken = tmp_path / "broken.bpmn"
    broken.write_text("<bpmn:definitions", encoding="utf-8")
    done = klip("render", str(broken), "-o", str(tmp_path / "out.svg"))
    assert done.returncode == 1
    assert "broken.bpmn" in done.stderr and "not a BPMN 2.0 file" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "out.svg").exists()


def test_names_from_an_edited_model_cannot_inject_markup() -> None:
    """Analysts edit names and documentation; the SVG (shown inline in the web app) escapes them."""
    text = DEFAULT_BPMN.read_text(encoding="utf-8").replace(
        'name="Menugaskan Pelaksana menyusun konsep rencana kerja"',
        'name="&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;"', 1)
    svg = render_diagrams(text.encode("utf-8"))[0].svg
    assert "<script" not in svg and "<img" not in svg and "&lt;script&gt;" in svg


def test_wrapped_labels_read_as_the_name_with_its_spaces_without_moving_a_line() -> None:
    """Screen readers and accessible-name checks read a label's text: "konsep rencana", never "konseprencana"."""
    label = group(svg_of("tasks.bpmn"), "t_long").find(".//s:text", NS)
    assert "".join(label.itertext()) == "Verify the taxpayer's identity and record the outcome of every call attempt"
    spans = label.findall("s:tspan", NS)
    lines = [t for t in spans if "bpmn-space" not in classes(t)]
    spaces = [t for t in spans if "bpmn-space" in classes(t)]
    assert len(spaces) == len(lines) - 1 and all(t.text == " " for t in spaces)
    for space, line in zip(spaces, lines, strict=False):  # each space sits on the line before it: no line moves
        assert (space.get("x"), space.get("y")) == (line.get("x"), line.get("y"))
    content = bpmn('<bpmn:task id="t" name="Pengolahandatasasaranyangsangatpanjang sekali"/>',
                   '<bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="0" y="0" width="100" height="80"/>'
                   '</bpmndi:BPMNShape>')
    broken = etree.fromstring(render_diagrams(content)[0].svg.encode()).find(".//s:text", NS)
    assert "".join(broken.itertext()) == "Pengolahandatasasaranyangsangatpanjang sekali"  # a broken word stays whole


def test_state_classes_add_a_mark_so_the_state_is_not_told_by_colour_alone() -> None:
    svg = svg_of("tasks.bpmn", styles={"t_user": "state-active", "t_plain": "state-completed",
                                       "t_manual": "state-overdue extra", "t_service": "heat-2"})
    marks = {task: parts(group(svg, task), "bpmn-state-mark")
             for task in ("t_user", "t_plain", "t_manual", "t_service")}
    assert "state-active-mark" in classes(marks["t_user"][0])
    assert "state-completed-mark" in classes(marks["t_plain"][0])
    assert "state-overdue-mark" in classes(marks["t_manual"][0])
    assert marks["t_service"] == []  # other classes (heat map) draw nothing
    assert all(len(found) <= 1 for found in marks.values())
    flows = svg_of("flows.bpmn", styles={"f_yes": "state-completed"})
    assert not parts(group(flows, "f_yes"), "bpmn-state-mark")  # the path taken is a line, not a shape


def test_the_drawing_is_an_image_named_by_its_title() -> None:
    svg = svg_of("tasks.bpmn", title="SOP LIP20-0008")
    assert svg.get("role") == "img" and svg[0].tag == f"{{{NS['s']}}}title"


BROKEN_DI = [  # what other modellers' files carry: each piece is left out with its warning, the rest drawn
    ('<bpmndi:BPMNShape id="x_di" bpmnElement="ghost"><dc:Bounds x="0" y="0" width="9" height="9"/>'
     "</bpmndi:BPMNShape>", "references missing element 'ghost'"),
    ('<bpmndi:BPMNShape id="u_di" bpmnElement="u"/>', "a shape needs dc:Bounds"),
    ('<bpmndi:BPMNShape id="v_di" bpmnElement="v"><dc:Bounds x="zero" y="0" width="9" height="9"/>'
     "</bpmndi:BPMNShape>", "Bounds has no valid 'x'"),
    ('<bpmndi:BPMNEdge id="f_di" bpmnElement="f"><di:waypoint x="0" y="0"/></bpmndi:BPMNEdge>',
     "an edge needs at least two waypoints, found 1"),
]


def test_what_cannot_be_drawn_is_left_out_with_a_warning_and_the_rest_is_drawn() -> None:
    good = ('<bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="0" y="0" width="100" height="80"/>'
            "</bpmndi:BPMNShape>")
    body = '<bpmn:task id="t" name="Tetap digambar"/><bpmn:task id="u"/><bpmn:task id="v"/><bpmn:sequenceFlow id="f"/>'
    content = bpmn(body, good + "".join(piece for piece, _ in BROKEN_DI)).replace(
        b"<bpmn:definitions ", b'<bpmn:definitions xmlns:di="http://www.omg.org/spec/DD/20100524/DI" ', 1)
    content = content.replace(b"</bpmn:definitions>", b'<bpmndi:BPMNDiagram id="empty"/></bpmn:definitions>')
    (diagram,) = render_diagrams(content)
    svg = etree.fromstring(diagram.svg.encode())
    assert lines_of(group(svg, "t")) == ["Tetap digambar"]
    assert not svg.xpath("//s:g[@data-element-id='u' or @data-element-id='v' or @data-element-id='f']", namespaces=NS)
    assert len(diagram.warnings) == 5
    assert "BPMNDiagram 'empty': has no BPMNPlane (diagram left out)" in diagram.warnings[0]
    for (_, message), warning in zip(BROKEN_DI, diagram.warnings[1:], strict=True):
        assert message in warning and warning.endswith("(left out)")


def test_klip_render_prints_what_it_left_out(klip, tmp_path: Path) -> None:
    source = tmp_path / "vendor.bpmn"
    source.write_bytes(bpmn('<bpmn:task id="t"/>', '<bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="0" '
                            'y="0" width="100" height="80"/></bpmndi:BPMNShape>' + BROKEN_DI[0][0]))
    done = klip("render", str(source), "-o", str(tmp_path / "out.svg"))
    assert done.returncode == 0 and (tmp_path / "out.svg").exists()
    assert "vendor.bpmn: warning: line 1: BPMNShape 'x_di': references missing element 'ghost'" in done.stderr


def pool(multiplicity: str) -> etree._Element:
    content = (f'{BPMN_HEAD}<bpmn:collaboration id="c"><bpmn:participant id="pool" name="Unit" processRef="p">'
               f'{multiplicity}</bpmn:participant></bpmn:collaboration><bpmn:process id="p"/>'
               '<bpmndi:BPMNDiagram id="dg"><bpmndi:BPMNPlane id="pl" bpmnElement="c">'
               '<bpmndi:BPMNShape id="pool_di" bpmnElement="pool" isHorizontal="true"><dc:Bounds x="0" y="0" '
               'width="600" height="200"/></bpmndi:BPMNShape></bpmndi:BPMNPlane></bpmndi:BPMNDiagram>'
               '</bpmn:definitions>').encode()
    return group(etree.fromstring(render_diagrams(content)[0].svg.encode()), "pool")


def test_a_pool_is_multi_instance_only_when_more_than_one_participant_is_allowed() -> None:
    assert not parts(pool(""), "bpmn-marker-parallel")
    assert not parts(pool('<bpmn:participantMultiplicity minimum="1" maximum="1"/>'), "bpmn-marker-parallel")
    assert parts(pool('<bpmn:participantMultiplicity minimum="2" maximum="5"/>'), "bpmn-marker-parallel")
    assert parts(pool("<bpmn:participantMultiplicity/>"), "bpmn-marker-parallel")  # no maximum: many, as bpmn.io


def label_box(g: etree._Element) -> tuple[float, float, float]:
    """The drawn label's first line top, its last line bottom, and its leftmost x (from the tspans' baselines)."""
    text = g.find(".//s:text", NS)
    assert text is not None
    size = {"bpmn-label-11": 11.0, "bpmn-label-10": 10.0}.get(next(
        (c for c in classes(text) if c.startswith("bpmn-label-")), ""), 12.0)
    spans = [t for t in text.iterfind("s:tspan", NS) if "bpmn-space" not in classes(t)]
    baselines = [float(t.get("y") or 0) for t in spans]
    line = size * 1.2
    top = baselines[0] - line / 2 - size * 0.35
    left = min(float(t.get("x") or 0) - text_width(t.text or "", size) / 2 for t in spans)
    return top, baselines[-1] - line / 2 - size * 0.35 + line, left


@pytest.mark.parametrize("name, width, height", [
    ("Menetapkan batas waktu laporan (5 hari kerja)", 110, 80),  # the model's own script task
    ("Verifikasi", 100, 80),
    ("Meneliti dan menyetujui laporan pelaksanaan kegiatan penyampaian informasi perpajakan", 120, 80),
])
def test_a_task_icon_is_never_drawn_over_the_label(name: str, width: int, height: int) -> None:
    content = bpmn(f'<bpmn:userTask id="t" name="{name}"/>',
                   f'<bpmndi:BPMNShape id="t_di" bpmnElement="t"><dc:Bounds x="0" y="0" width="{width}" '
                   f'height="{height}"/></bpmndi:BPMNShape>')
    top, bottom, left = label_box(group(etree.fromstring(render_diagrams(content)[0].svg.encode()), "t"))
    assert top >= 24 or left >= 24, (top, left)  # below the icon's square, or right of it
    assert bottom <= height


def test_a_collapsed_sub_process_keeps_its_label_above_the_marker() -> None:
    name = "Penyusunan, penelitian dan pengesahan laporan pelaksanaan oleh pejabat yang berwenang"
    content = bpmn(f'<bpmn:subProcess id="s" name="{name}"><bpmn:task id="inner"/></bpmn:subProcess>',
                   '<bpmndi:BPMNShape id="s_di" bpmnElement="s" isExpanded="false"><dc:Bounds x="0" y="0" '
                   'width="100" height="80"/></bpmndi:BPMNShape>')
    g = group(etree.fromstring(render_diagrams(content)[0].svg.encode()), "s")
    marker = parts(g, "bpmn-marker-subprocess")
    assert marker
    marker_top = float(marker[0].get("transform", "").split("(")[1].split()[1].rstrip(")").split(",")[-1])
    _, bottom, _ = label_box(g)
    assert bottom <= marker_top, (bottom, marker_top)


@pytest.mark.parametrize("body", [
    '<bpmn:dataStoreReference id="ds" name="Arsip rekaman panggilan"/>',
    # the name only on the data store the reference points to (as several modellers save it)
    '<bpmn:dataStoreReference id="ds" dataStoreRef="store"/>',
])
def test_a_data_store_is_drawn_with_its_name(body: str) -> None:
    content = bpmn(body, '<bpmndi:BPMNShape id="ds_di" bpmnElement="ds"><dc:Bounds x="0" y="0" width="50" '
                         'height="50"/></bpmndi:BPMNShape>').replace(
        b'<bpmn:process id="p">', b'<bpmn:dataStore id="store" name="Arsip rekaman panggilan"/><bpmn:process id="p">')
    g = group(etree.fromstring(render_diagrams(content)[0].svg.encode()), "ds")
    assert " ".join(lines_of(g)) == "Arsip rekaman panggilan"
