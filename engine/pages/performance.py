"""Process performance across finished campaigns: time spent per step and the report deadline met or not.

Times are working time, as the SOP's time standards ("N hari kerja") are: only what falls on the office's working days
(the working-day calendar with its overrides) counts, so a task ready on Friday afternoon and done on Monday morning
did not take three days.
"""
from __future__ import annotations

import statistics
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..errors import NotFound
from ..i18n import N_
from ..models import AuditEvent, Instance, ProcessVersion
from ..process import current_version
from ..settings import Settings
from ..sopdoc import Step
from ..workdays import WorkingCalendar, load_calendar, working_seconds
from .diagrams import default_process, sop_document


@dataclass(frozen=True)
class StepPerformance:
    element_id: str
    number: str
    actor: str
    sentence: str
    standard: str  # the Mutu Baku "Waktu" kept in the model
    completions: int
    median_hours: float | None  # working hours (hours on working days; 24 make one working day)
    p90_hours: float | None


@dataclass(frozen=True)
class ProcessPerformance:
    version_id: int
    finished: int
    deadline_checked: int
    deadline_met: int
    steps: tuple[StepPerformance, ...]

    @property
    def deadline_share(self) -> float | None:
        return self.deadline_met / self.deadline_checked if self.deadline_checked else None


def _working_hours(event: AuditEvent, calendar: WorkingCalendar, office: ZoneInfo) -> float | None:
    """From READY to completed, in hours on working days (None when the ready time was not recorded)."""
    if event.task_ready_at is None:
        return None
    return working_seconds(calendar, event.task_ready_at, event.at, office) / 3600


def _p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10, method="inclusive")[8] if len(values) > 1 else values[0]


def _deadline_met(events: list[AuditEvent], covered: set[str]) -> bool | None:
    """Met when every watched task was completed by its due date; None when no watched task had one."""
    watched = [e for e in events if e.task_bpmn_id in covered and e.task_due_at is not None]
    return all(e.at <= e.task_due_at for e in watched) if watched else None  # type: ignore[operator]  # filtered: not None


def _finished_events(session: Session, process_id: str) -> dict[int, list[AuditEvent]]:
    query = (select(AuditEvent).join(Instance, Instance.id == AuditEvent.instance_id)
             .join(ProcessVersion, ProcessVersion.id == Instance.version_id)
             .where(ProcessVersion.process_id == process_id, Instance.status == "completed",
                    AuditEvent.action == "task_completed").order_by(AuditEvent.id))
    by_instance: dict[int, list[AuditEvent]] = defaultdict(list)
    for event in session.scalars(query):
        by_instance[event.instance_id or 0].append(event)
    return by_instance


def process_performance(session: Session, settings: Settings, version_id: int | None = None,
                        process_id: str | None = None) -> ProcessPerformance:
    """Median and 90th-percentile working hours per step, and the share of campaigns that met the report deadline
    (of a version; the current one of ``process_id`` by default)."""
    version = (session.get(ProcessVersion, version_id) if version_id
               else current_version(session, process_id or default_process(session)))
    if version is None:
        raise NotFound(N_("Versi proses tidak ditemukan."))
    doc = sop_document(version.bpmn_xml, version.sop_metadata)
    by_instance = _finished_events(session, version.process_id)
    numbers = {s.number: s.element_id for s in doc.steps}
    covered = {numbers[n] for d in doc.deadlines for n in d.covers if n in numbers}
    verdicts = [v for v in (_deadline_met(evs, covered) for evs in by_instance.values()) if v is not None]
    calendar, office = load_calendar(session, settings), ZoneInfo(settings.office_timezone)
    per_step: dict[str, list[float]] = defaultdict(list)
    for events in by_instance.values():
        for event in events:
            hours = _working_hours(event, calendar, office)
            if hours is not None:
                per_step[event.task_bpmn_id or ""].append(hours)
    steps = tuple(StepPerformance(
        s.element_id, s.number, s.actor, s.sentence, _standard(s), len(per_step[s.element_id]),
        statistics.median(per_step[s.element_id]) if per_step[s.element_id] else None,
        _p90(per_step[s.element_id]) if per_step[s.element_id] else None)
        for s in doc.steps if s.kind.endswith("Task"))
    return ProcessPerformance(version.id, len(by_instance), len(verdicts), sum(verdicts), steps)


def heat_classes(performance: ProcessPerformance, levels: int = 5) -> dict[str, str]:
    """Element id → ``heat-N`` CSS class (0 = fastest … levels-1 = slowest median), for the diagram overlay."""
    medians = {s.element_id: s.median_hours for s in performance.steps if s.median_hours is not None}
    top = max(medians.values(), default=0.0) or 1.0
    return {eid: f"heat-{min(levels - 1, int(value / top * levels))}" for eid, value in medians.items()}


def _standard(step: Step) -> str:
    """The step's Mutu Baku Waktu, or the one the SOP gives for the steps it shares it with (e.g. 6–8)."""
    if step.shared_waktu:
        return f"{step.shared_waktu} (langkah {step.shared_by[0]}\u2013{step.shared_by[-1]})"
    return step.waktu
