"""HTML blueprints, one per feature."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import admin, analyst, calls, campaigns, dashboard, docs, instances, quality, reassign, tasks

    for module in (tasks, campaigns, calls, instances, docs, quality, dashboard, reassign, admin, analyst):
        app.register_blueprint(module.bp)
