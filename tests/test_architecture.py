"""Layering rules (who may import what) and schema migrations that match the models."""
from __future__ import annotations

import ast
import warnings
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import SAWarning

from engine import tasks
from engine.context import make_engine
from engine.migrate import upgrade
from engine.models import Base
from engine.process import rules as model_rules

ROOT = Path(__file__).resolve().parent.parent


def _relative_imports(package: str) -> list[tuple[str, str]]:
    """(file, dotted module) of every relative import in a package."""
    found = []
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level:
                found.append((str(path.relative_to(ROOT)), "." * node.level + (node.module or "")))
    return found


def imported_modules(package: str) -> set[tuple[str, str]]:
    found = set()
    for path in (ROOT / package).rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {(str(path.relative_to(ROOT)), a.name.split(".")[0]) for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add((str(path.relative_to(ROOT)), node.module.split(".")[0]))
    return found


def test_only_the_process_package_imports_spiffworkflow() -> None:
    users = imported_modules("engine") | imported_modules("webapp") | imported_modules("benchmarks")
    assert sorted(f for f, m in users if m == "SpiffWorkflow" and not f.startswith("engine/process/")) == []
    assert any(f.startswith("engine/process/") for f, m in users if m == "SpiffWorkflow")


def test_the_engine_never_imports_the_web_layer() -> None:
    web = {"flask", "flask_babel", "flask_login", "flask_wtf", "webapp", "gunicorn"}
    assert sorted(f for f, m in imported_modules("engine") if m in web) == []


def test_the_renderer_and_the_sop_document_need_no_process_engine() -> None:
    """render/ and sopdoc/ read BPMN with lxml only: documentation can be drawn from any file."""
    for package in ("engine/render", "engine/sopdoc"):
        reached = {m for _, m in imported_modules(package)}
        assert "SpiffWorkflow" not in reached
        assert not [f for f, line in _relative_imports(package) if "process" in line], package


def test_every_action_the_model_may_name_is_implemented() -> None:
    assert set(tasks.ACTIONS) == set(model_rules.ACTIONS)


def test_migrations_create_exactly_the_models_schema(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'migrated.db'}"
    upgrade(url)
    engine = make_engine(url)
    with engine.connect() as connection, warnings.catch_warnings():
        # SQLAlchemy does not reflect an index on an expression (so alembic compares the others): checked below
        warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index",
                                category=SAWarning)
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index",
                                category=UserWarning)
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        on_expressions = dict(connection.exec_driver_sql(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql LIKE '%(%(%'").all())
    engine.dispose()
    assert diff == []
    assert on_expressions == {"ix_task_index_role_campaigns": (
        "CREATE INDEX ix_task_index_role_campaigns ON task_index "
        "(role, lower(campaign_title), campaign_id, assignee, campaign_title)")}
