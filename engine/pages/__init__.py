"""Page read-models: everything one screen shows, built in one transaction by one call.

The web app renders these frozen views; it never reads the database or combines services itself.
"""
from .calls import CallListPage, ContactPage, RecordResult, call_list_page, contact_page, record_and_next
from .docs import DocsPage, PerformancePage, documentation_page, performance_page, sop_document_html, version_bpmn
from .instances import GroupedEvent, InstancePage, instance_page
from .reports import ReportPage, report_page
from .tasks import Inbox, TaskPage, agents_field, inbox, task_page

__all__ = ["CallListPage", "ContactPage", "DocsPage", "GroupedEvent", "Inbox", "InstancePage", "PerformancePage",
           "RecordResult", "ReportPage", "TaskPage", "agents_field", "call_list_page", "contact_page",
           "documentation_page", "inbox", "instance_page", "performance_page", "record_and_next", "report_page",
           "sop_document_html", "task_page", "version_bpmn"]
