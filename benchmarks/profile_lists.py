"""Where a list page's time goes: ``python -m benchmarks.profile_lists [PAGE] [N] [DB]`` requests ``PAGE`` (``/``,
``/kampanye`` or ``/bench/static``) N times as the logged-in Kasi with 1,000 open instances (the app in process, no
HTTP server) under pyinstrument, prints the profile and the SQL statements of one request; ``PAGE`` ``time``: the
three pages' medians and p95s, requested in turn without the profiler. ``DB``: a SQLite file to keep between runs
(made when missing)."""
from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from flask.testing import FlaskClient

from engine.campaign import create_campaign
from engine.context import Context
from engine.demo import sample_target_list
from engine.settings import Settings
from engine.users import set_password

from .app import create_app
from .harness import PASSWORD, Summary, prepared
from .lists import INSTANCES, PAGES
from .profile import profile


def _database(path: Path) -> str:
    """The lists' database at ``path`` (made when missing); the Kasi's password set to this run's."""
    url = f"sqlite:///{path}"
    if not path.exists():
        ctx = prepared(url)
        rows = sample_target_list(2, bad_rows=False)
        for n in range(INSTANCES):
            create_campaign(ctx, "unit", "sasaran.csv", rows, f"Kampanye {n:04d}", "")
    else:
        ctx = Context.from_settings(Settings(database_url=url))
        with ctx.transaction() as session:
            set_password(session, "kasi", PASSWORD)
    ctx.engine.dispose()
    return url


def _times(client: FlaskClient, rounds: int) -> None:
    """Wall and CPU time of each page (CPU time: less at the mercy of a busy machine)."""
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in PAGES}
    names = list(PAGES)
    for n in range(rounds):
        for name in names[n % 3:] + names[:n % 3]:
            wall, cpu = time.perf_counter(), time.process_time()
            assert client.get(PAGES[name]).status_code == 200
            times[name].append(((time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000))
    for name, values in times.items():
        wall_, cpu_ = Summary.of([w for w, _ in values[5:]]), Summary.of([c for _, c in values[5:]])
        print(f"{name:10} wall median {wall_.median:6.2f} p95 {wall_.p95:6.2f}   "
              f"cpu median {cpu_.median:6.2f} p95 {cpu_.p95:6.2f} ms")


def main() -> None:
    page = sys.argv[1] if len(sys.argv) > 1 else "/"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["KLIP_DATABASE_URL"] = _database(Path(sys.argv[3]) if len(sys.argv) > 3 else Path(tmp) / "l.db")
        os.environ["KLIP_SECRET_KEY"] = "profile"
        app = create_app()
        app.config["WTF_CSRF_ENABLED"] = False
        client = app.test_client()
        assert client.post("/login", data={"username": "kasi", "password": PASSWORD}).status_code == 302
        if page == "time":
            _times(client, rounds)
            return
        def get() -> None:
            assert client.get(page).status_code == 200

        profile(app.extensions["klip"].engine, get, lambda: [get() for _ in range(rounds)], "request")


if __name__ == "__main__":
    main()
