"""A task completion through the HTTP API of a real server (one worker) against the sum of its two floors, each
measured in the same rounds, interleaved (noise hits all three alike):

- the **API floor**: an authenticated no-op request of the same app (``POST /bench/noop``);
- the **engine floor**: raw SpiffWorkflow with the spec already in memory — deserialize the instance's state,
  complete the same task, serialize — plus one committed UPDATE of a row of the same size in the same database.

The completion is step 1 (the Kasi assigns a Pelaksana) of a fresh campaign in every round, so every round does the
same work. Size independence: steps 2 and 3 (work plan drafted, then returned) completed alternately on a campaign of
10 and one of 100,000 contacts, in lockstep, so both instances carry the same state.
"""
from __future__ import annotations

import json
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

from sqlalchemy import select, text

from engine.campaign import create_campaign
from engine.context import Context
from engine.demo import sample_target_list
from engine.models import Instance, ProcessVersion
from engine.process import store
from engine.users import create_token
from engine.walkthrough import task_for, work_plan

from .harness import Summary, new_database, prepared, request, servers, timed_ms

ROUNDS = 40
WARMUP = 5
ASSIGN = {"pelaksana": "pelaksana"}


@dataclass
class CompletionResult:
    database: str
    completion: Summary
    api_floor: Summary
    engine_floor: Summary
    statements: float
    commits: float
    loads: float
    state_bytes: int

    @property
    def ratio(self) -> float:
        return self.completion.median / (self.api_floor.median + self.engine_floor.median)


class EngineFloor:
    """Deserialize → complete → serialize with SpiffWorkflow alone (the spec parsed once, before timing), and one
    committed UPDATE of a row of the state's size."""

    def __init__(self, ctx: Context):
        self.ctx = ctx
        with ctx.transaction() as session:
            spec_json = session.scalars(select(ProcessVersion.spec_json).where(
                ProcessVersion.process_id == "lip20_0008").order_by(ProcessVersion.id.desc())).first()
        assert spec_json is not None
        dct = json.loads(spec_json)
        registry = store.SERIALIZER.registry
        self.spec = registry.restore(dct["spec"])
        self.subprocess_specs = {name: registry.restore(s) for name, s in dct["subprocess_specs"].items()}
        with ctx.engine.begin() as conn:
            conn.execute(text("CREATE TABLE bench_floor (id INTEGER PRIMARY KEY, state TEXT NOT NULL)"))
            conn.execute(text("INSERT INTO bench_floor (id, state) VALUES (1, '')"))

    def complete(self, state_json: str, task_id: str, data: dict[str, Any]) -> None:
        dct = json.loads(state_json)
        dct.pop(store.SERIALIZER.VERSION_KEY, None)
        dct["spec"], dct["subprocess_specs"] = self.spec, dict(self.subprocess_specs)
        workflow = store.SERIALIZER.from_dict(dct)
        task = workflow.get_task_from_id(UUID(task_id))
        task.data.update(data)
        task.run()
        workflow.do_engine_steps()
        out = store.SERIALIZER.to_dict(workflow)
        for key in store.SPEC_KEYS:
            out.pop(key)
        state = json.dumps(out, cls=store.ENCODER, separators=(",", ":"))
        with self.ctx.engine.begin() as conn:
            conn.execute(text("UPDATE bench_floor SET state = :state WHERE id = 1"), {"state": state})


def _step_1(ctx: Context, n: int = 10) -> tuple[int, str, str]:
    """A fresh campaign at step 1: (campaign id, the task's id, the instance's state)."""
    campaign = create_campaign(ctx, "unit", "sasaran.csv", sample_target_list(n, bad_rows=False), "Bench", "")
    task_id = task_for(ctx, "kasi", "tugaskan_pelaksana", campaign.id).id
    with ctx.transaction() as session:
        state = session.scalars(select(Instance.state_json).where(Instance.id == campaign.instance_id)).one()
    return campaign.id, task_id, state


def _counters(port: int) -> dict[str, int]:
    return dict(request(port, "GET", "/bench/counters").json())


def measure(kind: str, directory: Path) -> CompletionResult:
    url = new_database(kind, "bench_completion", directory)
    ctx = prepared(url)
    floor = EngineFloor(ctx)
    auth = {"Authorization": f"Bearer {create_token(ctx, 'kasi')}"}
    times: dict[str, list[float]] = {"completion": [], "api": [], "engine": []}
    per: dict[str, list[int]] = {"statements": [], "commits": [], "workflow_loads": []}
    sizes = []
    with servers(url, directory) as (server,):
        for n in range(WARMUP + ROUNDS):
            _, task_id, state = _step_1(ctx)
            sizes.append(len(state))

            def completion(task_id: str = task_id) -> float:
                before = _counters(server.port)
                answer = request(server.port, "POST", f"/api/v1/tasks/{task_id}", ASSIGN, auth)
                assert answer.status == 200, answer.body
                after = _counters(server.port)
                for key in per:
                    per[key].append(after.get(key, 0) - before.get(key, 0))
                return answer.ms

            def api() -> float:
                answer = request(server.port, "POST", "/bench/noop", ASSIGN, auth)
                assert answer.status == 200, answer.body
                return answer.ms

            def engine(task_id: str = task_id, state: str = state) -> float:
                return timed_ms(lambda: floor.complete(state, task_id, ASSIGN))

            order: list[tuple[str, Callable[[], float]]] = [("completion", completion), ("api", api),
                                                             ("engine", engine)]
            for name, fn in order[n % 3:] + order[:n % 3]:  # each goes first, second and third in turn
                ms = fn()
                if n >= WARMUP:
                    times[name].append(ms)
    ctx.engine.dispose()
    return CompletionResult(kind, Summary.of(times["completion"]), Summary.of(times["api"]),
                            Summary.of(times["engine"]), statistics.median(per["statements"][WARMUP:]),
                            statistics.median(per["commits"][WARMUP:]),
                            statistics.median(per["workflow_loads"][WARMUP:]), int(statistics.median(sizes)))


# --- size independence -------------------------------------------------------------------------------------

@dataclass
class SizeResult:
    small: Summary
    large: Summary
    contacts: int

    @property
    def ratio(self) -> float:
        return self.large.median / self.small.median


def size_independence(directory: Path, large: int, rounds: int = 15) -> SizeResult:
    url = new_database("sqlite", "bench_size", directory)
    ctx = prepared(url)
    auth = {"Authorization": f"Bearer {create_token(ctx, 'kasi')}"}
    auth_p = {"Authorization": f"Bearer {create_token(ctx, 'pelaksana')}"}
    small_id, *_ = _step_1(ctx, 10)
    large_id, *_ = _step_1(ctx, large)
    times: dict[int, list[float]] = {small_id: [], large_id: []}
    plan = work_plan(ctx)
    with servers(url, directory) as (server,):
        for cid in (small_id, large_id):
            request(server.port, "POST", f"/api/v1/tasks/{task_for(ctx, 'kasi', 'tugaskan_pelaksana', cid).id}",
                    ASSIGN, auth)
        for n in range(rounds + 1):
            steps = [("pelaksana", "susun_rencana_kerja", plan, auth_p),
                     ("kasi", "teliti_rencana_kerja", {"keputusan": "kembalikan", "catatan": "Ulangi."}, auth)]
            for username, bpmn_id, data, headers in steps:
                pair = (small_id, large_id) if n % 2 else (large_id, small_id)
                for cid in pair:
                    task_id = task_for(ctx, username, bpmn_id, cid).id
                    answer = request(server.port, "POST", f"/api/v1/tasks/{task_id}", data, headers)
                    assert answer.status == 200, answer.body
                    if n:
                        times[cid].append(answer.ms)
    ctx.engine.dispose()
    return SizeResult(Summary.of(times[small_id]), Summary.of(times[large_id]), large)
