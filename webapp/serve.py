"""``klip serve``: the web app under gunicorn, plus a timer thread that fires due timers every minute."""
from __future__ import annotations

import os
import secrets
import threading
from typing import Any

from gunicorn.app.base import BaseApplication

from engine.context import Context
from engine.settings import Settings
from engine.timers import tick


class _Server(BaseApplication):
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from . import create_app

        return create_app()


def _timer_loop(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            tick(Context.from_settings())
        except Exception as exc:  # keep the scheduler alive; the next tick retries
            print(f"klip tick gagal: {exc}")


def _shared_demo_secret() -> None:
    """Demo mode without KLIP_SECRET_KEY: one random key for all workers (else a session breaks between them)."""
    settings = Settings.from_env()
    if settings.demo_mode and not settings.secret_key:
        os.environ["KLIP_SECRET_KEY"] = secrets.token_hex(32)


def serve(host: str, port: int, workers: int, timer_interval: float = 60.0) -> None:
    """Run gunicorn (workers fork from here) and, in this process, the timer thread."""
    _shared_demo_secret()
    stop = threading.Event()
    threading.Thread(target=_timer_loop, args=(stop, timer_interval), daemon=True).start()
    try:
        _Server({"bind": f"{host}:{port}", "workers": workers, "accesslog": "-"}).run()
    finally:
        stop.set()
