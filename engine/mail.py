"""The mail worker: sends the outbox's e-mails through SMTP, never inside a user's request, and retries.

A mail is sent once the server has accepted it (``delivered_at``); until then every failure is counted,
recorded and retried later (1, 2, 4 … minutes, at most an hour apart), so a mail server that is down loses
nothing. One transaction per mail; on PostgreSQL the row is locked (``SKIP LOCKED``) so two workers never
send the same mail.
"""
from __future__ import annotations

import logging
import smtplib
import ssl
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from urllib.parse import unquote, urlsplit

from sqlalchemy import or_, select

from .context import Context
from .models import Outbox
from .notifications import MAIL

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(hours=1)
BATCH = 100


@dataclass(frozen=True)
class SmtpServer:
    host: str
    port: int
    user: str | None
    password: str | None
    implicit_tls: bool  # smtps://


def smtp_server(url: str) -> SmtpServer:
    """``smtp://[user[:password]@]host[:port]`` (STARTTLS when offered) or ``smtps://…`` (TLS from the start)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(f"KLIP_SMTP_URL must be smtp://host:port or smtps://host:port, got {url!r}")
    implicit = parts.scheme == "smtps"
    return SmtpServer(parts.hostname, parts.port or (465 if implicit else 25),
                      unquote(parts.username) if parts.username else None,
                      unquote(parts.password) if parts.password else None, implicit)


Send = Callable[[EmailMessage], None]


def smtp_sender(server: SmtpServer, timeout: float = 20.0) -> Send:
    """A function that sends one message over a fresh SMTP connection."""
    def send(message: EmailMessage) -> None:
        if server.implicit_tls:
            client: smtplib.SMTP = smtplib.SMTP_SSL(server.host, server.port, timeout=timeout,
                                                   context=ssl.create_default_context())
        else:
            client = smtplib.SMTP(server.host, server.port, timeout=timeout)
        with client:
            if not server.implicit_tls and client.has_extn("starttls"):
                client.starttls(context=ssl.create_default_context())
            if server.user:
                client.login(server.user, server.password or "")
            client.send_message(message)
    return send


def _message(ctx: Context, row: Outbox) -> EmailMessage:
    message = EmailMessage()
    message["From"] = ctx.settings.mail_from
    message["To"] = row.payload["to"]
    message["Subject"] = row.payload["subject"]
    message["Date"] = formatdate(ctx.now().timestamp(), localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"klip-outbox-{row.id}")
    message["Content-Language"] = row.payload.get("lang", "id")
    message.set_content(row.payload["body"])
    return message


def _pending(ctx: Context) -> list[int]:
    with ctx.transaction() as session:
        query = (select(Outbox.id).where(Outbox.message_name == MAIL, Outbox.delivered_at.is_(None),
                                         or_(Outbox.next_attempt_at.is_(None), Outbox.next_attempt_at <= ctx.now()))
                 .order_by(Outbox.id).limit(BATCH))
        return list(session.scalars(query))


def deliver_mail(ctx: Context, send: Send | None = None) -> tuple[int, int]:
    """Send the e-mails that are due; return (sent, failed). Without KLIP_SMTP_URL mails wait in the outbox."""
    if send is None:
        if not ctx.settings.smtp_url:
            return 0, 0
        send = smtp_sender(smtp_server(ctx.settings.smtp_url))
    sent = failed = 0
    for outbox_id in _pending(ctx):
        with ctx.transaction() as session:
            row = session.scalars(select(Outbox).where(Outbox.id == outbox_id, Outbox.delivered_at.is_(None))
                                  .with_for_update(skip_locked=True)).one_or_none()
            if row is None:  # another worker has it, or has sent it
                continue
            try:
                send(_message(ctx, row))
            except (smtplib.SMTPException, OSError) as exc:
                row.attempts += 1
                row.next_attempt_at = ctx.now() + min(timedelta(minutes=2 ** (row.attempts - 1)), MAX_BACKOFF)
                row.last_error = f"{type(exc).__name__}: {exc}"[:1000]
                failed += 1
                log.warning("mail %s to %s not sent (attempt %d, retry at %s): %s", row.id, row.payload.get("to"),
                            row.attempts, row.next_attempt_at.isoformat(), row.last_error)
                if isinstance(exc, (OSError, smtplib.SMTPServerDisconnected)):
                    break  # the server is unreachable: the others wait for the next run
                continue
            row.delivered_at = ctx.now()
            sent += 1
    if sent:
        log.info("mail: %d sent", sent)
    return sent, failed
