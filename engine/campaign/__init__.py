"""The KLIP campaign domain the SOP's steps act on: target lists, contacts and their distribution, calls and
their outcomes, the report's figures, and the domain actions the model names (``actions``).

Apart from the generic process engine (``engine.process``): a second process adds its domain beside this one.
"""
from ..models import CampaignStatus
from .actions import ACTIONS
from .contacts import MAX_DURATION_S, ContactView
from .outcomes import CALLBACK_OUTCOME, OUTCOMES, WRONG_NUMBER_OUTCOME, Outcome
from .services import (
    CallView,
    CampaignView,
    contact_detail,
    create_campaign,
    get_campaign,
    get_report,
    list_campaigns,
    list_contacts,
    next_contact,
    preview_distribution,
    record_call,
    signed_report_pdf,
)
from .target_list import localized_report

__all__ = [
    "ACTIONS",
    "CALLBACK_OUTCOME",
    "CallView",
    "CampaignStatus",
    "CampaignView",
    "ContactView",
    "MAX_DURATION_S",
    "OUTCOMES",
    "Outcome",
    "WRONG_NUMBER_OUTCOME",
    "contact_detail",
    "create_campaign",
    "get_campaign",
    "get_report",
    "list_campaigns",
    "list_contacts",
    "localized_report",
    "next_contact",
    "preview_distribution",
    "record_call",
    "signed_report_pdf",
]
