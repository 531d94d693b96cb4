"""Named errors of the service layer; the web layer maps them to HTTP status codes."""
from __future__ import annotations

from datetime import datetime


class KlipError(Exception):
    """Base class: a refusal with a message meant for the user.

    ``message`` (and each of ``InvalidInput.fields``) is Bahasa Indonesia, as ``str(exc)``, logs and the CLI show
    it; written with ``engine.i18n.N_`` it is a ``Text`` that keeps its template and parameters, so the web app and
    the API show it in the reader's language.
    """

    code = "error"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotFound(KlipError):
    code = "not_found"


class NotAllowed(KlipError):
    """The user may not do this (wrong role, not the assignee, not their contact)."""

    code = "not_allowed"


class NotAuthenticated(NotAllowed):
    """No active user stands behind the request (unknown or inactive user, unknown token): log in again."""

    code = "unauthorized"


class TaskClaimed(NotAllowed):
    """The task is the user's lane's, but a colleague has claimed it (a race, not a missing right)."""

    code = "task_claimed"


class TaskNotReady(KlipError):
    """The task is not READY (already completed, not yet reached, or cancelled)."""

    code = "task_not_ready"


class Conflict(KlipError):
    """Someone else changed the same instance first; reload and try again."""

    code = "conflict"


class InvalidInput(KlipError):
    """Submitted data is invalid; ``fields`` maps a field (or ``row N``) to a message."""

    code = "invalid_input"

    def __init__(self, message: str, fields: dict[str, str] | None = None):
        super().__init__(message)
        self.fields = dict(fields or {})

    def __str__(self) -> str:
        if not self.fields:
            return self.message
        details = "; ".join(f"{k}: {v}" for k, v in self.fields.items())
        return f"{self.message} ({details})"


class InvalidBpmn(KlipError):
    """A process model failed validation; ``problems`` are 'file:line: message' strings."""

    code = "invalid_bpmn"

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems) if problems else "invalid BPMN")
        self.problems = list(problems)


class ProcessFailed(KlipError):
    """The model could not be executed here (e.g. an expression failed); nothing was saved."""

    code = "process_failed"


class TooManyAttempts(KlipError):
    """Locked out for a while after repeated failed logins or unknown API tokens: try again after ``until``."""

    code = "too_many_attempts"

    def __init__(self, message: str, until: datetime, retry_after_s: int):
        super().__init__(message)
        self.until = until
        self.retry_after_s = retry_after_s
