"""Panels one page borrows from another area: a task page's step panel, the instance page's live diagram.

Each renders a read model its page already built (in that page's one transaction); nothing here calls the
engine.
"""
from __future__ import annotations

from typing import Any

from flask import render_template
from markupsafe import Markup

from engine import pages
from engine.campaign import OUTCOMES
from engine.i18n import N_

STATES = (("state-completed", N_("Selesai dikerjakan")), ("state-active", N_("Sedang berjalan")),
          ("state-overdue", N_("Terlambat")))


def task_panel(page: pages.TaskPage) -> Markup | None:
    """The step's richer panel: the agent's assignment at step 5, the report at steps 6–9."""
    if page.assignment is not None:
        return assignment_panel(page.assignment)
    if page.report is not None:
        return report_panel(page.report)
    return None


def assignment_panel(call_list: pages.CallListPage) -> Markup:
    """Step 5: this agent's progress, open contacts first, links to the call list and the next contact."""
    return Markup(render_template("calls/_assignment_panel.html", page=call_list,
                                  campaign_id=call_list.campaign.id))


def report_values(page: pages.ReportPage) -> dict[str, Any]:
    """What the report page and the report panel show: figures, per-outcome rows, names, signature."""
    figures = page.report["figures"]
    return {"figures": figures, "report": page.report, "names": page.names,
            "outcome_rows": [(outcome, figures.get("by_outcome", {}).get(code, 0),
                              figures.get("attempts_by_outcome", {}).get(code, 0))
                             for code, outcome in OUTCOMES.items()]}


def report_panel(page: pages.ReportPage) -> Markup:
    """Steps 6–8: the report figures and signature block beside the form."""
    return Markup(render_template("campaigns/_report_panel.html", **report_values(page)))


def instance_diagram_panel(page: pages.InstancePage) -> Markup:
    """The instance's flowchart coloured by state, a legend, the SOP text per shape."""
    return Markup(render_template("docs/_instance_panel.html", diagram=page.diagram, notes=page.notes,
                                  states=STATES))
