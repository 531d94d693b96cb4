"""HTML blueprints, one per feature."""
from __future__ import annotations

from flask import Flask


def register(app: Flask) -> None:
    from . import admin, calls, campaigns, docs, instances, reassign, tasks

    for module in (tasks, campaigns, calls, instances, docs, reassign, admin):
        app.register_blueprint(module.bp)
