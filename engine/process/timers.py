"""Fire due timers (``klip tick`` from cron, or the scheduler thread of ``klip serve``).

Each instance runs in a transaction of its own under a time limit (``Settings.instance_time_limit``): its
expressions and engine steps stop when it has passed, and on PostgreSQL each statement, each lock wait and the idle
time between statements are bounded by the database itself. One bad instance is rolled back, audited
(``timer_failed``) and retried an hour later; it never holds the others up for longer than its limit.
"""
from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm.exc import StaleDataError

from ..audit import audit
from ..context import Context, limit_statements
from ..errors import ProcessFailed
from ..models import Instance
from .expressions import time_limit
from .runtime import load_instance, save_instance

RETRY_AFTER = timedelta(hours=1)
LOCK_WAIT = 5.0  # seconds a timer waits for an instance a request is working on (at most its time limit)
LOCK_NOT_AVAILABLE = "55P03"  # PostgreSQL: lock_timeout passed
log = logging.getLogger(__name__)


def due_instances(ctx: Context) -> list[int]:
    with ctx.transaction() as session:
        query = select(Instance.id).where(Instance.status == "running", Instance.next_timer_at <= ctx.now())
        return list(session.scalars(query.order_by(Instance.next_timer_at)))


def fire_due_timers(ctx: Context, instance_id: int) -> bool:
    """Advance one instance whose timer is due; False if another worker got there first."""
    limit = ctx.settings.instance_time_limit
    try:
        with time_limit(limit), ctx.transaction() as session:
            limit_statements(session, limit, min(LOCK_WAIT, limit))
            loaded = load_instance(ctx, session, instance_id, lock=True)
            due = loaded.row.next_timer_at
            if due is None or due > ctx.now():
                return False
            loaded.advance()
            audit(session, ctx.now(), "system", "timer_fired", instance_id, loaded.row.campaign_id,
                  data={"due_at": due.isoformat()})
            save_instance(loaded)
    except StaleDataError:
        log.info("timer of instance %s already fired by another worker", instance_id)
        return False
    except ProcessFailed as exc:
        log.error("timer of instance %s failed, retrying in %s: %s", instance_id, RETRY_AFTER, exc.message)
        _record_failure(ctx, instance_id, exc.message)
        return False
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == LOCK_NOT_AVAILABLE:  # a request holds it: the next tick retries
            log.info("timer of instance %s waits: the instance is locked by a request", instance_id)
            return False
        log.error("timer of instance %s stopped by the database, retrying in %s: %s", instance_id, RETRY_AFTER,
                  exc.orig)
        _record_failure(ctx, instance_id, f"database: {str(exc.orig).strip()[:300]}")
        return False
    log.info("timer of instance %s fired (due %s)", instance_id, due.isoformat())
    return True


def _record_failure(ctx: Context, instance_id: int, message: str) -> None:
    """Audit a timer that could not run and retry it an hour later; the other instances go on."""
    with ctx.transaction() as session:
        row = session.get(Instance, instance_id)
        if row is None:
            return
        row.next_timer_at = ctx.now() + RETRY_AFTER
        audit(session, ctx.now(), "system", "timer_failed", instance_id, row.campaign_id, data={"error": message})


def tick(ctx: Context) -> int:
    """Fire every due timer, one transaction per instance; return how many instances advanced."""
    fired = sum(fire_due_timers(ctx, instance_id) for instance_id in due_instances(ctx))
    log.debug("tick: %d instance(s) advanced", fired)
    return fired
