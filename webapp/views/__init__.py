"""HTML blueprints, one per feature."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import calls, campaigns, dashboard, docs, instances, quality, tasks

    for module in (tasks, campaigns, calls, instances, docs, quality, dashboard):
        app.register_blueprint(module.bp)
