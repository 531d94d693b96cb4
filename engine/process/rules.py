"""What the engine understands in a model: lanes → roles, task properties, views and actions."""
from __future__ import annotations

from ..i18n import N_
from ..models import CampaignStatus

# Lane names exactly as in the SOP (and the BPMN); the role code a user needs to work the lane.
LANE_ROLES: dict[str, str] = {
    "Kepala Seksi Operasional": "kasi",
    "Pelaksana Seksi Operasional": "pelaksana",
    "Agen": "agen",
    "Kepala Kantor": "kepala_kantor",
    "Seksi Penjaminan Kualitas Layanan": "pkl",
    "Pelaksana Seksi Penjaminan Kualitas Layanan": "pkl",
    "Kepala Seksi Penjaminan Kualitas Layanan": "kepala_seksi_pkl",
}

FORM_PROPERTY = "formJsonSchemaFilename"
ASSIGNEE_PROPERTY = "assigneeVariable"
DUE_DATE_PROPERTY = "dueDateVariable"  # a variable holding the due date (a date or an ISO datetime)
DUE_EXPRESSION_PROPERTY = "dueDate"  # an expression giving it, evaluated once when the task becomes ready
TIME_STANDARD_PROPERTY = "mutuBakuWaktu"  # "N hari kerja": the due date when neither of the above is given
VIEW_PROPERTY = "view"
PHASE_PROPERTY = "campaignPhase"
# The campaign statuses a task may name, in process order; it sets the campaign's status while it is READY.
PHASES = tuple(status.value for status in CampaignStatus if status is not CampaignStatus.SELESAI)
ACTION_PROPERTY = "action"
CASE_FILE_PROPERTY = "caseFile"  # the earlier forms (and fields) the task shows: "a.json:x,y; b.json"
# A variable naming what the task is about (e.g. the agent a score sheet is for): shown after the task's name in task
# lists and the audit trail, so that the instances of a multi-instance task can be told apart.
SUBJECT_PROPERTY = "subjectVariable"
# Every user-task property the engine reads (the SOP document reads sopStep and the mutuBaku* ones).
TASK_PROPERTIES = (FORM_PROPERTY, ASSIGNEE_PROPERTY, DUE_DATE_PROPERTY, DUE_EXPRESSION_PROPERTY, VIEW_PROPERTY,
                   PHASE_PROPERTY, ACTION_PROPERTY, CASE_FILE_PROPERTY, SUBJECT_PROPERTY)


def parse_case_file(spec: str | None) -> dict[str, tuple[str, ...] | None]:
    """``"a.json:x,y; b.json"`` → ``{"a.json": ("x", "y"), "b.json": None}`` (None: every field)."""
    wanted: dict[str, tuple[str, ...] | None] = {}
    for entry in (spec or "").split(";"):
        form, _, fields = entry.strip().partition(":")
        if form.strip():
            names = tuple(f.strip() for f in fields.split(",") if f.strip())
            wanted[form.strip()] = names or None
    return wanted

# Richer screens the web app offers; a task without a view gets the generic form.
VIEWS = frozenset({"distribution", "call_list", "report_draft", "report_review", "report_sign",
                   "report_send", "qa_sample", "qa_score", "qa_review"})
# Domain actions the engine runs, in the same transaction, when a task with that property completes.
ACTIONS = frozenset({"distribute_contacts", "finish_assignment", "draft_report", "sign_report", "send_report",
                     "sample_calls", "score_agent", "approve_assessment"})

# What a domain action adds to the task's data on every completion (``engine.campaign.actions``,
# ``engine.quality.actions``: the keys of the dict it always returns), for the lint's variable check.
ACTION_SETS: dict[str, frozenset[str]] = {
    "distribute_contacts": frozenset({"pembagian"}),
    "finish_assignment": frozenset({"agen", "progres"}),
    "draft_report": frozenset(),
    "sign_report": frozenset(),  # the report's hash and number only when it is signed
    "send_report": frozenset(),
    "sample_calls": frozenset({"agen_dinilai", "jumlah_sampel"}),
    "score_agent": frozenset({"agen", "nilai_agen"}),
    "approve_assessment": frozenset(),  # who approved, only when approved
}
# Variables the engine sets before an instance starts (``engine.process.runtime.start_instance``).
ENGINE_VARIABLES = frozenset({"campaign_id"})

# Element kinds that would hand control to code or to documents we do not load.
UNSUPPORTED_ELEMENTS = {
    "serviceTask": N_("service task tidak didukung (akan memanggil kode server)"),
    "businessRuleTask": N_("business rule task (DMN) tidak didukung"),
    "callActivity": N_("call activity tidak didukung: jaga SOP dalam satu proses"),
}
