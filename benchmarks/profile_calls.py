"""Where recording a call's time goes: ``python -m benchmarks.profile_calls [sqlite|postgresql] [N]`` sets up the load
step's campaign (50 agents at step 5), then, in process (no HTTP server), records N calls through
``POST /api/v1/contacts/<id>/calls`` alternating with N requests to ``POST /bench/insert``, prints both medians and
their ratio, the SQL statements of one call, and a pyinstrument profile of N more calls.

In-process figures leave out HTTP and gunicorn, and the machine's other work moves them; the load step
(``benchmarks.load``) is the measure, this is the magnifying glass."""
from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from .app import create_app
from .harness import new_database
from .load import _Agent, _campaign_at_step_5
from .profile import profile


def main() -> None:
    kind = sys.argv[1] if len(sys.argv) > 1 else "sqlite"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    with tempfile.TemporaryDirectory() as tmp:
        url = new_database(kind, "bench_profile_calls", Path(tmp))
        campaign_id, agents = _campaign_at_step_5(url)
        os.environ["KLIP_DATABASE_URL"], os.environ["KLIP_SECRET_KEY"] = url, "profile"
        app = create_app()
        client = app.test_client()

        def call(agent: _Agent, n: int) -> None:
            callback = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
            answer = client.post(f"/api/v1/contacts/{agent.contacts[n % len(agent.contacts)]}/calls",
                                 json={"outcome": "minta_dihubungi_kembali", "callback_at": callback,
                                       "notes": "minta ditelepon besok", "duration_s": 42},
                                 headers={"Authorization": f"Bearer {agent.token}"})
            assert answer.status_code == 201, answer.get_json()

        def insert(agent: _Agent, n: int) -> None:
            answer = client.post("/bench/insert", json={
                "contact_id": agent.contacts[n % len(agent.contacts)], "campaign_id": campaign_id,
                "outcome": "minta_dihubungi_kembali", "notes": "minta ditelepon besok", "duration_s": 42},
                headers={"Authorization": f"Bearer {agent.token}"})
            assert answer.status_code == 201

        for n, agent in enumerate(agents):  # warm-up; every token's use recorded
            call(agent, n)
            insert(agent, n)
        times: dict[str, list[float]] = {"call": [], "insert": []}
        for n in range(rounds):
            agent = agents[n % len(agents)]
            for name, send in (("call", call), ("insert", insert))[:: 1 if n % 2 else -1]:
                began = time.perf_counter()
                send(agent, n)
                times[name].append((time.perf_counter() - began) * 1000)
        medians = {name: statistics.median(values) for name, values in times.items()}
        print(f"{kind}: median call {medians['call']:.2f} ms, insert {medians['insert']:.2f} ms; "
              f"insert / call {medians['insert'] / medians['call']:.2f}")

        def calls() -> None:
            for n in range(rounds):
                call(agents[n % len(agents)], n)

        profile(app.extensions["klip"].engine, lambda: call(agents[0], rounds), calls, "call")

if __name__ == "__main__":
    main()
