"""Page read-models: everything one screen shows, built in one transaction by one call.

The web app renders these frozen views; it never reads the database or combines services itself.
"""
from .access_log import AccessEntry, AccessFilters, AccessLogPage, TaxpayerRef, access_log_page
from .analyst import (
    DiffPage,
    DraftPage,
    ModelerPage,
    ProcessesPage,
    VersionPage,
    diff_page,
    draft_page,
    modeler_page,
    processes_page,
    version_page,
)
from .calls import CallListPage, ContactPage, RecordResult, call_list_page, contact_page, record_and_next
from .campaigns import CampaignFilters, CampaignList, CampaignRow, CampaignSort, UploadPage, campaign_list, upload_page
from .dashboard import DAY_CHOICES, DEFAULT_DAYS, Dashboard, dashboard_page
from .docs import (
    DocsPage,
    PerformancePage,
    documentation_page,
    performance_page,
    sop_appendix_html,
    sop_document_html,
    version_bpmn,
)
from .instances import GroupedEvent, InstancePage, instance_page
from .listing import DEFAULT_PER_PAGE, MAX_PER_PAGE, MAX_QUERY, Paging
from .quality import AgentResult, QualityPanel, ResultsPage, SampleView, quality_results
from .reassign import AgentWork, Candidate, ReassignPage, agent_reassign_page, task_reassign_page
from .reports import CampaignPage, ReportPage, campaign_page, report_page
from .tasks import Inbox, TaskFilters, TaskList, TaskPage, TaskSort, agents_field, inbox, task_list, task_page

__all__ = [
    "DiffPage",
    "DraftPage",
    "ModelerPage",
    "modeler_page",
    "ProcessesPage",
    "VersionPage",
    "diff_page",
    "draft_page",
    "processes_page",
    "version_page",
    "AccessEntry",
    "AccessFilters",
    "AccessLogPage",
    "TaxpayerRef",
    "access_log_page",
    "AgentResult",
    "QualityPanel",
    "ResultsPage",
    "SampleView",
    "quality_results",
    "AgentWork",
    "Candidate",
    "ReassignPage",
    "agent_reassign_page",
    "task_reassign_page",
    "CallListPage",
    "CampaignFilters",
    "CampaignList",
    "CampaignPage",
    "CampaignRow",
    "CampaignSort",
    "ContactPage",
    "DAY_CHOICES",
    "DEFAULT_DAYS",
    "Dashboard",
    "DEFAULT_PER_PAGE",
    "DocsPage",
    "GroupedEvent",
    "Inbox",
    "InstancePage",
    "MAX_PER_PAGE",
    "MAX_QUERY",
    "Paging",
    "PerformancePage",
    "RecordResult",
    "ReportPage",
    "TaskFilters",
    "TaskList",
    "TaskPage",
    "TaskSort",
    "UploadPage",
    "agents_field",
    "call_list_page",
    "campaign_list",
    "campaign_page",
    "contact_page",
    "dashboard_page",
    "documentation_page",
    "inbox",
    "instance_page",
    "performance_page",
    "record_and_next",
    "report_page",
    "sop_appendix_html",
    "sop_document_html",
    "task_list",
    "task_page",
    "upload_page",
    "version_bpmn",
]
