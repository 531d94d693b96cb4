"""``klip serve``: the web app under gunicorn, plus a timer thread that fires due timers every minute."""
from __future__ import annotations

import logging
import os
import secrets
import threading
from collections.abc import Callable
from typing import Any

from gunicorn.app.base import BaseApplication

from engine.context import Context
from engine.jobs import run_jobs
from engine.settings import Settings

log = logging.getLogger(__name__)
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any], app_factory: Callable[[], Any] | None = None):
        self.options, self.app_factory = options, app_factory
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return (self.app_factory or create_app)()


def timer_loop(ctx: Context, stop: threading.Event, interval: float) -> None:
    """Every ``interval`` seconds until ``stop``: due timers, reminders, mail — with one Context (one pool)."""
    while not stop.wait(interval):
        try:
            run_jobs(ctx)
        except Exception:  # keep the scheduler alive; the next run retries
            log.exception("klip jobs failed; retrying at the next run")


def _shared_demo_secret() -> None:
    """Demo mode without KLIP_SECRET_KEY: one random key for all workers (else a session breaks between them)."""
    settings = Settings.from_env()
    if settings.demo_mode and not settings.secret_key:
        os.environ["KLIP_SECRET_KEY"] = secrets.token_hex(32)


REQUEST_TIMEOUT_S = 120  # gunicorn's worker timeout (see serve)


def serve(host: str, port: int, workers: int, timer_interval: float = 60.0,
          app_factory: Callable[[], Any] | None = None) -> None:
    """Run gunicorn (workers fork from here) and, in this process, the timer thread (``app_factory``: the app each
    worker builds, ``webapp.create_app`` unless the benchmark wraps it)."""
    logging.basicConfig(level=logging.INFO, format=LOG_FORMAT, force=True)
    _shared_demo_secret()
    ctx, stop = Context.from_settings(), threading.Event()
    threading.Thread(target=timer_loop, args=(ctx, stop, timer_interval), daemon=True).start()
    try:
        # Our own line per request (webapp.requestlog) replaces gunicorn's access log. A sync worker busy past
        # ``timeout`` is killed: gunicorn's 30 s is less than a campaign's calls need to become a spreadsheet (100,000
        # calls: some 15–30 s on two busy cores, see `make bench`), so a request may take up to two minutes.
        _Server({"bind": f"{host}:{port}", "workers": workers, "accesslog": None, "loglevel": "info",
                 "timeout": REQUEST_TIMEOUT_S}, app_factory).run()
    finally:
        stop.set()
        ctx.engine.dispose()
