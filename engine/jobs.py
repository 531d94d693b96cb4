"""The periodic work of a KLIP server, run every minute by ``klip serve`` (and by ``klip tick`` from cron):
fire due timers, remind of deadlines and callbacks, send the outbox's e-mails."""
from __future__ import annotations

from dataclasses import dataclass

from .context import Context
from .mail import deliver_mail
from .notifications import send_reminders
from .process import tick


@dataclass(frozen=True)
class JobsDone:
    timers: int  # instances advanced by a due timer
    reminders: int  # notifications of near or passed deadlines and due callbacks
    mails_sent: int
    mails_failed: int


def run_jobs(ctx: Context) -> JobsDone:
    timers = tick(ctx)
    reminders = send_reminders(ctx)
    sent, failed = deliver_mail(ctx)
    return JobsDone(timers, reminders, sent, failed)
