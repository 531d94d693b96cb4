"""The contract between the process engine and the domains: what a task's ``action`` receives.

A user task names a domain action (``spiffworkflow:property name="action"``); when the task completes, the action
runs in the completing transaction with an ``ActionCall`` and returns values stored with the task's data. Each
domain (``engine.campaign``, ``engine.quality``) keeps its own ``ACTIONS`` table; ``engine.tasks`` runs them.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from .context import Context
from .models import TaskIndex, User


@dataclass(frozen=True)
class ActionCall:
    """One completion of a task that names an action."""

    ctx: Context
    session: Session
    campaign_id: int
    row: TaskIndex  # the task as indexed (its instance, name, assignee)
    user: User  # who completes it
    data: Mapping[str, Any]  # the submitted form, validated
    task_data: Mapping[str, Any]  # the task's data before the submission (e.g. a multi-instance item)
    properties: Mapping[str, str]  # the task's properties in the model (e.g. its ``subjectVariable``)

    @property
    def subject(self) -> Any:
        """What the task is about: the value of the variable its ``subjectVariable`` names (None without one)."""
        name = self.properties.get("subjectVariable")
        return self.task_data.get(name) if name else None


Action = Callable[[ActionCall], dict[str, Any]]
