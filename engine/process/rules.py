"""What the engine understands in a model: lanes → roles, task properties, views and actions."""
from __future__ import annotations

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

# Element kinds that would hand control to code or to documents we do not load.
UNSUPPORTED_ELEMENTS = {
    "serviceTask": "service tasks are not supported (they would call server code)",
    "businessRuleTask": "business rule (DMN) tasks are not supported",
    "callActivity": "call activities are not supported: keep the SOP in one process",
}
