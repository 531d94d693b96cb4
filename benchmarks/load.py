"""Calls under load: 50 agents at once recording calls (``POST /api/v1/contacts/<id>/calls``) on PostgreSQL, two
servers of four workers each, against an endpoint of the same stack that does one INSERT (``POST /bench/insert``:
the same bearer-token check, one INSERT of a call attempt). The two alternate in phases of equal length on the same
servers, so noise from the machine hits both.

Each agent records callbacks ("minta dihubungi kembali", tomorrow) on its own contacts in turn: a callback keeps a
contact open, so an agent never runs out of contacts however many calls the run makes. The agents authenticate with
API tokens, which are not subject to the login form's throttling; nothing is switched off for the benchmark.
"""
from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import select

from engine.campaign import create_campaign
from engine.demo import sample_target_list
from engine.models import Contact
from engine.users import create_token
from engine.walkthrough import complete, work_plan

from .harness import Summary, new_database, prepared, request, servers

AGENTS = 50
CONTACTS_PER_AGENT = 4
PHASE_S = 8.0
PHASES = 4  # calls, insert, calls, insert — after a short warm-up of each


@dataclass
class LoadSide:
    requests: int
    errors: int
    seconds: float
    latency: Summary

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


@dataclass
class LoadResult:
    calls: LoadSide
    insert: LoadSide
    agents: int
    servers: int
    workers: int

    @property
    def ratio(self) -> float:
        return self.calls.throughput / self.insert.throughput


@dataclass
class _Agent:
    username: str
    token: str
    contacts: list[int]
    port: int


def _campaign_at_step_5(url: str) -> tuple[int, list[_Agent]]:
    """A campaign whose contacts are distributed among AGENTS agents (step 5 running), and each agent's token."""
    ctx = prepared(url, extra_agents=AGENTS - 3)
    agents = [f"agen{n}" for n in range(1, AGENTS + 1)]
    campaign = create_campaign(ctx, "unit", "sasaran.csv",
                               sample_target_list(AGENTS * CONTACTS_PER_AGENT, bad_rows=False), "Beban", "")
    for username, bpmn_id, data in (("kasi", "tugaskan_pelaksana", {"pelaksana": "pelaksana"}),
                                    ("pelaksana", "susun_rencana_kerja", work_plan(ctx)),
                                    ("kasi", "teliti_rencana_kerja", {"keputusan": "setuju"}),
                                    ("kasi", "distribusi_pekerjaan", {"agen": agents})):
        complete(lambda: ctx, username, bpmn_id, campaign.id, data)
    owned: dict[str, list[int]] = {}
    with ctx.transaction() as session:
        for contact_id, agent in session.execute(select(Contact.id, Contact.agent).where(
                Contact.campaign_id == campaign.id).order_by(Contact.id)):
            owned.setdefault(agent, []).append(contact_id)
    result = [_Agent(a, create_token(ctx, a), owned[a], 0) for a in agents]
    ctx.engine.dispose()
    return campaign.id, result


def _phase(agents: list[_Agent], campaign_id: int, kind: str, seconds: float) -> tuple[list[float], int, float]:
    """Every agent in its own thread, as fast as the servers answer, for ``seconds``."""
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    start = threading.Barrier(len(agents) + 1)
    stop_at = [0.0]

    def work(agent: _Agent) -> None:
        headers = {"Authorization": f"Bearer {agent.token}"}
        start.wait()
        n = 0
        while time.perf_counter() < stop_at[0]:
            contact = agent.contacts[n % len(agent.contacts)]
            n += 1
            if kind == "calls":
                callback = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
                body = {"outcome": "minta_dihubungi_kembali", "callback_at": callback, "notes": "minta ditelepon besok",
                        "duration_s": 42}
                path, ok = f"/api/v1/contacts/{contact}/calls", 201
            else:
                body = {"contact_id": contact, "campaign_id": campaign_id, "outcome": "minta_dihubungi_kembali",
                        "notes": "minta ditelepon besok", "duration_s": 42}
                path, ok = "/bench/insert", 201
            try:
                answer = request(agent.port, "POST", path, body, headers)
                good = answer.status == ok
            except OSError:
                good = False
                answer = None
            with lock:
                if good and answer is not None:
                    latencies.append(answer.ms)
                else:
                    errors[0] += 1

    threads = [threading.Thread(target=work, args=(a,), daemon=True) for a in agents]
    for thread in threads:
        thread.start()
    began = time.perf_counter()
    stop_at[0] = began + seconds
    start.wait()
    for thread in threads:
        thread.join()
    return latencies, errors[0], time.perf_counter() - began


def measure(directory: Path, server_count: int = 2, workers: int = 4) -> LoadResult:
    url = new_database("postgresql", "bench_load", directory)
    campaign_id, agents = _campaign_at_step_5(url)
    samples: dict[str, list[float]] = {"calls": [], "insert": []}
    totals = {kind: [0, 0, 0.0] for kind in samples}  # requests, errors, seconds
    with servers(url, directory, server_count, workers) as started:
        for n, agent in enumerate(agents):
            agent.port = started[n % len(started)].port
        for kind in samples:
            _phase(agents, campaign_id, kind, 2.0)  # warm-up: every worker's pool and caches
        for n in range(PHASES):
            kind = "calls" if n % 2 == 0 else "insert"
            latencies, errors, seconds = _phase(agents, campaign_id, kind, PHASE_S)
            samples[kind] += latencies
            totals[kind][0] += len(latencies)
            totals[kind][1] += errors
            totals[kind][2] += seconds
    sides = {kind: LoadSide(int(totals[kind][0]), int(totals[kind][1]), float(totals[kind][2]),
                            Summary.of(samples[kind] or [0.0])) for kind in samples}
    return LoadResult(sides["calls"], sides["insert"], len(agents), server_count, workers)
