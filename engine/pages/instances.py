"""Read model of the instance page: status, current tasks, the whole trail and the live diagram, in one
transaction."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import and_, false, func, or_, select

from .. import access
from ..access import Who
from ..audit import ACCESS_ACTIONS
from ..context import Context
from ..instances import HistoryItem, InstanceView, history_item, instance_view
from ..models import AuditEvent
from .diagrams import InstanceDiagram, instance_diagram
from .docs import Notes, element_notes

# Per-contact events (every access to taxpayers' data): one line per user and action on the instance page, not one
# per call or view; the campaign's access log lists each.
GROUPED_ACTIONS = ACCESS_ACTIONS


@dataclass(frozen=True)
class GroupedEvent:
    """Many per-contact events of one user, e.g. 35 calls recorded between ``first`` and ``last``."""

    first: datetime
    last: datetime
    username: str
    action: str
    count: int


@dataclass(frozen=True)
class InstancePage:
    instance: InstanceView
    trail: list[HistoryItem | GroupedEvent]  # process and campaign events, in order
    diagram: InstanceDiagram
    notes: Notes  # the SOP notes behind each shape of the instance's own version
    reassignable: frozenset[str] = frozenset()  # ids of the current tasks the viewer may move to another holder


def instance_page(ctx: Context, who: Who, instance_id: int) -> InstancePage:
    """The instance, its whole trail (process and campaign events) and its diagram coloured by state."""
    with access.acting(ctx, who) as (session, user):
        row = access.readable_instance(session, user, instance_id)
        instance = instance_view(session, user, row, ctx.now(), history=False)
        mine = or_(AuditEvent.instance_id == instance_id,
                   and_(AuditEvent.campaign_id == row.campaign_id, AuditEvent.instance_id.is_(None))
                   if row.campaign_id is not None else false())
        internal = access.is_internal(user)
        events = session.scalars(select(AuditEvent).where(mine, AuditEvent.action.not_in(GROUPED_ACTIONS))
                                 .order_by(AuditEvent.id))
        trail: list[HistoryItem | GroupedEvent] = [history_item(e, internal) for e in events]
        grouped = session.execute(
            select(AuditEvent.username, AuditEvent.action, func.count(AuditEvent.id),
                   func.min(AuditEvent.at), func.max(AuditEvent.at))
            .where(mine, AuditEvent.action.in_(GROUPED_ACTIONS)).group_by(AuditEvent.username, AuditEvent.action))
        trail += [GroupedEvent(_aware(first), _aware(last), name, action, n)
                  for name, action, n, first, last in grouped]
        diagram = instance_diagram(ctx, session, row)
        movable = frozenset(t.id for t in instance.tasks if access.may_reassign(user, t.role))
    # sorted() is stable: events at the same instant keep their recorded order.
    trail.sort(key=lambda i: i.at if isinstance(i, HistoryItem) else i.first)
    return InstancePage(instance, trail, diagram, element_notes(diagram.bpmn_xml, diagram.sop_metadata), movable)


def _aware(value: Any) -> datetime:
    """min()/max() bypass the column type, so SQLite returns naive UTC (or text): make it aware UTC."""
    parsed = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
