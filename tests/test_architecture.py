"""Layering rules of design.md §1 and schema migrations that match the models."""
from __future__ import annotations

import ast
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from engine.campaign import actions
from engine.context import make_engine
from engine.migrate import upgrade
from engine.models import Base
from engine.process import rules as model_rules

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


def test_only_the_engine_imports_spiffworkflow_and_the_engine_never_imports_flask() -> None:
    assert not [f for f, m in imported_modules("webapp") if m == "SpiffWorkflow"]
    web = {"flask", "flask_login", "flask_wtf", "webapp", "gunicorn"}
    # engine/cli.py is the `klip` entry point; `klip serve` starts the web app from inside a function.
    assert not [f for f, m in imported_modules("engine") if m in web and f != "engine/cli.py"]


def test_every_action_the_model_may_name_is_implemented() -> None:
    assert set(actions.ACTIONS) == set(model_rules.ACTIONS)


def test_migrations_create_exactly_the_models_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    engine.dispose()
    assert diff == []
