"""Tests of the process model files: the BPMN of SOP LIP20-0008, its forms and the SOP sidecar."""
from __future__ import annotations

import json
import keyword
from itertools import pairwise
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator
from lxml import etree
from SpiffWorkflow.spiff.parser import VALIDATOR, SpiffBpmnParser

BPMN_DIR = Path(__file__).resolve().parents[1] / "bpmn"
BPMN_FILE = BPMN_DIR / "lip20-0008.bpmn"
FORMS_DIR = BPMN_DIR / "forms"
SIDECAR = BPMN_DIR / "lip20-0008.sop.json"
PROCESS_ID = "lip20_0008"
SUBPROCESS_ID = "penyusunan_laporan"

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
LANES = [
    ("lane_kepala_kantor", "Kepala Kantor"),
    ("lane_kasi", "Kepala Seksi Operasional"),
    ("lane_pelaksana", "Pelaksana Seksi Operasional"),
    ("lane_agen", "Agen"),
    ("lane_pkl", "Seksi Penjaminan Kualitas Layanan"),
]
# Names of the evaluator's registered functions: a form field with one of these names would shadow it.
RESERVED_NAMES = {
    "len", "now", "add_working_days", "str", "int", "float", "bool", "min", "max", "abs", "round", "sum",
    "any", "all", "sorted",
}


# ---------------------------------------------------------------- helpers
@pytest.fixture(scope="module")
def root() -> etree._Element:
    return etree.parse(str(BPMN_FILE)).getroot()


@pytest.fixture(scope="module")
def parser() -> SpiffBpmnParser:
    parser = SpiffBpmnParser(validator=VALIDATOR)
    parser.add_bpmn_file(str(BPMN_FILE))
    return parser


def xp(node, path: str) -> list:
    return node.xpath(path, namespaces=NS)


def one(node, path: str):
    found = xp(node, path)
    assert len(found) == 1, f"{path}: expected one match, got {len(found)}"
    return found[0]


def by_id(root, element_id: str):
    return one(root, f"//*[@id='{element_id}']")


def local(node) -> str:
    return etree.QName(node).localname


def flow_nodes(root) -> list:
    process = one(root, f"//bpmn:process[@id='{PROCESS_ID}']")
    return [n for n in process.iter() if isinstance(n.tag, str) and local(n) in FLOW_NODE_TAGS
            and etree.QName(n).namespace == NS["bpmn"]]


def user_tasks(root) -> list:
    return xp(root, "//bpmn:userTask")


def properties(node) -> dict[str, str]:
    props = xp(node, "./bpmn:extensionElements/spiffworkflow:properties/spiffworkflow:property")
    return {p.get("name"): p.get("value") for p in props}


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


def load_form(task) -> dict:
    return json.loads((FORMS_DIR / properties(task)["formJsonSchemaFilename"]).read_text(encoding="utf-8"))


def form_of(root, task_id: str) -> Draft202012Validator:
    schema = load_form(by_id(root, task_id))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


# ---------------------------------------------------------------- parsing
def test_model_passes_the_spiff_xsd_and_parses(parser):
    spec = parser.get_spec(PROCESS_ID)
    subprocesses = parser.get_subprocess_specs(PROCESS_ID)

    assert spec.name == PROCESS_ID
    assert {"start_data_diterima", "tugaskan_pelaksana", "hubungi_wajib_pajak", "penyusunan_laporan",
            "batas_waktu_laporan", "sampaikan_laporan", "end_selesai"} <= set(spec.task_specs)
    assert set(subprocesses) == {SUBPROCESS_ID}
    assert {"susun_laporan", "teliti_laporan", "gw_laporan_kasi", "tandatangani_laporan",
            "gw_laporan_kepala", "end_laporan"} <= set(subprocesses[SUBPROCESS_ID].task_specs)


def test_process_and_collaboration_header(root):
    process = by_id(root, PROCESS_ID)
    assert process.get("name") == "Tata Cara Pelaksanaan Layanan Penyampaian Informasi Perpajakan"
    assert process.get("isExecutable") == "true"
    klip = by_id(root, "pool_klip")
    assert (klip.get("name"), klip.get("processRef")) == ("KLIP", PROCESS_ID)
    assert local(klip.getparent()) == "collaboration"
    assert klip.getparent().get("id") == "collab_lip20_0008"


def test_lanes_have_the_sop_actor_names_in_order(root):
    lanes = xp(root, f"//bpmn:process[@id='{PROCESS_ID}']/bpmn:laneSet/bpmn:lane")
    assert [(lane.get("id"), lane.get("name")) for lane in lanes] == LANES
    tops = [bounds(root, lane_id)[1] for lane_id, _ in LANES]
    assert tops == sorted(tops), "lanes must be drawn top to bottom in this order"


def test_every_flow_node_lies_in_exactly_one_lane_except_the_subprocess(root):
    refs = [ref.text for ref in xp(root, "//bpmn:lane/bpmn:flowNodeRef")]
    node_ids = {node.get("id") for node in flow_nodes(root)}

    assert len(refs) == len(set(refs)), "a node is listed in two lanes"
    assert SUBPROCESS_ID not in refs, "children would inherit the subprocess's lane"
    assert set(refs) == node_ids - {SUBPROCESS_ID}


def test_node_shapes_lie_within_their_lane(root):
    for lane_id, _ in LANES:
        lane_box = bounds(root, lane_id)
        for ref in xp(by_id(root, lane_id), "./bpmn:flowNodeRef"):
            assert inside(bounds(root, ref.text), lane_box), f"{ref.text} is drawn outside {lane_id}"


def test_parsed_tasks_carry_their_own_lane(parser):
    spec = parser.get_spec(PROCESS_ID)
    sub = parser.get_subprocess_specs(PROCESS_ID)[SUBPROCESS_ID]

    assert spec.task_specs[SUBPROCESS_ID].lane is None
    assert spec.task_specs["tugaskan_pelaksana"].lane == "Kepala Seksi Operasional"
    assert spec.task_specs["hubungi_wajib_pajak [child]"].lane == "Agen"
    assert spec.task_specs["sampaikan_laporan"].lane == "Seksi Penjaminan Kualitas Layanan"
    assert sub.task_specs["susun_laporan"].lane == "Pelaksana Seksi Operasional"
    assert sub.task_specs["teliti_laporan"].lane == "Kepala Seksi Operasional"
    assert sub.task_specs["tandatangani_laporan"].lane == "Kepala Kantor"


# ---------------------------------------------------------------- messages
def test_requester_pool_is_a_black_box_reached_by_message_flows(root):
    pool = by_id(root, "pool_pengguna_layanan")
    assert pool.get("name") == "Pengguna Layanan"
    assert pool.get("processRef") is None

    flows = {f.get("id"): (f.get("sourceRef"), f.get("targetRef")) for f in xp(root, "//bpmn:messageFlow")}
    assert flows == {
        "mf_data_layanan": ("pool_pengguna_layanan", "start_data_diterima"),
        "mf_laporan": ("kirim_laporan", "pool_pengguna_layanan"),
    }


def test_messages_and_their_events(root, parser):
    messages = {m.get("id"): m.get("name") for m in xp(root, "/bpmn:definitions/bpmn:message")}
    assert messages == {"msg_data_layanan": "data_layanan", "msg_laporan": "laporan_pelaksanaan",
                        "msg_eskalasi": "eskalasi_laporan"}

    spec = parser.get_spec(PROCESS_ID)
    start = spec.task_specs["start_data_diterima"].event_definition
    assert (start.name, start.message_var) == ("data_layanan", "data_layanan")
    report = spec.task_specs["kirim_laporan"].event_definition
    assert report.name == "laporan_pelaksanaan"
    assert report.expression == '{"campaign_id": campaign_id, "nomor_surat": nomor_surat}'
    escalation = spec.task_specs["notifikasi_keterlambatan"].event_definition
    assert escalation.name == "eskalasi_laporan"
    assert escalation.expression == ('{"campaign_id": campaign_id, "batas_laporan": batas_laporan, '
                                     '"untuk_peran": ["kasi", "kepala_kantor"]}')


# ---------------------------------------------------------------- behaviour-bearing elements
def test_step_5_is_a_parallel_multi_instance_over_the_agents(root, parser):
    mi = one(by_id(root, "hubungi_wajib_pajak"), "./bpmn:multiInstanceLoopCharacteristics")
    assert mi.get("isSequential") in (None, "false")  # bpmn.io omits the default (parallel) when saving

    task = parser.get_spec(PROCESS_ID).task_specs["hubungi_wajib_pajak"]
    assert type(task).__name__ == "ParallelMultiInstanceTask"
    assert (task.data_input.bpmn_id, task.data_output.bpmn_id) == ("agen", "hasil_agen")
    assert (task.input_item.bpmn_id, task.output_item.bpmn_id) == ("agen_tugas", "hasil_penyampaian")


def test_report_deadline_is_a_non_interrupting_timer_on_the_subprocess(root, parser):
    boundary = by_id(root, "batas_waktu_laporan")
    assert local(boundary) == "boundaryEvent"
    assert boundary.get("attachedToRef") == SUBPROCESS_ID
    assert one(boundary, "./bpmn:timerEventDefinition/bpmn:timeDate").text == "batas_laporan"

    spec = parser.get_spec(PROCESS_ID).task_specs["batas_waktu_laporan"]
    assert spec.cancel_activity is False
    assert type(spec.event_definition).__name__ == "TimeDateEventDefinition"
    assert spec.event_definition.expression == "batas_laporan"


def test_deadline_is_computed_in_working_days_before_the_report_starts(parser):
    script = parser.get_spec(PROCESS_ID).task_specs["tetapkan_batas_laporan"]
    assert script.script == ("penyampaian_selesai = now()\n"
                             "batas_laporan = add_working_days(penyampaian_selesai, 5)")
    assert script.outputs[0].name == f"{SUBPROCESS_ID}.BoundaryEventSplit"


def test_subprocess_is_expanded_and_holds_steps_6_to_8(root):
    subprocess = by_id(root, SUBPROCESS_ID)
    assert local(subprocess) == "subProcess"
    children = {n.get("id") for n in subprocess if isinstance(n.tag, str) and local(n) in FLOW_NODE_TAGS}
    assert children == {"start_laporan", "susun_laporan", "teliti_laporan", "gw_laporan_kasi",
                        "tandatangani_laporan", "gw_laporan_kepala", "end_laporan"}
    shape = one(root, f"//bpmndi:BPMNShape[@bpmnElement='{SUBPROCESS_ID}']")
    assert shape.get("isExpanded") == "true"
    for child in children:
        assert inside(bounds(root, child), bounds(root, SUBPROCESS_ID)), child


@pytest.mark.parametrize("gateway, returns_to, default", [
    ("gw_rencana_kerja", {"susun_rencana_kerja"}, "flow_rencana_kembali"),
    ("gw_laporan_kasi", {"susun_laporan"}, "flow_laporan_kasi_kembali"),
    ("gw_laporan_kepala", {"susun_laporan", "teliti_laporan"}, "flow_laporan_kembali_kasi"),
])
def test_return_loops_go_back_from_the_decision_gateways(root, gateway, returns_to, default):
    node = by_id(root, gateway)
    assert local(node) == "exclusiveGateway"
    assert node.get("default") == default
    targets = {f.get("targetRef") for f in xp(root, f"//bpmn:sequenceFlow[@sourceRef='{gateway}']")}
    assert returns_to <= targets
    assert by_id(root, default).get("targetRef") in returns_to


def test_gateway_conditions_read_the_form_decisions(root):
    conditions = {f.getparent().get("id"): f.text for f in xp(root, "//bpmn:sequenceFlow/bpmn:conditionExpression")}
    assert conditions == {
        "flow_rencana_setuju": 'keputusan == "setuju"',
        "flow_laporan_kasi_setuju": 'keputusan == "setuju"',
        "flow_laporan_ttd": 'keputusan == "tandatangani"',
        "flow_laporan_kembali_pelaksana": 'keputusan == "kembalikan" and kembalikan_ke == "pelaksana"',
    }


def test_sequence_flows_match_incoming_and_outgoing(root):
    for flow in xp(root, "//bpmn:sequenceFlow"):
        fid, source, target = flow.get("id"), flow.get("sourceRef"), flow.get("targetRef")
        assert [o.text for o in xp(by_id(root, source), "./bpmn:outgoing")].count(fid) == 1, fid
        assert [i.text for i in xp(by_id(root, target), "./bpmn:incoming")].count(fid) == 1, fid
    for node in flow_nodes(root):
        for ref in xp(node, "./bpmn:incoming | ./bpmn:outgoing"):
            assert local(by_id(root, ref.text)) == "sequenceFlow", ref.text


# ---------------------------------------------------------------- diagram interchange
def test_every_element_has_a_shape_or_an_edge(root):
    shaped = {s.get("bpmnElement") for s in xp(root, "//bpmndi:BPMNShape")}
    edged = {e.get("bpmnElement") for e in xp(root, "//bpmndi:BPMNEdge")}
    needs_shape = {n.get("id") for n in flow_nodes(root)}
    needs_shape |= {n.get("id") for n in xp(root, "//bpmn:lane | //bpmn:participant")}
    needs_edge = {f.get("id") for f in xp(root, "//bpmn:sequenceFlow | //bpmn:messageFlow")}

    assert needs_shape - shaped == set()
    assert needs_edge - edged == set()
    assert one(root, "//bpmndi:BPMNPlane").get("bpmnElement") == "collab_lip20_0008"


def test_edges_are_orthogonal_and_dock_on_their_shapes(root):
    for flow in xp(root, "//bpmn:sequenceFlow | //bpmn:messageFlow"):
        fid = flow.get("id")
        points = waypoints(root, fid)
        assert len(points) >= 2, fid
        for (x1, y1), (x2, y2) in pairwise(points):
            assert x1 == x2 or y1 == y2, f"{fid} has a diagonal segment"
        assert on_border(points[0], bounds(root, flow.get("sourceRef"))), f"{fid} does not leave its source"
        assert on_border(points[-1], bounds(root, flow.get("targetRef"))), f"{fid} does not reach its target"


def test_node_shapes_do_not_overlap(root):
    ids = [n.get("id") for n in flow_nodes(root) if n.get("id") != SUBPROCESS_ID]
    boxes = {i: bounds(root, i) for i in ids}
    for n, a in enumerate(ids):
        for b in ids[n + 1:]:
            assert not overlap(boxes[a], boxes[b]), f"{a} overlaps {b}"


def test_labels_are_placed_for_events_gateways_and_named_flows(root):
    for node in flow_nodes(root):
        if local(node).endswith(("Event", "Gateway")):
            assert xp(root, f"//bpmndi:BPMNShape[@bpmnElement='{node.get('id')}']/bpmndi:BPMNLabel/dc:Bounds"), \
                node.get("id")
    for flow in xp(root, "//bpmn:sequenceFlow[@name] | //bpmn:messageFlow[@name]"):
        assert xp(root, f"//bpmndi:BPMNEdge[@bpmnElement='{flow.get('id')}']/bpmndi:BPMNLabel/dc:Bounds"), \
            flow.get("id")


# ---------------------------------------------------------------- user tasks and forms
def test_user_tasks_have_sop_documentation_step_and_mutu_baku(root):
    steps = []
    for task in user_tasks(root):
        tid = task.get("id")
        documentation = xp(task, "./bpmn:documentation")
        assert documentation and documentation[0].text.strip(), f"{tid} has no documentation"
        props = properties(task)
        for key in ("formJsonSchemaFilename", "sopStep", "mutuBakuKelengkapan", "mutuBakuWaktu",
                    "mutuBakuOutput"):
            assert props.get(key), f"{tid} lacks {key}"
        steps.append(props["sopStep"])
    assert sorted(steps) == ["1", "2", "3", "4", "5", "6", "7", "8", "9", "Jangka Waktu"]
    assert properties(by_id(root, "end_selesai"))["sopStep"] == "10"
    assert one(by_id(root, "end_selesai"), "./bpmn:documentation").text == "Proses selesai."
    assert xp(by_id(root, "start_data_diterima"), "./bpmn:documentation")


def test_sop_sentences_are_the_task_documentation(root):
    def doc(task_id: str) -> str:
        return one(by_id(root, task_id), "./bpmn:documentation").text

    assert doc("tugaskan_pelaksana").startswith("Setelah Kepala Seksi Operasional menerima")
    assert doc("tugaskan_pelaksana").endswith("membuat konsep rencana kerja penyampaian informasi perpajakan.")
    assert doc("sampaikan_laporan").startswith("Pelaksana Seksi Penjaminan Kualitas Layanan menyampaikan")
    assert doc("sampaikan_laporan").endswith("dengan menggunakan SOP Penyampaian Dokumen di KLIP.")
    assert "paling lama 5 (lima) hari kerja sejak Pekerjaan Penyampaian Informasi Perpajakan selesai" in \
        doc("tindak_lanjut_keterlambatan")


def test_engine_properties_of_the_tasks(root):
    expected = {
        "susun_rencana_kerja": {"assigneeVariable": "pelaksana"},
        "distribusi_pekerjaan": {"view": "distribution", "action": "distribute_contacts"},
        "hubungi_wajib_pajak": {"assigneeVariable": "agen_tugas", "dueDateVariable": "rencana_selesai",
                                "view": "call_list", "action": "finish_assignment"},
        "susun_laporan": {"assigneeVariable": "pelaksana", "dueDateVariable": "batas_laporan",
                          "view": "report_draft", "action": "draft_report"},
        "teliti_laporan": {"dueDateVariable": "batas_laporan", "view": "report_review"},
        "tandatangani_laporan": {"dueDateVariable": "batas_laporan", "view": "report_sign",
                                 "action": "sign_report"},
        "sampaikan_laporan": {"action": "send_report"},
    }
    for task_id, props in expected.items():
        assert props.items() <= properties(by_id(root, task_id)).items(), task_id


def test_every_user_task_names_a_valid_form_following_our_conventions(root):
    used = set()
    for task in user_tasks(root):
        filename = properties(task)["formJsonSchemaFilename"]
        used.add(filename)
        assert (FORMS_DIR / filename).is_file(), f"{task.get('id')}: {filename} is missing"
        schema = load_form(task)
        Draft202012Validator.check_schema(schema)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
        assert schema["type"] == "object" and schema["additionalProperties"] is False
        assert schema["title"] and schema["x-title-en"], filename
        assert set(schema.get("required", [])) <= set(schema["properties"]), filename
        for name, prop in schema["properties"].items():
            assert name.isidentifier() and not keyword.iskeyword(name), f"{filename}: {name}"
            assert name not in RESERVED_NAMES, f"{filename}: {name} shadows a registered function"
            assert prop["title"] and prop["x-title-en"], f"{filename}: {name}"
            if "enum" in prop:
                assert set(prop["x-enum-titles"]) == set(prop["enum"]), f"{filename}: {name}"
    assert used == {p.name for p in FORMS_DIR.glob("*.json")}, "a form file is not used by any task"


@pytest.mark.parametrize("task_id", ["teliti_rencana_kerja", "teliti_laporan"])
def test_approval_forms_require_notes_only_when_returning(root, task_id):
    form = form_of(root, task_id)
    assert form.schema["properties"]["keputusan"]["enum"] == ["setuju", "kembalikan"]

    assert form.is_valid({"keputusan": "setuju"})
    assert form.is_valid({"keputusan": "setuju", "catatan": ""})
    assert form.is_valid({"keputusan": "kembalikan", "catatan": "Target kontak belum sesuai."})
    assert not form.is_valid({"keputusan": "kembalikan"})
    assert not form.is_valid({"keputusan": "kembalikan", "catatan": ""})
    assert not form.is_valid({"keputusan": "kembalikan", "catatan": "   "})
    assert not form.is_valid({})
    assert not form.is_valid({"keputusan": "tolak"})
    assert not form.is_valid({"keputusan": "setuju", "lain": 1})


def test_signature_form_requires_target_and_notes_when_returning(root):
    form = form_of(root, "tandatangani_laporan")
    assert form.schema["properties"]["keputusan"]["enum"] == ["tandatangani", "kembalikan"]
    assert form.schema["properties"]["kembalikan_ke"]["enum"] == ["pelaksana", "kasi"]

    assert form.is_valid({"keputusan": "tandatangani"})
    assert form.is_valid({"keputusan": "kembalikan", "kembalikan_ke": "kasi", "catatan": "Periksa angka."})
    assert not form.is_valid({"keputusan": "kembalikan", "catatan": "Periksa angka."})
    assert not form.is_valid({"keputusan": "kembalikan", "kembalikan_ke": "pelaksana"})
    assert not form.is_valid({"keputusan": "kembalikan", "kembalikan_ke": "agen", "catatan": "x"})


def test_assignment_forms_name_users_by_role(root):
    pelaksana = form_of(root, "tugaskan_pelaksana")
    assert pelaksana.schema["properties"]["pelaksana"]["x-role"] == "pelaksana"
    assert pelaksana.is_valid({"pelaksana": "budi"})
    assert not pelaksana.is_valid({"catatan": "tanpa pelaksana"})

    distribusi = form_of(root, "distribusi_pekerjaan")
    agen = distribusi.schema["properties"]["agen"]
    assert (agen["type"], agen["x-role"], agen["minItems"], agen["uniqueItems"]) == ("array", "agen", 1, True)
    assert distribusi.is_valid({"agen": ["ani", "bayu"]})
    assert not distribusi.is_valid({"agen": []})
    assert not distribusi.is_valid({"agen": ["ani", "ani"]})


def test_work_plan_and_delivery_forms(root):
    plan = form_of(root, "susun_rencana_kerja")
    good = {"rencana_mulai": "2026-03-10", "rencana_selesai": "2026-03-20", "target_kontak": 500,
            "materi": "Pengingat SPT Tahunan", "naskah": "Selamat pagi, ...", "kebutuhan_agen": 4}
    assert plan.is_valid(good)
    assert not plan.is_valid({**good, "target_kontak": 0})
    assert not plan.is_valid({k: v for k, v in good.items() if k != "naskah"})
    assert not plan.is_valid({**good, "rencana_selesai": "20-03-2026"})
    assert plan.schema["properties"]["rencana_selesai"]["format"] == "date"

    delivery = form_of(root, "sampaikan_laporan")
    sent = {"nomor_surat": "S-12/PJ.09/2026", "tanggal_kirim": "2026-03-31", "diteruskan_ke_pkl": True}
    assert delivery.is_valid(sent)
    assert not delivery.is_valid({**sent, "diteruskan_ke_pkl": False})
    assert not delivery.is_valid({k: v for k, v in sent.items() if k != "nomor_surat"})

    assert form_of(root, "hubungi_wajib_pajak").is_valid({})
    assert form_of(root, "susun_laporan").is_valid({"ringkasan_pelaksanaan": "Semua kontak dihubungi."})
    assert not form_of(root, "tindak_lanjut_keterlambatan").is_valid({})


# ---------------------------------------------------------------- SOP sidecar
def test_sidecar_holds_the_sop_header():
    sop = json.loads(SIDECAR.read_text(encoding="utf-8"))
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
