"""The process engine: the only package that imports SpiffWorkflow.

Load and lint models (``loader``, ``lint`` and its rule registry, ``rules``, the ``expressions`` sandbox),
deploy versions (``deployment``), run instances and keep their state (``runtime``, ``store``), fire timers
(``timers``), compare versions (``versions``) and move running instances between them (``migration``). The rest of
the engine uses the names below and sees plain values, never SpiffWorkflow objects.
"""
from . import lint, rules
from .deployment import VersionView, current_version, current_versions, deploy, deploy_models, store_version
from .expressions import ExpressionRejected, check_expression, evaluate, names_in
from .loader import LoadedModel, load_model_file, load_model_texts
from .migration import MigrationPlan, migrate, migrate_all_eligible, plan_all, plan_migration
from .runtime import (
    LoadedInstance,
    TaskSnapshot,
    load_instance,
    load_task_instance,
    save_instance,
    script_functions,
    start_by_message,
)
from .timers import tick
from .versions import VersionDiff, VersionRow, diff_versions, list_versions

__all__ = ["VersionDiff", "VersionRow", "diff_versions", "list_versions",
           "MigrationPlan", "migrate", "migrate_all_eligible", "plan_all", "plan_migration",
           "ExpressionRejected", "LoadedInstance", "LoadedModel", "TaskSnapshot", "VersionView", "check_expression",
           "current_version", "current_versions", "deploy", "deploy_models", "evaluate", "load_instance",
           "lint", "load_model_file", "load_model_texts", "load_task_instance",
           "names_in", "rules", "save_instance", "script_functions",
           "start_by_message", "store_version", "tick"]
