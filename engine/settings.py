"""Configuration from ``KLIP_*`` environment variables, with defaults that give a working SQLite setup."""
from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODELS_DIR = PROJECT_ROOT / "bpmn"  # every *.bpmn here is deployed (``klip deploy``) and documented (``make docs``)
DEFAULT_BPMN = MODELS_DIR / "lip20-0008.bpmn"  # the SOP's own process, started by a requester's data


N = TypeVar("N", int, float)


def model_files(directory: Path = MODELS_DIR) -> list[Path]:
    """The process models of a directory, by file name."""
    return sorted(directory.glob("*.bpmn"))


def _bool(value: str | None, default: bool) -> bool:
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "ya", "on"}


def _positive(env: Mapping[str, str], name: str, default: N, kind: Callable[[str], N]) -> N:
    """A number above zero from ``env[name]`` (``default`` when unset); a clear error naming the variable else."""
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = kind(raw.strip())
    except ValueError:
        value = None
    if value is None or not value > 0:
        raise ValueError(f"{name} harus berupa angka lebih dari 0 (sekarang: {raw!r}).")
    return value


@dataclass(frozen=True)
class Settings:
    database_url: str = f"sqlite:///{PROJECT_ROOT / 'instance' / 'klip.db'}"
    secret_key: str | None = None
    # Whether cuti bersama (holidays category 'government') counts as a working day.
    cuti_bersama_is_working_day: bool = False
    # Whether the day the work finished counts as day 0 (default) or as day 1.
    count_completion_day: bool = False
    # Attempts after which a contact without a final outcome is closed.
    max_attempts: int = 3
    # Hour (local office time, WIB) at which a working-day deadline falls due.
    deadline_hour: int = 16
    office_timezone: str = "Asia/Jakarta"
    demo_mode: bool = False
    # Mail: notifications are mailed through this SMTP server when it is set (smtp://user:pass@host:port,
    # smtps:// for TLS from the start; smtp:// upgrades with STARTTLS when the server offers it).
    smtp_url: str | None = None
    mail_from: str = "KLIP Kring Pajak <no-reply@klip.invalid>"
    base_url: str = "http://127.0.0.1:5000"  # links in e-mails point here
    # Logins (engine.logins): this many failed passwords for one username within the window lock it for the lock
    # time, the right password included; this many unknown API tokens from one client address lock that address.
    login_max_failures: int = 5
    login_window_minutes: float = 15
    login_lock_minutes: float = 15
    token_max_failures: int = 10
    # Throttling of the login form before any password is checked (Flask-Limiter, per process unless the storage
    # is shared, e.g. redis://host:6379): rate strings as Flask-Limiter reads them.
    login_rate_per_user: str = "10 per minute"
    login_rate_per_address: str = "60 per minute"
    ratelimit_storage: str = "memory://"
    # A web session ends after this many hours without a request.
    session_idle_hours: float = 8
    # Reverse proxies in front of the app whose X-Forwarded-For is trusted (0: the peer's address is the client's).
    proxy_count: int = 0
    # Seconds one run of an instance's engine steps may take (a task completed by a request, or its due timers:
    # these also bound each SQL statement on PostgreSQL). Past it the run fails and is rolled back; a timer is
    # audited as timer_failed and retried an hour later. Below gunicorn's 30 s worker timeout.
    instance_time_limit: float = 20.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        defaults = cls()
        return cls(
            database_url=env.get("KLIP_DATABASE_URL") or defaults.database_url,
            secret_key=env.get("KLIP_SECRET_KEY") or None,
            cuti_bersama_is_working_day=_bool(env.get("KLIP_CUTI_BERSAMA_IS_WORKING_DAY"), False),
            count_completion_day=_bool(env.get("KLIP_COUNT_COMPLETION_DAY"), False),
            max_attempts=int(env.get("KLIP_MAX_ATTEMPTS") or defaults.max_attempts),
            deadline_hour=int(env.get("KLIP_DEADLINE_HOUR") or defaults.deadline_hour),
            office_timezone=env.get("KLIP_TIMEZONE") or defaults.office_timezone,
            demo_mode=_bool(env.get("KLIP_DEMO"), False),
            smtp_url=env.get("KLIP_SMTP_URL") or None,
            mail_from=env.get("KLIP_MAIL_FROM") or defaults.mail_from,
            base_url=(env.get("KLIP_BASE_URL") or defaults.base_url).rstrip("/"),
            login_max_failures=_positive(env, "KLIP_LOGIN_MAX_FAILURES", defaults.login_max_failures, int),
            login_window_minutes=_positive(env, "KLIP_LOGIN_WINDOW_MINUTES", defaults.login_window_minutes, float),
            login_lock_minutes=_positive(env, "KLIP_LOGIN_LOCK_MINUTES", defaults.login_lock_minutes, float),
            token_max_failures=_positive(env, "KLIP_TOKEN_MAX_FAILURES", defaults.token_max_failures, int),
            login_rate_per_user=env.get("KLIP_LOGIN_RATE_PER_USER") or defaults.login_rate_per_user,
            login_rate_per_address=env.get("KLIP_LOGIN_RATE_PER_ADDRESS") or defaults.login_rate_per_address,
            ratelimit_storage=env.get("KLIP_RATELIMIT_STORAGE") or defaults.ratelimit_storage,
            session_idle_hours=_positive(env, "KLIP_SESSION_IDLE_HOURS", defaults.session_idle_hours, float),
            proxy_count=int(env.get("KLIP_PROXY_COUNT") or defaults.proxy_count),
            instance_time_limit=float(env.get("KLIP_INSTANCE_TIME_LIMIT") or defaults.instance_time_limit),
        )
