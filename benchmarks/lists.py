"""Lists with 1,000 open instances: the Kasi's inbox (``/``) and the campaign list (``/kampanye``), each against a
static page of the same app (``/bench/static``: the layout for the logged-in user, no data), requested in turn by a
logged-in browser on a real server (one worker, SQLite). The lists must never deserialize a workflow: the server
counts its workflow loads and the bench asserts none happened while the lists were served.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from engine.campaign import create_campaign
from engine.demo import sample_target_list

from .harness import Browser, Summary, new_database, prepared, request, servers

INSTANCES = 1000
ROUNDS = 300  # a p95 of 60 requests was their 3rd slowest: one burst of other work on the machine decided it
WARMUP = 5
PAGES = {"inbox": "/", "campaigns": "/kampanye", "static": "/bench/static"}


@dataclass
class ListsResult:
    pages: dict[str, Summary]
    instances: int
    workflow_loads: int

    def ratio(self, page: str) -> float:
        return self.pages[page].p95 / self.pages["static"].p95


def measure(directory: Path, instances: int = INSTANCES) -> ListsResult:
    url = new_database("sqlite", "bench_lists", directory)
    ctx = prepared(url)
    rows = sample_target_list(2, bad_rows=False)
    for n in range(instances):
        create_campaign(ctx, "unit", "sasaran.csv", rows, f"Kampanye {n:04d}", "")
    ctx.engine.dispose()
    times: dict[str, list[float]] = {name: [] for name in PAGES}
    with servers(url, directory) as (server,):
        browser = Browser(server.port)
        browser.login("kasi")
        before = request(server.port, "GET", "/bench/counters").json().get("workflow_loads", 0)
        names = list(PAGES)
        for n in range(WARMUP + ROUNDS):
            for name in names[n % 3:] + names[:n % 3]:
                answer = browser.get(PAGES[name])
                assert answer.status == 200, (name, answer.status)
                if n >= WARMUP:
                    times[name].append(answer.ms)
        loads = request(server.port, "GET", "/bench/counters").json().get("workflow_loads", 0) - before
    assert loads == 0, f"the lists deserialized {loads} workflows"
    return ListsResult({name: Summary.of(values) for name, values in times.items()}, instances, loads)
